"""Fuzz: random and mutated ledgers through the plugin and every report.

Whatever a ledger holds, as long as Beancount loads it, no command may raise:
problems are errors with a file and line, reports still print. For every
generated ledger that loads with no error at all, the aging equals the
receivable balances Beancount's own realization computes, to the last digit.

Fast by default; `BEAN_AR_FUZZ=2000 pytest tests/test_fuzz.py` runs thousands
of ledgers (the README gives the figures of such a run).
"""

from __future__ import annotations

import datetime
import decimal
import os
import pathlib
import random
import traceback
from decimal import Decimal
from unittest import mock

import pytest
from beancount import loader
from beancount.core import realization
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from beancount_ar import aging, dates, documents, ledger, remind, schedule
from beancount_ar.cli import cli

EXAMPLES = int(os.environ.get("BEAN_AR_FUZZ", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=EXAMPLES <= 40,
)
EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"

CUSTOMERS = ("Acme", "Beta")
NAMES = ['"Acme Corp"', '"Gull Rock Brewing Co."', '"Line\u2028Sep"', '"Tab\tName"',
         '"株式会社東京"', '"Quote \\" Co"', '"' + "W" * 300 + '"', '""']  # fmt: skip
AMOUNTS = ["100.00", "0.01", "33.33", "1000000000000000000000000000000",
           "12345678901234567890.000000001", "0.000000001", "5", "999999999.99"]  # fmt: skip
DATES = ["2024-01-10", "2024-02-29", "0001-01-02", "0001-03-01", "9999-12-20",
         "9999-12-31", "2024-06-30"]  # fmt: skip
TERMS = ['"Net 30"', '"10th Prox"', '"2/10, n/30"', '"EOM"', '"Net 3660"', '"nonsense"',
         "30", '"Due upon receipt"', '"Net 10th of next month"']  # fmt: skip
META = ["invoice", "terms", "due", "ar-kind"]
META_VALUES = ['"INV-1"', '"INV-2"', '"debit-memo"', '"payment"', "2024-03-01",
               "9999-12-31", "0001-01-01", "TRUE", "10.00 USD", '"x"']  # fmt: skip
CUSTOMS = {
    "ar-contact": ['"Ann"', '"Owner"', '"ann@x.example"', '"+1 555"'],
    "ar-followup": ["DATE", '"call"'],
    "ar-promise": ["AMOUNT USD", "DATE", '"INV-1"'],
    "ar-dispute": ['"INV-1"', '"why"'],
    "ar-resolved": ['"INV-1"'],
    "ar-plan": ["AMOUNT USD", "COUNT", '"weekly"', "DATE"],
    "ar-hold": ["TRUE", '"why"'],
}
COUNTS = ["3", "1000000", "200000", "0", "2.5", "600"]
CONFIGS = ["{}", "{'matching': 'strict'}", "{'hold_days': 999999999999}",
           "{'grace_days': 3660, 'buckets': [1, 3660]}", "{'roles': {'owner': ['x']}}",
           "{'escalation': {'reminder': 0, 'agency': 3660}}"]  # fmt: skip
AS_OF = ["2024-03-31", "0001-02-01", "0001-01-10", "9999-12-25", "9998-12-31",
         "0001-02-20", "2024-01-01"]  # fmt: skip


@st.composite
def generated(draw: st.DrawFn) -> str:
    """A small ledger of random pieces, every one of them Beancount syntax."""
    lines = [f'plugin "beancount_ar" "{draw(st.sampled_from(CONFIGS))}"']
    lines += ["0001-01-01 open Assets:Bank", "0001-01-01 open Income:S",
              "0001-01-01 open Expenses:Discounts"]  # fmt: skip
    for customer in CUSTOMERS:
        lines.append(f"0001-01-01 open Assets:Receivable:{customer}")
        lines.append(f"  customer: {draw(st.sampled_from(NAMES))}")
        if draw(st.booleans()):
            lines.append(f"  terms: {draw(st.sampled_from(TERMS))}")
        if draw(st.booleans()):
            lines.append(f"  credit-limit: {draw(st.sampled_from(AMOUNTS))} USD")
    for _ in range(draw(st.integers(1, 8))):
        day = draw(st.sampled_from(DATES))
        customer = draw(st.sampled_from(CUSTOMERS))
        amount = draw(st.sampled_from(AMOUNTS))
        sign = draw(st.sampled_from(("", "-")))
        links = draw(st.sampled_from(("", " ^INV-1", " ^INV-2", " ^INV-1 ^INV-2")))
        lines.append(f'{day} * "P" "N"{links}')
        for key in draw(st.lists(st.sampled_from(META), max_size=2, unique=True)):
            lines.append(f"  {key}: {draw(st.sampled_from(META_VALUES))}")
        lines.append(f"  Assets:Receivable:{customer}  {sign}{amount} USD")
        other = draw(st.sampled_from(("Assets:Bank", "Income:S", "Expenses:Discounts")))
        # The other leg written out, or left to Beancount to fill in (which
        # it cannot for more than 28 digits).
        if draw(st.booleans()):
            lines.append(f"  {other}  {'' if sign else '-'}{amount} USD")
        else:
            lines.append(f"  {other}")
    for _ in range(draw(st.integers(0, 5))):
        type_ = draw(st.sampled_from(sorted(CUSTOMS)))
        values = [
            v.replace("DATE", draw(st.sampled_from(DATES)))
            .replace("AMOUNT", draw(st.sampled_from(AMOUNTS)))
            .replace("COUNT", draw(st.sampled_from(COUNTS)))
            for v in CUSTOMS[type_]
        ]
        values = values[: draw(st.integers(0, len(values)))]
        account = f"Assets:Receivable:{draw(st.sampled_from(CUSTOMERS))}"
        lines.append(
            f"{draw(st.sampled_from(DATES))} custom {type_!r} {account} ".replace(
                "'", '"'
            )
            + " ".join(values)
        )
    if draw(st.booleans()):
        lines.append(f'{draw(st.sampled_from(DATES))} custom "ar-hold"')
    if draw(st.booleans()):
        day = draw(st.sampled_from(DATES))
        lines.append(f'{day} note Assets:Receivable:Acme "{"x" * 50}"')
    return "\n".join(lines) + "\n"


def mutated(seed: int) -> str:
    """The example ledger in one file, with a few lines deleted, repeated or
    with a number or date changed."""
    rng = random.Random(seed)
    text = "\n".join(
        (EXAMPLE / name).read_text()
        for name in (
            "accounts.beancount",
            "2025.beancount",
            "2026.beancount",
            "collections.beancount",
        )
    )
    lines = ['plugin "beancount_ar"', *text.split("\n")]
    for _ in range(rng.randint(1, 6)):
        n = rng.randrange(1, len(lines))
        what = rng.choice(("delete", "repeat", "number", "date"))
        if what == "delete":
            del lines[n]
        elif what == "repeat":
            lines.insert(n, lines[n])
        elif what == "number":
            lines[n] = lines[n].replace("0", rng.choice(("00000000000", "9", "")), 1)
        else:
            lines[n] = lines[n].replace("2026-", rng.choice(("9999-", "0001-")), 1)
    return "\n".join(lines) + "\n"


def receivable_balances(entries: list) -> dict[tuple[str, str], Decimal]:
    """What Beancount's realization says each customer owes, per currency."""
    root = realization.realize(entries)
    result = {}
    for real in realization.iter_children(root):
        if real.account.startswith("Assets:Receivable:"):
            for position in real.balance:
                if position.units.number:
                    result[(real.account, position.units.currency)] = (
                        position.units.number
                    )
    return result


def aging_balances(loaded: ledger.Ledger, day: datetime.date) -> dict:
    report = aging.aging(loaded.index, day)
    return {
        (row.account, cur): number
        for row in report.rows
        for cur, number in row.total.items()
        if number
    }


def beancount_loads(text: str) -> tuple:
    """The loaded ledger; a ledger Beancount itself cannot load is no test of
    beancount-ar (Beancount 3.2 overflows booking a posting in year 9999, and
    cannot interpolate a number of more than 28 digits)."""
    try:
        return loader.load_string(text)
    except (OverflowError, decimal.InvalidOperation):
        assume(False)
        raise


COMMANDS = [
    ["aging"], ["aging", "--detail", "--format", "json"], ["aging", "--format", "csv"],
    ["aging", "--basis", "invoice", "--detail"], ["overdue"], ["overdue", "--format", "json"],
    ["worklist"], ["worklist", "--format", "csv"], ["metrics"], ["metrics", "--format", "json"],
    ["forecast"], ["forecast", "--format", "json"], ["forecast", "--format", "csv"],
    ["calendar"],
]  # fmt: skip


def run_everything(text: str, tmp: pathlib.Path, as_of: str) -> None:
    """Every report on the ledger; fails with the traceback of any exception."""
    path = tmp / "books.beancount"
    path.write_text(text)
    runner = CliRunner()
    loaded = ledger.load(str(path))
    # Every command loads the same file: load it once.
    with mock.patch.object(ledger, "load", lambda *_, **__: loaded):
        _run_commands(runner, path, loaded, text, as_of)


def _run_commands(
    runner: CliRunner, path: pathlib.Path, loaded: ledger.Ledger, text: str, as_of: str
) -> None:
    names = [account for account in loaded.index.customers][:2]
    commands = [[*c, "--as-of", as_of] for c in COMMANDS]
    for account in names:
        commands += [
            ["customer", account, "--as-of", as_of],
            ["customer", account, "--as-of", as_of, "--format", "json"],
            ["statement", account, "--as-of", as_of, "--format", "txt"],
            ["statement", account, "--as-of", as_of, "--kind", "activity"],
        ]
    for args in commands:
        command = [args[0], str(path), *args[1:]]
        result = runner.invoke(cli, command, catch_exceptions=True)
        if result.exception is not None and not isinstance(
            result.exception, SystemExit
        ):
            trace = "".join(traceback.format_exception(result.exception))
            pytest.fail(f"bean-ar {' '.join(args)} raised:\n{trace}\n{text}")
        assert result.exit_code in (0, 1, 2), (args, result.output)
    # The reminders' texts (without the PDF, which WeasyPrint makes slowly),
    # on the dates the command line accepts.
    day = datetime.date.fromisoformat(as_of)
    if dates.out_of_range(day):
        return
    try:
        env = documents.environment()
        for item in remind.due(loaded.index, day):
            context = remind.context(loaded.index, item, day)
            for name in ("reminder.txt", "reminder.html", "reminder_subject.txt"):
                documents.render(env, name, context)
        # Who is due a courtesy note or a statement today (the emails
        # themselves are PDFs, made slowly).
        schedule.courtesy(loaded.index, day)
        schedule.statements(loaded.index, day)
    except Exception:
        pytest.fail(f"reminders raised:\n{traceback.format_exc()}\n{text}")


@FUZZ
@given(generated(), st.sampled_from(AS_OF))
def test_random_ledgers_never_raise_and_reconcile(tmp_path_factory, text, as_of):
    entries, errors, options = beancount_loads(text)
    loaded = ledger.from_entries(entries, errors, options)
    assert not [e for e in loaded.errors if "internal error" in e.message]
    if not loaded.errors:
        assert aging_balances(loaded, datetime.date.max) == receivable_balances(entries)
    run_everything(text, tmp_path_factory.mktemp("fuzz"), as_of)


@FUZZ
@given(st.integers(0, 10**9), st.sampled_from(AS_OF[:1] + AS_OF[3:5]))
def test_mutated_example_ledgers_never_raise_and_reconcile(
    tmp_path_factory, seed, as_of
):
    text = mutated(seed)
    entries, errors, options = beancount_loads(text)
    loaded = ledger.from_entries(entries, errors, options)
    assert not [e for e in loaded.errors if "internal error" in e.message]
    if not loaded.errors:
        assert aging_balances(loaded, datetime.date.max) == receivable_balances(entries)
    run_everything(text, tmp_path_factory.mktemp("fuzz"), as_of)
