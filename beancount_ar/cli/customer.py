"""`bean-ar customer`: everything about one customer, before you call."""

from __future__ import annotations

import datetime
import json

import click

from beancount_ar import customer as customer_lib
from beancount_ar import ledger as ledger_lib
from beancount_ar import lookup, render_customer, store, tables
from beancount_ar.cli.common import (
    as_of_opt,
    cli,
    emit,
    no_index_opt,
    open_ledger,
    report_errors,
    resolve_customer,
    split_ledger,
    width_opt,
)


@cli.command()
@click.argument("args", nargs=-1, metavar="[LEDGER] CUSTOMER")
@as_of_opt()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@width_opt
@no_index_opt
def customer(
    args: tuple[str, ...],
    as_of: datetime.date,
    fmt: str,
    limit: int | None,
    no_index: bool,
) -> None:
    """One customer: open items with level and status, contacts, promises,
    plan, hold, follow-ups, the last notes, unapplied credits, days to pay.

    CUSTOMER is the account, the display name, the last account component,
    or an unambiguous beginning of one.
    """
    path, (name,) = split_ledger(args, 1)

    def account_of(stored: ledger_lib.Ledger) -> str | None:
        try:
            return lookup.resolve_customer(stored, name)
        except lookup.InputError:
            return None  # said once the ledger is loaded

    since = as_of - datetime.timedelta(days=customer_lib.BEHAVIOUR_DAYS)
    window = store.Window(since, as_of, account_of)
    loaded = open_ledger(path, no_index, window)
    report_errors(loaded)
    account = resolve_customer(loaded, name, "CUSTOMER")
    view = customer_lib.view(loaded.index, account, as_of)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render_customer.customer_json(view, amounts), indent=2))
    else:
        emit(
            render_customer.customer_text(
                view, amounts, limit or tables.terminal_width()
            )
        )
    if loaded.errors:
        click.get_current_context().exit(1)
