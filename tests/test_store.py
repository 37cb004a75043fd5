"""The persistent index: the same answers as a full load, whatever the edits."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_properties import CUSTOMERS, START, ledger_text, ledgers

from beancount_ar import ledger as ledger_lib
from beancount_ar import store
from beancount_ar.cli import cli

#: Files are dated this far back, one second apart per edit, as if each
#: edit were saved well before the command ran (a file changed a moment
#: before a load is not indexed).
PAST = time.time() - 3600


def run(*args: str, progress: bool = False):
    env = {"BEAN_AR_PROGRESS": "1" if progress else "0", "COLUMNS": "100"}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def save(path: Path, text: str, step: int) -> None:
    path.write_text(text)
    os.utime(path, (PAST + step, PAST + step))


def commands(as_of: datetime.date, start: datetime.date) -> list[list[str]]:
    day = as_of.isoformat()
    found = [
        ["aging", "--as-of", day, "--format", "json", "--detail"],
        ["aging", "--as-of", day, "--format", "json", "--basis", "invoice"],
        ["aging", "--as-of", day, "--format", "csv", "--buckets", "10,45"],
        ["overdue", "--as-of", day, "--format", "json"],
        ["worklist", "--as-of", day, "--format", "json"],
        ["metrics", "--as-of", day, "--format", "json", "--from", start.isoformat()],
        ["metrics", "--as-of", day, "--format", "json"],
        ["forecast", "--as-of", day, "--format", "json"],
    ]
    found += [["customer", c, "--as-of", day, "--format", "json"] for c in CUSTOMERS]
    return found


def same_answers(
    main: Path, as_of: datetime.date, start: datetime.date, note=event
) -> None:
    """Every command's output from the index is the full load's, byte for
    byte, stderr and exit status included; and it did come from the index."""
    for command in commands(as_of, start):
        args = [command[0], str(main), *command[1:]]
        full = run(*args, "--no-index")
        first = run(*args, progress=True)  # brings the index up to date
        note("updated" if "updated in" in first.stderr else "built or hit")
        hit = run(*args, progress=True)
        assert "bean-ar: indexing" not in hit.stderr, (command, hit.stderr)
        assert (hit.stdout, hit.stderr, hit.exit_code) == (
            full.stdout,
            full.stderr,
            full.exit_code,
        ), command


RECORDS = (
    'custom "ar-promise" Assets:Receivable:{c} {amount} USD {by}',
    'custom "ar-plan" Assets:Receivable:{c} {amount} USD 3 "monthly" {by}',
    'custom "ar-hold" Assets:Receivable:{c} TRUE "Over its limit"',
    'custom "ar-followup" Assets:Receivable:{c} {by} "Call back about INV-{n}"',
    'custom "ar-dispute" Assets:Receivable:{c} "INV-{n}" "wrong"',
    'custom "ar-resolved" Assets:Receivable:{c} "INV-{n}"',
    'note Assets:Receivable:{c} "Called; will pay INV-{n} next week"',
)

edits = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(
                ("append", "back-dated", "middle", "delete", "record")
            ),
            "day": st.integers(0, 260),
            "customer": st.sampled_from(CUSTOMERS),
            "amount": st.integers(1, 3000),
            "id": st.integers(1, 14),
            "record": st.sampled_from(RECORDS),
            "where": st.floats(0, 1),
            "pay": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)


def block(edit: dict, day: datetime.date) -> str:
    account = f"Assets:Receivable:{edit['customer']}"
    amount = f"{edit['amount']}.00"
    if edit["pay"]:
        return (
            f'{day} * "Payment" ^INV-{edit["id"]}\n'
            f"  Assets:Bank  {amount} USD\n"
            f"  {account}  -{amount} USD\n"
        )
    return (
        f'{day} * "Sale" ^INV-{edit["id"] + 20}\n'
        f"  {account}  {amount} USD\n"
        f"  Income:Sales  -{amount} USD\n"
    )


def apply(main: Path, records: Path, edit: dict, step: int) -> None:
    day = START + datetime.timedelta(days=edit["day"])
    text = main.read_text()
    if edit["kind"] in ("append", "back-dated"):
        if edit["kind"] == "back-dated":
            day = START + datetime.timedelta(days=edit["day"] // 4)
        save(main, text + "\n" + block(edit, day), step)
    elif edit["kind"] in ("middle", "delete"):
        blocks = text.split("\n\n")
        at = min(len(blocks) - 1, int(edit["where"] * len(blocks)))
        if edit["kind"] == "delete" and at > 0:
            del blocks[at]
        else:
            blocks.insert(max(at, 1), block(edit, day).rstrip("\n"))
        save(main, "\n\n".join(blocks), step)
    else:
        by = day + datetime.timedelta(days=10)
        line = edit["record"].format(
            c=edit["customer"], amount=f"{edit['amount']}.00", by=by, n=edit["id"]
        )
        save(records, records.read_text() + f"{day} {line}\n", step)


@settings(
    max_examples=int(os.environ.get("BEAN_AR_INDEX_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    ledgers,
    edits,
    st.integers(0, 300),
    st.integers(1, 120),
)
def test_the_index_answers_as_the_full_load_after_any_edit(
    tmp_path, generated, changes, offset, length
):
    events, matching = generated
    main = tmp_path / f"main-{time.monotonic_ns()}.beancount"
    records = main.with_suffix(".records")
    body = ledger_text(events, matching).replace("\n20", "\n\n20")
    save(records, "", 0)
    save(main, f'include "{records.name}"\n' + body, 0)
    as_of = START + datetime.timedelta(days=offset)
    start = as_of - datetime.timedelta(days=length)
    same_answers(main, as_of, start)
    for step, edit in enumerate(changes, 1):
        apply(main, records, edit, step)
        same_answers(main, as_of, start)


# -- the index's life: where, when it is rebuilt, and that it is never half ---

LEDGER = textwrap.dedent(
    """\
    plugin "beancount_ar"
    2024-01-01 open Assets:Bank
    2024-01-01 open Income:Sales
    2024-01-01 open Assets:Receivable:Acme

    2024-03-01 * "Acme" "Logo" ^INV-1
      Assets:Receivable:Acme   100.00 USD
      Income:Sales
    """
)
AGING = ["aging", "--as-of", "2024-06-30", "--format", "json"]


@pytest.fixture
def acme(tmp_path):
    path = tmp_path / "acme.beancount"
    save(path, LEDGER, 0)
    return path


def test_the_index_lives_in_the_cache_folder_not_beside_the_ledger(acme, index_cache):
    first = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert "indexing" in first.stderr and "no index yet" in first.stderr
    assert store.location(str(acme)).parent == index_cache / "beancount-ar"
    assert store.location(str(acme)).exists()
    assert sorted(p.name for p in acme.parent.iterdir()) == ["acme.beancount"]
    again = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert again.stderr == "" and again.stdout == first.stdout


def test_no_index_neither_reads_nor_writes_it(acme):
    result = run(AGING[0], str(acme), *AGING[1:], "--no-index", progress=True)
    assert result.exit_code == 0 and result.stderr == ""
    assert not store.location(str(acme)).exists()


def test_an_edit_anywhere_rebuilds_and_says_which_file(acme):
    run(AGING[0], str(acme), *AGING[1:])
    save(acme, LEDGER.replace("100.00 USD", "150.00 USD"), 1)
    result = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert f"({acme} changed)" in result.stderr
    assert '"150.00"' in result.stdout


def test_a_touched_but_unchanged_file_is_still_answered_from_the_index(acme):
    run(AGING[0], str(acme), *AGING[1:])
    os.utime(acme, (PAST + 5, PAST + 5))
    result = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert result.stderr == ""


def age(folder: Path, step: int) -> None:
    """A folder's time as if its last change were `step` seconds into PAST."""
    os.utime(folder, (PAST + step, PAST + step))


@pytest.mark.parametrize("pattern", ["months/*.beancount", "books/*/*.beancount"])
def test_a_new_file_an_include_pattern_matches_rebuilds(tmp_path, pattern):
    main = tmp_path / "main.beancount"
    folder = tmp_path / pattern.split("*")[0] / ("2024" if "/*/" in pattern else "")
    folder.mkdir(parents=True)
    save(main, LEDGER + f'include "{pattern}"\n', 0)
    for path in (folder, folder.parent):
        age(path, 0)
    first = run(AGING[0], str(main), *AGING[1:], progress=True)
    assert '"100.00"' in first.stdout and "writing the index" in first.stderr
    save(
        folder / "june.beancount",
        '2024-06-01 * "Acme" "Cards" ^INV-2\n'
        "  Assets:Receivable:Acme   40.00 USD\n  Income:Sales\n",
        1,
    )
    age(folder, 1)
    result = run(AGING[0], str(main), *AGING[1:], progress=True)
    assert "came or went" in result.stderr
    assert '"140.00"' in result.stdout


def test_a_missing_document_is_reported_as_without_the_index(acme):
    document = acme.parent / "inv1.pdf"
    document.write_bytes(b"%PDF")
    save(acme, LEDGER + '2024-03-02 document Assets:Receivable:Acme "inv1.pdf"\n', 0)
    run(AGING[0], str(acme), *AGING[1:])
    document.unlink()
    full = run(AGING[0], str(acme), *AGING[1:], "--no-index")
    indexed = run(AGING[0], str(acme), *AGING[1:])
    assert "File does not exist" in full.stderr
    assert (indexed.stderr, indexed.exit_code) == (full.stderr, full.exit_code)


def test_a_balance_on_a_parent_account_is_checked_after_an_append(acme):
    save(
        acme,
        LEDGER + "2024-01-01 open Assets:Bank:Checking\n"
        "2024-06-01 balance Assets:Bank 0.00 USD\n",
        0,
    )
    run(AGING[0], str(acme), *AGING[1:])
    said = append_and_answer(
        acme, PAYMENT.replace("Assets:Bank ", "Assets:Bank:Checking ")
    )
    assert "Assets:Bank has a later balance" in said


def test_a_file_changed_a_moment_ago_is_answered_but_not_indexed(acme):
    acme.write_text(LEDGER)  # its time stamp is now
    result = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert "not indexed" in result.stderr and '"100.00"' in result.stdout
    assert not store.location(str(acme)).exists()


def test_errors_are_reported_as_without_the_index(tmp_path):
    bad = tmp_path / "bad.beancount"
    save(bad, LEDGER + "\n2024-04-01 * \"Acme\" \"?\" ^INV-1 ^INV-9\n"
         "  Assets:Receivable:Acme  -30.00 USD\n  Assets:Unknown\n", 0)  # fmt: skip
    full = run(AGING[0], str(bad), *AGING[1:], "--no-index")
    run(AGING[0], str(bad), *AGING[1:])
    hit = run(AGING[0], str(bad), *AGING[1:])
    assert full.exit_code == hit.exit_code == 1
    assert full.stderr and hit.stderr == full.stderr
    assert hit.stdout == full.stdout


def test_a_killed_build_leaves_the_old_index(acme, monkeypatch):
    run(AGING[0], str(acme), *AGING[1:])
    path = store.location(str(acme))
    before = path.read_bytes()

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_items", killed)
    save(acme, LEDGER.replace("100.00", "120.00"), 1)
    with pytest.raises(KeyboardInterrupt):
        store.open_ledger(str(acme), store.Window(), ledger_lib.load, lambda _: None)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.suffix == ".tmp"] == []
    monkeypatch.undo()
    result = run(AGING[0], str(acme), *AGING[1:])
    assert '"120.00"' in result.stdout


def test_two_commands_at_once_neither_corrupts_the_index(acme):
    bean_ar = [str(Path(sys.executable).parent / "bean-ar")]
    env = {**os.environ, "BEAN_AR_PROGRESS": "0"}
    for _ in range(3):
        save(acme, acme.read_text() + "\n", 1 + _)
        procs = [
            subprocess.Popen(
                [*bean_ar, *AGING[:1], str(acme), *AGING[1:]],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
            )
            for _ in range(4)
        ]
        outputs = [p.communicate() for p in procs]
        assert all(p.returncode == 0 for p in procs), outputs
        assert len({out for out, _ in outputs}) == 1
    hit = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert hit.stderr == "" and hit.stdout.encode() == outputs[0][0]


def test_a_promise_counts_payments_from_before_the_window(tmp_path):
    """A report as of March reads only what was open in March or came after,
    but a promise made in January counts a January payment that settled
    another invoice: the index reads from the promise's day."""
    main = tmp_path / "promise.beancount"
    text = LEDGER + textwrap.dedent(
        """
        2024-03-02 * "Acme" "Cards" ^INV-2
          Assets:Receivable:Acme   50.00 USD
          Income:Sales

        2024-03-10 custom "ar-promise" Assets:Receivable:Acme 50.00 USD 2024-04-01

        2024-03-20 * "Acme" "Pays the cards" ^INV-2
          Assets:Bank   50.00 USD
          Assets:Receivable:Acme
        """
    )
    save(main, text, 0)
    for command in ("worklist", "customer"):
        args = [command, str(main), "--as-of", "2024-06-30", "--format", "json"]
        if command == "customer":
            args.insert(2, "Acme")
        full = run(*args, "--no-index")
        run(*args)
        hit = run(*args, progress=True)
        assert "indexing" not in hit.stderr
        assert hit.stdout == full.stdout
    assert "paid 50.00" in full.stdout or "kept" in full.stdout


PROBE = """
import atexit, sys
atexit.register(lambda: print("imported:", "beancount" in sys.modules, file=sys.stderr))
from beancount_ar.cli import main
sys.argv = ["bean-ar", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize(
    "command",
    [
        ["aging", "--format", "json"],
        ["aging", "--customer", "Acme"],
        ["overdue", "--format", "csv"],
        ["worklist"],
        ["metrics", "--format", "json"],
        ["customer", "Acme"],
    ],
)
def test_an_unchanged_ledger_is_answered_without_importing_beancount(acme, command):
    text = acme.read_text().replace(
        "open Assets:Receivable:Acme",
        "open Assets:Receivable:Acme\n  credit-limit: 50.00 USD",
    )
    text += (
        '2024-05-01 custom "ar-promise" Assets:Receivable:Acme 60.00 USD 2024-06-15\n'
    )
    save(acme, text, 1)
    args = [command[0], str(acme), *command[1:], "--as-of", "2024-06-30"]
    env = {**os.environ, "BEAN_AR_PROGRESS": "0"}

    def probe() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", PROBE, *args],
            capture_output=True,
            text=True,
            env=env,
        )

    built, hit = probe(), probe()
    assert "imported: True" in built.stderr  # the probe sees a full load
    assert hit.returncode == 0 and "imported: False" in hit.stderr, hit.stderr
    assert hit.stdout == built.stdout and "Acme" in hit.stdout


# -- appends on books without errors: the index is brought up to date -------

CLEAN_CUSTOMERS = ("Acme", "Beta", "Gamma")

clean_events = st.lists(
    st.tuples(
        st.sampled_from(
            ("invoice", "payment", "payment-on-account", "note", "promise")
        ),
        st.sampled_from(CLEAN_CUSTOMERS),
        st.integers(0, 200),  # day
        st.integers(1, 400),  # amount
        st.integers(0, 9),  # which of the customer's invoices
    ),
    min_size=1,
    max_size=20,
)


def clean_block(event: tuple, invoices: dict[str, list[str]], fresh: int) -> str:
    """A transaction or record that is never an error, given the invoices so
    far (`invoices`, updated)."""
    kind, customer, day_no, amount, which = event
    day = START + datetime.timedelta(days=day_no)
    account = f"Assets:Receivable:{customer}"
    own = invoices.setdefault(customer, [])
    if kind == "invoice" or (kind != "payment-on-account" and not own):
        invoice = f"INV-{customer[0]}{fresh}"
        own.append(invoice)
        return (
            f'{day} * "{customer}" "Work" ^{invoice}\n'
            f"  {account}  {amount}.00 USD\n  Income:Sales  -{amount}.00 USD\n"
        )
    named = own[which % len(own)] if own else None
    if kind == "payment":
        return (
            f'{day} * "{customer}" "Payment" ^{named}\n'
            f"  Assets:Bank  {amount}.00 USD\n  {account}  -{amount}.00 USD\n"
        )
    if kind == "payment-on-account":
        return (
            f'{day} * "{customer}" "Payment"\n'
            f"  Assets:Bank  {amount}.00 USD\n  {account}  -{amount}.00 USD\n"
        )
    if kind == "note":
        return f'{day} note {account} "Called about {named}"\n'
    by = day + datetime.timedelta(days=7)
    return f'{day} custom "ar-promise" {account} {amount}.00 USD {by} "{named}"\n'


@settings(
    max_examples=int(os.environ.get("BEAN_AR_INDEX_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(clean_events, clean_events, st.integers(100, 320), st.booleans())
def test_appends_to_clean_books_update_the_index_as_a_full_load_answers(
    tmp_path, start, appended, offset, to_records
):
    main = tmp_path / f"clean-{time.monotonic_ns()}.beancount"
    records = main.with_suffix(".records")
    invoices: dict[str, list[str]] = {}
    head = [
        'plugin "beancount_ar"',
        f'include "{records.name}"',
        "2023-01-01 open Assets:Bank",
        "2023-01-01 open Income:Sales",
        *(f"2023-01-01 open Assets:Receivable:{c}" for c in CLEAN_CUSTOMERS),
    ]
    ordered = sorted(start, key=lambda e: e[2])
    body = [clean_block(e, invoices, n) for n, e in enumerate(ordered)]
    save(records, "", 0)
    save(main, "\n".join(head) + "\n\n" + "\n".join(body), 0)
    as_of = START + datetime.timedelta(days=offset)
    same_answers(main, as_of, as_of - datetime.timedelta(days=60))
    for step, change in enumerate(appended, 1):
        block = clean_block(change, invoices, 100 + step)
        target = (
            records if (to_records and "custom" in block) or "note" in block else main
        )
        save(target, target.read_text() + "\n" + block, step)
        first = run("aging", str(main), "--as-of", as_of.isoformat(), progress=True)
        assert "updated in" in first.stderr, first.stderr
        same_answers(main, as_of, as_of - datetime.timedelta(days=60))


def append_and_answer(path: Path, text: str, step: int = 1) -> str:
    """Append `text`, answer the aging from the index and in full: the same;
    returns what the indexed run said on stderr."""
    save(path, path.read_text() + text, step)
    indexed = run(AGING[0], str(path), *AGING[1:], progress=True)
    full = run(AGING[0], str(path), *AGING[1:], "--no-index")
    assert indexed.stdout == full.stdout
    return indexed.stderr


PAYMENT = """
2024-05-02 * "Acme" "Pays part" ^INV-1
  Assets:Bank              40.00 USD
  Assets:Receivable:Acme
"""


def test_an_appended_payment_updates_the_index_without_a_full_load(acme):
    run(AGING[0], str(acme), *AGING[1:])
    said = append_and_answer(acme, PAYMENT)
    assert "updating the index" in said and "updated in" in said
    assert "loading" not in said
    hit = run(AGING[0], str(acme), *AGING[1:], progress=True)
    assert hit.stderr == "" and '"60.00"' in hit.stdout


def test_a_back_dated_entry_matches_its_customer_again(acme):
    run(AGING[0], str(acme), *AGING[1:])
    append_and_answer(acme, PAYMENT)
    said = append_and_answer(
        acme,
        '\n2024-02-15 * "Acme" "Deposit, before the invoice"\n'
        "  Assets:Bank  10.00 USD\n  Assets:Receivable:Acme\n",
        2,
    )
    assert "updated in" in said


@pytest.mark.parametrize(
    ("before", "appended", "why"),
    [
        ("2024-06-01 balance Assets:Bank 0.00 USD\n", PAYMENT, "later balance"),
        (
            "2024-01-01 open Equity:Opening\n2024-04-01 pad Assets:Bank Equity:Opening\n"
            "2024-04-02 balance Assets:Bank 100.00 USD\n",
            PAYMENT,
            "has a pad",
        ),
        ("", '\noption "operating_currency" "USD"\n', "option, plugin"),
        (
            "2024-01-01 open Assets:Stock\n",
            '\n2024-05-03 * "Buy"\n  Assets:Stock  1 ACME {10.00 USD}\n  Assets:Bank\n',
            "at cost",
        ),
        (
            "",
            '\n2024-05-03 * "Oops"\n  Assets:Nowhere  1.00 USD\n  Assets:Bank\n',
            "errors",
        ),
        (
            '2024-02-01 * "Bad"\n  Assets:Unknown  1.00 USD\n  Assets:Bank\n',
            PAYMENT,
            "errors",
        ),
    ],
)
def test_what_an_update_cannot_prove_is_loaded_in_full(acme, before, appended, why):
    save(acme, LEDGER + before, 0)
    run(AGING[0], str(acme), *AGING[1:])
    said = append_and_answer(acme, appended)
    assert why in said and "loading" in said


def test_another_plugin_means_a_full_load(acme):
    save(acme, 'plugin "beancount.plugins.auto_accounts"\n' + LEDGER, 0)
    run(AGING[0], str(acme), *AGING[1:])
    said = append_and_answer(acme, PAYMENT)
    assert "another plugin" in said and "loading" in said


def test_entries_of_two_files_on_the_same_day_and_line_are_not_replayed(tmp_path):
    """A whole load orders them by the order it read the files, which the
    index does not know: an update touching them rebuilds instead."""
    main = tmp_path / "main.beancount"
    for name, amount, other in (
        ("z", "150.00", "Assets:Bank"),
        ("a", "30.00", "Income:Sales"),
    ):
        save(
            tmp_path / f"{name}.beancount",
            f'2024-05-01 * "Acme" "{name}"\n  Assets:Receivable:Acme  -{amount} USD\n'
            f"  {other}\n",
            0,
        )
    save(main, LEDGER + 'include "z.beancount"\ninclude "a.beancount"\n', 0)
    args = ["metrics", str(main), "--as-of", "2024-06-01", "--format", "json"]
    run(*args)
    save(main, main.read_text() + PAYMENT.replace("2024-05-02", "2024-05-20"), 1)
    indexed = run(*args, progress=True)
    assert "same day and line" in indexed.stderr
    assert indexed.stdout == run(*args, "--no-index").stdout


def test_long_histories_read_through_the_window_answer_as_a_full_load(tmp_path):
    """Three years of invoices, payments, promises and notes: a report as
    of any day reads only part of the index (the customer's page, its last
    year), and still answers as a whole load does."""
    main = tmp_path / "years.beancount"
    invoices: dict[str, list[str]] = {}
    blocks = []
    kinds = ("invoice", "payment", "payment-on-account", "note", "promise")
    for n in range(120):
        # Promises only in the last months: a promise widens what is read
        # back to its day, and the test is of reading part of the index.
        kind = kinds[n % 5] if n >= 100 else kinds[n % 4]
        event = (kind, CLEAN_CUSTOMERS[n % 3], n * 9, 50 + n, n % 4)
        blocks.append(clean_block(event, invoices, n))
    head = "\n".join(
        [
            'plugin "beancount_ar"',
            "2023-01-01 open Assets:Bank",
            "2023-01-01 open Income:Sales",
            *(f"2023-01-01 open Assets:Receivable:{c}" for c in CLEAN_CUSTOMERS),
        ]
    )
    save(main, head + "\n\n" + "\n".join(blocks), 0)
    for offset in (100, 400, 700, 1000, 1200):
        as_of = START + datetime.timedelta(days=offset)
        same_answers(main, as_of, as_of - datetime.timedelta(days=200), print)
    # It did read part of the index: as of 2026, not the invoices of 2024.
    late = START + datetime.timedelta(days=1000)
    read = store.read(store.location(str(main)), store.Window(late, late))
    whole = store.read(store.location(str(main)), store.Window())
    assert 0 < len(read.index.invoices) < len(whole.index.invoices)
