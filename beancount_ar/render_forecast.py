"""Render the cash-collection forecast and its back-test as JSON, CSV and text."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from beancount_ar.backtest import Backtest
from beancount_ar.forecast import SOURCES, Forecast
from beancount_ar.money import Amounts, to_places
from beancount_ar.render import iso, to_csv
from beancount_ar.tables import DEFAULT_WIDTH, fit_table, wrap

ZERO = Decimal(0)


def _money(money: Mapping[str, Decimal], fmt: Amounts) -> dict[str, str]:
    """Every currency with its amount, zeros too (a week may expect nothing)."""
    return {cur: fmt.plain(n, cur) for cur, n in sorted(money.items())}


def currencies(report: Forecast) -> list[str]:
    """Every currency the forecast mentions."""
    found = set(report.later) | set(report.disputed) | set(report.uncollectible)
    found |= set(report.credit_balances)
    for week in report.weeks:
        found |= set(week.expected)
    return sorted(found | {flow.currency for flow in report.flows})


def forecast_json(report: Forecast, fmt: Amounts) -> dict[str, Any]:
    return {
        "as_of": iso(report.as_of),
        "weeks": [
            {
                "start": iso(week.start),
                "end": iso(week.end),
                "expected": _money(week.expected, fmt),
                "sources": {
                    source: _money(week.sources[source], fmt)
                    for source in SOURCES
                    if source in week.sources
                },
            }
            for week in report.weeks
        ],
        "later": _money(report.later, fmt),
        "disputed": _money(report.disputed, fmt),
        "uncollectible": _money(report.uncollectible, fmt),
        "credit_balances": _money(report.credit_balances, fmt),
        "method": report.method,
    }


def forecast_csv(report: Forecast, fmt: Amounts) -> str:
    """One row per week and currency, numbers only."""
    rows = []
    for cur in currencies(report):
        for k, week in enumerate(report.weeks, 1):
            rows.append(
                [
                    k,
                    iso(week.start),
                    iso(week.end),
                    cur,
                    *(
                        fmt.plain(week.sources.get(s, {}).get(cur, ZERO), cur)
                        for s in SOURCES
                    ),
                    fmt.plain(week.expected.get(cur, ZERO), cur),
                ]
            )
    header = ["week", "start", "end", "currency", *SOURCES, "total"]
    return to_csv(header, rows)


def forecast_table(report: Forecast, fmt: Amounts, limit: int = DEFAULT_WIDTH) -> str:
    parts = [f"Expected collections after {report.as_of}, by week"]
    found = currencies(report)
    if not found:
        parts.append("\nNo open invoices: nothing to collect.")
    for cur in found:

        def cell(number: Decimal | None, cur: str = cur) -> str:
            return fmt.human(number, cur) if number else "-"

        body = []
        for k, week in enumerate(report.weeks, 1):
            body.append(
                [
                    str(k),
                    iso(week.start) or "",
                    iso(week.end) or "",
                    *(cell(week.sources.get(s, {}).get(cur)) for s in SOURCES),
                    cell(week.expected.get(cur)),
                ]
            )
        total = sum((w.expected.get(cur, ZERO) for w in report.weeks), ZERO)
        body.append(["Total", "", "", "", "", "", cell(total)])
        headers = ["Week", "From", "To", "Promised", "Plan", "Expected", "Total"]
        align = ["right", "left", "left", "right", "right", "right", "right"]
        lines = fit_table(headers, body, [], align, limit).split("\n")
        lines.insert(-1, lines[1])  # a rule above the totals row
        parts.append(f"\n{cur}\n" + "\n".join(lines))
        extra = [
            ("Later", report.later, "expected after the last week"),
            ("Disputed", report.disputed, "not forecast"),
            ("Uncollectible", report.uncollectible, "by the collectability curve"),
            ("Credit balances", report.credit_balances, "owed back, not forecast"),
        ]
        for label, money, why in extra:
            if money.get(cur) or label in ("Later", "Disputed", "Uncollectible"):
                parts.append(
                    f"{label + ':':<17}{fmt.human(money.get(cur, ZERO), cur):>14} "
                    f"{cur} ({why})"
                )
    parts.append("")
    parts.extend(wrap("Method: " + report.method, "", limit))
    return "\n".join(parts) + "\n"


# -- Back-test --------------------------------------------------------------


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{to_places(value * 100, 1)}%"


def backtest_json(report: Backtest, fmt: Amounts) -> dict[str, Any]:
    return {
        "from": iso(report.start),
        "to": iso(report.end),
        "month_ends": [iso(day) for day in report.days],
        "scores": [
            {
                "method": s.method,
                "horizon_weeks": s.horizon,
                "currency": s.currency,
                "wape": None if s.wape is None else str(to_places(s.wape, 4)),
                "forecast": fmt.plain(fmt.rounded(s.forecast, s.currency), s.currency),
                "actual": fmt.plain(s.actual, s.currency),
            }
            for s in report.scores
        ],
    }


def backtest_csv(report: Backtest, fmt: Amounts) -> str:
    rows = backtest_json(report, fmt)["scores"]
    header = ["method", "horizon_weeks", "currency", "wape", "forecast", "actual"]
    return to_csv(
        header, [[r[h] if r[h] is not None else "" for h in header] for r in rows]
    )


def backtest_table(report: Backtest, limit: int = DEFAULT_WIDTH) -> str:
    if not report.days:
        return (
            "No month-end to back-test: the ledger needs 13 weeks of history "
            "before a month-end and 13 weeks after it.\n"
        )
    parts = wrap(
        f"Back-test: {len(report.days)} month-ends from {report.start} to "
        f"{report.end}; weighted absolute percentage error (WAPE) of weekly "
        "collections, lower is better",
        "",
        limit,
    )
    for cur in sorted({s.currency for s in report.scores}):
        scores = [s for s in report.scores if s.currency == cur]
        horizons = sorted({s.horizon for s in scores})
        methods = list(dict.fromkeys(s.method for s in scores))
        wape = {(s.method, s.horizon): s.wape for s in scores}
        headers = ["Method", *(f"{h} weeks" for h in horizons)]
        body = [[m, *(_pct(wape[(m, h)]) for h in horizons)] for m in methods]
        align = ["left"] + ["right"] * len(horizons)
        table = fit_table(headers, body, [], align, limit)
        parts.append(f"\n{cur}\n{table}")
    parts.append("")
    parts.extend(
        wrap(
            "Actual: payments received after each month-end on the invoices open "
            "on it, by week. Due date: every open invoice on its due date "
            "(overdue ones in week 1). 13-week average: the last 13 weeks' "
            "payments, a 13th each week.",
            "",
            limit,
        )
    )
    return "\n".join(parts) + "\n"
