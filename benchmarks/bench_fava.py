"""Benchmark the Collections page in Fava on a synthetic ledger.

Usage (from the repository root, with the project's venv; `wrk` and
`chromium` from Debian)::

    .venv/bin/python benchmarks/bench_fava.py [--invoices 20000] [--repeat 5]
        [--browser] [--json PATH] [--wrk-seconds 20] [--connections 50]
        [--no-wrk] [--no-server-side]

1. Generates ``build/bench-N/`` with ``gen_ledger.py --both`` when missing and
   writes ``build/bench-N/fava.beancount``: the plugin, the extension and the
   generated data.
2. Server-side times: loads it with ``fava.application.create_app`` in this
   process and times every Collections view through Flask's test client
   (the first request, then the median and worst of ``--repeat`` more). The
   time of the load itself (Fava's, with the plugin and the index) is shown
   apart: the page never re-reads the ledger.
3. Browser (``--browser``): starts ``fava`` on 127.0.0.1 and loads Fava's
   Balance Sheet and each Collections view in headless Chromium (Debian's,
   driven by Playwright), once to warm up, then ``--repeat`` times each,
   interleaved. For each load: the navigation's ``loadEventEnd`` and
   ``domContentLoadedEventEnd`` (Navigation Timing), and the moment the
   content is visible (``.ar`` for Collections; the account tree and the
   chart for the Balance Sheet), stamped in the page on the same clock.
   Medians, with each view's ratio to the Balance Sheet (target: 1.5x at
   most), the HTML's size and the number of DOM elements.
4. Load: on the same ``fava``, runs ``wrk`` with ``--connections``
   concurrent connections for ``--wrk-seconds`` against the aging and today
   views, and reports requests/s, latency and any errors (skipped with a
   note when ``wrk`` is not installed, or with ``--no-wrk``).

Ratios within one run are what count: the machine is shared, absolute times
move from run to run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build"
BIN = Path(sys.executable).parent
AS_OF = "2026-11-26"

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
TARGET_RATIO = 1.5  # every Collections view within 1.5x the Balance Sheet's load
BALANCE_SHEET = "balance sheet"
# What "the content is visible" means on each page: every selector matches
# an element with a box. Fava renders its Balance Sheet in the browser from
# /api/balance_sheet (the account tree and the chart); the Collections page
# comes rendered from the server inside Fava's <article>.
BALANCE_SHEET_READY = (
    "article .tree-table-new, article .tree-table",
    "article .chart-wrapper svg",
)
COLLECTIONS_READY = ("article .ar",)


def ledger_for(invoices: int) -> Path:
    folder = BUILD / f"bench-{invoices}"
    main = folder / "main.beancount"
    if not (folder / "data.beancount").exists():
        generator = [sys.executable, str(HERE / "gen_ledger.py")]
        options = ["--invoices", str(invoices), "--customers", "500", "--seed", "1"]
        subprocess.run([*generator, *options, "--both", "--out", str(main)], check=True)
    plugin_line = main.read_text().splitlines()
    fava = folder / "fava.beancount"
    fava.write_text(
        "\n".join(line for line in plugin_line if not line.startswith("include"))
        + '\n2010-01-01 custom "fava-extension" "beancount_ar.fava"\n'
        + 'include "data.beancount"\n'
    )
    return fava


def pick_targets(index: Any) -> dict[str, str]:
    """The busiest customer, and an aging bucket and currency with invoices.

    The bucket is 1-30 in USD when it has open invoices, else the bucket and
    currency holding the most.
    """
    from beancount_ar import aging

    busiest = max(index.customers, key=lambda a: len(index.invoices_for(a)))
    as_of = datetime.date.fromisoformat(AS_OF)
    counts = Counter((i.bucket, i.currency) for i in aging.open_items(index, as_of))
    if counts[("1-30", "USD")]:
        bucket, currency = "1-30", "USD"
    elif counts:
        (bucket, currency), _ = counts.most_common(1)[0]
    else:
        bucket, currency = "1-30", "USD"
    return {"customer": busiest, "bucket": bucket, "currency": currency}


def views(slug: str, targets: dict[str, str]) -> dict[str, str]:
    """Every view, with a busy customer for the customer page."""
    base = f"/{slug}/extension/Collections/"
    busiest = urllib.parse.quote(targets["customer"])
    when = f"time={AS_OF}"
    return {
        "today": f"{base}?{when}",
        "aging": f"{base}?view=aging&{when}",
        "overdue": f"{base}?view=overdue&{when}",
        "metrics": f"{base}?view=metrics&{when}",
        "customer": f"{base}?view=customer&customer={busiest}&{when}",
        "invoices 91+": f"{base}?view=invoices&bucket=91%2B&currency=USD&{when}",
        "statement pdf": f"{base}statement?customer={busiest}&format=pdf&{when}",
    }


def browser_views(slug: str, targets: dict[str, str]) -> dict[str, str]:
    """Fava's Balance Sheet first, then each Collections view."""
    base = f"/{slug}/extension/Collections/"
    when = f"time={AS_OF}"
    busiest = urllib.parse.quote(targets["customer"])
    bucket = urllib.parse.quote(targets["bucket"])
    currency = urllib.parse.quote(targets["currency"])
    return {
        BALANCE_SHEET: f"/{slug}/balance_sheet/?{when}",
        "today": f"{base}?view=today&{when}",
        "aging": f"{base}?view=aging&{when}",
        "overdue": f"{base}?view=overdue&{when}",
        "metrics": f"{base}?view=metrics&{when}",
        "customer": f"{base}?view=customer&customer={busiest}&{when}",
        f"invoices {targets['bucket']}": (
            f"{base}?view=invoices&bucket={bucket}&currency={currency}&{when}"
        ),
    }


def server_side(path: Path, repeat: int) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The table, its numbers, and the targets picked from the index."""
    from fava.application import create_app

    started = time.perf_counter()
    app = create_app([str(path.resolve())], load=True)
    loaded = time.perf_counter() - started
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    ext = app.config["LEDGERS"][slug].extensions.get_extension("Collections")
    targets = pick_targets(ext.loaded.index)
    rows = [f"Fava load (parse, plugin, index): {loaded:.1f} s"]
    rows.append(f"{'view':<16}{'first':>9}{'median':>9}{'worst':>9}{'KiB':>8}")
    numbers: dict[str, Any] = {"fava_load_s": loaded, "views": {}}
    for name, url in views(slug, targets).items():
        times = []
        size = 0
        for _ in range(repeat + 1):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            size = len(response.data)
            if response.status_code != 200:
                break
        if response.status_code != 200:  # a broken view: say so, go on
            rows.append(f"{name:<16}  HTTP {response.status_code}")
            numbers["views"][name] = {"url": url, "status": response.status_code}
            continue
        rest = times[1:]
        rows.append(
            f"{name:<16}{times[0]:>8.3f}s{statistics.median(rest):>8.3f}s"
            f"{max(rest):>8.3f}s{size / 1024:>8.0f}"
        )
        numbers["views"][name] = {
            "url": url,
            "first_s": times[0],
            "median_s": statistics.median(rest),
            "worst_s": max(rest),
            "bytes": size,
        }
    return "\n".join(rows), numbers, targets


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_fava(path: Path) -> Iterator[tuple[str, str]]:
    """`fava` on 127.0.0.1 on a free port, once it answers: (base URL, slug).

    Its output goes to ``fava.log`` beside the ledger.
    """
    port = free_port()
    log = (path.parent / "fava.log").open("wb")
    server = subprocess.Popen(
        [str(BIN / "fava"), "--host", "127.0.0.1", "--port", str(port), str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        slug = None
        while slug is None:
            try:
                # Redirected to /<slug>/income_statement/ (the slug is made
                # from the ledger's title option).
                with urllib.request.urlopen(base + "/", timeout=5) as r:
                    slug = r.url.rstrip("/").split("/")[-2]
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fava did not start: see {log.name}") from None
                time.sleep(0.5)
        yield base, slug
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# In the page: the time since navigation start when every selector matches
# an element with a box and not hidden (what Playwright's wait_for_selector
# calls visible), checked before each frame; false until then.
VISIBLE_AT = """(selectors) => {
  const shown = (e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.height > 0
      && getComputedStyle(e).visibility !== "hidden";
  };
  const ready = selectors.every(
    (s) => Array.from(document.querySelectorAll(s)).some(shown));
  return ready ? performance.now() : false;
}"""
LOADED = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  return nav !== undefined && nav.loadEventEnd > 0;
}"""
MEASURES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const data = performance.getEntriesByType("resource").filter(
    (r) => r.initiatorType === "fetch" || r.initiatorType === "xmlhttprequest");
  return {
    status: nav.responseStatus,
    ttfb_ms: nav.responseStart,
    dcl_ms: nav.domContentLoadedEventEnd,
    load_ms: nav.loadEventEnd,
    html_bytes: nav.decodedBodySize,
    data_bytes: data.reduce((sum, r) => sum + r.decodedBodySize, 0),
    data_requests: data.length,
    elements: document.getElementsByTagName("*").length,
  };
}"""


def browser_check(chromium: str) -> str | None:
    """Why the browser phase cannot run, or None."""
    if not os.path.exists(chromium):
        return f"no Chromium at {chromium} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def _load_once(context: Any, url: str, ready: tuple[str, ...]) -> dict[str, Any]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto(url, wait_until="commit", timeout=300_000)
        status = response.status if response is not None else 0
        if status != 200:  # a broken view would never show its content
            return {"status": status, "errors": errors}
        visible = page.wait_for_function(
            VISIBLE_AT, arg=list(ready), polling="raf", timeout=300_000
        ).json_value()
        page.wait_for_function(LOADED, polling="raf", timeout=300_000)
        found = page.evaluate(MEASURES)
    finally:
        page.close()
    found["visible_ms"] = visible
    found["errors"] = errors
    return found


def browser(base: str, slug: str, targets: dict, repeat: int, chromium: str):
    """The browser table and its numbers."""
    from playwright.sync_api import sync_playwright

    urls = browser_views(slug, targets)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
    with sync_playwright() as p:
        engine = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            version = engine.version
            context = engine.new_context(viewport={"width": 1400, "height": 1000})
            # Warm-up: Fava's caches, the extension's computed views and the
            # browser's cache of Fava's scripts, fonts and styles.
            broken: dict[str, int] = {}
            for name, url in urls.items():
                found = _load_once(context, base + url, _ready(name))
                if found["status"] != 200:
                    broken[name] = found["status"]
            for _ in range(repeat):  # interleaved: drift hits every view alike
                for name, url in urls.items():
                    if name not in broken:
                        found = _load_once(context, base + url, _ready(name))
                        runs[name].append(found)
            context.close()
        finally:
            engine.close()

    results: dict[str, Any] = {}
    for name, found in runs.items():
        if name in broken or any(r["status"] != 200 for r in found):
            status = broken.get(name) or next(r["status"] for r in found)
            results[name] = {"url": urls[name], "status": status}
            continue
        results[name] = {
            "url": urls[name],
            **{
                key: statistics.median(r[key] for r in found)
                for key in ("ttfb_ms", "dcl_ms", "load_ms", "visible_ms")
            },
            "html_bytes": found[-1]["html_bytes"],
            "data_bytes": found[-1]["data_bytes"],
            "elements": found[-1]["elements"],
            "errors": sorted({e for r in found for e in r["errors"]}),
            "runs": found,
        }
    sheet = results[BALANCE_SHEET]
    if "status" in sheet:
        raise RuntimeError(f"Fava's Balance Sheet: HTTP {sheet['status']}")
    for row in results.values():
        if "status" not in row:
            row["load_ratio"] = row["load_ms"] / sheet["load_ms"]
            row["visible_ratio"] = row["visible_ms"] / sheet["visible_ms"]

    header = (
        f"{'view':<16}{'TTFB':>7}{'DCL':>7}{'load':>7}{'visible':>8}"
        f"{'load/BS':>9}{'vis/BS':>8}{'HTML bytes':>12}{'+data bytes':>12}"
        f"{'elements':>10}"
    )
    lines = [
        f"Chromium {version}, medians of {repeat} loads (ms from navigation start;"
        " data = fetch/XHR)",
        header,
    ]
    over = []
    for name, row in results.items():
        if "status" in row:
            lines.append(f"{name:<16}  HTTP {row['status']}: not measured")
            over.append(f"{name} (HTTP {row['status']})")
            continue
        flag = ""
        if name != BALANCE_SHEET and row["load_ratio"] > TARGET_RATIO:
            flag = " *"
            over.append(f"{name} {row['load_ratio']:.2f}x")
        lines.append(
            f"{name:<16}{row['ttfb_ms']:>7.0f}{row['dcl_ms']:>7.0f}"
            f"{row['load_ms']:>7.0f}{row['visible_ms']:>8.0f}"
            f"{row['load_ratio']:>8.2f}x{row['visible_ratio']:>7.2f}x"
            f"{row['html_bytes']:>12}{row['data_bytes']:>12}{row['elements']:>10}"
            + flag
        )
        for error in row["errors"]:
            lines.append(f"  page error: {error[:200]}")
    target = f"target: every view's load within {TARGET_RATIO}x the Balance Sheet's"
    lines.append(f"{target}; over (*): {', '.join(over)}" if over else f"{target}: met")
    numbers = {"chromium": version, "repeat": repeat, "views": results}
    return "\n".join(lines), numbers


def _ready(name: str) -> tuple[str, ...]:
    return BALANCE_SHEET_READY if name == BALANCE_SHEET else COLLECTIONS_READY


def load_test(base: str, slug: str, seconds: int, connections: int) -> list[str]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    out = []
    # The full page carries Fava's own data for its sidebar (about 1.5 MB
    # at 100k invoices); in the browser, moving between pages fetches
    # only the content (`partial=true`).
    for view in ("aging", "today", "aging&partial=true"):
        url = f"{base}/{slug}/extension/Collections/?view={view}&time={AS_OF}"
        urllib.request.urlopen(url, timeout=60).read()  # warm
        command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s"]
        result = subprocess.run(
            [*command, "--timeout", "30s", url],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        out.append(f"wrk {view}: " + _wrk_summary(result))
    return out


WRK_FIELDS = {
    "requests": r"(\d+) requests in",
    "per_second": r"Requests/sec:\s+([\d.]+)",
    "latency_avg": r"Latency\s+(\S+)",
    "latency_max": r"Latency\s+\S+\s+\S+\s+(\S+)",
}
WRK_ERRORS = r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)"


def _wrk_summary(output: str) -> str:
    found = {}
    for name, pattern in WRK_FIELDS.items():
        match = re.search(pattern, output)
        found[name] = match.group(1) if match else "?"
    errors = ", ".join(re.findall(WRK_ERRORS, output)) or "none"
    return (
        "{requests} requests, {per_second}/s, latency avg {latency_avg} "
        "max {latency_max}, errors: ".format(**found)
        + errors
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="the browser phase")
    parser.add_argument("--chromium", default=CHROMIUM)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the numbers")
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--no-server-side", action="store_true")
    args = parser.parse_args()
    if args.browser and (why := browser_check(args.chromium)):
        sys.exit(f"--browser: {why}")
    wrk = not args.no_wrk and shutil.which("wrk") is not None

    path = ledger_for(args.invoices)
    print(f"{args.invoices} invoices: {path}", flush=True)
    report: dict[str, Any] = {"invoices": args.invoices, "as_of": AS_OF}
    targets = None
    if not args.no_server_side:
        text, report["server_side"], targets = server_side(path, args.repeat)
        print(text, flush=True)
    if args.browser and targets is None:
        from beancount_ar import ledger as ledger_lib

        targets = pick_targets(ledger_lib.load(str(path)).index)
    if args.browser or wrk:
        with running_fava(path) as (base, slug):
            if args.browser:
                assert targets is not None
                report["targets"] = targets
                text, report["browser"] = browser(
                    base, slug, targets, args.repeat, args.chromium
                )
                print(text, flush=True)
            if wrk:
                report["wrk"] = load_test(
                    base, slug, args.wrk_seconds, args.connections
                )
                print("\n".join(report["wrk"]), flush=True)
    if not args.no_wrk and not wrk:
        print("wrk not found (apt-get install wrk): load test skipped")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")
        print(f"numbers written to {args.json}")
    failed = [
        f"{name} ({phase.replace('_', '-')})"
        for phase in ("server_side", "browser")
        for name, row in report.get(phase, {}).get("views", {}).items()
        if "status" in row
    ]
    if failed:
        sys.exit("not measured, the page failed: " + ", ".join(failed))


if __name__ == "__main__":
    main()
