"""Invoices as the customer receives them: the data, ready for a template.

An invoice's lines are the postings of its transaction that are not
receivable postings, each with the amount of the posting (negated: income is
negative in the ledger):

    2026-09-25 * "Harbor Hotel" "Autumn brochure" ^INV-107
      Assets:Receivable:HarborHotel   1800.00 USD
      Income:Design                  -1440.00 USD
        description: "Brochure design, 12 pages"
        quantity: 12
        unit-price: 120.00 USD
      Liabilities:SalesTax            -360.00 USD

gives one line "Brochure design, 12 pages" (12 x 120.00) of 1,440.00 and,
when `tax_accounts` names `Liabilities:SalesTax`, a tax line of 360.00; the
total is 1,800.00. The lines always add up to the invoice amount: a
transaction whose other legs do not (two customers invoiced at once, a leg
in another currency) gives one line, the narration, of the invoice's
receivable amount. Debit memos add their own lines. Pure functions.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_ar import payments, records, status
from beancount_ar.openitems import (
    META_DESCRIPTION,
    META_QUANTITY,
    META_UNIT_PRICE,
    ZERO,
    Customer,
    Index,
    Invoice,
    MemoMark,
    is_ar_posting,
)

#: The root of sales accounts: their legs are an invoice's lines first.
INCOME_ROOT = "Income"

#: A `quantity:` or `unit-price:` as written: a number, an amount, or text.
Given = Decimal | Amount | str
#: (account, invoice id) -> the (k, transaction) of each of its debit memos.
MemoEntries = dict[tuple[str, str], list[tuple[int, data.Transaction]]]


class Line(NamedTuple):
    """A line of an invoice: what was sold, or a tax."""

    description: str
    amount: Decimal  # the posting's amount, negated; always in the currency
    account: str | None  # None: the one line of legs that did not add up
    quantity: Given | None = None  # `quantity:` as written, never multiplied
    unit_price: Given | None = None  # `unit-price:` as written
    # The account's last component ("Print"), when lines share a description.
    detail: str | None = None


class Charge(NamedTuple):
    """The invoice itself, or one of its debit memos, with its lines."""

    memo: int  # 0: the invoice; k: its k-th debit memo (the first of its entry)
    date: datetime.date
    due: datetime.date
    narration: str
    lines: tuple[Line, ...]
    taxes: tuple[Line, ...]

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.amount for line in self.taxes), ZERO)

    @property
    def amount(self) -> Decimal:
        """What the charge adds to the invoice: its receivable amount."""
        return self.subtotal + self.tax


class Discount(NamedTuple):
    """The early-payment discount the invoice's terms offer."""

    pct: Decimal
    until: datetime.date  # the last day to pay less the discount
    amount: Decimal  # the discount, at the ledger's precision
    pays: Decimal  # what pays the invoice in full by then
    passed: bool  # the date is before the as-of date


class InvoiceDocument(NamedTuple):
    """Everything an invoice shows, as of a date."""

    invoice: Invoice
    customer: Customer
    company: records.Company | None
    as_of: datetime.date
    charges: tuple[Charge, ...]  # the invoice, then its debit memos to as_of
    taxes: tuple[Line, ...]  # the tax lines of all charges, same ones summed
    total: Decimal  # = Invoice.amount_at(as_of)
    open: Decimal  # what is open on as_of, an earned discount included
    earned: Decimal  # of `open`, an early-payment discount earned
    discount: Discount | None
    instructions: str | None  # how to pay in the invoice's currency
    pay_url: str | None  # the link that pays what is due
    document: str | None  # the ledger's own document of the invoice (a path)

    @property
    def id(self) -> str:
        return self.invoice.id

    @property
    def currency(self) -> str:
        return self.invoice.currency

    @property
    def date(self) -> datetime.date:
        return self.invoice.date

    @property
    def due(self) -> datetime.date:
        return self.invoice.due

    @property
    def terms(self) -> str | None:
        return self.invoice.terms.text if self.invoice.terms else None

    @property
    def subtotal(self) -> Decimal:
        return sum((charge.subtotal for charge in self.charges), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum((line.amount for line in self.taxes), ZERO)

    @property
    def paid(self) -> Decimal:
        """Payments and credits applied to the invoice by the as-of date."""
        return self.total - self.open

    @property
    def amount_due(self) -> Decimal:
        """What the customer still owes: the open amount less a discount
        earned (which the books have yet to record)."""
        return self.open - self.earned


def is_tax(account: str, tax_accounts: Iterable[str]) -> bool:
    """Whether a posting to `account` is tax: a tax account or below one."""
    return any(
        account == tax or account.startswith(tax + account_lib.sep)
        for tax in tax_accounts
    )


def _given(value: object) -> Given | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, (Decimal, Amount)) or (isinstance(value, str) and value):
        return value
    return None


def lines_of(
    txn: data.Transaction,
    amount: Decimal,
    currency: str,
    is_receivable: Callable[[str], bool],
    tax_accounts: Sequence[str] = (),
) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """The lines and tax lines of a charge of `amount` in `txn`.

    The legs that make the lines are, first found that add up to `amount`:
    the sales and tax postings (`Income`, the `tax_accounts`), then every
    posting that is not receivable (a deposit taken on the spot). Each must
    be in the invoice's currency. Otherwise: one line, the narration, of
    `amount`.

    Args:
        txn: The invoice's (or debit memo's) transaction.
        amount: What the charge adds to the invoice (its receivable postings).
        currency: The invoice's currency.
        is_receivable: Whether an account is a receivable one.
        tax_accounts: The accounts whose postings are tax.

    Returns:
        The lines and the tax lines; together they sum to `amount`.
    """
    legs = [p for p in txn.postings if not is_receivable(p.account)]
    sales = [
        p
        for p in legs
        if p.account.split(account_lib.sep, 1)[0] == INCOME_ROOT
        or is_tax(p.account, tax_accounts)
    ]
    for chosen in (sales, legs):
        if not chosen or any(
            p.units is None
            or p.units.currency != currency
            or not isinstance(p.units.number, Decimal)
            for p in chosen
        ):
            continue
        if -sum((p.units.number for p in chosen), ZERO) != amount:
            continue
        return _lines(txn, chosen, tax_accounts)
    return (Line(txn.narration or "Invoice", amount, None),), ()


def _lines(
    txn: data.Transaction,
    postings: list[data.Posting],
    tax_accounts: Sequence[str],
) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    lines: list[Line] = []
    taxes: list[Line] = []
    for posting in postings:
        meta = posting.meta or {}
        own = meta.get(META_DESCRIPTION)
        own = own.strip() if isinstance(own, str) and own.strip() else None
        leaf = account_lib.leaf(posting.account)
        if is_tax(posting.account, tax_accounts):
            taxes.append(Line(own or leaf, -posting.units.number, posting.account))
            continue
        lines.append(
            Line(
                own or txn.narration or leaf,
                -posting.units.number,
                posting.account,
                _given(meta.get(META_QUANTITY)),
                _given(meta.get(META_UNIT_PRICE)),
                leaf if own is None else None,
            )
        )
    # The account names a line only where lines would otherwise read alike.
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.description] = counts.get(line.description, 0) + 1
    lines = [
        line if counts[line.description] > 1 else line._replace(detail=None)
        for line in lines
    ]
    return tuple(lines), tuple(taxes)


def memo_entries(index: Index) -> MemoEntries:
    """(account, invoice id) -> (k, transaction) of each debit memo, in
    ledger order. Read once per index off the postings the matcher made."""

    def compute() -> MemoEntries:
        found: MemoEntries = {}
        is_receivable = index.config.is_receivable
        made = iter(index.made)
        for txn in index.touched:
            for posting in txn.postings:
                if not is_ar_posting(posting, is_receivable):
                    continue
                mark = next(made, None)
                if type(mark) is MemoMark:
                    key = (mark.invoice.account, mark.invoice.id)
                    found.setdefault(key, []).append((mark.memo, txn))
        return found

    return index.memo(("invoices.memo_entries",), compute)


def charges(index: Index, invoice: Invoice, as_of: datetime.date) -> list[Charge]:
    """The invoice and its debit memos dated on or before `as_of`, with their
    lines; their amounts sum to `invoice.amount_at(as_of)`."""
    config = index.config
    lines, taxes = lines_of(
        invoice.entry,
        invoice.first,
        invoice.currency,
        config.is_receivable,
        config.tax_accounts,
    )
    found = [
        Charge(0, invoice.date, invoice.due, invoice.entry.narration, lines, taxes)
    ]
    if not invoice.memos:
        return found
    # One charge per debit memo transaction (its postings to the invoice
    # summed), dated and due as its first memo.
    by_entry: dict[int, tuple[int, data.Transaction, Decimal]] = {}
    entries = memo_entries(index).get((invoice.account, invoice.id), [])
    for k, txn in entries:
        memo = invoice.memos[k - 1]
        if memo.date > as_of:
            continue
        first, _, amount = by_entry.get(id(txn), (k, txn, ZERO))
        by_entry[id(txn)] = (first, txn, amount + memo.amount)
    for first, txn, amount in by_entry.values():
        memo = invoice.memos[first - 1]
        lines, taxes = lines_of(
            txn, amount, invoice.currency, config.is_receivable, config.tax_accounts
        )
        found.append(Charge(first, memo.date, memo.due, memo.narration, lines, taxes))
    return found


def _summed_taxes(charges: Iterable[Charge]) -> tuple[Line, ...]:
    """The tax lines of all charges, those of the same name and account summed."""
    summed: dict[tuple[str, str | None], Line] = {}
    for charge in charges:
        for line in charge.taxes:
            key = (line.description, line.account)
            known = summed.get(key)
            summed[key] = (
                line
                if known is None
                else known._replace(amount=known.amount + line.amount)
            )
    return tuple(summed.values())


def _discount(index: Index, invoice: Invoice, as_of: datetime.date) -> Discount | None:
    terms = invoice.terms
    until = invoice.discount_date
    if terms is None or terms.discount_pct is None or until is None:
        return None
    # As the engine decides whether a discount was earned: on the amount
    # invoiced by the discount date.
    base = invoice.amount_at(min(as_of, until))
    amount = index.amounts.rounded(base * terms.discount_pct / 100, invoice.currency)
    return Discount(terms.discount_pct, until, amount, base - amount, until < as_of)


def invoice_document(
    index: Index, invoice: Invoice, as_of: datetime.date
) -> InvoiceDocument:
    """An invoice as the customer receives it, on a date.

    Args:
        index: The open-item index.
        invoice: The invoice (dated on or before `as_of`).
        as_of: The date: debit memos, payments and credits up to it count.

    Returns:
        The invoice's document data; its charges' amounts sum to its total,
        `invoice.amount_at(as_of)`.
    """
    found = tuple(charges(index, invoice, as_of))
    open_ = max(invoice.open_at(as_of), ZERO)
    earned = status.earned_discount(invoice, as_of, index.amounts) or ZERO
    due = open_ - earned
    return InvoiceDocument(
        invoice=invoice,
        customer=index.customers[invoice.account],
        company=payments.company(index, as_of),
        as_of=as_of,
        charges=found,
        taxes=_summed_taxes(found),
        total=invoice.amount_at(as_of),
        open=open_,
        earned=earned,
        discount=_discount(index, invoice, as_of),
        instructions=payments.instructions(index, invoice.currency, as_of),
        pay_url=(
            payments.pay_url(index, invoice.account, due, invoice.currency, invoice)
            if due > 0
            else None
        ),
        document=index.documents.get((invoice.account, invoice.id)),
    )


# -- finding invoices ---------------------------------------------------------


def find(index: Index, invoice_id: str, account: str | None = None) -> list[Invoice]:
    """The invoices with an id (of one customer, when `account` is given):
    exact first, else ignoring case."""
    pool = index.invoices_for(account) if account else index.invoices
    exact = [inv for inv in pool if inv.id == invoice_id]
    if exact:
        return exact
    wanted = invoice_id.casefold()
    return [inv for inv in pool if inv.id.casefold() == wanted]


def suggestions(
    index: Index, invoice_id: str, account: str | None = None, n: int = 3
) -> list[str]:
    """The invoice ids closest to a mistyped one."""
    pool = index.invoices_for(account) if account else index.invoices
    ids = list(dict.fromkeys(inv.id for inv in pool))
    by_key = {i.casefold(): i for i in ids}
    close = difflib.get_close_matches(
        invoice_id.casefold(), list(by_key), n=n, cutoff=0.6
    )
    return [by_key[key] for key in close]


def issued(
    index: Index,
    start: datetime.date | None,
    end: datetime.date,
    accounts: set[str] | None = None,
) -> list[Invoice]:
    """The invoices dated from `start` (or the beginning) to `end`, in
    ledger order."""
    return [
        inv
        for inv in index.invoices_of(accounts)
        if inv.date <= end and (start is None or inv.date >= start)
    ]
