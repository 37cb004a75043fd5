"""Collections status of an invoice or customer on a date.

Escalation level, dispute, promise to pay, last note and next follow-up: all
read off the index's records, counting only what is dated on or before the
as-of date.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import records
from beancount_ar.config import Config
from beancount_ar.money import Amounts, to_places
from beancount_ar.openitems import ZERO, Index, Invoice

PENDING, KEPT, BROKEN = "pending", "kept", "broken"


class PromiseStatus(NamedTuple):
    promise: records.Promise
    paid: Decimal  # credits counted towards it so far
    status: str  # pending, kept or broken


def level_for(days_overdue: int, config: Config) -> str | None:
    """The highest escalation level an invoice this late has reached."""
    level = None
    for name, days in config.escalation:
        if days_overdue >= days:
            level = name
    return level


def dispute_for(
    index: Index, invoice: Invoice, as_of: datetime.date
) -> records.Dispute | None:
    """The dispute open on `invoice` on `as_of`, if any."""
    current = None
    for record in index.records_for("ar-dispute", invoice.account):
        if record.date > as_of:
            break
        if record.invoice == invoice.id:
            current = record
    if current is None:
        return None
    for record in index.records_for("ar-resolved", invoice.account):
        if record.date > as_of:
            break
        if record.invoice == invoice.id and record.date >= current.date:
            return None
    return current


def promise_status(
    index: Index, promise: records.Promise, as_of: datetime.date
) -> PromiseStatus:
    """Kept when credits from the promise's date to its due date reach its amount."""
    paid = paid_toward(index, promise, min(as_of, promise.by))
    if paid >= promise.amount.number:
        status = KEPT
    elif as_of > promise.by:
        status = BROKEN
    else:
        status = PENDING
    return PromiseStatus(promise, paid, status)


def paid_toward(
    index: Index, promise: records.Promise, until: datetime.date
) -> Decimal:
    """What was paid toward a promise from the day it was made to `until`:
    applied to the invoice it names, else credited to the account."""
    currency = promise.amount.currency
    if promise.invoice is not None:
        invoice = index.invoice(promise.account, promise.invoice)
        if invoice is None:
            return ZERO
        return sum(
            (
                a.amount
                for a in invoice.applications
                if promise.date <= a.credit.date <= until
            ),
            ZERO,
        )
    return sum(
        (
            c.amount
            for c in index.credits_for(promise.account)
            if c.currency == currency and promise.date <= c.date <= until
        ),
        ZERO,
    )


def promise_for(
    index: Index, invoice: Invoice, as_of: datetime.date
) -> PromiseStatus | None:
    """The latest promise covering `invoice` (or its whole account).

    A promise concerns what was open when it was made: one made before the
    invoice existed never covers it.
    """
    latest = None
    for record in index.records_for("ar-promise", invoice.account):
        if record.date > as_of:
            break
        if record.invoice in (None, invoice.id) and record.date >= invoice.date:
            latest = record
    return promise_status(index, latest, as_of) if latest else None


def pending_promises(
    index: Index, account: str, as_of: datetime.date
) -> list[PromiseStatus]:
    """The customer's promises not yet due, kept or broken, soonest first."""
    found = []
    for record in index.records_for("ar-promise", account):
        if record.date > as_of:
            break
        state = promise_status(index, record, as_of)
        if state.status == PENDING:
            found.append(state)
    return sorted(found, key=lambda p: p.promise.by)


def last_note(index: Index, account: str, as_of: datetime.date) -> records.Note | None:
    latest = None
    for note in index.notes_for(account):
        if note.date > as_of:
            break
        latest = note
    return latest


def spoken(index: Index, account: str, as_of: datetime.date) -> list[records.Note]:
    """The notes on the account up to `as_of` that record contact by a
    person: not the note of an email `bean-ar` sent (a reminder, a courtesy
    note, a statement)."""
    return [
        n
        for n in index.notes_for(account)
        if n.date <= as_of and not records.emailed(n) and not records.scheduled(n)
    ]


def open_followups(
    index: Index, account: str, as_of: datetime.date
) -> list[records.Followup]:
    """Follow-ups not yet done: no note of contact on the account dated on or
    after them (an email `bean-ar` sent does not do a follow-up)."""
    notes = [n.date for n in spoken(index, account, as_of)]
    return sorted(
        (
            f
            for f in index.records_for("ar-followup", account)
            if f.date <= as_of and not any(f.due <= day for day in notes)
        ),
        key=lambda f: f.due,
    )


# -- contacts ---------------------------------------------------------------

#: Whom to ask for at each escalation level: the customer's people by tier
#: (config `roles`), in order of preference.
ASK_FOR = {
    "reminder": ("clerk", "manager", "owner"),
    "second-notice": ("clerk", "manager", "owner"),
    "manager": ("manager", "owner", "clerk"),
    "owner": ("owner", "manager", "clerk"),
    "final-demand": ("owner", "manager", "clerk"),
    "agency": ("owner", "manager", "clerk"),
}

#: Levels at which the seller's owner, not the bookkeeper, makes the call.
OWNER_CALLS = frozenset({"owner", "final-demand", "agency"})


def contacts(index: Index, account: str, as_of: datetime.date) -> list[records.Contact]:
    """The people at a customer on `as_of`; a later directive for the same name
    replaces an earlier one."""
    latest: dict[str, records.Contact] = {}
    for contact in index.records_for("ar-contact", account):
        if contact.date > as_of:
            break
        latest[contact.name.casefold()] = contact
    return list(latest.values())


def role_tier(role: str, config: Config) -> str | None:
    """Who a role says someone is: "owner", "manager", "clerk", or None.

    Words are matched whole ("A/P Manager" is a manager, "Finance Director" a
    manager, "Managing Director" an owner), in the order of `config.roles`.
    """
    text = " " + " ".join(re.findall(r"[\w/&]+", role.casefold())) + " "
    for tier, words in config.roles:
        if any(f" {word} " in text for word in words):
            return tier
    return None


def contact_for(
    index: Index, account: str, level: str | None, as_of: datetime.date
) -> records.Contact | None:
    """The person to ask for at an escalation level, or the first contact."""
    people = contacts(index, account, as_of)
    if not people:
        return None
    tiers = [role_tier(person.role, index.config) for person in people]
    for wanted in ASK_FOR.get(level or "reminder", ASK_FOR["reminder"]):
        for person, tier in zip(people, tiers, strict=True):
            if tier == wanted:
                return person
    return people[0]


# -- credit hold ------------------------------------------------------------


class HoldStatus(NamedTuple):
    on: bool
    reasons: tuple[str, ...]  # why, in words; empty when off


def balance(index: Index, account: str, as_of: datetime.date) -> dict[str, Decimal]:
    """The customer's balance per currency on `as_of`, from the index."""
    money: dict[str, Decimal] = {}
    for invoice in index.invoices_for(account):
        if invoice.date <= as_of:
            left = invoice.open_at(as_of)
            if left:
                money[invoice.currency] = money.get(invoice.currency, ZERO) + left
    for credit in index.credits_for(account):
        if credit.date <= as_of:
            left = credit.remaining_at(as_of)
            if left:
                money[credit.currency] = money.get(credit.currency, ZERO) - left
    return money


def hold_for(index: Index, account: str, as_of: datetime.date) -> HoldStatus:
    """Credit hold: set by hand (`ar-hold`), over the credit limit, or an
    undisputed invoice more than `hold_days` past due."""
    return index.memo(("hold", account, as_of), lambda: _hold(index, account, as_of))


def _hold(index: Index, account: str, as_of: datetime.date) -> HoldStatus:
    reasons = []
    manual = None
    for record in index.records_for("ar-hold", account):
        if record.date > as_of:
            break
        manual = record
    if manual is not None and manual.on:
        reasons.append(f"on hold since {manual.date}: {manual.reason}".rstrip(": "))
    customer = index.customers.get(account)
    limit = customer.credit_limit if customer else None
    if limit is not None:
        owed = balance(index, account, as_of).get(limit.currency, ZERO)
        if owed > limit.number:
            fmt = index.amounts
            reasons.append(
                f"owes {fmt.text(owed, limit.currency)}, over its credit limit of "
                f"{fmt.text(limit.number, limit.currency)}"
            )
    # More than hold_days past due.
    oldest = _oldest_due(index, account, as_of)
    days = (as_of - oldest[1]).days if oldest else 0
    if oldest is not None and days > index.config.hold_days:
        reasons.append(
            f"{oldest[0].id} is {days} days past due "
            f"(hold after {index.config.hold_days})"
        )
    return HoldStatus(bool(reasons), tuple(reasons))


def _oldest_due(
    index: Index, account: str, as_of: datetime.date
) -> tuple[Invoice, datetime.date] | None:
    """The customer's undisputed charge open the longest on `as_of` (an
    earned discount is not owed), with its due date."""
    oldest = None
    for invoice in index.invoices_for(account):
        if invoice.date > as_of or (oldest is not None and invoice.due >= oldest[1]):
            continue  # a date comparison first: cheap on years of history
        left = invoice.open_at(as_of)
        if left <= 0 or earned_discount(invoice, as_of, index.amounts):
            continue
        if dispute_for(index, invoice, as_of) is not None:
            continue
        due = invoice.parts_at(as_of)[0].due if invoice.memos else invoice.due
        if oldest is None or due < oldest[1]:
            oldest = (invoice, due)
    return oldest


def hold_from(index: Index, account: str, as_of: datetime.date) -> datetime.date | None:
    """The day the automatic hold for lateness starts if nothing is paid: the
    day after the oldest undisputed charge passes `hold_days` past due."""
    oldest = _oldest_due(index, account, as_of)
    if oldest is None:
        return None
    try:
        return oldest[1] + datetime.timedelta(days=index.config.hold_days + 1)
    except OverflowError:
        return None


# -- payment plans ----------------------------------------------------------


class PlanStatus(NamedTuple):
    plan: records.Plan
    due: Decimal  # instalments due before the as-of date
    paid: Decimal  # credits since the plan's date
    missed_since: datetime.date | None  # the first instalment not covered
    status: str  # "on track", "behind" or "completed"
    next: tuple[datetime.date, Decimal] | None  # the next instalment, today or later


def instalments(plan: records.Plan) -> Iterator[tuple[datetime.date, Decimal]]:
    """The plan's instalment dates and amounts, in order; the last takes the
    rounding. A generator: callers stop at the date they need."""
    number = plan.amount.number
    each = to_places(number / plan.count, -number.as_tuple().exponent)
    for k in range(plan.count):
        if plan.frequency == "weekly":
            day = plan.first + datetime.timedelta(weeks=k)
        else:
            month = plan.first.month - 1 + k
            year = plan.first.year + month // 12
            last = calendar.monthrange(year, month % 12 + 1)[1]
            day = datetime.date(year, month % 12 + 1, min(plan.first.day, last))
        amount = each if k < plan.count - 1 else number - each * (plan.count - 1)
        yield day, amount


def plan_for(index: Index, account: str, as_of: datetime.date) -> PlanStatus | None:
    """The customer's latest work-out plan and whether it is kept."""
    plan = None
    for record in index.records_for("ar-plan", account):
        if record.date > as_of:
            break
        plan = record
    if plan is None:
        return None
    currency = plan.amount.currency
    paid = sum(
        (
            c.amount
            for c in index.credits_for(account)
            if c.currency == currency and plan.date <= c.date <= as_of
        ),
        ZERO,
    )
    due = ZERO
    missed = None
    upcoming = None
    try:
        for day, amount in instalments(plan):
            if day >= as_of:  # due today is not missed yet: it can still come
                upcoming = (day, amount)
                break
            due += amount
            if paid < due and missed is None:
                missed = day
    except (OverflowError, ValueError):  # instalments run past year 9999
        pass
    if paid >= plan.amount.number:
        state, upcoming = "completed", None
    elif missed is not None:
        state = "behind"
    else:
        state = "on track"
    return PlanStatus(plan, due, paid, missed, state, upcoming)


class Instalment(NamedTuple):
    """One instalment of a work-out plan and whether it was paid on time."""

    date: datetime.date
    amount: Decimal
    state: str  # "paid" (covered by its date), "late" (covered since), "missed", "due"


#: Instalments listed at most: a plan of years of weekly instalments shows
#: those around the as-of date.
SCHEDULE_ROWS = 60


def schedule(index: Index, plan: PlanStatus, as_of: datetime.date) -> list[Instalment]:
    """The plan's instalments with their adherence on `as_of`: each is paid when
    credits since the plan's date covered it (and those before it) by its
    date, late when they did later, missed when they have not yet, and due
    when its date is still to come."""
    record = plan.plan
    credits = sorted(
        (c.date, c.amount)
        for c in index.credits_for(record.account)
        if c.currency == record.amount.currency and record.date <= c.date <= as_of
    )
    rows = []
    cumulative = ZERO
    try:
        for day, amount in instalments(record):
            cumulative += amount
            by_then = sum((a for d, a in credits if d <= day), ZERO)
            if day > as_of:
                state = "due" if plan.paid < cumulative else "paid"
            elif by_then >= cumulative:
                state = "paid"
            elif plan.paid >= cumulative:
                state = "late"
            else:
                state = "missed"
            rows.append(Instalment(day, amount, state))
            if day > as_of and len(rows) >= SCHEDULE_ROWS:
                break
    except (OverflowError, ValueError):  # instalments run past year 9999
        pass
    return rows[-SCHEDULE_ROWS:]


# -- early-payment discounts ------------------------------------------------


def earned_discount(
    invoice: Invoice, as_of: datetime.date, amounts: Amounts
) -> Decimal | None:
    """The early-payment discount a customer earned and the books have not
    recorded yet, if that is all that is open of the invoice.

    Earned when credits dated on or before the discount date leave open
    exactly the discount: the invoice amount x pct, at the ledger's precision
    (rounded half up, or down as many customers compute it). Nothing open
    may have changed since the discount date.
    """
    terms = invoice.terms
    if terms is None or terms.discount_pct is None or invoice.date > as_of:
        return None
    last_day = invoice.discount_date
    if last_day is None:
        return None
    left = invoice.open_at(as_of)
    if left <= 0:
        return None
    day = min(as_of, last_day)
    if not any(a.date <= day for a in invoice.applications):
        return None  # nothing was paid in time
    if invoice.open_at(day) != left:
        return None  # paid or charged again after the discount date
    exact = invoice.amount_at(day) * terms.discount_pct / 100
    currency = invoice.currency
    if left in (
        exact,
        amounts.rounded(exact, currency),
        amounts.rounded(exact, currency, down=True),
    ):
        return left
    return None


def unearned_discount(invoice: Invoice, as_of: datetime.date) -> Decimal | None:
    """The discount a customer took without earning it, if any.

    A `P/D Net N` invoice left open by about the discount after a payment
    dated past the discount date: the customer paid the discounted amount
    too late.
    """
    terms = invoice.terms
    if terms is None or terms.discount_pct is None:
        return None
    last_day = invoice.discount_date
    paid_late = [
        a
        for a in invoice.applications
        if a.date <= as_of and a.credit.kind == "payment" and a.credit.date > last_day
    ]
    if not paid_late:
        return None
    left = invoice.open_at(as_of)
    discount = invoice.amount_at(as_of) * terms.discount_pct / 100
    # "About" the discount: within a cent, or 1 % of it.
    if left > 0 and abs(left - discount) <= max(Decimal("0.01"), discount / 100):
        return left
    return None
