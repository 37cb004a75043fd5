"""The collections calendar: the days a bookkeeper acts on, as plain events.

Each event is an all-day date with a stable identity (`uid`), computed from
the index on an as-of date:

- `follow-up`: each `ar-followup` on its due date; done once a note on the
  account is dated on or after that day (a courtesy reminder or statement
  sent on a schedule records mail, not contact, and answers nothing);
- `promise`: each `ar-promise` on the day the money was promised by, pending,
  kept or broken (`status.promise_status`);
- `plan`: each instalment of the customer's latest work-out plan, due, paid,
  paid late or missed (`status.schedule`);
- `level`: for each open invoice (or debit memo) that the worklist would
  dun, the day it reaches its next escalation level (days past due, the
  configured `escalation`), and the levels it reached recently. A not yet
  due invoice's next level is the first one: with the default levels,
  "reminder" on the due date plus `grace_days`. Disputed invoices, earned
  discounts, a currency the customer is in credit in, and invoices a pending
  promise or a plan covers (the worklist's rule: the promise or plan is the
  next step, and it has its own events) get no level events;
- `courtesy`: with `courtesy_days` set, the day the friendly note about an
  open invoice goes out (`schedule.courtesy`: that many days before it is
  due, or on its date when it is due sooner), sent or not; none for
  customers with `ar-email: "no"`, nor for what a promise or plan covers.

Events from the last `HISTORY_DAYS` days are kept, with how they turned
out, so that an event does not vanish from a calendar the day after it
happens; everything still to come is included. A uid names the thing itself
(the follow-up, the promise, the instalment, the invoice and level), never
the run or the as-of date: importing the calendar again, or refreshing a
subscription, updates an event in place and never duplicates it, and a
promise or follow-up whose date is corrected in the ledger keeps its uid.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from typing import NamedTuple

from beancount_ar import dates, records, schedule, status
from beancount_ar.aging import DUE, OpenItem, open_items
from beancount_ar.openitems import ZERO, Index
from beancount_ar.worklist import waiting as waiting_on

FOLLOW_UP = "follow-up"
PROMISE = "promise"
PLAN = "plan"
LEVEL = "level"
COURTESY = "courtesy"
#: The kinds of event, in the order a day lists them.
KINDS = (PROMISE, PLAN, FOLLOW_UP, LEVEL, COURTESY)

#: Days of history kept: events dated this many days before the as-of date
#: or later.
HISTORY_DAYS = 30
#: The right-hand side of every uid.
UID_DOMAIN = "beancount-ar"

ONE_DAY = datetime.timedelta(days=1)


class Event(NamedTuple):
    """One all-day event of the collections calendar."""

    uid: str  # stable: the same thing gets the same uid in every run
    day: datetime.date
    kind: str  # one of KINDS
    state: str  # how it stands on the as-of date, e.g. "pending", "kept"
    summary: str  # one line, in a bookkeeper's words
    description: str  # the details: amounts, whom to ask for, their phone
    account: str
    customer: str
    invoices: tuple[str, ...]  # the invoices it is about, if any


def events(
    index: Index, as_of: datetime.date, history_days: int = HISTORY_DAYS
) -> list[Event]:
    """The collections calendar on `as_of`.

    Args:
        index: The open-item index.
        as_of: The day the calendar is made; only what is dated on or before
            it counts, as in every report.
        history_days: Events dated this many days before `as_of` or later
            are included.

    Returns:
        The events, by day, then kind, then customer.
    """
    try:
        since = as_of - datetime.timedelta(days=history_days)
    except OverflowError:
        since = datetime.date.min
    dunned = _dunned(index, as_of)
    accounts = set(dunned)
    for kind in ("ar-followup", "ar-promise", "ar-plan"):
        accounts.update(
            r.account for r in index.records.get(kind, ()) if r.date <= as_of
        )

    found: list[Event] = []
    for account in sorted(accounts):
        items = dunned.get(account, [])
        worst = max((item.days_overdue for item in items), default=0)
        contact = status.contact_for(
            index, account, status.level_for(worst, index.config), as_of
        )
        found += _followups(index, account, as_of, since, contact)
        found += _promises(index, account, as_of, since, contact)
        found += _plan(index, account, as_of, since, contact)
        found += _levels(index, account, items, as_of, since)
        if index.config.courtesy_days is not None:
            found += _courtesy(index, account, items, as_of, since)
    # In ledger order, so that a "-2" stays with its thing; an event past the
    # last date reports reach (a promise "by 9999-12-31") has no next day to
    # end on, and is left out.
    found = _unique([e for e in found if e.day <= dates.LATEST])
    found.sort(key=lambda e: (e.day, KINDS.index(e.kind), e.customer.casefold()))
    return found


def _dunned(index: Index, as_of: datetime.date) -> dict[str, list[OpenItem]]:
    """The open charges the worklist would collect, per account: owed (not
    an earned discount), undisputed, in a currency the customer owes."""
    by_account: dict[str, list[OpenItem]] = {}
    for item in open_items(index, as_of, DUE):
        if not item.collectible:
            continue
        if status.dispute_for(index, item.invoice, as_of) is not None:
            continue
        by_account.setdefault(item.invoice.account, []).append(item)
    for account, items in list(by_account.items()):
        balance = status.balance(index, account, as_of)
        by_account[account] = [i for i in items if balance.get(i.currency, ZERO) > 0]
    return by_account


# -- each kind ----------------------------------------------------------------


def _followups(
    index: Index,
    account: str,
    as_of: datetime.date,
    since: datetime.date,
    contact: records.Contact | None,
) -> list[Event]:
    name = index.customers[account].name
    notes = [note.date for note in status.spoken(index, account, as_of)]
    result = []
    for followup in index.records_for("ar-followup", account):
        if followup.date > as_of:
            break
        if followup.due < since:
            continue
        done = any(followup.due <= day for day in notes)
        what = followup.what.strip()
        summary = f"{name}: {what}" if what else f"Follow up {name}"
        if done:
            summary += " — done"
        elif followup.due < as_of:
            summary += " — still open"
        lines = [
            what or f"Follow up {name}.",
            f"Noted {followup.date} for {followup.due}.",
            *_ask_for(contact),
            _customer_line(name, account),
        ]
        uid = f"followup-{_slug(account)}-{followup.date}-{_digest(what)}"
        result.append(
            Event(
                uid,
                followup.due,
                FOLLOW_UP,
                "done" if done else "open",
                summary,
                "\n".join(lines),
                account,
                name,
                tuple(_invoice_ids(index, account, what)),
            )
        )
    return result


def _promises(
    index: Index,
    account: str,
    as_of: datetime.date,
    since: datetime.date,
    contact: records.Contact | None,
) -> list[Event]:
    name = index.customers[account].name
    fmt = index.amounts
    result = []
    for promise in index.records_for("ar-promise", account):
        if promise.date > as_of:
            break
        if promise.by < since:
            continue
        state = status.promise_status(index, promise, as_of)
        cur = promise.amount.currency
        amount = fmt.text(promise.amount.number, cur)
        about = f" ({promise.invoice})" if promise.invoice else ""
        if state.status == status.KEPT:
            summary = f"{name} kept its promise of {amount}{about}"
        elif state.status == status.BROKEN:
            extras = [promise.invoice] if promise.invoice else []
            if state.paid:
                extras.append(f"{fmt.text(state.paid, cur)} paid")
            about = f" ({'; '.join(extras)})" if extras else ""
            summary = f"{name} broke its promise of {amount}{about}"
        else:
            summary = f"Check {name} paid the {amount} promised{about}"
        towards = f" towards {promise.invoice}" if promise.invoice else ""
        lines = [
            f"Promised on {promise.date}: {amount}{towards} by {promise.by}.",
            f"Paid since {promise.date}: {fmt.text(state.paid, cur)} ({state.status}).",
            *_ask_for(contact),
            _customer_line(name, account),
        ]
        uid = f"promise-{_slug(account)}-{promise.date}"
        if promise.invoice:
            uid += f"-{_slug(promise.invoice)}"
        result.append(
            Event(
                uid,
                promise.by,
                PROMISE,
                state.status,
                summary,
                "\n".join(lines),
                account,
                name,
                (promise.invoice,) if promise.invoice else (),
            )
        )
    return result


#: How an instalment stands, in words (status.schedule's states).
_INSTALMENT_WORDS = {"due": "due", "paid": "paid", "late": "paid late"}


def _plan(
    index: Index,
    account: str,
    as_of: datetime.date,
    since: datetime.date,
    contact: records.Contact | None,
) -> list[Event]:
    plan = status.plan_for(index, account, as_of)
    if plan is None:
        return []
    name = index.customers[account].name
    fmt = index.amounts
    record = plan.plan
    cur = record.amount.currency
    rows = status.schedule(index, plan, as_of)
    numbers = _instalment_numbers(record, rows[-1].date if rows else record.first)
    head = (
        f"Work-out plan agreed {record.date}: {fmt.text(record.amount.number, cur)} "
        f"in {record.count} {record.frequency} instalments from {record.first}."
    )
    standing = (
        f"Paid towards it by {as_of}: {fmt.text(plan.paid, cur)} ({plan.status})."
    )
    result = []
    for row in rows:
        if row.date < since:
            continue
        # Today's instalment is due, not missed, until the day is over.
        state = "due" if row.state == "missed" and row.date >= as_of else row.state
        number = numbers.get(row.date, 0)
        summary = (
            f"{name} instalment {number} of {record.count}: "
            f"{fmt.text(row.amount, cur)} {_INSTALMENT_WORDS.get(state, state)}"
        )
        lines = [head, standing, *_ask_for(contact), _customer_line(name, account)]
        result.append(
            Event(
                f"plan-{_slug(account)}-{record.date}-{number}",
                row.date,
                PLAN,
                state,
                summary,
                "\n".join(lines),
                account,
                name,
                (),
            )
        )
    return result


def _instalment_numbers(
    plan: records.Plan, last: datetime.date
) -> dict[datetime.date, int]:
    """Each instalment's number (from 1) by its date, up to `last`."""
    numbers = {}
    try:
        for number, (day, _) in enumerate(status.instalments(plan), 1):
            if day > last:
                break
            numbers.setdefault(day, number)
    except (OverflowError, ValueError):  # instalments run past year 9999
        pass
    return numbers


def _levels(
    index: Index,
    account: str,
    items: list[OpenItem],
    as_of: datetime.date,
    since: datetime.date,
) -> list[Event]:
    """Each invoice's next level, and the levels it reached since `since`."""
    if not items:
        return []
    name = index.customers[account].name
    fmt = index.amounts
    notes = _contact_days(index, account, as_of)
    people = [note.date for note in status.spoken(index, account, as_of)]
    promises = status.pending_promises(index, account, as_of)
    plan = status.plan_for(index, account, as_of)
    result = []
    for item in items:
        if waiting_on(item, promises, plan) is not None:
            continue
        cur = item.currency
        for level, days in index.config.escalation:
            try:
                day = item.due + datetime.timedelta(days=days)
            except OverflowError:
                break
            reached = days <= item.days_overdue
            if reached and day < since:
                continue
            # "INV-7 reaches the final demand level"; once past, whether a
            # note on the account answered it (as the worklist counts it).
            head = f"{name}: {item.label}"
            tail = f"the {level.replace('-', ' ')} level"
            summary, state = f"{head} reaches {tail}", "next"
            if reached:
                state = "reached"
                # As the worklist counts it: a reminder email answers a
                # level that is a letter, only a person the owner's call.
                answers = people if level in status.OWNER_CALLS else notes
                if any(day <= note for note in answers):
                    summary, state = f"{head} reached {tail} — done", "done"
                elif day < as_of:
                    summary = f"{head} reached {tail} — still open"
            contact = status.contact_for(index, account, level, as_of)
            lines = [
                f"{item.label}: {item.description}" if item.description else item.label,
                f"{fmt.text(item.open, cur)} open of {fmt.text(item.amount, cur)}, "
                f"due {item.due}; {_days(days)} past due on {day}.",
                *_ask_for(contact),
                *(
                    ["The owner calls (the level calls for it)."]
                    if level in status.OWNER_CALLS
                    else []
                ),
                _customer_line(name, account),
            ]
            label = item.label.replace(" memo ", "-memo-")
            result.append(
                Event(
                    f"level-{_slug(account)}-{_slug(label)}-{_slug(level)}",
                    day,
                    LEVEL,
                    state,
                    summary,
                    "\n".join(lines),
                    account,
                    name,
                    (item.invoice.id,),
                )
            )
            if not reached:
                break  # only the next level still to come
    return result


def _courtesy(
    index: Index,
    account: str,
    items: list[OpenItem],
    as_of: datetime.date,
    since: datetime.date,
) -> list[Event]:
    """The day each invoice's courtesy note goes out (`schedule.courtesy`):
    `courtesy_days` before it is due, or on its date when it is due sooner;
    marked sent once a scheduled note names it."""
    customer = index.customers[account]
    if not customer.emails:
        return []
    fmt = index.amounts
    days = index.config.courtesy_days or 0
    promises = status.pending_promises(index, account, as_of)
    plan = status.plan_for(index, account, as_of)
    sent: set[str] = set()
    for note in index.notes_for(account):
        if (
            note.date <= as_of
            and note.meta.get(schedule.META_SENT) == schedule.COURTESY
        ):
            sent.update(str(note.meta.get(schedule.META_INVOICES) or "").split(", "))
    result = []
    for item in items:
        if item.due <= item.date or waiting_on(item, promises, plan) is not None:
            continue
        try:
            day = max(item.due - datetime.timedelta(days=days), item.date)
        except OverflowError:
            day = item.date
        if day < since:
            continue
        summary = f"{customer.name}: courtesy reminder for {item.label}, due {item.due}"
        state = "due"
        if item.label in sent:
            summary, state = summary + " — sent", "sent"
        elif day < as_of:
            summary, state = summary + " — not sent", "not sent"
        label = item.label.replace(" memo ", "-memo-")
        result.append(
            Event(
                f"courtesy-{_slug(account)}-{_slug(label)}",
                day,
                COURTESY,
                state,
                summary,
                "\n".join(
                    [
                        f"A friendly note before {item.label} is due on "
                        f"{item.due}: {fmt.text(item.open, item.currency)} open.",
                        _customer_line(customer.name, account),
                    ]
                ),
                account,
                customer.name,
                (item.invoice.id,),
            )
        )
    return result


# -- words and identities -----------------------------------------------------


def _contact_days(
    index: Index, account: str, as_of: datetime.date
) -> list[datetime.date]:
    """The days of the notes on the account up to `as_of` that answer a
    level that is a letter: a courtesy reminder or statement sent on a
    schedule answers nothing."""
    return [
        note.date
        for note in index.notes_for(account)
        if note.date <= as_of and not schedule.scheduled(note)
    ]


def _ask_for(contact: records.Contact | None) -> list[str]:
    """'Ask for Dave Pelletier (Owner), +1 207 555 0163, dave@…', if known."""
    if contact is None:
        return []
    who = f"Ask for {contact.name}"
    if contact.role:
        who += f" ({contact.role})"
    reach = [part for part in (contact.phone, contact.email) if part]
    return [", ".join([who, *reach]) + "."]


def _customer_line(name: str, account: str) -> str:
    return f"Customer: {name} ({account})"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


_INVOICE_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/.]*[A-Za-z0-9]")


def _invoice_ids(index: Index, account: str, text: str) -> Iterable[str]:
    """The customer's invoice ids a follow-up's text names."""
    for word in dict.fromkeys(_INVOICE_WORD.findall(text)):
        if index.invoice(account, word) is not None:
            yield word


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _slug(text: str) -> str:
    """`text` as a part of a uid: an account's colons become dots; anything
    else unusual is replaced, with a digest of the original so that two
    names never share a slug."""
    plain = text.replace(":", ".")
    if not _UNSAFE.search(plain):
        return plain
    return f"{_UNSAFE.sub('_', plain)}~{_digest(text)}"


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _unique(found: list[Event]) -> list[Event]:
    """Every event with its uid completed with the domain; the rare second
    thing with the same identity (two follow-ups noted the same day with
    the same text) gets "-2", in ledger order."""
    seen: dict[str, int] = {}
    result = []
    for event in found:
        count = seen[event.uid] = seen.get(event.uid, 0) + 1
        uid = event.uid if count == 1 else f"{event.uid}-{count}"
        result.append(event._replace(uid=f"{uid}@{UID_DOMAIN}"))
    return result
