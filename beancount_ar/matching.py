"""The matcher: one chronological pass that builds the open-item index.

Matching rules (SPEC "Ledger conventions"):

- An invoice is a positive posting to a customer account; its id is the
  posting's `invoice:`, the transaction's `invoice:`, the transaction's first
  link (alphabetically: Beancount does not keep link order), else a stable
  generated id. More positive postings with the same id on the same account
  add to that invoice (debit memo).
- A negative posting is a credit. It applies first to the invoices it names
  (`invoice:` metadata, or links that are invoice ids of the account), oldest
  first; the rest, under `fifo`, to the oldest open invoices in the same
  currency; whatever is still left is an unapplied credit, which under `fifo`
  applies to the customer's later invoices as they arrive.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.display_context import DisplayContext

from beancount_ar import records
from beancount_ar.config import Config
from beancount_ar.money import MAX_DIGITS, Amounts, too_many_digits
from beancount_ar.openitems import (
    CREDIT_KINDS,
    DEBIT_MEMO,
    META_ADDRESS,
    META_ALIASES,
    META_AR_EMAIL,
    META_CREDIT_LIMIT,
    META_DUE,
    META_EMAIL,
    META_INVOICE,
    META_KIND,
    META_LOCALE,
    META_STATEMENT_DAY,
    META_TERMS,
    ZERO,
    Application,
    ARError,
    Credit,
    Customer,
    Index,
    Invoice,
    Memo,
    MemoMark,
    display_name,
    gc_paused,
    is_ar_posting,
)
from beancount_ar.terms import Terms, TermsError, parse_terms


def _source(posting: data.Posting, txn: data.Transaction) -> data.Meta:
    meta = posting.meta
    return meta if meta and "lineno" in meta else txn.meta


def _meta_str(meta: data.Meta | None, key: str) -> Any:
    return (meta or {}).get(key)


def credit_kind(
    txn: data.Transaction,
    posting: data.Posting,
    is_receivable: Callable[[str], bool],
    discount_account: str = "",
) -> str:
    """Guess the kind of a credit from the transaction's other legs."""
    postings = txn.postings
    if len(postings) == 2:
        leg = postings[1] if postings[0] is posting else postings[0]
        if leg.units and not is_receivable(leg.account):
            return _kind_of_leg(leg.account, discount_account)
    other = [
        p
        for p in txn.postings
        if p is not posting and not is_receivable(p.account) and p.units
    ]
    if not other:
        return "adjustment"
    largest = max(other, key=lambda p: abs(p.units.number or ZERO))
    return _kind_of_leg(largest.account, discount_account)


def _kind_of_leg(account: str, discount_account: str) -> str:
    if account == discount_account:
        return "discount"
    return _KIND_BY_ROOT.get(account.split(account_lib.sep, 1)[0], "adjustment")


_KIND_BY_ROOT = {"Assets": "payment", "Income": "credit-note", "Expenses": "write-off"}


def _generated_id(txn: data.Transaction, posting: data.Posting) -> str:
    text = f"{txn.date}|{posting.account}|{txn.payee}|{txn.narration}|{posting.units}"
    return f"{txn.date:%Y%m%d}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"


class _Book:
    """Matching state of one customer in one currency."""

    __slots__ = ("open", "pool", "reserved")

    def __init__(self) -> None:
        # Invoices possibly open, oldest first; settled ones drop out lazily.
        self.open = _Queue()
        # Unapplied credits, oldest first.
        self.pool = _Queue()
        # Under `strict`, credits waiting for an invoice they named before it
        # was issued.
        self.reserved: dict[str, list[Credit]] = defaultdict(list)

    def queue(self, invoice: Invoice, new: bool) -> None:
        if not invoice.queued:
            invoice.queued = True
            self.open.push(invoice, new)

    def oldest(self) -> Invoice | None:
        """The oldest invoice still open, dropping settled ones on the way."""
        queue = self.open
        while queue:
            invoice = queue.first()
            if invoice.open > 0:
                return invoice
            queue.pop()
            invoice.queued = False
        return None


def _order(item: Invoice | Credit) -> tuple[datetime.date, int]:
    return item.date, item.seq


class _Queue:
    """Invoices or credits in (date, seq) order.

    Matching runs in ledger order, so a new item is always the latest and is
    appended; only an item coming back (a paid invoice reopened by a debit
    memo, a waiting credit returned to the pool) is inserted in its place.
    """

    __slots__ = ("head", "items")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.head = 0

    def __bool__(self) -> bool:
        return self.head < len(self.items)

    def push(self, item: Any, new: bool) -> None:
        if new:
            self.items.append(item)
        else:
            bisect.insort(self.items, item, lo=self.head, key=_order)

    def first(self) -> Any:
        return self.items[self.head]

    def pop(self) -> None:
        self.head += 1
        if self.head == len(self.items):
            self.items.clear()
            self.head = 0
        elif self.head > 64 and self.head * 2 > len(self.items):
            del self.items[: self.head]
            self.head = 0


def _apply(credit: Credit, invoice: Invoice, day: datetime.date) -> None:
    amount = min(credit.remaining, invoice.open)
    if amount <= 0:
        return
    app = Application(day, amount, invoice, credit)
    credit.applications.append(app)
    invoice.applications.append(app)
    # A settled amount shares the one ZERO: a Decimal less per item.
    credit.remaining = credit.remaining - amount or ZERO
    invoice.open = invoice.open - amount or ZERO
    invoice.last_change = day


def _apply_oldest_first(credit: Credit, book: _Book, day: datetime.date) -> None:
    while credit.remaining > 0 and (invoice := book.oldest()) is not None:
        _apply(credit, invoice, day)


class _Builder:
    def __init__(
        self,
        entries: Sequence[data.Directive],
        config: Config,
        amounts: Amounts,
        files: Sequence[str] = (),
    ) -> None:
        self.entries = entries
        # Each file's place in the load, for the order of same-day, same-line
        # entries of two files (`ledger_order`).
        self.files = {name: rank for rank, name in enumerate(files or ())}
        self.config = config
        self.amounts = amounts
        self.errors: list[Any] = []
        self.customers: dict[str, Customer] = {}
        self.named_terms: dict[str, str] = {}
        self.invoices: list[Invoice] = []
        self.credits: list[Credit] = []
        self.by_key: dict[tuple[str, str], Invoice] = {}
        # Invoice id -> the account invoicing it (a set when several do), from
        # pass 1: a credit may name an invoice booked later in the file.
        self.ids: dict[str, str | set[str]] = {}
        # Invoice id -> the customer first invoicing it, as matching goes.
        self.issuer: dict[str, str] = {}
        self.duplicates: dict[tuple[str, str], int] = {}
        self.books: dict[tuple[str, str], _Book] = defaultdict(_Book)
        self.records: dict[str, list[Any]] = defaultdict(list)
        self.notes: list[records.Note] = []
        self.documents: dict[tuple[str, str], str] = {}
        self.terms_cache: dict[Any, Terms] = {}
        self.generated: dict[tuple[str, str], int] = {}
        self.receivable: dict[str, bool] = {}
        self.made: list[Any] = []
        self.roots = frozenset(config.accounts)
        self.fifo = config.matching == "fifo"
        self.customer_terms: dict[str, tuple[Terms | None, data.Meta]] = {}
        self.count = itertools.count()

    def ledger_order(self, txn: data.Transaction, index: int, kind: int) -> int:
        """The `seq` of an item: its place in ledger order, as a number that
        keeps its place whatever is added before or after it, so that the
        items of one customer matched again (`store`) fall among the
        others' as a whole load puts them: by date, line, file (in the
        order the load read them), then a transaction's invoices (`kind`
        0) before its credits (1), each in posting order. Made items count
        last, for entries without a line (made by code)."""
        meta = txn.meta or {}
        lineno = meta.get("lineno")
        place = txn.date.toordinal() << 40
        place |= (lineno if type(lineno) is int and 0 <= lineno < 1 << 32 else 0) << 8
        place |= min(self.files.get(meta.get("filename"), 0), 255)
        place = (place << 1 | kind) << 20 | min(index, (1 << 20) - 1)
        return place << 32 | next(self.count)

    def is_receivable(self, account: str) -> bool:
        known = self.receivable.get(account)
        if known is None:
            known = self.receivable[account] = self.config.is_receivable(account)
        return known

    def error(self, source: data.Meta, message: str, entry: Any) -> None:
        self.errors.append(ARError(source, message, records.printable(entry)))

    def owns(self, account: str, invoice_id: str) -> bool:
        """Whether `account` invoices `invoice_id` somewhere in the ledger."""
        owner = self.ids.get(invoice_id)
        return owner == account or (type(owner) is set and account in owner)

    def owners(self, invoice_id: str) -> list[str]:
        owner = self.ids.get(invoice_id)
        if owner is None:
            return []
        return sorted(owner) if type(owner) is set else [owner]

    def describe(self, account: str) -> str:
        """A customer as a bookkeeper names it: "Maple Street Cafe
        (Assets:Receivable:MapleCafe)"."""
        customer = self.customers.get(account)
        name = customer.name if customer else account_lib.leaf(account)
        return f"{name} ({account})"

    # -- pass 1: customers, named terms, invoice ids -----------------------

    def scan(self) -> list[tuple[data.Transaction, list[tuple[int, str | None]]]]:
        """Collect customers and named terms; give every AR posting its id.

        Returns:
            For each transaction touching a customer: the (posting index,
            invoice id or None for credits) of its receivable postings.
        """
        is_receivable = self.is_receivable
        ids = self.ids
        txns = []
        for entry in self.entries:
            if type(entry) is data.Transaction:
                marks: list[tuple[int, str | None]] = []
                for i, posting in enumerate(entry.postings):
                    if not is_ar_posting(posting, is_receivable):
                        continue
                    if posting.units.number > 0:
                        invoice_id = self.invoice_id(entry, posting)
                        owner = ids.setdefault(invoice_id, posting.account)
                        if owner != posting.account:
                            if type(owner) is not set:
                                owner = ids[invoice_id] = {owner}
                            owner.add(posting.account)
                        marks.append((i, invoice_id))
                    else:
                        marks.append((i, None))
                if marks:
                    txns.append((entry, marks))
            elif isinstance(entry, data.Open) and is_receivable(entry.account):
                self.add_customer(entry.account, entry.meta)
            elif isinstance(entry, data.Custom) and entry.type == "ar-terms":
                record, err = records.parse_custom(entry)
                if err:
                    self.errors.append(err)
                    continue
                try:
                    parse_terms(record.text)
                except TermsError as exc:
                    self.error(entry.meta, f"ar-terms {record.name!r}: {exc}", entry)
                    continue
                self.named_terms[record.name] = record.text
                self.records["ar-terms"].append(record)
        return txns

    def add_customer(self, account: str, meta: data.Meta | None) -> None:
        meta = meta or {}
        limit = meta.get(META_CREDIT_LIMIT)
        if limit is not None and not (
            isinstance(limit, Amount)
            and isinstance(limit.number, Decimal)
            and limit.number >= 0
        ):
            self.error(
                meta,
                f"{META_CREDIT_LIMIT} of {account} must be an amount "
                "like 10000.00 USD, "
                f"not {limit!r}",
                None,
            )
            limit = None
        self.customers[account] = Customer(
            account,
            display_name(account, meta),
            meta.get(META_TERMS),
            limit,
            meta.get(META_EMAIL) if isinstance(meta.get(META_EMAIL), str) else None,
            meta.get(META_ADDRESS) if isinstance(meta.get(META_ADDRESS), str) else None,
            meta,
            self.checked_locale(account, meta),
            self.checked_emails(account, meta),
            self.checked_statement_day(account, meta),
            self.checked_aliases(account, meta),
        )

    def checked_emails(self, account: str, meta: data.Meta) -> bool:
        """`ar-email: "no"` opts the customer out of every email."""
        value = meta.get(META_AR_EMAIL)
        if value is None:
            return True
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("no", "yes"):
            return value.strip().lower() == "yes"
        self.error(
            meta, f'{META_AR_EMAIL} of {account} must be "yes" or "no", not {value!r}',
            None,
        )  # fmt: skip
        return True

    def checked_statement_day(self, account: str, meta: data.Meta) -> int | None:
        """`statement-day: 15`: the day of the month of its statement."""
        value = meta.get(META_STATEMENT_DAY)
        if value is None:
            return None
        if isinstance(value, Decimal) and value == value.to_integral_value():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 31:
            return value
        self.error(
            meta,
            f"{META_STATEMENT_DAY} of {account} must be a day of the month from "
            f"1 to 31 (the last day in shorter months), not {value!r}",
            None,
        )
        return None

    def checked_aliases(self, account: str, meta: data.Meta) -> tuple[str, ...]:
        """`aliases: "GRB Inc; Gull Rock Brewing"`: the names on its payments."""
        value = meta.get(META_ALIASES)
        if value is None:
            return ()
        if isinstance(value, str):
            names = tuple(n.strip() for n in value.split(";") if n.strip())
            if names:
                return names
        self.error(
            meta,
            f'{META_ALIASES} of {account} must be names separated by ";", '
            f'like "GRB Inc; Gull Rock Brewing", not {value!r}',
            None,
        )
        return ()

    def checked_locale(self, account: str, meta: data.Meta) -> str | None:
        """The customer's `locale:` ("sv_SE"), if it is one Babel knows."""
        value = meta.get(META_LOCALE)
        if value is None:
            return None
        if isinstance(value, str):
            import babel  # only when a customer has a locale

            try:
                babel.Locale.parse(value.replace("-", "_"))
            except (ValueError, TypeError, babel.UnknownLocaleError):
                pass
            else:
                return value.replace("-", "_")
        self.error(
            meta,
            f'{META_LOCALE} of {account} must be a locale like "sv_SE" or '
            f'"de_DE", not {value!r}',
            None,
        )
        return None

    def invoice_ref(
        self, txn: data.Transaction, posting: data.Posting
    ) -> tuple[str, data.Meta] | None:
        """The `invoice:` of a posting, else of its transaction, as text."""
        for meta, source in (
            (posting.meta, _source(posting, txn)),
            (txn.meta, txn.meta),
        ):
            value = _meta_str(meta, META_INVOICE)
            if value is None:
                continue
            if isinstance(value, Decimal) or (isinstance(value, str) and value):
                return str(value), source
            self.error(
                source, f'invoice: must be text like "INV-1001", not {value!r}', txn
            )
        return None

    def invoice_id(self, txn: data.Transaction, posting: data.Posting) -> str:
        ref = self.invoice_ref(txn, posting)
        if ref is not None:
            return ref[0]
        if txn.links:
            return min(txn.links)
        # No id given: a stable one from the content, numbered when two
        # postings would otherwise share it (they are separate invoices).
        base = _generated_id(txn, posting)
        count = self.generated[(posting.account, base)] = (
            self.generated.get((posting.account, base), 0) + 1
        )
        return base if count == 1 else f"{base}-{count}"

    # -- pass 2: chronological matching -------------------------------------

    def match(
        self, txns: Iterable[tuple[data.Transaction, list[tuple[int, str | None]]]]
    ) -> None:
        made = self.made
        for txn, marks in txns:
            # Invoices of a transaction before its credits, so that a credit
            # in the same transaction can pay them.
            base = len(made)
            made.extend([None] * len(marks))
            for k, (i, invoice_id) in enumerate(marks):
                if invoice_id is not None:
                    made[base + k] = self.charge(txn, i, invoice_id)
            for k, (i, invoice_id) in enumerate(marks):
                if invoice_id is None:
                    made[base + k] = self.credit(txn, i)

    def customer(self, posting: data.Posting, txn: data.Transaction) -> None:
        account = posting.account
        if account in self.config.accounts:
            self.error(
                _source(posting, txn),
                f"posting to the receivable root {account} names no customer: "
                f"post to a customer account below it, e.g. {account}:Acme",
                txn,
            )
        if account not in self.customers:
            self.add_customer(account, None)

    def terms_for(
        self, txn: data.Transaction, posting: data.Posting
    ) -> tuple[Terms | None, data.Meta]:
        """Terms from the posting, the transaction, the customer, the config."""
        if META_TERMS not in (posting.meta or ()) and META_TERMS not in txn.meta:
            # The common case: the customer's terms, worked out once.
            cached = self.customer_terms.get(posting.account)
            if cached is None:
                cached = self.customer_terms[posting.account] = self._terms_for(
                    txn, posting
                )
            return cached
        return self._terms_for(txn, posting)

    def _terms_for(
        self, txn: data.Transaction, posting: data.Posting
    ) -> tuple[Terms | None, data.Meta]:
        candidates = (
            (_meta_str(posting.meta, META_TERMS), _source(posting, txn)),
            (_meta_str(txn.meta, META_TERMS), txn.meta),
            (
                self.customers[posting.account].terms,
                self.customers[posting.account].meta,
            ),
            (self.config.default_terms, txn.meta),
        )
        for text, source in candidates:
            if text is None:
                continue
            key = text if isinstance(text, (str, Decimal)) else repr(text)
            terms = self.terms_cache.get(key)
            if terms is None:
                try:
                    terms = parse_terms(text, self.named_terms)
                except TermsError as exc:
                    self.error(source, str(exc), txn)
                    continue
                self.terms_cache[key] = terms
            return terms, source
        return None, txn.meta

    def due_for(
        self, txn: data.Transaction, posting: data.Posting, terms: Terms | None
    ) -> datetime.date:
        try:
            computed = terms.due_date(txn.date) if terms else txn.date
        except (OverflowError, ValueError):
            self.error(
                _source(posting, txn), f"terms {terms.text} run past year 9999", txn
            )
            computed = txn.date
        if META_DUE not in (posting.meta or ()) and META_DUE not in txn.meta:
            return computed
        for meta, source in (
            (posting.meta, _source(posting, txn)),
            (txn.meta, txn.meta),
        ):
            value = _meta_str(meta, META_DUE)
            if value is None:
                continue
            if not isinstance(value, datetime.date):
                self.error(
                    source, f"due: must be a date like 2024-03-31, not {value!r}", txn
                )
            elif value < txn.date:
                self.error(
                    source, f"due: {value} is before the invoice date {txn.date}", txn
                )
            else:
                return value
        return computed

    def check_digits(
        self, units: Amount, source: data.Meta, txn: data.Transaction
    ) -> None:
        """An amount of more digits than sums keep exactly is an error: the
        aging would be rounded (reports never fail on it)."""
        if too_many_digits(units.number):
            self.error(
                source,
                f"{units.number} {units.currency} has "
                f"{len(units.number.as_tuple().digits)} significant digits: "
                f"beancount-ar ages amounts of at most {MAX_DIGITS} exactly "
                "(e.g. 999,999,999,999.99999999); its totals may be rounded",
                txn,
            )

    def is_debit_memo(self, txn: data.Transaction, posting: data.Posting) -> bool:
        """Whether a charge says it adds to an invoice already issued
        (`ar-kind: "debit-memo"` on the posting or its transaction)."""
        kind = _meta_str(posting.meta, META_KIND)
        source = _source(posting, txn)
        if kind is None:
            kind, source = _meta_str(txn.meta, META_KIND), txn.meta
            if isinstance(kind, str) and kind in CREDIT_KINDS:
                return False  # the transaction's kind is for its credits
        if kind is None or (isinstance(kind, str) and kind == DEBIT_MEMO):
            return kind is not None
        self.error(
            source,
            f"ar-kind: {kind!r} on a charge: a positive posting to a customer is "
            f'an invoice, or with ar-kind: "{DEBIT_MEMO}" adds to the invoice it '
            "names",
            txn,
        )
        return False

    def charge(
        self, txn: data.Transaction, index: int, invoice_id: str
    ) -> Invoice | MemoMark:
        posting = txn.postings[index]
        account = posting.account
        if account not in self.customers or account in self.roots:
            self.customer(posting, txn)
        units = posting.units
        source = _source(posting, txn)
        self.check_digits(units, source, txn)
        invoice = self.by_key.get((account, invoice_id))
        memo = False
        if invoice is not None and invoice.entry is not txn:
            if self.is_debit_memo(txn, posting):
                memo = True
            else:
                # The same id again: a typo must not merge two invoices.
                n = self.duplicates[(account, invoice_id)] = (
                    self.duplicates.get((account, invoice_id), 1) + 1
                )
                self.error(
                    source,
                    f"invoice {invoice_id} is already invoiced to "
                    f"{self.describe(account)} on {invoice.date} "
                    f"({_where(invoice.meta)}): give this invoice its own id, or "
                    f'mark it ar-kind: "{DEBIT_MEMO}" if it adds to {invoice_id}; '
                    f"booked as {invoice_id} ({n})",
                    txn,
                )
                invoice_id = f"{invoice_id} ({n})"
                invoice = None
        elif invoice is None and self.is_debit_memo(txn, posting):
            self.error(
                source,
                f'ar-kind: "{DEBIT_MEMO}" but {self.describe(account)} has no '
                f"invoice {invoice_id} before {txn.date}: booked as a new invoice",
                txn,
            )
        if invoice is not None and invoice.currency != units.currency:
            self.error(
                source,
                f"currency {units.currency} does not match invoice {invoice_id} "
                f"({invoice.currency}); booked as invoice "
                f"{invoice_id}/{units.currency}",
                txn,
            )
            invoice_id = f"{invoice_id}/{units.currency}"
            invoice = self.by_key.get((account, invoice_id))
            memo = invoice is not None
        book = self.books[(account, units.currency)]
        if invoice is None:
            issuer = self.issuer.setdefault(invoice_id, account)
            if issuer != account:
                self.error(
                    source,
                    f"invoice id {invoice_id} is already used by "
                    f"{self.describe(issuer)}: an invoice id names one customer's "
                    "invoice",
                    txn,
                )
            terms, _ = self.terms_for(txn, posting)
            invoice = Invoice(
                account,
                invoice_id,
                units.currency,
                txn.date,
                self.ledger_order(txn, index, 0),
                terms,
                self.due_for(txn, posting, terms),
                source,
                txn,
            )
            self.by_key[(account, invoice_id)] = invoice
            self.invoices.append(invoice)
        made: Invoice | MemoMark = invoice
        if not memo:
            # The invoice, or another line of it in the same transaction.
            invoice.first += units.number
        else:
            terms, _ = self.terms_for(txn, posting)
            entry = Memo(
                txn.date, units.number, txn.narration, self.due_for(txn, posting, terms)
            )
            if invoice.memos is None:
                invoice.memos = [entry]
            else:
                invoice.memos.append(entry)
            made = MemoMark(invoice, len(invoice.memos))
        invoice.open += units.number
        invoice.last_change = txn.date
        book.queue(invoice, not memo)
        if book.pool or book.reserved:
            self.pay_from_pool(invoice, book, txn.date)
        return made

    def pay_from_pool(self, invoice: Invoice, book: _Book, day: datetime.date) -> None:
        """Apply waiting credits to a newly charged invoice, oldest credit first.

        Under `fifo` these are the unapplied credits; under `strict`, the
        credits that named this invoice, before it was issued or with money
        left for its later debit memos. Taking them in the order they were
        received keeps the plugin idempotent: the `invoice:` it writes on a
        credit paid into one later invoice names an invoice not issued at the
        credit's date, so on a second run the credit waits in the same place.
        """
        if self.fifo:
            pool = book.pool
            while invoice.open > 0 and pool:
                credit = pool.first()
                _apply(credit, invoice, day)
                if credit.remaining <= 0:
                    pool.pop()
            return
        waiting = book.reserved.get(invoice.id)
        if not waiting:
            return
        for credit in waiting:
            _apply(credit, invoice, day)
        left = [credit for credit in waiting if credit.remaining > 0]
        if left:
            book.reserved[invoice.id] = left
        else:
            del book.reserved[invoice.id]

    def named_invoices(
        self, txn: data.Transaction, posting: data.Posting
    ) -> tuple[list[Invoice], list[str]]:
        """Invoices a credit names, and names of invoices not yet issued."""
        account = posting.account
        source = _source(posting, txn)
        named: list[str] = []
        explicit = self.invoice_ref(txn, posting)
        if explicit is not None:
            value, src = explicit
            if self.owns(account, value):
                named = [value]
            else:
                others = self.owners(value)
                whose = (
                    f"an invoice of {', '.join(map(self.describe, others))}, not of "
                    f"{self.describe(account)}"
                    if others
                    else f"not an invoice of {self.describe(account)}"
                )
                self.error(
                    src,
                    f"invoice {value} named by this credit is {whose}; applied as "
                    "if it named none",
                    txn,
                )
        else:
            named = sorted(link for link in txn.links if self.owns(account, link))
            if len(named) < len(txn.links):
                self.check_links(txn, posting)

        issued: list[Invoice] = []
        future: list[str] = []
        for invoice_id in named:
            invoice = self.by_key.get((account, invoice_id))
            if invoice is None:
                future.append(invoice_id)
            elif invoice.currency != posting.units.currency:
                self.error(
                    source,
                    f"currency {posting.units.currency} does not match invoice "
                    f"{invoice_id} ({invoice.currency}); applied as if it named none",
                    txn,
                )
            else:
                issued.append(invoice)
        issued.sort(key=lambda inv: (inv.date, inv.seq))
        return issued, future

    def check_links(self, txn: data.Transaction, posting: data.Posting) -> None:
        """A link naming another customer's invoice, in a transaction that does
        not touch that customer, is a mistake: the payment went to the wrong
        account, or the link is a typo. (Links that name no invoice at all
        serve other purposes.)"""
        account = posting.account
        touched = {p.account for p in txn.postings}
        for link in sorted(txn.links):
            if self.owns(account, link):
                continue
            others = [a for a in self.owners(link) if a not in touched]
            if others and len(others) == len(self.owners(link)):
                self.error(
                    _source(posting, txn),
                    f"{link} is an invoice of "
                    f"{', '.join(map(self.describe, others))}, not of "
                    f"{self.describe(account)}; this credit was applied as if it "
                    "named none",
                    txn,
                )

    def credit(self, txn: data.Transaction, index: int) -> Credit:
        posting = txn.postings[index]
        account = posting.account
        if account not in self.customers or account in self.roots:
            self.customer(posting, txn)
        units = posting.units
        self.check_digits(units, _source(posting, txn), txn)
        pmeta = posting.meta or {}
        tmeta = txn.meta
        kind = pmeta.get(META_KIND)
        if kind is not None or META_KIND in tmeta:
            kind = self.checked_kind(txn, posting)
        if txn.links or META_INVOICE in pmeta or META_INVOICE in tmeta:
            issued, future = self.named_invoices(txn, posting)
            named = (*(inv.id for inv in issued), *future)
        else:
            issued, future, named = (), (), ()
        amount = -units.number
        credit = Credit(
            account,
            units.currency,
            txn.date,
            self.ledger_order(txn, index, 1),
            amount,
            kind
            or credit_kind(
                txn, posting, self.is_receivable, self.config.discount_account
            ),
            named,
            _source(posting, txn),
            txn,
        )
        credit.remaining = amount
        self.credits.append(credit)
        book = self.books[(account, units.currency)]

        for invoice in issued:
            _apply(credit, invoice, txn.date)
        if self.fifo or credit.remaining <= 0 or not named:
            # Under `fifo` a credit naming an invoice not issued yet names
            # nothing until then: as of its date the invoice does not exist,
            # and the aging of a past date must not depend on what came later.
            self.settle(credit, book, txn.date)
        else:
            # Under `strict` what is left waits for the invoices it names: one
            # not issued yet, or the later debit memos of one that is.
            for invoice_id in named:
                book.reserved[invoice_id].append(credit)
            book.pool.push(credit, True)
        return credit

    def checked_kind(self, txn: data.Transaction, posting: data.Posting) -> str | None:
        """The credit kind set with `ar-kind:`, if valid."""
        kind, source = _meta_str(posting.meta, META_KIND), _source(posting, txn)
        if kind is None:
            kind, source = _meta_str(txn.meta, META_KIND), txn.meta
            if isinstance(kind, str) and kind == DEBIT_MEMO:
                return None  # the transaction's kind is for its charges
        if kind is not None and (not isinstance(kind, str) or kind not in CREDIT_KINDS):
            self.error(
                source,
                f"ar-kind: {kind!r} is not one of {', '.join(CREDIT_KINDS)}"
                + (
                    f' ("{DEBIT_MEMO}" marks a charge, not a credit)'
                    if isinstance(kind, str) and kind == DEBIT_MEMO
                    else ""
                ),
                txn,
            )
            return None
        return kind

    def settle(self, credit: Credit, book: _Book, day: datetime.date) -> None:
        """Apply what is left of a credit oldest first, or keep it unapplied."""
        if self.fifo and book.open:
            _apply_oldest_first(credit, book, day)
        if credit.remaining > 0:
            book.pool.push(credit, True)

    # -- records -------------------------------------------------------------

    def collect_records(self) -> None:
        for entry in self.entries:
            if isinstance(entry, data.Note):
                if entry.account in self.customers:
                    self.notes.append(records.parse_note(entry))
            elif isinstance(entry, data.Document):
                # An invoice's own document: on the customer's account,
                # linked to the invoice; the latest dated wins.
                for link in entry.links or ():
                    if (entry.account, link) in self.by_key:
                        self.documents[(entry.account, link)] = entry.filename
            elif isinstance(entry, data.Custom) and entry.type.startswith("ar-"):
                if entry.type == "ar-terms":
                    continue  # read in pass 1
                if entry.type not in records.AR_TYPES:
                    self.errors.append(records.unknown_type(entry))
                    continue
                record, err = records.parse_custom(entry)
                if err:
                    self.errors.append(err)
                    continue
                account = getattr(record, "account", None)
                if account is not None and account not in self.customers:
                    self.error(
                        entry.meta,
                        f"{entry.type}: {account} is not a customer account "
                        f"(an open account below {', '.join(self.config.accounts)})",
                        entry,
                    )
                    continue
                invoice_id = getattr(record, "invoice", None)
                if invoice_id is not None and (account, invoice_id) not in self.by_key:
                    others = [a for a in self.owners(invoice_id) if a != account]
                    whose = (
                        f"an invoice of {', '.join(map(self.describe, others))}, "
                        f"not of {self.describe(account)}"
                        if others
                        else f"not an invoice of {self.describe(account)}"
                    )
                    self.error(
                        entry.meta, f"{entry.type}: {invoice_id} is {whose}", entry
                    )
                    continue
                self.records[entry.type].append(record)

    def build(self) -> Index:
        txns = self.scan()
        self.match(txns)
        touched = [txn for txn, _ in txns]
        del txns  # the marks are in `made` now
        self.collect_records()
        self.ids = {}  # needed no more; free it early
        return Index(
            config=self.config,
            customers=self.customers,
            invoices=self.invoices,
            credits=self.credits,
            errors=self.errors,
            named_terms=self.named_terms,
            records=dict(self.records),
            documents=self.documents,
            notes=self.notes,
            touched=touched,
            made=self.made,
            invoices_by_key=self.by_key,
            amounts=self.amounts,
        )


def _where(meta: data.Meta | None) -> str:
    meta = meta or {}
    return f"{meta.get('filename', '<unknown>')}:{meta.get('lineno', 0)}"


def build_index(
    entries: Sequence[data.Directive],
    config: Config,
    dcontext: DisplayContext | None = None,
    files: Sequence[str] = (),
) -> Index:
    """Build the open-item index of a ledger.

    Args:
        entries: The ledger's entries, sorted as the loader returns them.
        config: The plugin configuration.
        dcontext: The ledger's display context (`options_map["dcontext"]`):
            the precision of each currency, for amounts the engine computes.
        files: The files of the load in the order it read them
            (`options_map["include"]`), for the order of items (`seq`).

    Returns:
        The index; its `errors` lists every problem found, each naming the
        file and line of the offending entry or posting.
    """
    with gc_paused():
        return _Builder(entries, config, Amounts(dcontext), files).build()
