"""`bean-ar log`: the only commands that write."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import click
from beancount.core.amount import Amount

from beancount_ar import ledger as ledger_lib
from beancount_ar import logbook, writer
from beancount_ar.cli.common import (
    bad_input,
    cli,
    parse_date,
    resolve_customer,
    split_ledger,
)


@cli.group()
def log() -> None:
    """Append a collections record to the collections file.

    Every subcommand takes [LEDGER] first (else BEANCOUNT_FILE), then the
    customer as its account, display name or last account component.
    """


def _amount(text: str, loaded: ledger_lib.Ledger, account: str) -> Amount:
    try:
        return logbook.parse_amount(text, loaded, account)
    except logbook.InputError as exc:
        raise bad_input(exc) from None


def _write(
    loaded_path: str,
    make: Callable[[ledger_lib.Ledger, str], str],
    account_text: str,
    hints: dict[str, str] | None = None,
) -> None:
    """Load, resolve the customer, build the directive, and append it safely.

    `hints` names the argument or option of a refused field where the
    command's own name for it differs from the usual one."""
    loaded = ledger_lib.load(loaded_path)
    account = resolve_customer(loaded, account_text, "ACCOUNT")
    target = writer.collections_path(loaded_path, loaded.config.collections_file)
    existed = target.exists()
    try:
        text = make(loaded, account)
        path = logbook.write(
            loaded_path, loaded, account, text, today=datetime.date.today()
        )
    except logbook.InputError as exc:
        raise bad_input(exc, (hints or {}).get(exc.field)) from None
    except writer.WriteError as exc:
        click.echo(f"bean-ar: {exc}", err=True)
        click.get_current_context().exit(1)
    if not existed:
        click.echo(f"Created {path} (the ledger includes it)")
    click.echo(f"Appended to {path}:\n{text}", nl=False)


def _date_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--date", "day", metavar="DATE", help="The directive's date (default today)."
    )(fn)


def _day(value: str | None) -> datetime.date:
    """The directive's date: --date, default today; never after today."""
    today = datetime.date.today()
    day = parse_date(value, "--date") or today
    try:
        logbook.check_not_after(day, today)
    except logbook.InputError as exc:
        raise bad_input(exc) from None
    return day


@log.command("note", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT TEXT")
@click.option("--contact", help="Whom you spoke to.")
@click.option("--channel", type=click.Choice(["phone", "email", "letter", "visit"]))
@_date_option
def log_note(
    args: tuple[str, ...], contact: str | None, channel: str | None, day: str | None
) -> None:
    """A contact log entry: what was said, to whom."""
    path, (account, text) = split_ledger(args, 2)
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: logbook.note(loaded, when, acc, text, contact, channel),
        account,
    )


@log.command("followup")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT DATE WHAT")
@_date_option
def log_followup(args: tuple[str, ...], day: str | None) -> None:
    """A follow-up for DATE (done once a note is logged on or after it)."""
    path, (account, due, what) = split_ledger(args, 3)
    due_date = parse_date(due, "DATE")
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: logbook.followup(loaded, when, acc, due_date, what),
        account,
    )


@log.command("promise")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT AMOUNT DATE")
@click.option("--invoice", help="The invoice the promise is for.")
@_date_option
def log_promise(args: tuple[str, ...], invoice: str | None, day: str | None) -> None:
    """A promise to pay AMOUNT by DATE."""
    path, (account, amount, by) = split_ledger(args, 3)
    by_date = parse_date(by, "DATE")
    when = _day(day)

    def make(loaded: ledger_lib.Ledger, acc: str) -> str:
        return logbook.promise(loaded, when, acc, amount, by_date, invoice)

    _write(path, make, account, {"invoice": "--invoice"})


@log.command("contact")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT NAME")
@click.option("--role", default="", help='e.g. "A/P Clerk", "Controller", "Owner".')
@click.option("--email", default="", help="Their email address.")
@click.option("--phone", default="", help="Their phone number.")
@_date_option
def log_contact(
    args: tuple[str, ...], role: str, email: str, phone: str, day: str | None
) -> None:
    """A person at the customer: whom to ask for, by their role."""
    path, (account, name) = split_ledger(args, 2)
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: logbook.contact(
            loaded, when, acc, name, role, email, phone
        ),
        account,
        {"name": "NAME", "role": "--role", "email": "--email", "phone": "--phone"},
    )


@log.command("dispute")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT INVOICE REASON")
@_date_option
def log_dispute(args: tuple[str, ...], day: str | None) -> None:
    """The customer disputes an invoice: it leaves the dunning sequence."""
    path, (account, invoice, reason) = split_ledger(args, 3)
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: logbook.dispute(loaded, when, acc, invoice, reason),
        account,
    )


@log.command("resolve")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT INVOICE")
@_date_option
def log_resolve(args: tuple[str, ...], day: str | None) -> None:
    """A dispute is resolved: the invoice is dunned again."""
    path, (account, invoice) = split_ledger(args, 2)
    when = _day(day)
    _write(
        path, lambda loaded, acc: logbook.resolved(loaded, when, acc, invoice), account
    )


@log.command("plan")
@click.argument(
    "args", nargs=-1, metavar="[LEDGER] ACCOUNT AMOUNT N monthly|weekly FIRST-DATE"
)
@_date_option
def log_plan(args: tuple[str, ...], day: str | None) -> None:
    """A work-out plan: N equal instalments of AMOUNT/N from FIRST-DATE."""
    path, (account, amount, count, frequency, first) = split_ledger(args, 5)
    first_date = parse_date(first, "FIRST-DATE")
    when = _day(day)

    def make(loaded: ledger_lib.Ledger, acc: str) -> str:
        return logbook.plan(loaded, when, acc, amount, count, frequency, first_date)

    _write(path, make, account, {"count": "N", "frequency": "monthly|weekly"})


@log.command("hold")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT on|off REASON")
@_date_option
def log_hold(args: tuple[str, ...], day: str | None) -> None:
    """Put a customer on credit hold, or take it off."""
    path, (account, state, reason) = split_ledger(args, 3)
    if state not in ("on", "off"):
        raise click.BadParameter(f"{state!r}: on or off", param_hint="on|off")
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: logbook.hold(loaded, when, acc, state == "on", reason),
        account,
    )
