"""Reminder emails: one per customer the worklist says is due one.

Each is an RFC 5322 message with a plain-text and an HTML body, worded by
escalation level, addressed to the contact the level calls for (else the
customer's `email`), with the open-item statement attached as a PDF. Disputed
invoices are left out (the worklist keeps them apart). Sending goes over SMTP;
each message is logged as a `note` through the safe writer before it goes
(`delivery`), so a second run the same day finds nothing left to send.

The emails `schedule` says are due go the same way: courtesy reminders
before invoices fall due (the invoices attached) and the monthly statements.
A customer with `ar-email: "no"` is sent none of them.
"""

from __future__ import annotations

import datetime
import email.policy
import email.utils
from collections.abc import Sequence
from decimal import Decimal
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, NamedTuple

import jinja2

from beancount_ar import (
    documents,
    payments,
    records,
    render_invoice,
    schedule,
    statements,
    status,
    worklist,
)
from beancount_ar.aging import OpenItem
from beancount_ar.openitems import Index, Invoice

#: SMTP line endings; headers are not folded before 998 characters, so that
#: a long subject stays on its own line.
POLICY = email.policy.SMTP.clone(max_line_length=998)

#: Days given to pay, by level.
PAY_WITHIN = {"final-demand": 7, "agency": 7}
DEFAULT_PAY_WITHIN = 14


#: What an email is: a dunning reminder (worded by level), or one the
#: schedule sends (`schedule.COURTESY`, `schedule.STATEMENT`).
DUNNING = "dunning"


class Reminder(NamedTuple):
    """One email to one customer, rendered, or why it cannot go."""

    account: str
    customer: str
    level: str  # the escalation level; "courtesy" or "statement" for those
    invoices: tuple[str, ...]
    to: str | None  # None: no usable email address on file
    to_name: str
    message: EmailMessage | None  # None when it cannot be sent: see `problem`
    problem: str | None = None
    attached: tuple[str, ...] = ()  # the invoices attached, besides the statement
    kind: str = DUNNING
    dues: tuple[datetime.date, ...] = ()  # a courtesy reminder's due dates,
    # one per invoice
    as_of: datetime.date | None = None  # a statement's date

    @property
    def opted_out(self) -> bool:
        """Not sent because the customer said `ar-email: "no"`: no failure."""
        return self.problem == schedule.OPTED_OUT

    @property
    def what(self) -> str:
        """What it is, in words: "reminder", "courtesy reminder", "statement"."""
        return {schedule.COURTESY: "courtesy reminder"}.get(self.kind, self.level)


def _one_line(text: str | None) -> str:
    """Header text: no line breaks, so nothing can be injected."""
    return " ".join(str(text or "").split())


def address(name: str, addr: str) -> Address:
    """An address header value; raises ValueError for a malformed address."""
    addr = str(addr).strip()
    local, at, domain = addr.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or any(c.isspace() or c in '<>,;@"' for c in local + domain)
    ):
        raise ValueError(f"not a usable email address: {addr!r}")
    return Address(display_name=_one_line(name), username=local, domain=domain)


def context(
    index: Index, item: worklist.WorkItem, as_of: datetime.date
) -> dict[str, Any]:
    """What the reminder templates see (documented in the README).

    Every claim a template can make is true on `as_of`: the invoices are all
    the customer's overdue ones that are neither disputed nor an earned
    discount (the worklist's) nor covered by a pending promise or an agreed
    plan (those are `held`, said apart), `total_overdue` is their total, the
    credit hold is said to be on only when it is, or to come only on the day
    it would start, and earlier reminders are mentioned only when a note
    records contact about these invoices since they fell due (and since any
    dispute of them was resolved).
    """
    statement = statements.statement(index, item.account, as_of)
    # What a pending promise or an agreed plan covers is not dunned: said
    # apart, with the promise's date.
    dunned = [late for late in item.invoices if late.waiting is None]
    held = [
        _Held(
            late.invoice.id,
            late.item.open,
            late.invoice.currency,
            late.waiting,
            promise.promise.by if (promise := status.promise_for(
                index, late.invoice, as_of)) and late.waiting == "promise" else None,
        )
        for late in item.invoices
        if late.waiting is not None
    ]  # fmt: skip
    lines = [
        _Line(
            late.invoice.id,
            late.item.date,
            late.item.due,
            late.item.days_overdue,
            late.item.bucket,
            late.item.description,
            late.item.amount,
            late.item.open,
            late.invoice.currency,
            late.level,
            late.item.memo,
            late.invoice.discount_date if late.invoice in item.unearned else None,
            payments.pay_url(
                index, item.account, late.item.open, late.invoice.currency, late.invoice
            ),
        )
        for late in sorted(dunned, key=lambda late: -late.item.days_overdue)
    ]
    total: dict[str, Decimal] = {}
    for line in lines:
        total[line.currency] = total.get(line.currency, Decimal(0)) + line.open
    oldest = max((line.days_overdue for line in lines), default=0)
    reminded = _reminded(index, item, as_of)
    days = PAY_WITHIN.get(item.level or "", DEFAULT_PAY_WITHIN)
    hold_from = None if item.hold.on else status.hold_from(index, item.account, as_of)
    levels = dict(index.config.escalation)
    return {
        **statement_context(statement, index),
        "level": item.level or "reminder",
        "contact": item.contact,
        "invoices": lines,
        "total_overdue": total,
        "held": held,
        "oldest_days": oldest,
        "reminded": reminded,
        "hold": item.hold,
        "hold_from": hold_from,
        "agency": "agency" in levels,
        "pay_by": as_of + datetime.timedelta(days=days),
        "as_of": as_of,
        # The invoices attached as PDFs (filled in by `build`), and whether
        # some were left out because together they were too large.
        "attached": [],
        "attachments_left_out": False,
    }


def _reminded(index: Index, item: worklist.WorkItem, as_of: datetime.date) -> bool:
    """Whether a note records contact with the customer about what is overdue:
    after the oldest listed invoice fell due, and after the last dispute of
    a listed invoice was resolved (talk during a dispute is not a reminder).
    A reminder counts: a letter `bean-ar` sent, or a note of a
    conversation that names one of the listed invoices (a call about another
    matter is not a reminder of these); a courtesy reminder or a statement
    sent on a schedule is none."""
    if not item.invoices:
        return False
    since = min(late.item.due for late in item.invoices)
    ids = {late.invoice.id for late in item.invoices}
    for resolved in index.records_for("ar-resolved", item.account):
        if resolved.invoice in ids and resolved.date <= as_of:
            since = max(since, resolved.date)
    return any(
        since < note.date <= as_of
        and not schedule.scheduled(note)
        and (records.emailed(note) or any(i in note.text for i in ids))
        for note in index.notes_for(item.account)
    )


class _Held(NamedTuple):
    """An overdue invoice a reminder leaves out: a promise or plan covers it."""

    invoice: str
    open: Decimal
    currency: str
    why: str  # "promise" or "plan"
    by: datetime.date | None  # the date promised


class _Line(NamedTuple):
    invoice: str
    date: datetime.date
    due: datetime.date
    days_overdue: int
    bucket: str
    description: str
    amount: Decimal
    open: Decimal
    currency: str
    level: str | None
    memo: int  # 0, or which debit memo of the invoice this line is
    unearned_after: datetime.date | None  # a discount taken after this date
    pay_url: str | None  # the link that pays it


#: What the note logged for a sent reminder calls it, by level.
SENT_AS = {
    "reminder": "payment reminder",
    "second-notice": "second notice",
    "manager": "past-due letter to the A/P manager",
    "owner": "owner's letter",
    "final-demand": "final demand",
    "agency": "notice before referral to a collection agency",
}


def _sent_as(reminder: Reminder) -> str:
    level = reminder.level or "reminder"
    return SENT_AS.get(level) or (
        level if level.endswith("reminder") else f"{level} reminder"
    )


def note_text(reminder: Reminder) -> str:
    """The note that records a sent reminder: "Emailed second notice for
    INV-1, INV-2; invoices and statement attached"; "Emailed courtesy
    reminder for INV-7, due 2026-12-05; invoice attached"; "Emailed statement
    of account as of 2026-12-01"."""
    if reminder.kind == schedule.COURTESY:
        dues = ", ".join(
            f"{invoice}, due {due}"
            for invoice, due in zip(reminder.invoices, reminder.dues, strict=True)
        )
        n = len(reminder.attached)
        attached = f"; {'invoice' if n == 1 else 'invoices'} attached" if n else ""
        return f"Emailed courtesy reminder for {dues}{attached}"
    if reminder.kind == schedule.STATEMENT:
        return f"Emailed statement of account as of {reminder.as_of}"
    what = _sent_as(reminder)
    n = len(reminder.attached)
    attached = (
        f"{'invoice' if n == 1 else 'invoices'} and statement" if n else "statement"
    )
    return f"Emailed {what} for {', '.join(reminder.invoices)}; {attached} attached"


def refused_text(reminder: Reminder, error: str) -> str:
    """The note that records a reminder the mail server refused."""
    if reminder.kind == schedule.STATEMENT:
        return (
            "Not delivered: the mail server refused the statement of account "
            f"as of {reminder.as_of} ({error})"
        )
    what = "courtesy reminder" if reminder.kind == schedule.COURTESY else None
    return (
        f"Not delivered: the mail server refused the {what or _sent_as(reminder)} "
        f"for {', '.join(reminder.invoices)} ({error})"
    )


def note_meta(reminder: Reminder) -> dict[str, str]:
    """The metadata of the note that records a sent email: whom, how, its
    Message-ID, and for a scheduled one what it was (`schedule.META_SENT`)
    and which invoices a courtesy reminder named."""
    meta = {
        "contact": reminder.to_name,
        "channel": "email",
        "message-id": message_id(reminder),
    }
    if reminder.kind != DUNNING:
        meta[schedule.META_SENT] = reminder.kind
    if reminder.kind == schedule.COURTESY:
        meta[schedule.META_INVOICES] = ", ".join(reminder.invoices)
    return meta


class Sender(NamedTuple):
    """Who signs what is sent: the configured `sender_name` and
    `sender_role`, else the company's accounts receivable."""

    name: str
    role: str
    person: bool  # a named person (`sender_name`), who may write "I"


def sender_of(index: Index, as_of: datetime.date) -> Sender:
    config = index.config
    seller = statements.company(index, as_of)
    company_name = seller.name if seller and seller.name else ""
    if config.sender_name:
        role = config.sender_role or ""
        return Sender(
            config.sender_name,
            ", ".join(x for x in (role, company_name) if x),
            True,
        )
    return Sender(config.sender_role or "Accounts Receivable", company_name, False)


def statement_context(
    statement: statements.Statement, index: Index | None = None
) -> dict[str, Any]:
    """What the statement templates see (documented in the README)."""
    start = statement.start
    return {
        "statement": statement,
        "customer": statement.customer,
        "company": statement.company,
        "locale": statement.customer.locale,
        "sender": sender_of(index, statement.as_of) if index is not None else None,
        "opening_date": start - datetime.timedelta(days=1) if start else None,
    }


def due(index: Index, as_of: datetime.date) -> list[worklist.WorkItem]:
    """The worklist's calls that also get a reminder email: an invoice reached
    a new level that no reminder was emailed for since (at a level where the
    owner calls, the call stays on the worklist after the email), and
    something is overdue to collect."""
    config = index.config
    result = []
    for item in worklist.worklist(index, as_of).items:
        if worklist.ESCALATION not in item.kinds or not item.invoices:
            continue
        sent = [
            note.date
            for note in index.notes_for(item.account)
            if note.date <= as_of and records.emailed(note)
            and not records.scheduled(note)
        ]  # fmt: skip
        if any(
            late.new
            and not any(
                worklist.level_day(late.item, late.level, config) <= day for day in sent
            )
            for late in item.invoices
            if late.level is not None
        ):
            result.append(item)
    return result


def build(
    index: Index,
    as_of: datetime.date,
    env: jinja2.Environment,
    sender: str | None = None,
) -> list[Reminder]:
    """The reminders due on `as_of`, rendered.

    Args:
        index: The open-item index.
        as_of: Today.
        env: The template environment.
        sender: The From address (default: the `ar-company` email).

    Returns:
        One reminder per customer with an escalation due; `message` is None
        (and `to` None) for a customer with no email address on file, or one
        that opted out of email (`opted_out`).
    """
    reminders = []
    for item in due(index, as_of):
        # What a pending promise or plan covers is said apart, not dunned.
        dunned = [late for late in item.invoices if late.waiting is None]
        ids = tuple(dict.fromkeys(late.invoice.id for late in dunned))
        name = item.contact.name if item.contact else item.customer
        head = Reminder(item.account, item.customer, item.level, ids, None, name,
                        None)  # fmt: skip
        if not index.customers[item.account].emails:
            reminders.append(head._replace(problem=schedule.OPTED_OUT))
            continue
        try:
            to, origin = _envelope(index, as_of, sender, name, item.email)
        except ValueError as exc:
            reminders.append(head._replace(problem=str(exc)))
            continue
        ctx = context(index, item, as_of)
        statement_pdf = documents.pdf(documents.render(env, "statement.html", ctx), env)
        invoices = _attachments(
            index, env, [late.invoice for late in dunned], as_of, len(statement_pdf),
        )  # fmt: skip
        ctx["attached"] = [invoice.id for invoice, _ in invoices]
        ctx["attachments_left_out"] = bool(dunned) and not invoices
        message = _compose(env, "reminder", ctx, as_of, to, origin)
        _attach_invoices(message, invoices)
        _attach_statement(message, statement_pdf, item.account, as_of)
        reminders.append(
            head._replace(
                to=to.addr_spec, message=message, attached=tuple(ctx["attached"])
            )
        )
    return reminders


def build_courtesy(
    index: Index,
    as_of: datetime.date,
    env: jinja2.Environment,
    sender: str | None = None,
) -> list[Reminder]:
    """The courtesy reminders due on `as_of` (see `schedule.courtesy`),
    rendered from `courtesy*.txt` and `courtesy.html`, the invoices attached.

    Returns:
        One per customer, as `build` does; `level` and `kind` are "courtesy",
        `dues` the due date of each invoice named.
    """
    reminders = []
    for due_soon in schedule.courtesy(index, as_of):
        who = due_soon.recipient
        items = due_soon.items
        name = who.contact.name if who.contact else who.customer
        head = Reminder(
            who.account, who.customer, schedule.COURTESY,
            tuple(item.label for item in items), None, name, None,
            kind=schedule.COURTESY, dues=tuple(item.due for item in items),
        )  # fmt: skip
        addressed = _addressed(index, as_of, sender, name, who)
        if isinstance(addressed, str):
            reminders.append(head._replace(problem=addressed))
            continue
        to, origin = addressed
        statement = statements.statement(index, who.account, as_of)
        lines = {
            (line.invoice, line.memo): line
            for section in statement.sections
            for line in section.open_lines
        }
        listed = [lines[item.invoice.id, item.memo] for item in items]
        currencies = {item.currency for item in items}
        invoices = _attachments(index, env, [item.invoice for item in items], as_of, 0)
        ctx = {
            **statement_context(statement, index),
            "contact": who.contact,
            "invoices": [
                _Soon(line, item.currency, item.open < item.amount)
                for line, item in zip(listed, items, strict=True)
            ],
            "total": _totals(items),
            "asked": [s for s in statement.sections if s.currency in currencies],
            "as_of": as_of,
            "attached": [invoice.id for invoice, _ in invoices],
            "attachments_left_out": not invoices,
        }
        message = _compose(env, "courtesy", ctx, as_of, to, origin)
        _attach_invoices(message, invoices)
        reminders.append(
            head._replace(
                to=to.addr_spec, message=message, attached=tuple(ctx["attached"])
            )
        )
    return reminders


class _Soon(NamedTuple):
    """An invoice a courtesy reminder names: its statement line."""

    line: statements.OpenLine
    currency: str
    partly_paid: bool


def _totals(items: Sequence[OpenItem]) -> dict[str, Decimal]:
    money: dict[str, Decimal] = {}
    for item in items:
        money[item.currency] = money.get(item.currency, Decimal(0)) + item.open
    return money


def build_statements(
    index: Index,
    as_of: datetime.date,
    env: jinja2.Environment,
    sender: str | None = None,
) -> list[Reminder]:
    """The monthly statements due on `as_of` (see `schedule.statements`), each
    an email from `statement_email*.txt` and `statement_email.html` with the
    open-item statement attached as a PDF.

    Returns:
        One per customer, as `build` does; `level` and `kind` are "statement".
    """
    reminders = []
    for due_now in schedule.statements(index, as_of):
        who = due_now.recipient
        name = who.contact.name if who.contact else who.customer
        head = Reminder(
            who.account, who.customer, schedule.STATEMENT, (), None, name, None,
            kind=schedule.STATEMENT, as_of=as_of,
        )  # fmt: skip
        addressed = _addressed(index, as_of, sender, name, who)
        if isinstance(addressed, str):
            reminders.append(head._replace(problem=addressed))
            continue
        to, origin = addressed
        statement = statements.statement(index, who.account, as_of)
        ctx = {
            **statement_context(statement, index),
            "contact": who.contact,
            "as_of": as_of,
            "statement_day": due_now.day,
        }
        statement_pdf = documents.pdf(documents.render(env, "statement.html", ctx), env)
        message = _compose(env, "statement_email", ctx, as_of, to, origin)
        _attach_statement(message, statement_pdf, who.account, as_of)
        reminders.append(head._replace(to=to.addr_spec, message=message))
    return reminders


def _addressed(
    index: Index,
    as_of: datetime.date,
    sender: str | None,
    name: str,
    who: schedule.Recipient,
) -> tuple[Address, Address | None] | str:
    """A scheduled email's To and From, or why it cannot go to a customer."""
    if who.opted_out:
        return schedule.OPTED_OUT
    if not who.email:
        return "no email address on file"
    try:
        return _envelope(index, as_of, sender, name, who.email)
    except ValueError as exc:
        return str(exc)


def _envelope(
    index: Index,
    as_of: datetime.date,
    sender: str | None,
    name: str,
    to_address: str,
) -> tuple[Address, Address | None]:
    """To and From; raises ValueError for an address that cannot be used."""
    company = statements.company(index, as_of)
    sender = sender or (company.email if company else None)
    to = address(name, to_address)
    origin = address(company.name if company else "", sender) if sender else None
    return to, origin


def _compose(
    env: jinja2.Environment,
    template: str,
    ctx: dict[str, Any],
    as_of: datetime.date,
    to: Address,
    origin: Address | None,
) -> EmailMessage:
    """A message from `<template>_subject.txt`, `<template>.txt` and
    `<template>.html`, dated 09:00 UTC on `as_of`, with a fresh Message-ID."""
    message = EmailMessage(policy=POLICY)
    message["Subject"] = _one_line(
        documents.render(env, f"{template}_subject.txt", ctx)
    )
    if origin is not None:
        message["From"] = origin
    message["To"] = to
    message["Date"] = email.utils.format_datetime(
        datetime.datetime.combine(as_of, datetime.time(9), datetime.timezone.utc)
    )
    message["Message-ID"] = email.utils.make_msgid(
        domain=origin.domain if origin is not None else "beancount-ar.invalid"
    )
    message.set_content(documents.render(env, f"{template}.txt", ctx))
    message.add_alternative(
        documents.render(env, f"{template}.html", ctx), subtype="html"
    )
    return message


def _attach_invoices(
    message: EmailMessage, invoices: Sequence[tuple[Invoice, bytes]]
) -> None:
    for invoice, data in invoices:
        message.add_attachment(
            data,
            maintype="application",
            subtype="pdf",
            filename=render_invoice.filename(invoice),
        )


def _attach_statement(
    message: EmailMessage, data: bytes, account: str, as_of: datetime.date
) -> None:
    message.add_attachment(
        data,
        maintype="application",
        subtype="pdf",
        filename=f"statement-{account.rsplit(':', 1)[-1]}-{as_of}.pdf",
    )


def _attachments(
    index: Index,
    env: jinja2.Environment,
    listed: Sequence[Invoice],
    as_of: datetime.date,
    statement_size: int,
) -> list[tuple[Invoice, bytes]]:
    """The PDFs of the invoices a reminder lists (the ledger's own document,
    else rendered), or none when with the statement they would pass the
    configured `attachments_kb`: then the statement alone goes."""
    invoices = list({id(invoice): invoice for invoice in listed}.values())
    pdfs = [
        (invoice, render_invoice.pdf(env, index, invoice, as_of))
        for invoice in invoices
    ]
    total = statement_size + sum(len(data) for _, data in pdfs)
    if total > index.config.attachments_kb * 1024:
        return []
    return pdfs


def message_id(reminder: Reminder) -> str:
    return str(reminder.message["Message-ID"]) if reminder.message else ""
