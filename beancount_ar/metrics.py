"""Collection metrics over a period: DSO, best possible DSO, ADD, CEI, days to pay.

The period runs from the day after `start` to `end` inclusive, so it is
`(end - start).days` long (90 by default). Per customer and in total, per
currency (ratios are never taken across currencies):

- DSO = ending AR / credit sales in the period x days;
- best possible DSO = ending current AR (not yet due) / credit sales x days;
- ADD (average days delinquent) = DSO - best possible DSO;
- CEI = (beginning AR + credit sales - ending AR)
        / (beginning AR + credit sales - ending current AR) x 100;
- average days to pay: the days from invoice date to payment of every payment
  applied in the period, weighted by the amount applied;
- share paid late: the part of those amounts applied after the due date.

Credit sales are the invoices (with their debit memos) dated in the period;
AR is the customer's balance (open invoices less unapplied credits). A ratio
whose denominator is zero is None.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from beancount_ar.openitems import ZERO, Index

Money = dict[str, Decimal]


class Metrics(NamedTuple):
    """The metrics of one customer (or the total) in one currency."""

    account: str  # "" for the total
    name: str
    currency: str
    beginning_ar: Decimal
    credit_sales: Decimal
    ending_ar: Decimal
    ending_current: Decimal
    dso: Decimal | None
    best_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    days_to_pay: Decimal | None
    paid_late_pct: Decimal | None
    paid: Decimal  # payments applied in the period, the weight of the two above


class Report(NamedTuple):
    start: datetime.date
    end: datetime.date
    days: int
    customers: list[Metrics]
    totals: list[Metrics]


class _Sums:
    __slots__ = ("begin", "current", "end", "late", "paid", "sales", "weighted_days")

    def __init__(self) -> None:
        self.begin = self.end = self.current = self.sales = ZERO
        self.paid = self.late = self.weighted_days = ZERO


def _ratio(top: Decimal, bottom: Decimal, scale: Decimal) -> Decimal | None:
    return None if not bottom else top / bottom * scale


def _finish(account: str, name: str, currency: str, s: _Sums, days: int) -> Metrics:
    dso = _ratio(s.end, s.sales, Decimal(days))
    best = _ratio(s.current, s.sales, Decimal(days))
    collected = s.begin + s.sales - s.end
    collectible = s.begin + s.sales - s.current
    return Metrics(
        account=account,
        name=name,
        currency=currency,
        beginning_ar=s.begin,
        credit_sales=s.sales,
        ending_ar=s.end,
        ending_current=s.current,
        dso=dso,
        best_dso=best,
        add=None if dso is None or best is None else dso - best,
        cei=_ratio(collected, collectible, Decimal(100)),
        days_to_pay=_ratio(s.weighted_days, s.paid, Decimal(1)),
        paid_late_pct=_ratio(s.late, s.paid, Decimal(100)),
        paid=s.paid,
    )


def metrics(
    index: Index,
    start: datetime.date,
    end: datetime.date,
    accounts: set[str] | None = None,
) -> Report:
    """DSO, best possible DSO, ADD, CEI and payment behaviour.

    Args:
        index: The open-item index.
        start: The day before the period (the beginning AR is as of it).
        end: The last day of the period (the ending AR is as of it).
        accounts: Restrict to these customer accounts.

    Returns:
        Per customer and currency, and totals per currency.
    """
    sums: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    for invoice in index.invoices_of(accounts):
        if invoice.date > end or invoice.settled_by(start):
            continue  # nothing yet, or settled before the period: adds nothing
        s = sums[(invoice.account, invoice.currency)]
        s.begin += invoice.open_at(start)
        left = invoice.open_at(end)
        s.end += left
        if not invoice.memos:
            if invoice.due >= end:
                s.current += left
        else:  # each debit memo is due on its own date
            s.current += sum(
                (p.open for p in invoice.parts_at(end) if p.due >= end), ZERO
            )
        s.sales += invoice.amount_at(end) - invoice.amount_at(start)
        for app in invoice.applications:
            if start < app.date <= end and app.credit.kind == "payment":
                s.paid += app.amount
                s.weighted_days += app.amount * (app.date - invoice.date).days
                if app.date > invoice.due:
                    s.late += app.amount
    for credit in index.credits_of(accounts):
        if credit.date > end or credit.settled_by(start):
            continue
        s = sums[(credit.account, credit.currency)]
        s.begin -= credit.remaining_at(start)
        s.end -= credit.remaining_at(end)

    days = (end - start).days
    customers = []
    totals: dict[str, _Sums] = defaultdict(_Sums)
    for (account, currency), s in sorted(sums.items()):
        if not (s.begin or s.end or s.sales or s.paid):
            continue  # nothing owed, sold or paid in the period
        customer = index.customers.get(account)
        customers.append(
            _finish(account, customer.name if customer else account, currency, s, days)
        )
        t = totals[currency]
        for field in _Sums.__slots__:
            setattr(t, field, getattr(t, field) + getattr(s, field))
    customers.sort(key=lambda m: (m.name.casefold(), m.currency))
    return Report(
        start,
        end,
        days,
        customers,
        [_finish("", "Total", cur, t, days) for cur, t in sorted(totals.items())],
    )
