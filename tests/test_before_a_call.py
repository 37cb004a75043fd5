"""The command line before a call: `bean-ar customer`, tables that fit,
detail rows that sum, CSV numbers, names suggested, promises within what is
owed. Through click's CliRunner on the example ledger and small books."""

from __future__ import annotations

import csv
import io
import json
import pathlib
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
LEDGER = str(EXAMPLE / "main.beancount")
TODAY = "2026-11-26"


def run(*args: str, width: str = "80"):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": width})


# -- bean-ar customer ---------------------------------------------------------


def test_customer_shows_everything_about_one_customer():
    result = run("customer", LEDGER, "Gull Rock", "--as-of", TODAY)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(
        "Gull Rock Brewing Co. (Assets:Receivable:GullRock) as of 2026-11-26\n"
    )
    assert "Balance 9,675.00 USD; overdue 8,815.00 USD; level agency" in text
    assert "ON CREDIT HOLD: on hold since 2026-11-06" in text
    # Open items, each with its own level; the one not yet due says when.
    rows = {line.split()[0]: line for line in text.split("\n") if "INV-2026-" in line}
    assert "105" in rows["INV-2026-079"] and "agency" in rows["INV-2026-079"]
    assert "manager" in rows["INV-2026-106"]
    assert "due in 7" in rows["INV-2026-123"]
    # Contacts with roles and phones, and whom to ask for.
    assert "Carl Haskell    Controller  +1 207 555 0162" in text
    assert "Ask for Dave Pelletier, Owner (the owner calls)" in text
    # Every promise with its status, the follow-up, the last notes.
    assert (
        "2026-11-19: 1,000.00 USD for INV-2026-079 by 2026-11-30, pending (0.00 paid)"
        in text
    )
    assert "by 2026-11-05, broken (500.00 paid)" in text
    assert "due 2026-12-01: Check Gull Rock paid the 1,000.00 promised" in text
    assert '2026-11-19 (phone, Dave Pelletier): "Maya (owner) called Dave' in text
    assert "100 % paid late" in text
    assert max(len(line) for line in text.split("\n")) <= 80


def test_customer_shows_a_plan_with_its_instalments_and_adherence():
    result = run("customer", LEDGER, "Kennebec", "--as-of", TODAY)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Plan of 2026-06-18: behind" in text
    assert "4,000.00 paid of 5,000.00 due by now" in " ".join(text.split())
    schedule = [
        row
        for row in (line.split() for line in text.split("\n"))
        if len(row) == 4 and row[2] == "USD"
    ]
    states = [row[-1] for row in schedule]
    # Paid a few days after each date from July to October, November missed,
    # December to come.
    assert states == ["late", "late", "late", "late", "missed", "due"]
    assert schedule[-1][:2] == ["2026-12-01", "1,000.00"]


def test_customer_shows_unapplied_credits():
    result = run("customer", LEDGER, "Munjoy Hill", "--as-of", TODAY)
    assert "-1,000.00 USD" in result.stdout
    assert "unapplied credit" in result.stdout


def test_customer_json_has_the_same_data():
    result = run("customer", LEDGER, "Gull Rock", "--as-of", TODAY, "--format", "json")
    data = json.loads(result.stdout)
    assert data["balance"] == {"USD": "9675.00"}
    assert data["hold"]["on"] is True
    assert data["ask_for"]["name"] == "Dave Pelletier"
    levels = {i["invoice"]: i["level"] for i in data["items"]}
    assert levels["INV-2026-079"] == "agency" and levels["INV-2026-123"] is None
    assert [p["status"] for p in data["promises"]][:2] == ["pending", "broken"]
    assert data["notes"][0]["date"] == "2026-11-19"
    assert [c["role"] for c in data["contacts"]] == ["A/P Clerk", "Controller", "Owner"]


def test_an_unknown_customer_suggests_the_closest_names():
    result = run("customer", LEDGER, "Gull Rok", "--as-of", TODAY)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "bean-ar: error: Invalid value for CUSTOMER: no customer 'Gull Rok'; "
        'did you mean "Gull Rock Brewing Co."?'
    )
    result = run("aging", LEDGER, "--customer", "Harbour Light")
    assert 'did you mean "Harbor Light Coffee"?' in result.stderr
    assert "--customer" in result.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["statement", LEDGER, "Nobody"], "CUSTOMER"),
        (["log", "promise", LEDGER, "Back Cove", "100", "2099-01-01", "--invoice", "X"],
         "--invoice"),
        (["log", "plan", LEDGER, "Back Cove", "100", "2", "fortnightly", "2099-01-01"],
         "monthly|weekly"),
        (["log", "hold", LEDGER, "Back Cove", "maybe", "why"], "on|off"),
    ],
)  # fmt: skip
def test_errors_name_only_what_the_command_has(args, named):
    result = run(*args)
    assert result.exit_code == 2
    assert f"Invalid value for {named}:" in result.stderr
    usage = run(*args[:2], "--help").stdout if args[0] == "log" else ""
    assert named.split("|")[0] in (usage or named)


# -- tables, detail rows, CSV -------------------------------------------------


def test_aging_detail_lists_unapplied_credits_so_rows_sum_to_the_total():
    result = run("aging", LEDGER, "--as-of", TODAY, "--detail", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    total = json.loads(
        run("aging", LEDGER, "--as-of", TODAY, "--format", "json").stdout
    )
    for currency, amount in total["totals"]["total"].items():
        assert sum(
            Decimal(r["open"]) for r in rows if r["currency"] == currency
        ) == Decimal(amount)
    credits = [r for r in rows if r["bucket"] == "unapplied"]
    assert [(r["customer"], r["open"]) for r in credits] == [
        ("Munjoy Hill Books", "-1000.00")
    ]
    table = run("aging", LEDGER, "--as-of", TODAY, "--detail").stdout
    # At 80 columns the invoice date makes way; a credit keeps its date.
    (row,) = [line for line in table.split("\n") if "(payment" in line]
    assert "(payment 2026-11-18)" in row
    assert row.split()[-3:] == ["unapplied", "-1,000.00", "USD"]
    assert max(len(line) for line in table.split("\n")) <= 80


def test_csv_amounts_are_numbers_with_the_currency_in_its_own_column():
    for command in ("aging", "overdue", "worklist", "metrics"):
        result = run(command, LEDGER, "--as-of", TODAY, "--format", "csv")
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows, command
        assert "currency" in rows[0], command
        for row in rows:
            for key in ("open", "overdue", "total", "credit_sales", "ending_ar"):
                if row.get(key):
                    Decimal(row[key])  # a number, no currency, no separators


def test_worklist_csv_has_a_row_per_call_and_currency():
    result = run("worklist", LEDGER, "--as-of", TODAY, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    gull = [r for r in rows if r["customer"] == "Gull Rock Brewing Co."]
    assert [(r["currency"], r["overdue"]) for r in gull] == [("USD", "8815.00")]


def test_thousands_separators_are_the_same_in_every_table():
    for command in ("aging", "overdue", "worklist", "metrics"):
        text = run(command, LEDGER, "--as-of", TODAY).stdout
        assert "8,815.00" in text or "9,675.00" in text or "2,780.00" in text, command


def test_phone_numbers_are_never_broken_across_lines():
    text = run("worklist", LEDGER, "--as-of", TODAY, width="40").stdout
    for phone in ("+1 207 555 0163", "+1 207 555 0211"):
        assert phone in text


# -- promises within what is owed ---------------------------------------------


@pytest.fixture
def books(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "books")
    return tmp_path / "books" / "main.beancount"


def test_a_promise_larger_than_the_balance_is_refused(books):
    before = (books.parent / "collections.beancount").read_bytes()
    result = run("log", "promise", str(books), "Back Cove", "5000", "2099-12-31",
                 "--date", TODAY)  # fmt: skip
    assert result.exit_code == 2
    assert (
        "Invalid value for AMOUNT: 5,000.00 USD is more than is owed: "
        "the balance on 2026-11-26 is 640.00 USD"
    ) in result.stderr
    assert (books.parent / "collections.beancount").read_bytes() == before


def test_a_promise_larger_than_the_invoice_is_refused(books):
    result = run("log", "promise", str(books), "Gull Rock", "3000", "2099-12-31",
                 "--invoice", "INV-2026-079", "--date", TODAY)  # fmt: skip
    assert result.exit_code == 2
    assert "INV-2026-079 has 2,780.00 USD open" in result.stderr
    ok = run("log", "promise", str(books), "Gull Rock", "2780", "2099-12-31",
             "--invoice", "INV-2026-079", "--date", TODAY)  # fmt: skip
    assert ok.exit_code == 0, ok.output


def test_an_activity_statement_from_after_its_date_is_refused():
    result = run("statement", LEDGER, "Gull Rock", "--as-of", "2026-11-01",
                 "--kind", "activity", "--from", "2026-11-20", "--format", "txt")  # fmt: skip
    assert result.exit_code == 2
    assert "Invalid value for --from: 2026-11-20 is after --as-of 2026-11-01" in (
        result.stderr
    )


def test_one_email_is_one_email(tmp_path):
    result = run("remind", LEDGER, "--as-of", "2026-11-25", "--out", str(tmp_path))
    count = len(list(tmp_path.iterdir()))
    assert f"{count} email{'s' if count != 1 else ''} in" in result.stdout


def test_on_hold_is_never_split_across_lines():
    for width in ("40", "60", "80"):
        text = run("worklist", LEDGER, "--as-of", TODAY, width=width).stdout
        assert text.count("[ON HOLD]") == 2, width


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["note", "Back Cove", "n" * 2001], "TEXT"),
        (["note", "Back Cove", "ok", "--contact", "c" * 2001], "--contact"),
        (["dispute", "Back Cove", "INV-2026-119", "r" * 2001], "REASON"),
        (["hold", "Back Cove", "on", "h" * 2001], "REASON"),
        (["followup", "Back Cove", "2099-01-01", "w" * 2001], "WHAT"),
    ],
)
def test_free_text_over_2000_characters_is_refused(books, args, named):
    before = (books.parent / "collections.beancount").read_bytes()
    result = run("log", args[0], str(books), *args[1:])
    assert result.exit_code == 2
    assert f"Invalid value for {named}: 2,001 characters: at most 2,000" in (
        result.stderr
    )
    assert (books.parent / "collections.beancount").read_bytes() == before
