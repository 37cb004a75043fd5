"""The beangulp hook: imported deposits matched to open invoices."""

from __future__ import annotations

import itertools
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import pytest
from arutil import D, day, load, open_amounts
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import printer

from beancount_ar.importer import META_MATCH, match_payments

BANK = "Assets:Bank:Checking"
CSV = "/statements/bank-2026-11.csv"
LINES = itertools.count(2)

LEDGER = """
2020-01-01 open Income:Unknown
2020-01-01 open Expenses:BankFees
2020-01-01 open Assets:Receivable:Gull
  customer: "Gull Rock Brewing Co."
  terms: "2/10 Net 30"
  aliases: "GRB Taproom"

2026-10-01 * "Acme Corp" "Design" ^INV-1
  Assets:Receivable:Acme  250.00 USD
  Income:Design

2026-10-05 * "Acme Corp" "Design" ^INV-2
  Assets:Receivable:Acme  400.00 USD
  Income:Design

2026-10-10 * "Beta LLC" "Print run" ^INV-7
  Assets:Receivable:Beta  1200.00 USD
  Income:Design

2026-11-02 * "Gull Rock Brewing Co." "Labels" ^INV-9
  Assets:Receivable:Gull  1000.00 USD
  Income:Design
"""

#: What is open before any import: INV-9's discount (2%) runs to 2026-11-12.
BEFORE = {"INV-1": D("250.00"), "INV-2": D("400.00"), "INV-7": D("1200.00"),
          "INV-9": D("1000.00")}  # fmt: skip


def deposit(
    date: str,
    amount: str,
    payee: str | None = "ACH CREDIT",
    narration: str = "ACH credit",
    memo: str | None = None,
    placeholder: bool = True,
    currency: str = "USD",
    account: str = BANK,
) -> data.Transaction:
    """A deposit as a bank importer makes it: the bank leg and a placeholder."""
    meta = data.new_metadata(CSV, next(LINES))
    if memo is not None:
        meta["memo"] = memo
    units = Amount(D(amount), currency)
    postings = [data.Posting(account, units, None, None, None, None)]
    if placeholder:
        postings.append(data.Posting("Income:Unknown", None, None, None, None, None))
    return data.Transaction(
        meta, day(date), "*", payee, narration, frozenset(), frozenset(), postings
    )


def run(existing: list[data.Directive], *entries: data.Directive) -> list:
    """The hook as `beangulp extract` calls it: the existing entries already
    hold this import's entries."""
    extracted = [(CSV, list(entries), BANK, None)]
    ((filename, out, account, importer),) = match_payments(
        extracted, [*existing, *entries]
    )
    assert (filename, account, importer) == (CSV, BANK, None)
    return out


def legs(txn: data.Transaction) -> list[tuple[str, str | None]]:
    return [(p.account, str(p.units) if p.units else None) for p in txn.postings]


def appended(*entries: data.Directive) -> dict:
    """What is open on 2026-11-30 once the output is appended to the ledger."""
    text = "\n".join(printer.format_entry(e) for e in entries)
    led = load(LEDGER, text)
    assert led.errors == []
    return open_amounts(led, "2026-11-30")


def paid_off(*ids: str) -> dict:
    """What was open before, less the invoices paid in full (the aging no
    longer lists them)."""
    return {k: v for k, v in BEFORE.items() if k not in ids}


def ledger() -> list[data.Directive]:
    led = load(LEDGER)
    assert led.errors == []
    assert open_amounts(led, "2026-11-30") == BEFORE
    return led.entries


# -- rule 1: invoice ids --------------------------------------------------------


def test_invoice_id_in_the_memo_pays_that_invoice():
    (txn,) = run(ledger(), deposit("2026-11-20", "1200.00", "WIRE IN 4471",
                                   memo="Remittance inv-7, thanks"))  # fmt: skip
    assert txn.links == {"INV-7"}
    assert legs(txn) == [
        (BANK, "1200.00 USD"),
        ("Assets:Receivable:Beta", "-1200.00 USD"),
    ]
    assert txn.meta[META_MATCH] == "INV-7 by invoice id in the memo"
    assert appended(txn) == paid_off("INV-7")


def test_invoice_id_in_the_narration_wins_over_the_amount():
    # 250.00 is INV-1's open amount, but the narration names INV-2.
    (txn,) = run(ledger(), deposit("2026-11-20", "250.00", "ACME CORP", "Pay INV-2"))
    assert txn.links == {"INV-2"}
    assert txn.meta[META_MATCH] == (
        "INV-2 by invoice id in the narration (part payment: 250.00 USD of 400.00 USD)"
    )
    assert appended(txn) == {**BEFORE, "INV-2": D("150.00")}


def test_invoice_ids_of_two_customers_paid_exactly_give_each_its_leg():
    # INV-9 is paid less its 2% discount (in the window), INV-7 in full.
    (txn,) = run(ledger(), deposit("2026-11-10", "2180.00", "PARENT HOLDINGS",
                                   memo="INV-9 / INV-7"))  # fmt: skip
    assert txn.links == {"INV-7", "INV-9"}
    assert legs(txn) == [
        (BANK, "2180.00 USD"),
        ("Expenses:Discounts", "20.00 USD"),
        ("Assets:Receivable:Beta", "-1200.00 USD"),
        ("Assets:Receivable:Gull", "-1000.00 USD"),
    ]
    assert txn.meta[META_MATCH] == (
        "INV-7 and INV-9 by invoice id in the memo (less 20.00 USD early-payment discount)"
    )
    assert appended(txn) == paid_off("INV-7", "INV-9")
    # Short by anything else, there is no telling how to split it.
    imported = deposit("2026-11-10", "2100.00", "PARENT HOLDINGS", memo="INV-9 / INV-7")
    (short,) = run(ledger(), imported)
    assert short.meta[META_MATCH] == (
        "ambiguous: names INV-7 (Beta LLC), INV-9 (Gull Rock Brewing Co.), which are "
        "owed 2200.00 USD together, not 2100.00 USD"
    )
    assert short._replace(meta=imported.meta) == imported


def test_invoice_id_of_a_paid_invoice_leaves_the_deposit_alone():
    paid = '2026-11-01 * "Beta" "Paid" ^INV-7\n  Assets:Bank:Checking  1200.00 USD\n  Assets:Receivable:Beta\n'
    led = load(LEDGER, paid)
    imported = deposit("2026-11-20", "1200.00", "BETA LLC", memo="INV-7")
    (txn,) = run(led.entries, imported)
    assert txn.meta[META_MATCH] == (
        "unmatched: the memo names INV-7 (Beta LLC), paid already"
    )
    assert txn.postings == imported.postings and not txn.links


def test_invoice_ids_joined_by_a_slash_are_each_named():
    (txn,) = run(ledger(), deposit("2026-11-20", "650.00", "MOBILE DEPOSIT",
                                   memo="INV-1/INV-2"))  # fmt: skip
    assert txn.links == {"INV-1", "INV-2"}
    assert legs(txn) == [
        (BANK, "650.00 USD"),
        ("Assets:Receivable:Acme", "-650.00 USD"),
    ]
    assert txn.meta[META_MATCH] == "INV-1 and INV-2 by invoice id in the memo"


NUMBERED = '2026-10-15 * "Beta LLC" "Cards" ^1001\n  Assets:Receivable:Beta  300.00 USD\n  Income:Design\n'


@pytest.mark.parametrize(
    "memo", ["Invoice #1001", "Inv. No. 1001", "INV1001", "inv 1001", "invoice nr 1001"]
)
def test_an_id_of_digits_only_counts_after_the_word_invoice(memo):
    (txn,) = run(load(LEDGER, NUMBERED).entries,
                 deposit("2026-11-20", "300.00", "BETA LLC", memo=memo))  # fmt: skip
    assert txn.links == {"1001"}
    assert legs(txn) == [
        (BANK, "300.00 USD"),
        ("Assets:Receivable:Beta", "-300.00 USD"),
    ]
    assert txn.meta[META_MATCH] == "1001 by invoice id in the memo"


@pytest.mark.parametrize("memo", ["Check 1001", "Check #1001", "Ref No. 1001"])
def test_a_bare_number_in_the_memo_is_not_an_invoice_id(memo):
    # Acme's check number 1001 is not Beta's invoice 1001: the payee decides,
    # and nothing of Acme's is 980.00, so it is Acme's unapplied money.
    (txn,) = run(load(LEDGER, NUMBERED).entries,
                 deposit("2026-11-05", "980.00", "ACME CORP", memo=memo))  # fmt: skip
    assert not txn.links
    assert legs(txn) == [
        (BANK, "980.00 USD"),
        ("Assets:Receivable:Acme", "-980.00 USD"),
    ]
    assert txn.meta[META_MATCH] == (
        "unapplied: payee is Acme Corp but no open invoice of it is 980.00 USD; "
        "posted to its account with no invoice link"
    )


@pytest.mark.parametrize(
    "memo", ["inv 7 part", "Invoice 7", "Inv. #7", "Invoice No. 7", "INV 7"]
)
def test_an_invoice_number_written_apart_from_its_letters_names_it(memo):
    # The customer writes "inv 7" for INV-7, and pays part of it; 250.00 is
    # also INV-1's open amount, which must not win.
    (txn,) = run(ledger(), deposit("2026-11-20", "250.00", "ZELLE FROM B SMITH",
                                   memo=memo))  # fmt: skip
    assert txn.links == {"INV-7"}
    assert legs(txn) == [
        (BANK, "250.00 USD"),
        ("Assets:Receivable:Beta", "-250.00 USD"),
    ]
    assert txn.meta[META_MATCH].startswith("INV-7 by invoice id in the memo")


def test_a_bare_number_of_another_open_invoice_stops_a_match_by_amount():
    (txn,) = run(ledger(), deposit("2026-11-20", "250.00", "ZELLE FROM B SMITH",
                                   memo="Ref 7"))  # fmt: skip
    assert not txn.links
    assert legs(txn) == [(BANK, "250.00 USD"), ("Income:Unknown", None)]
    assert txn.meta[META_MATCH] == (
        "ambiguous: 250.00 USD is the open amount of INV-1 (Acme Corp), but the "
        "text has the number of INV-7 (Beta LLC)"
    )


def test_invoice_id_and_payee_naming_different_customers_is_ambiguous():
    imported = deposit("2026-11-20", "1200.00", "ACME CORP", memo="INV-7")
    (txn,) = run(ledger(), imported)
    assert txn.meta[META_MATCH] == (
        "ambiguous: the memo names INV-7 (Beta LLC), but the payee is Acme Corp"
    )
    assert txn._replace(meta=imported.meta) == imported


def test_overpayment_by_invoice_id_needs_the_payee_to_agree():
    # Nothing but the id says whose it is: 300.00 for a 250.00 invoice is
    # as likely a number that looks like an id.
    imported = deposit("2026-11-20", "300.00", "MOBILE DEPOSIT", memo="INV-1")
    (txn,) = run(ledger(), imported)
    assert txn.meta[META_MATCH] == (
        "ambiguous: 300.00 USD is more than the 250.00 USD open on "
        "INV-1 (Acme Corp), named in the memo, and the payee is not Acme Corp"
    )
    assert txn._replace(meta=imported.meta) == imported
    # The customer itself paying too much: matched, and the note says so.
    (paid,) = run(ledger(), deposit("2026-11-20", "300.00", "ACME CORP", memo="INV-1"))
    assert paid.links == {"INV-1"}
    assert legs(paid) == [
        (BANK, "300.00 USD"),
        ("Assets:Receivable:Acme", "-300.00 USD"),
    ]
    assert paid.meta[META_MATCH] == (
        "INV-1 by invoice id in the memo (pays 50.00 USD more than is open)"
    )


# -- rule 2: the payee ------------------------------------------------------------


def test_payee_names_the_customer_and_the_amount_picks_its_invoice():
    # Punctuation and case do not matter; "Co." may be left out or not.
    (txn,) = run(ledger(), deposit("2026-11-20", "1000.00", "GULL ROCK BREWING CO"))
    assert txn.links == {"INV-9"}
    assert legs(txn) == [
        (BANK, "1000.00 USD"),
        ("Assets:Receivable:Gull", "-1000.00 USD"),
    ]
    assert txn.meta[META_MATCH] == (
        "INV-9 by payee Gull Rock Brewing Co. and amount (its open amount)"
    )


def test_payee_matches_an_alias_as_whole_words():
    (alias,) = run(ledger(), deposit("2026-11-20", "1000.00", "ACH GRB TAPROOM PPD"))
    assert alias.links == {"INV-9"}
    # "ACMEX" is not the word "Acme": no customer, and 400.00 is INV-2's amount.
    (other,) = run(ledger(), deposit("2026-11-20", "400.00", "ACMEX CORPORATION"))
    assert other.meta[META_MATCH] == "INV-2 by amount (its open amount)"


def test_payee_with_no_fitting_invoice_is_an_unapplied_payment_on_its_account():
    (txn,) = run(ledger(), deposit("2026-11-20", "100.00", "Acme Corp"))
    assert not txn.links
    assert legs(txn) == [
        (BANK, "100.00 USD"),
        ("Assets:Receivable:Acme", "-100.00 USD"),
    ]
    assert txn.meta[META_MATCH] == (
        "unapplied: payee is Acme Corp but no open invoice of it is 100.00 USD; "
        "posted to its account with no invoice link"
    )
    # Under `fifo` the plugin applies it to Acme's oldest invoice.
    assert appended(txn) == {**BEFORE, "INV-1": D("150.00")}


def test_payee_must_be_the_whole_name_not_a_name_within_it():
    # "GULL ROCK BREWING TAPROOM SUPPLY" is another business; 12.00 fits no
    # invoice, so it is left alone (not posted to Gull Rock as unapplied).
    imported = deposit("2026-11-20", "12.00", "GULL ROCK BREWING TAPROOM SUPPLY")
    (txn,) = run(ledger(), imported)
    assert txn.meta[META_MATCH] == (
        "unmatched: no open invoice or customer matches 12.00 USD"
    )
    assert txn._replace(meta=imported.meta) == imported
    # The bank's "ACH CREDIT" before and "PPD" after the name are not the name.
    (bank,) = run(ledger(), deposit("2026-11-20", "12.00",
                                    "ACH CREDIT GULL ROCK BREWING PPD"))  # fmt: skip
    assert legs(bank) == [
        (BANK, "12.00 USD"),
        ("Assets:Receivable:Gull", "-12.00 USD"),
    ]


JOE = '2020-01-01 open Assets:Receivable:Joe  USD\n  customer: "Joe"\n'


@pytest.mark.parametrize(
    ("payee", "note"),
    [
        ("JOE", "unmatched: payee is Joe, whose account takes USD, not EUR"),
        ("ACME CORP", "unmatched: payee is Acme Corp, who has no invoice in EUR"),
    ],
)
def test_payee_whose_account_cannot_take_the_currency_is_left_alone(payee, note):
    imported = deposit("2026-11-20", "100.00", payee, currency="EUR")
    (txn,) = run(load(LEDGER, JOE).entries, imported)
    assert txn.meta[META_MATCH] == note
    assert txn._replace(meta=imported.meta) == imported


# -- rule 3: the amount -----------------------------------------------------------


def test_amount_equal_to_one_open_invoice_pays_it():
    # The importer gave only the bank leg: the receivable leg is added.
    (txn,) = run(ledger(), deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT",
                                   placeholder=False))  # fmt: skip
    assert txn.links == {"INV-7"}
    assert legs(txn) == [
        (BANK, "1200.00 USD"),
        ("Assets:Receivable:Beta", "-1200.00 USD"),
    ]
    assert txn.meta[META_MATCH] == "INV-7 by amount (its open amount)"


def test_amount_equal_to_a_customers_whole_balance_pays_all_its_invoices():
    (txn,) = run(ledger(), deposit("2026-11-20", "650.00", "MOBILE DEPOSIT"))
    assert txn.links == {"INV-1", "INV-2"}
    assert legs(txn) == [
        (BANK, "650.00 USD"),
        ("Assets:Receivable:Acme", "-650.00 USD"),
    ]
    assert txn.meta[META_MATCH] == "INV-1 and INV-2 by amount (its whole open balance)"
    assert appended(txn) == paid_off("INV-1", "INV-2")


def test_discounted_amount_within_the_discount_window_pays_the_invoice():
    (txn,) = run(ledger(), deposit("2026-11-12", "980.00", "ACH 55120"))
    assert txn.links == {"INV-9"}
    assert legs(txn) == [
        (BANK, "980.00 USD"),
        ("Expenses:Discounts", "20.00 USD"),
        ("Assets:Receivable:Gull", "-1000.00 USD"),
    ]
    assert txn.meta[META_MATCH] == (
        "INV-9 by amount (1000.00 USD less its 2% early-payment discount, "
        "until 2026-11-12)"
    )
    assert appended(txn) == paid_off("INV-9")


def test_discounted_amount_after_the_window_does_not_match():
    imported = deposit("2026-11-13", "980.00", "ACH 55120")
    (txn,) = run(ledger(), imported)
    assert (
        txn.meta[META_MATCH]
        == "unmatched: no open invoice or customer matches 980.00 USD"
    )
    assert txn.postings == imported.postings and not txn.links


def test_an_earned_discount_left_open_is_not_money_owed():
    # INV-9 was paid less its 2% in the window: the 20.00 left is a discount
    # to book, not an invoice a 20.00 deposit pays.
    paid = '2026-11-05 * "Gull" "Paid" ^INV-9\n  Assets:Bank:Checking  980.00 USD\n  Assets:Receivable:Gull\n'
    led = load(LEDGER, paid)
    assert open_amounts(led, "2026-11-30")["INV-9"] == D("20.00")
    imported = deposit("2026-11-20", "20.00", "BRANCH DEPOSIT")
    (txn,) = run(led.entries, imported)
    assert txn.meta[META_MATCH] == (
        "unmatched: no open invoice or customer matches 20.00 USD"
    )
    assert txn._replace(meta=imported.meta) == imported
    (named,) = run(led.entries, deposit("2026-11-20", "20.00", "X", memo="INV-9"))
    assert named.meta[META_MATCH] == (
        "unmatched: the memo names INV-9 (Gull Rock Brewing Co.), paid already"
    )


# -- never a guess ------------------------------------------------------------------


def test_two_equally_good_invoices_leave_the_deposit_alone_with_a_note():
    other = '2026-10-20 * "Beta LLC" "Cards" ^INV-8\n  Assets:Receivable:Beta  250.00 USD\n  Income:Design\n'
    imported = deposit("2026-11-20", "250.00", "MOBILE DEPOSIT")
    (txn,) = run(load(LEDGER, other).entries, imported)
    assert txn.meta[META_MATCH] == (
        "ambiguous: 250.00 USD is the open amount of INV-1 (Acme Corp) and "
        "the open amount of INV-8 (Beta LLC)"
    )
    assert txn._replace(meta=imported.meta) == imported


def test_unmatched_deposit_is_left_as_imported_with_a_note():
    imported = deposit("2026-11-20", "123.45", "DEPOSIT BRANCH 0412")
    (txn,) = run(ledger(), imported)
    assert (
        txn.meta[META_MATCH]
        == "unmatched: no open invoice or customer matches 123.45 USD"
    )
    assert txn._replace(meta=imported.meta) == imported
    assert dict(imported.meta).keys() | {META_MATCH} == txn.meta.keys()


def test_withdrawals_and_other_entries_pass_untouched_in_order():
    fee = data.Transaction(
        data.new_metadata(CSV, 40), day("2026-11-30"), "*", "SERVICE FEE", "Fee",
        frozenset(), frozenset(),
        [data.Posting(BANK, Amount(D("-1200.00"), "USD"), None, None, None, None),
         data.Posting("Expenses:BankFees", None, None, None, None, None)],
    )  # fmt: skip
    placed = deposit("2026-11-30", "1200.00", "INTEREST", placeholder=False)
    placed = placed._replace(
        postings=[
            *placed.postings,
            data.Posting("Income:Design", None, None, None, None, None),
        ]
    )
    balance = data.Balance(data.new_metadata(CSV, 41), day("2026-12-01"), BANK,
                           Amount(D("0.00"), "USD"), None, None)  # fmt: skip
    matched = deposit("2026-11-30", "1200.00", "MOBILE DEPOSIT")
    out = run(ledger(), fee, placed, balance, matched)
    assert out[:3] == [fee, placed, balance]
    assert all(a is b for a, b in zip(out[:3], (fee, placed, balance), strict=True))
    assert out[3].links == {"INV-7"}


def test_deposits_to_accounts_other_than_assets_are_left_untouched():
    # A card refund from another importer is no customer's payment, even
    # when its payee and amount fit an invoice.
    card = "Liabilities:Card"
    refund = deposit("2026-11-20", "250.00", "ACME CORP", account=card)
    extracted = [("/statements/card.csv", [refund], card, None)]
    ((_, (txn,), _, _),) = match_payments(extracted, [*ledger(), refund])
    assert txn is refund
    assert META_MATCH not in txn.meta and legs(txn) == [
        (card, "250.00 USD"),
        ("Income:Unknown", None),
    ]


def test_two_deposits_in_one_import_do_not_pay_the_same_invoice():
    first, second = run(
        ledger(),
        deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT"),
        deposit("2026-11-21", "1200.00", "MOBILE DEPOSIT", memo="INV-7 again"),
    )
    assert first.links == {"INV-7"}
    assert not second.links
    assert second.meta[META_MATCH] == (
        "unmatched: the memo names INV-7 (Beta LLC), paid already"
    )


def test_a_second_import_of_the_same_deposit_is_a_duplicate_not_a_payment():
    imported = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    (txn,) = run(ledger(), imported)
    text = printer.format_entry(txn)
    # The output appended to the ledger, then the same bank file imported again.
    entries, errors, _ = loader.load_string(_header() + LEDGER + text)
    assert errors == []
    again = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    (dup,) = run(entries, again)
    booked = dup.meta["__duplicate__"]
    assert booked.links == {"INV-7"} and booked.date == day("2026-11-20")
    assert META_MATCH not in dup.meta and dup.postings == again.postings
    # beangulp prints it commented out: nothing is booked twice.
    out = _printed([(CSV, [dup], BANK, None)])
    assert '; 2026-11-20 * "MOBILE DEPOSIT"' in out
    assert "\n2026-11-20" not in out


def test_a_booked_deposit_with_an_edited_payee_is_still_a_duplicate():
    imported = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    (txn,) = run(ledger(), imported)
    # The bookkeeper renamed the payee of the booked deposit.
    text = printer.format_entry(txn).replace('"MOBILE DEPOSIT"', '"Beta LLC"')
    entries, errors, _ = loader.load_string(_header() + LEDGER + text)
    assert errors == []
    # The bank file again, now with a second, new deposit of the same amount
    # the same day: the first is the one booked, the second is new.
    first = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    second = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    dup, new = run(entries, first, second)
    booked = dup.meta["__duplicate__"]
    assert booked.payee == "Beta LLC" and booked.links == {"INV-7"}
    assert META_MATCH not in dup.meta and dup.postings == first.postings
    assert "__duplicate__" not in new.meta
    assert new.meta[META_MATCH] == (
        "unmatched: no open invoice or customer matches 1200.00 USD"
    )
    out = _printed([(CSV, [dup, new], BANK, None)])
    assert out.count('; 2026-11-20 * "MOBILE DEPOSIT"') == 1
    assert out.count('\n2026-11-20 * "MOBILE DEPOSIT"') == 1


def test_entries_beangulp_already_marked_duplicate_are_not_matched():
    imported = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    imported.meta["__duplicate__"] = True
    (txn,) = run(ledger(), imported)
    assert txn is imported


def test_the_file_being_imported_is_not_part_of_the_ledger():
    # beangulp adds the extracted entries to the existing ones before the
    # hooks run, and an earlier hook may have replaced them: neither copy
    # counts as already in the ledger.
    imported = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    earlier = imported._replace(meta={**imported.meta, "category": "sales"})
    extracted = [(CSV, [earlier], BANK, None)]
    ((_, (txn,), _, _),) = match_payments(extracted, [*ledger(), imported, earlier])
    assert txn.links == {"INV-7"}
    assert "__duplicate__" not in txn.meta


def test_no_ledger_given_changes_nothing():
    imported = deposit("2026-11-20", "1200.00", "MOBILE DEPOSIT")
    extracted = [(CSV, [imported], BANK, None)]
    assert match_payments(extracted, [imported]) == extracted


def test_the_receivable_roots_come_from_the_ledgers_plugin_line(tmp_path):
    path = tmp_path / "books.beancount"
    path.write_text(textwrap.dedent("""\
        plugin "beancount_ar" "{'accounts': ['Assets:AR']}"
        2026-01-01 open Assets:Bank:Checking
        2026-01-01 open Income:Sales
        2026-01-01 open Income:Unknown
        2026-01-01 open Assets:AR:Acme
          customer: "Acme Corp"
        2026-10-01 * "Acme Corp" "Design" ^A-100
          Assets:AR:Acme  300.00 USD
          Income:Sales
        """))  # fmt: skip
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    (txn,) = run(entries, deposit("2026-11-20", "300.00", "ACME CORP"))
    assert txn.links == {"A-100"}
    assert legs(txn) == [(BANK, "300.00 USD"), ("Assets:AR:Acme", "-300.00 USD")]


def test_the_plugin_line_is_read_from_the_top_file_of_an_include_layout(tmp_path):
    # The usual layout: main.beancount holds only options, the plugin line
    # (its configuration over several lines) and includes.
    (tmp_path / "main.beancount").write_text(textwrap.dedent("""\
        option "operating_currency" "USD"
        plugin "beancount_ar" "{'accounts': ['Assets:AR'],
                               'default_terms': 'Net 30'}"
        include "books/2026.beancount"
        """))  # fmt: skip
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "2026.beancount").write_text(textwrap.dedent("""\
        2026-01-01 open Assets:Bank:Checking
        2026-01-01 open Income:Sales
        2026-01-01 open Income:Unknown
        2026-01-01 open Assets:AR:Acme
          customer: "Acme Corp"
        2026-10-01 * "Acme Corp" "Design" ^A-100
          Assets:AR:Acme  300.00 USD
          Income:Sales
        """))  # fmt: skip
    entries, errors, _ = loader.load_file(str(tmp_path / "main.beancount"))
    assert errors == []
    (txn,) = run(entries, deposit("2026-11-20", "300.00", "ACME CORP"))
    assert txn.links == {"A-100"}
    assert legs(txn) == [(BANK, "300.00 USD"), ("Assets:AR:Acme", "-300.00 USD")]
    assert txn.meta[META_MATCH] == (
        "A-100 by payee Acme Corp and amount (its open amount)"
    )


def test_receivable_roots_with_no_account_warn_and_change_nothing(capsys):
    # The customers are under Assets:AR, the configuration says
    # Assets:Receivable: nothing could ever match.
    led = load(
        '2020-01-01 open Assets:AR:Acme\n  customer: "Acme Corp"\n'
        '2026-10-01 * "Acme" "Design" ^A-1\n  Assets:AR:Acme  300.00 USD\n'
        "  Income:Design\n",
        header=False,
    )
    imported = deposit("2026-11-20", "300.00", "ACME CORP")
    extracted = [(CSV, [imported], BANK, None)]
    assert match_payments(extracted, [*led.entries, imported]) == extracted
    assert META_MATCH not in imported.meta
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no account is open below Assets:Receivable" in err
    assert "deposits left as imported" in err


# -- end to end: the example's bank file through beangulp -------------------------


EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
BIN = pathlib.Path(sys.executable).parent


def test_bank_csv_through_beangulp_extract_pays_the_example_invoices(tmp_path):
    books = tmp_path / "books"
    shutil.copytree(EXAMPLE, books, ignore=shutil.ignore_patterns(".*"))
    main = books / "main.beancount"
    before = open_amounts(_loaded(main), "2026-11-30")
    importers = books / "importers"
    extract = [sys.executable, "import.py", "extract", "bank-2026-11.csv",
               "-e", str(main), "-o", str(tmp_path / "new.beancount")]  # fmt: skip
    env = {**os.environ, "BEANCOUNT_DISABLE_LOAD_CACHE": "1"}
    done = subprocess.run(
        extract, cwd=importers, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    new = (tmp_path / "new.beancount").read_text()
    assert new.count("ar-match:") == 8
    assert 'ar-match: "INV-2026-119 by invoice id in the memo"' in new
    assert "ambiguous: names INV-2026-123 (Gull Rock Brewing Co.)" in new
    assert (
        'ar-match: "unmatched: no open invoice or customer matches 125.00 USD"' in new
    )

    # Appended to the ledger, it checks clean.
    accounts = (books / "accounts.beancount").read_text()
    with main.open("a") as file:
        if "open Income:Unknown" not in accounts:
            file.write("\n2025-01-01 open Income:Unknown  USD\n")
        file.write("\n" + new)
    check = subprocess.run([BIN / "bean-check", "-C", str(main)], env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")

    # The aging: the invoices paid are gone, Gull Rock's 1000.00 went to its
    # oldest invoice, and every other invoice is as it was.
    after = open_amounts(_loaded(main), "2026-11-30")
    paid = {"INV-2026-119", "INV-2026-125", "INV-2026-013", "INV-2026-030",
            "INV-2026-114", "INV-2026-134"}  # fmt: skip
    assert paid <= before.keys()
    assert after == {
        **{k: v for k, v in before.items() if k not in paid},
        "INV-2026-079": before["INV-2026-079"] - 1000,
    }

    # Imported again: every line is already in the ledger.
    done = subprocess.run(
        extract, cwd=importers, env=env, capture_output=True, text=True
    )
    again = (tmp_path / "new.beancount").read_text()
    assert done.returncode == 0, done.stderr
    assert again.count("; duplicate of") == 9
    assert "ar-match" not in again
    assert not [line for line in again.splitlines() if line.startswith("2026-")]


def _loaded(path: pathlib.Path):
    from beancount_ar import ledger as ledger_lib

    return ledger_lib.load(str(path))


def _header() -> str:
    from arutil import HEADER

    return HEADER.format(config="{}")


def _printed(extracted: list) -> str:
    import io

    from beangulp import extract

    out = io.StringIO()
    extract.print_extracted_entries(extracted, out)
    return out.getvalue()


def test_an_invoice_named_before_it_was_issued_says_so_and_whose_it_is():
    # Acme pays on 1 October naming INV-7, which is Beta's, dated 10 October:
    # a typo, not for the hook to correct.
    (txn,) = run(ledger(), deposit("2026-10-01", "250.00", "ACME CORP",
                                   memo="Invoice INV-7"))  # fmt: skip
    assert not txn.links
    assert txn.meta[META_MATCH] == (
        "unmatched: the memo names INV-7 (Beta LLC), dated 2026-10-10, after this "
        "deposit; the payee is Acme Corp"
    )
