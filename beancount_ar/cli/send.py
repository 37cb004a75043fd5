"""Statements, reminders and templates."""

from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
import smtplib
import sys
from collections.abc import Callable
from typing import Any, NamedTuple

import click

from beancount_ar import delivery, documents, render, schedule, writer
from beancount_ar import ledger as ledger_lib
from beancount_ar import remind as remind_lib
from beancount_ar import statements as statements_lib
from beancount_ar.cli.common import (
    as_of_opt,
    cli,
    parse_date,
    resolve_customer,
    split_ledger,
)
from beancount_ar.render_worklist import plural

# -- statements, reminders, templates -------------------------------------


def _templates_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--templates",
        type=click.Path(exists=True, file_okay=False),
        help="A folder of templates overriding the defaults, file by file.",
    )(fn)


def _checked_sender(ctx: click.Context, param: click.Parameter, value: str | None):
    """The sender's address, refused once here rather than for every email."""
    if value is None:
        return None
    try:
        remind_lib.address("", value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _sending_options(
    sender_flag: str = "--from",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--out, --send, --smtp, --starttls, --user and the sender's address
    (`--from`, or `--sender` where --from is a date)."""
    options = [
        click.option(
            "--out",
            type=click.Path(file_okay=False),
            help="Write each email as .eml here.",
        ),
        click.option(
            "--send", is_flag=True, help="Deliver over SMTP and log a note for each."
        ),
        click.option(
            "--smtp", metavar="HOST:PORT", help="The SMTP server (with --send)."
        ),
        click.option("--starttls", is_flag=True, help="Use STARTTLS."),
        click.option(
            "--user", help="SMTP login; the password comes from BEAN_AR_SMTP_PASSWORD."
        ),
        click.option(
            sender_flag,
            "sender",
            metavar="ADDRESS",
            callback=_checked_sender,
            help="From (default: the ar-company email).",
        ),
    ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


class _Delivery(NamedTuple):
    """Where and how the emails of a run go."""

    out: str | None
    send: bool
    smtp: str | None
    starttls: bool
    user: str | None
    sender: str | None


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
    context = remind_lib.statement_context(statement, loaded.index)
    if fmt == "txt":
        return documents.render(env, "statement.txt", context).encode()
    html = documents.render(env, "statement.html", context)
    return documents.pdf(html, env) if fmt == "pdf" else html.encode()


@cli.command()
@click.argument("args", nargs=-1, metavar="[LEDGER] [CUSTOMER]")
@as_of_opt("Statement date (default today).")
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
    "--all",
    "all_",
    is_flag=True,
    help="Every customer with a balance: with -o DIR one file each; else the "
    "monthly statement run (those due one today, listed, or --out/--send).",
)
@_sending_options("--sender")
@_templates_option
def statement(
    args: tuple[str, ...],
    as_of: datetime.date,
    kind: str,
    start: str | None,
    fmt: str,
    output: str | None,
    all_: bool,
    out: str | None,
    send: bool,
    smtp: str | None,
    starttls: bool,
    user: str | None,
    sender: str | None,
    templates: str | None,
) -> None:
    """A customer statement: open items, or activity with a running balance.

    With --all and no -o, the monthly statement run: each customer with a
    balance whose statement day (its `statement-day:`, else the configured
    `statement_day`) has come this month and who was not sent one since gets
    its open-item statement by email (--send), once a month.
    """
    path, rest = split_ledger(args, 0 if all_ else 1)
    begin = parse_date(start, "--from")
    if begin is not None and begin > as_of:
        raise click.BadParameter(
            f"{begin} is after --as-of {as_of}", param_hint="--from"
        )
    emails = send or out or smtp or starttls or user or sender
    if emails and not (all_ and not output):
        raise click.UsageError(
            "--out, --send and the SMTP options go with --all and no -o "
            "(the monthly statement run)"
        )
    if all_ and not output:
        source = click.get_current_context().get_parameter_source
        if (
            kind != statements_lib.OPEN_ITEM
            or begin is not None
            or source("fmt") != click.core.ParameterSource.DEFAULT
        ):
            raise click.UsageError(
                "the statement run emails open-item statements as PDFs: "
                "--kind, --from and --format go with -o"
            )
        delivery = _Delivery(out, send, smtp, starttls, user, sender)
        _run(path, as_of, delivery, templates, remind_lib.build_statements)
        return
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
            click.echo(f"{plural(len(accounts), 'statement')} in {folder}", err=True)
        else:
            account = resolve_customer(loaded, rest[0], "CUSTOMER")
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
@as_of_opt("Today (default: the real one).")
@_sending_options()
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
    """Reminder emails for the customers due one today, worded by level; with
    `courtesy_days` set, also a friendly note about invoices falling due."""
    path, _ = split_ledger(args, 0)
    delivery = _Delivery(out, send, smtp, starttls, user, sender)
    _run(path, as_of, delivery, templates, _reminders)


def _reminders(
    index: Any, as_of: datetime.date, env: Any, sender: str | None
) -> list[remind_lib.Reminder]:
    """The dunning reminders due, then the courtesy reminders."""
    return remind_lib.build(index, as_of, env, sender) + remind_lib.build_courtesy(
        index, as_of, env, sender
    )


def _run(
    path: str,
    as_of: datetime.date,
    delivery: _Delivery,
    templates: str | None,
    build: Callable[..., list[remind_lib.Reminder]],
    loaded: ledger_lib.Ledger | None = None,
) -> None:
    """Build a run's emails, then list them, write them (--out) or send
    them (--send), each logged before it goes; exit 1 on any failure."""
    host, port = _smtp_address(delivery.smtp) if delivery.send else ("", 0)
    if loaded is None:
        loaded = ledger_lib.load(path)
        for error in loaded.errors:
            click.echo(ledger_lib.error_line(error), err=True)
    collections = writer.collections_path(path, loaded.config.collections_file)
    if delivery.send:
        _ready_to_log(path, loaded, collections)
        company = statements_lib.company(loaded.index, as_of)
        if not delivery.sender and not (company and company.email):
            click.echo(
                "bean-ar: no sender address: give the seller's email on the "
                'custom "ar-company" directive, or --from ADDRESS; nothing sent',
                err=True,
            )
            click.get_current_context().exit(1)
    if not delivery.sender and company_email(loaded, as_of):
        try:
            remind_lib.address("", company_email(loaded, as_of))
        except ValueError as exc:
            click.echo(
                f'bean-ar: the email of custom "ar-company" is {exc}; nothing sent',
                err=True,
            )
            click.get_current_context().exit(1)
    env = documents.environment(
        templates, render.Amounts(loaded.options.get("dcontext"))
    )
    try:
        reminders = build(loaded.index, as_of, env, delivery.sender)
    except documents.TemplateError as exc:
        raise click.ClickException(f"template error: {exc}") from None
    failed = 0
    for r in reminders:
        if r.message is not None:
            continue
        about = f" ({r.what}: {', '.join(r.invoices)})" if r.invoices else ""
        if r.opted_out:
            click.echo(f"{r.customer}: {r.problem}, {_not_sent(r)}{about}")
            continue
        click.echo(
            f"bean-ar: {r.customer}: {r.problem}, {_not_sent(r)}{about}", err=True
        )
        failed += 1
    ready = [r for r in reminders if r.message is not None]
    if delivery.out:
        folder = pathlib.Path(delivery.out)
        folder.mkdir(parents=True, exist_ok=True)
        for r in ready:
            name = f"{as_of}-{r.account.rsplit(':', 1)[-1]}-{r.level}.eml"
            (folder / name).write_bytes(r.message.as_bytes())
        click.echo(f"{plural(len(ready), 'email')} in {folder}")
    if delivery.send:
        failed += _send(
            ready, collections, as_of, host, port, delivery.starttls, delivery.user
        )
        if not ready:
            click.echo(f"nothing to send on {as_of}")
    if not delivery.out and not delivery.send:
        for r in ready:
            about = f" ({', '.join(r.invoices)})" if r.invoices else ""
            click.echo(f"{r.customer}: {r.what} to {r.to}{about}")
        click.echo("(nothing sent: use --out DIR to write them, --send to deliver)")
    if failed or loaded.errors:
        click.get_current_context().exit(1)


def company_email(loaded: ledger_lib.Ledger, as_of: datetime.date) -> str | None:
    company = statements_lib.company(loaded.index, as_of)
    return company.email if company else None


def _not_sent(r: remind_lib.Reminder) -> str:
    return "no statement" if r.kind == schedule.STATEMENT else "not reminded"


def _ready_to_log(
    path: str, loaded: ledger_lib.Ledger, collections: pathlib.Path
) -> None:
    """Refuse to send what could not be logged: it would be sent again. A
    file the ledger includes but that does not exist yet is created."""
    try:
        if writer.check_included(path, collections, loaded.options.get("include", ())):
            writer.create(collections)
        writer.check_writable(collections)
    except writer.WriteError as exc:
        click.echo(f"bean-ar: {exc}; nothing sent", err=True)
        click.get_current_context().exit(1)


def _send(
    ready: list[remind_lib.Reminder],
    collections: pathlib.Path,
    as_of: datetime.date,
    host: str,
    port: int,
    starttls: bool,
    user: str | None,
) -> int:
    """Send the reminders, each recorded before it goes; the count of those
    not delivered for sure."""

    def note(r: remind_lib.Reminder, text: str) -> None:
        meta = remind_lib.note_meta(r)
        writer.append(collections, writer.note(as_of, r.account, text, meta))

    def record(r: remind_lib.Reminder) -> None:
        note(r, remind_lib.note_text(r))

    def refused(r: remind_lib.Reminder, error: str) -> None:
        with contextlib.suppress(writer.WriteError):  # reported below anyway
            note(r, remind_lib.refused_text(r, error))

    try:
        outcomes = delivery.send(
            ready,
            host,
            port,
            record=record,
            refused=refused,
            starttls=starttls,
            user=user,
            password=os.environ.get("BEAN_AR_SMTP_PASSWORD"),
        )
    except writer.WriteError as exc:
        click.echo(
            f"bean-ar: could not record the next email, so it was not sent: {exc}",
            err=True,
        )
        return 1
    except (OSError, smtplib.SMTPException) as exc:
        click.echo(f"bean-ar: could not reach the mail server: {exc}", err=True)
        return 1
    failed = 0
    for o in outcomes:
        r, mid = o.reminder, remind_lib.message_id(o.reminder)
        if o.status == delivery.SENT:
            click.echo(f"sent {r.what} to {r.to} ({r.customer})")
            continue
        failed += 1
        if o.status == delivery.REFUSED:
            why = f"not delivered: {o.error} (Message-ID {mid}; not sent again)"
        elif o.status == delivery.UNCERTAIN:
            why = (
                f"may not have been delivered ({o.error}); Message-ID {mid}; "
                "recorded, so it will not be sent again: ask the mail server"
            )
        else:
            why = f"not sent ({o.error}); a rerun sends it"
        click.echo(f"bean-ar: {r.customer}: {why}", err=True)
    return failed


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
