"""Statements, reminders and templates."""

from __future__ import annotations

import contextlib
import datetime
import os
import pathlib
import smtplib
import sys
from collections.abc import Callable
from typing import Any

import click

from beancount_ar import documents, render, writer
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
    path, rest = split_ledger(args, 0 if all_ else 1)
    begin = parse_date(start, "--from")
    if begin is not None and begin > as_of:
        raise click.BadParameter(
            f"{begin} is after --as-of {as_of}", param_hint="--from"
        )
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
    path, _ = split_ledger(args, 0)
    host, port = _smtp_address(smtp) if send else ("", 0)
    loaded = ledger_lib.load(path)
    for error in loaded.errors:
        click.echo(ledger_lib.error_line(error), err=True)
    collections = writer.collections_path(path, loaded.config.collections_file)
    if send:
        _ready_to_log(path, loaded, collections)
        company = statements_lib.company(loaded.index, as_of)
        if not sender and not (company and company.email):
            click.echo(
                "bean-ar: no sender address: give the seller's email on the "
                'custom "ar-company" directive, or --from ADDRESS; nothing sent',
                err=True,
            )
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
        click.echo(f"{plural(len(ready), 'email')} in {folder}")
    if send:
        failed += _send(ready, collections, as_of, host, port, starttls, user)
    if not out and not send:
        for r in ready:
            click.echo(f"{r.customer}: {r.level} to {r.to} ({', '.join(r.invoices)})")
        click.echo("(nothing sent: use --out DIR to write them, --send to deliver)")
    if failed or loaded.errors:
        click.get_current_context().exit(1)


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
        meta = {
            "contact": r.to_name,
            "channel": "email",
            "message-id": remind_lib.message_id(r),
        }
        writer.append(collections, writer.note(as_of, r.account, text, meta))

    def record(r: remind_lib.Reminder) -> None:
        note(r, remind_lib.note_text(r))

    def refused(r: remind_lib.Reminder, error: str) -> None:
        with contextlib.suppress(writer.WriteError):  # reported below anyway
            note(r, remind_lib.refused_text(r, error))

    try:
        outcomes = remind_lib.send(
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
        if o.status == remind_lib.SENT:
            click.echo(f"sent {r.level} to {r.to} ({r.customer})")
            continue
        failed += 1
        if o.status == remind_lib.REFUSED:
            why = f"not delivered: {o.error} (Message-ID {mid}; not sent again)"
        elif o.status == remind_lib.UNCERTAIN:
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
