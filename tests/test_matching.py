"""Matching credits to invoices: references, FIFO, strict, over- and prepayments."""

from __future__ import annotations

from arutil import D, day, load, messages, open_amounts

from beancount_ar import aging

INVOICES = """
2024-01-10 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design

2024-02-10 * "Acme Corp" "Brochure" ^INV-2
  Assets:Receivable:Acme    500.00 USD
  Income:Design

2024-03-10 * "Acme Corp" "Poster" ^INV-3
  Assets:Receivable:Acme    200.00 USD
  Income:Design
"""


def test_partial_payment_leaves_the_rest_open():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Part payment" ^INV-2
          Assets:Bank:Checking     300.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert not led.errors
    assert open_amounts(led, "2024-03-31") == {
        "INV-1": D("1000.00"),
        "INV-2": D("200.00"),
        "INV-3": D("200.00"),
    }


def test_payment_naming_an_invoice_pays_it_not_the_oldest():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment" ^INV-3
          Assets:Bank:Checking     200.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert open_amounts(led, "2024-03-31") == {
        "INV-1": D("1000.00"),
        "INV-2": D("500.00"),
    }


def test_one_payment_linking_several_invoices_pays_them_oldest_first():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment" ^INV-3 ^INV-2
          Assets:Bank:Checking     600.00 USD
          Assets:Receivable:Acme
        """,
    )
    # INV-2 (older) is paid in full, the remaining 100 goes to INV-3.
    assert open_amounts(led, "2024-03-31") == {
        "INV-1": D("1000.00"),
        "INV-3": D("100.00"),
    }


def test_unreferenced_payment_applies_to_oldest_invoices_first():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment"
          Assets:Bank:Checking    1200.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert open_amounts(led, "2024-03-31") == {
        "INV-2": D("300.00"),
        "INV-3": D("200.00"),
    }


def test_leftover_of_a_referenced_payment_goes_to_the_oldest_invoice():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment" ^INV-3
          Assets:Bank:Checking     700.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert open_amounts(led, "2024-03-31") == {
        "INV-1": D("500.00"),
        "INV-2": D("500.00"),
    }


def test_strict_mode_keeps_unreferenced_payment_unapplied():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment"
          Assets:Bank:Checking     400.00 USD
          Assets:Receivable:Acme
        """,
        config="{'matching': 'strict'}",
    )
    report = aging.aging(led.index, day("2024-03-31"))
    (row,) = report.rows
    assert open_amounts(led, "2024-03-31")["INV-1"] == D("1000.00")
    assert row.unapplied == {"USD": D("-400.00")}
    assert row.total == {"USD": D("1300.00")}


def test_strict_mode_still_applies_referenced_payments():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment" ^INV-2
          Assets:Bank:Checking     500.00 USD
          Assets:Receivable:Acme
        """,
        config="{'matching': 'strict'}",
    )
    assert "INV-2" not in open_amounts(led, "2024-03-31")


def test_overpayment_becomes_unapplied_credit_then_pays_next_invoice():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Logo" ^INV-1
          Assets:Receivable:Acme   1000.00 USD
          Income:Design

        2024-01-20 * "Acme Corp" "Payment" ^INV-1
          Assets:Bank:Checking    1050.00 USD
          Assets:Receivable:Acme

        2024-02-10 * "Acme Corp" "Brochure" ^INV-2
          Assets:Receivable:Acme    500.00 USD
          Income:Design
        """
    )
    between = aging.aging(led.index, day("2024-01-31"))
    assert between.rows[0].unapplied == {"USD": D("-50.00")}
    assert between.rows[0].total == {"USD": D("-50.00")}
    after = aging.aging(led.index, day("2024-02-28"))
    assert after.rows[0].unapplied == {}
    assert open_amounts(led, "2024-02-28") == {"INV-2": D("450.00")}


def test_prepayment_applies_to_invoices_as_they_arrive():
    led = load(
        """
        2024-01-05 * "Acme Corp" "Deposit"
          Assets:Bank:Checking     800.00 USD
          Assets:Receivable:Acme

        2024-01-10 * "Acme Corp" "Logo" ^INV-1
          Assets:Receivable:Acme    500.00 USD
          Income:Design

        2024-02-10 * "Acme Corp" "Brochure" ^INV-2
          Assets:Receivable:Acme    500.00 USD
          Income:Design
        """
    )
    assert aging.aging(led.index, day("2024-01-06")).rows[0].unapplied == {
        "USD": D("-800.00")
    }
    assert open_amounts(led, "2024-01-31") == {}
    assert aging.aging(led.index, day("2024-01-31")).rows[0].unapplied == {
        "USD": D("-300.00")
    }
    assert open_amounts(led, "2024-02-28") == {"INV-2": D("200.00")}


DEPOSIT_BEFORE_INVOICE = """
    2024-01-05 * "Acme Corp" "Deposit for the logo" ^INV-2
      Assets:Bank:Checking     300.00 USD
      Assets:Receivable:Acme

    2024-01-06 * "Acme Corp" "Old job" ^INV-1
      Assets:Receivable:Acme    100.00 USD
      Income:Design

    2024-01-10 * "Acme Corp" "Logo" ^INV-2
      Assets:Receivable:Acme    500.00 USD
      Income:Design
    """


def test_payment_naming_a_future_invoice_names_nothing_until_it_is_issued():
    # As of 2024-01-06 INV-2 does not exist yet: the deposit is an unapplied
    # credit, and under fifo it pays INV-1 when that arrives, as it would in
    # the ledger cut at that day. The rest goes to INV-2.
    led = load(DEPOSIT_BEFORE_INVOICE)
    assert not led.errors
    assert open_amounts(led, "2024-01-06") == {}
    assert aging.aging(led.index, day("2024-01-06")).rows[0].unapplied == {
        "USD": D("-200.00")
    }
    assert open_amounts(led, "2024-01-31") == {"INV-2": D("300.00")}


def test_under_strict_a_payment_naming_a_future_invoice_waits_for_it():
    led = load(DEPOSIT_BEFORE_INVOICE, config="{'matching': 'strict'}")
    assert not led.errors
    assert open_amounts(led, "2024-01-06") == {"INV-1": D("100.00")}
    assert open_amounts(led, "2024-01-31") == {
        "INV-1": D("100.00"),
        "INV-2": D("200.00"),
    }


def test_a_deposit_larger_than_its_future_invoice_leaves_the_rest_to_older_ones():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Old job" ^INV-1
          Assets:Receivable:Acme    500.00 USD
          Income:Design

        2024-02-01 * "Acme Corp" "Deposit" ^INV-2
          Assets:Bank:Checking     100.00 USD
          Assets:Receivable:Acme

        2024-03-01 * "Acme Corp" "Small job" ^INV-2
          Assets:Receivable:Acme     60.00 USD
          Income:Design
        """
    )
    assert not led.errors
    # On its day the deposit names no invoice that exists: it pays INV-1.
    assert open_amounts(led, "2024-02-15") == {"INV-1": D("400.00")}
    assert open_amounts(led, "2024-03-01") == {
        "INV-1": D("400.00"),
        "INV-2": D("60.00"),
    }
    assert aging.aging(led.index, day("2024-03-01")).rows[0].unapplied == {}


def test_credit_note_and_write_off_are_told_apart_by_the_other_leg():
    led = load(
        INVOICES,
        """
        2024-03-15 * "Acme Corp" "Reprint credit" ^INV-1
          Assets:Receivable:Acme   -100.00 USD
          Income:Design

        2024-03-16 * "Acme Corp" "Bad debt" ^INV-1
          Assets:Receivable:Acme   -900.00 USD
          Expenses:BadDebt

        2024-03-17 * "Acme Corp" "Cheque" ^INV-2
          Assets:Bank:Checking      500.00 USD
          Assets:Receivable:Acme

        2024-03-18 * "Acme Corp" "Settlement" ^INV-3
          ar-kind: "credit-note"
          Assets:Bank:Checking      200.00 USD
          Assets:Receivable:Acme
        """,
    )
    kinds = [(c.date.day, c.kind) for c in led.index.credits]
    assert kinds == [
        (15, "credit-note"),
        (16, "write-off"),
        (17, "payment"),
        (18, "credit-note"),
    ]
    assert open_amounts(led, "2024-03-31") == {}


def test_debit_memo_adds_to_the_invoice_from_its_own_date():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Print run" ^INV-1
          Assets:Receivable:Acme   1000.00 USD
          Income:Design

        2024-01-20 * "Acme Corp" "Extra 500 copies" ^INV-1
          ar-kind: "debit-memo"
          Assets:Receivable:Acme    250.00 USD
          Income:Design
        """
    )
    assert led.errors == []
    (invoice,) = led.index.invoices
    assert invoice.amount == D("1250.00")
    assert open_amounts(led, "2024-01-15") == {"INV-1": D("1000.00")}
    assert open_amounts(led, "2024-01-31") == {"INV-1": D("1250.00")}
    # The invoice and its memo each age from their own due date.
    assert invoice.due == day("2024-02-09")
    items = aging.open_items(led.index, day("2024-02-15"))
    assert [(i.memo, i.due, i.days_overdue, i.open) for i in items] == [
        (0, day("2024-02-09"), 6, D("1000.00")),
        (1, day("2024-02-19"), -4, D("250.00")),
    ]


def test_debit_memo_reopens_a_paid_invoice():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Print run" ^INV-1
          Assets:Receivable:Acme   1000.00 USD
          Income:Design

        2024-01-15 * "Acme Corp" "Payment" ^INV-1
          Assets:Bank:Checking     1000.00 USD
          Assets:Receivable:Acme

        2024-01-20 * "Acme Corp" "Freight" ^INV-1
          ar-kind: "debit-memo"
          Assets:Receivable:Acme     40.00 USD
          Income:Design
        """
    )
    assert open_amounts(led, "2024-01-16") == {}
    assert open_amounts(led, "2024-01-31") == {"INV-1": D("40.00")}


def test_credit_in_another_currency_than_its_invoice_is_an_error_and_applies_fifo():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Logo" ^INV-1
          Assets:Receivable:Acme   1000.00 USD
          Income:Design

        2024-01-12 * "Acme Corp" "Euro job" ^INV-2
          Assets:Receivable:Acme    300.00 EUR
          Income:Design

        2024-01-20 * "Acme Corp" "Payment in euro" ^INV-1
          Assets:Bank:EUR           300.00 EUR
          Assets:Receivable:Acme
        """
    )
    assert any("does not match invoice INV-1 (USD)" in m for m in messages(led))
    # The euro payment pays the euro invoice; the dollar invoice stays open.
    assert open_amounts(led, "2024-01-31") == {"INV-1": D("1000.00")}


def test_unknown_invoice_reference_is_an_error_and_applies_fifo():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment"
          invoice: "INV-99"
          Assets:Bank:Checking     1000.00 USD
          Assets:Receivable:Acme
        """,
    )
    (error,) = led.errors
    assert "INV-99" in error.message
    (payment,) = [e for e in led.entries if getattr(e, "narration", "") == "Payment"]
    assert error.source["lineno"] == payment.meta["lineno"]
    assert "INV-1" not in open_amounts(led, "2024-03-31")


def test_link_that_is_not_an_invoice_is_ignored():
    led = load(
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment" ^project-x
          Assets:Bank:Checking      200.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert not led.errors
    assert open_amounts(led, "2024-03-31")["INV-1"] == D("800.00")


def test_payments_after_the_as_of_date_do_not_count():
    led = load(
        INVOICES,
        """
        2024-04-20 * "Acme Corp" "Payment" ^INV-1
          Assets:Bank:Checking     1000.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert open_amounts(led, "2024-04-19")["INV-1"] == D("1000.00")
    assert "INV-1" not in open_amounts(led, "2024-04-20")


def test_customers_are_matched_separately():
    led = load(
        INVOICES,
        """
        2024-03-12 * "Beta LLC" "Flyers" ^B-1
          Assets:Receivable:Beta    300.00 USD
          Income:Design

        2024-03-20 * "Beta LLC" "Payment"
          Assets:Bank:Checking      300.00 USD
          Assets:Receivable:Beta
        """,
    )
    assert open_amounts(led, "2024-03-31") == {
        "INV-1": D("1000.00"),
        "INV-2": D("500.00"),
        "INV-3": D("200.00"),
    }


def test_an_invoice_and_its_payment_in_one_transaction():
    led = load(
        """
        2024-01-10 * "Acme Corp" "Counter sale with deposit" ^INV-1
          Assets:Receivable:Acme   1000.00 USD
          Assets:Receivable:Acme   -400.00 USD
          Assets:Bank:Checking      400.00 USD
          Income:Design           -1000.00 USD
        """
    )
    assert open_amounts(led, "2024-01-10") == {"INV-1": D("600.00")}


def test_same_results_whether_or_not_the_ledger_loads_the_plugin():
    body = (
        INVOICES,
        """
        2024-03-20 * "Acme Corp" "Payment"
          Assets:Bank:Checking     1200.00 USD
          Assets:Receivable:Acme
        """,
    )
    with_plugin = load(*body)
    without = load(
        """
        2020-01-01 open Assets:Bank:Checking
        2020-01-01 open Income:Design
        2020-01-01 open Assets:Receivable:Acme
        """,
        *body,
        header=False,
    )
    assert open_amounts(with_plugin, "2024-03-31") == open_amounts(
        without, "2024-03-31"
    )
