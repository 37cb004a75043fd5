"""First use of the writer: a ledger with no collections file yet.

`bean-ar log` says the one thing to do (the `include` line, or the
`collections_file` key when the ledger already includes a file of that name
elsewhere), never edits the main ledger, and creates a collections file the
ledger includes but that does not exist yet.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys

import pytest
from beancount import loader
from click.testing import CliRunner
from test_remind import EXAMPLE, TODAY, smtp  # noqa: F401  (smtp: a fixture)

from beancount_ar.cli import cli

MAIN = """\
plugin "beancount_ar" "{config}"
{includes}
2024-01-01 open Assets:Bank:Checking
2024-01-01 open Income:Design
2024-01-01 open Assets:Receivable:Acme
  customer: "Acme Corp"

2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
  Assets:Receivable:Acme   1200.00 USD
  Income:Design
"""


def main_ledger(
    folder: pathlib.Path, includes: tuple[str, ...] = (), config: str = "{}"
) -> pathlib.Path:
    main = folder / "main.beancount"
    lines = "".join(f'include "{name}"\n' for name in includes)
    main.write_text(MAIN.format(config=config, includes=lines))
    return main


def snapshot(folder: pathlib.Path) -> dict[str, bytes]:
    """Every file below `folder` (not the loader's pickle cache)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".picklecache")
    }


def log_note(main: pathlib.Path, text: str = "Called"):
    return CliRunner().invoke(
        cli, ["log", "note", str(main), "Acme", text, "--date", "2024-06-01"],
        env={"BEANCOUNT_FILE": None},
    )  # fmt: skip


def load_errors(main: pathlib.Path) -> list[str]:
    _, errors, _ = loader.load_file(str(main))
    return [e.message for e in errors]


def bean_check(main: pathlib.Path) -> subprocess.CompletedProcess[str]:
    bean_check = pathlib.Path(sys.executable).parent / "bean-check"
    return subprocess.run(
        [str(bean_check), str(main)], capture_output=True, text=True, check=False
    )


NOTE = '2024-06-01 note Assets:Receivable:Acme "Called"\n'


def test_first_log_without_collections_file_says_the_include_line(tmp_path):
    main = main_ledger(tmp_path)
    before = snapshot(tmp_path)
    result = log_note(main)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"bean-ar: collections.beancount does not exist yet and {main} does not "
        "include it; add this line to"
    )
    assert "the file is created then" in result.stderr
    assert result.stderr.splitlines()[-1] == 'include "collections.beancount"'
    assert snapshot(tmp_path) == before  # nothing created, main untouched


def test_log_creates_an_included_but_missing_collections_file(tmp_path):
    main = main_ledger(tmp_path)
    # The user adds the line the first run printed, and runs again.
    line = log_note(main).stderr.splitlines()[-1]
    main.write_text(main.read_text() + line + "\n")
    main_before = main.read_bytes()
    assert load_errors(main) == [
        'File glob "collections.beancount" does not match any files'
    ]
    result = log_note(main)
    assert result.exit_code == 0, result.output
    coll = tmp_path / "collections.beancount"
    assert f"Created {coll}" in result.stdout
    assert coll.read_text() == NOTE
    assert main.read_bytes() == main_before
    assert load_errors(main) == []
    assert bean_check(main).returncode == 0, bean_check(main).stdout
    assert set(snapshot(tmp_path)) == {
        "main.beancount",
        "collections.beancount",
        ".collections.beancount.lock",
    }


def test_log_creates_a_missing_file_an_include_glob_names(tmp_path):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "2024.beancount").write_text("")
    config = "{'collections_file': 'books/collections.beancount'}"
    main = main_ledger(tmp_path, ("books/*.beancount",), config)
    result = log_note(main)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "books" / "collections.beancount").read_text() == NOTE
    assert load_errors(main) == []


NESTED = {
    "included-directly": {"main": "books/collections.beancount"},
    "included-by-an-included-file": {
        "main": "books/index.beancount",
        "books/index.beancount": 'include "collections.beancount"\n',
    },
}


@pytest.mark.parametrize("layout", NESTED.values(), ids=NESTED.keys())
def test_collections_file_in_a_subfolder_is_found_through_the_configuration(
    tmp_path, layout
):
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "collections.beancount").write_text("")
    for name, text in layout.items():
        if name != "main":
            (tmp_path / name).write_text(text)
    main = main_ledger(tmp_path, (layout["main"],), "{'grace_days': 5}")
    before = snapshot(tmp_path)
    result = log_note(main)
    assert result.exit_code == 1
    message = result.stderr
    assert "include " not in message  # no second include suggested
    assert (
        "an included file named collections.beancount exists at "
        "books/collections.beancount" in message
    )
    assert 'plugin "beancount_ar" line' in message
    assert message.splitlines()[-1] == (
        "'collections_file': 'books/collections.beancount'"
    )
    assert snapshot(tmp_path) == before


def test_collections_file_key_writes_to_the_subfolder(tmp_path):
    (tmp_path / "books").mkdir()
    index = tmp_path / "books" / "index.beancount"
    index.write_text('include "collections.beancount"\n')
    coll = tmp_path / "books" / "collections.beancount"
    coll.write_text("; the log\n")
    config = "{'collections_file': 'books/collections.beancount'}"
    main = main_ledger(tmp_path, ("books/index.beancount",), config)
    main_before, index_before = main.read_bytes(), index.read_bytes()
    result = log_note(main)
    assert result.exit_code == 0, result.output
    assert coll.read_text() == "; the log\n\n" + NOTE
    assert not (tmp_path / "collections.beancount").exists()
    assert (main.read_bytes(), index.read_bytes()) == (main_before, index_before)
    assert load_errors(main) == []


def test_remind_send_creates_an_included_but_missing_collections_file(
    tmp_path,
    smtp,  # noqa: F811
):
    # The example ledger (its one deliberate error aside), its log moved to a file that does not exist yet.
    books = tmp_path / "books"
    shutil.copytree(EXAMPLE, books)
    (books / "collections.beancount").rename(books / "contacts.beancount")
    main = books / "main.beancount"
    text = main.read_text().replace(
        'include "collections.beancount"',
        'include "contacts.beancount"\ninclude "log.beancount"',
    )
    main.write_text(text.replace("'grace_days': 5", "'grace_days': 5, "
                                 "'collections_file': 'log.beancount'"))  # fmt: skip
    inbox, server = smtp
    result = CliRunner().invoke(
        cli, ["remind", str(main), "--as-of", TODAY, "--send", "--smtp", server]
    )
    assert 'File glob "log.beancount" does not match any files' in result.stderr
    assert inbox.messages  # the example has customers due a reminder
    logged = (books / "log.beancount").read_text()
    assert logged.count(" note Assets:Receivable:") == len(inbox.messages)
    assert len(load_errors(main)) == len(load_errors(EXAMPLE / "main.beancount"))
    assert not any("does not match" in e for e in load_errors(main))
