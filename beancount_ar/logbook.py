"""What a bookkeeper logs: collections directives built, checked and written.

The CLI's `bean-ar log` and the Fava forms share these functions, so a note,
a follow-up or a promise is validated the same way wherever it is typed, and
written only through `writer.append`. Bad input raises `InputError` naming the
field, before anything is touched.
"""

from __future__ import annotations

import datetime
import os
import pathlib
import re
from decimal import Decimal, InvalidOperation

from beancount.core import amount as amount_lib
from beancount.core import data
from beancount.core.amount import Amount

from beancount_ar import records, status, writer
from beancount_ar.ledger import Ledger
from beancount_ar.lookup import InputError

CHANNELS = ("phone", "email", "letter", "visit")
MAX_DIGITS = 15  # digits before the decimal point of an amount typed in
#: Characters of a free-text field (a note, a reason, a name): Beancount's
#: parser is slow on very long strings, and no note needs more.
MAX_TEXT = 2000
FREQUENCIES = ("monthly", "weekly")


def parse_date(text: str | None, field: str) -> datetime.date:
    """A date written `YYYY-MM-DD`."""
    if not (text or "").strip():
        raise InputError(field, "give a date like 2026-03-31")
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(field, f"{text!r} is not a date like 2026-03-31") from None


def _not_an_amount(text: str) -> InputError:
    return InputError("amount", f"{text!r} is not an amount like 1500.00 USD")


def parse_amount(text: str, loaded: Ledger, account: str) -> Amount:
    """`1500.00 USD`, or a bare number in the customer's only currency,
    written with the ledger's usual precision (1000 -> 1000.00)."""
    parts = text.split()
    try:
        number = Decimal(parts[0].replace(",", ""))
    except (IndexError, InvalidOperation):
        raise InputError(
            "amount", f"{text!r} is not an amount like 1500.00 USD"
        ) from None
    if not number.is_finite() or number <= 0:
        raise InputError("amount", f"{text!r}: the amount must be positive")
    if number.adjusted() >= MAX_DIGITS:
        raise InputError("amount", f"{text!r}: more than {MAX_DIGITS} digits")
    if len(parts) > 2:
        raise _not_an_amount(text)
    currency = parts[1] if len(parts) == 2 else None
    if currency is not None and not re.fullmatch(amount_lib.CURRENCY_RE, currency):
        raise InputError("amount", f"{text!r}: {currency!r} is not a currency like USD")
    currencies = {i.currency for i in loaded.index.invoices_for(account)}
    if currency is None:
        if len(currencies) != 1:
            raise InputError("amount", f"{text!r}: say the currency, e.g. {number} USD")
        currency = next(iter(currencies))
    elif currencies and currency not in currencies:
        used = ", ".join(sorted(currencies))
        raise InputError("amount", f"{text!r}: {account} is invoiced in {used}")
    places = loaded.index.amounts.places(currency)
    if -number.as_tuple().exponent < places:
        try:
            number = number.quantize(Decimal(1).scaleb(-places))
        except InvalidOperation:
            raise _not_an_amount(text) from None
    return Amount(number, currency)


def check_invoice(loaded: Ledger, account: str, invoice: str, field: str) -> None:
    if loaded.index.invoice(account, invoice) is None:
        raise InputError(field, f"{invoice!r} is not an invoice of {account}")


def check_active(loaded: Ledger, account: str, day: datetime.date) -> None:
    """Refuse a directive dated while the account is not open: the ledger
    would no longer load cleanly."""
    for entry in loaded.entries:
        if not isinstance(entry, (data.Open, data.Close)) or entry.account != account:
            continue
        if isinstance(entry, data.Open) and day < entry.date:
            raise InputError(
                "date", f"{day} is before {account} was opened ({entry.date})"
            )
        if isinstance(entry, data.Close) and day > entry.date:
            raise InputError(
                "date", f"{day} is after {account} was closed ({entry.date})"
            )


def _text(value: str | None, field: str, required: bool = True) -> str:
    """A free-text field on one line, of at most MAX_TEXT characters."""
    text = " ".join((value or "").split())
    if not text and required:
        raise InputError(field, "this cannot be empty")
    if len(text) > MAX_TEXT:
        raise InputError(
            field, f"{len(text):,} characters: at most {MAX_TEXT:,}, please shorten"
        )
    return text


def note(
    loaded: Ledger,
    day: datetime.date,
    account: str,
    text: str,
    contact: str | None = None,
    channel: str | None = None,
) -> str:
    """A contact log entry: what was said, to whom, how."""
    if channel and channel not in CHANNELS:
        raise InputError("channel", f"{channel!r}: one of {', '.join(CHANNELS)}")
    meta = {"contact": _text(contact, "contact", False), "channel": channel or ""}
    return writer.note(day, account, _text(text, "text"), meta)


def followup(
    loaded: Ledger, day: datetime.date, account: str, due: datetime.date, what: str
) -> str:
    """A follow-up for `due` (done once a note is logged on or after it)."""
    if due < day:
        raise InputError("due", f"{due} is before the follow-up is written ({day})")
    return writer.custom(
        day, "ar-followup", [writer.Account(account), due, _text(what, "what")]
    )


def promise(
    loaded: Ledger,
    day: datetime.date,
    account: str,
    amount: str,
    by: datetime.date,
    invoice: str | None = None,
) -> str:
    """A promise to pay `amount` by `by`, for one invoice or the account.

    A promise concerns what is open when it is made: it may not be more than
    the invoice's open amount, or the customer's balance in that currency.
    """
    if by < day:
        raise InputError("by", f"{by} is before the promise is made ({day})")
    if invoice:
        check_invoice(loaded, account, invoice, "invoice")
    promised = parse_amount(amount, loaded, account)
    cur = promised.currency
    fmt = loaded.index.amounts
    if invoice:
        found = loaded.index.invoice(account, invoice)
        owed = found.open_at(day) if found.currency == cur else Decimal(0)
        what = f"{invoice} has {fmt.text(owed, cur)} open"
    else:
        owed = status.balance(loaded.index, account, day).get(cur, Decimal(0))
        what = f"the balance on {day} is {fmt.text(owed, cur)}"
    if promised.number > owed:
        raise InputError(
            "amount",
            f"{fmt.text(promised.number, cur)} is more than is owed: {what}",
        )
    values = [writer.Account(account), promised, by]
    return writer.custom(day, "ar-promise", values + ([invoice] if invoice else []))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def contact(
    loaded: Ledger,
    day: datetime.date,
    account: str,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
) -> str:
    """A person at the customer (a later one of the same name replaces it)."""
    email = _text(email, "email", False)
    if email and not _EMAIL.fullmatch(email):
        raise InputError("email", f"{email!r} is not an email address")
    values = [
        writer.Account(account),
        _text(name, "name"),
        _text(role, "role", False),
        email,
        _text(phone, "phone", False),
    ]
    return writer.custom(day, "ar-contact", values)


def dispute(
    loaded: Ledger, day: datetime.date, account: str, invoice: str, reason: str
) -> str:
    """The customer disputes an invoice: it leaves the dunning sequence."""
    check_invoice(loaded, account, invoice, "invoice")
    values = [writer.Account(account), invoice, _text(reason, "reason")]
    return writer.custom(day, "ar-dispute", values)


def resolved(loaded: Ledger, day: datetime.date, account: str, invoice: str) -> str:
    """A dispute is resolved: the invoice is dunned again."""
    check_invoice(loaded, account, invoice, "invoice")
    return writer.custom(day, "ar-resolved", [writer.Account(account), invoice])


def plan(
    loaded: Ledger,
    day: datetime.date,
    account: str,
    amount: str,
    count: str,
    frequency: str,
    first: datetime.date,
) -> str:
    """A work-out plan: `count` equal instalments of `amount` / `count`."""
    if not count.isdigit() or not 1 <= int(count) <= records.MAX_INSTALMENTS:
        raise InputError(
            "count",
            f"{count!r} is not a number of instalments from 1 to "
            f"{records.MAX_INSTALMENTS}",
        )
    if frequency not in FREQUENCIES:
        raise InputError("frequency", f"{frequency!r}: monthly or weekly")
    values = [
        writer.Account(account),
        parse_amount(amount, loaded, account),
        Decimal(count),
        frequency,
        first,
    ]
    return writer.custom(day, "ar-plan", values)


def hold(
    loaded: Ledger, day: datetime.date, account: str, on: bool, reason: str
) -> str:
    """A credit hold put on, or taken off, by hand."""
    return writer.custom(
        day, "ar-hold", [writer.Account(account), on, _text(reason, "reason", False)]
    )


def write(
    ledger_path: str | os.PathLike[str],
    loaded: Ledger,
    account: str,
    text: str,
    *,
    today: datetime.date | None = None,
) -> pathlib.Path:
    """Append a directive about `account` to the ledger's collections file,
    safely: the one path from `bean-ar log` and the Fava forms to the writer.

    On first use, a collections file the ledger includes but that does not
    exist yet is created (empty, then appended to).

    Args:
        today: The caller's today: a directive dated after it is refused (a
            note or promise dated ahead is a falsified record). None: no check.

    Returns:
        The collections file written to.

    Raises:
        InputError: The directive is dated after `today`, or while the
            account is not open.
        writer.WriteError: The write was refused; nothing changed.
    """
    day = datetime.date.fromisoformat(text[:10])
    check_not_after(day, today)
    check_active(loaded, account, day)
    writer.check_directive(text)
    path = writer.collections_path(ledger_path, loaded.config.collections_file)
    if writer.check_included(ledger_path, path, loaded.options.get("include", ())):
        writer.create(path)
    writer.append(path, text)
    return path


def check_not_after(day: datetime.date, today: datetime.date | None) -> None:
    """Refuse a record dated after `today` (None: no check): what is logged is
    what happened, dated when it happened."""
    if today is not None and day > today:
        raise InputError(
            "date",
            f"{day} is after today ({today}): a record cannot be dated in the future",
        )
