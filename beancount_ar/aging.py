"""Aging and the overdue list: pure functions of the index and an as-of date.

As of day D only entries dated on or before D count. days_overdue = D - due.
For every customer and currency, the buckets plus the unapplied credits equal
the account's balance on D.
"""

from __future__ import annotations

import calendar
import datetime
import functools
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import records, status
from beancount_ar.openitems import ZERO, Credit, Index, Invoice

DUE, INVOICE = "due", "invoice"
ONE_DAY = datetime.timedelta(days=1)
CURRENT = "current"

Money = dict[str, Decimal]  # currency -> amount


def bucket_labels(bounds: Sequence[int], basis: str = DUE) -> tuple[str, ...]:
    """Bucket names: ("current", "1-30", ..., "91+") or ("0-30", ..., "91+")."""
    return _labels(tuple(bounds), basis)


@functools.lru_cache(maxsize=64)
def _labels(bounds: tuple[int, ...], basis: str) -> tuple[str, ...]:
    labels = [CURRENT] if basis == DUE else []
    low = 1 if basis == DUE else 0
    for bound in bounds:
        labels.append(f"{low}-{bound}")
        low = bound + 1
    labels.append(f"{low}+")
    return tuple(labels)


def bucket_for(days: int, bounds: Sequence[int], basis: str = DUE) -> str:
    """The bucket of an invoice `days` overdue (due basis) or old (invoice basis)."""
    labels = bucket_labels(bounds, basis)
    if basis == DUE:
        if days <= 0:
            return CURRENT
        labels = labels[1:]
    for label, bound in zip(labels, bounds, strict=False):
        if days <= bound:
            return label
    return labels[-1]


class OpenItem(NamedTuple):
    """An invoice open on the as-of date, or one of its debit memos.

    An invoice with debit memos is one item per charge still open, each aged
    from its own due date (credits pay the invoice first, then its memos).
    """

    invoice: Invoice
    days_overdue: int
    age: int  # days since the invoice (or memo) date
    bucket: str
    amount: Decimal  # the charge's amount (the invoice's, or the memo's)
    open: Decimal
    due: datetime.date
    memo: int = 0  # 0: the invoice itself; k: its k-th debit memo
    earned: Decimal = ZERO  # of `open`, an early-payment discount earned

    @property
    def currency(self) -> str:
        return self.invoice.currency

    @property
    def date(self) -> datetime.date:
        """The date of the charge: the invoice's, or its debit memo's."""
        return (
            self.invoice.memos[self.memo - 1].date if self.memo else self.invoice.date
        )

    @property
    def description(self) -> str:
        if self.memo:
            return self.invoice.memos[self.memo - 1].narration
        return self.invoice.entry.narration

    @property
    def label(self) -> str:
        """The invoice id, and which debit memo: "INV-1", "INV-1 memo 2"."""
        return f"{self.invoice.id} memo {self.memo}" if self.memo else self.invoice.id

    @property
    def collectible(self) -> bool:
        """Owed, not merely a discount the customer earned and the books have
        yet to record: what may be dunned."""
        return self.open > self.earned


class AgingRow(NamedTuple):
    account: str
    name: str
    buckets: dict[str, Money]  # label -> currency -> amount
    unapplied: Money  # negative: unapplied credits lower the balance
    total: Money


class UnappliedCredit(NamedTuple):
    """A credit not (or not wholly) applied on the as-of date."""

    credit: Credit
    remaining: Decimal  # positive: how much it lowers the balance

    @property
    def currency(self) -> str:
        return self.credit.currency


class Aging(NamedTuple):
    as_of: datetime.date
    basis: str
    labels: tuple[str, ...]
    rows: list[AgingRow]
    totals: AgingRow
    items: list[OpenItem]  # every open invoice, oldest first
    credits: list[UnappliedCredit]  # every unapplied credit, oldest first


def open_items(
    index: Index,
    as_of: datetime.date,
    basis: str = DUE,
    bounds: Sequence[int] | None = None,
    accounts: set[str] | None = None,
) -> list[OpenItem]:
    """Every invoice with an open amount on `as_of`, in invoice-date order."""
    bounds = tuple(bounds or index.config.buckets)
    items = []
    amounts = index.amounts
    for invoice in index.invoices_of(accounts):
        if invoice.date > as_of:
            continue
        amount_open = invoice.open_at(as_of)
        if amount_open <= 0:
            continue
        earned = status.earned_discount(invoice, as_of, amounts)
        if not invoice.memos:
            days = (as_of - invoice.due).days
            age = (as_of - invoice.date).days
            bucket = bucket_for(days if basis == DUE else age, bounds, basis)
            items.append(
                OpenItem(invoice, days, age, bucket, invoice.first, amount_open,
                         invoice.due, 0, earned or ZERO)
            )  # fmt: skip
            continue
        for part in invoice.parts_at(as_of):
            days = (as_of - part.due).days
            age = (as_of - part.date).days
            bucket = bucket_for(days if basis == DUE else age, bounds, basis)
            items.append(
                OpenItem(invoice, days, age, bucket, part.amount, part.open,
                         part.due, part.memo, part.open if earned else ZERO)
            )  # fmt: skip
    return items


def unapplied_credits(
    index: Index, as_of: datetime.date, accounts: set[str] | None = None
) -> list[UnappliedCredit]:
    """The credits unapplied (in whole or part) on `as_of`, in ledger order."""
    result = []
    for credit in _ever_unapplied(index, accounts):
        if credit.date > as_of:
            continue
        left = credit.remaining_at(as_of)
        if left:
            result.append(UnappliedCredit(credit, left))
    return result


def unapplied(
    index: Index, as_of: datetime.date, accounts: set[str] | None = None
) -> dict[str, Money]:
    """Unapplied credits on `as_of` per account, as negative amounts."""
    return _per_account(unapplied_credits(index, as_of, accounts))


def _per_account(credits: Sequence[UnappliedCredit]) -> dict[str, Money]:
    result: dict[str, Money] = defaultdict(dict)
    for item in credits:
        money = result[item.credit.account]
        money[item.currency] = money.get(item.currency, ZERO) - item.remaining
    return result


def _ever_unapplied(index: Index, accounts: set[str] | None) -> Sequence[Credit]:
    """The credits that may be unapplied on some date.

    Most credits are applied in full the day they are booked and are never
    unapplied on any date: they are left out, once per index.
    """
    if accounts is not None:
        return [c for c in index.credits_of(accounts) if not c.settled_by(c.date)]
    return index.memo(
        "credits-ever-unapplied",
        lambda: [c for c in index.credits if not c.settled_by(c.date)],
    )


def _add(money: Money, currency: str, number: Decimal) -> None:
    money[currency] = money.get(currency, ZERO) + number


def aging(
    index: Index,
    as_of: datetime.date,
    basis: str = DUE,
    bounds: Sequence[int] | None = None,
    accounts: set[str] | None = None,
) -> Aging:
    """The aging of every customer with a balance on `as_of`.

    Args:
        index: The open-item index.
        as_of: Only entries dated on or before this day count.
        basis: "due" (days past due) or "invoice" (days since invoice date).
        bounds: Bucket bounds in days; the configured ones by default.
        accounts: Restrict to these customer accounts.

    Returns:
        Rows per customer (sorted by name), totals and the open items.
    """
    bounds = tuple(bounds or index.config.buckets)
    labels = bucket_labels(bounds, basis)
    items = open_items(index, as_of, basis, bounds, accounts)
    credit_items = unapplied_credits(index, as_of, accounts)
    credits = _per_account(credit_items)

    per_account: dict[str, dict[str, Money]] = defaultdict(lambda: defaultdict(dict))
    for item in items:
        _add(per_account[item.invoice.account][item.bucket], item.currency, item.open)

    totals_buckets: dict[str, Money] = defaultdict(dict)
    totals_unapplied: Money = {}
    totals: Money = {}
    rows = []
    for account in set(per_account) | set(credits):
        buckets = per_account.get(account, {})
        credit = credits.get(account, {})
        total: Money = {}
        for label, money in buckets.items():
            for currency, number in money.items():
                _add(total, currency, number)
                _add(totals_buckets[label], currency, number)
        for currency, number in credit.items():
            _add(total, currency, number)
            _add(totals_unapplied, currency, number)
        for currency, number in total.items():
            _add(totals, currency, number)
        customer = index.customers.get(account)
        name = customer.name if customer else account
        rows.append(
            AgingRow(
                account,
                name,
                {label: buckets[label] for label in labels if label in buckets},
                dict(credit),
                total,
            )
        )
    rows.sort(key=lambda row: (row.name.casefold(), row.account))
    total_row = AgingRow(
        "",
        "Total",
        {label: totals_buckets[label] for label in labels if label in totals_buckets},
        totals_unapplied,
        totals,
    )
    return Aging(as_of, basis, labels, rows, total_row, items, credit_items)


class OverdueItem(NamedTuple):
    """An overdue invoice with its collections status."""

    item: OpenItem
    customer: str
    level: str | None
    dispute: records.Dispute | None
    promise: status.PromiseStatus | None
    last_note: records.Note | None
    next_followup: records.Followup | None
    unearned_discount: Decimal | None  # a discount taken after its date
    hold: status.HoldStatus


def overdue(
    index: Index,
    as_of: datetime.date,
    min_days: int = 1,
    accounts: set[str] | None = None,
) -> list[OverdueItem]:
    """Open invoices at least `min_days` past due, most overdue first."""
    result = []
    for item in open_items(index, as_of, DUE, None, accounts):
        if item.days_overdue <= 0 or item.days_overdue < min_days:
            continue
        if not item.collectible:
            continue  # an earned discount is not overdue: it is to be booked
        invoice = item.invoice
        customer = index.customers.get(invoice.account)
        followups = status.open_followups(index, invoice.account, as_of)
        result.append(
            OverdueItem(
                item,
                customer.name if customer else invoice.account,
                status.level_for(item.days_overdue, index.config),
                status.dispute_for(index, invoice, as_of),
                status.promise_for(index, invoice, as_of),
                status.last_note(index, invoice.account, as_of),
                followups[0] if followups else None,
                status.unearned_discount(invoice, as_of),
                status.hold_for(index, invoice.account, as_of),  # memoised
            )
        )
    result.sort(key=lambda o: (-o.item.days_overdue, -o.item.open, o.item.invoice.seq))
    return result


class TrendPoint(NamedTuple):
    """The aging totals on one day."""

    date: datetime.date
    buckets: dict[str, Money]  # label -> currency -> amount
    unapplied: Money
    total: Money


def month_ends(as_of: datetime.date, count: int = 12) -> list[datetime.date]:
    """The last `count` month-ends on or before `as_of`, oldest first."""
    ends = []
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    day = as_of if as_of.day == last_day else as_of.replace(day=1) - ONE_DAY
    while len(ends) < count:
        ends.append(day)
        if day.year == 1 and day.month == 1:
            break  # no month before the first
        day = day.replace(day=1) - ONE_DAY
    return ends[::-1]


def trend(
    index: Index,
    days: Sequence[datetime.date],
    accounts: set[str] | None = None,
) -> list[TrendPoint]:
    """The aging totals (by days past due) on each of `days`, in one pass.

    Equal to `aging(index, day).totals` for every day, but an invoice settled
    before the first day or issued after the last costs one comparison, so a
    year of month-ends is cheap on a ledger of many years.
    """
    days = sorted(days)
    if not days:
        return []
    bounds = tuple(index.config.buckets)
    first, last = days[0], days[-1]
    points = [TrendPoint(day, defaultdict(dict), {}, {}) for day in days]
    before = first - ONE_DAY if first > datetime.date.min else first
    for invoice in index.invoices_of(accounts):
        if invoice.date > last or invoice.settled_by(before):
            continue
        for point in points:
            if point.date < invoice.date:
                continue
            if invoice.settled_by(point.date):
                break  # and at every later point
            if not invoice.memos:
                left = invoice.open_at(point.date)
                if left > 0:
                    bucket = bucket_for((point.date - invoice.due).days, bounds)
                    _add(point.buckets[bucket], invoice.currency, left)
                    _add(point.total, invoice.currency, left)
                continue
            for part in invoice.parts_at(point.date):
                bucket = bucket_for((point.date - part.due).days, bounds)
                _add(point.buckets[bucket], invoice.currency, part.open)
                _add(point.total, invoice.currency, part.open)
    for credit in _ever_unapplied(index, accounts):
        if credit.date > last or credit.settled_by(before):
            continue
        for point in points:
            if credit.settled_by(point.date):
                break
            left = credit.remaining_at(point.date)
            if left:
                _add(point.unapplied, credit.currency, -left)
                _add(point.total, credit.currency, -left)
    return [p._replace(buckets=dict(p.buckets)) for p in points]
