"""The bean-ar command line through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import pathlib
import textwrap
from decimal import Decimal

import pytest
from click.testing import CliRunner

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger" / "main.beancount"
DEMO_DATE = "2026-11-26"

SMALL = """
plugin "beancount_ar" "{'grace_days': 5}"
2024-01-01 open Assets:Bank:Checking
2024-01-01 open Income:Design
2024-01-01 open Assets:Receivable:Acme
  customer: "Acme Corp"
2024-01-01 open Assets:Receivable:Beta
  customer: "Beta LLC"

2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
  Assets:Receivable:Acme   1200.00 USD
  Income:Design

2024-03-20 * "Acme Corp" "Payment" ^INV-1001
  Assets:Bank:Checking     500.00 USD
  Assets:Receivable:Acme

2024-06-10 * "Beta LLC" "Flyers" ^B-7
  Assets:Receivable:Beta   1234567.50 USD
  Income:Design

2024-06-12 * "Beta LLC" "Deposit on next job"
  Assets:Bank:Checking     100.00 USD
  Assets:Receivable:Beta
"""


@pytest.fixture
def small(tmp_path: pathlib.Path) -> str:
    path = tmp_path / "small.beancount"
    path.write_text(SMALL)
    return str(path)


def run(*args: str, env: dict[str, str] | None = None):
    env = {"COLUMNS": "80", **(env or {})}  # tables as in an 80-column terminal
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_aging_json_has_the_spec_shape_and_exact_amounts(small):
    result = run(
        "aging", small, "--as-of", "2024-06-30", "--format", "json", "--detail"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["as_of"] == "2024-06-30"
    assert report["basis"] == "due"
    assert report["buckets"] == ["current", "1-30", "31-60", "61-90", "91+"]
    acme, beta = report["customers"]
    assert acme == {
        "account": "Assets:Receivable:Acme",
        "name": "Acme Corp",
        "buckets": {"91+": {"USD": "700.00"}},
        "unapplied": {},
        "total": {"USD": "700.00"},
    }
    # The deposit paid part of the invoice issued before it (FIFO).
    assert beta["buckets"] == {"current": {"USD": "1234467.50"}}
    assert report["totals"]["total"] == {"USD": "1235167.50"}
    assert report["invoices"][0] == {
        "invoice": "INV-1001",
        "account": "Assets:Receivable:Acme",
        "date": "2024-03-01",
        "due": "2024-03-31",
        "terms": "Net 30",
        "days_overdue": 91,
        "bucket": "91+",
        "amount": {"USD": "1200.00"},
        "open": {"USD": "700.00"},
    }


def test_aging_table_fits_80_columns_with_separators(small):
    result = run("aging", small, "--as-of", "2024-06-30")
    assert result.exit_code == 0
    assert "1,234,467.50" in result.stdout
    assert "Total USD" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


WIDE = (
    """
2023-01-01 open Assets:Bank:Checking
2023-01-01 open Income:Design
2023-01-01 open Assets:Receivable:Tokyo
  customer: "株式会社東京デザイン印刷工房"
2023-01-01 open Assets:Receivable:Long
  customer: "The Extremely Long Named Regional Hospitality Group of Maine"
"""
    + "".join(
        f"""
2024-{month:02d}-01 * "Big job" ^INVOICE-WITH-A-VERY-LONG-NUMBER-{month}
  Assets:Receivable:{who}   {amount} USD
  Income:Design
"""
        for month, who, amount in [
            (1, "Tokyo", "3876543.21"),
            (3, "Long", "2765432.10"),
            (4, "Tokyo", "2654321.09"),
            (5, "Long", "1543210.98"),
            (6, "Tokyo", "1432109.87"),
        ]
    )
    + "".join(
        f"""
2024-06-2{i} * "Deposit"
  Assets:Bank:Checking   {i}00.00 USD
  Assets:Receivable:{who}
"""
        for i, who in [(1, "Tokyo"), (2, "Long")]
    )
    + "".join(
        f"""
2023-01-01 open Assets:Receivable:Prepaid{i}
  customer: "Prepaying Customer Number {i} With A Long Name"
2024-06-2{i} * "Deposit"
  Assets:Bank:Checking   {i}000.00 USD
  Assets:Receivable:Prepaid{i}
"""
        for i in range(1, 5)
    )
)


@pytest.mark.parametrize("basis", ["due", "invoice"])
def test_tables_with_wide_names_and_millions_fit_the_width_given(tmp_path, basis):
    import wcwidth

    path = tmp_path / "wide.beancount"
    path.write_text(WIDE)
    args = ["--as-of", "2024-06-30", "--basis", basis, "--detail"]
    result = run("aging", str(path), *args, "--width", "120")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(wcwidth.wcswidth(line) for line in lines) <= 120
    # The totals label is never cut, no digit of any amount is lost, and the
    # thousands separators stay.
    assert any(line.startswith("Total USD ") for line in lines)
    total = json.loads(run("aging", str(path), *args, "--format", "json").stdout)
    for number in total["totals"]["total"].values():
        assert f"{Decimal(number):,}" in result.stdout
    assert "2,654,321.09" in result.stdout and "株式会社" in result.stdout
    # Days past due (or since the invoice) right-aligned under their header.
    header = [line for line in lines if line.startswith("Customer  ")][-1]
    days = "Days" if basis == "due" else "Age"
    assert days in header


def test_at_80_columns_names_are_cut_before_anything_else(tmp_path):
    path = tmp_path / "wide.beancount"
    path.write_text(WIDE)
    result = run("aging", str(path), "--as-of", "2024-06-30", "--width", "80")
    lines = result.stdout.splitlines()
    # Unapplied credits too wide for a column are listed, wrapped, below.
    assert "Totals include unapplied credits" in result.stdout
    assert "Number 4 With A Long Name -4,000.00" in " ".join(result.stdout.split())
    # Millions keep their separators even where the table must grow wider.
    assert "12,261,317.25" in result.stdout
    rows = [line for line in lines if line.startswith(("The Extr", "Total USD"))]
    assert rows and all("…" in r or r.startswith("Total USD") for r in rows)


def test_tables_follow_the_terminal_width_from_columns(tmp_path):
    path = tmp_path / "wide.beancount"
    path.write_text(WIDE)
    wide = run("aging", str(path), "--as-of", "2024-06-30", env={"COLUMNS": "200"})
    assert "The Extremely Long Named Regional Hospitality Group of Maine" in wide.stdout
    narrow = run("aging", str(path), "--as-of", "2024-06-30", env={"COLUMNS": "80"})
    assert "The Extremely Long Named" not in narrow.stdout


def test_aging_csv_has_one_row_per_customer_and_currency_plus_total(small):
    result = run("aging", small, "--as-of", "2024-06-30", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["customer"] for r in rows] == ["Acme Corp", "Beta LLC", "Total"]
    assert rows[0]["91+"] == "700.00"
    assert rows[2]["total"] == "1235167.50"


def test_aging_invoice_basis_and_custom_buckets(small):
    result = run(
        "aging", small, "--as-of", "2024-06-30", "--basis", "invoice",
        "--buckets", "60,120", "--format", "json",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["buckets"] == ["0-60", "61-120", "121+"]
    assert report["customers"][0]["buckets"] == {"121+": {"USD": "700.00"}}


def test_aging_customer_by_name(small):
    result = run("aging", small, "--as-of", "2024-06-30", "--customer", "beta llc",
                 "--format", "json")  # fmt: skip
    names = [c["name"] for c in json.loads(result.stdout)["customers"]]
    assert names == ["Beta LLC"]


def test_ledger_from_beancount_file_variable(small):
    result = run("aging", "--as-of", "2024-06-30", "--format", "json",
                 env={"BEANCOUNT_FILE": small})  # fmt: skip
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["total"] == {"USD": "1235167.50"}


def test_overdue_json_objects_carry_status(small):
    result = run("overdue", small, "--as-of", "2024-06-30", "--format", "json")
    (invoice,) = json.loads(result.stdout)["invoices"]
    assert invoice["invoice"] == "INV-1001"
    assert invoice["customer"] == "Acme Corp"
    assert invoice["level"] == "agency"  # 91 days: past 90
    assert invoice["disputed"] is False
    assert invoice["promise"] is None
    assert invoice["last_note"] is None
    assert invoice["next_followup"] is None
    assert invoice["open"] == {"USD": "700.00"}


def test_overdue_min_days(small):
    result = run("overdue", small, "--as-of", "2024-04-05", "--min-days", "10")
    assert "nothing is overdue" in result.stdout
    result = run("overdue", small, "--as-of", "2024-04-05", "--min-days", "5")
    assert "INV-1001" in result.stdout


def test_ledger_errors_go_to_stderr_with_file_and_line_and_exit_1(tmp_path):
    path = tmp_path / "bad.beancount"
    path.write_text(
        SMALL
        + textwrap.dedent(
            """
            2024-07-01 * "Acme Corp" "Poster" ^INV-1002
              terms: "Net3O"
              Assets:Receivable:Acme   100.00 USD
              Income:Design
            """
        )
    )
    result = run("aging", str(path), "--as-of", "2024-07-31", "--format", "json")
    assert result.exit_code == 1
    line = SMALL.count("\n") + 2
    assert f'{path}:{line}: unknown terms "Net3O"' in result.stderr
    # The report is still printed, with the invoice on the default terms.
    assert json.loads(result.stdout)["customers"][0]["total"] == {"USD": "800.00"}


def test_ledger_without_the_plugin_still_reports_engine_errors(tmp_path):
    path = tmp_path / "noplugin.beancount"
    path.write_text(
        SMALL.replace('plugin "beancount_ar" "{\'grace_days\': 5}"\n', "")
        + '\n2024-07-01 custom "ar-hold" Assets:Receivable:Acme "yes"\n'
    )
    result = run("aging", str(path), "--as-of", "2024-07-31")
    assert result.exit_code == 1
    assert "ar-hold: on must be TRUE or FALSE" in result.stderr
    assert "Acme Corp" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2024-13-01"], "is not a date"),
        (["--format", "xml"], "--format"),
        (["--buckets", "60,30"], "increasing"),
        (["--buckets", "a,b"], "list of days"),
        (["--basis", "paid"], "--basis"),
        (["--customer", "Nobody"], "no customer 'Nobody'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(small, args, message):
    result = run("aging", small, *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("bean-ar: error:")
    assert message in lines[0]


def test_missing_ledger_file_exits_2(tmp_path):
    result = run("aging", str(tmp_path / "nope.beancount"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_missing_ledger_argument_exits_2():
    result = run("overdue", env={"BEANCOUNT_FILE": ""})
    assert result.exit_code == 2
    assert "LEDGER" in result.stderr


def test_example_ledger_loads_clean_and_ages_into_every_bucket():
    result = run("aging", str(EXAMPLE), "--as-of", DEMO_DATE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["totals"]["buckets"]) == {
        "current",
        "1-30",
        "31-60",
        "61-90",
        "91+",
    }
    assert report["totals"]["unapplied"]  # the prepayment waiting for its invoice
    assert {"USD", "EUR"} <= set(report["totals"]["total"])


def test_example_ledger_tables_fit_80_columns():
    for command in ("aging", "overdue"):
        result = run(command, str(EXAMPLE), "--as-of", DEMO_DATE)
        assert result.exit_code == 0
        assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_worklist_json_items_have_the_spec_keys():
    result = run("worklist", str(EXAMPLE), "--as-of", DEMO_DATE, "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["as_of"] == DEMO_DATE
    first = report["items"][0]
    for key in ("account", "customer", "reason", "level", "invoices", "open",
                "contact", "last_note", "hold"):  # fmt: skip
        assert key in first
    # Gull Rock: the chronic late payer, on hold; INV-2026-106 newly reached
    # the manager level; its oldest, INV-2026-079, is promised for 30
    # November, so the level is that of the others (INV-2026-092, final
    # demand): the owner calls and asks for the customer's owner.
    assert first["customer"] == "Gull Rock Brewing Co."
    assert first["hold"]["on"] is True
    assert first["level"] == "final-demand"
    assert first["contact"]["role"] == "Owner"
    levels = {i["invoice"]: (i["level"], i["new_level"]) for i in first["invoices"]}
    assert levels == {
        "INV-2026-079": ("agency", False),
        "INV-2026-092": ("final-demand", False),
        "INV-2026-106": ("manager", True),
        "INV-2026-118": ("reminder", True),
    }
    # The disputed invoice is listed apart, not called about.
    assert [d["invoice"] for d in report["disputes"]] == ["INV-2026-104"]
    called = {i["invoice"] for item in report["items"] for i in item["invoices"]}
    assert "INV-2026-104" not in called


def test_worklist_table_reads_as_calls_and_fits_80_columns():
    result = run("worklist", str(EXAMPLE), "--as-of", DEMO_DATE)
    assert result.exit_code == 0
    assert "ask for Dave Pelletier (Owner)  +1 207 555 0163" in result.stdout
    assert "Disputed (not in the calls):" in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_overdue_flags_hold_and_unearned_discount_in_the_example():
    result = run("overdue", str(EXAMPLE), "--as-of", DEMO_DATE, "--format", "json")
    invoices = {i["invoice"]: i for i in json.loads(result.stdout)["invoices"]}
    assert invoices["INV-2026-101"]["unearned_discount"] is True
    assert invoices["INV-2026-079"]["hold"] is True
    assert invoices["INV-2026-104"]["disputed"] is True
