"""Synthetic accounts-receivable ledger generator for the beancount-ar benchmarks.

Usage::

    python benchmarks/gen_ledger.py --invoices 100000 --customers 500 --seed 1 \\
        --out build/bench-100k/main.beancount [--no-plugin | --both]

Writes a valid Beancount 3 ledger (standard library only, deterministic for a
seed, streamed to disk). About 50 invoices a day, ending 2026-11-25, so the
ledger spans ``invoices / 50`` days. Each customer has a payment habit:

* prompt payers (within terms; on "2/10 Net 30" most take the 2% discount),
* average payers (around the due date), slow payers (30-120 days late);

and each invoice gets one pattern: paid in full (about 10% of payments name
no invoice), paid in two instalments, paid together with other invoices of
the customer in one payment linking them all, overpaid, written off to
Expenses:BadDebt (~1%), left open (~10% of the last 120 days), or covered by
an unlinked prepayment made before it was issued. About 3% of invoices carry
a ``terms:`` or ``due:`` override. Payments falling after the end date are
not written (those invoices stay open). Expect about twice as many
transactions as invoices.

Files written:

* default: one self-contained file at ``--out`` (with the plugin line unless
  ``--no-plugin``);
* ``--both``: ``data.beancount`` (opens and transactions) beside ``--out``, plus
  ``main.beancount`` (with the plugin) and ``main-noplugin.beancount``
  (without); the two main files differ only by the plugin line.

Inside the repository, ledgers may only be written under ``build/``
(git-ignored); anywhere outside the repository is fine. Statistics go to
stderr (``--quiet`` to silence).
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import datetime as dt
import heapq
import itertools
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"

END_DATE = dt.date(2026, 11, 25)  # last day with entries; reports run as of 2026-11-26
OPEN_DATE = dt.date(2015, 1, 1)
INVOICES_PER_DAY = 50
CURRENCY = "USD"
PLUGIN_LINE = "plugin \"beancount_ar\" \"{'accounts': ['Assets:Receivable']}\"\n"
HEADER = 'option "operating_currency" "USD"\n'

BANK = "Assets:Bank:Checking"
SALES = "Income:Sales"
DISCOUNTS = "Expenses:Discounts"
BAD_DEBT = "Expenses:BadDebt"
RECEIVABLE_ROOT = "Assets:Receivable"

TERMS = [
    "Net 30",
    "Net 15",
    "2/10 Net 30",
    "Net 30 EOM",
    "Due on receipt",
    "10th Prox",
    "Net 45",
]
TERMS_WEIGHTS = [40, 10, 15, 10, 8, 7, 10]
OVERRIDE_TERMS = ["Net 60", "Net 10", "Net 30", "Due on receipt", "Net 45"]

# Customer habits and their weights.
PROFILES = ["prompt", "average", "slow"]
PROFILE_WEIGHTS = [45, 35, 20]

# Per-invoice patterns (probabilities, the rest is "full" payment).
P_OPEN_RECENT = 0.10  # left open, among invoices of the last RECENT_DAYS
RECENT_DAYS = 120
P_WRITEOFF = {"prompt": 0.002, "average": 0.008, "slow": 0.03}
P_PARTIAL = 0.06  # two instalments
P_BATCH = 0.08  # paid together with other invoices
BATCH_WINDOW = 45  # days a batched invoice waits for the next ones
P_OVERPAY = 0.01
P_PREPAY = 0.005  # prepays the customer's next invoice
P_DISCOUNT = 0.70  # prompt "2/10 Net 30" customers taking the discount
P_UNLINKED = 0.12  # single-invoice payments that name no invoice
P_TERMS_OVERRIDE = 0.015
P_DUE_OVERRIDE = 0.015


@dataclass
class Customer:
    """A customer account and its habits."""

    number: int
    account: str
    name: str
    terms: str
    profile: str
    batch: list[tuple[int, str, int]] = field(default_factory=list)  # (date, id, cents)
    batch_size: int = 2
    prepaid_cents: int = 0  # an unlinked prepayment waiting for the next invoice
    prepaid_on: int = 0  # its date (ordinal)


@dataclass
class Stats:
    """Counts reported at the end of a run."""

    transactions: int = 0
    invoices: int = 0
    payments: int = 0
    payments_unlinked: int = 0
    payments_multi_invoice: int = 0
    partial_invoices: int = 0
    discount_payments: int = 0
    overpayments: int = 0
    prepayments: int = 0
    writeoffs: int = 0
    overrides: int = 0
    left_open: int = 0
    dropped_after_end: int = 0
    lines: int = 0

    def report(self) -> str:
        return "\n".join(f"  {key:24} {value}" for key, value in vars(self).items())


# --------------------------------------------------------------------------- dates

_ISO_CACHE: dict[int, str] = {}


def iso(ordinal: int) -> str:
    """ISO text of a date ordinal (cached: the same few thousand days recur)."""
    text = _ISO_CACHE.get(ordinal)
    if text is None:
        text = _ISO_CACHE[ordinal] = dt.date.fromordinal(ordinal).isoformat()
    return text


def due_ordinal(invoice: int, terms: str) -> int:
    """Due date (ordinal) of an invoice dated ``invoice`` under one of TERMS."""
    if terms == "Due on receipt":
        return invoice
    day = dt.date.fromordinal(invoice)
    if terms == "Net 30 EOM":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=last).toordinal() + 30
    if terms == "10th Prox":
        month_end = calendar.monthrange(day.year, day.month)[1]
        next_month = dt.date.fromordinal(day.replace(day=month_end).toordinal() + 1)
        return next_month.replace(day=10).toordinal()
    return invoice + int(terms.split()[-1])  # "Net N", "2/10 Net 30"


def money(cents: int) -> str:
    """``123456`` -> ``"1234.56"`` (sign kept)."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


# ------------------------------------------------------------------------- entries


def invoice_text(
    date: int, cust: Customer, inv_id: str, cents: int, meta: str = ""
) -> str:
    amount = money(cents)
    return (
        f'{iso(date)} * "{cust.name}" "Invoice" ^{inv_id}\n{meta}'
        f"  {cust.account}  {amount} {CURRENCY}\n"
        f"  {SALES}  -{amount} {CURRENCY}\n\n"
    )


def payment_text(
    date: int,
    cust: Customer,
    links: list[str],
    cents: int,
    narration: str = "Payment",
    discount_cents: int = 0,
) -> str:
    """A payment of ``cents`` off the receivable; ``discount_cents`` of it to
    Expenses:Discounts, the rest to the bank."""
    link_text = "".join(f" ^{link}" for link in links)
    text = (
        f'{iso(date)} * "{cust.name}" "{narration}"{link_text}\n'
        f"  {BANK}  {money(cents - discount_cents)} {CURRENCY}\n"
    )
    if discount_cents:
        text += f"  {DISCOUNTS}  {money(discount_cents)} {CURRENCY}\n"
    return text + f"  {cust.account}  {money(-cents)} {CURRENCY}\n\n"


def writeoff_text(date: int, cust: Customer, inv_id: str, cents: int) -> str:
    return (
        f'{iso(date)} * "{cust.name}" "Write-off" ^{inv_id}\n'
        f"  {BAD_DEBT}  {money(cents)} {CURRENCY}\n"
        f"  {cust.account}  {money(-cents)} {CURRENCY}\n\n"
    )


# ---------------------------------------------------------------------- generator


class Generator:
    """Streams invoices in date order; payments wait in a heap until their day."""

    def __init__(self, invoices: int, customers: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_invoices = invoices
        self.end = END_DATE.toordinal()
        self.span = max(1, math.ceil(invoices / INVOICES_PER_DAY))
        self.start = self.end - self.span + 1
        self.open_date = min(OPEN_DATE.toordinal(), self.start - 1)
        self.id_width = max(6, len(str(invoices)))
        self.customers = self._make_customers(customers)
        weights = [self.rng.paretovariate(1.2) for _ in self.customers]
        self.cum_weights = list(itertools.accumulate(weights))
        self.pending: list[tuple[int, int, str]] = []  # (date, seq, text)
        self.seq = 0
        self.stats = Stats()

    def _make_customers(self, count: int) -> list[Customer]:
        width = max(4, len(str(count)))
        result = []
        for number in range(1, count + 1):
            tag = f"{number:0{width}d}"
            result.append(
                Customer(
                    number=number,
                    account=f"{RECEIVABLE_ROOT}:Cust{tag}",
                    name=f"Customer {tag}",
                    terms=self.rng.choices(TERMS, TERMS_WEIGHTS)[0],
                    profile=self.rng.choices(PROFILES, PROFILE_WEIGHTS)[0],
                    batch_size=self.rng.randint(2, 4),
                )
            )
        return result

    # -- output ---------------------------------------------------------------

    def opens(self) -> Iterator[str]:
        date = iso(self.open_date)
        for account in (BANK, SALES, DISCOUNTS, BAD_DEBT):
            yield f"{date} open {account}\n"
        yield "\n"
        for cust in self.customers:
            yield (
                f"{date} open {cust.account}  {CURRENCY}\n"
                f'  customer: "{cust.name}"\n  terms: "{cust.terms}"\n\n'
            )

    def schedule(self, date: int, text: str) -> bool:
        """Queue a credit entry for ``date``; entries after the end are dropped."""
        if date > self.end:
            self.stats.dropped_after_end += 1
            return False
        self.seq += 1
        heapq.heappush(self.pending, (date, self.seq, text))
        return True

    def due_before(self, date: int) -> Iterator[str]:
        while self.pending and self.pending[0][0] < date:
            yield heapq.heappop(self.pending)[2]

    def entries(self) -> Iterator[str]:
        """All transactions, in date order."""
        for index in range(self.n_invoices):
            date = self.start + index * self.span // self.n_invoices
            yield from self.due_before(date)
            yield self.invoice(index + 1, date)
        for cust in self.customers:  # batches still waiting for their last invoice
            if cust.batch:
                self.pay_batch(cust, cust.batch[-1][0])
        yield from self.due_before(self.end + 1)

    # -- one invoice and its fate -------------------------------------------

    def invoice(self, number: int, date: int) -> str:
        rng = self.rng
        pick = bisect.bisect(self.cum_weights, rng.random() * self.cum_weights[-1])
        cust = self.customers[min(pick, len(self.customers) - 1)]
        inv_id = f"INV-{number:0{self.id_width}d}"
        cents = max(2000, min(5_000_000, int(rng.lognormvariate(11.0, 1.0))))
        terms, meta, due = cust.terms, "", None
        roll = rng.random()
        if roll < P_TERMS_OVERRIDE:
            terms = rng.choice(OVERRIDE_TERMS)
            meta = f'  terms: "{terms}"\n'
        elif roll < P_TERMS_OVERRIDE + P_DUE_OVERRIDE:
            due = date + rng.randint(7, 90)
            meta = f"  due: {iso(due)}\n"
        if meta:
            self.stats.overrides += 1
        if due is None:
            due = due_ordinal(date, terms)
        if cust.prepaid_cents and date > cust.prepaid_on:  # paid by a prepayment
            cents, cust.prepaid_cents = cust.prepaid_cents, 0
        else:
            self.settle(cust, date, due, terms, inv_id, cents)
        self.stats.invoices += 1
        return invoice_text(date, cust, inv_id, cents, meta)

    def pay_delay(self, cust: Customer, date: int, due: int) -> int:
        """Days from the invoice to its payment, by the customer's habit."""
        rng = self.rng
        if cust.profile == "prompt":
            return max(0, due - date - rng.randint(0, min(20, due - date)))
        if cust.profile == "average":
            return max(1, due - date + rng.randint(-5, 25))
        return max(1, due - date + rng.randint(30, 120))

    def settle(
        self, cust: Customer, date: int, due: int, terms: str, inv_id: str, cents: int
    ) -> None:
        """Schedule the credits of one invoice (or none: it stays open)."""
        rng = self.rng
        if date > self.end - RECENT_DAYS and rng.random() < P_OPEN_RECENT:
            self.stats.left_open += 1
            return
        roll = rng.random()
        if roll < P_WRITEOFF[cust.profile]:
            self.write_off(cust, date, inv_id, cents)
        elif (roll := roll - P_WRITEOFF[cust.profile]) < P_PARTIAL:
            self.pay_partial(cust, date, due, inv_id, cents)
        elif (roll := roll - P_PARTIAL) < P_BATCH:
            if cust.batch and date - cust.batch[0][0] > BATCH_WINDOW:
                self.pay_batch(cust, cust.batch[-1][0])  # too old to wait longer
            cust.batch.append((date, inv_id, cents))
            if len(cust.batch) >= cust.batch_size:
                self.pay_batch(cust, date)
        elif (roll := roll - P_BATCH) < P_OVERPAY:
            extra = rng.randint(1, 200) * 100
            self.stats.overpayments += 1
            self.pay(
                cust, date + self.pay_delay(cust, date, due), [inv_id], cents + extra
            )
        elif (roll := roll - P_OVERPAY) < P_PREPAY:
            self.pay_full(cust, date, due, terms, inv_id, cents)
            if not cust.prepaid_cents:
                cust.prepaid_cents = max(2000, int(rng.lognormvariate(11.0, 1.0)))
                cust.prepaid_on = date
                self.stats.prepayments += 1
                self.pay(cust, date, [], cust.prepaid_cents, "Prepayment", count=False)
        else:
            self.pay_full(cust, date, due, terms, inv_id, cents)

    def pay(
        self,
        cust: Customer,
        date: int,
        links: list[str],
        cents: int,
        narration: str = "Payment",
        discount: int = 0,
        count: bool = True,
    ) -> bool:
        """Schedule a payment; False when it falls after the end date."""
        text = payment_text(date, cust, links, cents, narration, discount)
        if not self.schedule(date, text):
            return False
        self.stats.payments += 1
        if not links and count:
            self.stats.payments_unlinked += 1
        return True

    def pay_full(
        self, cust: Customer, date: int, due: int, terms: str, inv_id: str, cents: int
    ) -> None:
        rng = self.rng
        if (
            terms == "2/10 Net 30"
            and cust.profile == "prompt"
            and rng.random() < P_DISCOUNT
        ):
            self.stats.discount_payments += 1
            discount = round(cents * 0.02)
            self.pay(
                cust, date + rng.randint(1, 10), [inv_id], cents, discount=discount
            )
            return
        links = [] if rng.random() < P_UNLINKED else [inv_id]
        self.pay(cust, date + self.pay_delay(cust, date, due), links, cents)

    def pay_partial(
        self, cust: Customer, date: int, due: int, inv_id: str, cents: int
    ) -> None:
        rng = self.rng
        self.stats.partial_invoices += 1
        first = cents * rng.randint(30, 70) // 100
        delay = self.pay_delay(cust, date, due)
        self.pay(cust, date + max(0, delay // 2), [inv_id], first)
        links = [] if rng.random() < P_UNLINKED else [inv_id]
        self.pay(cust, date + delay + rng.randint(15, 45), links, cents - first)

    def pay_batch(self, cust: Customer, last_date: int) -> None:
        """One payment for all the invoices waiting in the customer's batch."""
        batch, cust.batch = cust.batch, []
        due = max(due_ordinal(date, cust.terms) for date, _, _ in batch)
        if self.pay(
            cust,
            last_date + self.pay_delay(cust, last_date, due),
            [inv_id for _, inv_id, _ in batch],
            sum(c for _, _, c in batch),
        ):
            self.stats.payments_multi_invoice += len(batch) > 1

    def write_off(self, cust: Customer, date: int, inv_id: str, cents: int) -> None:
        rng = self.rng
        remaining = cents
        if rng.random() < 0.5:  # something was collected first
            paid = cents * rng.randint(10, 50) // 100
            self.pay(cust, date + rng.randint(40, 100), [inv_id], paid)
            remaining -= paid
        when = date + rng.randint(150, 250)
        if self.schedule(when, writeoff_text(when, cust, inv_id, remaining)):
            self.stats.writeoffs += 1


# ------------------------------------------------------------------------ writing


def check_destination(path: Path) -> None:
    """Refuse to write into the repository except under build/."""
    resolved = path.resolve()
    if resolved.is_relative_to(REPO_ROOT) and not resolved.is_relative_to(BUILD_DIR):
        raise SystemExit(
            f"gen_ledger: refusing to write {path} inside the repository; "
            f"use {BUILD_DIR}/ or a directory outside it (e.g. /tmp)"
        )


def write_atomic(path: Path, chunks: Iterator[str], stats: Stats | None = None) -> None:
    """Stream ``chunks`` to ``path`` through a temporary file renamed at the end."""
    check_destination(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    lines = 0
    with open(tmp, "w", encoding="utf-8", buffering=1 << 20) as out:
        for chunk in chunks:
            out.write(chunk)
            lines += chunk.count("\n")
    os.replace(tmp, path)
    if stats is not None:
        stats.lines += lines


def ledger_body(gen: Generator) -> Iterator[str]:
    yield from gen.opens()
    for text in gen.entries():
        gen.stats.transactions += 1
        yield text


def header(plugin: bool) -> str:
    return HEADER + (PLUGIN_LINE if plugin else "") + "\n"


def noplugin_path(out: Path) -> Path:
    """``DIR/main.beancount`` -> ``DIR/main-noplugin.beancount``."""
    return out.with_name(f"{out.stem}-noplugin{out.suffix}")


def generate(args: argparse.Namespace) -> Stats:
    gen = Generator(args.invoices, args.customers, args.seed)
    out = Path(args.out)
    if not args.both:
        chunks = itertools.chain([header(not args.no_plugin)], ledger_body(gen))
        write_atomic(out, chunks, gen.stats)
        return gen.stats
    for path in (out, noplugin_path(out)):
        check_destination(path)
    data = out.with_name("data.beancount")
    write_atomic(data, ledger_body(gen), gen.stats)
    include = f'include "{data.name}"\n'
    write_atomic(noplugin_path(out), iter([header(False), include]))
    write_atomic(out, iter([header(True), include]))
    return gen.stats


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write a synthetic accounts-receivable Beancount ledger."
    )
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out",
        help="ledger path (default: build/bench-<N>/main.beancount in the repository)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--no-plugin", action="store_true", help="omit the beancount_ar plugin line"
    )
    mode.add_argument(
        "--both",
        action="store_true",
        help="write data.beancount beside --out, --out itself with "
        "the plugin, and <stem>-noplugin.beancount without it",
    )
    parser.add_argument("--quiet", action="store_true", help="no statistics")
    args = parser.parse_args(argv)
    if args.invoices < 1 or args.customers < 1:
        parser.error("--invoices and --customers must be positive")
    if args.out is None:
        args.out = str(BUILD_DIR / f"bench-{args.invoices}" / "main.beancount")
    if args.both and Path(args.out).name == "data.beancount":
        parser.error("with --both, --out names the main file (e.g. DIR/main.beancount)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    stats = generate(args)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        extra = " (+ data.beancount, main-noplugin.beancount)" if args.both else ""
        print(
            f"gen_ledger: wrote {args.out}{extra} in {elapsed:.2f} s\n{stats.report()}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
