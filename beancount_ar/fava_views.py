"""What each view of the Collections page shows: plain data from the engine.

The Fava adapter (`fava.py`) reads the request and renders; these functions
decide what a bookkeeper sees: the morning's summary, the aging with its
shares, the overdue list a page at a time in one currency, the drill-down
with its totals, the aging trend as a chart. No Flask here, so each can be
tested and timed alone.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from typing import Any, NamedTuple

from beancount_ar import aging, metrics, status
from beancount_ar import worklist as worklist_lib
from beancount_ar.openitems import ZERO, Index

#: Escalation levels as people read them.
LEVEL_NAMES = {
    "reminder": "Reminder",
    "second-notice": "Second notice",
    "manager": "Manager",
    "owner": "Owner",
    "final-demand": "Final demand",
    "agency": "Agency",
}
#: Overdue invoices per page.
PAGE_SIZE = 200
#: What a long view shows before "show all": a page a browser lays out fast
#: at any size of ledger (the totals are always of everything).
CALLS_SHOWN = 50  # Today: the most pressing calls
CUSTOMERS_SHOWN = 100  # the aging and the metrics, per currency: the largest
INVOICES_SHOWN = 200  # the drill-down
ITEMS_SHOWN = 100  # a customer's open items
SORTS = ("days", "invoice", "customer", "open", "level")
#: The aging buckets' colours, from current to the oldest: a sequential
#: scale, light to dark, that reads in light and dark colour schemes.
SCALE = ("#9ecae1", "#fdd0a2", "#fd8d3c", "#e6550d", "#a63603", "#7f2704")


def level_name(level: str | None) -> str:
    """ "Second notice" for "second-notice"; a custom level likewise."""
    if not level:
        return "\u2013"  # an en dash: no level
    return LEVEL_NAMES.get(level) or level.replace("-", " ").capitalize()


def ordered(
    currencies: Sequence[str] | set[str], operating: Sequence[str]
) -> list[str]:
    """The operating currencies first, in their order, then the others."""
    rank = {cur: i for i, cur in enumerate(operating)}
    return sorted(currencies, key=lambda c: (rank.get(c, len(rank)), c))


class Cut(NamedTuple):
    """The rows a view shows of more: all of them when asked, or few."""

    rows: list[Any]
    count: int  # of all the rows
    limit: int  # how many are shown when cut

    @property
    def cut(self) -> bool:
        return len(self.rows) < self.count


def cut(
    rows: Sequence[Any],
    limit: int,
    args: Mapping[str, str],
    largest: Callable[[Any], Any] | None = None,
) -> Cut:
    """The first `limit` rows (or, with `largest`, the `limit` largest by it,
    in their order), unless `all=1` asks for all of them."""
    if args.get("all") == "1" or len(rows) <= limit:
        return Cut(list(rows), len(rows), limit)
    if largest is None:
        return Cut(list(rows[:limit]), len(rows), limit)
    kept = {id(r) for r in sorted(rows, key=largest, reverse=True)[:limit]}
    return Cut([r for r in rows if id(r) in kept], len(rows), limit)


# -- Today --------------------------------------------------------------------


class Summary(NamedTuple):
    calls: int
    overdue: list[tuple[str, Decimal]]  # per currency, operating first
    promises_due: int  # promises to pay due on the day, still pending
    promises_broken: int  # calls about a broken promise
    disputes: int
    on_hold: int  # customers on credit hold


class TodayView(NamedTuple):
    report: worklist_lib.Worklist
    calls: Cut  # of report.items: the most pressing first
    summary: Summary
    heading: str  # "Today's calls" or "Calls as of 2026-11-20"
    filtered: bool  # Fava's filters narrow the customers
    currencies: list[str]  # of the overdue totals, operating first


def today(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    real_today: datetime.date,
    args: dict[str, str],
) -> TodayView:
    report = worklist_lib.worklist(index, as_of)
    if accounts is not None:
        report = report._replace(
            items=[i for i in report.items if i.account in accounts],
            disputes=[d for d in report.disputes if d.account in accounts],
            tasks=[t for t in report.tasks if t.account in accounts],
        )
    overdue: dict[str, Decimal] = {}
    for item in report.items:
        for cur, number in item.overdue.items():
            overdue[cur] = overdue.get(cur, ZERO) + number
    customers = (
        accounts
        if accounts is not None
        else {i.invoice.account for i in aging.open_items(index, as_of)}
    )
    promises_due = sum(
        1
        for account in customers
        for state in status.pending_promises(index, account, as_of)
        if state.promise.by == as_of
    )
    summary = Summary(
        calls=len(report.items),
        overdue=[(cur, overdue[cur]) for cur in ordered(overdue, operating)],
        promises_due=promises_due,
        promises_broken=sum(
            1 for i in report.items if worklist_lib.BROKEN_PROMISE in i.kinds
        ),
        disputes=len(report.disputes),
        on_hold=sum(
            1 for account in customers if status.hold_for(index, account, as_of).on
        ),
    )
    heading = "Today's calls" if as_of >= real_today else f"Calls as of {as_of}"
    return TodayView(
        report,
        cut(report.items, CALLS_SHOWN, args),
        summary,
        heading,
        accounts is not None,
        ordered(overdue, operating),
    )


# -- Aging ----------------------------------------------------------------------


class Bar(NamedTuple):
    label: str
    amount: Decimal
    width: float  # percent of the largest bucket
    share: float  # percent of the currency's total open
    overdue: bool
    colour: str


class AgingView(NamedTuple):
    report: aging.Aging
    currencies: list[str]  # operating first
    bars: dict[str, list[Bar]]
    rows: dict[str, Cut]  # per currency, of its customers: the largest balances


def aging_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: dict[str, str],
) -> AgingView:
    report = aging.aging(index, as_of, accounts=accounts)
    currencies = ordered(
        report.totals.total.keys() | report.totals.unapplied.keys(), operating
    )
    bars = {}
    for cur in currencies:
        amounts = [
            (label, report.totals.buckets.get(label, {}).get(cur, ZERO))
            for label in report.labels
        ]
        top = max((a for _, a in amounts), default=ZERO)
        whole = sum((a for _, a in amounts if a > 0), ZERO)
        bars[cur] = [
            Bar(
                label,
                amount,
                float(amount / top * 100) if top > 0 and amount > 0 else 0.0,
                float(amount / whole * 100) if whole > 0 and amount > 0 else 0.0,
                label != aging.CURRENT,
                SCALE[min(k, len(SCALE) - 1)],
            )
            for k, (label, amount) in enumerate(amounts)
        ]
    rows = {}
    for cur in currencies:
        mine = [r for r in report.rows if cur in r.total or cur in r.unapplied]
        rows[cur] = cut(
            mine,
            CUSTOMERS_SHOWN,
            args,
            largest=lambda r, cur=cur: abs(r.total.get(cur, ZERO)),
        )
    return AgingView(report, currencies, bars, rows)


# -- Overdue --------------------------------------------------------------------


class OverdueView(NamedTuple):
    items: list[aging.OverdueItem]  # this page
    count: int  # after the filters, in this currency
    totals: list[tuple[str, int, Decimal]]  # (currency, count, open), operating first
    currency: str | None
    page: int
    pages: int
    sort: str
    descending: bool
    customer: str  # the customer filter as typed
    level: str  # the level filter ("" for all)
    levels: list[str]  # the levels to choose from


def overdue_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: dict[str, str],
) -> OverdueView:
    everything = aging.overdue(index, as_of, accounts=accounts)
    wanted = args.get("q", "").strip().casefold()
    level = args.get("level", "")
    chosen = [
        o
        for o in everything
        if (not wanted or wanted in o.customer.casefold())
        and (not level or (o.level or "") == level)
    ]
    counts: dict[str, list] = {}
    for o in chosen:
        entry = counts.setdefault(o.item.currency, [0, ZERO])
        entry[0] += 1
        entry[1] += o.item.open
    currencies = ordered(counts, operating)
    totals = [(cur, counts[cur][0], counts[cur][1]) for cur in currencies]
    currency = args.get("currency") if args.get("currency") in counts else None
    currency = currency or (currencies[0] if currencies else None)
    rows = [o for o in chosen if o.item.currency == currency]
    sort = args.get("sort") if args.get("sort") in SORTS else "days"
    descending = (
        args.get("dir", "desc" if sort in ("days", "open") else "asc") == "desc"
    )
    rows.sort(key=_sort_key(sort), reverse=descending)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    try:
        page = min(max(int(args.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    levels = [name for name, _ in index.config.escalation]
    return OverdueView(
        rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        len(rows),
        totals,
        currency,
        page,
        pages,
        sort,
        descending,
        args.get("q", ""),
        level,
        levels,
    )


def _sort_key(sort: str) -> Any:
    order = {name: k for k, name in enumerate(LEVEL_NAMES)}
    keys = {
        "days": lambda o: (o.item.days_overdue, o.item.open),
        "invoice": lambda o: (o.item.invoice.id, o.item.memo),
        "customer": lambda o: (o.customer.casefold(), -o.item.days_overdue),
        "open": lambda o: (o.item.open, o.item.days_overdue),
        "level": lambda o: (order.get(o.level or "", -1), o.item.days_overdue),
    }
    return keys[sort]


# -- The drill-down -------------------------------------------------------------


class InvoicesView(NamedTuple):
    items: list[aging.OpenItem]
    names: dict[str, str]
    customer: str | None
    bucket: str | None
    currency: str | None
    totals: list[tuple[str, Decimal, int]]  # per currency: open, count
    shown: Cut  # of items


def invoices_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: dict[str, str],
) -> InvoicesView:
    account = args.get("customer") or None
    bucket = args.get("bucket") or None
    currency = args.get("currency") or None
    if account is not None:
        accounts = {account} & (accounts if accounts is not None else {account})
    items = [
        i
        for i in aging.open_items(index, as_of, accounts=accounts)
        if (bucket is None or i.bucket == bucket)
        and (currency is None or i.currency == currency)
    ]
    totals: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for i in items:
        totals[i.currency] = totals.get(i.currency, ZERO) + i.open
        counts[i.currency] = counts.get(i.currency, 0) + 1
    names = {a: c.name for a, c in index.customers.items()}
    return InvoicesView(
        items,
        names,
        account,
        bucket,
        currency,
        [(cur, totals[cur], counts[cur]) for cur in ordered(totals, operating)],
        cut(items, INVOICES_SHOWN, args),
    )


# -- Metrics and the aging trend ----------------------------------------------


class Column(NamedTuple):
    """One month-end of the trend chart: its stacked buckets."""

    date: datetime.date
    x: float
    segments: list[
        tuple[str, str, float, float, Decimal]
    ]  # label, colour, y, h, amount
    total: Decimal


class Chart(NamedTuple):
    currency: str
    labels: list[tuple[str, str]]  # bucket label and colour, in bucket order
    columns: list[Column]
    width: int
    height: int
    top: Decimal  # the largest total rounded up: the chart's scale
    ticks: list[tuple[float, str]]  # y and the amount it marks, "20,000"


class MetricsView(NamedTuple):
    report: metrics.Report
    first: datetime.date  # the period's first day (the report's start is the eve)
    charts: list[Chart]
    months: int
    rows: dict[str, Cut]  # per currency, of its customers: the largest sales


def metrics_rows(report: metrics.Report, args: dict[str, str]) -> dict[str, Cut]:
    """Each currency's customers; of many, those with the largest credit
    sales and balances."""
    rows = {}
    for total in report.totals:
        cur = total.currency
        mine = [m for m in report.customers if m.currency == cur]
        rows[cur] = cut(
            mine,
            CUSTOMERS_SHOWN,
            args,
            largest=lambda m: max(m.credit_sales, abs(m.ending_ar)),
        )
    return rows


#: The chart's size in SVG units; it scales to the page's width.
WIDTH, HEIGHT, LEFT, BOTTOM = 720, 260, 70, 24


def nice_step(rough: Decimal) -> Decimal:
    """The round number (1, 2 or 5 times a power of ten) at or above `rough`:
    the axis reads 0, 10,000, 20,000, not 0, 20,069.00, 40,138.00."""
    power = Decimal(10) ** rough.adjusted()
    for factor in (1, 2, 5, 10):
        if power * factor >= rough:
            return power * factor
    raise AssertionError("unreachable")  # 10 x the power always covers it


def charts(
    points: list[aging.TrendPoint], bounds: Sequence[int], operating: Sequence[str]
) -> list[Chart]:
    """A stacked-bar chart per currency of the buckets at each month-end, in
    bucket order with a sequential colour scale."""
    labels = aging.bucket_labels(tuple(bounds))
    colours = [SCALE[min(k, len(SCALE) - 1)] for k in range(len(labels))]
    currencies = ordered(
        {c for p in points for money in p.buckets.values() for c in money}, operating
    )
    result = []
    for cur in currencies:
        top = max(
            (sum((p.buckets.get(b, {}).get(cur, ZERO) for b in labels), ZERO)
             for p in points),
            default=ZERO,
        )  # fmt: skip
        if top <= 0:
            continue
        tick = nice_step(top / 5)  # at most five steps up the axis
        # The scale's top: the round number at or above the largest total.
        top = tick * (top / tick).to_integral_value(rounding=ROUND_CEILING)
        step = (WIDTH - LEFT) / max(len(points), 1)
        scale = (HEIGHT - BOTTOM - 10) / float(top)
        columns = []
        for k, point in enumerate(points):
            y = float(HEIGHT - BOTTOM)
            segments = []
            for label, colour in zip(labels, colours, strict=True):
                amount = point.buckets.get(label, {}).get(cur, ZERO)
                if amount <= 0:
                    continue
                h = float(amount) * scale
                y -= h
                segments.append((label, colour, y, h, amount))
            total = sum((s[4] for s in segments), ZERO)
            columns.append(Column(point.date, LEFT + k * step, segments, total))
        ticks = [
            (float(HEIGHT - BOTTOM) - float(tick * k) * scale, f"{tick * k:,f}")
            for k in range(int(top / tick) + 1)
        ]
        result.append(
            Chart(cur, list(zip(labels, colours, strict=True)), columns, WIDTH,
                  HEIGHT, top, ticks)
        )  # fmt: skip
    return result
