"""Invoices from the ledger: `bean-ar invoice`."""

from __future__ import annotations

import datetime
import os
import pathlib
import sys

import click

from beancount_ar import documents, invoices, render_invoice
from beancount_ar import ledger as ledger_lib
from beancount_ar.cli.common import (
    as_of_opt,
    cli,
    parse_date,
    resolve_customer,
    split_ledger,
)
from beancount_ar.money import Amounts
from beancount_ar.openitems import Invoice
from beancount_ar.render_worklist import plural


def _one(loaded: ledger_lib.Ledger, invoice_id: str, account: str | None) -> Invoice:
    """The invoice an id names, or a one-line reason naming the argument."""
    index = loaded.index
    found = invoices.find(index, invoice_id, account)
    if len(found) == 1:
        return found[0]
    if found:
        whose = " and ".join(index.customers[inv.account].name for inv in found)
        raise click.BadParameter(
            f"{invoice_id} is an invoice of {whose}: name one with --customer",
            param_hint="--customer",
        )
    others = invoices.find(index, invoice_id) if account else []
    if others:
        whose = " and ".join(index.customers[inv.account].name for inv in others)
        raise click.BadParameter(
            f"{invoice_id} is an invoice of {whose}, not of "
            f"{index.customers[account].name}",
            param_hint="--customer",
        )
    close = invoices.suggestions(index, invoice_id, account)
    of = f" of {index.customers[account].name}" if account else ""
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise click.BadParameter(
        f"no invoice {invoice_id!r}{of}{hint}", param_hint="INV-ID"
    )


def _shown(path: str, ledger: str) -> str:
    """A document's path as the ledger writes it: relative to its folder."""
    try:
        return os.path.relpath(path, os.path.dirname(os.path.abspath(ledger)))
    except ValueError:  # another drive
        return path


@cli.command()
@click.argument("args", nargs=-1, metavar="[LEDGER] [INV-ID]")
@click.option(
    "--customer", metavar="CUSTOMER", help="The customer, when two use the id."
)
@as_of_opt("Payments, credits and debit memos up to this date (default today).")
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="With --all: invoices dated from this day (default: all).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(render_invoice.FORMATS),
    default="html",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=True),
    help="File (or folder, with --all).",
)
@click.option(
    "--all", "all_", is_flag=True, help="One file per invoice dated to --as-of."
)
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False),
    help="A folder of templates overriding the defaults, file by file.",
)
def invoice(
    args: tuple[str, ...],
    customer: str | None,
    as_of: datetime.date,
    start: str | None,
    fmt: str,
    output: str | None,
    all_: bool,
    templates: str | None,
) -> None:
    """An invoice as the customer receives it: its lines, taxes, total, what
    is still open, how to pay and a remittance slip.

    A PDF is the ledger's own document of the invoice when a `document`
    entry links it, else rendered from the templates.
    """
    path, rest = split_ledger(args, 0 if all_ else 1)
    begin = parse_date(start, "--from")
    if begin is not None and not all_:
        raise click.BadParameter("goes with --all only", param_hint="--from")
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
    index = loaded.index
    account = resolve_customer(loaded, customer) if customer else None
    env = documents.environment(templates, Amounts(loaded.options.get("dcontext")))

    said: list[str] = []

    def report(own: render_invoice.OwnDocument, invoice_id: str) -> None:
        where = _shown(own.path, path)
        if own.data is not None:
            said.append(f"{invoice_id}: the ledger's own document {where}")
        else:
            said.append(
                f"bean-ar: {invoice_id}: the ledger's document {where} "
                f"{own.problem}; rendered from the templates instead"
            )

    try:
        if all_:
            folder = pathlib.Path(output)
            folder.mkdir(parents=True, exist_ok=True)
            chosen = invoices.issued(
                index, begin, as_of, {account} if account else None
            )
            names: set[str] = set()
            with click.progressbar(
                chosen, label="Invoices", file=sys.stderr, hidden=len(chosen) < 10
            ) as bar:
                for inv in bar:
                    data = render_invoice.render(
                        env, index, inv, as_of, fmt,
                        lambda own, inv=inv: report(own, inv.id),
                    )  # fmt: skip
                    name = render_invoice.filename(inv, fmt)
                    if name in names:  # one id, two customers
                        leaf = inv.account.rsplit(":", 1)[-1]
                        name = f"{name.rsplit('.', 1)[0]}-{leaf}.{fmt}"
                    names.add(name)
                    (folder / name).write_bytes(data)
            for line in said:
                click.echo(line, err=True)
            click.echo(f"{plural(len(chosen), 'invoice')} in {folder}", err=True)
        else:
            inv = _one(loaded, rest[0], account)
            if inv.date > as_of:
                raise click.BadParameter(
                    f"{inv.id} is dated {inv.date}, after {as_of}",
                    param_hint="--as-of",
                )
            data = render_invoice.render(
                env, index, inv, as_of, fmt, lambda own: report(own, inv.id)
            )
            for line in said:
                click.echo(line, err=True)
            if output:
                target = pathlib.Path(output)
                if target.is_dir():
                    target = target / render_invoice.filename(inv, fmt)
                target.write_bytes(data)
            else:
                click.echo(data.decode(), nl=False)
    except documents.TemplateError as exc:
        raise click.ClickException(f"template error: {exc}") from None
    except OSError as exc:  # the output cannot be written
        raise click.ClickException(
            f"cannot write {exc.filename or output}: {exc.strerror or exc}"
        ) from None
    if loaded.errors:
        click.get_current_context().exit(1)
