"""`bean-ar forecast` (expected collections by week) and `bean-ar backtest`."""

from __future__ import annotations

import datetime
import json

import click

from beancount_ar import backtest as backtest_lib
from beancount_ar import forecast as forecast_lib
from beancount_ar import ledger as ledger_lib
from beancount_ar import render_forecast
from beancount_ar.cli.common import (
    as_of_opt,
    cli,
    emit,
    format_opt,
    ledger_arg,
    loaded,
    no_index_opt,
    parse_date,
    width_opt,
)

#: Weeks a forecast may show: two years.
MAX_WEEKS = 104


@cli.command()
@ledger_arg
@as_of_opt("Forecast as of this date (YYYY-MM-DD); default today.")
@click.option(
    "--weeks",
    type=click.IntRange(1, MAX_WEEKS),
    default=13,
    show_default=True,
    help="Weeks to show; what comes after is 'later'.",
)
@format_opt
@width_opt
@no_index_opt
@loaded(lambda kwargs: None)  # payment history: all of it
def forecast(
    loaded: ledger_lib.Ledger,
    as_of: datetime.date,
    weeks: int,
    fmt: str,
    limit: int,
) -> None:
    """Expected collections per week and currency.

    Promises and plan instalments on their dates; the rest after its due
    date as the customer paid before (spread over the days late of its past
    payments), discounted by collectability; disputed invoices apart.
    """
    report = forecast_lib.forecast(loaded.index, as_of, weeks)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render_forecast.forecast_json(report, amounts), indent=2))
    elif fmt == "csv":
        emit(render_forecast.forecast_csv(report, amounts))
    else:
        emit(render_forecast.forecast_table(report, amounts, limit))


@cli.command()
@ledger_arg
@click.option(
    "--from",
    "start",
    metavar="DATE",
    help="The first month-end to replay (default: 13 weeks into the ledger).",
)
@click.option(
    "--to",
    "end",
    metavar="DATE",
    help="The last month-end (default: 13 weeks before the ledger ends).",
)
@format_opt
@width_opt
@no_index_opt
@loaded(lambda kwargs: None)  # payment history: all of it
def backtest(
    loaded: ledger_lib.Ledger,
    start: str | None,
    end: str | None,
    fmt: str,
    limit: int,
) -> None:
    """Replay the forecast as of each month-end against what came in.

    Prints its error over the next 4 and 13 weeks beside two naive
    baselines: everything on its due date, and the last 13 weeks' average.
    """
    first = parse_date(start, "--from")
    last = parse_date(end, "--to")
    if first and last and first > last:
        raise click.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    report = backtest_lib.backtest(loaded.index, first, last)
    amounts = loaded.index.amounts
    if fmt == "json":
        emit(json.dumps(render_forecast.backtest_json(report, amounts), indent=2))
    elif fmt == "csv":
        emit(render_forecast.backtest_csv(report, amounts))
    else:
        emit(render_forecast.backtest_table(report, limit))
