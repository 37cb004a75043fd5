"""The cash-collection forecast and its back-test."""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from arutil import D, day, load
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import START, ledger_text, ledgers
from test_properties import load as load_text

import beancount_ar.cli.forecast  # noqa: F401 (registers the commands)
from beancount_ar import aging
from beancount_ar.backtest import backtest
from beancount_ar.cli.common import cli
from beancount_ar.forecast import SOURCES, forecast

EXAMPLE = Path(__file__).resolve().parent.parent / "example-ledger" / "main.beancount"

# As of 2024-03-31 (week 1 is 04-01..04-07):
# - Acme paid INV-A0 10 days late; INV-A1 (1000, due 03-31) has a promise of
#   600 by 04-10: 600 promised on 04-10, the other 400 expected 10 days
#   after its due date, 04-10 too: week 2.
# - Beta paid two invoices 20 days late; INV-B2 (2000, due 04-09) is
#   expected 04-29: week 5. INV-B3 (800) is disputed.
# - Cove owes 2000 of INV-C1 under a 3 x 1000 plan from 02-15: the 03-15
#   instalment was missed (week 1), the 04-15 one is in week 3.
# - Dory's INV-D1 (1000) is 121 days past due: 60 % expected, 400 not. Dory
#   has no history, and no payment in the ledger was ever that late: week 1.
SMALL = """
2020-01-01 open Assets:Receivable:Cove
  terms: "Net 30"
2020-01-01 open Assets:Receivable:Dory
  terms: "Net 30"

2024-01-01 * "Design" ^INV-A0
  Assets:Receivable:Acme  1000.00 USD
  Income:Design
2024-02-10 * "Payment" ^INV-A0
  Assets:Bank:Checking  1000.00 USD
  Assets:Receivable:Acme
2024-03-01 * "Design" ^INV-A1
  Assets:Receivable:Acme  1000.00 USD
  Income:Design
2024-03-25 custom "ar-promise" Assets:Receivable:Acme 600.00 USD 2024-04-10 "INV-A1"

2024-01-01 * "Design" ^INV-B0
  Assets:Receivable:Beta  500.00 USD
  Income:Design
2024-01-15 * "Design" ^INV-B1
  Assets:Receivable:Beta  1500.00 USD
  Income:Design
2024-02-20 * "Payment" ^INV-B0
  Assets:Bank:Checking  500.00 USD
  Assets:Receivable:Beta
2024-03-05 * "Payment" ^INV-B1
  Assets:Bank:Checking  1500.00 USD
  Assets:Receivable:Beta
2024-03-10 * "Design" ^INV-B2
  Assets:Receivable:Beta  2000.00 USD
  Income:Design
2024-03-15 * "Design" ^INV-B3
  Assets:Receivable:Beta  800.00 USD
  Income:Design
2024-03-20 custom "ar-dispute" Assets:Receivable:Beta "INV-B3" "wrong colour"

2023-10-01 * "Print" ^INV-C1
  Assets:Receivable:Cove  3000.00 USD
  Income:Design
2024-02-01 custom "ar-plan" Assets:Receivable:Cove 3000.00 USD 3 "monthly" 2024-02-15
2024-02-15 * "Instalment" ^INV-C1
  Assets:Bank:Checking  1000.00 USD
  Assets:Receivable:Cove

2023-11-01 * "Print" ^INV-D1
  Assets:Receivable:Dory  1000.00 USD
  Income:Design
"""
AS_OF = day("2024-03-31")


def by_week(report, source=None):
    """Week number -> USD amount, of a source or in total, non-zero only."""
    result = {}
    for k, week in enumerate(report.weeks, 1):
        money = week.sources.get(source, {}) if source else week.expected
        if money.get("USD"):
            result[k] = money["USD"]
    return result


def test_forecast_weeks_on_a_small_ledger():
    report = forecast(load(SMALL).index, AS_OF)
    assert report.weeks[0].start == day("2024-04-01")
    assert report.weeks[0].end == day("2024-04-07")
    assert report.weeks[12].end == day("2024-06-30")
    assert by_week(report, "promised") == {2: D("600.00")}
    assert by_week(report, "plan") == {1: D("1000.00"), 3: D("1000.00")}
    assert by_week(report, "expected") == {
        1: D("600.00"),  # Dory: 1000 x 0.60
        2: D("400.00"),  # Acme's rest, 10 days late
        5: D("2000.00"),  # Beta, 20 days late
    }
    assert by_week(report) == {
        1: D("1600.00"),
        2: D("1000.00"),
        3: D("1000.00"),
        5: D("2000.00"),
    }
    assert report.disputed == {"USD": D("800.00")}
    assert report.uncollectible == {"USD": D("400.00")}
    assert report.later == {}


def test_forecast_flows_say_where_each_amount_comes_from():
    flows = {(f.invoice, f.source): f for f in forecast(load(SMALL).index, AS_OF).flows}
    dory = flows[("INV-D1", "expected")]
    assert (dory.day, dory.open, dory.amount, dory.share) == (
        AS_OF,
        D("1000.00"),
        D("600.00"),
        D("0.60"),
    )
    assert flows[("INV-A1", "promised")].day == day("2024-04-10")
    assert flows[("INV-A1", "expected")].day == day("2024-04-10")
    assert flows[("INV-B2", "expected")].day == day("2024-04-29")
    assert flows[("INV-B2", "expected")].customer == "Beta LLC"
    assert ("INV-B3", "expected") not in flows  # disputed: not forecast


def test_expected_follows_how_the_customer_paid_before():
    # Acme paid a quarter of its bills 5 days late, three quarters 19 days
    # late: an invoice due 2024-04-02 comes in a quarter on 04-07 (week 1),
    # the rest on 04-21 (week 3); once it is 10 days late, all on 04-21.
    led = load(
        """
        2024-01-01 * "Design" ^INV-H1
          Assets:Receivable:Acme  1000.00 USD
          Income:Design
        2024-02-05 * "Payment" ^INV-H1
          Assets:Bank:Checking  1000.00 USD
          Assets:Receivable:Acme
        2024-01-10 * "Design" ^INV-H2
          Assets:Receivable:Acme  3000.00 USD
          Income:Design
        2024-02-28 * "Payment" ^INV-H2
          Assets:Bank:Checking  3000.00 USD
          Assets:Receivable:Acme
        2024-03-03 * "Design" ^INV-N
          Assets:Receivable:Acme  1000.00 USD
          Income:Design
        """
    )
    report = forecast(led.index, AS_OF)
    assert [(f.day, f.open, f.amount) for f in report.flows] == [
        (day("2024-04-07"), D("250.00"), D("250.00")),
        (day("2024-04-21"), D("750.00"), D("750.00")),
    ]
    assert by_week(report) == {1: D("250.00"), 3: D("750.00")}
    later = forecast(led.index, day("2024-04-12"))
    assert [(f.day, f.open, f.share) for f in later.flows] == [
        (day("2024-04-21"), D("1000.00"), D("0.98"))
    ]


def test_forecast_of_some_customers_only():
    index = load(SMALL).index
    report = forecast(index, AS_OF, accounts={"Assets:Receivable:Beta"})
    assert {f.invoice for f in report.flows} == {"INV-B2"}
    assert by_week(report) == {5: D("2000.00")}  # still 20 days late
    assert report.disputed == {"USD": D("800.00")}
    assert report.uncollectible == {}


def test_a_promise_made_after_the_day_is_not_known_yet():
    report = forecast(load(SMALL).index, day("2024-03-24"))
    assert not any(f.source == "promised" for f in report.flows)


def test_a_broken_promise_no_longer_counts():
    report = forecast(load(SMALL).index, day("2024-04-11"))
    acme = [f for f in report.flows if f.invoice == "INV-A1"]
    assert [f.source for f in acme] == ["expected"]
    assert acme[0].open == D("1000.00")


def test_a_promise_for_the_whole_account_is_spread_in_due_order():
    led = load(
        """
        2024-03-01 * "Design" ^INV-1
          Assets:Receivable:Acme  300.00 USD
          Income:Design
        2024-03-05 * "Design" ^INV-2
          Assets:Receivable:Acme  500.00 USD
          Income:Design
        2024-03-20 custom "ar-promise" Assets:Receivable:Acme 400.00 USD 2024-04-05
        """
    )
    promised = [f for f in forecast(led.index, AS_OF).flows if f.source == "promised"]
    assert [(f.invoice, f.amount) for f in promised] == [
        ("INV-1", D("300.00")),
        ("INV-2", D("100.00")),
    ]


def test_a_payment_promised_in_two_parts_the_same_day_counts_both():
    led = load(
        """
        2024-03-01 * "Design" ^INV-1
          Assets:Receivable:Acme  1000.00 USD
          Income:Design
        2024-03-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2024-04-05
        2024-03-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2024-05-15
        """
    )
    promised = [f for f in forecast(led.index, AS_OF).flows if f.source == "promised"]
    assert [(f.day, f.amount) for f in promised] == [
        (day("2024-04-05"), D("500.00")),
        (day("2024-05-15"), D("500.00")),
    ]
    # A promise made later replaces both.
    again = load(
        """
        2024-03-01 * "Design" ^INV-1
          Assets:Receivable:Acme  1000.00 USD
          Income:Design
        2024-03-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2024-04-05
        2024-03-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2024-05-15
        2024-03-24 custom "ar-promise" Assets:Receivable:Acme 1000.00 USD 2024-04-20
        """
    )
    promised = [f for f in forecast(again.index, AS_OF).flows if f.source == "promised"]
    assert [(f.day, f.amount) for f in promised] == [(day("2024-04-20"), D("1000.00"))]


def test_configured_collectability_overrides_the_default_curve():
    led = load(SMALL, config="{'collectability': {'91+': 0.25}}")
    report = forecast(led.index, AS_OF)
    dory = next(f for f in report.flows if f.invoice == "INV-D1")
    assert (dory.share, dory.amount) == (D("0.25"), D("250.00"))
    assert report.uncollectible == {"USD": D("750.00")}


def totals(report, open_basis: bool):
    """Per currency: the flows (open or expected amounts), later and
    uncollectible included, plus disputed less credit balances."""
    money = defaultdict(Decimal)
    if open_basis:
        for flow in report.flows:
            money[flow.currency] += flow.open
    else:
        for week in report.weeks:
            for cur, number in week.expected.items():
                money[cur] += number
        for part in (report.later, report.uncollectible):
            for cur, number in part.items():
                money[cur] += number
    for cur, number in report.disputed.items():
        money[cur] += number
    for cur, number in report.credit_balances.items():
        money[cur] -= number
    return {cur: n for cur, n in money.items() if n}


def check_invariant(index, as_of, weeks=13):
    report = forecast(index, as_of, weeks)
    expected = {
        cur: n for cur, n in aging.aging(index, as_of).totals.total.items() if n
    }
    assert totals(report, open_basis=True) == expected
    assert totals(report, open_basis=False) == expected
    for week in report.weeks:
        for cur, number in week.expected.items():
            parts = sum((week.sources[s].get(cur, 0) for s in week.sources), 0)
            assert parts == number


def test_totals_equal_open_less_disputed_and_credits():
    check_invariant(load(SMALL).index, AS_OF)
    check_invariant(load(SMALL).index, AS_OF, weeks=2)  # most of it later


def test_totals_hold_on_the_example_ledger_with_a_credit_balance():
    from beancount_ar import ledger

    index = ledger.load(str(EXAMPLE)).index
    report = forecast(index, day("2026-11-26"))
    assert report.credit_balances  # a customer's prepayment beyond its invoices
    for as_of in ("2025-06-30", "2026-03-31", "2026-11-26"):
        check_invariant(index, day(as_of))


promises = st.lists(
    st.tuples(
        st.integers(0, 30),  # made that many days before the as-of date
        st.integers(0, 40),  # due that many days after it was made
        st.decimals(min_value=Decimal("1"), max_value=Decimal("3000"), places=2),
        st.sampled_from((None, 1, 2, 3)),
        st.sampled_from(("USD", "EUR")),
    ),
    max_size=3,
)
extras = st.fixed_dictionaries(
    {
        "disputed": st.lists(st.integers(1, 12), max_size=3),
        "plan": st.none()
        | st.tuples(
            st.sampled_from(("Acme", "Beta", "Gamma")),
            st.sampled_from(("USD", "EUR")),
            st.integers(0, 120),  # made that many days before the as-of date
            st.integers(1, 6),
        ),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(ledgers, promises, extras, st.integers(-5, 260))
def test_totals_hold_on_generated_ledgers(generated, promised, more, offset):
    events, matching = generated
    as_of = START + datetime.timedelta(days=offset)
    lines = [ledger_text(events, matching)]
    for before, days, amount, invoice, currency in promised:
        on = as_of - datetime.timedelta(days=before)
        by = on + datetime.timedelta(days=days)
        ref = f' "INV-{invoice}"' if invoice else ""
        for name in ("Acme", "Beta", "Gamma"):  # one owns the invoice
            lines.append(
                f'{on} custom "ar-promise" Assets:Receivable:{name} '
                f"{amount} {currency} {by}{ref}"
            )
    for invoice in more["disputed"]:
        for name in ("Acme", "Beta", "Gamma"):
            lines.append(
                f'{START} custom "ar-dispute" Assets:Receivable:{name} '
                f'"INV-{invoice}" "wrong"'
            )
    if more["plan"]:
        name, currency, before, count = more["plan"]
        on = as_of - datetime.timedelta(days=before)
        lines.append(
            f'{on} custom "ar-plan" Assets:Receivable:{name} 900.00 {currency} '
            f'{count} "monthly" {on + datetime.timedelta(days=10)}'
        )
    index = load_text("\n".join(lines) + "\n").index
    check_invariant(index, as_of)


# -- the command line -------------------------------------------------------


def ledger_file(tmp_path, body=SMALL):
    from arutil import HEADER

    path = tmp_path / "main.beancount"
    path.write_text(HEADER.format(config="{}") + body)
    return str(path)


def test_forecast_json_shape(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "forecast",
            ledger_file(tmp_path),
            "--as-of",
            "2024-03-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["as_of"] == "2024-03-31"
    assert len(report["weeks"]) == 13
    week = report["weeks"][0]
    assert week["start"] == "2024-04-01" and week["end"] == "2024-04-07"
    assert week["expected"] == {"USD": "1600.00"}
    assert week["sources"] == {
        "plan": {"USD": "1000.00"},
        "expected": {"USD": "600.00"},
    }
    assert report["weeks"][3]["expected"] == {}
    assert report["disputed"] == {"USD": "800.00"}
    assert report["uncollectible"] == {"USD": "400.00"}
    assert report["later"] == {}
    assert "as the customer paid before" in report["method"]
    assert set(SOURCES) >= set(report["weeks"][1]["sources"])


def test_forecast_text_is_a_table_per_currency(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["forecast", ledger_file(tmp_path), "--as-of", "2024-03-31", "--weeks", "4"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Expected collections after 2024-03-31, by week"
    assert "USD" in lines
    header = next(line for line in lines if "Promised" in line)
    assert header.split() == [
        "Week", "From", "To", "Promised", "Plan", "Expected", "Total"
    ]  # fmt: skip
    week1 = next(line for line in lines if line.strip().startswith("1 "))
    assert week1.split() == [
        "1", "2024-04-01", "2024-04-07", "-", "1,000.00", "600.00", "1,600.00"
    ]  # fmt: skip
    assert any(line.split()[:2] == ["Total", "3,600.00"] for line in lines)
    # Beta's 2000 in week 5 is after the 4 weeks shown.
    assert any(line.startswith("Later:") and "2,000.00 USD" in line for line in lines)
    assert any(line.startswith("Disputed:") and "800.00 USD" in line for line in lines)
    assert any(line.startswith("Method:") for line in lines)


def test_forecast_csv_has_a_row_per_week_and_currency(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["forecast", ledger_file(tmp_path), "--as-of", "2024-03-31", "--format", "csv"],
    )
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert rows[0] == "week,start,end,currency,promised,plan,expected,total"
    assert rows[1] == "1,2024-04-01,2024-04-07,USD,0.00,1000.00,600.00,1600.00"
    assert len(rows) == 1 + 13


def test_forecast_reports_ledger_errors_and_still_prints(tmp_path):
    path = ledger_file(tmp_path, SMALL + '2024-03-02 custom "ar-promis" Assets:X\n')
    result = CliRunner().invoke(cli, ["forecast", path, "--as-of", "2024-03-31"])
    assert result.exit_code == 1
    assert "main.beancount:" in result.stderr
    assert "Expected collections" in result.stdout


# -- the back-test ----------------------------------------------------------


def steady_ledger() -> str:
    """One customer, an invoice of 1000 on the 1st of every month of 2024,
    each paid exactly 10 days after its due date."""
    body = []
    for month in range(1, 13):
        issued = datetime.date(2024, month, 1)
        paid = issued + datetime.timedelta(days=40)
        body.append(
            f'{issued} * "Design" ^INV-{month}\n'
            "  Assets:Receivable:Acme  1000.00 USD\n  Income:Design\n"
            f'{paid} * "Payment" ^INV-{month}\n'
            "  Assets:Bank:Checking  1000.00 USD\n  Assets:Receivable:Acme\n"
        )
    return "".join(body)


def test_backtest_scores_the_forecast_and_both_baselines():
    report = backtest(load(steady_ledger()).index)
    # 13 weeks of history before, 13 weeks of the ledger after (to 2025-01-10).
    assert report.days[0] == day("2024-04-30")
    assert report.days[-1] == day("2024-09-30")
    wape = {(s.method, s.horizon): s.wape for s in report.scores}
    assert set(wape) == {
        (m, h) for m in ("forecast", "due date", "13-week average") for h in (4, 13)
    }
    # A customer who always pays 10 days late is forecast exactly; the due
    # date is a week early, every time: twice the actual off.
    assert wape[("forecast", 4)] == wape[("forecast", 13)] == 0
    assert wape[("due date", 4)] == wape[("due date", 13)] == 2
    assert wape[("13-week average", 4)] > 1


def test_backtest_command_prints_the_table(tmp_path):
    path = ledger_file(tmp_path, steady_ledger())
    result = CliRunner().invoke(cli, ["backtest", path])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Back-test: 6 month-ends from 2024-04-30")
    assert next(line for line in lines if line.startswith("forecast")).split() == [
        "forecast", "0.0%", "0.0%"
    ]  # fmt: skip
    assert next(line for line in lines if line.startswith("due date")).split() == [
        "due", "date", "200.0%", "200.0%"
    ]  # fmt: skip
    assert any(line.startswith("13-week average") for line in lines)


def test_backtest_range_and_json(tmp_path):
    path = ledger_file(tmp_path, steady_ledger())
    result = CliRunner().invoke(
        cli,
        ["backtest", path, "--from", "2024-06-01", "--to", "2024-07-31",
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["month_ends"] == ["2024-06-30", "2024-07-31"]
    assert {s["method"] for s in report["scores"]} == {
        "forecast", "due date", "13-week average"
    }  # fmt: skip


def test_backtest_of_a_short_ledger_says_why_there_is_nothing(tmp_path):
    result = CliRunner().invoke(cli, ["backtest", ledger_file(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "No month-end to back-test" in result.output
