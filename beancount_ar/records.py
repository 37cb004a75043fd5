"""Collections records: the `ar-*` custom directives and notes, parsed and checked.

Every record is a dated directive in the ledger, so git history is the audit
log. This module turns each `custom "ar-..."` entry into a frozen record, or
into an error naming its file and line when its values have the wrong shape.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount_ar.money import MAX_DIGITS, too_many_digits

if TYPE_CHECKING:
    from beancount.core import data
    from beancount.core.amount import Amount

#: Instalments a work-out plan may have: ten years of weekly ones.
MAX_INSTALMENTS = 520


class RecordError(NamedTuple):
    source: data.Meta
    message: str
    entry: data.Directive | None


def printable(entry: Any) -> Any:
    """The entry an error carries, or None when Beancount's error printer
    could not print it (a `custom` directive with no values): the error must
    reach the user, with its file and line, whatever the entry."""
    if entry is None:
        return None
    from beancount.parser import printer  # an error of a load: Beancount is there

    try:
        printer.format_entry(entry)
    except Exception:  # the printer's own failure, whatever it is
        return None
    return entry


class Contact(NamedTuple):
    date: datetime.date
    account: str
    name: str
    role: str
    email: str
    phone: str
    meta: data.Meta


class Note(NamedTuple):
    date: datetime.date
    account: str
    text: str
    contact: str | None
    channel: str | None
    meta: data.Meta


#: Note metadata of an email sent on a schedule (`bean-ar remind`'s
#: courtesy reminders, `bean-ar statement --all`): what it was, and which
#: invoices a courtesy reminder named (", "-separated).
META_SENT = "ar-sent"
META_INVOICES = "ar-invoices"
COURTESY, STATEMENT = "courtesy", "statement"
SCHEDULED = (COURTESY, STATEMENT)


#: The note of an email `bean-ar` sent (or tried to) carries its Message-ID.
META_MESSAGE_ID = "message-id"


def emailed(note: Note) -> bool:
    """Whether a note records an email `bean-ar` sent: a letter, not a
    conversation. It answers the escalation levels that are letters, never
    a follow-up, a broken promise, a missed instalment or a level at which
    the owner calls."""
    return bool(note.meta.get(META_MESSAGE_ID))


def scheduled(note: Note) -> bool:
    """Whether a note records a courtesy reminder or a statement sent on a
    schedule: mail, not contact about what is overdue (it answers no
    escalation, follow-up or broken promise)."""
    return note.meta.get(META_SENT) in SCHEDULED


class Followup(NamedTuple):
    date: datetime.date
    account: str
    due: datetime.date
    what: str
    meta: data.Meta


class Promise(NamedTuple):
    date: datetime.date
    account: str
    amount: Amount
    by: datetime.date
    invoice: str | None
    meta: data.Meta


class Dispute(NamedTuple):
    date: datetime.date
    account: str
    invoice: str
    reason: str
    meta: data.Meta


class Resolved(NamedTuple):
    date: datetime.date
    account: str
    invoice: str
    meta: data.Meta


class Plan(NamedTuple):
    date: datetime.date
    account: str
    amount: Amount
    count: int
    frequency: str
    first: datetime.date
    meta: data.Meta


class Hold(NamedTuple):
    date: datetime.date
    account: str
    on: bool
    reason: str
    meta: data.Meta


class Company(NamedTuple):
    date: datetime.date
    name: str
    address: str
    email: str
    phone: str
    payment_instructions: str
    meta: data.Meta


class PaymentInstructions(NamedTuple):
    date: datetime.date
    currency: str
    instructions: str
    meta: data.Meta


class NamedTerms(NamedTuple):
    date: datetime.date
    name: str
    text: str
    meta: data.Meta


Record = (
    Contact
    | Followup
    | Promise
    | Dispute
    | Resolved
    | Plan
    | Hold
    | Company
    | PaymentInstructions
    | NamedTerms
)

#: The kinds of value that are Beancount's own, looked up when parsing (so
#: that reading records, as the index does, needs no Beancount).
ACCOUNT = "account"
AMOUNT = "amount"


def _dtype(kind: Any) -> Any:
    """The `dtype` Beancount gives a custom directive's value of this kind."""
    if kind == ACCOUNT:
        from beancount.core import account

        return account.TYPE
    if kind == AMOUNT:
        from beancount.core.amount import Amount

        return Amount
    return kind


class Field(NamedTuple):
    """One positional value of a custom directive."""

    name: str
    dtype: Any
    required: bool = True


# The shape of each directive: its fields in order and how to build the record.
_SCHEMAS: dict[str, tuple[tuple[Field, ...], Callable[..., Record]]] = {
    "ar-contact": (
        (
            Field("account", ACCOUNT),
            Field("name", str),
            Field("role", str, False),
            Field("email", str, False),
            Field("phone", str, False),
        ),
        Contact,
    ),
    "ar-followup": (
        (
            Field("account", ACCOUNT),
            Field("due", datetime.date),
            Field("what", str, False),
        ),
        Followup,
    ),
    "ar-promise": (
        (
            Field("account", ACCOUNT),
            Field("amount", AMOUNT),
            Field("by", datetime.date),
            Field("invoice", str, False),
        ),
        Promise,
    ),
    "ar-dispute": (
        (Field("account", ACCOUNT), Field("invoice", str), Field("reason", str, False)),
        Dispute,
    ),
    "ar-resolved": ((Field("account", ACCOUNT), Field("invoice", str)), Resolved),
    "ar-plan": (
        (
            Field("account", ACCOUNT),
            Field("amount", AMOUNT),
            Field("count", Decimal),
            Field("frequency", str),
            Field("first", datetime.date),
        ),
        Plan,
    ),
    "ar-hold": (
        (Field("account", ACCOUNT), Field("on", bool), Field("reason", str, False)),
        Hold,
    ),
    "ar-company": (
        (
            Field("name", str),
            Field("address", str, False),
            Field("email", str, False),
            Field("phone", str, False),
            Field("payment_instructions", str, False),
        ),
        Company,
    ),
    "ar-terms": ((Field("name", str), Field("text", str)), NamedTerms),
    "ar-payment": (
        (Field("currency", str), Field("instructions", str)),
        PaymentInstructions,
    ),
}

AR_TYPES = frozenset(_SCHEMAS)

_TYPE_WORDS = {
    ACCOUNT: "an account",
    str: "a string",
    datetime.date: "a date",
    AMOUNT: "an amount like 100.00 USD",
    Decimal: "a number",
    bool: "TRUE or FALSE",
}


def _usage(type_: str, fields: Sequence[Field]) -> str:
    parts = [f.name.upper() if f.required else f"[{f.name.upper()}]" for f in fields]
    return f'custom "{type_}" ' + " ".join(parts)


def parse_custom(entry: data.Custom) -> tuple[Record | None, RecordError | None]:
    """Check an `ar-*` custom directive's values and build its record.

    Args:
        entry: A Custom entry whose type is one of AR_TYPES.

    Returns:
        (record, None) when well-formed, else (None, error).
    """
    fields, build = _SCHEMAS[entry.type]
    values = entry.values or []

    def fail(message: str) -> tuple[None, RecordError]:
        usage = _usage(entry.type, fields)
        return None, RecordError(
            entry.meta, f"{entry.type}: {message} (usage: {usage})", printable(entry)
        )

    if len(values) > len(fields):
        return fail(f"too many values ({len(values)}, at most {len(fields)})")
    kwargs: dict[str, Any] = {}
    for i, field in enumerate(fields):
        if i >= len(values):
            if field.required:
                return fail(f"missing {field.name}")
            kwargs[field.name] = None if field.dtype is not str else ""
            continue
        value = values[i]
        if value.dtype is not _dtype(field.dtype):
            return fail(
                f"{field.name} must be {_TYPE_WORDS[field.dtype]}, not {value.value!r}"
            )
        kwargs[field.name] = value.value

    # Checks beyond the types.
    if entry.type in ("ar-promise", "ar-plan") and kwargs["amount"].number <= 0:
        return fail("the amount must be positive")
    if entry.type in ("ar-promise", "ar-plan") and too_many_digits(
        kwargs["amount"].number
    ):
        return fail(f"the amount has more than {MAX_DIGITS} significant digits")
    if entry.type == "ar-plan":
        count = kwargs["count"]
        if count != int(count) or not 1 <= count <= MAX_INSTALMENTS:
            return fail(
                "the number of instalments must be a whole number from 1 to "
                f"{MAX_INSTALMENTS}, not {count}"
            )
        kwargs["count"] = int(count)
        if kwargs["frequency"] not in ("monthly", "weekly"):
            return fail(
                f'frequency must be "monthly" or "weekly", not {kwargs["frequency"]!r}'
            )
    if entry.type == "ar-payment" and not re.fullmatch(
        _currency_re(), kwargs["currency"]
    ):
        return fail(f"{kwargs['currency']!r} is not a currency like EUR")
    if entry.type == "ar-followup" and kwargs["what"] is None:
        kwargs["what"] = ""
    if entry.type == "ar-promise" and kwargs["invoice"] == "":
        kwargs["invoice"] = None
    return build(date=entry.date, meta=entry.meta, **kwargs), None


def _currency_re() -> str:
    from beancount.core import amount

    return amount.CURRENCY_RE


def parse_note(entry: data.Note) -> Note:
    """A native `note` on a customer account as a contact-log record."""
    meta = entry.meta or {}
    contact = meta.get("contact")
    channel = meta.get("channel")
    return Note(
        entry.date,
        entry.account,
        entry.comment,
        contact if isinstance(contact, str) else None,
        channel if isinstance(channel, str) else None,
        meta,
    )


def unknown_type(entry: data.Custom) -> RecordError:
    """The error for a `custom "ar-..."` directive of a type that does not exist."""
    known = sorted(AR_TYPES)
    close = difflib.get_close_matches(entry.type, known, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return RecordError(
        entry.meta,
        f'unknown directive custom "{entry.type}"{hint} '
        f"(the types are {', '.join(known)})",
        printable(entry),
    )
