"""`bean-ar calendar`: the collections calendar as an .ics file."""

from __future__ import annotations

import datetime
import pathlib

import click

from beancount_ar import ledger as ledger_lib
from beancount_ar import render_calendar
from beancount_ar.cli.common import as_of_opt, cli, ledger_arg


@cli.command()
@ledger_arg
@as_of_opt("Calendar as of this date (YYYY-MM-DD); default today.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE.ics",
    help="Write the calendar here (default: standard output).",
)
def calendar(ledger: str, as_of: datetime.date, output: str | None) -> None:
    """Follow-ups, promises, plan instalments and collection levels as an
    iCalendar (.ics) file to import or subscribe to."""
    loaded = ledger_lib.load(ledger)
    for error in loaded.errors:
        click.echo(ledger_lib.error_line(error), err=True)
    data = render_calendar.ics(loaded.index, as_of)
    if output:
        try:
            pathlib.Path(output).write_bytes(data)
        except OSError as exc:
            raise click.ClickException(
                f"cannot write {output}: {exc.strerror or exc}"
            ) from None
    else:
        click.echo(data, nl=False)
    if loaded.errors:
        click.get_current_context().exit(1)
