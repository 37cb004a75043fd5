"""The forecast's back-test: replay month-ends and score against what came in.

As of each month-end in the range, the forecast is made from what the ledger
knew that day (the index answers any past day; promises, plans, disputes and
payments dated later are not seen). It is compared, week by week, with the
actual: the payments (not credit notes, write-offs or discounts) received
after that day and applied to the invoices open on it, counted in the week
they were received. Cash already in on the day (an unapplied credit applied
later) is not counted: the forecast already took it off.

Two naive baselines are scored the same way:

- "due date": every open invoice (disputed ones too) in full on its due date,
  overdue ones in week 1, no collectability;
- "13-week average": the payments received over the 13 weeks up to the day,
  divided by 13, every week.

The error is the weighted absolute percentage error over weekly buckets,
per currency and horizon (the first 4 and the first 13 weeks):

    WAPE = sum over month-ends and weeks of |forecast - actual| / sum of actual

A month-end is replayed only when the ledger goes on at least the longest
horizon after it, and has at least 13 weeks of history before it.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import aging
from beancount_ar import forecast as forecast_lib
from beancount_ar.openitems import ZERO, Index

METHODS = ("forecast", "due date", "13-week average")
HORIZONS = (4, 13)
HISTORY_WEEKS = 13
PAYMENT = "payment"

Weekly = dict[str, list[Decimal]]  # currency -> amount per week


class Score(NamedTuple):
    """The error of one method over one horizon in one currency."""

    method: str
    horizon: int  # weeks
    currency: str
    wape: Decimal | None  # None when nothing came in
    error: Decimal  # sum of |forecast - actual| over the weeks
    forecast: Decimal  # sum of the forecast over the weeks
    actual: Decimal  # sum of the actual over the weeks


class Backtest(NamedTuple):
    start: datetime.date | None
    end: datetime.date | None
    days: list[datetime.date]  # the month-ends replayed
    scores: list[Score]  # method x horizon x currency, in METHODS order


def span(index: Index) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day the ledger records an invoice or a credit."""
    days = [i.date for i in index.invoices] + [c.date for c in index.credits]
    return (min(days), max(days)) if days else None


def month_ends(
    index: Index,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    horizon: int = max(HORIZONS),
) -> list[datetime.date]:
    """The month-ends from `start` to `end` that have 13 weeks of history
    before them and `horizon` weeks of the ledger after them."""
    known = span(index)
    if known is None:
        return []
    try:
        first = known[0] + datetime.timedelta(weeks=HISTORY_WEEKS)
        last = known[1] - datetime.timedelta(weeks=horizon)
    except OverflowError:
        return []  # a ledger of a few weeks at the ends of the calendar
    lo = max(start, first) if start else first
    hi = min(end, last) if end else last
    days = []
    year, month = lo.year, lo.month
    while year <= datetime.MAXYEAR:
        day = datetime.date(year, month, calendar.monthrange(year, month)[1])
        if day > hi:
            break
        if day >= lo:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def actual(index: Index, as_of: datetime.date, weeks: int) -> Weekly:
    """Payments received in each week after `as_of` on invoices open on it."""
    result: Weekly = {}
    seen = set()
    for item in aging.open_items(index, as_of):
        invoice = item.invoice
        if id(invoice) in seen:
            continue  # an invoice with debit memos: one item per open charge
        seen.add(id(invoice))
        for app in invoice.applications:
            if app.credit.kind != PAYMENT or app.credit.date <= as_of:
                continue
            k = forecast_lib.week_of(as_of, app.date)
            if k < weeks:
                row = result.setdefault(invoice.currency, [ZERO] * weeks)
                row[k] += app.amount
    return result


def due_date(index: Index, as_of: datetime.date, weeks: int) -> Weekly:
    """Baseline: every open charge in full on its due date (overdue: week 1)."""
    result: Weekly = {}
    for item in aging.open_items(index, as_of):
        k = forecast_lib.week_of(as_of, item.due)
        if k < weeks:
            row = result.setdefault(item.currency, [ZERO] * weeks)
            row[k] += item.open
    return result


def recent_average(index: Index, as_of: datetime.date, weeks: int) -> Weekly:
    """Baseline: the payments of the last 13 weeks, a 13th of them each week."""
    since = as_of - datetime.timedelta(weeks=HISTORY_WEEKS)
    total: dict[str, Decimal] = defaultdict(Decimal)
    for credit in index.credits:
        if credit.kind == PAYMENT and since < credit.date <= as_of:
            total[credit.currency] += credit.amount
    return {cur: [amount / HISTORY_WEEKS] * weeks for cur, amount in total.items()}


def forecast_weekly(index: Index, as_of: datetime.date, weeks: int) -> Weekly:
    """The forecast's weekly expected amounts."""
    made = forecast_lib.forecast(index, as_of, weeks)
    result: Weekly = {}
    for k, week in enumerate(made.weeks):
        for cur, amount in week.expected.items():
            result.setdefault(cur, [ZERO] * weeks)[k] += amount
    return result


def backtest(
    index: Index,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    horizons: Sequence[int] = HORIZONS,
) -> Backtest:
    """Replay the forecast and the baselines as of each month-end.

    Args:
        index: The open-item index.
        start: The first month-end to replay from (default: 13 weeks after
            the ledger starts).
        end: The last (default: the longest horizon before the ledger ends).
        horizons: The horizons scored, in weeks.

    Returns:
        The month-ends replayed and the WAPE of each method, horizon and
        currency.
    """
    longest = max(horizons)
    days = month_ends(index, start, end, longest)
    errors: dict[tuple[str, int, str], list[Decimal]] = defaultdict(
        lambda: [ZERO, ZERO, ZERO]
    )
    for day in days:
        truth = actual(index, day, longest)
        guesses = {
            METHODS[0]: forecast_weekly(index, day, longest),
            METHODS[1]: due_date(index, day, longest),
            METHODS[2]: recent_average(index, day, longest),
        }
        currencies = set(truth).union(*guesses.values())
        for method, guess in guesses.items():
            for cur in currencies:
                real = truth.get(cur, [ZERO] * longest)
                said = guess.get(cur, [ZERO] * longest)
                for horizon in horizons:
                    sums = errors[(method, horizon, cur)]
                    for k in range(horizon):
                        sums[0] += abs(said[k] - real[k])
                        sums[1] += said[k]
                        sums[2] += real[k]
    scores = []
    currencies = sorted({cur for _, _, cur in errors})
    for cur in currencies:
        for method in METHODS:
            for horizon in horizons:
                error, said, real = errors[(method, horizon, cur)]
                wape = error / real if real else None
                scores.append(Score(method, horizon, cur, wape, error, said, real))
    return Backtest(days[0] if days else None, days[-1] if days else None, days, scores)
