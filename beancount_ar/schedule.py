"""What goes out on a schedule today: courtesy reminders and statements.

Two runs a daily cron can make, each deciding from the ledger alone (the
notes logged for what was sent before), so that running twice sends nothing
twice and a day missed is caught up:

- Courtesy reminders (`courtesy_days: N`, off by default): a friendly note
  about each invoice that falls due within the next N days (as_of < due <=
  as_of + N) and was not courtesy-reminded yet. Left out: disputed
  invoices, those a pending promise to pay or a work-out plan covers, an
  early-payment discount the customer earned (nothing is owed), a currency
  the customer is in credit in, and every invoice of a customer being
  dunned (an undisputed invoice past an escalation level, no promise or plan
  covering it): a friendly note beside a past-due letter would be out of
  tune, and the reminders' statement lists what falls due soon anyway.
- The monthly statement run: every customer with a balance (owing, or in
  credit) gets its open-item statement once a month, on its `statement-day:`
  (else the configured `statement_day`; 29-31 mean the month's last day in
  a shorter month), or on the first run after it. A customer with no balance
  on that day gets none that month.

A customer with `ar-email: "no"` is listed as opted out, never sent to.

The notes of sent emails carry `ar-sent: "courtesy"` or `ar-sent:
"statement"` (and a courtesy note `ar-invoices:`), which is how a later run
knows what went out; they are a record of mail, not contact about what is
overdue:

    2026-11-30 note Assets:Receivable:Acme "Emailed courtesy reminder for
      INV-7, due 2026-12-05; invoice attached"    (one line in the file)
      channel: "email"
      message-id: "<...@northwind.example>"
      ar-sent: "courtesy"
      ar-invoices: "INV-7"
"""

from __future__ import annotations

import calendar
import datetime
from typing import NamedTuple

from beancount_ar import records, status
from beancount_ar.aging import DUE, OpenItem, open_items
from beancount_ar.openitems import ZERO, Index

# Re-exported: the notes a schedule logs are defined with the other records.
from beancount_ar.records import (  # noqa: F401
    COURTESY,
    META_INVOICES,
    META_SENT,
    SCHEDULED,
    STATEMENT,
    scheduled,
)

OPTED_OUT = 'opted out of email (ar-email: "no")'


class Recipient(NamedTuple):
    """Whom a scheduled email goes to."""

    account: str
    customer: str
    contact: records.Contact | None  # the A/P clerk, else the first contact
    email: str | None  # the contact's, else the customer's; None: none on file
    opted_out: bool  # `ar-email: "no"`: listed, never sent to


class Courtesy(NamedTuple):
    """One customer's invoices falling due soon, not yet courtesy-reminded."""

    recipient: Recipient
    items: tuple[OpenItem, ...]  # soonest due first


class StatementDue(NamedTuple):
    """A customer due its monthly statement."""

    recipient: Recipient
    day: datetime.date  # its statement day this month (clamped)


def recipient(index: Index, account: str, as_of: datetime.date) -> Recipient:
    """The customer's A/P clerk (else first contact) and the address to use."""
    customer = index.customers[account]
    contact = status.contact_for(index, account, "reminder", as_of)
    email = contact.email if contact and contact.email else customer.email
    return Recipient(
        account, customer.name, contact, email or None, not customer.emails
    )


def _courtesy_noted(index: Index, account: str, as_of: datetime.date) -> set[str]:
    """The invoice labels courtesy notes on the account named by `as_of`."""
    named: set[str] = set()
    for note in index.notes_for(account):
        if note.date > as_of:
            break
        if note.meta.get(META_SENT) == COURTESY:
            named.update(str(note.meta.get(META_INVOICES) or "").split(", "))
    return named


def _covered(
    item: OpenItem,
    promises: list[status.PromiseStatus],
    plan: status.PlanStatus | None,
) -> bool:
    """A pending promise to pay made since the invoice, or a work-out plan
    agreed since, is the next step: no courtesy note (as the worklist waits
    with dunning)."""
    invoice = item.invoice
    if any(
        p.promise.date >= invoice.date and p.promise.invoice in (None, invoice.id)
        for p in promises
    ):
        return True
    return (
        plan is not None and plan.status != "completed" and plan.plan.date >= item.date
    )


def _coming(
    index: Index,
    account: str,
    soon: list[OpenItem],
    late: list[OpenItem],
    as_of: datetime.date,
) -> tuple[OpenItem, ...]:
    """Of a customer's items falling due soon, those a courtesy note is for,
    soonest first: none while the customer is being dunned."""
    balance = status.balance(index, account, as_of)
    promises = status.pending_promises(index, account, as_of)
    plan = status.plan_for(index, account, as_of)

    def owed(item: OpenItem) -> bool:
        """Collectible: in a currency the customer owes, not disputed, not
        waiting on a promise or plan."""
        return (
            balance.get(item.currency, ZERO) > 0
            and status.dispute_for(index, item.invoice, as_of) is None
            and not _covered(item, promises, plan)
        )

    if any(owed(item) for item in late):
        return ()  # being dunned: its reminders are the conversation
    noted = _courtesy_noted(index, account, as_of)
    return tuple(
        sorted(
            (item for item in soon if item.label not in noted and owed(item)),
            key=lambda item: (item.due, item.invoice.seq, item.memo),
        )
    )


def courtesy(index: Index, as_of: datetime.date) -> list[Courtesy]:
    """The courtesy reminders due on `as_of`, one per customer.

    Args:
        index: The open-item index.
        as_of: Today.

    Returns:
        Per customer (by name), the open invoices (or debit memos) falling due
        within the configured `courtesy_days` that no courtesy note named yet;
        empty when `courtesy_days` is not set.
    """
    days = index.config.courtesy_days
    if days is None:
        return []
    until = as_of + datetime.timedelta(days=days)
    soon: dict[str, list[OpenItem]] = {}
    late: dict[str, list[OpenItem]] = {}
    for item in open_items(index, as_of, DUE):
        if not item.collectible:
            continue
        account = item.invoice.account
        if as_of < item.due <= until:
            soon.setdefault(account, []).append(item)
        elif status.level_for(item.days_overdue, index.config) is not None:
            late.setdefault(account, []).append(item)
    result = []
    for account, items in soon.items():
        coming = _coming(index, account, items, late.get(account, []), as_of)
        if coming:
            result.append(Courtesy(recipient(index, account, as_of), coming))
    result.sort(key=lambda c: (c.recipient.customer.casefold(), c.recipient.account))
    return result


#: How many days into the next month a statement day missed at a month's
#: end is still caught up.
CATCH_UP_DAYS = 7


def statement_day(index: Index, account: str, as_of: datetime.date) -> datetime.date:
    """The customer's latest statement day on or before `as_of`: its
    `statement-day:`, else the configured `statement_day`, the month's last
    day when the month is shorter; this month's once it has come, else last
    month's (so that a run missed on the last day is caught up the next)."""
    wanted = index.customers[account].statement_day or index.config.statement_day

    def in_month(year: int, month: int) -> datetime.date:
        last = calendar.monthrange(year, month)[1]
        return datetime.date(year, month, min(wanted, last))

    day = in_month(as_of.year, as_of.month)
    if day <= as_of:
        return day
    if as_of.month == 1:
        return in_month(as_of.year - 1, 12) if as_of.year > 1 else day
    return in_month(as_of.year, as_of.month - 1)


def _statement_noted(
    index: Index, account: str, since: datetime.date, as_of: datetime.date
) -> bool:
    """Whether the customer was sent its statement since `since`: by the
    statement run, or attached to a reminder (every reminder attaches it)."""
    return any(
        since <= note.date <= as_of
        and (
            note.meta.get(META_SENT) == STATEMENT
            or (records.emailed(note) and note.meta.get(META_SENT) is None)
        )
        for note in index.notes_for(account)
    )


def statements(index: Index, as_of: datetime.date) -> list[StatementDue]:
    """The customers due their monthly statement on `as_of`, by name.

    A customer is due when it had a balance (owing or in credit) on its
    latest statement day and still has one, and no statement note was
    logged for it since that day: a day the run did not happen is caught up
    the next, any day of the same month, or up to `CATCH_UP_DAYS` later
    across the month's end (a first run on the 1st does not send last
    month's statements of the 15th).
    """
    result = []
    for account in index.customers:
        day = statement_day(index, account, as_of)
        if day > as_of or _statement_noted(index, account, day, as_of):
            continue
        if day.month != as_of.month and (as_of - day).days > CATCH_UP_DAYS:
            continue
        if not any(status.balance(index, account, as_of).values()):
            continue
        if not any(status.balance(index, account, day).values()):
            continue
        result.append(StatementDue(recipient(index, account, as_of), day))
    result.sort(key=lambda s: (s.recipient.customer.casefold(), s.recipient.account))
    return result
