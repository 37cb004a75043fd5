"""The Collections page in a real browser: Debian's Chromium driven by Playwright.

Fava runs as its own process on the example ledger (a copy: the test logs a
note through the form). Screenshots go to BEAN_AR_SCREENSHOTS if set, else
to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect, sync_playwright

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
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
def browser():
    assert os.path.exists(CHROMIUM), "install Debian's chromium (see .ci/run)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


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

    # The overdue list sorts by a click on a column, in the browser.
    page.get_by_role("link", name="Overdue", exact=True).click()
    rows = page.locator("table.ar-overdue tbody tr")
    expect(rows.first).to_be_visible()

    def open_amounts() -> list[float]:
        cells = page.locator("table.ar-overdue tbody td:nth-child(4)")
        return [float(t.split()[0].replace(",", "")) for t in cells.all_inner_texts()]

    page.locator("table.ar-overdue th", has_text="Open").click()
    ascending = open_amounts()
    assert ascending == sorted(ascending) and len(ascending) > 3
    page.locator("table.ar-overdue th", has_text="Open").click()
    assert open_amounts() == sorted(ascending, reverse=True)
    page.screenshot(path=shots / "collections-overdue.png", full_page=True)

    # The metrics, with the aging trend drawn by Fava's own chart component.
    page.get_by_role("link", name="Metrics", exact=True).click()
    expect(page.locator("table.ar-metrics").first).to_be_visible()
    chart = page.locator('svelte-component[type="charts"]')
    expect(chart.locator("svg").first).to_be_visible()
    assert "error" not in (chart.get_attribute("class") or "")
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
    page.screenshot(path=shots / "collections-customer.png", full_page=True)

    written = (books / "collections.beancount").read_text()
    assert written.count(note) == 1
    assert f'{DEMO_DATE} note Assets:Receivable:GullRock "{note}"' in written
    assert errors == []
