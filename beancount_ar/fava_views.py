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

from beancount_ar import aging, forecast, metrics, status
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
ITEMS_SHOWN = 100  # a customer's open items
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
        return Cut(list(rows), len(rows))
    if largest is None:
        return Cut(list(rows[:limit]), len(rows))
    kept = {id(r) for r in sorted(rows, key=largest, reverse=True)[:limit]}
    return Cut([r for r in rows if id(r) in kept], len(rows))


# -- Today --------------------------------------------------------------------


class Summary(NamedTuple):
    calls: int
    overdue: list[tuple[str, Decimal]]  # per currency, operating first
    promises_due: int  # promises to pay due on the day, still pending
    promises_broken: int  # customers to call about a broken promise
    disputes: int
    on_hold: int  # customers on credit hold


class TodayView(NamedTuple):
    report: worklist_lib.Worklist
    calls: Cut  # of report.items: the most pressing first
    summary: Summary
    today: bool  # as of today ("Today's calls"), else of another day


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
    # Everything overdue, as the Overdue view counts it, not only the calls.
    overdue: dict[str, Decimal] = {}
    items = aging.open_items(index, as_of, accounts=accounts)
    for i in items:
        if i.days_overdue > 0 and i.collectible:
            overdue[i.currency] = overdue.get(i.currency, ZERO) + i.open
    customers = accounts if accounts is not None else {i.invoice.account for i in items}
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
    return TodayView(
        report,
        cut(report.items, CALLS_SHOWN, args),
        summary,
        as_of == real_today,
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


class Pager(NamedTuple):
    """One page of a list sorted on the server."""

    page: int
    pages: int
    count: int  # rows on all the pages
    sort: str
    descending: bool
    here: dict[str, str]  # the view's own arguments, for its links

    def first_dir(self, key: str) -> str:
        """The order a column sorts in at its first click."""
        return "desc" if key in DESCENDING_FIRST else "asc"


#: Columns whose first sort is the largest first.
DESCENDING_FIRST = ("days", "open")


def paged(
    rows: Sequence[Any],
    args: Mapping[str, str],
    keys: Mapping[str, Callable[[Any], Any]],
    default: str,
    here: dict[str, str],
) -> tuple[list[Any], Pager]:
    """Sort `rows` as the arguments ask (else by `default`) and cut the page
    asked for; unknown values fall back rather than fail."""
    sort = args.get("sort", "")
    sort = sort if sort in keys else default
    first = "desc" if sort in DESCENDING_FIRST else "asc"
    wanted = args.get("dir", first)
    descending = (wanted if wanted in ("asc", "desc") else first) == "desc"
    ordered_rows = sorted(rows, key=keys[sort], reverse=descending)
    pages = max(1, -(-len(ordered_rows) // PAGE_SIZE))
    try:
        page = min(max(int(args.get("page", "1")), 1), pages)
    except ValueError:
        page = 1
    here = {k: v for k, v in here.items() if v}
    chunk = ordered_rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return chunk, Pager(page, pages, len(ordered_rows), sort, descending, here)


class OverdueView(NamedTuple):
    items: list[aging.OverdueItem]  # this page
    pager: Pager
    totals: list[tuple[str, int, Decimal]]  # (currency, count, open), operating first
    currency: str | None
    customer: str  # the customer filter as typed
    level: str  # the level filter ("" for all)
    levels: list[str]  # the levels to choose from
    reach: dict[str, tuple[Any, str | None]]  # account -> (contact, email)


def overdue_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: Mapping[str, str],
) -> OverdueView:
    everything = aging.overdue(index, as_of, accounts=accounts)
    levels = [name for name, _ in index.config.escalation]
    wanted = args.get("q", "").strip().casefold()
    level = args.get("level", "")
    level = level if level in levels else ""
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
    rank = {name: k for k, name in enumerate(levels)}
    keys = {
        "days": lambda o: (o.item.days_overdue, o.item.open),
        "invoice": lambda o: (o.item.invoice.id, o.item.memo),
        "customer": lambda o: (o.customer.casefold(), -o.item.days_overdue),
        "open": lambda o: (o.item.open, o.item.days_overdue),
        "level": lambda o: (rank.get(o.level or "", -1), o.item.days_overdue),
    }
    here = {"view": "overdue", "currency": currency or "", "q": args.get("q", ""),
            "level": level}  # fmt: skip
    page, pager = paged(rows, args, keys, "days", here)
    return OverdueView(
        page,
        pager,
        totals,
        currency,
        args.get("q", ""),
        level,
        levels,
        reach(index, _highest_levels(page, rank), as_of),
    )


def _highest_levels(
    rows: Sequence[aging.OverdueItem], rank: Mapping[str, int]
) -> dict[str, str | None]:
    """Each customer's highest level among the rows: whom to ask for."""
    result: dict[str, str | None] = {}
    for o in rows:
        account = o.item.invoice.account
        known = result.get(account)
        if account not in result or rank.get(o.level or "", -1) > rank.get(
            known or "", -1
        ):
            result[account] = o.level
    return result


def reach(
    index: Index, levels: Mapping[str, str | None], as_of: datetime.date
) -> dict[str, tuple[Any, str | None]]:
    """Whom to call at each customer, for its level, and where to write."""
    result = {}
    for account, level in levels.items():
        contact = status.contact_for(index, account, level, as_of)
        customer = index.customers.get(account)
        email = contact.email if contact and contact.email else None
        result[account] = (contact, email or (customer.email if customer else None))
    return result


# -- The drill-down -------------------------------------------------------------


class Total(NamedTuple):
    """A currency's line under the drill-down."""

    currency: str
    count: int  # open invoices
    open: Decimal  # of the invoices
    unapplied: Decimal  # unapplied credits (positive: what they lower)
    balance: Decimal  # open - unapplied: the aging's amount


class InvoicesView(NamedTuple):
    names: dict[str, str]
    customer: str | None
    bucket: str | None
    currency: str | None
    totals: list[Total]  # operating first
    items: list[aging.OpenItem]  # this page
    pager: Pager
    credits: list[aging.UnappliedCredit]  # without a bucket: they are in the total


def invoices_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: Mapping[str, str],
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
    # A bucket holds invoices only; a customer's or a currency's total (the
    # aging's Total column) is also lowered by the unapplied credits.
    credits = (
        []
        if bucket is not None
        else [
            c
            for c in aging.unapplied_credits(index, as_of, accounts)
            if currency is None or c.currency == currency
        ]
    )
    opened: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    lowered: dict[str, Decimal] = {}
    for i in items:
        opened[i.currency] = opened.get(i.currency, ZERO) + i.open
        counts[i.currency] = counts.get(i.currency, 0) + 1
    for c in credits:
        lowered[c.currency] = lowered.get(c.currency, ZERO) + c.remaining
    totals = [
        Total(
            cur,
            counts.get(cur, 0),
            opened.get(cur, ZERO),
            lowered.get(cur, ZERO),
            opened.get(cur, ZERO) - lowered.get(cur, ZERO),
        )
        for cur in ordered(opened.keys() | lowered.keys(), operating)
    ]
    names = {a: c.name for a, c in index.customers.items()}
    keys = {
        "days": lambda i: (i.days_overdue, i.open),
        "invoice": lambda i: (i.invoice.id, i.memo),
        "customer": lambda i: (names.get(i.invoice.account, "").casefold(), i.date),
        "date": lambda i: (i.date, i.invoice.seq),
        "open": lambda i: (i.currency, i.open),
    }
    here = {"view": "invoices", "customer": account or "", "bucket": bucket or "",
            "currency": currency or ""}  # fmt: skip
    page, pager = paged(items, args, keys, "days", here)
    return InvoicesView(names, account, bucket, currency, totals, page, pager, credits)


# -- Metrics and the aging trend ----------------------------------------------


class Column(NamedTuple):
    """One column of a stacked-bar chart: a month-end of the trend, a week
    of the forecast."""

    date: datetime.date
    caption: str  # under the column: "Nov 26", "7 Dec"
    x: float
    segments: list[
        tuple[str, str, float, float, Decimal]
    ]  # label, colour, y, h, amount
    total: Decimal


class Chart(NamedTuple):
    currency: str
    labels: list[tuple[str, str]]  # series label and colour, bottom first
    columns: list[Column]
    width: int
    height: int
    top: Decimal  # the largest total rounded up: the chart's scale
    ticks: list[tuple[float, str]]  # y and the amount it marks, "20,000"
    left: int  # where the drawing starts, right of the axis labels
    step: float  # a column's width
    bar: float  # a bar's width (a column less the gap between bars)


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


#: The chart's size in SVG units (it scales to the page's width), the room
#: for the axis labels on the left and the months below, the gap between bars.
WIDTH, HEIGHT, LEFT, BOTTOM, GAP = 720, 260, 70, 24, 8


def nice_step(rough: Decimal) -> Decimal:
    """The round number (1, 2 or 5 times a power of ten) at or above `rough`:
    the axis reads 0, 10,000, 20,000, not 0, 20,069.00, 40,138.00."""
    power = Decimal(10) ** rough.adjusted()
    for factor in (1, 2, 5, 10):
        if power * factor >= rough:
            return power * factor
    raise AssertionError("unreachable")  # 10 x the power always covers it


#: A column of a stacked chart: its date, caption, and per series label
#: the amount of each currency.
Point = tuple[datetime.date, str, Mapping[str, Mapping[str, Decimal]]]


def stacked(
    points: Sequence[Point],
    labels: Sequence[tuple[str, str]],
    operating: Sequence[str],
) -> list[Chart]:
    """A stacked-bar chart per currency: a column per point, its series
    stacked in the order of `labels` (label, colour), the first at the
    bottom. A currency with nothing to show has no chart."""
    currencies = ordered(
        {c for _, _, series in points for money in series.values() for c in money},
        operating,
    )
    result = []
    for cur in currencies:
        top = max(
            (sum((series.get(b, {}).get(cur, ZERO) for b, _ in labels), ZERO)
             for _, _, series in points),
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
        for k, (date, caption, series) in enumerate(points):
            y = float(HEIGHT - BOTTOM)
            segments = []
            for label, colour in labels:
                amount = series.get(label, {}).get(cur, ZERO)
                if amount <= 0:
                    continue
                h = float(amount) * scale
                y -= h
                segments.append((label, colour, y, h, amount))
            total = sum((s[4] for s in segments), ZERO)
            columns.append(Column(date, caption, LEFT + k * step, segments, total))
        ticks = [
            (float(HEIGHT - BOTTOM) - float(tick * k) * scale, f"{tick * k:,f}")
            for k in range(int(top / tick) + 1)
        ]
        result.append(
            Chart(cur, list(labels), columns, WIDTH, HEIGHT, top, ticks, LEFT,
                  step, step - GAP)
        )  # fmt: skip
    return result


def charts(
    points: list[aging.TrendPoint], bounds: Sequence[int], operating: Sequence[str]
) -> list[Chart]:
    """A stacked-bar chart per currency of the buckets at each month-end, in
    bucket order with a sequential colour scale."""
    labels = aging.bucket_labels(tuple(bounds))
    colours = [SCALE[min(k, len(SCALE) - 1)] for k in range(len(labels))]
    return stacked(
        [(p.date, p.date.strftime("%b %y"), p.buckets) for p in points],
        list(zip(labels, colours, strict=True)),
        operating,
    )


# -- Forecast -------------------------------------------------------------------

#: The forecast's sources as the page names them, and their colours (bottom
#: of the stack first: what is surest).
SOURCE_NAMES = {
    "promised": "Promised",
    "plan": "Plan instalments",
    "expected": "Expected from habits",
}
SOURCE_COLOURS = {"promised": "#2b8cbe", "plan": "#7bccc4", "expected": "#bae4bc"}
#: The horizons the page offers, in weeks.
FORECAST_WEEKS = (4, 8, 13, 26)
#: Receipts listed per currency under the chart: the largest soon.
RECEIPTS_SHOWN = 20
RECEIPTS_WEEKS = 4


class ForecastRow(NamedTuple):
    start: datetime.date
    end: datetime.date
    amounts: dict[str, Decimal]  # source -> amount
    total: Decimal


class ForecastTotals(NamedTuple):
    amounts: dict[str, Decimal]  # source -> amount over the weeks shown
    total: Decimal  # expected in the weeks shown
    later: Decimal  # expected after them
    uncollectible: Decimal  # not expected (the collectability curve)
    disputed: Decimal  # not forecast
    credits: Decimal  # unapplied credits beyond all their customers owe
    open: Decimal  # all of the above less the credits: the aging's total


class ForecastView(NamedTuple):
    report: forecast.Forecast
    weeks: int
    currencies: list[str]
    charts: list[Chart]
    rows: dict[str, list[ForecastRow]]  # per currency, a row per week
    totals: dict[str, ForecastTotals]
    receipts: dict[str, list[forecast.Flow]]  # the largest soon, per currency
    source_names: dict[str, str] = SOURCE_NAMES
    soon: datetime.timedelta = datetime.timedelta(weeks=RECEIPTS_WEEKS)


def forecast_view(
    index: Index,
    as_of: datetime.date,
    accounts: set[str] | None,
    operating: Sequence[str],
    args: dict[str, str],
) -> ForecastView:
    """The cash expected week by week, per currency, by where the
    expectation comes from: a chart, the table, and the largest receipts of
    the next four weeks."""
    try:
        weeks = int(args.get("weeks", ""))
    except ValueError:
        weeks = 13
    if weeks not in FORECAST_WEEKS:
        weeks = 13
    report = forecast.forecast(index, as_of, weeks, accounts)
    currencies = ordered(
        {c for w in report.weeks for c in w.expected}
        | report.later.keys()
        | report.disputed.keys()
        | report.uncollectible.keys()
        | report.credit_balances.keys(),
        operating,
    )
    rows: dict[str, list[ForecastRow]] = {}
    totals = {}
    for cur in currencies:
        rows[cur] = [
            ForecastRow(
                w.start,
                w.end,
                {s: w.sources.get(s, {}).get(cur, ZERO) for s in forecast.SOURCES},
                w.expected.get(cur, ZERO),
            )
            for w in report.weeks
        ]
        amounts = {
            s: sum((r.amounts[s] for r in rows[cur]), ZERO) for s in forecast.SOURCES
        }
        total = sum((r.total for r in rows[cur]), ZERO)
        later = report.later.get(cur, ZERO)
        uncollectible = report.uncollectible.get(cur, ZERO)
        disputed = report.disputed.get(cur, ZERO)
        credits = report.credit_balances.get(cur, ZERO)
        totals[cur] = ForecastTotals(
            amounts, total, later, uncollectible, disputed, credits,
            total + later + uncollectible + disputed - credits,
        )  # fmt: skip
    labels = [(SOURCE_NAMES[s], SOURCE_COLOURS[s]) for s in forecast.SOURCES]
    points = [
        (
            w.start,
            f"{w.start.day} {w.start:%b}",
            {SOURCE_NAMES[s]: w.sources.get(s, {}) for s in forecast.SOURCES},
        )
        for w in report.weeks
    ]
    soon = as_of + ForecastView._field_defaults["soon"]
    # An invoice expected from habits comes in over several weeks: one line
    # each, on its first day, with all it brings by then.
    grouped: dict[tuple[str, str, str], forecast.Flow] = {}
    for flow in report.flows:
        if flow.day > soon or flow.amount <= 0:
            continue
        key = (flow.account, flow.invoice, flow.source)
        first = grouped.get(key)
        grouped[key] = (
            flow
            if first is None
            else first._replace(
                amount=first.amount + flow.amount, open=first.open + flow.open
            )
        )
    receipts: dict[str, list[forecast.Flow]] = {cur: [] for cur in currencies}
    for flow in grouped.values():
        receipts[flow.currency].append(flow)
    for flows in receipts.values():
        flows.sort(key=lambda f: (-f.amount, f.day, f.invoice))
        del flows[RECEIPTS_SHOWN:]
        flows.sort(key=lambda f: (f.day, f.customer.casefold(), f.invoice))
    return ForecastView(
        report,
        weeks,
        currencies,
        stacked(points, labels, operating),
        rows,
        totals,
        receipts,
    )
