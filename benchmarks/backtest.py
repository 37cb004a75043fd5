"""Back-test the cash-collection forecast on a generated ledger.

Usage::

    python benchmarks/backtest.py [--customers 40] [--seed 7] [--out FILE]
    python benchmarks/backtest.py --ledger example-ledger/main.beancount
    python benchmarks/backtest.py --seeds 1,2,3,7,11

Generates (seeded, standard library only) two years of invoices and payments
for customers with persistent payment habits, writes the ledger (to a
temporary file unless --out), and prints the back-test table:
`bean-ar backtest` on it. With --ledger, back-tests that ledger instead.

Each customer has one habit for its whole life, with noise per invoice:

* early (25 %): pays 3-12 days before the due date;
* on time (35 %): around the due date, give or take a few days;
* late (25 %): 20-40 days after the due date (its own mean, +/- a week);
* very late (15 %): 50-100 days after, widely spread; now and then one is
  written off after six months instead.

About 2 % of invoices are disputed a week or two after they are issued and
resolved a month or two later (then paid, or a credit note for part of it
and the rest paid). When an invoice of a late or very late customer is a
month past due, the bookkeeper calls and about half the time gets a promise
to pay within one to three weeks; four promises in five are kept (paid a day
or two before the date), the rest are paid later on the customer's habit.
One in ten of a late payer's invoices is paid in two halves. Payments link
their invoice. Nothing is written after the end date: what would be paid
later stays open.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

START = dt.date(2024, 9, 1)
END = dt.date(2026, 11, 25)
CURRENCY = "USD"
HABITS = (("early", 25), ("on time", 35), ("late", 25), ("very late", 15))
TERMS = ((15, 20), (30, 60), (45, 20))


class Customer:
    def __init__(self, k: int, rng: random.Random) -> None:
        self.name = f"Customer {k:02d}"
        self.account = f"Assets:Receivable:C{k:02d}"
        self.habit = rng.choices([h for h, _ in HABITS], [w for _, w in HABITS])[0]
        self.terms = rng.choices([t for t, _ in TERMS], [w for _, w in TERMS])[0]
        self.per_month = rng.uniform(1, 4)
        self.median = rng.uniform(400, 6000)
        if self.habit == "early":
            self.mean, self.spread = -rng.uniform(3, 12), 2.0
        elif self.habit == "on time":
            self.mean, self.spread = rng.uniform(-2, 3), 3.0
        elif self.habit == "late":
            self.mean, self.spread = rng.uniform(20, 40), 7.0
        else:
            self.mean, self.spread = rng.uniform(50, 100), 20.0

    def delay(self, rng: random.Random) -> int:
        """Days after the due date this customer pays an invoice."""
        return round(rng.gauss(self.mean, self.spread))


def money(x: float) -> str:
    return f"{x:.2f}"


def generate(seed: int = 7, customers: int = 40) -> str:
    """The text of a generated ledger."""
    rng = random.Random(seed)
    people = [Customer(k, rng) for k in range(1, customers + 1)]
    out: list[tuple[dt.date, int, str]] = []  # (date, order, text)
    opens = [
        'option "operating_currency" "USD"',
        "plugin \"beancount_ar\" \"{'accounts': ['Assets:Receivable']}\"",
        "2024-01-01 open Assets:Bank:Checking",
        "2024-01-01 open Income:Sales",
        "2024-01-01 open Income:Returns",
        "2024-01-01 open Expenses:BadDebt",
    ]
    for c in people:
        opens.append(
            f'2024-01-01 open {c.account}\n  customer: "{c.name}"\n'
            f'  terms: "Net {c.terms}"'
        )
    seq = 0

    def add(day: dt.date, text: str) -> None:
        nonlocal seq
        if day <= END:
            seq += 1
            out.append((day, seq, text))

    def pay(day: dt.date, c: Customer, inv: str, cents: int, what: str) -> None:
        add(
            day,
            f'{day} * "{c.name}" "{what}" ^{inv}\n'
            f"  Assets:Bank:Checking  {money(cents / 100)} {CURRENCY}\n"
            f"  {c.account}  {money(-cents / 100)} {CURRENCY}\n",
        )

    number = 0
    for c in people:
        day = START + dt.timedelta(days=rng.randrange(0, 20))
        while day <= END:
            number += 1
            inv = f"INV-{number:05d}"
            cents = max(5000, round(rng.lognormvariate(0, 0.6) * c.median * 100))
            due = day + dt.timedelta(days=c.terms)
            add(
                day,
                f'{day} * "{c.name}" "Invoice" ^{inv}\n'
                f"  {c.account}  {money(cents / 100)} {CURRENCY}\n"
                f"  Income:Sales  {money(-cents / 100)} {CURRENCY}\n",
            )
            paid_on = max(day, due + dt.timedelta(days=c.delay(rng)))
            if c.habit == "very late" and rng.random() < 0.05:
                # Written off after six months, never paid.
                off = day + dt.timedelta(days=180)
                add(
                    off,
                    f'{off} * "{c.name}" "Write-off" ^{inv}\n'
                    f"  Expenses:BadDebt  {money(cents / 100)} {CURRENCY}\n"
                    f"  {c.account}  {money(-cents / 100)} {CURRENCY}\n",
                )
            elif rng.random() < 0.02:
                # Disputed, resolved, then paid (in part credited).
                opened = day + dt.timedelta(days=rng.randrange(5, 15))
                resolved = opened + dt.timedelta(days=rng.randrange(20, 60))
                add(
                    opened,
                    f'{opened} custom "ar-dispute" {c.account} "{inv}" "Wrong spec"',
                )
                add(resolved, f'{resolved} custom "ar-resolved" {c.account} "{inv}"')
                rest = cents
                if rng.random() < 0.4:
                    credit = cents // 4
                    rest -= credit
                    add(
                        resolved,
                        f'{resolved} * "{c.name}" "Credit note" ^{inv}\n'
                        f"  Income:Returns  {money(credit / 100)} {CURRENCY}\n"
                        f"  {c.account}  {money(-credit / 100)} {CURRENCY}\n",
                    )
                paid = resolved + dt.timedelta(days=max(0, c.delay(rng) // 2 + 5))
                pay(paid, c, inv, rest, "Payment")
            else:
                call = due + dt.timedelta(days=30)
                called = paid_on > call and c.habit in ("late", "very late")
                if called and rng.random() < 0.5:
                    by = call + dt.timedelta(days=rng.randrange(7, 22))
                    add(
                        call,
                        f'{call} custom "ar-promise" {c.account} '
                        f'{money(cents / 100)} {CURRENCY} {by} "{inv}"',
                    )
                    if rng.random() < 0.8:
                        paid_on = by - dt.timedelta(days=rng.randrange(0, 3))
                    else:
                        paid_on = max(paid_on, by) + dt.timedelta(days=14)
                if c.habit != "early" and c.habit != "on time" and rng.random() < 0.1:
                    half = cents // 2
                    first = paid_on - dt.timedelta(days=rng.randrange(7, 21))
                    pay(max(first, day), c, inv, half, "Part payment")
                    pay(paid_on, c, inv, cents - half, "Payment")
                else:
                    pay(paid_on, c, inv, cents, "Payment")
            gap = rng.expovariate(c.per_month / 30.4)
            day += dt.timedelta(days=max(1, round(gap)))
    out.sort(key=lambda row: (row[0], row[1]))
    return "\n".join(opens) + "\n\n" + "\n".join(text for _, _, text in out)


def run(path: str) -> int:
    """Print the back-test of a ledger; the status of `bean-ar backtest`."""
    import click.testing

    import beancount_ar.cli.forecast  # noqa: F401 (registers the commands)
    from beancount_ar.cli.common import cli

    started = time.perf_counter()
    result = click.testing.CliRunner().invoke(cli, ["backtest", path])
    print(result.output, end="", flush=True)
    print(f"({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return result.exit_code


def seeds(numbers: list[int], customers: int) -> int:
    """One line per seed: the WAPE of each method and horizon."""
    from beancount import loader

    from beancount_ar import backtest, ledger

    names = {"forecast": "forecast", "due date": "due", "13-week average": "average"}
    heads = [f"{names[m]} {h}w" for m in backtest.METHODS for h in backtest.HORIZONS]
    print("seed" + "".join(f"{head:>13}" for head in heads))
    for seed in numbers:
        entries, errors, options = loader.load_string(generate(seed, customers))
        loaded = ledger.from_entries(entries, errors, options)
        report = backtest.backtest(loaded.index)
        cells = [f"{s.wape * 100:12.1f}%" for s in report.scores]
        print(f"{seed:>4}" + "".join(cells))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="write the generated ledger here")
    parser.add_argument("--ledger", help="back-test this ledger instead")
    parser.add_argument(
        "--seeds", help="a summary line for each of these seeds, e.g. 1,2,3"
    )
    args = parser.parse_args(argv)
    if args.seeds:
        return seeds([int(n) for n in args.seeds.split(",")], args.customers)
    if args.ledger:
        return run(args.ledger)
    text = generate(args.seed, args.customers)
    if args.out:
        Path(args.out).write_text(text)
        return run(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "generated.beancount")
        Path(path).write_text(text)
        return run(path)


if __name__ == "__main__":
    sys.exit(main())
