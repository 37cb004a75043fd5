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
  next step, and it has its own events) get no level events. A level
  reached while a promise or plan held the dunning is not back-dated once
  the hold ends: the level the invoice is at then is dated the day the hold
  ended (for a broken promise, the day after the date promised), the day
  the worklist calls about it, and the levels it passed on hold are left
  out;
- `courtesy`: with `courtesy_days` set, the day the friendly note about an
  open invoice goes out (`schedule.courtesy`: that many days before it is
  due, or on its date when it is due sooner), sent or not; none for
  customers with `ar-email: "no"`, nor for what a promise or plan covers.

Events from the last `HISTORY_DAYS` days are kept, with how they turned
out, so that an event does not vanish from a calendar the day after it
happens; everything still to come is included. That holds for an invoice
paid since, too: its level and courtesy events up to the day it was paid
stay, marked paid, and those still to come go. A uid names the thing itself
(the follow-up, the promise, the instalment, the invoice and level), never
the run or the as-of date: importing the calendar again, or refreshing a
subscription, updates an event in place and never duplicates it, and a
promise or follow-up whose date is corrected in the ledger keeps its uid.
Two follow-ups (or promises) with the same identity are numbered over all
of the account's records in ledger order, never over what a day shows, so
the second one keeps its "-2" after the first has left the window.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from beancount_ar import dates, records, schedule, status
from beancount_ar.aging import DUE, OpenItem, bucket_for, open_items
from beancount_ar.openitems import ZERO, Index, Invoice
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
    paid = _paid(index, as_of, since)
    accounts = set(dunned) | set(paid)
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
        settled = paid.get(account, [])
        holds = _Holds(index, account)
        found += _levels(index, account, items, settled, holds, as_of, since)
        if index.config.courtesy_days is not None:
            found += _courtesy(index, account, items, settled, holds, as_of, since)
    # An event past the last date reports reach (a promise "by 9999-12-31")
    # has no next day to end on, and is left out.
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


class _Paid(NamedTuple):
    """A charge of an invoice paid since the window began, as it stood on
    the last day it was open."""

    item: OpenItem
    paid: datetime.date  # the day nothing was left open of the invoice


def _paid(
    index: Index, as_of: datetime.date, since: datetime.date
) -> dict[str, list[_Paid]]:
    """The charges the worklist would have collected on the day before their
    invoice was paid, for invoices paid on `since` or later: their past
    events stay, marked paid."""
    by_account: dict[str, list[_Paid]] = {}
    balances: dict[tuple[str, datetime.date], dict[str, Decimal]] = {}
    for invoice in index.invoices:
        # Most invoices were paid long ago: no application to walk.
        if invoice.date > as_of or (
            invoice.open <= 0
            and invoice.last_change is not None
            and invoice.last_change < since
        ):
            continue
        if invoice.open_at(as_of) > 0:
            continue  # open: `_dunned` has it
        paid = max(
            [
                invoice.date,
                *(m.date for m in invoice.memos or () if m.date <= as_of),
                *(a.date for a in invoice.applications if a.date <= as_of),
            ]
        )
        if paid < since or paid == datetime.date.min:
            continue
        # As `_dunned` saw it on its last day open.
        day = paid - ONE_DAY
        if status.dispute_for(index, invoice, day) is not None:
            continue
        account, cur = invoice.account, invoice.currency
        if _may_be_in_credit(index, account, cur, day):
            key = (account, day)
            if key not in balances:
                balances[key] = status.balance(index, account, day)
            if balances[key].get(cur, ZERO) <= 0:
                continue
        by_account.setdefault(account, []).extend(
            _Paid(item, paid)
            for item in _charges(index, invoice, day)
            if item.collectible
        )
    return by_account


def _charges(index: Index, invoice: Invoice, day: datetime.date) -> list[OpenItem]:
    """The charges of `invoice` open on `day`, as `open_items` makes them."""
    earned = status.earned_discount(invoice, day, index.amounts)
    bounds = index.config.buckets
    return [
        OpenItem(
            invoice,
            (day - part.due).days,
            (day - part.date).days,
            bucket_for((day - part.due).days, bounds, DUE),
            part.amount,
            part.open,
            part.due,
            part.memo,
            part.open if earned else ZERO,
        )
        for part in invoice.parts_at(day)
    ]


def _may_be_in_credit(
    index: Index, account: str, currency: str, day: datetime.date
) -> bool:
    """Whether a credit of the account in `currency` is unapplied on `day`:
    only then can the customer be in credit while an invoice is open."""
    credits = index.memo(
        ("calendar-ever-unapplied", account),
        lambda: [c for c in index.credits_for(account) if not c.settled_by(c.date)],
    )
    return any(
        c.currency == currency and c.date <= day and c.remaining_at(day) > 0
        for c in credits
    )


class _Holds:
    """Whether a pending promise or a plan held an item's dunning on a day
    (the worklist's `waiting`), remembered per day for one account."""

    def __init__(self, index: Index, account: str) -> None:
        self.index = index
        self.account = account
        promises = index.records_for("ar-promise", account)
        plans = index.records_for("ar-plan", account)
        self._any = bool(promises or plans)
        self._on: dict[
            datetime.date,
            tuple[list[status.PromiseStatus], status.PlanStatus | None],
        ] = {}
        # A hold can only begin or end on these days: a promise or plan
        # made, the day after a promise's date, a payment or credit.
        changes: set[datetime.date] = set()
        if self._any:
            changes.update(r.date for r in (*promises, *plans))
            changes.update(c.date for c in index.credits_for(account))
            changes.update(p.by + ONE_DAY for p in promises if p.by < datetime.date.max)
        self._changes = sorted(changes)

    def held(self, item: OpenItem, day: datetime.date) -> bool:
        if not self._any:
            return False
        if day not in self._on:
            self._on[day] = (
                status.pending_promises(self.index, self.account, day),
                status.plan_for(self.index, self.account, day),
            )
        return waiting_on(item, *self._on[day]) is not None

    def ended(
        self, item: OpenItem, held: datetime.date, until: datetime.date
    ) -> datetime.date | None:
        """The first day after `held` on which `item` is not held, if on or
        before `until`."""
        start = bisect.bisect_right(self._changes, held)
        for day in self._changes[start:]:
            if day > until:
                break
            if not self.held(item, day):
                return day
        return None


def _level_day(
    holds: _Holds,
    item: OpenItem,
    levels: list[tuple[str, int, datetime.date]],
    k: int,
    until: datetime.date,
) -> datetime.date | None:
    """The day the event of `item` reaching `levels[k]` stands on: the day
    it reached it; or, if a promise or plan held the dunning that day, the
    day the hold ended, if by `until` and before the next level. None: not
    shown, the level passed on hold."""
    day = levels[k][2]
    if not holds.held(item, day):
        return day
    ended = holds.ended(item, day, until)
    if ended is None or (k + 1 < len(levels) and levels[k + 1][2] <= ended):
        return None
    return ended


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
    seen: dict[str, int] = {}
    for followup in index.records_for("ar-followup", account):
        what = followup.what.strip()
        uid = _numbered(
            seen, f"followup-{_slug(account)}-{followup.date}-{_digest(what)}"
        )
        if followup.date > as_of:
            break
        if followup.due < since:
            continue
        done = any(followup.due <= day for day in notes)
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
    seen: dict[str, int] = {}
    for promise in index.records_for("ar-promise", account):
        uid = f"promise-{_slug(account)}-{promise.date}"
        if promise.invoice:
            uid += f"-{_slug(promise.invoice)}"
        uid = _numbered(seen, uid)
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
    paid: list[_Paid],
    holds: _Holds,
    as_of: datetime.date,
    since: datetime.date,
) -> list[Event]:
    """Each open invoice's next level, the levels it reached since `since`,
    and those a paid invoice reached before it was paid."""
    if not items and not paid:
        return []
    notes = _contact_days(index, account, as_of)
    people = [note.date for note in status.spoken(index, account, as_of)]
    result = []
    for item in items:
        if holds.held(item, as_of):
            continue
        levels = _level_days(item, index.config.escalation)
        for k, (level, days, day) in enumerate(levels):
            if day > as_of:
                # Only the next level still to come.
                result.append(
                    _level_event(
                        index, item, level, days, day, "next", "reaches", as_of
                    )
                )
                break
            # Held that day, a level shows the day the hold ended, which is
            # before the next level: one long past may still be in range.
            if day < since and (k + 1 < len(levels) and levels[k + 1][2] <= since):
                continue
            shown = _level_day(holds, item, levels, k, as_of)
            if shown is None or shown < since:
                continue
            # Whether a note on the account answered it, as the worklist
            # counts it: a reminder email answers a level that is a letter,
            # only a person the owner's call.
            answers = people if level in status.OWNER_CALLS else notes
            if any(day <= note for note in answers):
                state, outcome = "done", " — done"
            elif shown < as_of:
                state, outcome = "reached", " — still open"
            else:
                state, outcome = "reached", ""
            # Today's level "reaches" it, as the day before said.
            verb = "reaches" if day == as_of else "reached"
            event = _level_event(index, item, level, days, day, state, verb, as_of)
            if shown != day:
                event = event._replace(
                    day=shown,
                    description=event.description.replace(
                        "\n",
                        f"\nReached while a promise or plan held the dunning, "
                        f"until {shown - ONE_DAY}.\n",
                        1,
                    ),
                )
            result.append(event._replace(summary=event.summary + outcome))
    for settled in paid:
        item = settled.item
        levels = _level_days(item, index.config.escalation)
        for k, (level, days, day) in enumerate(levels):
            if day > settled.paid:
                break  # nothing left to do
            # A hold that ended only with the payment never showed it.
            shown = _level_day(holds, item, levels, k, settled.paid - ONE_DAY)
            if shown is None or shown < since:
                continue
            event = _level_event(
                index, item, level, days, day, "paid", "reached", as_of
            )
            result.append(
                event._replace(
                    day=shown,
                    summary=event.summary + " — paid",
                    description=_paid_line(event.description, settled.paid),
                )
            )
    return result


def _level_days(
    item: OpenItem, escalation: Iterable[tuple[str, int]]
) -> list[tuple[str, int, datetime.date]]:
    """Each level with its days past due and the day `item` reaches it."""
    found = []
    for level, days in escalation:
        try:
            found.append((level, days, item.due + datetime.timedelta(days=days)))
        except OverflowError:
            break
    return found


def _level_event(
    index: Index,
    item: OpenItem,
    level: str,
    days: int,
    day: datetime.date,
    state: str,
    verb: str,
    as_of: datetime.date,
) -> Event:
    """The event "Acme Corp: INV-7 reaches the final demand level" on `day`."""
    account = item.invoice.account
    name = index.customers[account].name
    fmt = index.amounts
    cur = item.currency
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
    return Event(
        f"level-{_slug(account)}-{_slug(label)}-{_slug(level)}",
        day,
        LEVEL,
        state,
        f"{name}: {item.label} {verb} the {level.replace('-', ' ')} level",
        "\n".join(lines),
        account,
        name,
        (item.invoice.id,),
    )


def _paid_line(description: str, paid: datetime.date) -> str:
    """The description with "Paid on 2026-12-08." after its first line, and
    what was open said in the past."""
    description = description.replace(" open of ", " was open of ", 1).replace(
        " open.", " was open.", 1
    )
    first, _, rest = description.partition("\n")
    return f"{first}\nPaid on {paid}.\n{rest}"


def _courtesy(
    index: Index,
    account: str,
    items: list[OpenItem],
    paid: list[_Paid],
    holds: _Holds,
    as_of: datetime.date,
    since: datetime.date,
) -> list[Event]:
    """The day each invoice's courtesy note goes out (`schedule.courtesy`):
    `courtesy_days` before it is due, or on its date when it is due sooner;
    marked sent once a scheduled note names it, paid once it is paid."""
    customer = index.customers[account]
    if not customer.emails:
        return []
    days = index.config.courtesy_days or 0
    sent: set[str] = set()
    for note in index.notes_for(account):
        if (
            note.date <= as_of
            and note.meta.get(schedule.META_SENT) == schedule.COURTESY
        ):
            sent.update(str(note.meta.get(schedule.META_INVOICES) or "").split(", "))
    # A customer being dunned gets no courtesy note (`schedule.courtesy`):
    # none is foretold while it is.
    dunned = any(
        status.level_for(i.days_overdue, index.config) is not None
        and not holds.held(i, as_of)
        for i in items
        if i.days_overdue > 0
    )
    result = []
    for item, settled in [
        *((item, None) for item in items),
        *((p.item, p.paid) for p in paid),
    ]:
        if item.due <= item.date:
            continue
        try:
            day = max(item.due - datetime.timedelta(days=days), item.date)
        except OverflowError:
            day = item.date
        if day < since:
            continue
        if settled is None:
            if holds.held(item, as_of):
                continue
        elif day > settled or holds.held(item, day):
            continue  # paid before its day, or a promise held it then
        event = _courtesy_event(index, item, day)
        if item.label in sent:  # it went: that stays true once it is paid
            event = event._replace(state="sent", summary=event.summary + " — sent")
        elif settled is not None:
            event = event._replace(
                state="paid",
                summary=event.summary + " — paid",
                description=_paid_line(event.description, settled),
            )
        elif day < as_of:
            event = event._replace(
                state="not sent", summary=event.summary + " — not sent"
            )
        elif dunned:
            continue
        result.append(event)
    return result


def _courtesy_event(index: Index, item: OpenItem, day: datetime.date) -> Event:
    account = item.invoice.account
    name = index.customers[account].name
    label = item.label.replace(" memo ", "-memo-")
    return Event(
        f"courtesy-{_slug(account)}-{_slug(label)}",
        day,
        COURTESY,
        "due",
        f"{name}: courtesy reminder for {item.label}, due {item.due}",
        "\n".join(
            [
                f"A friendly note before {item.label} is due on "
                f"{item.due}: {index.amounts.text(item.open, item.currency)} open.",
                _customer_line(name, account),
            ]
        ),
        account,
        name,
        (item.invoice.id,),
    )


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


def _numbered(seen: dict[str, int], uid: str) -> str:
    """`uid`, or `uid-2`, `uid-3`… for the second thing with the same
    identity (two follow-ups noted the same day with the same text); called
    on every record of the kind in ledger order, so that the number never
    depends on the as-of date."""
    count = seen[uid] = seen.get(uid, 0) + 1
    return uid if count == 1 else f"{uid}-{count}"


def _unique(found: list[Event]) -> list[Event]:
    """Every event with its uid completed with the domain. Identities are
    unique by construction; should two ids still meet (an invoice named
    like another's debit memo), the later gets a number rather than two
    events one uid."""
    seen: dict[str, int] = {}
    return [
        event._replace(uid=f"{_numbered(seen, event.uid)}@{UID_DOMAIN}")
        for event in found
    ]
