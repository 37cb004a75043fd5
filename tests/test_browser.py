"""The Collections page in a real browser: Debian's Chromium driven by Playwright.

Fava runs as its own process on the example ledger (a copy: the test logs a
note through the form). Screenshots go to BEAN_AR_SCREENSHOTS if set, else
to the test's temporary folder.
"""

from __future__ import annotations

import datetime
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
DEMO_DATE = "2026-11-26"
SLUG = "northwind-design-print"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fava_server(tmp_path_factory):
    books = tmp_path_factory.mktemp("browser") / "books"
    shutil.copytree(EXAMPLE, books)
    port = free_port()
    fava = pathlib.Path(sys.executable).with_name("fava")
    process = subprocess.Popen(
        [str(fava), "--host", "127.0.0.1", "--port", str(port), "main.beancount"],
        cwd=books,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + f"/{SLUG}/income_statement/", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("fava did not start") from None
            time.sleep(0.2)
    yield base, books
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def browser(chromium):
    return chromium


@pytest.fixture
def shots(tmp_path) -> pathlib.Path:
    folder = pathlib.Path(os.environ.get("BEAN_AR_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def cli_aging(books: pathlib.Path) -> dict:
    result = CliRunner().invoke(
        cli,
        [
            "aging",
            str(books / "main.beancount"),
            "--as-of",
            DEMO_DATE,
            "--format",
            "json",
        ],
    )
    return json.loads(result.stdout)


def test_a_mornings_collections_work_in_the_browser(fava_server, browser, shots):
    base, books = fava_server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )

    # Fava's own page, with the time filter set to the demo date, then the
    # sidebar link.
    page.goto(f"{base}/{SLUG}/income_statement/?time={DEMO_DATE}")
    page.get_by_role("link", name="Collections").click()
    expect(page.locator("#ar-as-of")).to_have_text(DEMO_DATE)
    expect(page.locator(".ar-worklist")).to_contain_text("Gull Rock Brewing Co.")
    page.screenshot(path=shots / "collections-today.png", full_page=True)

    # The aging shows what `bean-ar aging --format json` gives for that date.
    page.get_by_role("link", name="Aging", exact=True).click()
    expect(page.locator("table.ar-aging").first).to_be_visible()
    report = cli_aging(books)
    for row in report["customers"]:
        for cur, amount in row["total"].items():
            cell = page.locator(
                f'table[data-currency="{cur}"] tr[data-account="{row["account"]}"] '
                'td[data-bucket="total"]'
            )
            assert cell.inner_text().replace(",", "") == amount
    for cur, amount in report["totals"]["total"].items():
        total = page.locator(
            f'table[data-currency="{cur}"] tr.ar-total th[data-bucket="total"]'
        )
        assert total.inner_text().replace(",", "") == amount
    page.screenshot(path=shots / "collections-aging.png", full_page=True)

    # The overdue list sorts by a click on a column header.
    page.get_by_role("link", name="Overdue", exact=True).click()
    rows = page.locator("table.ar-overdue tbody tr")
    expect(rows.first).to_be_visible()

    def open_amounts() -> list[float]:
        cells = page.locator('table.ar-overdue tbody td[data-label="Open"]')
        return [float(t.split()[0].replace(",", "")) for t in cells.all_inner_texts()]

    page.locator("table.ar-overdue th", has_text="Open").get_by_role("link").click()
    expect(page.locator('table.ar-overdue th[aria-sort="descending"]')).to_contain_text(
        "Open"
    )
    descending = open_amounts()
    assert descending == sorted(descending, reverse=True) and len(descending) > 3
    page.locator("table.ar-overdue th", has_text="Open").get_by_role("link").click()
    expect(page.locator('table.ar-overdue th[aria-sort="ascending"]')).to_contain_text(
        "Open"
    )
    assert open_amounts() == sorted(descending)
    page.screenshot(path=shots / "collections-overdue.png", full_page=True)

    # The metrics, with the aging trend as a chart in bucket order.
    page.get_by_role("link", name="Metrics", exact=True).click()
    expect(page.locator("table.ar-metrics").first).to_be_visible()
    chart = page.locator(".ar-chart svg").first
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() > 12
    page.screenshot(path=shots / "collections-metrics.png", full_page=True)

    # A customer, and a note logged through the form.
    page.get_by_role("link", name="Aging", exact=True).click()
    page.get_by_role("link", name="Gull Rock Brewing Co.").first.click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    note = "Browser test: Carl says the check is in the mail"
    page.locator("#ar-note-text").fill(note)
    page.locator("#ar-note-contact").fill("Carl Haskell")
    page.locator("#ar-note-channel").select_option("phone")
    page.locator("#ar-note-date").fill(DEMO_DATE)
    page.get_by_role("button", name="Log the note").click()
    expect(page.locator(".ar-timeline")).to_contain_text(note)
    expect(page.locator(".ar-flash")).to_contain_text("the note is in the ledger")
    # The new row is highlighted, and the page is scrolled to it.
    expect(page.locator("#ar-logged")).to_contain_text(note)
    expect(page.locator("#ar-logged")).to_be_in_viewport()
    page.screenshot(path=shots / "collections-customer.png", full_page=True)

    written = (books / "collections.beancount").read_text()
    assert written.count(note) == 1
    assert f'{DEMO_DATE} note Assets:Receivable:GullRock "{note}"' in written
    assert errors == []


# -- The cockpit at any width, in both colour schemes, by keyboard ------------

COLLECTIONS = f"/{SLUG}/extension/Collections/"
VIEWS = {
    "today": "",
    "aging": "view=aging",
    "overdue": "view=overdue",
    "metrics": "view=metrics",
    "forecast": "view=forecast",
    "customer": "view=customer&customer=Assets:Receivable:GullRock",
    "invoices": "view=invoices&bucket=1-30&currency=USD",
}


def view_url(base: str, view: str) -> str:
    query = VIEWS[view]
    return f"{base}{COLLECTIONS}?{query}{'&' if query else ''}time={DEMO_DATE}"


@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_fits_a_phone(fava_server, browser, shots, view):
    base, _ = fava_server
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=1
    )
    page = context.new_page()
    page.goto(view_url(base, view))
    expect(page.locator("#ar-as-of")).to_have_text(DEMO_DATE)
    # Nothing scrolls sideways but a table inside its own scroll box (the
    # cards' headers are there for screen readers only, clipped to nothing).
    wide = page.evaluate(
        """() => [...document.querySelectorAll('.ar *')]
            .filter(e => !e.closest('.ar-scroll, .ar-sr, .ar-cards thead'))
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if view in ("today", "overdue"):
        # Cards: the customer first, then the amount, then the buttons.
        card = page.locator("table.ar-cards tbody tr").first
        box = card.bounding_box()
        assert box["width"] <= 390
        first = card.locator("td").first.bounding_box()
        overdue = card.locator('td[data-label="Overdue"], td[data-label="Open"]')
        assert first["y"] < overdue.first.bounding_box()["y"]
    if view == "today":
        # The first call's phone button is on the first screen.
        call = card.get_by_role("link", name=re.compile(r"^Call \+"))
        expect(call).to_be_in_viewport()
    if view == "customer":
        # The statement preview is drawn at its paper width and scaled to fit.
        preview = page.locator(".ar-preview")
        preview.scroll_into_view_if_needed()
        frame = page.locator(".ar-preview iframe")
        expect(frame).to_have_attribute("style", re.compile(r"scale\("))
        assert preview.bounding_box()["width"] <= 390 - 2 * 16
        inner = page.frames[-1]
        inner.wait_for_load_state()
        assert inner.evaluate("document.documentElement.scrollWidth") <= 720
    if view in ("overdue", "invoices"):
        # Sorting without the hidden headers: a bar of links, none hidden.
        expect(page.locator(".ar-sortbar")).to_be_visible()
        assert page.locator(".ar-cards thead a").first.is_hidden()
    if view == "forecast":
        # The chart fits the phone and each week is a card with its total.
        chart = page.locator(".ar-chart svg").first
        assert chart.bounding_box()["width"] <= 390
        week = page.locator("table.ar-forecast tbody tr").first
        expect(week.locator('td[data-label="Total"]')).to_contain_text("USD")
    page.screenshot(path=shots / f"phone-{view}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_any_view(fava_server, browser, shots, scheme):
    from axe_playwright_python.sync_playwright import Axe

    base, _ = fava_server
    axe = Axe()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme
    )
    page = context.new_page()
    found = {}
    for view in VIEWS:
        page.goto(view_url(base, view))
        expect(page.locator("#ar-as-of")).to_have_text(DEMO_DATE)
        result = axe.run(
            page,
            context={"include": [[".ar"]]},
            options={"resultTypes": ["violations"]},
        )
        serious = [
            f"{v['id']}: {node['html'][:80]}"
            for v in result.response["violations"]
            if v["impact"] in ("serious", "critical")
            for node in v["nodes"]
        ]
        if serious:
            found[view] = serious
        page.screenshot(path=shots / f"{scheme}-{view}.png", full_page=True)
    context.close()
    assert found == {}


def test_a_refused_form_brings_the_field_into_view_with_focus(fava_server, browser):
    base, books = fava_server
    before = (books / "collections.beancount").read_bytes()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(view_url(base, "customer"))
    page.locator("#ar-promise-amount").fill("50000 USD")
    page.locator("#ar-promise-by").fill("2026-12-15")
    page.get_by_role("button", name="Record the promise").click()
    field = page.locator("#ar-promise-amount")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "ar-promise-error")
    message = page.locator("#ar-promise-error")
    expect(message).to_contain_text("more than is owed")
    expect(message).to_be_in_viewport()
    expect(field).to_have_value("50000 USD")
    assert (books / "collections.beancount").read_bytes() == before
    page.close()


def test_tables_sort_by_keyboard(fava_server, browser):
    base, _ = fava_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(view_url(base, "aging"))
    table = page.locator('table.ar-aging[data-currency="USD"]')
    header = table.locator("thead th", has_text="Total")
    button = header.get_by_role("button")

    def totals() -> list[float]:
        cells = table.locator('tbody td[data-bucket="total"]').all_inner_texts()
        return [float(t.replace(",", "")) for t in cells]

    # Tab from the last link of the bar table reaches the sort buttons.
    table.locator("th").first.get_by_role("button").focus()
    for _ in range(10):
        if page.evaluate("document.activeElement.textContent") == "Total":
            break
        page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    first = totals()
    assert first in (sorted(first), sorted(first, reverse=True))
    sort = header.get_attribute("aria-sort")
    assert sort in ("ascending", "descending")
    page.keyboard.press("Space")
    expect(header).not_to_have_attribute("aria-sort", sort)
    assert totals() == list(reversed(first))
    page.close()


def test_the_contact_form_writes_an_ar_contact_that_loads(fava_server, browser):
    from beancount import loader

    base, books = fava_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(view_url(base, "customer"))
    form = page.locator("#ar-add-contact")
    form.get_by_label("Name").fill("Rita Moreau")
    form.get_by_label("Role").fill("A/P Clerk")
    form.get_by_label("Email").fill("rita@gullrockbrewing.example")
    form.get_by_label("Phone").fill("+1 207 555 0170")
    form.get_by_role("button", name="Add the contact").click()
    # The page is as of the demo day, the contact dated today: the page
    # says so and leads to today's page, where the contact is.
    flash = page.locator("#ar-contacts ~ .ar-flash")
    expect(flash).to_contain_text("the contact is in the ledger")
    if datetime.date.today().isoformat() > DEMO_DATE:
        flash.get_by_role("link", name="See it as of today").click()
    expect(page.get_by_role("link", name="+1 207 555 0170")).to_be_visible()
    written = (books / "collections.beancount").read_text()
    assert (
        'custom "ar-contact" Assets:Receivable:GullRock "Rita Moreau" "A/P Clerk" '
        '"rita@gullrockbrewing.example" "+1 207 555 0170"'
    ) in written
    _, errors, _ = loader.load_file(str(books / "main.beancount"))
    assert errors == []
    page.close()
