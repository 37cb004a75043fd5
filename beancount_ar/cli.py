"""The `bean-ar` command line: a thin adapter over the engine.

Ledger errors go to stderr as `file:line: message`, the report is still
printed, and the exit status is 1. Bad arguments exit 2 with a one-line reason.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import pathlib
import smtplib
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import click
from beancount.core.amount import Amount

from beancount_ar import aging as aging_lib
from beancount_ar import documents, logbook, render, writer
from beancount_ar import ledger as ledger_lib
from beancount_ar import metrics as metrics_lib
from beancount_ar import remind as remind_lib
from beancount_ar import statements as statements_lib
from beancount_ar import worklist as worklist_lib


class BeanArGroup(click.Group):
    """A group whose usage errors are one line: `bean-ar: error: ...`, status 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            click.echo(f"bean-ar: error: {exc.format_message()}", err=True)
            code = 2
        except click.ClickException as exc:
            exc.show()
            code = exc.exit_code
        except click.Abort:
            click.echo("Aborted!", err=True)
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _parse_date(value: str | None, name: str) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2024-06-30", param_hint=name
        ) from None


def _as_of(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime.date:
    return _parse_date(value, "--as-of") or datetime.date.today()


def _buckets(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        bounds = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a list of days like 30,60,90", param_hint="--buckets"
        ) from None
    if any(b < 1 for b in bounds) or list(bounds) != sorted(set(bounds)):
        raise click.BadParameter(
            f"{value!r}: bounds must be positive and increasing", param_hint="--buckets"
        )
    return bounds


def report_command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options every report shares: LEDGER, --as-of and --format."""

    @click.argument(
        "ledger",
        envvar="BEANCOUNT_FILE",
        type=click.Path(exists=True, dir_okay=False, readable=True),
    )
    @click.option(
        "--as-of",
        "as_of",
        callback=_as_of,
        metavar="DATE",
        help="Report as of this date (YYYY-MM-DD); default today.",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "csv", "json"]),
        default="table",
        show_default=True,
        help="Output format.",
    )
    @functools.wraps(fn)
    def wrapper(ledger: str, **kwargs: Any) -> Any:
        loaded = ledger_lib.load(ledger)
        for error in loaded.errors:
            click.echo(ledger_lib.error_line(error), err=True)
        fn(loaded, **kwargs)
        if loaded.errors:
            click.get_current_context().exit(1)

    return wrapper


_HINTS = {
    "customer": "ACCOUNT",
    "amount": "AMOUNT",
    "date": "--date",
    "invoice": "INVOICE",
    "text": "TEXT",
    "what": "WHAT",
    "due": "DATE",
    "by": "DATE",
}


def _bad(exc: logbook.InputError, hint: str | None = None) -> click.BadParameter:
    return click.BadParameter(exc.message, param_hint=hint or _HINTS.get(exc.field))


def resolve_customer(
    loaded: ledger_lib.Ledger, text: str, hint: str = "--customer"
) -> str:
    """A customer account from its account name, display name or last
    component, or an unambiguous beginning of either (case-insensitive)."""
    try:
        return logbook.resolve_customer(loaded, text)
    except logbook.InputError as exc:
        raise _bad(exc, hint) from None


def _emit(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


@click.group(cls=BeanArGroup)
@click.version_option(package_name="beancount-ar")
def cli() -> None:
    """Accounts receivable and collections for Beancount ledgers.

    LEDGER may be left out when BEANCOUNT_FILE names it.
    """


@cli.command()
@report_command
@click.option(
    "--basis",
    type=click.Choice(["due", "invoice"]),
    default="due",
    show_default=True,
    help="Age by days past due, or by days since the invoice date.",
)
@click.option(
    "--buckets", callback=_buckets, metavar="30,60,90", help="Bucket bounds in days."
)
@click.option("--detail", is_flag=True, help="List the open invoices too.")
@click.option("--customer", metavar="X", help="Only this customer (account or name).")
def aging(
    loaded: ledger_lib.Ledger,
    as_of: datetime.date,
    fmt: str,
    basis: str,
    buckets: tuple[int, ...] | None,
    detail: bool,
    customer: str | None,
) -> None:
    """Aging of every customer's balance, by bucket."""
    accounts = {resolve_customer(loaded, customer)} if customer else None
    report = aging_lib.aging(loaded.index, as_of, basis, buckets, accounts)
    amounts = render.Amounts(loaded.options.get("dcontext"))
    if fmt == "json":
        _emit(json.dumps(render.aging_json(report, amounts, detail), indent=2))
    elif fmt == "csv":
        _emit(render.aging_csv(report, amounts, detail))
    else:
        _emit(render.aging_table(report, amounts, detail))


@cli.command()
@report_command
@click.option(
    "--min-days",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Only invoices at least this many days past due.",
)
@click.option("--customer", metavar="X", help="Only this customer (account or name).")
def overdue(
    loaded: ledger_lib.Ledger,
    as_of: datetime.date,
    fmt: str,
    min_days: int,
    customer: str | None,
) -> None:
    """Overdue invoices, most overdue first, with their collections status."""
    accounts = {resolve_customer(loaded, customer)} if customer else None
    items = aging_lib.overdue(loaded.index, as_of, min_days, accounts)
    amounts = render.Amounts(loaded.options.get("dcontext"))
    if fmt == "json":
        _emit(json.dumps(render.overdue_json(as_of, items, amounts), indent=2))
    elif fmt == "csv":
        _emit(render.overdue_csv(items, amounts))
    else:
        _emit(render.overdue_table(as_of, items, amounts))


@cli.command()
@report_command
def worklist(loaded: ledger_lib.Ledger, as_of: datetime.date, fmt: str) -> None:
    """Today's calls: who, whom to ask for, and what about."""
    report = worklist_lib.worklist(loaded.index, as_of)
    amounts = render.Amounts(loaded.options.get("dcontext"))
    if fmt == "json":
        _emit(json.dumps(render.worklist_json(report, amounts), indent=2))
    elif fmt == "csv":
        _emit(render.worklist_csv(report, amounts))
    else:
        _emit(render.worklist_table(report, amounts))


@cli.command()
@report_command
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="The day before the period (default: 90 days before --as-of).",
)
def metrics(
    loaded: ledger_lib.Ledger, as_of: datetime.date, fmt: str, start: str | None
) -> None:
    """DSO, best possible DSO, ADD, CEI and days to pay, per customer."""
    begin = _parse_date(start, "--from") or as_of - datetime.timedelta(days=90)
    if begin >= as_of:
        raise click.BadParameter(
            f"{begin} is not before --as-of {as_of}", param_hint="--from"
        )
    report = metrics_lib.metrics(loaded.index, begin, as_of)
    amounts = render.Amounts(loaded.options.get("dcontext"))
    if fmt == "json":
        _emit(json.dumps(render.metrics_json(report, amounts), indent=2))
    elif fmt == "csv":
        _emit(render.metrics_csv(report, amounts))
    else:
        _emit(render.metrics_table(report, amounts))


# -- log: the only commands that write ------------------------------------


@cli.group()
def log() -> None:
    """Append a collections record to the collections file.

    Every subcommand takes [LEDGER] first (else BEANCOUNT_FILE), then the
    customer as its account, display name or last account component.
    """


def _split_ledger(
    args: tuple[str, ...], needed: int, optional: int = 0
) -> tuple[str, list[str]]:
    """LEDGER is the first argument unless BEANCOUNT_FILE gives it."""
    values = list(args)
    env = os.environ.get("BEANCOUNT_FILE")
    if needed <= len(values) <= needed + optional and env:
        ledger = env
    elif needed + 1 <= len(values) <= needed + 1 + optional:
        ledger = values.pop(0)
    else:
        raise click.UsageError(
            f"expected {'[LEDGER] ' if env else 'LEDGER '}and {needed} more "
            f"argument{'s' if needed > 1 else ''}, got {len(values)}"
        )
    if not os.path.isfile(ledger):
        raise click.BadParameter(f"no ledger file {ledger!r}", param_hint="LEDGER")
    return ledger, values


def _amount(text: str, loaded: ledger_lib.Ledger, account: str) -> Amount:
    try:
        return logbook.parse_amount(text, loaded, account)
    except logbook.InputError as exc:
        raise _bad(exc) from None


def _write(
    loaded_path: str, make: Callable[[ledger_lib.Ledger, str], str], account_text: str
) -> None:
    """Load, resolve the customer, build the directive, and append it safely."""
    loaded = ledger_lib.load(loaded_path)
    account = resolve_customer(loaded, account_text, "ACCOUNT")
    try:
        text = make(loaded, account)
        path = logbook.write(loaded_path, loaded, account, text)
    except logbook.InputError as exc:
        raise _bad(exc) from None
    except writer.WriteError as exc:
        click.echo(f"bean-ar: {exc}", err=True)
        click.get_current_context().exit(1)
    click.echo(f"Appended to {path}:\n{text}", nl=False)


def _date_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--date", "day", metavar="DATE", help="The directive's date (default today)."
    )(fn)


def _day(value: str | None) -> datetime.date:
    return _parse_date(value, "--date") or datetime.date.today()


@log.command("note", context_settings={"ignore_unknown_options": False})
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT TEXT")
@click.option("--contact", help="Whom you spoke to.")
@click.option("--channel", type=click.Choice(["phone", "email", "letter", "visit"]))
@_date_option
def log_note(
    args: tuple[str, ...], contact: str | None, channel: str | None, day: str | None
) -> None:
    """A contact log entry: what was said, to whom."""
    path, (account, text) = _split_ledger(args, 2)
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
    path, (account, due, what) = _split_ledger(args, 3)
    due_date = _parse_date(due, "DATE")
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
    path, (account, amount, by) = _split_ledger(args, 3)
    by_date = _parse_date(by, "DATE")
    when = _day(day)

    def make(loaded: ledger_lib.Ledger, acc: str) -> str:
        return logbook.promise(loaded, when, acc, amount, by_date, invoice)

    _write(path, make, account)


@log.command("dispute")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT INVOICE REASON")
@_date_option
def log_dispute(args: tuple[str, ...], day: str | None) -> None:
    """The customer disputes an invoice: it leaves the dunning sequence."""
    path, (account, invoice, reason) = _split_ledger(args, 3)
    _write(path, _invoice_record("ar-dispute", invoice, [reason], _day(day)), account)


@log.command("resolve")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT INVOICE")
@_date_option
def log_resolve(args: tuple[str, ...], day: str | None) -> None:
    """A dispute is resolved: the invoice is dunned again."""
    path, (account, invoice) = _split_ledger(args, 2)
    _write(path, _invoice_record("ar-resolved", invoice, [], _day(day)), account)


def _invoice_record(
    type_: str, invoice: str, rest: list[str], when: datetime.date
) -> Callable[[ledger_lib.Ledger, str], str]:
    def make(loaded: ledger_lib.Ledger, acc: str) -> str:
        logbook.check_invoice(loaded, acc, invoice, "invoice")
        return writer.custom(when, type_, [writer.Account(acc), invoice, *rest])

    return make


@log.command("plan")
@click.argument(
    "args", nargs=-1, metavar="[LEDGER] ACCOUNT AMOUNT N monthly|weekly FIRST-DATE"
)
@_date_option
def log_plan(args: tuple[str, ...], day: str | None) -> None:
    """A work-out plan: N equal instalments of AMOUNT/N from FIRST-DATE."""
    path, (account, amount, count, frequency, first) = _split_ledger(args, 5)
    if not count.isdigit() or int(count) < 1:
        raise click.BadParameter(
            f"{count!r} is not a number of instalments", param_hint="N"
        )
    if frequency not in ("monthly", "weekly"):
        raise click.BadParameter(
            f"{frequency!r}: monthly or weekly", param_hint="FREQUENCY"
        )
    first_date = _parse_date(first, "FIRST-DATE")
    when = _day(day)
    _write(
        path,
        lambda loaded, acc: writer.custom(
            when,
            "ar-plan",
            [
                writer.Account(acc),
                _amount(amount, loaded, acc),
                Decimal(count),
                frequency,
                first_date,
            ],
        ),
        account,
    )


@log.command("hold")
@click.argument("args", nargs=-1, metavar="[LEDGER] ACCOUNT on|off REASON")
@_date_option
def log_hold(args: tuple[str, ...], day: str | None) -> None:
    """Put a customer on credit hold, or take it off."""
    path, (account, state, reason) = _split_ledger(args, 3)
    if state not in ("on", "off"):
        raise click.BadParameter(f"{state!r}: on or off", param_hint="STATE")
    when = _day(day)
    _write(
        path,
        lambda _, acc: writer.custom(
            when, "ar-hold", [writer.Account(acc), state == "on", reason]
        ),
        account,
    )


# -- statements, reminders, templates -------------------------------------


def _templates_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False),
        help="A folder of templates overriding the defaults, file by file.",
    )(fn)


def _render_statement(
    env: Any,
    loaded: ledger_lib.Ledger,
    account: str,
    as_of: datetime.date,
    kind: str,
    start: datetime.date | None,
    fmt: str,
) -> bytes:
    statement = statements_lib.statement(loaded.index, account, as_of, kind, start)
    context = remind_lib.statement_context(statement)
    if fmt == "txt":
        return documents.render(env, "statement.txt", context).encode()
    html = documents.render(env, "statement.html", context)
    return documents.pdf(html) if fmt == "pdf" else html.encode()


@cli.command()
@click.argument("args", nargs=-1, metavar="[LEDGER] [CUSTOMER]")
@click.option(
    "--as-of",
    "as_of",
    callback=_as_of,
    metavar="DATE",
    help="Statement date (default today).",
)
@click.option(
    "--kind",
    type=click.Choice(statements_lib.KINDS),
    default="open-item",
    show_default=True,
)
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="First day of an activity statement (default: the 1st of the month).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "txt", "pdf"]),
    default="html",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True),
    help="File (or folder with --all).",
)
@click.option(
    "--all", "all_", is_flag=True, help="One file per customer with a balance."
)
@_templates_option
def statement(
    args: tuple[str, ...],
    as_of: datetime.date,
    kind: str,
    start: str | None,
    fmt: str,
    output: str | None,
    all_: bool,
    templates: str | None,
) -> None:
    """A customer statement: open items, or activity with a running balance."""
    path, rest = _split_ledger(args, 0 if all_ else 1)
    begin = _parse_date(start, "--from")
    if all_ and not output:
        raise click.UsageError("--all needs -o DIR")
    if fmt == "pdf" and not output:
        raise click.UsageError("a PDF needs -o FILE")
    loaded = ledger_lib.load(path)
    for error in loaded.errors:
        click.echo(ledger_lib.error_line(error), err=True)
    env = documents.environment(
        templates, render.Amounts(loaded.options.get("dcontext"))
    )
    try:
        if all_:
            folder = pathlib.Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            accounts = statements_lib.customers_with_balance(loaded.index, as_of)
            with click.progressbar(
                accounts, label="Statements", file=sys.stderr, hidden=len(accounts) < 10
            ) as bar:
                for account in bar:
                    data = _render_statement(
                        env, loaded, account, as_of, kind, begin, fmt
                    )
                    name = f"{account.rsplit(':', 1)[-1]}-{as_of}.{fmt}"
                    (folder / name).write_bytes(data)
            click.echo(f"{len(accounts)} statements in {folder}", err=True)
        else:
            account = resolve_customer(loaded, rest[0])
            data = _render_statement(env, loaded, account, as_of, kind, begin, fmt)
            if output:
                pathlib.Path(output).write_bytes(data)
            else:
                click.echo(data.decode(), nl=False)
    except documents.TemplateError as exc:
        raise click.ClickException(f"template error: {exc}") from None
    if loaded.errors:
        click.get_current_context().exit(1)


@cli.command()
@click.argument("args", nargs=-1, metavar="[LEDGER]")
@click.option(
    "--as-of",
    "as_of",
    callback=_as_of,
    metavar="DATE",
    help="Today (default: the real one).",
)
@click.option(
    "--out", type=click.Path(file_okay=False), help="Write each email as .eml here."
)
@click.option("--send", is_flag=True, help="Deliver over SMTP and log a note for each.")
@click.option("--smtp", metavar="HOST:PORT", help="The SMTP server (with --send).")
@click.option("--starttls", is_flag=True, help="Use STARTTLS.")
@click.option(
    "--user", help="SMTP login; the password comes from BEAN_AR_SMTP_PASSWORD."
)
@click.option(
    "--from", "sender", metavar="ADDRESS", help="From (default: the ar-company email)."
)
@_templates_option
def remind(
    args: tuple[str, ...],
    as_of: datetime.date,
    out: str | None,
    send: bool,
    smtp: str | None,
    starttls: bool,
    user: str | None,
    sender: str | None,
    templates: str | None,
) -> None:
    """Reminder emails for the customers due one today, worded by level."""
    path, _ = _split_ledger(args, 0)
    host, port = _smtp_address(smtp) if send else ("", 0)
    loaded = ledger_lib.load(path)
    for error in loaded.errors:
        click.echo(ledger_lib.error_line(error), err=True)
    collections = writer.collections_path(path, loaded.config.collections_file)
    if send:
        # Refuse to send what could not be logged: it would be sent again.
        try:
            writer.check_included(path, collections, loaded.options.get("include", ()))
        except writer.WriteError as exc:
            click.echo(f"bean-ar: {exc}", err=True)
            click.get_current_context().exit(1)
    env = documents.environment(
        templates, render.Amounts(loaded.options.get("dcontext"))
    )
    try:
        reminders = remind_lib.build(loaded.index, as_of, env, sender)
    except documents.TemplateError as exc:
        raise click.ClickException(f"template error: {exc}") from None
    failed = 0
    for r in reminders:
        if r.message is None:
            click.echo(
                f"bean-ar: {r.customer}: {r.problem}, not reminded "
                f"({r.level}: {', '.join(r.invoices)})",
                err=True,
            )
            failed += 1
    ready = [r for r in reminders if r.message is not None]
    if out:
        folder = pathlib.Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        for r in ready:
            name = f"{as_of}-{r.account.rsplit(':', 1)[-1]}-{r.level}.eml"
            (folder / name).write_bytes(r.message.as_bytes())
        click.echo(f"{len(ready)} emails in {folder}")
    if send:

        def logged(r: remind_lib.Reminder) -> None:
            ids = ", ".join(r.invoices)
            text = f"Emailed {r.level} reminder for {ids}; statement attached"
            note = writer.note(
                as_of, r.account, text, {"contact": r.to_name, "channel": "email"}
            )
            writer.append(collections, note)

        try:
            outcomes = remind_lib.send(
                ready,
                host,
                port,
                starttls=starttls,
                user=user,
                password=os.environ.get("BEAN_AR_SMTP_PASSWORD"),
                on_sent=logged,
            )
        except (OSError, smtplib.SMTPException, writer.WriteError) as exc:
            click.echo(f"bean-ar: sending stopped: {exc}", err=True)
            click.get_current_context().exit(1)
        for o in outcomes:
            if o.sent:
                r = o.reminder
                click.echo(f"sent {r.level} to {r.to} ({r.customer})")
            else:
                failed += 1
                click.echo(
                    f"bean-ar: {o.reminder.customer}: not sent: {o.error}", err=True
                )
    if not out and not send:
        for r in ready:
            click.echo(f"{r.customer}: {r.level} to {r.to} ({', '.join(r.invoices)})")
        click.echo("(nothing sent: use --out DIR to write them, --send to deliver)")
    if failed or loaded.errors:
        click.get_current_context().exit(1)


def _smtp_address(value: str | None) -> tuple[str, int]:
    if not value:
        raise click.UsageError("--send needs --smtp HOST:PORT")
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint="--smtp")
    return host, int(port)


@cli.group()
def templates() -> None:
    """The Jinja2 templates of statements and reminders."""


@templates.command("export")
@click.argument("folder", type=click.Path(file_okay=False))
def templates_export(folder: str) -> None:
    """Copy the default templates into FOLDER to edit them (keeps existing files)."""
    written, kept = documents.export(pathlib.Path(folder))
    for path in written:
        click.echo(f"wrote {path}")
    for path in kept:
        click.echo(f"kept {path} (already there)")


def main() -> None:
    cli(prog_name="bean-ar")
