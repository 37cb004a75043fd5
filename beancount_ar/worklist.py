"""Today's worklist: who to call, whom to ask for, and what about.

For an as-of date D, a customer is on the list for each of these reasons:

- `escalation`: an undisputed invoice reached an escalation level (days past
  due) on a day with no note on the account since: each level once per
  invoice, a note on or after the day the level was reached settles it;
- `follow-up`: a follow-up due on or before D with no note on or after it;
- `broken-promise`: a promise whose date passed unpaid, with no note since;
- `plan-missed`: a work-out plan behind its instalments, with no note since
  the first instalment missed.

Items are ordered by a priority that weighs amount and lateness: the
customer's overdue total times (1 + the days the oldest of it is late / 30).
Disputed invoices are listed apart, not among the calls.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import records, status
from beancount_ar.aging import DUE, open_items
from beancount_ar.openitems import ZERO, Index, Invoice

ESCALATION = "escalation"
FOLLOW_UP = "follow-up"
BROKEN_PROMISE = "broken-promise"
PLAN_MISSED = "plan-missed"
REASONS = (ESCALATION, FOLLOW_UP, BROKEN_PROMISE, PLAN_MISSED)

Money = dict[str, Decimal]


class WorkItem(NamedTuple):
    """One call to make."""

    account: str
    customer: str
    reason: str
    detail: str  # what to say, in a line
    level: str | None  # the escalation level the customer is at
    invoices: tuple[Invoice, ...]  # the invoices the call is about
    unearned: tuple[Invoice, ...]  # of those, discounts taken unearned
    open: Money  # the customer's whole open balance
    overdue: Money  # of which past due
    contact: records.Contact | None  # whom to ask for
    owner_calls: bool  # the level calls for the seller's owner to call
    email: str | None  # the contact's, else the customer's
    last_note: records.Note | None
    hold: status.HoldStatus
    priority: Decimal


class Dispute(NamedTuple):
    account: str
    customer: str
    invoice: Invoice
    open: Decimal
    dispute: records.Dispute


class Worklist(NamedTuple):
    as_of: datetime.date
    items: list[WorkItem]
    disputes: list[Dispute]


def _add(money: Money, currency: str, number: Decimal) -> None:
    money[currency] = money.get(currency, ZERO) + number


def _noted_since(
    notes: list[records.Note], day: datetime.date, as_of: datetime.date
) -> bool:
    return any(day <= note.date <= as_of for note in notes)


class _Context(NamedTuple):
    """What every item about one customer shares."""

    account: str
    notes: list[records.Note]
    open: Money
    overdue: Money
    unearned: tuple[Invoice, ...]
    priority: Decimal


def _item(
    index: Index,
    as_of: datetime.date,
    ctx: _Context,
    reason: str,
    detail: str,
    invoices: tuple[Invoice, ...],
    level: str | None,
) -> WorkItem:
    customer = index.customers[ctx.account]
    contact = status.contact_for(index, ctx.account, level, as_of)
    email = contact.email if contact and contact.email else customer.email
    return WorkItem(
        account=ctx.account,
        customer=customer.name,
        reason=reason,
        detail=detail,
        level=level,
        invoices=invoices,
        unearned=tuple(i for i in invoices if i in ctx.unearned),
        open=ctx.open,
        overdue=ctx.overdue,
        contact=contact,
        owner_calls=level in status.OWNER_CALLS,
        email=email,
        last_note=ctx.notes[-1] if ctx.notes else None,
        hold=status.hold_for(index, ctx.account, as_of),
        priority=ctx.priority,
    )


def worklist(index: Index, as_of: datetime.date) -> Worklist:
    """Today's calls and the disputes kept apart from them.

    Args:
        index: The open-item index.
        as_of: The day of the calls.

    Returns:
        The worklist, most pressing first.
    """
    config = index.config
    levels = dict(config.escalation)
    by_account: dict[str, list] = {}
    disputes: list[Dispute] = []
    for item in open_items(index, as_of, DUE):
        dispute = status.dispute_for(index, item.invoice, as_of)
        if dispute is not None:
            customer = index.customers[item.invoice.account].name
            disputes.append(
                Dispute(
                    item.invoice.account, customer, item.invoice, item.open, dispute
                )
            )
            continue
        by_account.setdefault(item.invoice.account, []).append(item)

    accounts = set(by_account)
    for kind in ("ar-followup", "ar-promise", "ar-plan"):
        accounts.update(
            r.account for r in index.records.get(kind, ()) if r.date <= as_of
        )

    result = []
    for account in sorted(accounts):
        items = by_account.get(account, [])
        notes = [n for n in index.notes_for(account) if n.date <= as_of]
        open_money: Money = {}
        overdue: Money = {}
        for item in items:
            _add(open_money, item.currency, item.open)
            if item.days_overdue > 0:
                _add(overdue, item.currency, item.open)
        late = [i for i in items if i.days_overdue > 0]
        worst = max((i.days_overdue for i in late), default=0)
        level = status.level_for(worst, config)
        priority = sum(overdue.values(), ZERO) * (1 + Decimal(worst) / 30)
        unearned = tuple(
            i.invoice
            for i in late
            if status.unearned_discount(i.invoice, as_of) is not None
        )

        ctx = _Context(account, notes, open_money, overdue, unearned, priority)

        def work(
            reason: str,
            detail: str,
            invoices: tuple[Invoice, ...],
            at_level: str | None,
            ctx: _Context = ctx,
        ) -> WorkItem:
            return _item(index, as_of, ctx, reason, detail, invoices, at_level)

        # Invoices that reached a level no note has answered yet.
        called = [
            i
            for i in late
            if (lvl := status.level_for(i.days_overdue, config)) is not None
            and not _noted_since(
                notes, i.invoice.due + datetime.timedelta(days=levels[lvl]), as_of
            )
        ]
        if called:
            top = max(called, key=lambda i: i.days_overdue)
            at = status.level_for(top.days_overdue, config)
            ids = ", ".join(i.invoice.id for i in called)
            result.append(
                work(
                    ESCALATION,
                    f"{at}: {ids} past due",
                    tuple(i.invoice for i in called),
                    at,
                )
            )

        for followup in status.open_followups(index, account, as_of):
            if followup.due <= as_of:
                result.append(
                    work(FOLLOW_UP, f"follow-up due {followup.due}: {followup.what}",
                         tuple(i.invoice for i in late), level)
                )  # fmt: skip

        for promise in index.records_for("ar-promise", account):
            if promise.date > as_of:
                break
            state = status.promise_status(index, promise, as_of)
            if state.status == status.BROKEN and not _noted_since(
                notes, promise.by + datetime.timedelta(days=1), as_of
            ):
                amount = promise.amount
                result.append(
                    work(BROKEN_PROMISE,
                         f"promised {amount.number:,} {amount.currency} "
                         f"by {promise.by}, {state.paid:,} paid",
                         tuple(i.invoice for i in late), level)
                )  # fmt: skip

        plan = status.plan_for(index, account, as_of)
        if (
            plan is not None
            and plan.status == "behind"
            and not _noted_since(notes, plan.missed_since, as_of)
        ):
            cur = plan.plan.amount.currency
            result.append(
                work(PLAN_MISSED,
                     f"plan behind: {plan.due:,} {cur} due by now, {plan.paid:,} paid",
                     tuple(i.invoice for i in late), level)
            )  # fmt: skip

    result.sort(key=lambda w: (-w.priority, w.customer, REASONS.index(w.reason)))
    disputes.sort(key=lambda d: (d.customer, d.invoice.date))
    return Worklist(as_of, result, disputes)
