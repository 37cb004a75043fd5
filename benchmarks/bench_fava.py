"""Benchmark the Collections page in Fava on a synthetic ledger.

Usage (from the repository root, with the project's venv; `wrk` from Debian)::

    .venv/bin/python benchmarks/bench_fava.py [--invoices 100000] [--repeat 5]
        [--wrk-seconds 20] [--connections 50]

1. Generates ``build/bench-N/`` with ``gen_ledger.py --both`` when missing and
   writes ``build/bench-N/fava.beancount``: the plugin, the extension and the
   generated data.
2. Server-side times: loads it with ``fava.application.create_app`` in this
   process and times every Collections view through Flask's test client
   (the first request, then the median and worst of ``--repeat`` more). The
   time of the load itself (Fava's, with the plugin and the index) is shown
   apart: the page never re-reads the ledger.
3. Load: starts ``fava`` on 127.0.0.1 and runs ``wrk`` with ``--connections``
   concurrent connections for ``--wrk-seconds`` against the aging and today
   views, and reports requests/s, latency and any errors.
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build"
BIN = Path(sys.executable).parent
AS_OF = "2026-11-26"


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


def views(client, slug: str) -> dict[str, str]:
    """Every view, with a busy customer for the customer page."""
    from fava.application import create_app  # noqa: F401  (imported by caller)

    base = f"/{slug}/extension/Collections/"
    ledger = client.application.config["LEDGERS"][slug]
    ext = ledger.extensions.get_extension("Collections")
    index = ext.loaded.index
    busiest = max(index.customers, key=lambda a: len(index.invoices_for(a)))
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


def server_side(path: Path, repeat: int) -> str:
    from fava.application import create_app

    started = time.perf_counter()
    app = create_app([str(path.resolve())], load=True)
    loaded = time.perf_counter() - started
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    rows = [f"Fava load (parse, plugin, index): {loaded:.1f} s"]
    rows.append(f"{'view':<16}{'first':>9}{'median':>9}{'worst':>9}{'KiB':>8}")
    for name, url in views(client, slug).items():
        times = []
        size = 0
        for _ in range(repeat + 1):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.status_code == 200, (name, response.status_code)
            size = len(response.data)
        rest = times[1:]
        rows.append(
            f"{name:<16}{times[0]:>8.3f}s{statistics.median(rest):>8.3f}s"
            f"{max(rest):>8.3f}s{size / 1024:>8.0f}"
        )
    return "\n".join(rows)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_test(path: Path, seconds: int, connections: int) -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk not found: apt-get install wrk"
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "fava"), "--host", "127.0.0.1", "--port", str(port), str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        slug = None
        while slug is None:
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as r:
                    slug = r.url.rstrip("/").split("/")[-2]
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    return "fava did not start"
                time.sleep(1)
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
        return "\n".join(out)
    finally:
        server.terminate()
        server.wait(30)


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
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wrk-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--no-wrk", action="store_true")
    args = parser.parse_args()
    path = ledger_for(args.invoices)
    print(f"{args.invoices} invoices: {path}")
    print(server_side(path, args.repeat))
    if not args.no_wrk:
        print(load_test(path, args.wrk_seconds, args.connections))


if __name__ == "__main__":
    main()
