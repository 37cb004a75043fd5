"""Statements reconcile with the ledger, to the cent, for both kinds."""

from __future__ import annotations

import datetime

import pytest
from arutil import D, day, load
from test_properties import balances

from beancount_ar import statements

LEDGER = """
2024-01-01 custom "ar-company" "Northwind" "1 Harbour Rd" "billing@northwind.example" "+1 555 0199" "Pay by ACH"

2024-02-01 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design

2024-02-20 * "Acme Corp" "Extra proofs" ^INV-1
  ar-kind: "debit-memo"
  Assets:Receivable:Acme     50.00 USD
  Income:Design

2024-03-05 * "Acme Corp" "Part payment" ^INV-1
  Assets:Bank:Checking      600.00 USD
  Assets:Receivable:Acme

2024-03-10 * "Acme Corp" "Euro job" ^INV-2
  Assets:Receivable:Acme    800.00 EUR
  Income:Design

2024-03-12 * "Acme Corp" "Reprint credit" ^INV-2
  Assets:Receivable:Acme   -100.00 EUR
  Income:Design

2024-03-20 * "Acme Corp" "Deposit on next job"
  Assets:Bank:Checking      700.00 USD
  Assets:Receivable:Acme

2024-03-25 * "Acme Corp" "Poster" ^INV-3
  Assets:Receivable:Acme    200.00 USD
  Income:Design

2024-03-28 * "Beta LLC" "Overpaid"
  Assets:Bank:Checking       80.00 USD
  Assets:Receivable:Beta
"""
ACME = "Assets:Receivable:Acme"


@pytest.mark.parametrize(
    "as_of", ["2024-02-15", "2024-03-11", "2024-03-31", "2024-06-30"]
)
@pytest.mark.parametrize("account", [ACME, "Assets:Receivable:Beta"])
def test_open_item_statement_totals_are_the_ledger_balance(as_of, account):
    led = load(LEDGER)
    s = statements.statement(led.index, account, day(as_of))
    ledger_balance = {
        cur: n
        for (acc, cur), n in balances(led.entries, day(as_of)).items()
        if acc == account
    }
    assert {k: v for k, v in s.total_due.items() if v} == ledger_balance
    for section in s.sections:
        # Open lines plus unapplied credits are the total; the aging line too.
        assert (
            sum(line.open for line in section.open_lines) + section.unapplied
            == section.total
        )
        assert sum(section.aging.values()) + section.unapplied == section.total


def test_open_item_statement_lines():
    led = load(LEDGER)
    s = statements.statement(led.index, ACME, day("2024-03-31"))
    usd, eur = sorted(s.sections, key=lambda sec: sec.currency != "USD")
    # The deposit paid the rest of INV-1 (450) and all of INV-3 as it came.
    assert [(line.invoice, line.open) for line in usd.open_lines] == []
    assert usd.unapplied == D("-50.00")
    assert [
        (line.invoice, line.amount, line.open, line.days_overdue)
        for line in eur.open_lines
    ] == [("INV-2", D("800.00"), D("700.00"), -9)]
    assert s.company.name == "Northwind"


@pytest.mark.parametrize(
    "start", ["2024-01-01", "2024-02-10", "2024-03-06", "2024-03-21"]
)
def test_activity_statement_runs_from_opening_to_closing_balance(start):
    led = load(LEDGER)
    end = day("2024-03-31")
    s = statements.statement(led.index, ACME, end, statements.ACTIVITY, day(start))
    before = balances(led.entries, day(start) - datetime.timedelta(days=1))
    after = balances(led.entries, end)
    for section in s.sections:
        cur = section.currency
        assert section.opening == before.get((ACME, cur), 0)
        running = section.opening
        for line in section.activity:
            running += line.charge - line.credit
            assert line.balance == running
        assert running == section.total == after.get((ACME, cur), 0)


def test_activity_statement_lists_every_kind_of_movement():
    led = load(LEDGER)
    s = statements.statement(
        led.index, ACME, day("2024-03-31"), statements.ACTIVITY, day("2024-02-01")
    )
    kinds = [(line.date.isoformat(), line.kind, line.reference) for sec in s.sections
             for line in sec.activity]  # fmt: skip
    assert kinds == [
        ("2024-03-10", "invoice", "INV-2"),
        ("2024-03-12", "credit-note", "INV-2"),
        ("2024-02-01", "invoice", "INV-1"),
        ("2024-02-20", "debit-memo", "INV-1"),
        ("2024-03-05", "payment", "INV-1"),
        ("2024-03-20", "payment", "INV-1, INV-3"),
        ("2024-03-25", "invoice", "INV-3"),
    ]


def test_activity_default_start_is_the_first_of_the_month():
    led = load(LEDGER)
    s = statements.statement(led.index, ACME, day("2024-03-31"), statements.ACTIVITY)
    assert s.start == day("2024-03-01")


def test_statements_for_all_customers_with_a_balance():
    led = load(LEDGER)
    assert statements.customers_with_balance(led.index, day("2024-03-31")) == [
        ACME,
        "Assets:Receivable:Beta",
    ]
    assert statements.customers_with_balance(led.index, day("2024-01-31")) == []


DISPUTED = """
2024-01-01 custom "ar-company" "Northwind" "1 Harbour Rd" "billing@northwind.example" "+1 555 0199" "Pay by ACH"

2024-02-01 * "Acme Corp" "Catalogue" ^INV-1
  Assets:Receivable:Acme   5200.00 USD
  Income:Design

2024-02-10 * "Acme Corp" "Posters" ^INV-2
  Assets:Receivable:Acme   1100.00 USD
  Income:Design

2024-03-01 custom "ar-dispute" Assets:Receivable:Acme "INV-1" "Colour printed too light"
"""


def test_a_disputed_invoice_is_owed_but_not_asked_for():
    led = load(DISPUTED, config="{'pay_url': 'https://pay.example/?a={amount}'}")
    (section,) = statements.statement(led.index, ACME, day("2024-04-15")).sections
    disputed, posters = section.open_lines
    assert disputed.disputed == "Colour printed too light"
    assert posters.disputed is None
    # The balance is the ledger's; what is past due and what the payment
    # link asks for leave the dispute out.
    assert section.total == section.due == D("6300.00")
    assert section.disputed == D("5200.00")
    assert section.overdue == D("1100.00")
    assert section.to_pay == D("1100.00")
    assert section.pay_url == "https://pay.example/?a=1100.00"
    # Once resolved, it is asked for again.
    resolved = load(
        DISPUTED,
        '2024-04-01 custom "ar-resolved" Assets:Receivable:Acme "INV-1"\n',
    )
    (section,) = statements.statement(resolved.index, ACME, day("2024-04-15")).sections
    assert section.disputed == 0
    assert section.overdue == section.to_pay == D("6300.00")


def test_the_statement_says_what_is_in_dispute(tmp_path):
    from click.testing import CliRunner

    from beancount_ar.cli import cli

    main = tmp_path / "main.beancount"
    main.write_text(
        "plugin \"beancount_ar\" \"{'pay_url': 'https://pay.example/?a={amount}'}\"\n"
        "2024-01-01 open Assets:Receivable:Acme\n"
        '  customer: "Acme Corp"\n'
        "2024-01-01 open Income:Design\n" + DISPUTED
    )
    result = CliRunner().invoke(
        cli,
        ["statement", str(main), "Acme", "--as-of", "2024-04-15", "--format", "txt"],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "  of which in dispute:        USD 5,200.00 (not asked for now)" in text
    assert "To pay now USD  1,100.00" in text
    inv1 = text[text.index("INV-1  ") : text.index("INV-2  ")]
    assert "dispute" in inv1.splitlines()[0]
    assert "In dispute: Colour printed too light." in " ".join(inv1.split())
    assert "Pay online" not in inv1
    assert "Pay USD 1,100.00 online:" in text


def test_a_customer_on_a_plan_reads_it_on_its_statement(tmp_path):
    from click.testing import CliRunner

    from beancount_ar.cli import cli

    main = tmp_path / "main.beancount"
    main.write_text(
        "2024-01-01 open Assets:Receivable:Acme\n"
        '  customer: "Acme Corp"\n'
        "2024-01-01 open Income:Design\n"
        "2024-01-01 open Assets:Bank\n"
        '2024-01-10 * "Acme Corp" "Big job" ^INV-1\n'
        "  Assets:Receivable:Acme   3000.00 USD\n"
        "  Income:Design\n"
        '2024-03-01 custom "ar-plan" Assets:Receivable:Acme 3000.00 USD 3 "monthly" '
        "2024-03-15\n"
        '2024-03-14 * "Acme Corp" "Instalment 1" ^INV-1\n'
        "  Assets:Bank   1000.00 USD\n"
        "  Assets:Receivable:Acme\n"
    )
    (plan_line,) = [
        statements.statement(load_file(main).index, ACME, day("2024-04-20")).plan
    ]
    assert plan_line.paid == D("1000.00")
    assert plan_line.due_now == D("1000.00")  # the 15 April instalment
    assert (plan_line.next_day, plan_line.next_amount) == (
        day("2024-05-15"),
        D("1000.00"),
    )
    result = CliRunner().invoke(
        cli,
        ["statement", str(main), "Acme", "--as-of", "2024-04-20", "--format", "txt"],
    )
    text = " ".join(result.stdout.split())
    assert (
        "Your payment plan: agreed on 2024-03-01, USD 3,000.00 in 3 instalments; "
        "USD 1,000.00 paid so far. Due now: USD 1,000.00 (instalments past their "
        "date). The next instalment, USD 1,000.00, is due on 2024-05-15." in text
    )
    # Before it was agreed, there is none to tell.
    assert (
        statements.statement(load_file(main).index, ACME, day("2024-01-20")).plan
        is None
    )


def load_file(path):
    from beancount_ar import ledger

    return ledger.load(str(path))
