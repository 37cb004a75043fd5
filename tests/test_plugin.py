"""The plugin through the loader: metadata written, errors reported, entries kept."""

from __future__ import annotations

import dataclasses
import datetime
import textwrap
from decimal import Decimal
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import printer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import beancount_ar.plugin
from beancount_ar import aging
from beancount_ar import ledger as ledger_lib
from beancount_ar.config import find_config, parse_config
from beancount_ar.matching import build_index

D = datetime.date

HEADER = """\
plugin "beancount_ar" "{config}"

2024-01-01 open Assets:Receivable:Acme
2024-01-01 open Assets:Receivable:Beta
2024-01-01 open Assets:Bank
2024-01-01 open Income:Sales
2024-01-01 open Expenses:BadDebt
"""


@dataclasses.dataclass
class Ledger:
    """A loaded inline ledger, with look-ups by a unique piece of a line."""

    text: str
    entries: list[data.Directive]
    errors: list[Any]
    options: dict[str, Any]

    def line(self, needle: str) -> int:
        """The 1-based number of the one line containing `needle`."""
        hits = [n for n, text in enumerate(self.text.splitlines(), 1) if needle in text]
        assert len(hits) == 1, f"{needle!r} is on lines {hits}"
        return hits[0]

    def posting(self, needle: str) -> data.Meta:
        """The metadata of the posting on the line containing `needle`."""
        lineno = self.line(needle)
        for entry in self.entries:
            if isinstance(entry, data.Transaction):
                for posting in entry.postings:
                    if (posting.meta or {}).get("lineno") == lineno:
                        return posting.meta
        raise AssertionError(f"no posting on line {lineno}")

    def only_error(self) -> Any:
        assert len(self.errors) == 1, [e.message for e in self.errors]
        return self.errors[0]


def load(body: str, config: str = "{}", header: bool = True) -> Ledger:
    """Load `body` (after the plugin line and the usual open directives)."""
    text = textwrap.dedent(body)
    if header:
        text = HEADER.replace("{config}", config) + text
    entries, errors, options = loader.load_string(text)
    return Ledger(text, entries, errors, options)


def assert_error_at(ledger: Ledger, needle: str, *fragments: str) -> None:
    """The ledger's only error is on the line of `needle` and says `fragments`."""
    error = ledger.only_error()
    assert error.source["filename"] == "<string>"
    assert error.source["lineno"] == ledger.line(needle)
    for fragment in fragments:
        assert fragment in error.message


# -- metadata on invoices ------------------------------------------------------


def test_invoice_posting_gets_id_terms_and_due() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.errors == []
    meta = ledger.posting("; invoice")
    assert meta["invoice"] == "INV-1"
    assert meta["terms"] == "Net 30"
    assert meta["due"] == D(2024, 3, 31)


def test_invoice_without_discount_gets_no_discount_metadata() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    meta = ledger.posting("; invoice")
    assert "discount-date" not in meta
    assert "discount-pct" not in meta


def test_invoice_with_discount_terms_gets_discount_date_and_pct() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          terms: "1.5/10 Net 30"
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "1.5/10 Net 30"
    assert meta["discount-date"] == D(2024, 3, 11)
    assert meta["discount-pct"] == Decimal("1.5")
    assert meta["due"] == D(2024, 3, 31)


def test_plugin_leaves_non_receivable_postings_alone() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales  -100.00 USD  ; income
        """
    )
    meta = ledger.posting("; income")
    assert not {"invoice", "terms", "due"} & set(meta)


def test_account_sharing_only_the_roots_prefix_is_not_a_customer() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:ReceivableLoans
        2024-03-01 * "Staff" "Loan"
          Assets:ReceivableLoans  100.00 USD  ; loan
          Assets:Bank
        """
    )
    assert ledger.errors == []
    assert "invoice" not in ledger.posting("; loan")


def test_customers_under_every_configured_root_are_annotated() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Trade:Zeta
        2024-03-01 * "Zeta" "Print run" ^INV-Z
          Assets:Trade:Zeta  50.00 USD  ; zeta
          Income:Sales
        2024-03-01 * "Acme" "Website" ^INV-A
          Assets:Receivable:Acme  60.00 USD  ; acme
          Income:Sales
        """,
        config="{'accounts': ['Assets:Receivable', 'Assets:Trade']}",
    )
    assert ledger.errors == []
    assert ledger.posting("; zeta")["invoice"] == "INV-Z"
    assert ledger.posting("; acme")["invoice"] == "INV-A"


def test_debit_memo_adds_to_invoice_and_is_due_on_its_own_date() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        2024-03-10 * "Acme" "Extra page" ^INV-1
          ar-kind: "debit-memo"
          Assets:Receivable:Acme  20.00 USD  ; memo
          Income:Sales
        """
    )
    assert ledger.errors == []
    memo = ledger.posting("; memo")
    assert memo["invoice"] == "INV-1"
    assert memo["due"] == D(2024, 4, 9)
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 31)


# -- invoice ids ---------------------------------------------------------------


def test_invoice_id_from_posting_metadata_comes_first() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^LINK-1
          invoice: "TXN-1"
          Assets:Receivable:Acme  100.00 USD  ; invoice
            invoice: "POST-1"
          Income:Sales
        """
    )
    assert ledger.posting("; invoice")["invoice"] == "POST-1"


def test_invoice_id_from_transaction_metadata_beats_the_link() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^LINK-1
          invoice: "TXN-1"
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.posting("; invoice")["invoice"] == "TXN-1"


def test_invoice_id_from_the_link() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1001
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.posting("; invoice")["invoice"] == "INV-1001"


def test_numeric_invoice_metadata_is_an_id_credits_can_name() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website"
          Assets:Receivable:Acme  100.00 USD  ; first
            invoice: 1001
          Income:Sales
        2024-03-02 * "Acme" "Print"
          Assets:Receivable:Acme  100.00 USD
            invoice: 1002
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
            invoice: 1002
        """
    )
    assert ledger.errors == []
    # Written as a number, read as the id "1002": the payment pays that one,
    # so the other is due.
    assert ledger.posting("; first")["invoice"] == "1001"
    assert ledger.posting("; first")["due"] == datetime.date(2024, 3, 31)
    index = build_index(ledger.entries, parse_config(None)[0])
    assert [i.id for i in index.invoices if i.open_at(datetime.date(2024, 3, 31))] == [
        "1001"
    ]


UNLINKED = """
    2024-03-01 * "Acme" "Website"
      Assets:Receivable:Acme  100.00 USD  ; first
      Income:Sales
    2024-03-02 * "Acme" "Print run"
      Assets:Receivable:Acme  80.00 USD  ; second
      Income:Sales
    """


def test_invoice_without_id_gets_a_generated_id() -> None:
    ledger = load(UNLINKED)
    first = ledger.posting("; first")["invoice"]
    second = ledger.posting("; second")["invoice"]
    assert isinstance(first, str)
    assert first
    assert first != second


def test_generated_id_is_stable_across_loads() -> None:
    once, twice = load(UNLINKED), load(UNLINKED)
    assert once.posting("; first")["invoice"] == twice.posting("; first")["invoice"]
    assert once.posting("; second")["invoice"] == twice.posting("; second")["invoice"]


def test_identical_unlinked_invoices_on_one_day_are_two_invoices() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Coffee beans"
          Assets:Receivable:Acme  25.00 USD  ; first
          Income:Sales
        2024-03-01 * "Acme" "Coffee beans"
          Assets:Receivable:Acme  25.00 USD  ; second
          Income:Sales
        """
    )
    assert ledger.posting("; first")["invoice"] != ledger.posting("; second")["invoice"]


# -- metadata on credits -------------------------------------------------------


def test_credit_paying_one_invoice_names_it() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; payment
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; payment")["invoice"] == "INV-1"


def test_credit_paying_two_invoices_names_none() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Print" ^INV-2
          Assets:Receivable:Acme  50.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  150.00 USD
          Assets:Receivable:Acme  ; payment
        """
    )
    assert ledger.errors == []
    assert "invoice" not in ledger.posting("; payment")


def test_unnamed_credit_pays_the_oldest_invoice() -> None:
    ledger = load(
        """
        2024-03-05 * "Acme" "Print" ^INV-2
          Assets:Receivable:Acme  50.00 USD
          Income:Sales
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; payment
        """
    )
    assert ledger.posting("; payment")["invoice"] == "INV-1"


def test_credit_linking_an_invoice_pays_it_rather_than_the_oldest() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Print" ^INV-2
          Assets:Receivable:Acme  50.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment" ^INV-2
          Assets:Bank  50.00 USD
          Assets:Receivable:Acme  ; payment
        """
    )
    assert ledger.posting("; payment")["invoice"] == "INV-2"


def test_credit_with_a_link_that_is_no_invoice_pays_the_oldest_without_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment" ^BANK-REF-77
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; payment
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; payment")["invoice"] == "INV-1"


def test_prepayment_names_the_invoice_it_later_pays() -> None:
    ledger = load(
        """
        2024-02-20 * "Acme" "Deposit"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; deposit
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; deposit")["invoice"] == "INV-1"


def test_strict_matching_leaves_unnamed_credit_unapplied() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; unnamed
        2024-03-21 * "Acme" "Payment" ^INV-1
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  ; named
        """,
        config="{'matching': 'strict'}",
    )
    assert ledger.errors == []
    assert "invoice" not in ledger.posting("; unnamed")
    assert ledger.posting("; named")["invoice"] == "INV-1"


# -- terms ---------------------------------------------------------------------


def test_posting_terms_beat_transaction_terms() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          terms: "Net 15"
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Net 7"
          Income:Sales
        """
    )
    assert ledger.errors == []
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 7"
    assert meta["due"] == D(2024, 3, 8)


def test_transaction_terms_beat_the_customers_terms() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Receivable:Gamma
          terms: "Net 45"
        2024-03-01 * "Gamma" "Website" ^INV-1
          terms: "Net 15"
          Assets:Receivable:Gamma  100.00 USD  ; invoice
          Income:Sales
        """
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 15"
    assert meta["due"] == D(2024, 3, 16)


def test_customer_terms_beat_the_default_terms() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Receivable:Gamma
          terms: "Net 45"
        2024-03-01 * "Gamma" "Website" ^INV-1
          Assets:Receivable:Gamma  100.00 USD  ; invoice
          Income:Sales
        """,
        config="{'default_terms': 'Net 60'}",
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 45"
    assert meta["due"] == D(2024, 4, 15)


def test_default_terms_apply_when_nothing_else_says() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """,
        config="{'default_terms': 'Net 60'}",
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 60"
    assert meta["due"] == D(2024, 4, 30)


def test_terms_written_as_a_bare_number_are_net_days() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: 10
          Income:Sales
        """
    )
    assert ledger.errors == []
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 10"
    assert meta["due"] == D(2024, 3, 11)


def test_terms_are_written_normalised() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          terms: "net15eom"
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 15 EOM"
    assert meta["due"] == D(2024, 4, 15)


def test_named_terms_from_ar_terms_directive() -> None:
    ledger = load(
        """
        2024-01-01 custom "ar-terms" "Wholesale" "2/10 Net 45"
        2024-03-01 * "Acme" "Website" ^INV-1
          terms: "wholesale"
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.errors == []
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "2/10 Net 45"
    assert meta["due"] == D(2024, 4, 15)
    assert meta["discount-date"] == D(2024, 3, 11)
    assert meta["discount-pct"] == Decimal("2")


def test_named_terms_on_the_customer_open_directive() -> None:
    ledger = load(
        """
        2024-01-01 custom "ar-terms" "Trade" "Net 14"
        2024-01-01 open Assets:Receivable:Gamma
          terms: "Trade"
        2024-03-01 * "Gamma" "Website" ^INV-1
          Assets:Receivable:Gamma  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 15)


def test_due_metadata_on_posting_overrides_computed_due() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            due: 2024-05-15
          Income:Sales
        """
    )
    assert ledger.errors == []
    meta = ledger.posting("; invoice")
    assert meta["due"] == D(2024, 5, 15)
    assert meta["terms"] == "Net 30"


def test_due_metadata_on_transaction_overrides_computed_due() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          due: 2024-03-10
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 10)


def test_due_on_the_invoice_date_is_accepted() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          due: 2024-03-01
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 1)


# -- errors: terms and due -----------------------------------------------------


def test_unknown_posting_terms_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Net3O"
          Income:Sales
        """
    )
    assert_error_at(ledger, "; invoice", '"Net3O"', '"Net 30"')


def test_unknown_terms_fall_back_to_the_next_source() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Net3O"
          Income:Sales
        """,
        config="{'default_terms': 'Net 10'}",
    )
    meta = ledger.posting("; invoice")
    assert meta["terms"] == "Net 10"
    assert meta["due"] == D(2024, 3, 11)


def test_unknown_transaction_terms_error_at_the_transaction() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1  ; txn
          terms: "2/40 Net 30"
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        """
    )
    assert_error_at(ledger, "; txn", '"2/40 Net 30"', "longer than the net period")


def test_unknown_customer_terms_error_at_the_open_directive() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Receivable:Gamma  ; open
          terms: "Net thirty"
        2024-03-01 * "Gamma" "Website" ^INV-1
          Assets:Receivable:Gamma  100.00 USD
          Income:Sales
        """
    )
    assert_error_at(ledger, "; open", '"Net thirty"')


def test_due_that_is_not_a_date_is_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            due: "soon"
          Income:Sales
        """
    )
    assert_error_at(ledger, "; invoice", "due:", "'soon'", "a date like")
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 31)


def test_transaction_due_that_is_not_a_date_is_an_error_at_the_transaction() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1  ; txn
          due: 30
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        """
    )
    assert_error_at(ledger, "; txn", "due:", "a date like")


def test_due_before_the_invoice_date_is_an_error_and_ignored() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            due: 2024-02-01
          Income:Sales
        """
    )
    assert_error_at(ledger, "; invoice", "2024-02-01", "before the invoice date")
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 31)


def test_absurdly_long_terms_are_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Net 9999999"
          Income:Sales
        2024-03-02 * "Acme" "Print" ^INV-2
          Assets:Receivable:Acme  100.00 USD  ; other
          Income:Sales
        """
    )
    assert_error_at(ledger, "; invoice", "Net 9999999")
    assert ledger.posting("; other")["due"] == D(2024, 4, 1)


# -- errors: credits and currencies --------------------------------------------


def test_credit_naming_unknown_invoice_is_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
            invoice: "INV-9"
        """
    )
    assert_error_at(ledger, "; payment", "INV-9", "Assets:Receivable:Acme")


def test_credit_naming_unknown_invoice_pays_the_oldest_instead() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Print" ^INV-2
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
            invoice: "INV-9"
        """
    )
    assert ledger.posting("; payment")["invoice"] == "INV-1"


def test_transaction_naming_unknown_invoice_is_an_error_at_the_transaction() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"  ; txn
          invoice: "INV-9"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme
        """
    )
    assert_error_at(ledger, "; txn", "INV-9")


def test_credit_naming_another_customers_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Beta" "Website" ^INV-B
          Assets:Receivable:Beta  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Website" ^INV-A
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
            invoice: "INV-B"
        """
    )
    assert_error_at(ledger, "; payment", "INV-B", "Assets:Receivable:Acme")
    assert ledger.posting("; payment")["invoice"] == "INV-A"


def test_credit_in_other_currency_than_named_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Print" ^INV-E
          Assets:Receivable:Acme  90.00 EUR
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  90.00 EUR
          Assets:Receivable:Acme  -90.00 EUR  ; payment
            invoice: "INV-1"
        """
    )
    assert_error_at(ledger, "; payment", "EUR", "USD", "INV-1")
    # Applied as if it named none: to the oldest EUR invoice.
    assert ledger.posting("; payment")["invoice"] == "INV-E"


def test_debit_memo_in_other_currency_is_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        2024-03-10 * "Acme" "Extra page" ^INV-1
          ar-kind: "debit-memo"
          Assets:Receivable:Acme  20.00 EUR  ; memo
          Income:Sales
        """
    )
    assert_error_at(ledger, "; memo", "EUR", "USD", "INV-1")
    assert ledger.posting("; memo")["invoice"] != "INV-1"
    assert ledger.posting("; invoice")["invoice"] == "INV-1"


# -- errors: accounts and kinds ------------------------------------------------


def test_posting_to_the_receivable_root_is_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Receivable
        2024-03-01 * "Someone" "Website"
          Assets:Receivable  100.00 USD  ; root
          Income:Sales
        """
    )
    assert_error_at(ledger, "; root", "Assets:Receivable", "names no customer")


def test_invalid_ar_kind_is_an_error_at_the_posting() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
            ar-kind: "cash"
        """
    )
    assert_error_at(ledger, "; payment", "'cash'", "payment, credit-note, write-off")


def test_invalid_transaction_ar_kind_is_an_error_at_the_transaction() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-20 * "Acme" "Payment"  ; txn
          ar-kind: "cash"
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme
        """
    )
    assert_error_at(ledger, "; txn", "'cash'")


@pytest.mark.parametrize("limit", ['"lots"', "10000", "2024-01-01", "-5.00 USD"])
def test_credit_limit_that_is_not_an_amount_is_an_error_at_the_open(
    limit: str,
) -> None:
    ledger = load(
        f"""
        2024-01-01 open Assets:Receivable:Gamma  ; open
          credit-limit: {limit}
        """
    )
    assert_error_at(ledger, "; open", "credit-limit", "like 10000.00 USD")


def test_bad_config_key_is_an_error_naming_the_key() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
          Income:Sales
        """,
        config="{'grace_days': 5, 'hold_dayz': 30}",
    )
    error = ledger.only_error()
    assert error.source["filename"] == "<beancount_ar>"
    assert "'hold_dayz'" in error.message
    assert ledger.posting("; invoice")["invoice"] == "INV-1"


# -- ar-* directives -----------------------------------------------------------

GOOD_RECORDS = """
    2024-01-01 open Assets:Receivable:Ox
    2024-01-01 custom "ar-company" "Studio" "2 High St" "ar@studio" "555 0199" "IBAN X1"
    2024-01-01 custom "ar-company" "Studio Ltd"
    2024-01-01 custom "ar-terms" "Wholesale" "2/10 Net 45"
    2024-03-01 * "Ox" "Website" ^INV-1
      Assets:Receivable:Ox  1200.00 USD
      Income:Sales
    2024-03-02 custom "ar-contact" Assets:Receivable:Ox "Jane" "A/P" "jane@ox" "555 01"
    2024-03-02 custom "ar-contact" Assets:Receivable:Ox "John Roe"
    2024-04-05 note Assets:Receivable:Ox "Called about INV-1"
      contact: "Jane"
      channel: "phone"
    2024-04-05 custom "ar-followup" Assets:Receivable:Ox 2024-04-12 "call back"
    2024-04-05 custom "ar-followup" Assets:Receivable:Ox 2024-04-19
    2024-04-05 custom "ar-promise" Assets:Receivable:Ox 600.00 USD 2024-04-15 "INV-1"
    2024-04-05 custom "ar-promise" Assets:Receivable:Ox 600.00 USD 2024-04-30
    2024-04-06 custom "ar-dispute" Assets:Receivable:Ox "INV-1" "wrong logo"
    2024-04-06 custom "ar-dispute" Assets:Receivable:Ox "INV-1"
    2024-04-08 custom "ar-resolved" Assets:Receivable:Ox "INV-1"
    2024-04-10 custom "ar-plan" Assets:Receivable:Ox 1200.00 USD 6 "monthly" 2024-05-01
    2024-04-10 custom "ar-plan" Assets:Receivable:Ox 1200.00 USD 4 "weekly" 2024-05-01
    2024-04-11 custom "ar-hold" Assets:Receivable:Ox TRUE "over limit"
    2024-04-12 custom "ar-hold" Assets:Receivable:Ox FALSE
    """


def test_well_formed_ar_directives_of_every_type_give_no_errors() -> None:
    ledger = load(GOOD_RECORDS)
    assert ledger.errors == []
    types = {e.type for e in ledger.entries if isinstance(e, data.Custom)}
    assert types == {
        "ar-company",
        "ar-terms",
        "ar-contact",
        "ar-followup",
        "ar-promise",
        "ar-dispute",
        "ar-resolved",
        "ar-plan",
        "ar-hold",
    }


BAD_RECORDS = [
    ('"ar-contact" Assets:Receivable:Acme', "missing name"),
    ('"ar-contact" "Jane" "A/P"', "account must be an account"),
    ('"ar-contact" Assets:Receivable:Acme "Jane" "A/P" "j@x" "1" "extra"', "too many"),
    ('"ar-followup" Assets:Receivable:Acme "next week" "call"', "due must be a date"),
    ('"ar-followup" Assets:Receivable:Acme', "missing due"),
    ('"ar-promise" Assets:Receivable:Acme -100.00 USD 2024-04-30', "positive"),
    ('"ar-promise" Assets:Receivable:Acme 100 2024-04-30', "amount must be an amount"),
    ('"ar-promise" Assets:Receivable:Acme 100.00 USD "Friday"', "by must be a date"),
    ('"ar-promise" Assets:Receivable:Acme 100.00 USD', "missing by"),
    ('"ar-dispute" Assets:Receivable:Acme', "missing invoice"),
    ('"ar-dispute" Assets:Receivable:Acme 1001 "why"', "invoice must be a string"),
    ('"ar-resolved" Assets:Receivable:Acme', "missing invoice"),
    ('"ar-plan" Assets:Receivable:Acme 600.00 USD 6 "daily" 2024-05-01', "daily"),
    ('"ar-plan" Assets:Receivable:Acme 600.00 USD 2.5 "monthly" 2024-05-01', "2.5"),
    ('"ar-plan" Assets:Receivable:Acme 600.00 USD 0 "monthly" 2024-05-01', "whole"),
    ('"ar-plan" Assets:Receivable:Acme -600.00 USD 6 "monthly" 2024-05-01', "positive"),
    ('"ar-plan" Assets:Receivable:Acme 600.00 USD 6 "monthly"', "missing first"),
    ('"ar-plan" Assets:Receivable:Acme 600.00 USD "six" "monthly" 2024-05-01', "count"),
    ('"ar-hold" Assets:Receivable:Acme "yes" "late"', "TRUE or FALSE"),
    ('"ar-hold" Assets:Receivable:Acme', "missing on"),
    ('"ar-company" 42', "name must be a string"),
    ('"ar-terms" "Wholesale"', "missing text"),
    ('"ar-terms" "Wholesale" 30', "text must be a string"),
]


@pytest.mark.parametrize(("values", "fragment"), BAD_RECORDS)
def test_malformed_ar_directive_is_an_error_at_its_line(
    values: str, fragment: str
) -> None:
    ledger = load(
        f"""
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-04-01 custom {values}
        """
    )
    kind = values.split('"')[1]
    assert_error_at(ledger, "2024-04-01 custom", kind, fragment, "usage:")


def test_ar_contact_on_an_account_that_is_not_a_customer_is_an_error() -> None:
    ledger = load(
        """
        2024-04-01 custom "ar-contact" Assets:Bank "Jane" "A/P Manager"
        """
    )
    assert_error_at(ledger, "ar-contact", "Assets:Bank", "not a customer")


def test_ar_dispute_naming_an_unknown_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-04-01 custom "ar-dispute" Assets:Receivable:Acme "INV-2" "wrong logo"
        """
    )
    assert_error_at(ledger, "ar-dispute", "INV-2", "Assets:Receivable:Acme")


@pytest.mark.parametrize(
    "directive",
    [
        '"ar-resolved" Assets:Receivable:Acme "INV-2"',
        '"ar-promise" Assets:Receivable:Acme 100.00 USD 2024-04-30 "INV-2"',
    ],
)
def test_ar_directive_naming_an_unknown_invoice_is_an_error(directive: str) -> None:
    ledger = load(
        f"""
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-04-01 custom {directive}
        """
    )
    assert_error_at(ledger, "2024-04-01 custom", "INV-2")


def test_ar_dispute_naming_another_customers_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Beta" "Website" ^INV-B
          Assets:Receivable:Beta  100.00 USD
          Income:Sales
        2024-04-01 custom "ar-dispute" Assets:Receivable:Acme "INV-B" "wrong"
        """
    )
    assert_error_at(ledger, "ar-dispute", "INV-B")


def test_ar_terms_with_bad_terms_text_is_an_error_at_the_directive() -> None:
    ledger = load(
        """
        2024-01-01 custom "ar-terms" "Wholesale" "2/10 Net3O"
        """
    )
    assert_error_at(ledger, "ar-terms", "Wholesale", '"2/10 Net3O"', '"Net 30"')


def test_ar_terms_with_bad_text_is_not_usable_as_terms() -> None:
    ledger = load(
        """
        2024-01-01 custom "ar-terms" "Wholesale" "2/10 Net3O"
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Wholesale"
          Income:Sales
        """
    )
    lines = sorted(e.source["lineno"] for e in ledger.errors)
    assert lines == [ledger.line("ar-terms"), ledger.line("; invoice")]
    assert ledger.posting("; invoice")["terms"] == "Net 30"


# -- errors are Beancount errors -----------------------------------------------


def test_every_error_prints_with_file_and_line_like_bean_check() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Website" ^INV-1
          Assets:Receivable:Acme  100.00 USD  ; invoice
            terms: "Net3O"
            due: "soon"
          Income:Sales
        2024-04-01 custom "ar-hold" Assets:Receivable:Acme "yes"
        """,
        config="{'colour': 'red'}",
    )
    printed = [printer.format_error(e) for e in ledger.errors]
    assert len(printed) == 4
    invoice, hold = ledger.line("; invoice"), ledger.line("ar-hold")
    assert sum(p.startswith(f"<string>:{invoice}:") for p in printed) == 2
    assert sum(p.startswith(f"<string>:{hold}:") for p in printed) == 1
    assert sum(p.startswith("<beancount_ar>:0:") for p in printed) == 1


def test_odd_metadata_types_give_errors_not_exceptions() -> None:
    ledger = load(
        """
        2024-01-01 open Assets:Receivable:Gamma
          customer: 42
          email: TRUE
          terms: 2024-01-01
        2024-03-01 * "Gamma" "Website"
          invoice: TRUE
          Assets:Receivable:Gamma  100.00 USD  ; invoice
            terms: 100.00 USD
            due: 30
          Income:Sales
        2024-03-20 * "Gamma" "Payment"
          Assets:Bank  100.00 USD
          Assets:Receivable:Gamma  -100.00 USD  ; payment
            ar-kind: 5
            invoice: 2024-01-01
        """
    )
    assert not any("internal error" in e.message for e in ledger.errors)
    assert all(e.source["filename"] == "<string>" for e in ledger.errors)
    assert ledger.posting("; invoice")["due"] == D(2024, 3, 31)


# -- entries kept, order kept, idempotent --------------------------------------

SAMPLE = """\
option "operating_currency" "USD"
plugin "beancount_ar" "{'default_terms': 'Net 30', 'grace_days': 5}"

2024-01-01 commodity USD
2024-01-01 open Assets:Receivable:Acme  USD
  customer: "Acme Corp"
  terms: "2/10 Net 30"
  credit-limit: 10000.00 USD
  email: "ap@acme.example"
2024-01-01 open Assets:Receivable:Euro  EUR
  terms: "Net 15 EOM"
2024-01-01 open Assets:Receivable:Late
2024-01-01 open Assets:Bank
2024-01-01 open Assets:Bank:EUR  EUR
2024-01-01 open Income:Design
2024-01-01 open Income:Print
2024-01-01 open Expenses:BadDebt
2024-01-01 open Equity:Opening

2024-01-01 custom "ar-company" "Studio Ltd" "2 High St" "ar@studio.example"
2024-01-01 custom "ar-terms" "Wholesale" "2/10 Net 45"
2024-01-02 custom "ar-contact" Assets:Receivable:Acme "Jane Doe" "A/P Manager"

2024-02-20 * "Late Co" "Deposit"
  Assets:Bank  200.00 USD
  Assets:Receivable:Late

2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
  Assets:Receivable:Acme   1200.00 USD
  Income:Design

2024-03-01 * "Late Co" "Flyers"
  terms: "Wholesale"
  Assets:Receivable:Late   500.00 USD
  Income:Print

2024-03-01 * "Late Co" "Posters"
  Assets:Receivable:Late   300.00 USD
    invoice: "INV-1003"
    due: 2024-03-15
  Income:Print

2024-03-05 * "Euro GmbH" "Catalogue" ^INV-E1
  Assets:Receivable:Euro   900.00 EUR
  Income:Print

2024-03-08 * "Acme Corp" "Extra page" ^INV-1001
  ar-kind: "debit-memo"
  Assets:Receivable:Acme   100.00 USD
  Income:Design

2024-03-10 note Assets:Receivable:Late "Called, promised to pay"
  channel: "phone"
2024-03-10 custom "ar-promise" Assets:Receivable:Late 300.00 USD 2024-03-31
2024-03-10 custom "ar-followup" Assets:Receivable:Late 2024-04-01 "check payment"

2024-03-11 * "Acme Corp" "Payment" ^INV-1001
  Assets:Bank              1300.00 USD
  Assets:Receivable:Acme

2024-03-20 * "Late Co" "Part payment"
  Assets:Bank              250.00 USD
  Assets:Receivable:Late

2024-03-25 * "Late Co" "Bad invoice reference"
  Assets:Bank              50.00 USD
  Assets:Receivable:Late  -50.00 USD  ; bad reference
    invoice: "INV-NOPE"

2024-04-01 * "Euro GmbH" "Payment" ^INV-E1
  Assets:Bank:EUR          900.00 EUR
  Assets:Receivable:Euro

2024-04-02 custom "ar-dispute" Assets:Receivable:Late "INV-1003" "wrong size"
2024-04-03 custom "ar-plan" Assets:Receivable:Late 200.00 USD 2 "monthly" 2024-05-01
2024-04-04 custom "ar-hold" Assets:Receivable:Late TRUE "late payer"

2024-05-01 * "Late Co" "Write-off"
  Expenses:BadDebt         100.00 USD
  Assets:Receivable:Late
    ar-kind: "write-off"

2024-05-02 balance Assets:Receivable:Acme  0.00 USD
2024-05-02 price EUR  1.10 USD
2024-05-03 event "location" "Springfield"
"""


def shape(entries: list[data.Directive]) -> list[tuple[str, datetime.date, int]]:
    return [(type(e).__name__, e.date, e.meta["lineno"]) for e in entries]


def test_sample_ledger_loads_with_only_the_expected_error() -> None:
    ledger = load(SAMPLE, header=False)
    assert [e.source["lineno"] for e in ledger.errors] == [
        ledger.line("; bad reference")
    ]


def test_plugin_keeps_every_entry_in_order() -> None:
    with_plugin, _, _ = loader.load_string(SAMPLE)
    without, errors, _ = loader.load_string(
        SAMPLE.replace('plugin "beancount_ar"', '; plugin "beancount_ar"')
    )
    assert errors == []
    assert shape(with_plugin) == shape(without)


WRITTEN = {"invoice", "terms", "due", "discount-date", "discount-pct"}


def test_plugin_changes_only_receivable_posting_metadata() -> None:
    with_plugin, _, _ = loader.load_string(SAMPLE)
    without, _, _ = loader.load_string(
        SAMPLE.replace('plugin "beancount_ar"', '; plugin "beancount_ar"')
    )
    for after, before in zip(with_plugin, without, strict=True):
        if not isinstance(before, data.Transaction):
            assert after == before
            continue
        assert after._replace(postings=[]) == before._replace(postings=[])
        for new, old in zip(after.postings, before.postings, strict=True):
            assert new._replace(meta=None) == old._replace(meta=None)
            changed = {k for k in new.meta if new.meta[k] != old.meta.get(k)}
            assert changed <= WRITTEN
            assert old.meta.keys() <= new.meta.keys()


def test_plugin_only_adds_metadata_to_its_input() -> None:
    # Written into the postings' own metadata (copying them all cost time and
    # memory), but nothing that was there changes, and nothing else does.
    entries, _, options = loader.load_string(
        SAMPLE.replace('plugin "beancount_ar"', '; plugin "beancount_ar"')
    )
    metas = [dict(p.meta or {}) for e in entries if isinstance(e, data.Transaction)
             for p in e.postings]  # fmt: skip
    metas_of = {
        id(p): m
        for p, m in zip(
            (p for e in entries if isinstance(e, data.Transaction) for p in e.postings),
            metas,
            strict=True,
        )
    }
    bare = [
        repr(e._replace(postings=[p._replace(meta=None) for p in e.postings]))
        if isinstance(e, data.Transaction)
        else repr(e)
        for e in entries
    ]
    out, _ = beancount_ar.plugin.receivables(entries, options, "{}")
    after = [p.meta or {} for e in entries if isinstance(e, data.Transaction)
             for p in e.postings]  # fmt: skip
    added = set()
    for old, new in zip(metas, after, strict=True):
        assert {k: new[k] for k in old} == old
        added |= new.keys() - old.keys()
    assert added == {"invoice", "terms", "due", "discount-date", "discount-pct"}
    assert [
        repr(e._replace(postings=[p._replace(meta=None) for p in e.postings]))
        if isinstance(e, data.Transaction)
        else repr(e)
        for e in entries
    ] == bare
    # A transaction whose postings had none of the plugin's keys written is
    # annotated in place: the very object comes out.
    keys = {"invoice", "terms", "due", "discount-date", "discount-pct"}
    untouched = [
        (a, b)
        for a, b in zip(out, entries, strict=True)
        if isinstance(b, data.Transaction)
        and not any(keys & metas_of[id(p)].keys() for p in b.postings)
    ]
    assert len(untouched) >= 9
    assert all(a is b for a, b in untouched)


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE,
        HEADER.replace("{config}", "{'matching': 'strict'}")
        + textwrap.dedent(UNLINKED),
        HEADER.replace("{config}", "{}") + textwrap.dedent(GOOD_RECORDS),
    ],
    ids=["sample", "strict-unlinked", "records"],
)
def test_plugin_is_idempotent(text: str) -> None:
    entries, _, options = loader.load_string(text)
    again, _ = beancount_ar.plugin.receivables(entries, options, find_config(options))
    assert again == entries


def test_plugin_reports_internal_failure_as_an_error_and_keeps_entries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries, _, options = loader.load_string(SAMPLE)

    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(beancount_ar.plugin, "build_index", explode)
    out, errors = beancount_ar.plugin.receivables(entries, options, "{}")
    assert out == entries
    assert len(errors) == 1
    assert errors[0].source["filename"] == "<beancount_ar>"
    assert "internal error" in errors[0].message


# -- property: any ledger keeps its entries and is idempotent ------------------

CUSTOMERS = ("Acme", "Beta")
CURRENCIES = ("USD", "EUR")

operations = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "credit"]),
        st.sampled_from(CUSTOMERS),
        st.sampled_from(CURRENCIES),
        st.integers(min_value=1, max_value=500),
        st.integers(min_value=0, max_value=90),
        st.sampled_from(["link", "meta", "none"]),
        st.integers(min_value=0, max_value=9),
    ),
    max_size=12,
)


def generated_ledger(ops: list[tuple[str, str, str, int, int, str, int]]) -> str:
    lines = [
        'plugin "beancount_ar"',
        "2024-01-01 open Assets:Bank",
        "2024-01-01 open Income:Sales",
        *(f"2024-01-01 open Assets:Receivable:{c}" for c in CUSTOMERS),
    ]
    for n, (kind, customer, currency, amount, day, naming, ref) in enumerate(ops):
        date = D(2024, 2, 1) + datetime.timedelta(days=day)
        ident = f"INV-{ref}"  # shared ids make debit memos and named credits
        link = f" ^{ident}" if naming == "link" else ""
        sign, other = (
            ("", "Income:Sales") if kind == "invoice" else ("-", "Assets:Bank")
        )
        lines += [
            f'{date} * "{customer}" "{kind} {n}"{link}',
            f"  Assets:Receivable:{customer}  {sign}{amount}.00 {currency}",
            *([f'    invoice: "{ident}"'] if naming == "meta" else []),
            f"  {other}",
        ]
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
def test_any_ledger_keeps_every_entry_in_order(
    ops: list[tuple[str, str, str, int, int, str, int]],
) -> None:
    text = generated_ledger(ops)
    entries, errors, _ = loader.load_string(text)
    without, _, _ = loader.load_string(text.replace("plugin", "; plugin", 1))
    assert not any("internal error" in e.message for e in errors)
    assert shape(entries) == shape(without)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=operations)
@example(
    ops=[
        ("credit", "Acme", "USD", 200, 0, "none", 0),
        ("credit", "Acme", "USD", 200, 0, "none", 0),
        ("invoice", "Acme", "USD", 100, 1, "link", 1),
        ("invoice", "Acme", "USD", 200, 2, "link", 2),
    ]
)
def test_any_ledger_is_idempotent(
    ops: list[tuple[str, str, str, int, int, str, int]],
) -> None:
    entries, _, options = loader.load_string(generated_ledger(ops))
    again, _ = beancount_ar.plugin.receivables(entries, options, find_config(options))
    assert again == entries


def test_plugin_is_idempotent_when_prepayments_spread_over_invoices() -> None:
    ledger = load(
        """
        2024-02-01 * "Acme" "Deposit one"
          Assets:Bank  200.00 USD
          Assets:Receivable:Acme  ; one
        2024-02-01 * "Acme" "Deposit two"
          Assets:Bank  200.00 USD
          Assets:Receivable:Acme  ; two
        2024-02-02 * "Acme" "Website" ^INV-A
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-02-03 * "Acme" "Print" ^INV-B
          Assets:Receivable:Acme  200.00 USD
          Income:Sales
        """
    )
    assert ledger.errors == []
    assert "invoice" not in ledger.posting("; one")  # paid INV-A and INV-B
    assert ledger.posting("; two")["invoice"] == "INV-B"
    again, _ = beancount_ar.plugin.receivables(ledger.entries, ledger.options, "{}")
    assert again == ledger.entries


# -- bean-query sees the metadata ----------------------------------------------


def test_bean_query_selects_the_written_metadata(tmp_path: Any) -> None:
    beanquery = pytest.importorskip("beanquery")
    path = tmp_path / "main.beancount"
    path.write_text(
        HEADER.replace("{config}", "{}")
        + textwrap.dedent(
            """
            2024-03-01 * "Acme" "Website" ^INV-1
              terms: "2/10 Net 30"
              Assets:Receivable:Acme  100.00 USD
              Income:Sales
            """
        )
    )
    conn = beanquery.connect(f"beancount:{path}")
    rows = conn.execute(
        "SELECT meta('invoice'), meta('terms'), meta('due'), meta('discount-date')"
        " WHERE account ~ '^Assets:Receivable'"
    ).fetchall()
    assert rows == [("INV-1", "2/10 Net 30", D(2024, 3, 31), D(2024, 3, 11))]


# -- ledger mistakes a bookkeeper makes ---------------------------------------


def test_a_payment_linked_to_another_customers_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Beta" "Logo" ^INV-B
          Assets:Receivable:Beta  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Flyers" ^INV-A
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-10 * "Acme" "Payment" ^INV-B
          Assets:Bank  100.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; payment
        """
    )
    assert_error_at(
        ledger,
        "; payment",
        "INV-B is an invoice of Beta (Assets:Receivable:Beta), not of Acme "
        "(Assets:Receivable:Acme)",
        "applied as if it named none",
    )
    # Applied to Acme's own oldest invoice, never to Beta's.
    assert ledger.posting("; payment")["invoice"] == "INV-A"


def test_one_payment_for_two_customers_may_link_both_invoices() -> None:
    ledger = load(
        """
        2024-03-01 * "Beta" "Logo" ^INV-B
          Assets:Receivable:Beta  100.00 USD
          Income:Sales
        2024-03-02 * "Acme" "Flyers" ^INV-A
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-10 * "Parent Co" "One check for both" ^INV-A ^INV-B
          Assets:Bank  200.00 USD
          Assets:Receivable:Acme  -100.00 USD  ; acme
          Assets:Receivable:Beta  -100.00 USD  ; beta
        """
    )
    assert ledger.errors == []
    assert ledger.posting("; acme")["invoice"] == "INV-A"
    assert ledger.posting("; beta")["invoice"] == "INV-B"


def test_an_invoice_id_used_by_two_customers_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Logo" ^INV-7
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-05 * "Beta" "Flyers" ^INV-7
          Assets:Receivable:Beta  40.00 USD  ; second
          Income:Sales
        """
    )
    assert_error_at(
        ledger,
        "; second",
        "invoice id INV-7 is already used by Acme (Assets:Receivable:Acme)",
    )


def test_an_invoice_id_invoiced_again_is_an_error_not_a_merge() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Logo" ^INV-7
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-05 * "Acme" "Flyers" ^INV-7
          Assets:Receivable:Acme  40.00 USD  ; again
          Income:Sales
        """
    )
    assert_error_at(
        ledger,
        "; again",
        "invoice INV-7 is already invoiced to Acme (Assets:Receivable:Acme) on "
        "2024-03-01 (<string>:",
        'mark it ar-kind: "debit-memo" if it adds to INV-7; booked as INV-7 (2)',
    )
    assert ledger.posting("; again")["invoice"] == "INV-7 (2)"


def test_a_debit_memo_marker_naming_no_invoice_is_an_error() -> None:
    ledger = load(
        """
        2024-03-05 * "Acme" "Flyers" ^INV-8
          ar-kind: "debit-memo"
          Assets:Receivable:Acme  40.00 USD  ; memo
          Income:Sales
        """
    )
    error = ledger.only_error()
    assert error.source["lineno"] == ledger.line("; memo")
    assert 'ar-kind: "debit-memo" but Acme (Assets:Receivable:Acme) has no ' in (
        error.message
    )


def test_a_credit_kind_on_a_charge_is_an_error() -> None:
    ledger = load(
        """
        2024-03-05 * "Acme" "Flyers" ^INV-8
          Assets:Receivable:Acme  40.00 USD  ; charge
            ar-kind: "payment"
          Income:Sales
        """
    )
    assert_error_at(ledger, "; charge", "'payment' on a charge")


def test_a_debit_memo_marker_on_a_credit_is_an_error() -> None:
    ledger = load(
        """
        2024-03-01 * "Acme" "Logo" ^INV-7
          Assets:Receivable:Acme  100.00 USD
          Income:Sales
        2024-03-05 * "Acme" "Payment" ^INV-7
          Assets:Bank  40.00 USD
          Assets:Receivable:Acme  -40.00 USD  ; credit
            ar-kind: "debit-memo"
        """
    )
    assert_error_at(ledger, "; credit", '("debit-memo" marks a charge, not a credit)')


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("ar-promis", "ar-promise"), ("ar-folowup", "ar-followup"), ("ar-xyz", None)],
)
def test_an_unknown_ar_directive_type_is_an_error_with_the_types(typo, suggestion):
    ledger = load(
        f"""
        2024-03-05 custom "{typo}" Assets:Receivable:Acme 40.00 USD 2024-04-01
        """
    )
    assert_error_at(ledger, typo, f'unknown directive custom "{typo}"', "ar-promise")
    hint = f'did you mean "{suggestion}"?' if suggestion else "did you mean"
    assert (hint in ledger.only_error().message) is bool(suggestion)


def test_strict_leftover_of_a_named_credit_pays_the_invoices_later_debit_memo():
    ledger = load(
        """
        2024-01-10 * "Acme" "Logo" ^INV-1
          Assets:Receivable:Acme  1000.00 USD
          Income:Sales
        2024-01-20 * "Acme" "Payment" ^INV-1
          Assets:Bank  1100.00 USD
          Assets:Receivable:Acme  -1100.00 USD
        2024-02-01 * "Acme" "Extra copies" ^INV-1
          ar-kind: "debit-memo"
          Assets:Receivable:Acme  150.00 USD  ; memo
          Income:Sales
        """,
        config="{'matching': 'strict'}",
    )
    assert ledger.errors == []
    led = ledger_lib.from_entries(ledger.entries, ledger.errors, ledger.options)
    items = aging.open_items(led.index, datetime.date(2024, 3, 5))
    # 100.00 left of the payment paid the memo, due 30 days after its own date.
    assert [(i.label, i.due, i.days_overdue, i.open) for i in items] == [
        ("INV-1 memo 1", datetime.date(2024, 3, 2), 3, Decimal("50.00"))
    ]
    assert ledger.posting("; memo")["due"] == datetime.date(2024, 3, 2)
