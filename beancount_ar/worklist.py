"""Today's worklist: who to call, whom to ask for, and what about.

For an as-of date D, each customer appears at most once, with every reason
to call merged, most pressing first:

- `broken-promise`: a promise whose date passed unpaid, with no note since;
- `plan-missed`: a work-out plan behind its instalments, with no note since
  the first instalment missed;
- `follow-up`: a follow-up due on or before D with no note on or after it;
- `escalation`: an undisputed invoice reached an escalation level (days past
  due) on a day with no note on the account since: each level once per
  invoice, a note on or after the day the level was reached settles it.

The call is about every overdue invoice of the customer that is neither
disputed nor an early-payment discount the customer earned, each with its own
level; the highest of them decides whom to ask for. An invoice covered by a
pending promise to pay, or by a work-out plan agreed since it was issued,
does not escalate: the promise or plan is the next step, and when it is
broken or falls behind, that is the call. Items are ordered by a
priority that weighs amount and lateness: the customer's overdue total times
(1 + the days the oldest of it is late / 30). Disputed invoices are listed
apart, and earned discounts are bookkeeping tasks, not calls.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import records, status
from beancount_ar.aging import DUE, OpenItem, open_items
from beancount_ar.config import Config
from beancount_ar.openitems import ZERO, Index, Invoice

ESCALATION = "escalation"
FOLLOW_UP = "follow-up"
BROKEN_PROMISE = "broken-promise"
PLAN_MISSED = "plan-missed"
#: The reasons to call, most pressing first.
REASONS = (BROKEN_PROMISE, PLAN_MISSED, FOLLOW_UP, ESCALATION)
#: Invoices named in a reason before "and N more".
NAMED = 3

Money = dict[str, Decimal]

_LINK = re.compile(r"[A-Za-z0-9\-_/.]+")


class Reason(NamedTuple):
    """One reason to call."""

    kind: str  # one of REASONS
    detail: str  # what it is about, in a line


class Late(NamedTuple):
    """An overdue invoice (or debit memo) the call is about."""

    item: OpenItem
    level: str | None  # its own escalation level
    new: bool  # it reached that level and no note answered it yet
    waiting: str | None = None  # why dunning waits: "promise" or "plan"

    @property
    def invoice(self) -> Invoice:
        return self.item.invoice


class WorkItem(NamedTuple):
    """One call to make: one customer, every reason merged."""

    account: str
    customer: str
    reasons: tuple[Reason, ...]  # most pressing first
    level: str | None  # the highest level among the overdue invoices
    invoices: tuple[Late, ...]  # every overdue invoice to collect, oldest first
    unearned: tuple[Invoice, ...]  # of those, discounts taken unearned
    open: Money  # the customer's whole open balance (invoices to collect)
    overdue: Money  # of which past due
    contact: records.Contact | None  # whom to ask for
    owner_calls: bool  # the level calls for the seller's owner to call
    email: str | None  # the contact's, else the customer's
    last_note: records.Note | None
    hold: status.HoldStatus
    promises: tuple[status.PromiseStatus, ...]  # pending, soonest first
    plan: status.PlanStatus | None  # a plan not yet completed
    priority: Decimal

    @property
    def reason(self) -> str:
        """The most pressing reason."""
        return self.reasons[0].kind

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(reason.kind for reason in self.reasons)

    @property
    def escalated(self) -> tuple[Late, ...]:
        """The invoices that reached a level no note has answered yet."""
        return tuple(late for late in self.invoices if late.new)


class Dispute(NamedTuple):
    account: str
    customer: str
    invoice: Invoice
    open: Decimal
    dispute: records.Dispute


class DiscountTask(NamedTuple):
    """An early-payment discount the customer earned: book it, don't dun it."""

    account: str
    customer: str
    invoice: Invoice
    amount: Decimal
    date: datetime.date  # of the payment that earned it
    transaction: str  # the balancing transaction, ready to paste


class Worklist(NamedTuple):
    as_of: datetime.date
    items: list[WorkItem]
    disputes: list[Dispute]
    tasks: list[DiscountTask]


def _add(money: Money, currency: str, number: Decimal) -> None:
    money[currency] = money.get(currency, ZERO) + number


def level_day(item: OpenItem, level: str, config: Config) -> datetime.date:
    """The day an open item reached `level`."""
    return item.due + datetime.timedelta(days=dict(config.escalation)[level])


def _noted_since(
    notes: list[records.Note], day: datetime.date, as_of: datetime.date
) -> bool:
    return any(day <= note.date <= as_of for note in notes)


def discount_transaction(index: Index, invoice: Invoice, amount: Decimal) -> str:
    """The transaction that books an earned discount, dated with the payment.

    Its other leg is the configured `discount_account`, so the credit is
    matched as a `discount` to the invoice it names.
    """
    from beancount_ar import writer  # imports Beancount: only when one is earned

    customer = index.customers[invoice.account]
    paid = max(a.date for a in invoice.applications)
    number = index.amounts.plain(amount, invoice.currency)
    head = (
        f"{paid} * {writer.quote(customer.name)} "
        f"{writer.quote(f'Discount earned ({invoice.terms.discount_pct}%)')}"
    )
    lines = []
    if _LINK.fullmatch(invoice.id):
        head += f" ^{invoice.id}"
    else:
        lines.append(f"  invoice: {writer.quote(invoice.id)}")
    width = max(len(index.config.discount_account), len(invoice.account)) + 2
    lines = [
        head,
        *lines,
        f"  {index.config.discount_account:<{width}} {number:>12} {invoice.currency}",
        f"  {invoice.account:<{width}} {'-' + number:>12} {invoice.currency}",
    ]
    return "\n".join(lines) + "\n"


def worklist(index: Index, as_of: datetime.date) -> Worklist:
    """Today's calls, the disputes kept apart from them, and the discounts to
    book.

    Args:
        index: The open-item index.
        as_of: The day of the calls.

    Returns:
        The worklist, most pressing first.
    """
    by_account: dict[str, list[OpenItem]] = {}
    disputes: list[Dispute] = []
    tasks: list[DiscountTask] = []
    for item in open_items(index, as_of, DUE):
        invoice = item.invoice
        if not item.collectible:
            if item.memo == 0 or not any(t.invoice is invoice for t in tasks):
                tasks.append(_discount_task(index, invoice, as_of))
            continue
        dispute = status.dispute_for(index, invoice, as_of)
        if dispute is not None:
            customer = index.customers[invoice.account].name
            disputes.append(
                Dispute(invoice.account, customer, invoice, item.open, dispute)
            )
            continue
        by_account.setdefault(invoice.account, []).append(item)

    accounts = set(by_account)
    for kind in ("ar-followup", "ar-promise", "ar-plan"):
        accounts.update(
            r.account for r in index.records.get(kind, ()) if r.date <= as_of
        )

    result = []
    for account in accounts:
        item = _call(index, account, by_account.get(account, []), as_of)
        if item is not None:
            result.append(item)
    result.sort(key=lambda w: (-w.priority, w.customer.casefold(), w.account))
    disputes.sort(key=lambda d: (d.customer.casefold(), d.invoice.date))
    tasks.sort(key=lambda t: (t.customer.casefold(), t.invoice.date))
    return Worklist(as_of, result, disputes, tasks)


def _discount_task(
    index: Index, invoice: Invoice, as_of: datetime.date
) -> DiscountTask:
    amount = invoice.open_at(as_of)
    return DiscountTask(
        invoice.account,
        index.customers[invoice.account].name,
        invoice,
        amount,
        max(a.date for a in invoice.applications),
        discount_transaction(index, invoice, amount),
    )


def _call(
    index: Index, account: str, items: list[OpenItem], as_of: datetime.date
) -> WorkItem | None:
    """The one call to make to a customer, or None if there is no reason."""
    config = index.config
    amounts = index.amounts
    # A statement or courtesy note sent on a schedule is not contact; a
    # reminder email answers a level that is a letter, but only a person's
    # note answers the owner's call, a broken promise, a missed instalment.
    notes = [
        n
        for n in index.notes_for(account)
        if n.date <= as_of and not records.scheduled(n)
    ]
    people = status.spoken(index, account, as_of)

    # A currency the customer is in credit in has nothing to collect.
    balance = status.balance(index, account, as_of)
    items = [i for i in items if balance.get(i.currency, ZERO) > 0]
    open_money: Money = {c: n for c, n in balance.items() if n}
    overdue: Money = {}
    late: list[Late] = []
    promises = status.pending_promises(index, account, as_of)
    plan = status.plan_for(index, account, as_of)
    for item in items:
        if item.days_overdue <= 0:
            continue
        _add(overdue, item.currency, item.open)
        level = status.level_for(item.days_overdue, config)
        held = waiting(item, promises, plan)
        new = (
            level is not None
            and held is None
            and not _noted_since(
                people if level in status.OWNER_CALLS else notes,
                level_day(item, level, config),
                as_of,
            )
        )
        late.append(Late(item, level, new, held))
    # The level of what is dunned: an invoice a pending promise or an agreed
    # plan covers does not raise it (unless nothing else is overdue).
    dunned = [late_ for late_ in late if late_.waiting is None] or late
    worst = max((late_.item.days_overdue for late_ in dunned), default=0)
    level = status.level_for(worst, config)

    reasons: list[Reason] = []
    for promise in index.records_for("ar-promise", account):
        if promise.date > as_of:
            break
        state = status.promise_status(index, promise, as_of)
        if (
            state.status == status.BROKEN
            and not _noted_since(people, promise.by + datetime.timedelta(days=1), as_of)
            # Paid in full since, only late: nothing left to call about.
            and status.paid_toward(index, promise, as_of) < promise.amount.number
        ):
            cur = promise.amount.currency
            reasons.append(
                Reason(
                    BROKEN_PROMISE,
                    f"promised {amounts.text(promise.amount.number, cur)} by "
                    f"{promise.by} (on {promise.date}); paid "
                    f"{amounts.human(state.paid, cur)} of "
                    f"{amounts.human(promise.amount.number, cur)} promised",
                )
            )
    if (
        plan is not None
        and plan.status == "behind"
        and not _noted_since(people, plan.missed_since, as_of)
    ):
        cur = plan.plan.amount.currency
        reasons.append(
            Reason(
                PLAN_MISSED,
                f"since {plan.missed_since}: "
                f"{amounts.text(plan.due, cur)} due by now, "
                f"{amounts.human(plan.paid, cur)} paid",
            )
        )
    for followup in status.open_followups(index, account, as_of):
        if followup.due <= as_of:
            what = f": {followup.what}" if followup.what else ""
            reasons.append(Reason(FOLLOW_UP, f"due {followup.due}{what}"))
    escalated = [late_ for late_ in late if late_.new]
    if escalated:
        ranks = {name: k for k, (name, _) in enumerate(index.config.escalation)}
        reasons.append(Reason(ESCALATION, _escalation_detail(escalated, ranks)))
    if not reasons:
        return None

    customer = index.customers[account]
    contact = status.contact_for(index, account, level, as_of)
    email = contact.email if contact and contact.email else customer.email
    unearned = tuple(
        late_.invoice
        for late_ in late
        if late_.item.memo == 0
        and status.unearned_discount(late_.invoice, as_of) is not None
    )
    priority = sum(overdue.values(), ZERO) * (1 + Decimal(worst) / 30)
    return WorkItem(
        account=account,
        customer=customer.name,
        reasons=tuple(reasons),
        level=level,
        invoices=tuple(late),
        unearned=unearned,
        open=open_money,
        overdue=overdue,
        contact=contact,
        owner_calls=level in status.OWNER_CALLS,
        email=email,
        last_note=notes[-1] if notes else None,
        hold=status.hold_for(index, account, as_of),
        promises=tuple(promises),
        plan=plan if plan is not None and plan.status != "completed" else None,
        priority=priority,
    )


def waiting(
    item: OpenItem,
    promises: list[status.PromiseStatus],
    plan: status.PlanStatus | None,
) -> str | None:
    """Why the dunning of an overdue invoice waits, if it does: a promise to
    pay made since it was issued is pending, or a work-out plan agreed since
    covers it. A broken promise, or a plan behind, is a call of its own."""
    invoice = item.invoice
    for state in promises:
        promise = state.promise
        if promise.date >= invoice.date and promise.invoice in (None, invoice.id):
            return "promise"
    if plan is not None and plan.status != "completed" and plan.plan.date >= item.date:
        return "plan"
    return None


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def named(ids: Sequence[str], shown: int = NAMED) -> str:
    """ "A, B, C and 5 more": a list that stays one line however long."""
    if len(ids) <= shown:
        return ", ".join(ids[:-1]) + " and " + ids[-1] if len(ids) > 1 else "".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


def _escalation_detail(escalated: Sequence[Late], ranks: dict[str, int]) -> str:
    """The invoices that reached a level, grouped by level, the highest first;
    after the first, a group of more than two is counted, not named:
    "INV-7, INV-9, INV-10 and 3 more reached final demand (61 to 75 days past
    due); 4 invoices reached reminder (5 to 9 days past due)"."""
    by_level: dict[str, list[Late]] = {}
    for late_ in escalated:
        by_level.setdefault(late_.level or "", []).append(late_)
    parts = []
    for level in sorted(by_level, key=lambda name: -ranks.get(name, -1)):
        group = by_level[level]
        days = sorted(late_.item.days_overdue for late_ in group)
        span = (
            _days(days[0]) if days[0] == days[-1] else f"{days[0]} to {days[-1]} days"
        )
        ids = [late_.item.label for late_ in group]
        which = named(ids) if not parts or len(ids) <= 2 else f"{len(ids)} invoices"
        # "reached second notice": the level as words in a sentence
        parts.append(f"{which} reached {level.replace('-', ' ')} ({span} past due)")
    return "; ".join(parts)
