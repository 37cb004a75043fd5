"""Benchmark runner: bean-check with and without the beancount_ar plugin, and
``bean-ar aging``, on synthetic ledgers.

Usage (from the repository root, with the project's venv)::

    .venv/bin/python benchmarks/bench.py [--sizes 10000,100000] [--repeat 1]
        [--json build/bench.json] [--src] [--cache]

For each size N it generates ``build/bench-N/`` (``main.beancount`` with the
plugin, ``main-noplugin.beancount`` without, both including ``data.beancount``)
with ``gen_ledger.py --both`` when missing, then runs, interleaved, each in a
fresh child process:

* a) ``bean-check -C main-noplugin.beancount``
* b) ``bean-check -C main.beancount``              (with the plugin)
* c) ``bean-ar aging main.beancount --as-of 2026-11-26 --format json --no-index``
  (a whole load; ``bench_index.py`` measures the persistent index)

The loader's pickle cache is off (``BEANCOUNT_DISABLE_LOAD_CACHE=1`` and
``bean-check -C``) unless ``--cache`` is given (then one untimed warm-up run
fills the cache first). Wall time (min over ``--repeat`` runs) and peak RSS
(max over runs, from ``os.wait4``'s rusage) are printed with the ratios the
quality bars in SPEC.md use, and the growth from one size to the next
(``(t2 / t1) / (n2 / n1)``: 1.0 is linear).

Executables are taken next to ``sys.executable`` (the venv's ``bin``). A
missing ``bean-ar`` is skipped with a message; a command exiting non-zero is
reported as FAILED with the first lines of its stderr, and the exit status
is then 1.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
BUILD_DIR = REPO_ROOT / "build"
GENERATOR = HERE / "gen_ledger.py"
BIN_DIR = Path(sys.executable).parent  # not resolved: keep the venv's bin
PARAMS_FILE = "gen-params.json"
STDERR_LINES = 8

# Quality bars from SPEC.md ("at 100k invoices").
BAR_PLUGIN_TIME = 1.10  # b / a
BAR_AGING_TIME = 1.20  # c / a
BAR_AGING_MEMORY = 1.20  # c / a


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    stdout_to_null: bool = False
    skip_reason: str | None = None


@dataclass
class Run:
    """One execution of a command."""

    returncode: int
    seconds: float
    peak_mib: float
    cpu_seconds: float
    output_head: list[str] = field(default_factory=list)


@dataclass
class Result:
    """All runs of one command at one size."""

    key: str
    label: str
    argv: list[str]
    status: str = "ok"  # ok | failed | skipped
    message: str = ""
    seconds: float | None = None  # min over runs
    peak_mib: float | None = None  # max over runs
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class SizeResult:
    invoices: int
    ledger_dir: str
    transactions: int
    generated_seconds: float | None
    results: dict[str, Result]
    ratios: dict[str, float | None] = field(default_factory=dict)


# ------------------------------------------------------------------ measurement


def run_measured(
    argv: list[str], env: dict[str, str], stdout_to_null: bool, timeout: float
) -> Run:
    """Run ``argv`` as a child; wall time and its own peak RSS via ``os.wait4``."""
    with (
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as out,
        open(os.devnull, "wb") as null,
    ):
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            stdout=null if stdout_to_null else out,
            stderr=err,
            env=env,
            cwd=REPO_ROOT,
        )
        timer = threading.Timer(timeout, _kill, [proc.pid])
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        head = _head(err) or _head(out)
    if proc.returncode < 0:
        head.insert(
            0,
            f"killed by signal {-proc.returncode}"
            + (f" (timeout {timeout:.0f} s?)" if seconds >= timeout else ""),
        )
    return Run(
        returncode=proc.returncode,
        seconds=seconds,
        peak_mib=usage.ru_maxrss / 1024,  # Linux: KiB
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        output_head=head,
    )


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _head(stream: IO[bytes], lines: int = STDERR_LINES) -> list[str]:
    """The first non-blank lines written to ``stream`` (and the last few, where
    a traceback names its exception)."""
    stream.seek(0)
    text = stream.read().decode("utf-8", "replace")
    found = [line for line in text.splitlines() if line.strip()]
    if len(found) <= lines + 3:
        return found
    return [*found[:lines], f"... ({len(found) - lines - 3} more lines)", *found[-3:]]


# --------------------------------------------------------------------- ledgers


def ledger_dir(build: Path, invoices: int) -> Path:
    return build / f"bench-{invoices}"


def ensure_ledgers(
    folder: Path, invoices: int, customers: int, seed: int, regen: bool
) -> float | None:
    """Generate the ledgers unless present with the same parameters.

    Returns the generation time in seconds, or None when nothing was generated.
    """
    params = {"invoices": invoices, "customers": customers, "seed": seed}
    marker = folder / PARAMS_FILE
    names = ("main.beancount", "main-noplugin.beancount", "data.beancount")
    present = all((folder / name).exists() for name in names) and marker.exists()
    if present and not regen and json.loads(marker.read_text()) == params:
        return None
    marker.unlink(missing_ok=True)
    argv = [
        sys.executable,
        str(GENERATOR),
        "--invoices",
        str(invoices),
        "--customers",
        str(customers),
        "--seed",
        str(seed),
        "--both",
        "--out",
        str(folder / "main.beancount"),
        "--quiet",
    ]
    print(f"generating {folder} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(argv, check=True)
    elapsed = time.perf_counter() - started
    marker.write_text(json.dumps(params) + "\n")
    return elapsed


_TXN = re.compile(rb"^\d{4}-\d\d-\d\d[ \t]+(?:\*|!|txn)[ \t]", re.MULTILINE)
_INCLUDE = re.compile(rb'^include[ \t]+"([^"]+)"', re.MULTILINE)


def count_transactions(path: Path, seen: set[Path] | None = None) -> int:
    """Transactions in a ledger file and the files it includes (a quick regex)."""
    seen = set() if seen is None else seen
    path = path.resolve()
    if path in seen or not path.exists():
        return 0
    seen.add(path)
    text = path.read_bytes()
    total = len(_TXN.findall(text))
    for name in _INCLUDE.findall(text):
        total += count_transactions(path.parent / name.decode(), seen)
    return total


# -------------------------------------------------------------------- commands


def commands(folder: Path, as_of: str, cache: bool) -> list[Command]:
    bean_check = BIN_DIR / "bean-check"
    bean_ar = BIN_DIR / "bean-ar"
    no_cache = [] if cache else ["-C"]
    check_skip = None if bean_check.exists() else f"{bean_check} not found"
    ar_skip = (
        None
        if bean_ar.exists()
        else (f"{bean_ar} not found (install the package: pip install -e .)")
    )
    return [
        Command(
            "a",
            "bean-check (no plugin)",
            [str(bean_check), *no_cache, str(folder / "main-noplugin.beancount")],
            skip_reason=check_skip,
        ),
        Command(
            "b",
            "bean-check (plugin)",
            [str(bean_check), *no_cache, str(folder / "main.beancount")],
            skip_reason=check_skip,
        ),
        Command(
            "c",
            "bean-ar aging --format json --no-index",
            [
                str(bean_ar),
                "aging",
                str(folder / "main.beancount"),
                "--as-of",
                as_of,
                "--format",
                "json",
                "--no-index",  # a whole load: the index has its own benchmark
            ],
            stdout_to_null=True,
            skip_reason=ar_skip,
        ),
    ]


def child_env(cache: bool, src: bool) -> dict[str, str]:
    env = dict(os.environ)
    if cache:
        env.pop("BEANCOUNT_DISABLE_LOAD_CACHE", None)
    else:
        env["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
    if src:  # import beancount_ar from the working tree without installing it
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])
        )
    return env


def run_one(
    cmd: Command,
    result: Result,
    env: dict[str, str],
    args: argparse.Namespace,
    warm_up: bool,
) -> None:
    """Run ``cmd`` once (after an untimed warm-up run if asked); record it."""
    print(f"  {cmd.key}) {' '.join(cmd.argv)}", file=sys.stderr, flush=True)
    if warm_up:
        run_measured(cmd.argv, env, cmd.stdout_to_null, args.timeout)
    run = run_measured(cmd.argv, env, cmd.stdout_to_null, args.timeout)
    result.runs.append(run)
    if run.returncode != 0:
        result.status = "failed"
        result.message = f"exit status {run.returncode}"


def bench_size(invoices: int, args: argparse.Namespace) -> SizeResult:
    folder = ledger_dir(args.build_dir, invoices)
    generated = ensure_ledgers(folder, invoices, args.customers, args.seed, args.regen)
    cmds = commands(folder, args.as_of, args.cache)
    env = child_env(args.cache, args.src)
    results = {cmd.key: Result(cmd.key, cmd.label, cmd.argv) for cmd in cmds}
    for cmd in cmds:
        if cmd.skip_reason:
            results[cmd.key].status = "skipped"
            results[cmd.key].message = cmd.skip_reason
    # Interleave a, b, c on each repetition so drift affects all alike.
    for rep in range(args.repeat):
        for cmd in cmds:
            result = results[cmd.key]
            if result.ok:
                run_one(cmd, result, env, args, warm_up=args.cache and rep == 0)
    for result in results.values():
        if result.runs:
            result.seconds = min(run.seconds for run in result.runs)
            result.peak_mib = max(run.peak_mib for run in result.runs)
    txns = count_transactions(folder / "main.beancount")
    size = SizeResult(invoices, str(folder), txns, generated, results)
    size.ratios = ratios(results)
    return size


# ---------------------------------------------------------------------- report


def _ratio(num: Result, den: Result, attr: str) -> float | None:
    if not (num.ok and den.ok):
        return None
    top, bottom = getattr(num, attr), getattr(den, attr)
    return top / bottom if top is not None and bottom else None


def ratios(results: dict[str, Result]) -> dict[str, float | None]:
    a, b, c = results["a"], results["b"], results["c"]
    return {
        "b/a time": _ratio(b, a, "seconds"),
        "b/a memory": _ratio(b, a, "peak_mib"),
        "c/a time": _ratio(c, a, "seconds"),
        "c/a memory": _ratio(c, a, "peak_mib"),
        "c/b time": _ratio(c, b, "seconds"),
        "c/b memory": _ratio(c, b, "peak_mib"),
    }


BARS = {
    "b/a time": BAR_PLUGIN_TIME,
    "c/a time": BAR_AGING_TIME,
    "c/a memory": BAR_AGING_MEMORY,
}


def growth(sizes: list[SizeResult]) -> list[dict[str, object]]:
    """Per-invoice growth of time from each size to the next (1.0 = linear)."""
    rows = []
    ordered = sorted(sizes, key=lambda s: s.invoices)
    for small, large in itertools.pairwise(ordered):
        factor = large.invoices / small.invoices
        row: dict[str, object] = {"from": small.invoices, "to": large.invoices}
        for key in ("a", "b", "c"):
            lo, hi = small.results[key], large.results[key]
            row[key] = (
                hi.seconds / lo.seconds / factor
                if lo.ok and hi.ok and lo.seconds
                else None
            )
        rows.append(row)
    return rows


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def print_report(sizes: list[SizeResult], args: argparse.Namespace) -> None:
    cache = "ON (warm)" if args.cache else "OFF"
    print(
        f"\nloader cache {cache}; time = min of {args.repeat} run(s), "
        f"peak = max RSS; bin: {BIN_DIR}"
    )
    print(
        f"\n{'invoices':>9} {'txns':>8}  {'command':30} {'seconds':>8} "
        f"{'peak MiB':>9}  status"
    )
    for size in sizes:
        for res in size.results.values():
            status = res.status if res.ok else f"{res.status.upper()}: {res.message}"
            print(
                f"{size.invoices:>9} {size.transactions:>8}  "
                f"{res.key}) {res.label:27} {_fmt(res.seconds):>8} "
                f"{_fmt(res.peak_mib, '.0f'):>9}  {status}"
            )
            if res.status == "failed":
                for line in res.runs[-1].output_head if res.runs else []:
                    print(f"{'':20}| {line[:150]}")
    print("\nratios (bars from SPEC.md apply at 100k invoices):")
    for size in sizes:
        parts = []
        for name, value in size.ratios.items():
            bar = BARS.get(name)
            mark = (
                ""
                if bar is None or value is None
                else (" ok" if value <= bar else f" OVER {bar}")
            )
            parts.append(f"{name} {_fmt(value)}{mark}")
        print(f"{size.invoices:>9}  " + ";  ".join(parts))
    rows = growth(sizes)
    if rows:
        print(
            "\ngrowth per invoice, (t_large / t_small) / (n_large / n_small), "
            "1.0 = linear:"
        )
        for row in rows:
            cells = "  ".join(f"{key}) {_fmt(row[key])}" for key in ("a", "b", "c"))
            print(f"  {row['from']} -> {row['to']}:  {cells}")
    generated = [s for s in sizes if s.generated_seconds is not None]
    if generated:
        print()
    for size in generated:
        print(f"generated {size.ledger_dir} in {size.generated_seconds:.2f} s")


def environment() -> dict[str, object]:
    try:
        from importlib.metadata import version

        beancount_version = version("beancount")
    except Exception:  # not installed in this interpreter
        beancount_version = None
    return {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "beancount": beancount_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def save_json(path: Path, sizes: list[SizeResult], args: argparse.Namespace) -> None:
    payload = {
        "environment": environment(),
        "settings": {
            "sizes": [s.invoices for s in sizes],
            "repeat": args.repeat,
            "customers": args.customers,
            "seed": args.seed,
            "as_of": args.as_of,
            "cache": args.cache,
            "src": args.src,
        },
        "sizes": [asdict(size) for size in sizes],
        "growth": growth(sizes),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"\nresults saved to {path}")


# ------------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad size list {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sorted(set(sizes))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time bean-check with/without the beancount_ar plugin and "
        "bean-ar aging on synthetic ledgers."
    )
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default="10000,100000",
        help="invoice counts, comma-separated (default 10000,100000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per command; the minimum time is kept",
    )
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", default="2026-11-26")
    parser.add_argument(
        "--build-dir",
        type=Path,
        default=BUILD_DIR,
        help="where bench-<N>/ ledgers live (default: build/)",
    )
    parser.add_argument(
        "--regen", action="store_true", help="regenerate the ledgers even when present"
    )
    parser.add_argument(
        "--cache",
        action="store_true",
        help="leave the loader cache on (after a warm-up run)",
    )
    parser.add_argument(
        "--src",
        action="store_true",
        help="put the repository on PYTHONPATH so the plugin "
        "imports from the working tree without installing",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds before a run is killed (default 1800)",
    )
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also save the results as JSON"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [bench_size(n, args) for n in args.sizes]
    print_report(sizes, args)
    if args.json:
        save_json(args.json, sizes, args)
    failed = any(r.status == "failed" for s in sizes for r in s.results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
