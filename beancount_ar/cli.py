"""The `bean-ar` command line: a thin adapter over the engine.

Ledger errors go to stderr as `file:line: message`, the report is still
printed, and the exit status is 1. Bad arguments exit 2 with a one-line reason.
"""

from __future__ import annotations

import datetime
import functools
import json
import sys
from collections.abc import Callable
from typing import Any

import click

from beancount_ar import aging as aging_lib
from beancount_ar import ledger as ledger_lib
from beancount_ar import render


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


def resolve_customer(loaded: ledger_lib.Ledger, text: str) -> str:
    """A customer account from its account name, display name or last component."""
    customers = loaded.index.customers
    if text in customers:
        return text
    wanted = text.casefold()
    matches = sorted(
        account
        for account, customer in customers.items()
        if wanted in (customer.name.casefold(), account.rsplit(":", 1)[-1].casefold())
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise click.BadParameter(
            f"{text!r} is ambiguous: {', '.join(matches)}", param_hint="--customer"
        )
    raise click.BadParameter(f"no customer {text!r}", param_hint="--customer")


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
@click.option("--min-days", type=click.IntRange(min=1), default=1, show_default=True,
              help="Only invoices at least this many days past due.")  # fmt: skip
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


def main() -> None:
    cli(prog_name="bean-ar")
