"""Collections status of an invoice or customer on a date.

Escalation level, dispute, promise to pay, last note and next follow-up: all
read off the index's records, counting only what is dated on or before the
as-of date.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import records
from beancount_ar.config import Config
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
    until = min(as_of, promise.by)
    currency = promise.amount.currency
    paid = ZERO
    if promise.invoice is not None:
        invoice = index.invoice(promise.account, promise.invoice)
        if invoice is not None:
            paid = sum(
                (
                    a.amount
                    for a in invoice.applications
                    if promise.date <= a.credit.date <= until
                ),
                ZERO,
            )
    else:
        paid = sum(
            (
                c.amount
                for c in index.credits_for(promise.account)
                if c.currency == currency and promise.date <= c.date <= until
            ),
            ZERO,
        )
    if paid >= promise.amount.number:
        status = KEPT
    elif as_of > promise.by:
        status = BROKEN
    else:
        status = PENDING
    return PromiseStatus(promise, paid, status)


def promise_for(
    index: Index, invoice: Invoice, as_of: datetime.date
) -> PromiseStatus | None:
    """The latest promise covering `invoice` (or its whole account)."""
    latest = None
    for record in index.records_for("ar-promise", invoice.account):
        if record.date > as_of:
            break
        if record.invoice in (None, invoice.id):
            latest = record
    return promise_status(index, latest, as_of) if latest else None


def last_note(index: Index, account: str, as_of: datetime.date) -> records.Note | None:
    latest = None
    for note in index.notes_for(account):
        if note.date > as_of:
            break
        latest = note
    return latest


def open_followups(
    index: Index, account: str, as_of: datetime.date
) -> list[records.Followup]:
    """Follow-ups not yet done: no note on the account dated on or after them."""
    notes = [n.date for n in index.notes_for(account) if n.date <= as_of]
    return sorted(
        (
            f
            for f in index.records_for("ar-followup", account)
            if f.date <= as_of and not any(f.due <= day for day in notes)
        ),
        key=lambda f: f.due,
    )
