"""What every `bean-ar` command shares: the group, arguments, errors."""

from __future__ import annotations

import datetime
import decimal
import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from beancount_ar import dates, logbook, tables
from beancount_ar import ledger as ledger_lib
from beancount_ar.money import PRECISION


class BeanArGroup(click.Group):
    """A group whose usage errors are one line: `bean-ar: error: ...`, status 2."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            with decimal.localcontext(prec=PRECISION):  # exact sums, any amount
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


def parse_date(value: str | None, name: str) -> datetime.date | None:
    """A date argument or option, within the dates reports work on."""
    if value is None:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2024-06-30", param_hint=name
        ) from None
    problem = dates.out_of_range(day)
    if problem:
        raise click.BadParameter(problem, param_hint=name)
    return day


def as_of_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> datetime.date:
    return parse_date(value, "--as-of") or datetime.date.today()


def buckets_option(
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


def as_of_opt(help: str = "As of this date (YYYY-MM-DD); default today.") -> Any:
    """The --as-of option: a date, default today."""
    return click.option(
        "--as-of", "as_of", callback=as_of_option, metavar="DATE", help=help
    )


#: The --width option: text width, default the terminal's.
width_opt = click.option(
    "--width",
    "limit",
    type=click.IntRange(tables.MIN_WIDTH, tables.MAX_WIDTH),
    metavar="N",
    help="Text width (default: the terminal's, else COLUMNS, else 80).",
)


#: LEDGER, else $BEANCOUNT_FILE.
ledger_arg = click.argument(
    "ledger",
    envvar="BEANCOUNT_FILE",
    type=click.Path(exists=True, dir_okay=False, readable=True),
)

#: --format: a text table (`table` or `text`), CSV or JSON.
format_opt = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "text", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format (text is the table).",
)


def loaded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Load LEDGER and call `fn(ledger, limit=..., ...)`: its errors go to
    stderr as file:line, the report is still printed, and the exit status
    is 1."""

    @functools.wraps(fn)
    def wrapper(ledger: str, limit: int | None, **kwargs: Any) -> Any:
        kwargs["limit"] = limit or tables.terminal_width()
        loaded = ledger_lib.load(ledger)
        for error in loaded.errors:
            click.echo(ledger_lib.error_line(error), err=True)
        fn(loaded, **kwargs)
        if loaded.errors:
            click.get_current_context().exit(1)

    return wrapper


def report_command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options every report shares: LEDGER, --as-of, --format, --width."""
    wrapped = width_opt(loaded(fn))
    wrapped = format_opt(wrapped)
    wrapped = as_of_opt("Report as of this date (YYYY-MM-DD); default today.")(wrapped)
    return ledger_arg(wrapped)


_HINTS = {
    "customer": "ACCOUNT",
    "amount": "AMOUNT",
    "date": "--date",
    "invoice": "INVOICE",
    "text": "TEXT",
    "what": "WHAT",
    "reason": "REASON",
    "contact": "--contact",
    "due": "DATE",
    "by": "DATE",
}


def bad_input(exc: logbook.InputError, hint: str | None = None) -> click.BadParameter:
    return click.BadParameter(exc.message, param_hint=hint or _HINTS.get(exc.field))


def resolve_customer(
    loaded: ledger_lib.Ledger, text: str, hint: str = "--customer"
) -> str:
    """A customer account from its account name, display name or last
    component, or an unambiguous beginning of either (case-insensitive)."""
    try:
        return logbook.resolve_customer(loaded, text)
    except logbook.InputError as exc:
        raise bad_input(exc, hint) from None


def emit(text: str) -> None:
    click.echo(text, nl=not text.endswith("\n"))


@click.group(cls=BeanArGroup)
@click.version_option(package_name="beancount-ar")
def cli() -> None:
    """Accounts receivable and collections for Beancount ledgers.

    LEDGER may be left out when BEANCOUNT_FILE names it.
    """


def split_ledger(
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
