"""Render one customer's file, as Fava's customer page has it, for the terminal
(text that fits its width) and as JSON: what to have in front of you before
you call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount_ar import status
from beancount_ar.customer import View
from beancount_ar.money import Amounts, to_places
from beancount_ar.render import credit_json, iso, item_json
from beancount_ar.render_worklist import (
    contact_json,
    money_text,
    plan_json,
    promise_json,
)
from beancount_ar.tables import DEFAULT_WIDTH, fit_table, wrap

#: Notes shown under "Last notes" in the text.
NOTES_SHOWN = 5


def customer_json(view: View, fmt: Amounts) -> dict[str, Any]:
    customer = view.customer
    statuses = {(o.item.invoice.id, o.item.memo): o for o in view.overdue}
    items = []
    for item in view.items:
        o = statuses.get((item.invoice.id, item.memo))
        items.append(
            {
                **item_json(item, fmt),
                "level": o.level if o else None,
                "disputed": bool(o and o.dispute),
                "dispute": o.dispute.reason if o and o.dispute else None,
                "promise": promise_json(o.promise, fmt) if o and o.promise else None,
                "unearned_discount": bool(o and o.unearned_discount is not None),
            }
        )
    limit = customer.credit_limit
    return {
        "as_of": iso(view.as_of),
        "account": view.account,
        "name": customer.name,
        "address": customer.address,
        "email": customer.email,
        "terms": None if customer.terms is None else str(customer.terms),
        "credit_limit": limit and fmt.money({limit.currency: limit.number}),
        "balance": fmt.money(view.row.total) if view.row else {},
        "level": view.level,
        "hold": {"on": view.hold.on, "reasons": list(view.hold.reasons)},
        "items": items,
        "credits": [credit_json(c, fmt) for c in view.credits],
        "contacts": [contact_json(c) for c in view.contacts],
        "ask_for": contact_json(view.ask_for),
        "promises": [promise_json(p, fmt) for p in view.promises],
        "plan": plan_json(view.plan, fmt),
        "schedule": [
            {
                "date": iso(i.date),
                "amount": fmt.money({view.plan.plan.amount.currency: i.amount}),
                "state": i.state,
            }
            for i in view.schedule
        ]
        if view.plan
        else [],
        "followups": [{"due": iso(f.due), "what": f.what} for f in view.followups],
        "notes": [_event_json(e) for e in view.timeline if e.kind == "note"],
        "days_to_pay": {
            m.currency: {
                "average_days_to_pay": _one(m.days_to_pay),
                "paid_late_pct": _one(m.paid_late_pct),
            }
            for m in view.behaviour
        },
    }


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "date": iso(event.date),
        "text": event.text,
        "contact": event.who,
        "channel": event.channel,
    }


def _one(value: Decimal | None) -> str | None:
    return None if value is None else str(to_places(value, 1))


def customer_text(view: View, fmt: Amounts, limit: int = DEFAULT_WIDTH) -> str:
    customer = view.customer
    lines = [f"{customer.name} ({view.account}) as of {view.as_of}"]
    facts = [customer.address, customer.email]
    if customer.terms is not None:
        facts.append(f"terms {customer.terms}")
    if customer.credit_limit is not None:
        limit_ = customer.credit_limit
        facts.append(f"credit limit {fmt.text(limit_.number, limit_.currency)}")
    lines += wrap(
        " · ".join(str(f) for f in facts if f),
        "",
        limit,
        keep=[str(f) for f in facts if f],
    )

    balance = view.row.total if view.row else {}
    overdue: dict[str, Decimal] = {}
    for o in view.overdue:
        if o.dispute is None:
            cur = o.item.currency
            overdue[cur] = overdue.get(cur, Decimal(0)) + o.item.open
    lines.append("")
    lines += wrap(
        f"Balance {money_text(balance, fmt)}; overdue {money_text(overdue, fmt)}"
        + (f"; level {view.level}" if view.level else ""),
        "",
        limit,
    )
    if view.hold.on:
        lines += wrap("ON CREDIT HOLD: " + "; ".join(view.hold.reasons), "", limit)
    for m in view.behaviour:
        if m.days_to_pay is not None:
            lines += wrap(
                f"Pays {m.currency} invoices in {m.days_to_pay:.0f} days on average; "
                f"{m.paid_late_pct:.0f} % paid late (the last 365 days)",
                "",
                limit,
            )

    lines += ["", "Open items"]
    if view.items or view.credits:
        lines.append(_items_table(view, fmt, limit))
    else:
        lines.append("  none")

    lines += ["", "Contacts"]
    if view.contacts:
        rows = [[c.name, c.role, c.phone, c.email] for c in view.contacts]
        lines.append(
            _indent(fit_table(["Name", "Role", "Phone", "Email"], rows,
                              [(1, 10), (0, 10), (3, 12)], ["left"] * 4, limit - 2))
        )  # fmt: skip
    else:
        lines.append("  none on file")
    if view.ask_for is not None:
        caller = " (the owner calls)" if view.level in status.OWNER_CALLS else ""
        role = f", {view.ask_for.role}" if view.ask_for.role else ""
        lines += wrap(f"Ask for {view.ask_for.name}{role}{caller}", "  ", limit)

    lines += ["", "Promises"]
    lines += [
        line for p in view.promises for line in wrap(_promise_text(p, fmt), "  ", limit)
    ] or ["  none"]

    if view.plan is not None:
        record = view.plan.plan
        cur = record.amount.currency
        lines += ["", f"Plan of {record.date}: {view.plan.status}"]
        lines += wrap(
            f"{fmt.text(record.amount.number, cur)} in {record.count} "
            f"{record.frequency} instalments from {record.first}; "
            f"{fmt.human(view.plan.paid, cur)} paid of "
            f"{fmt.human(view.plan.due, cur)} due by now",
            "  ",
            limit,
        )
        for i in view.schedule:
            lines.append(f"  {i.date}  {fmt.text(i.amount, cur):>16}  {i.state}")

    lines += ["", "Follow-ups"]
    lines += [
        line
        for f in view.followups
        for line in wrap(f"due {f.due}: {f.what}", "  ", limit)
    ] or ["  none open"]

    notes = [e for e in view.timeline if e.kind == "note"][:NOTES_SHOWN]
    lines += ["", "Last notes"]
    for note in notes:
        how = ", ".join(x for x in (note.channel, note.who) if x)
        lines += wrap(
            f'{note.date}{f" ({how})" if how else ""}: "{note.text}"', "  ", limit
        )
    if not notes:
        lines.append("  none")
    return "\n".join(lines) + "\n"


def _promise_text(p: status.PromiseStatus, fmt: Amounts) -> str:
    promise = p.promise
    cur = promise.amount.currency
    on = f" for {promise.invoice}" if promise.invoice else ""
    return (
        f"{promise.date}: {fmt.text(promise.amount.number, cur)}{on} by "
        f"{promise.by}, {p.status} ({fmt.human(p.paid, cur)} paid)"
    )


def _items_table(view: View, fmt: Amounts, limit: int) -> str:
    statuses = {(o.item.invoice.id, o.item.memo): o for o in view.overdue}
    rows = []
    for item in view.items:
        o = statuses.get((item.invoice.id, item.memo))
        state = []
        if not item.collectible:
            state.append("earned discount: book it")
        if o is not None and o.dispute is not None:
            state.append(f"disputed: {o.dispute.reason}")
        if o is not None and o.promise is not None:
            state.append(f"promise {o.promise.status}")
        if o is not None and o.unearned_discount is not None:
            state.append("unearned discount")
        days = item.days_overdue
        rows.append(
            [
                item.label,
                str(item.due),
                str(days) if days > 0 else f"due in {-days}" if days < 0 else "due",
                fmt.text(item.open, item.currency),
                (o.level if o and o.level else "-"),
                "; ".join(state),
            ]
        )
    for c in view.credits:
        rows.append(
            [
                f"({c.credit.kind})",
                str(c.credit.date),
                "",
                fmt.text(-c.remaining, c.currency),
                "",
                "unapplied credit",
            ]
        )
    headers = ["Invoice", "Due", "Days", "Open", "Level", "Status"]
    align = ["left", "left", "right", "right", "left", "left"]
    if not any(row[5] for row in rows):  # no status to show
        headers, align, rows = headers[:5], align[:5], [row[:5] for row in rows]
    return _indent(fit_table(headers, rows, [(5, 12), (5, 6)], align, limit - 2))


def _indent(table: str) -> str:
    return "\n".join("  " + line for line in table.split("\n"))
