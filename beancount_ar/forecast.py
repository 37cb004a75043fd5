"""The cash-collection forecast: what comes in, week by week, per currency.

Every invoice open on the as-of date (each debit memo on its own due date)
is expected in, in this order:

1. promised: a pending promise to pay (`ar-promise`) puts its amount still to
   pay on its date; a promise naming no invoice is spread over the
   customer's invoices in due order. Of two pending promises on the same
   invoice (or both on the whole account) the later made counts. A kept or
   broken promise counts no more.
2. plan: the customer's work-out plan (`ar-plan`) puts each instalment not yet
   covered on its date, over the invoices in due order (a missed instalment
   is expected at once).
3. expected: what is left comes in as the customer paid before: after its
   due date by the customer's days late, from its payment history up to the
   as-of date (the days from the due date to each payment applied, weighted
   by the amount applied, as `metrics` weighs days to pay), counting only
   the payments later than this invoice already is. Of a customer who paid
   40 % of its bills 5 days late and 60 % 25 days late, an invoice not yet
   due is expected 40 % 5 days after its due date and 60 % 25 days after;
   once it is 10 days past due, all of it 25 days after. (Each part is the
   average day of the payments that fall in one week of the forecast: one
   amount-weighted average for the whole invoice would put receipts that
   come in over a month into a single week.) A customer with
   no history is read from the whole ledger's in that currency; a ledger
   with none expects the invoice on its due date. An invoice later than
   every such payment is expected in week 1. Days late count within
   MIN_LATE..MAX_LATE. Only this part is discounted by collectability: the
   share expected of an invoice that many days past due on the as-of date
   (DEFAULT_CURVE, or the configuration's `collectability` per bucket).

A day on or before the as-of date falls in week 1; week 1 starts the day
after the as-of date. Disputed invoices are shown apart and not forecast. A
customer's unapplied credits lower its earliest-due invoices first, as if
applied; a credit beyond everything the customer owes is shown apart as a
credit balance. So, per currency:

    sum of the flows' `open` + disputed - credit balances
        = open invoices - unapplied credits (the aging total)
    weeks' expected + later + uncollectible + disputed - credit balances
        = the same.

Before:

    2026-11-01 custom "ar-promise" Assets:Receivable:Acme 400.00 USD 2026-11-20 "INV-7"

After (`forecast(index, 2026-11-10)`): a `promised` flow of 400.00 USD in
week 2 (2026-11-18 to 2026-11-24) from INV-7, and INV-7's rest `expected`.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import aging, records, status
from beancount_ar.openitems import ZERO, Index, Invoice

SOURCES = ("promised", "plan", "expected")
PROMISED, PLAN, EXPECTED = SOURCES

#: A payment's days late count within these bounds: one paid long after a
#: dispute, or years late, does not push every forecast of its customer out
#: by as much (the collectability share speaks for very late invoices).
MIN_LATE, MAX_LATE = -60, 180

#: The share expected of an invoice by days past due on the as-of date, when
#: the configuration's `collectability` does not set its bucket: up to
#: (and including) the number of days, the share. Receivables surveys
#: (the "aging schedule" method of the allowance for doubtful accounts) put
#: losses at 1-2 % of current items rising to 30-50 % past 90 days.
DEFAULT_CURVE: tuple[tuple[int | None, Decimal], ...] = (
    (0, Decimal("1.00")),
    (30, Decimal("0.98")),
    (60, Decimal("0.95")),
    (90, Decimal("0.85")),
    (None, Decimal("0.60")),
)

METHOD = (
    "pending promises, then plan instalments, then the rest after its due date "
    "as the customer paid before (days late of its payments later than the "
    f"invoice already is, amount-weighted, {MIN_LATE}..{MAX_LATE}), x collectability "
    "by days past due; past days in week 1; disputed apart; unapplied credits "
    "lower the earliest-due invoices"
)

ONE = Decimal(1)
Money = dict[str, Decimal]


class Flow(NamedTuple):
    """One expected receipt."""

    account: str
    customer: str
    invoice: str
    currency: str
    day: datetime.date  # expected day
    amount: Decimal  # after the collectability share
    open: Decimal  # the part of the invoice's open amount it comes from
    source: str  # "promised" | "plan" | "expected"
    share: Decimal  # collectability share applied (1 for promised/plan)


class Week(NamedTuple):
    start: datetime.date  # inclusive; week 1 starts the day after as_of
    end: datetime.date  # inclusive
    expected: Money  # currency -> amount
    sources: dict[str, Money]  # source -> currency -> amount


class Forecast(NamedTuple):
    as_of: datetime.date
    weeks: list[Week]
    later: Money  # expected after the last week
    disputed: Money  # open amount of disputed invoices, not forecast
    uncollectible: Money  # open less collectability share: not expected
    flows: list[Flow]
    method: str  # one line on the method
    credit_balances: Money  # unapplied credits beyond all the customer owes


def share_for(days_overdue: int, bucket: str, index: Index) -> Decimal:
    """The share of an invoice `days_overdue` past due expected to come in:
    the configured `collectability` of its bucket, else the default curve."""
    for label, share in index.config.collectability:
        if label == bucket:
            return share
    for bound, share in DEFAULT_CURVE:
        if bound is None or days_overdue <= bound:
            return share
    return DEFAULT_CURVE[-1][1]  # pragma: no cover (the curve ends with None)


class History:
    """Days late of the payments applied up to a day, with their amounts,
    sorted: how much of an invoice comes in on which day after the due date."""

    __slots__ = ("days", "total", "weighted")

    def __init__(self, pairs: list[tuple[int, Decimal]]) -> None:
        pairs.sort(key=lambda pair: pair[0])
        self.days = [d for d, _ in pairs]
        # Sums of the amounts, and of amount x days, from each pair to the end.
        self.total = [ZERO] * (len(pairs) + 1)
        self.weighted = [ZERO] * (len(pairs) + 1)
        for k in range(len(pairs) - 1, -1, -1):
            d, amount = pairs[k]
            self.total[k] = self.total[k + 1] + amount
            self.weighted[k] = self.weighted[k + 1] + amount * d

    def spread(
        self, due: datetime.date, as_of: datetime.date, weeks: int
    ) -> list[tuple[int, Decimal]]:
        """How an invoice due on `due`, still open on `as_of`, comes in: the
        payments made later than it already is, by the week their days late
        fall in after `as_of` (the last: after the weeks). Each part is its
        average days late and its share of the amount; empty when the
        invoice is later than any payment."""
        overdue = (as_of - due).days
        k = bisect.bisect_right(self.days, overdue)
        whole = self.total[k]
        if not whole:
            return []
        parts = []
        for week in range(weeks + 1):
            if week < weeks:
                last = (as_of - due).days + 7 * (week + 1)  # days late, inclusive
                j = bisect.bisect_right(self.days, last, lo=k)
            else:
                j = len(self.days)
            weight = self.total[k] - self.total[j]
            if weight:
                days = (self.weighted[k] - self.weighted[j]) / weight
                parts.append((round(days), weight / whole))
            k = j
        return parts


class Lateness(NamedTuple):
    """Payment history per (account, currency) and per currency."""

    customers: dict[tuple[str, str], History]
    ledger: dict[str, History]

    def history(self, account: str, currency: str) -> History | None:
        """The customer's own, else the whole ledger's in that currency."""
        found = self.customers.get((account, currency))
        return found if found is not None else self.ledger.get(currency)


def lateness(index: Index, as_of: datetime.date) -> Lateness:
    """Every customer's payment history on `as_of`: the days from the due date
    to each payment applied on or before `as_of`, with the amount applied
    (the weights of `metrics`' days to pay, counted from the due date)."""
    return index.memo(("forecast-lateness", as_of), lambda: _lateness(index, as_of))


def _lateness(index: Index, as_of: datetime.date) -> Lateness:
    pairs: dict[tuple[str, str], list[tuple[int, Decimal]]] = defaultdict(list)
    every: dict[str, list[tuple[int, Decimal]]] = defaultdict(list)
    for invoice in index.invoices:
        if invoice.date > as_of:
            continue
        for app in invoice.applications:
            if app.date <= as_of and app.credit.kind == "payment" and app.amount > 0:
                late = (app.date - invoice.due).days
                pair = (max(MIN_LATE, min(MAX_LATE, late)), app.amount)
                pairs[(invoice.account, invoice.currency)].append(pair)
                every[invoice.currency].append(pair)
    return Lateness(
        {key: History(p) for key, p in pairs.items()},
        {cur: History(p) for cur, p in every.items()},
    )


class _Item:
    """An open charge of an invoice and what is still to place of it."""

    __slots__ = ("bucket", "days_overdue", "due", "earned", "invoice", "left")

    def __init__(self, item: aging.OpenItem) -> None:
        self.invoice: Invoice = item.invoice
        self.due = item.due
        self.days_overdue = item.days_overdue
        self.bucket = item.bucket
        self.left = item.open
        self.earned = bool(item.earned) and item.earned >= item.open


def forecast(
    index: Index,
    as_of: datetime.date,
    weeks: int = 13,
    accounts: set[str] | None = None,
) -> Forecast:
    """Expected collections per week and currency after `as_of`.

    Args:
        index: The open-item index.
        as_of: Only what is dated on or before this day is known.
        weeks: How many weeks to show; what comes after is `later`.
        accounts: Only these customers (all if None). The whole ledger's
            history still stands in for a customer with none of its own.

    Returns:
        The weeks, what comes later, the disputed and uncollectible amounts,
        and every flow.
    """
    late = lateness(index, as_of)
    disputed: Money = defaultdict(Decimal)
    balances: Money = defaultdict(Decimal)
    flows: list[Flow] = []

    # The open charges per customer and currency, earliest due first.
    books: dict[tuple[str, str], list[_Item]] = defaultdict(list)
    for item in aging.open_items(index, as_of, accounts=accounts):
        books[(item.invoice.account, item.currency)].append(_Item(item))
    credits: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for credit in aging.unapplied_credits(index, as_of, accounts):
        credits[(credit.credit.account, credit.currency)] += credit.remaining
        books.setdefault((credit.credit.account, credit.currency), [])

    for (account, currency), items in sorted(books.items()):
        items.sort(key=lambda i: (i.due, i.invoice.seq))
        customer = index.customers.get(account)
        name = customer.name if customer else account
        disputes = {
            id(i)
            for i in items
            if status.dispute_for(index, i.invoice, as_of) is not None
        }
        undisputed = [i for i in items if id(i) not in disputes]

        # Unapplied credits lower the earliest-due invoices, disputed last.
        left = _take(credits.get((account, currency), ZERO), undisputed)
        left = _take(left, [i for i in items if id(i) in disputes])
        if left:
            balances[currency] += left
        for i in items:
            if id(i) in disputes and i.left:
                disputed[currency] += i.left
        owed = [i for i in undisputed if i.left > 0 and not i.earned]

        for promise, still in _promises(index, account, currency, as_of):
            if promise.invoice is None:
                pool = owed
            else:
                pool = [i for i in owed if i.invoice.id == promise.invoice]
            for i, part in _place(still, pool):
                flows.append(
                    Flow(account, name, i.invoice.id, currency, promise.by, part,
                         part, PROMISED, ONE)
                )  # fmt: skip
        for day, amount in _plan_slots(index, account, currency, as_of):
            for i, part in _place(amount, owed):
                flows.append(
                    Flow(account, name, i.invoice.id, currency, day, part, part,
                         PLAN, ONE)
                )  # fmt: skip

        history = late.history(account, currency)
        for i in undisputed:
            if i.left <= 0:
                continue
            share = ZERO if i.earned else share_for(i.days_overdue, i.bucket, index)
            for day, part in _expected(i, history, as_of, weeks, index, currency):
                amount = index.amounts.rounded(part * share, currency)
                flows.append(
                    Flow(account, name, i.invoice.id, currency, day, amount, part,
                         EXPECTED, share)
                )  # fmt: skip
            i.left = ZERO

    flows.sort(key=lambda f: (f.day, f.customer.casefold(), f.invoice, f.source))
    return _bucket(as_of, weeks, flows, dict(disputed), dict(balances))


def _expected(
    item: _Item,
    history: History | None,
    as_of: datetime.date,
    weeks: int,
    index: Index,
    currency: str,
) -> list[tuple[datetime.date, Decimal]]:
    """The days and parts of its open amount an invoice is expected on: spread
    like the history's payments later than it already is (at the ledger's
    precision, the last part taking the rounding); with no history, on its
    due date; later than any payment, on the as-of date (week 1)."""
    if history is None:
        return [(item.due, item.left)]
    spread = history.spread(item.due, as_of, weeks)
    if not spread:
        return [(as_of, item.left)]
    result = []
    left = item.left
    for k, (days, weight) in enumerate(spread):
        part = left
        if k < len(spread) - 1:
            part = min(left, index.amounts.rounded(item.left * weight, currency))
        if part <= 0:
            continue
        left -= part
        try:
            day = item.due + datetime.timedelta(days=days)
        except OverflowError:
            day = datetime.date.max
        result.append((day, part))
    return result


def _place(amount: Decimal, items: Sequence[_Item]) -> list[tuple[_Item, Decimal]]:
    """Place `amount` on the items in order, lowering what is left of each;
    the parts placed."""
    parts = []
    for i in items:
        if amount <= 0:
            break
        part = min(amount, i.left)
        if part > 0:
            i.left -= part
            amount -= part
            parts.append((i, part))
    return parts


def _take(amount: Decimal, items: Sequence[_Item]) -> Decimal:
    """Lower the items' open amounts by `amount` in order; what is left over."""
    for i in items:
        if amount <= 0:
            break
        part = min(amount, i.left)
        i.left -= part
        amount -= part
    return amount


def _promises(
    index: Index, account: str, currency: str, as_of: datetime.date
) -> Iterator[tuple[records.Promise, Decimal]]:
    """The pending promises that count, soonest first, with what is still to
    pay of each: of several on the same invoice (or on the whole account)
    those made last (a promise replaces the ones made before it; two made
    the same day, a payment split over two dates, both count)."""
    latest: dict[str | None, list[status.PromiseStatus]] = {}
    for state in status.pending_promises(index, account, as_of):
        promise = state.promise
        if promise.amount.currency != currency:
            continue
        kept = latest.setdefault(promise.invoice, [])
        if kept and promise.date > kept[0].promise.date:
            kept.clear()
        if not kept or promise.date == kept[0].promise.date:
            kept.append(state)
    states = [state for group in latest.values() for state in group]
    for state in sorted(states, key=lambda s: (s.promise.by, s.promise.date)):
        still = state.promise.amount.number - state.paid
        if still > 0:
            yield state.promise, still


def _plan_slots(
    index: Index, account: str, currency: str, as_of: datetime.date
) -> list[tuple[datetime.date, Decimal]]:
    """The instalments of the customer's plan not yet covered by what was paid
    since the plan was made, in order (a missed one keeps its past date)."""
    plan = status.plan_for(index, account, as_of)
    if plan is None or plan.status == "completed":
        return []
    if plan.plan.amount.currency != currency:
        return []
    paid = plan.paid
    slots = []
    try:
        for day, amount in status.instalments(plan.plan):
            covered = min(paid, amount)
            paid -= covered
            if amount > covered:
                slots.append((day, amount - covered))
    except (OverflowError, ValueError):  # instalments past year 9999
        pass
    return slots


def week_starts(as_of: datetime.date, weeks: int) -> list[datetime.date]:
    """The first day of each week: the day after `as_of`, then every 7 days
    (fewer weeks when they would end past the last date there is)."""
    starts = []
    for k in range(weeks):
        try:
            start = as_of + datetime.timedelta(days=1 + 7 * k)
            start + datetime.timedelta(days=6)
        except OverflowError:
            break
        starts.append(start)
    return starts


def week_of(as_of: datetime.date, day: datetime.date) -> int:
    """The 0-based week of `day` (a day on or before `as_of` is in week 0)."""
    return max(0, (day - as_of).days - 1) // 7


def _bucket(
    as_of: datetime.date,
    count: int,
    flows: list[Flow],
    disputed: Money,
    balances: Money,
) -> Forecast:
    weeks = []
    for start in week_starts(as_of, count):
        weeks.append(Week(start, start + datetime.timedelta(days=6), {}, {}))
    count = len(weeks)
    later: Money = {}
    uncollectible: Money = {}
    for flow in flows:
        cur = flow.currency
        if flow.open != flow.amount:
            uncollectible[cur] = uncollectible.get(cur, ZERO) + flow.open - flow.amount
        if not flow.amount:
            continue
        k = week_of(as_of, flow.day)
        if k >= count:
            later[cur] = later.get(cur, ZERO) + flow.amount
            continue
        week = weeks[k]
        week.expected[cur] = week.expected.get(cur, ZERO) + flow.amount
        by_source = week.sources.setdefault(flow.source, {})
        by_source[cur] = by_source.get(cur, ZERO) + flow.amount
    return Forecast(
        as_of, weeks, later, disputed, uncollectible, flows, METHOD, balances
    )
