"""Regenerate the README's pictures of the Collections page.

Runs Fava on a copy of the example ledger and photographs the views in
Debian's Chromium: desktop, phone width, dark mode. Usage (from the project
root, after `make test` has set up the venv)::

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from playwright.sync_api import sync_playwright

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SLUG = "northwind-design-print"
DAY = "2026-11-26"
GULL = "Assets:Receivable:GullRock"
#: file name -> (query, viewport width, height, colour scheme)
SHOTS = {
    "fava-today.png": ("", 1280, 900, "light"),
    "fava-aging.png": ("view=aging", 1280, 1000, "light"),
    "fava-customer.png": (f"view=customer&customer={GULL}", 1280, 1100, "light"),
    "fava-metrics.png": ("view=metrics", 1280, 1300, "light"),
    "fava-forecast.png": ("view=forecast", 1280, 1400, "light"),
    "fava-today-phone.png": ("", 390, 1100, "light"),
    "fava-overdue-dark.png": ("view=overdue", 390, 1100, "dark"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        books = pathlib.Path(tmp) / "books"
        shutil.copytree(ROOT / "example-ledger", books)
        port = free_port()
        fava = pathlib.Path(sys.executable).with_name("fava")
        server = subprocess.Popen(
            [str(fava), "--host", "127.0.0.1", "--port", str(port), "main.beancount"],
            cwd=books,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}/{SLUG}/extension/Collections/"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(base, timeout=2)
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--headless", "--no-sandbox", "--disable-gpu"],
                )
                for name, (query, width, height, scheme) in SHOTS.items():
                    context = browser.new_context(
                        viewport={"width": width, "height": height},
                        color_scheme=scheme,
                    )
                    page = context.new_page()
                    page.goto(f"{base}?{query}{'&' if query else ''}time={DAY}")
                    page.locator("#ar-as-of").wait_for()
                    page.screenshot(path=DOCS / name)
                    context.close()
                    print(DOCS / name)
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
