"""One customer on a date: what they owe, whom to call, and what happened.

The data behind a customer page: open items with their collections status,
contacts, the timeline of notes, follow-ups, promises, disputes, plans and
holds, and how the customer pays. A pure function of the index and a date.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import aging, metrics, records, status
from beancount_ar.openitems import Customer, Index

# How far back "how this customer pays" looks.
BEHAVIOUR_DAYS = 365


class Event(NamedTuple):
    """One line of the timeline."""

    date: datetime.date
    kind: str  # note, follow-up, promise, dispute, resolved, plan, hold
    text: str
    who: str | None  # the contact, for notes
    channel: str | None
    state: str | None  # promise: pending/kept/broken; follow-up: open/done; ...
    line: int  # where it is written, to keep one day's events in file order


class View(NamedTuple):
    account: str
    customer: Customer
    as_of: datetime.date
    row: aging.AgingRow | None  # the customer's aging, None if nothing open
    overdue: list[aging.OverdueItem]
    items: list[aging.OpenItem]  # every open invoice, oldest first
    contacts: list[records.Contact]
    timeline: list[Event]  # newest first
    followups: list[records.Followup]  # not done yet, soonest first
    hold: status.HoldStatus
    plan: status.PlanStatus | None
    behaviour: list[metrics.Metrics]  # per currency, over BEHAVIOUR_DAYS
    promises: list[status.PromiseStatus]  # every promise so far, newest first
    schedule: list[status.Instalment]  # the latest plan's instalments
    credits: list[aging.UnappliedCredit]  # credits not yet applied
    ask_for: records.Contact | None  # whom to ask for at the customer's level
    level: str | None  # the highest level among its overdue invoices


def _line(record: records.Note | records.Record) -> int:
    lineno = record.meta.get("lineno") if record.meta else None
    return lineno if isinstance(lineno, int) else 0


def _done(done: bool) -> str:
    return "done" if done else "open"


def _timeline(index: Index, account: str, as_of: datetime.date) -> list[Event]:
    events = []
    notes = [n for n in index.notes_for(account) if n.date <= as_of]
    for note in notes:
        events.append(
            Event(
                note.date,
                "note",
                note.text,
                note.contact,
                note.channel,
                None,
                _line(note),
            )
        )
    for f in index.records_for("ar-followup", account):
        if f.date <= as_of:
            done = any(n.date >= f.due for n in notes)
            text = f"{f.what} (due {f.due})"
            events.append(
                Event(f.date, "follow-up", text, None, None, _done(done), _line(f))
            )
    for p in index.records_for("ar-promise", account):
        if p.date <= as_of:
            kept = status.promise_status(index, p, as_of)
            promised = index.amounts.text(p.amount.number, p.amount.currency)
            text = f"{promised} by {p.by}"
            if p.invoice:
                text += f" for {p.invoice}"
            events.append(
                Event(p.date, "promise", text, None, None, kept.status, _line(p))
            )
    for d in index.records_for("ar-dispute", account):
        if d.date <= as_of:
            text = f"{d.invoice}: {d.reason}"
            events.append(Event(d.date, "dispute", text, None, None, None, _line(d)))
    for r in index.records_for("ar-resolved", account):
        if r.date <= as_of:
            events.append(
                Event(r.date, "resolved", r.invoice, None, None, None, _line(r))
            )
    for plan in index.records_for("ar-plan", account):
        if plan.date <= as_of:
            whole = index.amounts.text(plan.amount.number, plan.amount.currency)
            text = (
                f"{whole} in {plan.count} {plan.frequency} instalments "
                f"from {plan.first}"
            )
            events.append(Event(plan.date, "plan", text, None, None, None, _line(plan)))
    for hold in index.records_for("ar-hold", account):
        if hold.date <= as_of:
            state = "on" if hold.on else "off"
            events.append(
                Event(hold.date, "hold", hold.reason, None, None, state, _line(hold))
            )
    # Newest first; on one day, the last written first.
    events.sort(key=lambda e: (e.date, e.line), reverse=True)
    return events


def view(index: Index, account: str, as_of: datetime.date) -> View | None:
    """Everything about one customer on `as_of`, or None if not a customer."""
    customer = index.customers.get(account)
    if customer is None:
        return None
    accounts = {account}
    report = aging.aging(index, as_of, accounts=accounts)
    start = as_of - datetime.timedelta(days=BEHAVIOUR_DAYS)
    behaviour = [
        m
        for m in metrics.metrics(index, start, as_of, accounts).customers
        if m.paid > Decimal(0)
    ]
    overdue = aging.overdue(index, as_of, accounts=accounts)
    worst = max((o.item.days_overdue for o in overdue if o.dispute is None), default=0)
    level = status.level_for(worst, index.config)
    plan = status.plan_for(index, account, as_of)
    promises = [
        status.promise_status(index, p, as_of)
        for p in index.records_for("ar-promise", account)
        if p.date <= as_of
    ]
    return View(
        account,
        customer,
        as_of,
        report.rows[0] if report.rows else None,
        overdue,
        report.items,
        status.contacts(index, account, as_of),
        _timeline(index, account, as_of),
        status.open_followups(index, account, as_of),
        status.hold_for(index, account, as_of),
        plan,
        behaviour,
        promises[::-1],
        status.schedule(index, plan, as_of) if plan else [],
        report.credits,
        status.contact_for(index, account, level, as_of),
        level,
    )
