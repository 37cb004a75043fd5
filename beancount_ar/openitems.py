"""The open-item index: every invoice and credit of every customer, matched.

The index is built once per load by `matching.build_index`, in one
chronological pass. Each application of a credit to an invoice is dated the
day it happened (the later of the two), so the state of any past day is read
off the index without re-reading the ledger: an invoice's open amount on day
D is its charges up to D less its applications up to D.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount_ar import records
from beancount_ar.config import Config
from beancount_ar.money import ZERO, Amounts
from beancount_ar.terms import Terms

if TYPE_CHECKING:
    from beancount.core import data
    from beancount.core.amount import Amount

# Metadata keys read from the ledger and written by the plugin.
META_INVOICE = "invoice"
META_TERMS = "terms"
META_DUE = "due"
META_DISCOUNT_DATE = "discount-date"
META_DISCOUNT_PCT = "discount-pct"
META_KIND = "ar-kind"
META_CUSTOMER = "customer"
META_CREDIT_LIMIT = "credit-limit"
META_EMAIL = "email"
META_ADDRESS = "address"
META_LOCALE = "locale"
META_PAY_URL = "pay-url"
META_AR_EMAIL = "ar-email"  # "no": send this customer no email
META_STATEMENT_DAY = "statement-day"  # the day of the month of its statement
META_ALIASES = "aliases"  # other names its payments come under, "A; B"
META_DESCRIPTION = "description"
META_QUANTITY = "quantity"
META_UNIT_PRICE = "unit-price"

#: Credit kinds, guessed from the other leg or set with `ar-kind:`. A
#: `discount` is a credit whose other leg is the configured discount account.
CREDIT_KINDS = ("payment", "credit-note", "write-off", "discount", "adjustment")
#: The `ar-kind:` of a positive posting that adds to an invoice already issued.
DEBIT_MEMO = "debit-memo"


MEMO_LIMIT = 100_000


class ARError(NamedTuple):
    source: data.Meta
    message: str
    entry: data.Directive | None


class Customer(NamedTuple):
    """A customer: an account at or below a receivable root."""

    account: str
    name: str
    terms: Any  # the open directive's `terms:` as written, or None
    credit_limit: Amount | None
    email: str | None
    address: str | None
    meta: data.Meta
    locale: str | None = None  # `locale:` for numbers and dates, e.g. "sv_SE"
    emails: bool = True  # False with `ar-email: "no"`: no reminder, no statement
    statement_day: int | None = None  # `statement-day:` 1-31, else the config's
    aliases: tuple[str, ...] = ()  # `aliases: "Gull Rock; GRB Inc"`: bank payees


class Memo(NamedTuple):
    """A debit memo: a later charge added to an invoice, due on its own date."""

    date: datetime.date
    amount: Decimal
    narration: str
    due: datetime.date


class Part(NamedTuple):
    """One charge of an invoice (the invoice itself, or a debit memo) with what
    is still open of it. Credits pay an invoice's charges oldest first."""

    memo: int  # 0 for the invoice itself, k for its k-th debit memo
    date: datetime.date
    due: datetime.date
    amount: Decimal
    open: Decimal


class MemoMark(NamedTuple):
    """What a debit memo's posting made: the k-th memo of an invoice."""

    invoice: Invoice
    memo: int


class Application(NamedTuple):
    """Part of a credit applied to an invoice on a date."""

    date: datetime.date
    amount: Decimal
    invoice: Invoice
    credit: Credit


@dataclasses.dataclass(eq=False, slots=True)
class Invoice:
    """An invoice: one or more positive postings sharing an id on an account.

    Filled in while the index is built and never changed after.
    """

    account: str
    id: str
    currency: str
    date: datetime.date
    seq: int  # its place in ledger order (`matching._Builder.ledger_order`)
    terms: Terms | None
    due: datetime.date
    meta: data.Meta
    entry: data.Transaction
    first: Decimal = ZERO  # the amount of the first posting
    memos: list[Memo] | None = None  # later debit memos, in ledger order
    applications: list[Application] = dataclasses.field(default_factory=list)
    open: Decimal = ZERO  # open amount after the whole ledger
    last_change: datetime.date | None = None  # last charge or application
    queued: bool = False  # in its book's queue of open invoices

    @property
    def amount(self) -> Decimal:
        if not self.memos:
            return self.first
        return self.first + sum((memo.amount for memo in self.memos), ZERO)

    @property
    def discount_date(self) -> datetime.date | None:
        try:
            return self.terms.discount_date(self.date) if self.terms else None
        except OverflowError:  # reported with the due date
            return None

    def amount_at(self, day: datetime.date) -> Decimal:
        """The invoice amount with the debit memos dated on or before `day`."""
        if day < self.date:
            return ZERO
        if not self.memos:
            return self.first
        return self.first + sum((m.amount for m in self.memos if m.date <= day), ZERO)

    def settled_by(self, day: datetime.date) -> bool:
        """Charged and paid in full on or before `day`, never to change."""
        return (
            self.open <= 0 and self.last_change is not None and self.last_change <= day
        )

    def open_at(self, day: datetime.date) -> Decimal:
        """The open amount on `day` (zero before the invoice date)."""
        if day < self.date:
            return ZERO
        if self.last_change is not None and day >= self.last_change:
            return self.open
        paid = sum((a.amount for a in self.applications if a.date <= day), ZERO)
        return self.amount_at(day) - paid

    def parts_at(self, day: datetime.date) -> list[Part]:
        """The charges open on `day`, each with its own due date: what was
        paid goes to the invoice first, then to its debit memos in order."""
        left = self.open_at(day)
        if left <= 0:
            return []
        if not self.memos:
            return [Part(0, self.date, self.due, self.first, left)]
        charges = [Part(0, self.date, self.due, self.first, ZERO)]
        charges += [
            Part(k, m.date, m.due, m.amount, ZERO)
            for k, m in enumerate(self.memos, 1)
            if m.date <= day
        ]
        paid = sum((c.amount for c in charges), ZERO) - left
        parts = []
        for charge in charges:
            taken = min(paid, charge.amount)
            paid -= taken
            if charge.amount > taken:
                parts.append(charge._replace(open=charge.amount - taken))
        return parts


@dataclasses.dataclass(eq=False, slots=True)
class Credit:
    """A negative posting to a customer account: payment, credit note, write-off."""

    account: str
    currency: str
    date: datetime.date
    seq: int
    amount: Decimal  # positive: how much the posting lowers the balance
    kind: str
    named: tuple[str, ...]
    meta: data.Meta
    entry: data.Transaction
    applications: list[Application] = dataclasses.field(default_factory=list)
    remaining: Decimal = ZERO  # unapplied after the whole ledger

    def settled_by(self, day: datetime.date) -> bool:
        """Applied in full on or before `day`, never to change."""
        last = self.applications[-1].date if self.applications else self.date
        return self.remaining <= 0 and last <= day

    def remaining_at(self, day: datetime.date) -> Decimal:
        """What is left unapplied on `day` (zero before the credit date)."""
        if day < self.date:
            return ZERO
        if not self.applications or day >= self.applications[-1].date:
            return self.remaining
        return self.amount - sum(
            (a.amount for a in self.applications if a.date <= day), ZERO
        )


@dataclasses.dataclass(eq=False)
class Index:
    """Everything the reports need, built once per load."""

    config: Config
    customers: dict[str, Customer]
    invoices: list[Invoice]
    credits: list[Credit]
    errors: list[Any]
    named_terms: dict[str, str]
    records: dict[str, list[Any]]
    # (account, invoice id) -> the path of the invoice's own document: a
    # `document` entry on the customer's account linked to the invoice.
    documents: dict[tuple[str, str], str]
    notes: list[records.Note]
    # Every transaction touching a customer, in ledger order, and the invoice
    # or credit made by each of their receivable postings, in the same order
    # (two flat lists: a few bytes per posting on a large ledger).
    touched: list[data.Transaction]
    made: list[Invoice | MemoMark | Credit]
    invoices_by_key: dict[tuple[str, str], Invoice]
    amounts: Amounts = dataclasses.field(default_factory=Amounts)
    # What the plugin wrote on each of `touched`, when asked to record it
    # (`plugin.keeping_index(recording=True)`); None when it did not.
    written: list[Any] | None = None
    _grouped: dict[str, dict[str, list[Any]]] = dataclasses.field(default_factory=dict)
    _memo: dict[Any, Any] = dataclasses.field(default_factory=dict)

    def memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()`, remembered under `key` for the life of this index
        (it never changes once built). Bounded: a server asked for many
        dates forgets and starts again."""
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            value = self._memo[key] = compute()
            return value

    def _group(self, kind: str, items: Iterable[Any]) -> dict[str, list[Any]]:
        grouped = self._grouped.get(kind)
        if grouped is None:
            grouped = defaultdict(list)
            for item in items:
                grouped[item.account].append(item)
            self._grouped[kind] = grouped
        return grouped

    def records_for(self, kind: str, account: str) -> list[Any]:
        """The `kind` records (e.g. "ar-promise") of an account, in date order."""
        return self._group(kind, self.records.get(kind, ())).get(account, [])

    def notes_for(self, account: str) -> list[records.Note]:
        return self._group("note", self.notes).get(account, [])

    def credits_for(self, account: str) -> list[Credit]:
        return self._group("credit", self.credits).get(account, [])

    def release(self) -> None:
        """Break the invoice-application-credit cycles of an index no longer
        needed, so it is freed at once instead of by the cyclic collector."""
        for invoice in self.invoices:
            invoice.applications = []
        for credit in self.credits:
            credit.applications = []

    def invoices_for(self, account: str) -> list[Invoice]:
        return self._group("invoice", self.invoices).get(account, [])

    def invoices_of(self, accounts: set[str] | None) -> Sequence[Invoice]:
        """The invoices of some accounts (all if None), in ledger order."""
        return _of(accounts, self.invoices, self.invoices_for)

    def credits_of(self, accounts: set[str] | None) -> Sequence[Credit]:
        """The credits of some accounts (all if None), in ledger order."""
        return _of(accounts, self.credits, self.credits_for)

    def invoice(self, account: str, invoice_id: str) -> Invoice | None:
        return self.invoices_by_key.get((account, invoice_id))


def _of(
    accounts: set[str] | None,
    everything: Sequence[Any],
    lookup: Callable[[str], list[Any]],
) -> Sequence[Any]:
    if accounts is None:
        return everything
    found = [item for account in accounts for item in lookup(account)]
    if len(accounts) > 1:
        found.sort(key=lambda item: item.seq)
    return found


def is_ar_posting(posting: data.Posting, is_receivable: Callable[[str], bool]) -> bool:
    """Whether a posting is a receivable one the index makes an item of."""
    return bool(
        is_receivable(posting.account) and posting.units and posting.units.number
    )


def display_name(account: str, meta: data.Meta | None) -> str:
    name = (meta or {}).get(META_CUSTOMER)
    return name if isinstance(name, str) and name else account.rsplit(":", 1)[-1]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many objects are made.

    The index makes a few objects per posting; on a large ledger the collector
    would otherwise walk every entry over and over, which costs as much as the
    work itself. On the way out, freezing and at once unfreezing moves what
    was made into the oldest generation in constant time, so the collector
    does not walk it all again as young objects the moment it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()
