"""The Forecast view and the calendar subscription on the Collections page:
what the page shows is what `bean-ar forecast` and `bean-ar calendar` say.

Through Fava's app and Flask's test client; the view in a real browser (a
phone, dark mode, axe) is in test_browser.py.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from decimal import Decimal

import icalendar
import pytest
from click.testing import CliRunner
from test_fava_cockpit import DEMO, EXAMPLE, PAGE, amount, app_for, content

from beancount_ar.cli import cli

pytestmark = pytest.mark.usefixtures("restore_index_keeping")


@pytest.fixture
def books(tmp_path):
    folder = tmp_path / "books"
    shutil.copytree(EXAMPLE, folder)
    return folder


@pytest.fixture
def client(books):
    return app_for(books / "main.beancount")


def forecast_json(main, as_of: str, *args: str) -> dict:
    result = CliRunner().invoke(
        cli, ["forecast", str(main), "--as-of", as_of, "--format", "json", *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def row_totals(html: str) -> list[Decimal]:
    """The Total column of the weekly table, week by week."""
    body = html[html.index('<table class="ar-forecast') :]
    body = body[: body.index("</tbody>")]
    return [
        amount(n)
        for n in re.findall(
            r'data-label="Total"><span class="ar-money">([-0-9,.]+)&nbsp;', body
        )
    ]


def test_the_weeks_are_those_of_the_forecast_command(client, books):
    report = forecast_json(books / "main.beancount", DEMO)
    html = content(client.get(PAGE, query_string={"view": "forecast", "time": DEMO}))
    assert "cash expected in the 13 weeks after 2026-11-26" in html
    expected = [Decimal(w["expected"].get("USD", "0")) for w in report["weeks"]]
    assert len(expected) == 13
    assert row_totals(html) == expected
    # The first week starts the day after the as-of date.
    assert "Fri 27 Nov \N{EN DASH} Thu 3 Dec 2026" in html
    assert sum(expected) > 0
    for name in ("Promised", "Plan instalments", "Expected from habits"):
        assert f'<th class="num">{name}</th>' in html


def test_the_receipts_soon_say_why_and_when(client):
    html = content(client.get(PAGE, query_string={"view": "forecast", "time": DEMO}))
    soon = html[html.index("The largest receipts expected by 2026-12-24") :]
    # Kennebec's instalment of 1 November was missed: expected now, not on a
    # day already past.
    kennebec = soon[soon.index("Kennebec Outdoor Co.") :]
    assert kennebec.index("now <span") < kennebec.index("Plan instalments")
    assert "(instalment of 2026-11-01)" in kennebec
    # A very late invoice is expected in part, and says so.
    assert re.search(r"Expected from habits \(60 % of <span class=\"ar-money\">", soon)


def test_the_open_line_adds_up_to_what_is_owed(client, books):
    report = forecast_json(books / "main.beancount", DEMO)
    html = content(client.get(PAGE, query_string={"view": "forecast", "time": DEMO}))

    def line(label: str) -> Decimal:
        found = re.search(
            rf'<th scope="row">{label}</th><td colspan="3"></td>'
            r'<td class="num"><span class="ar-money">'
            r"([-0-9,.]+)&nbsp;USD",
            html,
        )
        assert found, label
        return amount(found.group(1))

    later = Decimal(report["later"].get("USD", "0"))
    disputed = Decimal(report["disputed"].get("USD", "0"))
    unexpected = Decimal(report["uncollectible"].get("USD", "0"))
    weeks = sum(Decimal(w["expected"].get("USD", "0")) for w in report["weeks"])
    assert line("Later") == later
    assert line("Disputed") == disputed
    assert line("Not expected") == unexpected
    credits = Decimal(report["credit_balances"].get("USD", "0"))
    assert line("Credit balances") == -credits
    assert line("Open") == weeks + later + disputed + unexpected - credits
    # What is owed, as the aging says: open invoices less unapplied credits.
    aging = CliRunner().invoke(
        cli,
        ["aging", str(books / "main.beancount"), "--as-of", DEMO, "--format", "json"],
    )
    totals = json.loads(aging.stdout)["totals"]["total"]
    assert line("Open") == Decimal(totals["USD"])


def test_four_weeks_and_a_bad_horizon(client):
    html = content(
        client.get(PAGE, query_string={"view": "forecast", "time": DEMO, "weeks": "4"})
    )
    assert len(row_totals(html)) == 4
    assert 'aria-current="page">4 weeks' in html
    bad = client.get(
        PAGE, query_string={"view": "forecast", "time": DEMO, "weeks": "x9"}
    )
    assert bad.status_code == 200
    assert len(row_totals(content(bad))) == 13


def test_the_chart_stacks_each_week_by_source(client):
    html = content(client.get(PAGE, query_string={"view": "forecast", "time": DEMO}))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "Cash expected in USD each week" in svg
    titles = re.findall(r"<rect [^>]*><title>([^<]+)</title>", svg)
    assert titles, "no bars"
    assert all(
        re.match(
            r"\d{4}-\d\d-\d\d (Promised|Plan instalments|Expected from habits): ", t
        )
        for t in titles
    )


def test_the_account_filter_narrows_the_forecast(client, books):
    whole = content(client.get(PAGE, query_string={"view": "forecast", "time": DEMO}))
    gull = content(
        client.get(
            PAGE,
            query_string={
                "view": "forecast",
                "time": DEMO,
                "account": "Assets:Receivable:GullRock",
            },
        )
    )
    assert sum(row_totals(gull)) < sum(row_totals(whole))
    assert "Harbor Light Coffee" not in gull


def test_today_offers_the_calendar_to_subscribe_to(client):
    html = content(client.get(PAGE, query_string={"time": DEMO, "account": "Assets"}))
    webcal = re.search(r'href="(webcal://[^"]+)"', html).group(1)
    ics = re.search(r'href="(http://[^"]+\.ics)" download', html).group(1)
    assert webcal.removeprefix("webcal://") == ics.removeprefix("http://")
    # The subscription is of everything as of the day it is fetched.
    assert "time=" not in ics and "account=" not in ics
    assert ics.endswith(f"{PAGE}calendar.ics")


def test_the_calendar_endpoint_serves_the_calendar_of_today(client, books):
    response = client.get(f"{PAGE}calendar.ics", query_string={"time": "2020"})
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    served = icalendar.Calendar.from_ical(response.data)
    today = datetime.date.today().isoformat()
    cli_ics = CliRunner().invoke(
        cli, ["calendar", str(books / "main.beancount"), "--as-of", today]
    )
    assert cli_ics.exit_code == 0, cli_ics.output
    assert response.data == cli_ics.stdout_bytes
    assert served.walk("VEVENT"), "the example ledger has follow-ups and promises"
    # Read-only: nothing but GET.
    assert client.post(f"{PAGE}calendar.ics").status_code in (404, 405)
