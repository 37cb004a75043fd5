"""Render today's worklist as JSON, CSV and text that fits the terminal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount_ar import records, status
from beancount_ar.money import Amounts, to_places
from beancount_ar.render import iso, to_csv
from beancount_ar.tables import DEFAULT_WIDTH, wrap
from beancount_ar.worklist import (
    BROKEN_PROMISE,
    ESCALATION,
    FOLLOW_UP,
    PLAN_MISSED,
    Late,
    WorkItem,
    Worklist,
)

#: How a reason reads in the worklist's text.
REASON_WORDS = {
    BROKEN_PROMISE: "broken promise",
    PLAN_MISSED: "plan behind",
    FOLLOW_UP: "follow-up",
    ESCALATION: "escalation",
}
#: Invoices listed under a call before "and N more".
SHOWN = 10


def note_json(note: records.Note | None) -> dict[str, Any] | None:
    if note is None:
        return None
    return {
        "date": iso(note.date),
        "text": note.text,
        "contact": note.contact,
        "channel": note.channel,
    }


def contact_json(contact: records.Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
    }


def promise_json(state: status.PromiseStatus, fmt: Amounts) -> dict[str, Any]:
    promise = state.promise
    cur = promise.amount.currency
    return {
        "date": iso(promise.date),
        "amount": fmt.money({cur: promise.amount.number}),
        "by": iso(promise.by),
        "invoice": promise.invoice,
        "paid": fmt.plain(state.paid, cur),
        "status": state.status,
    }


def plan_json(plan: status.PlanStatus | None, fmt: Amounts) -> dict[str, Any] | None:
    if plan is None:
        return None
    record = plan.plan
    cur = record.amount.currency
    return {
        "date": iso(record.date),
        "amount": fmt.money({cur: record.amount.number}),
        "instalments": record.count,
        "frequency": record.frequency,
        "first": iso(record.first),
        "due": fmt.plain(plan.due, cur),
        "paid": fmt.plain(plan.paid, cur),
        "status": plan.status,
        "missed_since": iso(plan.missed_since),
        "next": plan.next
        and {"date": iso(plan.next[0]), "amount": fmt.plain(plan.next[1], cur)},
    }


def late_json(late: Late, fmt: Amounts) -> dict[str, Any]:
    item = late.item
    result = {
        "invoice": item.invoice.id,
        "due": iso(item.due),
        "days_overdue": item.days_overdue,
        "open": fmt.money({item.currency: item.open}),
        "level": late.level,
        "new_level": late.new,
    }
    if item.memo:
        result["debit_memo"] = item.memo
    return result


def worklist_json(report: Worklist, fmt: Amounts) -> dict[str, Any]:
    return {
        "as_of": iso(report.as_of),
        "items": [
            {
                "account": w.account,
                "customer": w.customer,
                "reason": w.reason,
                "detail": "; ".join(r.detail for r in w.reasons),
                "reasons": [{"reason": r.kind, "detail": r.detail} for r in w.reasons],
                "level": w.level,
                "caller": "owner" if w.owner_calls else "bookkeeper",
                "invoices": [late_json(late, fmt) for late in w.invoices],
                "unearned_discount": [i.id for i in w.unearned],
                "open": fmt.money(w.open),
                "overdue": fmt.money(w.overdue),
                "contact": contact_json(w.contact),
                "email": w.email,
                "last_note": note_json(w.last_note),
                "hold": {"on": w.hold.on, "reasons": list(w.hold.reasons)},
                "promises": [promise_json(p, fmt) for p in w.promises],
                "plan": plan_json(w.plan, fmt),
                "priority": str(to_places(w.priority, 0)),
            }
            for w in report.items
        ],
        "disputes": [
            {
                "account": d.account,
                "customer": d.customer,
                "invoice": d.invoice.id,
                "open": fmt.money({d.invoice.currency: d.open}),
                "since": iso(d.dispute.date),
                "reason": d.dispute.reason,
            }
            for d in report.disputes
        ],
        "tasks": [
            {
                "task": "book-discount",
                "account": t.account,
                "customer": t.customer,
                "invoice": t.invoice.id,
                "amount": fmt.money({t.invoice.currency: t.amount}),
                "date": iso(t.date),
                "transaction": t.transaction,
            }
            for t in report.tasks
        ],
    }


def money_text(money: Mapping[str, Decimal], fmt: Amounts) -> str:
    """ "1,200.00 USD, 300.00 EUR", or "0.00" when nothing."""
    return ", ".join(fmt.text(n, c) for c, n in sorted(money.items()) if n) or "0.00"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _call_lines(n: int, w: WorkItem, fmt: Amounts, limit: int) -> list[str]:
    hold = "  [ON HOLD]" if w.hold.on else ""
    level = f" ({w.level})" if w.level else ""
    why = ", ".join(REASON_WORDS.get(k, k) for k in w.kinds)
    lines = wrap(f"{n}. {w.customer} - {why}{level}{hold}", "", limit, keep=[hold])
    for reason in w.reasons:
        words = REASON_WORDS.get(reason.kind, reason.kind)
        lines += wrap(f"{words}: {reason.detail}", "   ", limit)
    who = "The owner calls" if w.owner_calls else "Call"
    if w.contact is not None:
        reach = "  ".join(p for p in (w.contact.phone, w.email) if p)
        role = f" ({w.contact.role})" if w.contact.role else ""
        lines += wrap(
            f"{who}: ask for {w.contact.name}{role}  {reach}",
            "   ",
            limit,
            keep=[w.contact.phone],
        )
    else:
        lines += wrap(
            f"{who}: no contact on file; email {w.email or 'none on file either'}",
            "   ",
            limit,
        )
    if w.overdue:
        lines += wrap(
            f"Overdue {money_text(w.overdue, fmt)} of {money_text(w.open, fmt)} open",
            "   ",
            limit,
        )
    shown = w.invoices[:SHOWN]
    label = max((len(late.item.label) for late in shown), default=0)
    for late in shown:
        item = late.item
        mark = " (new)" if late.new else f" ({late.waiting})" if late.waiting else ""
        lines.append(
            f"     {item.label:<{label}}  {item.days_overdue:>5} days "
            f"{fmt.text(item.open, item.currency):>16}  {late.level or '-'}{mark}"
        )
    if len(w.invoices) > SHOWN:
        lines.append(
            f"     and {len(w.invoices) - SHOWN} more "
            f"(bean-ar overdue --customer {w.account!r})"
        )
    for state in w.promises:
        promise = state.promise
        cur = promise.amount.currency
        on = f" on {promise.invoice}" if promise.invoice else ""
        lines += wrap(
            f"Promised {fmt.text(promise.amount.number, cur)}{on} by {promise.by} "
            f"(pending; paid {fmt.human(state.paid, cur)} so far)",
            "   ",
            limit,
        )
    if w.plan is not None:
        lines += wrap(_plan_text(w.plan, fmt), "   ", limit)
    if w.unearned:
        ids = ", ".join(i.id for i in w.unearned)
        lines += wrap(f"Unearned discount taken on {ids}", "   ", limit)
    if w.last_note is not None:
        lines += wrap(
            f'Last note {w.last_note.date}: "{w.last_note.text}"', "   ", limit
        )
    if w.hold.on:
        lines += wrap("Hold: " + "; ".join(w.hold.reasons), "   ", limit)
    return lines


def _plan_text(plan: status.PlanStatus, fmt: Amounts) -> str:
    record = plan.plan
    cur = record.amount.currency
    text = (
        f"Plan of {record.date}: {fmt.text(record.amount.number, cur)} in "
        f"{record.count} {record.frequency} instalments, {plan.status}: "
        f"{fmt.human(plan.paid, cur)} paid of {fmt.human(plan.due, cur)} due by now"
    )
    if plan.next is not None:
        text += f"; next {fmt.text(plan.next[1], cur)} on {plan.next[0]}"
    return text


def worklist_table(report: Worklist, fmt: Amounts, limit: int = DEFAULT_WIDTH) -> str:
    count = plural(len(report.items), "call") if report.items else "no calls to make"
    lines = [f"Worklist for {report.as_of}: {count}"]
    for n, w in enumerate(report.items, 1):
        lines.append("")
        lines += _call_lines(n, w, fmt, limit)
    if report.tasks:
        lines += ["", "Book the earned discounts (bookkeeping, not calls):"]
        for t in report.tasks:
            cur = t.invoice.currency
            lines += wrap(
                f"{t.customer}: book the earned discount: "
                f"{fmt.text(t.amount, cur)} on {t.invoice.id}, paid {t.date}",
                "  ",
                limit,
            )
            lines += ["    " + line for line in t.transaction.rstrip("\n").split("\n")]
    if report.disputes:
        lines += ["", "Disputed (not in the calls):"]
        for d in report.disputes:
            lines += wrap(
                f"{d.customer} {d.invoice.id} "
                f"{fmt.text(d.open, d.invoice.currency)} "
                f"since {d.dispute.date}: {d.dispute.reason}",
                "  ",
                limit,
            )
    return "\n".join(lines) + "\n"


def worklist_csv(report: Worklist, fmt: Amounts) -> str:
    """One row per call and currency; amounts are numbers, the currency has
    its own column."""
    header = ["account", "customer", "reasons", "level", "detail", "invoices",
              "contact", "role", "phone", "email", "currency", "open", "overdue",
              "hold", "last_note_date", "priority"]  # fmt: skip
    rows = []
    for w in report.items:
        common = [
            w.account,
            w.customer,
            " ".join(w.kinds),
            w.level or "",
            "; ".join(r.detail for r in w.reasons),
            " ".join(late.item.label for late in w.invoices),
            w.contact.name if w.contact else "",
            w.contact.role if w.contact else "",
            w.contact.phone if w.contact else "",
            w.email or "",
        ]
        tail = [
            "; ".join(w.hold.reasons),
            iso(w.last_note.date) if w.last_note else "",
            str(to_places(w.priority, 0)),
        ]
        currencies = sorted(w.open) or [""]
        for cur in currencies:
            amounts = (
                [
                    cur,
                    fmt.plain(w.open.get(cur, Decimal(0)), cur),
                    fmt.plain(w.overdue.get(cur, Decimal(0)), cur),
                ]
                if cur
                else ["", "", ""]
            )
            rows.append([*common, *amounts, *tail])
    return to_csv(header, rows)
