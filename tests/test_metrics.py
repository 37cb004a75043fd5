"""Collection metrics against figures worked out by hand."""

from __future__ import annotations

import json

from arutil import D, day, load
from click.testing import CliRunner

from beancount_ar.cli import cli
from beancount_ar.metrics import metrics

# Period: 2024-04-01 .. 2024-06-29 (start 2024-03-31, 90 days).
LEDGER = """
2024-03-01 * "Acme Corp" "A: owed at the start" ^A
  Assets:Receivable:Acme   1000.00 USD
  Income:Design

2024-04-10 * "Acme Corp" "B: sold and paid in the period" ^B
  Assets:Receivable:Acme   2000.00 USD
  Income:Design

2024-04-15 * "Acme Corp" "Pays A, 45 days after it, late" ^A
  Assets:Bank:Checking     1000.00 USD
  Assets:Receivable:Acme

2024-05-01 * "Acme Corp" "D: overdue at the end" ^D
  Assets:Receivable:Acme    400.00 USD
  Income:Design

2024-05-05 * "Acme Corp" "Pays B, 25 days after it, on time" ^B
  Assets:Bank:Checking     2000.00 USD
  Assets:Receivable:Acme

2024-06-01 * "Acme Corp" "C: not yet due at the end" ^C
  Assets:Receivable:Acme    600.00 USD
  Income:Design
"""


def test_metrics_match_the_hand_computed_figures():
    led = load(LEDGER)
    report = metrics(led.index, day("2024-03-31"), day("2024-06-29"))
    (m,) = report.customers
    assert report.days == 90
    # Beginning AR: A, 1000. Credit sales: B + D + C = 2000 + 400 + 600 = 3000.
    # Ending AR: D + C = 1000, of which current (C, due 2024-07-01) 600.
    assert (m.beginning_ar, m.credit_sales, m.ending_ar, m.ending_current) == (
        D("1000.00"),
        D("3000.00"),
        D("1000.00"),
        D("600.00"),
    )
    # DSO = 1000 / 3000 x 90 = 30; best = 600 / 3000 x 90 = 18; ADD = 12.
    assert (m.dso, m.best_dso, m.add) == (D(30), D(18), D(12))
    # CEI = (1000 + 3000 - 1000) / (1000 + 3000 - 600) x 100 = 3000 / 3400 x 100.
    assert round(m.cei, 2) == D("88.24")
    # Days to pay = (1000 x 45 + 2000 x 25) / 3000 = 31.67; late: 1000 / 3000.
    assert round(m.days_to_pay, 2) == D("31.67")
    assert round(m.paid_late_pct, 2) == D("33.33")
    (total,) = report.totals
    assert total.dso == m.dso and total.cei == m.cei


def test_metrics_without_sales_have_no_ratios():
    led = load(LEDGER)
    report = metrics(led.index, day("2024-07-01"), day("2024-07-02"))
    (m,) = report.customers
    assert m.credit_sales == 0
    assert (m.dso, m.best_dso, m.add) == (None, None, None)


def test_metrics_cli_json_and_default_period(tmp_path):
    from arutil import HEADER

    path = tmp_path / "m.beancount"
    path.write_text(HEADER.format(config="{}") + LEDGER)
    result = CliRunner().invoke(
        cli, ["metrics", str(path), "--as-of", "2024-06-29", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["from"], report["days"]) == ("2024-03-31", 90)
    (total,) = report["totals"]
    assert (total["dso"], total["best_possible_dso"], total["add"], total["cei"]) == (
        "30.0",
        "18.0",
        "12.0",
        "88.2",
    )
    assert total["average_days_to_pay"] == "31.7"
    table = CliRunner().invoke(cli, ["metrics", str(path), "--as-of", "2024-06-29"])
    assert "Acme Corp" in table.stdout and "88.2" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80


def test_metrics_from_must_be_before_as_of(tmp_path):
    from arutil import HEADER

    path = tmp_path / "m.beancount"
    path.write_text(HEADER.format(config="{}") + LEDGER)
    result = CliRunner().invoke(
        cli, ["metrics", str(path), "--as-of", "2024-06-29", "--from", "2024-07-01"]
    )
    assert result.exit_code == 2
    assert "is not before" in result.stderr
