"""What every `bean-ar` command shares: the group, arguments, errors."""

from __future__ import annotations

import datetime
import decimal
import functools
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from beancount_ar import dates, lookup, store, tables
from beancount_ar import ledger as ledger_lib
from beancount_ar.money import PRECISION

#: The module of each command, imported when the command runs (or --help
#: lists them all): a report need not import the PDF, email and calendar
#: libraries the other commands use.
COMMANDS = {
    "aging": "reports",
    "overdue": "reports",
    "worklist": "reports",
    "metrics": "reports",
    "customer": "customer",
    "forecast": "forecast",
    "backtest": "forecast",
    "calendar": "calendar",
    "invoice": "invoice",
    "log": "log",
    "statement": "send",
    "remind": "send",
    "templates": "send",
}


class BeanArGroup(click.Group):
    """A group whose usage errors are one line: `bean-ar: error: ...`, status 2,
    and whose commands are imported when needed."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is not None and name not in self.commands:
            importlib.import_module(f"beancount_ar.cli.{module}")
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        for module in sorted(set(COMMANDS.values())):
            importlib.import_module(f"beancount_ar.cli.{module}")
        return super().list_commands(ctx)

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


#: --no-index: load the whole ledger, neither reading nor writing the index.
no_index_opt = click.option(
    "--no-index",
    "no_index",
    is_flag=True,
    help="Load the whole ledger; do not read or write the index.",
)


def open_ledger(path: str, no_index: bool, window: store.Window) -> Any:
    """The ledger at `path`: from its index (`store`) unless `no_index`."""
    if no_index:
        return ledger_lib.load(path)
    load = functools.partial(ledger_lib.load, recording=True)
    return store.open_ledger(path, window, load, progress)


def progress(text: str) -> None:
    """A progress line on stderr, as git shows its own: when stderr is a
    terminal (BEAN_AR_PROGRESS=1 always, =0 never)."""
    wanted = os.environ.get("BEAN_AR_PROGRESS")
    if wanted == "1" or (wanted != "0" and sys.stderr.isatty()):
        click.echo(text, err=True)


def report_errors(loaded: Any) -> None:
    """The ledger's errors on stderr, as file:line: message."""
    for error in loaded.errors:
        click.echo(ledger_lib.error_line(error), err=True)


def loaded(
    since: Callable[[dict[str, Any]], datetime.date | None],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Load LEDGER and call `fn(ledger, limit=..., ...)`: its errors go to
    stderr as file:line, the report is still printed, and the exit status
    is 1. `since(kwargs)` is the first day the report looks at (None: all
    history), so that the index reads only what it needs."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(
            ledger: str, limit: int | None, no_index: bool, **kwargs: Any
        ) -> Any:
            kwargs["limit"] = limit or tables.terminal_width()
            window = store.Window(since(kwargs), kwargs.get("as_of"))
            loaded = open_ledger(ledger, no_index, window)
            report_errors(loaded)
            fn(loaded, **kwargs)
            if loaded.errors:
                click.get_current_context().exit(1)

        return wrapper

    return decorate


def report_command(
    since: Callable[[dict[str, Any]], datetime.date | None] = lambda kw: kw["as_of"],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every report shares: LEDGER, --as-of, --format, --width,
    --no-index."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        wrapped = no_index_opt(width_opt(loaded(since)(fn)))
        wrapped = format_opt(wrapped)
        wrapped = as_of_opt("Report as of this date (YYYY-MM-DD); default today.")(
            wrapped
        )
        return ledger_arg(wrapped)

    return decorate


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


def bad_input(exc: lookup.InputError, hint: str | None = None) -> click.BadParameter:
    return click.BadParameter(exc.message, param_hint=hint or _HINTS.get(exc.field))


def resolve_customer(
    loaded: ledger_lib.Ledger, text: str, hint: str = "--customer"
) -> str:
    """A customer account from its account name, display name or last
    component, or an unambiguous beginning of either (case-insensitive)."""
    try:
        return lookup.resolve_customer(loaded, text)
    except lookup.InputError as exc:
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
