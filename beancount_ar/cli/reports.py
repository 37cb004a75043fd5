"""The reports: aging, overdue, worklist and metrics."""

from __future__ import annotations

import datetime
import json

import click

from beancount_ar import aging as aging_lib
from beancount_ar import ledger as ledger_lib
from beancount_ar import metrics as metrics_lib
from beancount_ar import render, render_worklist
from beancount_ar import worklist as worklist_lib
from beancount_ar.cli.common import (
    buckets_option,
    cli,
    emit,
    parse_date,
    report_command,
    resolve_customer,
)

#: The period of `metrics` without --from.
PERIOD = datetime.timedelta(days=90)


@cli.command()
@report_command()
@click.option(
    "--basis",
    type=click.Choice(["due", "invoice"]),
    default="due",
    show_default=True,
    help="Age by days past due, or by days since the invoice date.",
)
@click.option(
    "--buckets",
    callback=buckets_option,
    metavar="30,60,90",
    help="Bucket bounds in days.",
)
@click.option("--detail", is_flag=True, help="List the open invoices too.")
@click.option("--customer", metavar="X", help="Only this customer (account or name).")
def aging(
    loaded: ledger_lib.Ledger,
    as_of: datetime.date,
    fmt: str,
    limit: int,
    basis: str,
    buckets: tuple[int, ...] | None,
    detail: bool,
    customer: str | None,
) -> None:
    """Aging of every customer's balance, by bucket."""
    accounts = {resolve_customer(loaded, customer)} if customer else None
    report = aging_lib.aging(loaded.index, as_of, basis, buckets, accounts)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render.aging_json(report, amounts, detail), indent=2))
    elif fmt == "csv":
        emit(render.aging_csv(report, amounts, detail))
    else:
        emit(render.aging_table(report, amounts, detail, limit))


@cli.command()
@report_command()
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
    limit: int,
    min_days: int,
    customer: str | None,
) -> None:
    """Overdue invoices, most overdue first, with their collections status."""
    accounts = {resolve_customer(loaded, customer)} if customer else None
    items = aging_lib.overdue(loaded.index, as_of, min_days, accounts)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render.overdue_json(as_of, items, amounts), indent=2))
    elif fmt == "csv":
        emit(render.overdue_csv(items, amounts))
    else:
        emit(render.overdue_table(as_of, items, amounts, limit))


@cli.command()
@report_command()
def worklist(
    loaded: ledger_lib.Ledger, as_of: datetime.date, fmt: str, limit: int
) -> None:
    """Today's calls: who, whom to ask for, and what about."""
    report = worklist_lib.worklist(loaded.index, as_of)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render_worklist.worklist_json(report, amounts), indent=2))
    elif fmt == "csv":
        emit(render_worklist.worklist_csv(report, amounts))
    else:
        emit(render_worklist.worklist_table(report, amounts, limit))


def _metrics_since(kwargs: dict) -> datetime.date | None:
    """The day before the period: the first day metrics look at."""
    try:
        begin = parse_date(kwargs["start"], "--from")
    except click.BadParameter:
        return None  # reported once the ledger is loaded
    return min(begin or kwargs["as_of"] - PERIOD, kwargs["as_of"])


@cli.command()
@report_command(since=_metrics_since)
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="The day before the period (default: 90 days before --as-of).",
)
def metrics(
    loaded: ledger_lib.Ledger,
    as_of: datetime.date,
    fmt: str,
    limit: int,
    start: str | None,
) -> None:
    """DSO, best possible DSO, ADD, CEI and days to pay, per customer."""
    begin = parse_date(start, "--from") or as_of - PERIOD
    if begin >= as_of:
        raise click.BadParameter(
            f"{begin} is not before --as-of {as_of}", param_hint="--from"
        )
    report = metrics_lib.metrics(loaded.index, begin, as_of)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render.metrics_json(report, amounts), indent=2))
    elif fmt == "csv":
        emit(render.metrics_csv(report, amounts))
    else:
        emit(render.metrics_table(report, amounts, limit))


# -- log: the only commands that write ------------------------------------
