"""Bad input never gives a traceback: whatever metadata values, custom
directives and configuration a ledger holds, the plugin reports errors (never
its "internal error") and every report still runs."""

from __future__ import annotations

import datetime

from beancount import loader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beancount_ar import aging, ledger, metrics, worklist

VALUES = ['"Net 30"', '"2/10 Net 30"', '"x"', "30", "-3", "2.5", "2024-01-01", "TRUE",
          "10.00 USD", '"INV-1"', '"INV-9"', '""', '"EOM"', '"99th Prox"', "Assets:Bank"]  # fmt: skip
KEYS = ["invoice", "terms", "due", "ar-kind", "customer", "credit-limit", "email"]
CUSTOMS = ["ar-contact", "ar-followup", "ar-promise", "ar-dispute", "ar-resolved",
           "ar-plan", "ar-hold", "ar-company", "ar-terms"]  # fmt: skip
CUSTOM_VALUES = ["Assets:Receivable:Acme", "Assets:Bank", '"INV-1"', '"x"', "2024-02-01",
                 "100.00 USD", "-5.00 USD", "3", "2.5", "TRUE", '"monthly"', '"daily"']  # fmt: skip
CONFIGS = ["{}", "{'matching': 'strict'}", "{'grace_days': 'x'}", "[1]", "{'buckets': [0]}",
           "{'escalation': {'a': 9, 'b': 1}}", "not python"]  # fmt: skip

meta = st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)), max_size=2)
transactions = st.lists(
    st.tuples(
        st.integers(0, 90),
        st.sampled_from(["", " ^INV-1", " ^INV-2 ^INV-1", " ^zz"]),
        meta,
        st.sampled_from(["100.00 USD", "-50.00 USD", "0.00 USD", "33.33 EUR"]),
        meta,
        st.sampled_from(["Assets:Bank", "Income:S", "Expenses:W"]),
    ),
    min_size=1,
    max_size=6,
)
customs = st.lists(
    st.tuples(
        st.integers(0, 90),
        st.sampled_from(CUSTOMS),
        st.lists(st.sampled_from(CUSTOM_VALUES), max_size=6),
    ),
    max_size=4,
)


def ledger_text(config, open_meta, txns, directives) -> str:
    start = datetime.date(2024, 1, 2)
    lines = [f'plugin "beancount_ar" "{config}"', "2024-01-01 open Assets:Bank",
             "2024-01-01 open Income:S", "2024-01-01 open Expenses:W",
             "2024-01-01 open Assets:Receivable:Acme"]  # fmt: skip
    lines += [f"  {k}: {v}" for k, v in open_meta]
    for offset, links, txn_meta, amount, posting_meta, other in txns:
        lines.append(f'{start + datetime.timedelta(days=offset)} * "P" "N"{links}')
        lines += [f"  {k}: {v}" for k, v in txn_meta]
        lines.append(f"  Assets:Receivable:Acme  {amount}")
        lines += [f"    {k}: {v}" for k, v in posting_meta]
        lines.append(f"  {other}")
    for offset, type_, values in directives:
        day = start + datetime.timedelta(days=offset)
        lines.append(f'{day} custom "{type_}" ' + " ".join(values))
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CONFIGS), meta, transactions, customs)
def test_any_ledger_gives_errors_not_tracebacks(config, open_meta, txns, directives):
    entries, errors, options = loader.load_string(
        ledger_text(config, open_meta, txns, directives)
    )
    loaded = ledger.from_entries(entries, errors, options)
    assert not [e for e in loaded.errors if "internal error" in e.message]
    for error in loaded.errors:
        assert error.source and "lineno" in error.source
    day = datetime.date(2024, 3, 1)
    aging.aging(loaded.index, day)
    aging.overdue(loaded.index, day)
    worklist.worklist(loaded.index, day)
    metrics.metrics(loaded.index, day - datetime.timedelta(days=30), day)


# -- each cause the hostile tester found, one test each -----------------------

import io  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402

import pytest  # noqa: E402
from beancount.parser import printer  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from beancount_ar.cli import cli  # noqa: E402

BASE = """plugin "beancount_ar"
2024-01-01 open Assets:Bank
2024-01-01 open Income:S
2024-01-01 open Assets:Receivable:Acme
  customer: "Acme\u2028Corp"
"""


def write(tmp_path: pathlib.Path, body: str) -> str:
    path = tmp_path / "books.beancount"
    path.write_text(BASE + body)
    return str(path)


def cli_run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"})


def test_huge_amounts_are_errors_and_never_crash_a_report(tmp_path):
    path = write(
        tmp_path,
        """
2024-02-01 * "Big" ^INV-1
  Assets:Receivable:Acme  1000000000000000000000000000000 USD
  Income:S  -1000000000000000000000000000000 USD
2024-02-02 * "Precise" ^INV-2
  Assets:Receivable:Acme  12345678901234567890.000000001 USD
  Income:S  -12345678901234567890.000000001 USD
""",
    )
    for command in (["aging", "--detail"], ["overdue"], ["worklist"], ["metrics"],
                    ["aging", "--format", "csv"], ["customer", "Acme"]):  # fmt: skip
        result = cli_run(command[0], path, *command[1:], "--as-of", "2024-06-30")
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert result.exit_code == 1  # the errors, reported
        assert "has 31 significant digits" in result.stderr
        assert "has 29 significant digits" in result.stderr
    report = json.loads(cli_run("aging", path, "--as-of", "2024-06-30",
                                "--format", "json").stdout)  # fmt: skip
    assert report["totals"]["total"] == {
        "USD": "1000000000012345678901234567890.000000001"
    }


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "--as-of", "0001-02-01"],
        ["statement", "Acme", "--as-of", "0001-01-10", "--kind", "activity"],
        ["remind", "--as-of", "9999-12-25"],
        ["worklist", "--as-of", "0001-02-20"],
        ["log", "note", "Acme", "x", "--date", "0001-01-05"],
    ],
)
def test_dates_near_year_1_or_9999_are_refused_with_a_clear_message(tmp_path, args):
    path = write(tmp_path, "")
    command = (
        [*args[:2], path, *args[2:]] if args[0] == "log" else [args[0], path, *args[1:]]
    )
    result = cli_run(*command)
    assert result.exit_code == 2
    assert (
        "is outside the dates beancount-ar reports on (0100-01-01 to 9998-12-31)"
        in (result.stderr)
    )


def test_prox_terms_past_year_9999_are_an_error_not_an_internal_error(tmp_path):
    _entries, errors, _options = loader.load_string(
        BASE
        + """
9999-12-20 * "Last" ^INV-9
  terms: "10th Prox"
  Assets:Receivable:Acme  10.00 USD
  Income:S
"""
    )
    messages = [e.message for e in errors]
    assert not [m for m in messages if "internal error" in m]
    assert any("run past year 9999" in m for m in messages)


@pytest.mark.parametrize("count", ["200000", "1000000", "521"])
def test_a_plan_of_too_many_instalments_is_refused_where_it_is_entered(tmp_path, count):
    entries, errors, options = loader.load_string(
        BASE
        + f'2024-02-01 custom "ar-plan" Assets:Receivable:Acme 100.00 USD {count} "weekly" 2024-03-01\n'
    )
    (error,) = [e for e in errors if "ar-plan" in e.message]
    assert "from 1 to 520" in error.message
    # The reports work on the rest.
    loaded = ledger.from_entries(entries, errors, options)
    worklist.worklist(loaded.index, datetime.date(2030, 1, 1))
    path = write(
        tmp_path,
        '2024-01-02 * "Job" ^INV-1\n  Assets:Receivable:Acme  10.00 USD\n  Income:S\n',
    )
    result = cli_run("log", "plan", path, "Acme", "10", count, "weekly", "2024-03-01",
                     "--date", "2024-02-01")  # fmt: skip
    assert result.exit_code == 2
    assert "is not a number of instalments from 1 to 520" in result.stderr


def test_a_line_separator_in_a_name_never_breaks_a_table(tmp_path):
    path = write(
        tmp_path,
        """
2024-02-01 * "Job" ^INV-1
  Assets:Receivable:Acme  10.00 USD
  Income:S
""",
    )
    for command in ("overdue", "aging", "worklist"):
        text = cli_run(command, path, "--as-of", "2024-06-30").stdout
        for line in text.split("\n"):
            assert "\u2028" not in line
        rows = [line for line in text.split("\n") if "Acme" in line]
        assert rows and all("Corp" in row for row in rows), (command, text)


def test_a_valueless_ar_directive_is_reported_and_printable():
    _entries, errors, _options = loader.load_string(
        BASE + '2024-03-01 custom "ar-hold"\n'
    )
    (error,) = [e for e in errors if "ar-hold" in str(e.message)]
    assert "missing account" in error.message
    out = io.StringIO()
    printer.print_errors([error], file=out)  # Beancount's own printer
    assert "missing account" in out.getvalue()
