"""Safety of the one ledger writer (`beancount_ar.writer`) and `bean-ar log`.

What issue 3 asks of a write: arguments and directive checked before anything
is touched; an exclusive lock; temp file, fsync, rename; refuse (changing
nothing) when the file changed under us, when the result would not load
cleanly, when the file is read-only; the file's existing bytes kept exactly.
Separate processes write concurrently and get killed mid-write here.
"""

from __future__ import annotations

import collections
import datetime
import errno
import io
import json
import os
import pathlib
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import parser
from click.testing import CliRunner

from beancount_ar import writer
from beancount_ar.cli import cli

ACME = "Assets:Receivable:Acme"
ACME_LABS = "Assets:Receivable:AcmeLabs"
BETA = "Assets:Receivable:Beta"
DAY = datetime.date(2024, 6, 1)

MAIN = """\
plugin "beancount_ar" "{'grace_days': 5}"
include "collections.beancount"

2024-01-01 open Assets:Bank:Checking
2024-01-01 open Income:Design
2024-01-01 open Assets:Receivable:Acme
  customer: "Acme Corp"
2024-01-01 open Assets:Receivable:AcmeLabs
  customer: "Acme Labs"
2024-01-01 open Assets:Receivable:Beta
  customer: "Beta LLC"

2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
  Assets:Receivable:Acme   1200.00 USD
  Income:Design

2024-06-10 * "Beta LLC" "Flyers" ^B-7
  Assets:Receivable:Beta   300.00 USD
  Income:Design
"""

# Existing collections records, with non-ASCII text, ending with a newline.
COLLECTIONS = (
    "; Collections log \u2014 notes f\u00fcr M\u00fcller & S\u00f8n\n"
    '2024-01-01 custom "ar-contact" Assets:Receivable:Acme "Jane Doe" '
    '"A/P Manager" "jane@acme.example" "+1 555 0100"\n'
    "\n"
    '2024-03-05 note Assets:Receivable:Acme "Invoice sent, Jane confirmed \u2014 '
    'danke, \u65e5\u672c"\n'
).encode()

# Variants of a collections file's existing bytes that must survive verbatim.
EXISTING = {
    "typical": COLLECTIONS,
    "empty": b"",
    "no-trailing-newline": b'2024-02-01 note Assets:Receivable:Acme "first call"',
    "crlf": (
        b'2024-02-01 note Assets:Receivable:Acme "first call"\r\n'
        b"\r\n"
        b'2024-02-02 note Assets:Receivable:Acme "second call"\r\n'
    ),
    "non-ascii": (
        "; \u00e9ch\u00e9ancier \u2014 \u65e5\u672c\u8a9e \u20ac\u00a5\n"
        '2024-02-01 note Assets:Receivable:Acme "Zahlung f\u00fcr M\u00e4rz, '
        '\u20ac and \u00a5"\n'
    ).encode(),
    "comment-without-newline": b"; nothing logged yet",
    "trailing-blank-lines": b'2024-02-01 note Assets:Receivable:Acme "x"\n\n\n',
}

TEMP_GLOB = ".collections.beancount.*.tmp"
NOTE_LINE = re.compile(r'\d{4}-\d\d-\d\d note Assets:Receivable:Acme "[\w-]+"')


class Books:
    """A main ledger and its collections file in a folder of their own."""

    def __init__(self, folder: pathlib.Path, existing: bytes = COLLECTIONS) -> None:
        self.folder = folder
        self.main = folder / "main.beancount"
        self.coll = folder / "collections.beancount"
        self.main.write_text(MAIN)
        self.coll.write_bytes(existing)

    def snapshot(self) -> dict[str, bytes]:
        """Every file in the folder, lock and temp files included (not the
        loader's own pickle cache, which a slow load may leave)."""
        return {
            str(p.relative_to(self.folder)): p.read_bytes()
            for p in sorted(self.folder.rglob("*"))
            if p.is_file() and not p.name.endswith(".picklecache")
        }

    def temps(self) -> list[pathlib.Path]:
        return sorted(self.folder.glob(TEMP_GLOB))

    def load(self) -> tuple[list, list, dict]:
        return loader.load_file(str(self.main))


@pytest.fixture
def books(tmp_path: pathlib.Path) -> Books:
    return Books(tmp_path)


def note(text: str, day: datetime.date = DAY) -> str:
    return writer.note(day, ACME, text)


def notes_in(path: pathlib.Path) -> list[str]:
    entries, errors, _ = parser.parse_file(str(path))
    assert errors == []
    return [e.comment for e in entries if isinstance(e, data.Note)]


def assert_loads_cleanly(books: Books) -> list:
    entries, errors, options = books.load()
    assert [getattr(e, "message", e) for e in errors] == []
    assert str(books.coll) in options["include"]
    assert not any(".tmp" in path for path in options["include"])
    return entries


# -- 1. existing bytes kept exactly ------------------------------------------


@pytest.mark.parametrize("existing", EXISTING.values(), ids=EXISTING.keys())
def test_append_keeps_existing_bytes_exactly_and_the_directive_follows(
    tmp_path, existing
):
    books = Books(tmp_path, existing)
    directive = note("appended")
    writer.append(books.coll, directive)
    data = books.coll.read_bytes()
    assert data[: len(existing)] == existing
    rest = data[len(existing) :]
    if b"\r\n" in existing:  # a CRLF file stays CRLF
        directive = directive.replace("\n", "\r\n")
    assert rest.endswith(directive.encode())
    between = rest[: len(rest) - len(directive.encode())]
    assert between.strip(b"\r\n") == b""  # only line breaks in between
    if existing and not existing.endswith(b"\n"):
        assert between.startswith(b"\n")  # the directive starts its own line


@pytest.mark.parametrize("existing", EXISTING.values(), ids=EXISTING.keys())
def test_appended_file_parses_and_the_ledger_loads_with_no_errors(tmp_path, existing):
    books = Books(tmp_path, existing)
    writer.append(books.coll, note("appended"))
    assert notes_in(books.coll)[-1] == "appended"
    entries = assert_loads_cleanly(books)
    assert [e.comment for e in entries if hasattr(e, "comment")].count("appended") == 1


def test_two_appends_keep_order_and_each_keeps_the_earlier_bytes(books):
    writer.append(books.coll, note("first"))
    after_first = books.coll.read_bytes()
    writer.append(books.coll, note("second"))
    assert books.coll.read_bytes().startswith(after_first)
    assert notes_in(books.coll)[-2:] == ["first", "second"]


def test_append_keeps_the_file_mode(books):
    books.coll.chmod(0o640)
    writer.append(books.coll, note("mode"))
    assert books.coll.stat().st_mode & 0o7777 == 0o640


def test_append_changes_only_the_collections_file_and_its_lock(books):
    before = books.snapshot()
    writer.append(books.coll, note("only"))
    after = books.snapshot()
    assert after["main.beancount"] == before["main.beancount"]
    assert set(after) - set(before) <= {".collections.beancount.lock"}
    assert books.temps() == []


def test_append_to_a_missing_file_is_refused_and_creates_nothing(tmp_path):
    books = Books(tmp_path)
    books.coll.unlink()
    before = books.snapshot()
    with pytest.raises(writer.WriteError, match="is missing"):
        writer.append(books.coll, note("nowhere"))
    assert books.snapshot() == before


# -- 2. concurrent writers in separate processes ----------------------------

WRITER_SCRIPT = r"""
import datetime, pathlib, sys, time
from beancount_ar import writer
path, go, tag, count = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
deadline = time.monotonic() + 30
while not go.exists():  # start together, for the most contention
    if time.monotonic() > deadline:
        sys.exit(3)
    time.sleep(0.002)
for k in range(count):
    writer.append(path, writer.note(datetime.date(2024, 6, 1), "Assets:Receivable:Acme", f"{tag}-{k}"))
"""


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "BEANCOUNT_FILE"}


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen]]:
    """Child processes, killed at teardown if still running."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def spawn(children: list, *args: str, cwd: pathlib.Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", *args],
        cwd=cwd,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
    )
    children.append(proc)
    return proc


def read_line(proc: subprocess.Popen, timeout: float = 30.0) -> bytes:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "the child process said nothing in time"
    line = proc.stdout.readline().strip()
    assert line, f"the child process died: {proc.stderr.read().decode()}"
    return line


def test_concurrent_writer_processes_each_note_lands_exactly_once(books, children):
    go = books.folder / "go"
    procs, per_process = 8, 10
    for i in range(procs):
        spawn(
            children, WRITER_SCRIPT, str(books.coll), str(go), f"w{i}",
            str(per_process), cwd=books.folder,
        )  # fmt: skip
    time.sleep(0.3)  # let them import
    go.touch()
    for proc in children:
        assert proc.wait(timeout=60) == 0, proc.stderr.read().decode()
    counts = collections.Counter(notes_in(books.coll))
    wanted = {f"w{i}-{k}" for i in range(procs) for k in range(per_process)}
    assert {text for text in counts if text in wanted} == wanted
    assert all(counts[text] == 1 for text in wanted)
    assert books.coll.read_bytes().startswith(COLLECTIONS)
    assert books.temps() == []
    assert_loads_cleanly(books)


def test_concurrent_cli_log_note_processes_each_note_lands_exactly_once(books):
    bean_ar = pathlib.Path(sys.executable).parent / "bean-ar"
    if not bean_ar.exists():
        pytest.skip("bean-ar is not installed beside the interpreter")
    command = [str(bean_ar), "log", "note", str(books.main), "Acme"]
    procs = [
        subprocess.Popen(
            [*command, f"cli-{i}", "--date", "2024-06-01"],
            cwd=books.folder,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    counts = collections.Counter(notes_in(books.coll))
    assert all(counts[f"cli-{i}"] == 1 for i in range(6))
    assert books.coll.read_bytes().startswith(COLLECTIONS)
    assert_loads_cleanly(books)


# -- 3. a writer killed mid-write ------------------------------------------

LOOP_SCRIPT = r"""
import datetime, pathlib, sys
from beancount_ar import writer
path, tag = pathlib.Path(sys.argv[1]), sys.argv[2]
print("ready", flush=True)
for k in range(100000):
    writer.append(path, writer.note(datetime.date(2024, 6, 1), "Assets:Receivable:Acme", f"{tag}-{k}"))
"""

KILL_POINT_SCRIPT = r"""
import datetime, os, pathlib, sys, time
from beancount_ar import writer
path, point = pathlib.Path(sys.argv[1]), sys.argv[2]
def pausing(real):
    def swap(src, dst):
        if point == "before-rename":
            print("at", flush=True)
            time.sleep(60)
        done = real(src, dst)
        if point == "after-rename":
            print("at", flush=True)
            time.sleep(60)
        return done
    return swap
os.replace = pausing(os.replace)  # where there is no atomic exchange
writer._exchange = pausing(writer._exchange)
writer.append(path, writer.note(datetime.date(2024, 6, 1), "Assets:Receivable:Acme", "killed-writer"))
"""

LOCK_HOLDER_SCRIPT = r"""
import sys, time, filelock
lock = filelock.FileLock(sys.argv[1])
lock.acquire(timeout=10)
print("locked", flush=True)
time.sleep(60)
"""


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_writer_killed_at_random_moments_leaves_a_whole_loadable_file(books, children):
    rng = random.Random(20240601)
    for round_ in range(6):
        proc = spawn(children, LOOP_SCRIPT, str(books.coll), f"r{round_}",
                     cwd=books.folder)  # fmt: skip
        assert read_line(proc) == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        kill(proc)

        data = books.coll.read_bytes()
        assert data.startswith(COLLECTIONS)
        assert data.endswith(b"\n")
        for line in data[len(COLLECTIONS) :].decode().splitlines():
            assert not line.strip() or NOTE_LINE.fullmatch(line), line
        # Appends are sequential: the ones present are exactly the first few.
        numbers = {
            int(text.rsplit("-", 1)[1])
            for text in notes_in(books.coll)
            if text.startswith(f"r{round_}-")
        }
        assert numbers == set(range(len(numbers)))
        assert_loads_cleanly(books)


def test_writer_killed_before_its_rename_leaves_the_old_file_and_a_dead_temp(
    books, children
):
    proc = spawn(children, KILL_POINT_SCRIPT, str(books.coll), "before-rename",
                 cwd=books.folder)  # fmt: skip
    assert read_line(proc) == b"at"
    kill(proc)
    assert books.coll.read_bytes() == COLLECTIONS
    assert len(books.temps()) == 1  # complete, but never renamed
    entries = assert_loads_cleanly(books)
    assert "killed-writer" not in [getattr(e, "comment", None) for e in entries]


def test_writer_killed_after_its_rename_leaves_the_new_file(books, children):
    proc = spawn(children, KILL_POINT_SCRIPT, str(books.coll), "after-rename",
                 cwd=books.folder)  # fmt: skip
    assert read_line(proc) == b"at"
    kill(proc)
    assert (
        books.coll.read_bytes() == COLLECTIONS + b"\n" + note("killed-writer").encode()
    )
    # What the swap replaced may be left as a temporary file: the next write
    # removes it.
    assert len(books.temps()) <= 1
    assert_loads_cleanly(books)
    writer.append(books.coll, note("next"))
    assert books.temps() == []


def test_leftover_temp_files_are_not_picked_up_by_the_ledger(books):
    stray = books.folder / ".collections.beancount.k1ll3d.tmp"
    stray.write_bytes(COLLECTIONS + b'\n2024-06-01 note Assets:Receivable:Acme "stray')
    entries = assert_loads_cleanly(books)
    assert not any("stray" in str(getattr(e, "comment", "")) for e in entries)
    writer.append(books.coll, note("after-stray"))
    assert notes_in(books.coll)[-1] == "after-stray"
    # Under the lock no live writer is using one: a killed writer's temporary
    # file is removed by the next write.
    assert not stray.exists()
    assert books.temps() == []


def test_lock_held_by_a_killed_writer_is_released_by_the_os(
    books, children, monkeypatch
):
    proc = spawn(children, KILL_POINT_SCRIPT, str(books.coll), "before-rename",
                 cwd=books.folder)  # fmt: skip
    assert read_line(proc) == b"at"  # it holds the lock now
    kill(proc)
    monkeypatch.setattr(writer, "LOCK_TIMEOUT", 10)
    started = time.monotonic()
    writer.append(books.coll, note("next-writer"))
    assert time.monotonic() - started < 5
    assert notes_in(books.coll)[-1] == "next-writer"
    assert_loads_cleanly(books)


def test_lock_held_by_a_live_process_refuses_after_the_timeout_unchanged(
    books, children, monkeypatch
):
    lock = books.coll.with_name(".collections.beancount.lock")
    proc = spawn(children, LOCK_HOLDER_SCRIPT, str(lock), cwd=books.folder)
    assert read_line(proc) == b"locked"
    monkeypatch.setattr(writer, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(writer.WriteError, match="locked by another writer"):
        writer.append(books.coll, note("blocked"))
    assert books.coll.read_bytes() == COLLECTIONS
    assert books.temps() == []


def test_lock_of_a_killed_holder_lets_the_next_writer_in(books, children, monkeypatch):
    lock = books.coll.with_name(".collections.beancount.lock")
    proc = spawn(children, LOCK_HOLDER_SCRIPT, str(lock), cwd=books.folder)
    assert read_line(proc) == b"locked"
    kill(proc)
    monkeypatch.setattr(writer, "LOCK_TIMEOUT", 10)
    started = time.monotonic()
    writer.append(books.coll, note("unblocked"))
    assert time.monotonic() - started < 5
    assert notes_in(books.coll)[-1] == "unblocked"


# -- 4. a read-only file ------------------------------------------------------


def test_read_only_file_is_refused_by_the_writer_unchanged(books):
    books.coll.chmod(0o444)  # root ignores it: the writer checks the bits itself
    before = books.snapshot()
    with pytest.raises(writer.WriteError, match="read-only"):
        writer.append(books.coll, note("nope"))
    assert books.snapshot() == before
    assert books.coll.stat().st_mode & 0o7777 == 0o444


def invoke(*args: str, env: dict[str, str | None] | None = None):
    env = {"BEANCOUNT_FILE": None, **(env or {})}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_read_only_file_is_refused_by_the_cli_with_exit_1(books):
    books.coll.chmod(0o444)
    before = books.snapshot()
    result = invoke("log", "note", str(books.main), "Acme", "nope")
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    assert books.coll.name in result.stderr
    assert books.snapshot() == before


# -- 5. disk full -------------------------------------------------------------


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


class _FullDiskFile(io.FileIO):
    def write(self, data):
        _no_space()


@pytest.mark.parametrize("failing", ["mkstemp", "write", "fsync", "replace"])
def test_disk_full_is_refused_with_the_old_bytes_and_no_temp_left(
    books, monkeypatch, failing
):
    if failing == "mkstemp":
        monkeypatch.setattr(writer.tempfile, "mkstemp", _no_space)
    elif failing == "write":
        monkeypatch.setattr(
            writer.os, "fdopen", lambda fd, *a, **k: _FullDiskFile(fd, "w")
        )
    else:
        monkeypatch.setattr(writer.os, failing, _no_space)
        if failing == "replace":
            monkeypatch.setattr(writer, "_exchange", _no_space)
    with pytest.raises(writer.WriteError, match="No space left on device"):
        writer.append(books.coll, note("full"))
    monkeypatch.undo()
    assert books.coll.read_bytes() == COLLECTIONS
    assert books.temps() == []
    assert_loads_cleanly(books)


def test_disk_full_through_the_cli_exits_1_and_changes_nothing(books, monkeypatch):
    monkeypatch.setattr(writer.os, "fsync", _no_space)
    result = invoke("log", "note", str(books.main), "Acme", "full")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert books.coll.read_bytes() == COLLECTIONS
    assert books.temps() == []


# -- 6. the file changed by someone who ignores the lock ----------------------

EDITOR_BYTES = (
    COLLECTIONS + b'\n2024-06-02 note Assets:Receivable:Acme "typed in vim"\n'
)


def test_file_edited_in_place_during_the_write_keeps_the_edit_and_appends(
    books, monkeypatch
):
    real_mkstemp = tempfile.mkstemp

    def editor_then_mkstemp(*args, **kwargs):
        books.coll.write_bytes(EDITOR_BYTES)  # after our read, before our rename
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(writer.tempfile, "mkstemp", editor_then_mkstemp)
    writer.append(books.coll, note("ours"))
    assert books.coll.read_bytes() == EDITOR_BYTES + b"\n" + note("ours").encode()
    assert books.temps() == []


def test_file_replaced_by_an_editor_rename_during_the_write_keeps_the_edit(
    books, monkeypatch
):
    real_fsync = os.fsync
    edited = []

    def editor_saves_then_fsync(fd):
        if not edited:  # the first fsync is of our temp file
            saved = books.folder / "collections.beancount~"
            saved.write_bytes(EDITOR_BYTES)
            os.replace(saved, books.coll)
            edited.append(True)
        return real_fsync(fd)

    monkeypatch.setattr(writer.os, "fsync", editor_saves_then_fsync)
    writer.append(books.coll, note("ours"))
    monkeypatch.undo()
    assert edited
    assert books.coll.read_bytes() == EDITOR_BYTES + b"\n" + note("ours").encode()
    assert books.temps() == []


@pytest.mark.parametrize("how", ["rename", "in-place"])
def test_an_editor_save_between_the_check_and_the_swap_is_never_lost(
    books, monkeypatch, how
):
    # The race the old check-then-rename lost one save in 7,706 to: the save
    # lands right before the new file is swapped in.
    saves = []

    def editor_saves(path):
        if saves:
            return
        saves.append(True)
        if how == "rename":
            saved = books.folder / ".collections.beancount.swp"
            saved.write_bytes(EDITOR_BYTES)
            os.replace(saved, path)
        else:
            path.write_bytes(EDITOR_BYTES)

    monkeypatch.setattr(writer, "_before_swap", editor_saves)
    writer.append(books.coll, note("ours"))
    assert saves
    assert books.coll.read_bytes() == EDITOR_BYTES + b"\n" + note("ours").encode()
    assert books.temps() == []
    assert_loads_cleanly(books)


def test_an_editor_saving_on_every_attempt_wins_and_nothing_is_written(
    books, monkeypatch
):
    count = []

    def editor_saves(path):
        count.append(True)
        path.write_bytes(EDITOR_BYTES + b"; save %d\n" % len(count))

    monkeypatch.setattr(writer, "_before_swap", editor_saves)
    with pytest.raises(writer.WriteError, match="kept changing while writing"):
        writer.append(books.coll, note("ours"))
    assert books.coll.read_bytes() == EDITOR_BYTES + b"; save %d\n" % len(count)
    assert books.temps() == []


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "collections.beancount"
    os.mkfifo(fifo)
    with pytest.raises(writer.WriteError, match="is not a regular file"):
        writer.append(fifo, note("into a pipe"))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_the_file_keeps_its_owner_and_mode(books):
    os.chown(books.coll, 4321, 4321)
    os.chmod(books.coll, 0o640)
    writer.append(books.coll, note("owned"))
    info = books.coll.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (4321, 4321, 0o640)


def test_a_crlf_file_stays_crlf(tmp_path):
    books = Books(tmp_path, COLLECTIONS.replace(b"\n", b"\r\n"))
    writer.append(books.coll, note("crlf"))
    data = books.coll.read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert notes_in(books.coll)[-1] == "crlf"


# -- 7. directives that would not parse; quoting -----------------------------

GARBAGE = {
    "not-a-directive": "hello world\n",
    "empty": "",
    "bad-date": '2024-13-01 note Assets:Receivable:Acme "x"\n',
    "bad-account": '2024-06-01 note receivable:acme "x"\n',
    "unterminated-string": '2024-06-01 note Assets:Receivable:Acme "x\n',
    "two-directives": (
        '2024-06-01 note Assets:Receivable:Acme "x"\n'
        '2024-06-02 note Assets:Receivable:Acme "y"\n'
    ),
    "unbalanced-pushtag": '2024-06-01 note Assets:Receivable:Acme "x"\npushtag #x\n',
}


@pytest.mark.parametrize("text", GARBAGE.values(), ids=GARBAGE.keys())
def test_check_directive_refuses_what_is_not_exactly_one_clean_directive(text):
    with pytest.raises(writer.WriteError, match="would not parse"):
        writer.check_directive(text)


@pytest.mark.parametrize("text", GARBAGE.values(), ids=GARBAGE.keys())
def test_append_of_a_broken_directive_is_refused_before_touching_anything(books, text):
    before = books.snapshot()
    with pytest.raises(writer.WriteError, match="would not parse"):
        writer.append(books.coll, text)
    assert books.snapshot() == before  # not even a lock file


SMUGGLED = {
    "plugin": 'plugin "evil.module"',
    "include": 'include "/etc/passwd"',
    "option": 'option "operating_currency" "XXX"',
}


@pytest.mark.parametrize("line", SMUGGLED.values(), ids=SMUGGLED.keys())
def test_check_directive_refuses_a_smuggled_plugin_include_or_option_line(line):
    with pytest.raises(writer.WriteError):
        writer.check_directive(f'2024-06-01 note Assets:Receivable:Acme "x"\n{line}\n')


def test_append_refuses_when_the_result_would_add_a_parse_error(tmp_path):
    # A stray quote at the end would swallow the directive and add an error.
    existing = b'2024-05-01 note Assets:Receivable:Acme "a"\n"'
    books = Books(tmp_path, existing)
    with pytest.raises(writer.WriteError, match="would not parse"):
        writer.append(books.coll, note("ours"))
    assert books.coll.read_bytes() == existing


SWALLOWING = {
    "last-line-unterminated": b'2024-05-01 note Assets:Receivable:Acme "unterminated',
    "after-a-good-note": (
        b'2024-05-01 note Assets:Receivable:Acme "a"\n'
        b'2024-05-02 note Assets:Receivable:Acme "b'
    ),
    "unterminated-metadata": (
        b'2024-05-01 note Assets:Receivable:Acme "a"\n  contact: "'
    ),
}


@pytest.mark.parametrize("existing", SWALLOWING.values(), ids=SWALLOWING.keys())
def test_append_after_an_unterminated_string_is_refused_or_the_directive_lands(
    tmp_path, existing
):
    books = Books(tmp_path, existing)
    try:
        writer.append(books.coll, note("ours"))
    except writer.WriteError:
        assert books.coll.read_bytes() == existing
    else:
        entries, _, _ = parser.parse_file(str(books.coll))
        assert "ours" in [getattr(e, "comment", None) for e in entries]


TRICKY = {
    "quotes-backslashes-html": 'He said "pay \\ later" <script>alert(1)</script>',
    "trailing-backslash": "ends with a backslash \\",
    "escaped-quote-lookalike": 'already \\" escaped',
    "newline": "line one\nline two",
    "crlf-and-separators": "a\r\nb\u2028c\x0cd",
}


@pytest.mark.parametrize("text", TRICKY.values(), ids=TRICKY.keys())
def test_quote_round_trips_through_the_parser_with_newlines_flattened(text):
    quoted = writer.quote(text)
    assert "\n" not in quoted and "\r" not in quoted
    flat = " ".join(text.splitlines())
    entries, errors, _ = parser.parse_string(
        writer.note(DAY, ACME, text, {"contact": text})
    )
    assert errors == []
    (entry,) = entries
    assert entry.comment == flat
    assert entry.meta["contact"] == flat
    custom = writer.custom(DAY, "ar-dispute", [writer.Account(ACME), "INV-1", text])
    (entry,) = parser.parse_string(custom)[0]
    assert [v.value for v in entry.values] == [ACME, "INV-1", flat]


def test_a_note_with_quotes_backslashes_newline_and_script_is_appended_and_loads(
    books,
):
    text = 'He said "pay \\ later"\nthen <script>alert(1)</script>'
    writer.append(books.coll, writer.note(DAY, ACME, text))
    assert notes_in(books.coll)[-1] == 'He said "pay \\ later" then ' + (
        "<script>alert(1)</script>"
    )
    assert_loads_cleanly(books)


# -- 8. the CLI: bean-ar log ... ------------------------------------------------


def report(books: Books, command: str, as_of: str) -> dict:
    result = invoke(command, str(books.main), "--as-of", as_of, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def log_ok(books: Books, *args: str, env: dict[str, str | None] | None = None):
    """Run `bean-ar log ...`; check one well-formed directive was appended and
    the ledger loads cleanly; return the directive's entry."""
    before = books.coll.read_bytes()
    main_before = books.main.read_bytes()
    result = invoke("log", *args, env=env)
    assert result.exit_code == 0, result.output
    after = books.coll.read_bytes()
    assert after.startswith(before)
    added, errors, _ = parser.parse_string(after[len(before) :].decode())
    assert errors == []
    assert len(added) == 1
    assert books.main.read_bytes() == main_before
    assert_loads_cleanly(books)
    return added[0]


def overdue_invoice(books: Books, as_of: str, invoice: str) -> dict:
    items = report(books, "overdue", as_of)["invoices"]
    (item,) = [i for i in items if i["invoice"] == invoice]
    return item


def test_log_note_is_the_last_note_in_overdue_and_worklist(books):
    assert overdue_invoice(books, "2024-06-30", "INV-1001")["last_note"] is not None
    entry = log_ok(books, "note", str(books.main), "Acme", "Called, cheque is coming",
                   "--contact", "Jane Doe", "--channel", "phone",
                   "--date", "2024-06-20")  # fmt: skip
    assert (entry.account, entry.comment) == (ACME, "Called, cheque is coming")
    assert overdue_invoice(books, "2024-06-30", "INV-1001")["last_note"] == {
        "date": "2024-06-20",
        "text": "Called, cheque is coming",
        "contact": "Jane Doe",
        "channel": "phone",
    }
    items = report(books, "worklist", "2024-06-30")["items"]
    assert {i["last_note"]["text"] for i in items if i["account"] == ACME} == {
        "Called, cheque is coming"
    }


def test_log_followup_puts_the_customer_on_the_worklist_when_due(books):
    def followups():
        items = report(books, "worklist", "2024-06-30")["items"]
        return [
            (i["account"], i["reason"]) for i in items if i["reason"] == "follow-up"
        ]

    assert followups() == []
    entry = log_ok(books, "followup", str(books.main), "Beta", "2024-06-25",
                   "call back about flyers", "--date", "2024-06-20")  # fmt: skip
    assert entry.type == "ar-followup"
    assert followups() == [(BETA, "follow-up")]


def test_log_promise_shows_in_overdue_and_breaks_on_the_worklist(books):
    entry = log_ok(books, "promise", str(books.main), "Acme", "500", "2024-06-25",
                   "--invoice", "INV-1001", "--date", "2024-06-15")  # fmt: skip
    assert [v.value for v in entry.values][1].number == 500
    assert overdue_invoice(books, "2024-06-30", "INV-1001")["promise"] == {
        "date": "2024-06-15",
        "amount": {"USD": "500.00"},
        "by": "2024-06-25",
        "invoice": "INV-1001",
        "status": "broken",
        "paid": "0.00",
    }
    items = report(books, "worklist", "2024-06-30")["items"]
    assert (ACME, "broken-promise") in [(i["account"], i["reason"]) for i in items]


def test_log_dispute_moves_the_invoice_from_the_calls_to_disputes(books):
    def calls_about_inv_1001(wl):
        return [
            i
            for i in wl["items"]
            if "INV-1001" in [x["invoice"] for x in i["invoices"]]
        ]

    assert calls_about_inv_1001(report(books, "worklist", "2024-06-30"))
    log_ok(books, "dispute", str(books.main), "Acme", "INV-1001", "wrong size",
           "--date", "2024-06-16")  # fmt: skip
    worklist = report(books, "worklist", "2024-06-30")
    assert calls_about_inv_1001(worklist) == []
    assert [(d["invoice"], d["reason"]) for d in worklist["disputes"]] == [
        ("INV-1001", "wrong size")
    ]
    assert overdue_invoice(books, "2024-06-30", "INV-1001")["disputed"] is True


def test_log_resolve_brings_the_disputed_invoice_back(books):
    log_ok(books, "dispute", str(books.main), "Acme", "INV-1001", "wrong size",
           "--date", "2024-06-16")  # fmt: skip
    entry = log_ok(books, "resolve", str(books.main), "Acme", "INV-1001",
                   "--date", "2024-06-18")  # fmt: skip
    assert entry.type == "ar-resolved"
    worklist = report(books, "worklist", "2024-06-30")
    assert worklist["disputes"] == []
    assert any(
        "INV-1001" in [x["invoice"] for x in i["invoices"]] for i in worklist["items"]
    )
    assert overdue_invoice(books, "2024-06-30", "INV-1001")["disputed"] is False


def test_log_plan_that_is_not_kept_is_missed_on_the_worklist(books):
    entry = log_ok(books, "plan", str(books.main), "Acme", "1200 USD", "4",
                   "monthly", "2024-04-01", "--date", "2024-03-25")  # fmt: skip
    assert entry.type == "ar-plan"
    items = report(books, "worklist", "2024-06-30")["items"]
    assert (ACME, "plan-missed") in [(i["account"], i["reason"]) for i in items]


def test_log_hold_on_puts_the_customer_on_hold(books):
    assert overdue_invoice(books, "2024-04-15", "INV-1001")["hold"] is False
    entry = log_ok(books, "hold", str(books.main), "Acme", "on", "bounced cheque",
                   "--date", "2024-04-10")  # fmt: skip
    assert [v.value for v in entry.values] == [ACME, True, "bounced cheque"]
    assert overdue_invoice(books, "2024-04-15", "INV-1001")["hold"] is True


def test_log_takes_the_ledger_from_beancount_file(books):
    entry = log_ok(books, "note", "Acme", "via the environment",
                   env={"BEANCOUNT_FILE": str(books.main)})  # fmt: skip
    assert entry.comment == "via the environment"


def test_log_with_beancount_file_set_still_takes_an_explicit_ledger(books, tmp_path):
    (tmp_path / "other").mkdir()
    other = Books(tmp_path / "other")
    entry = log_ok(books, "note", str(books.main), "Acme", "explicit ledger",
                   env={"BEANCOUNT_FILE": str(other.main)})  # fmt: skip
    assert entry.comment == "explicit ledger"
    assert other.coll.read_bytes() == COLLECTIONS


@pytest.mark.parametrize(
    ("given", "account"),
    [
        ("Assets:Receivable:Beta", BETA),
        ("Beta LLC", BETA),
        ("beta llc", BETA),
        ("Beta", BETA),
        ("Be", BETA),
        ("Acme", ACME),  # exact last component beats the AcmeLabs prefix
        ("Acme Labs", ACME_LABS),
        ("acme l", ACME_LABS),
    ],
)
def test_log_finds_the_account_by_name_last_component_or_unique_prefix(
    books, given, account
):
    entry = log_ok(books, "note", str(books.main), given, "found")
    assert entry.account == account


BAD_ARGS = {
    "unknown-account": ["note", "{main}", "Nobody", "hi"],
    "ambiguous-account": ["note", "{main}", "Acm", "hi"],
    "amount-abc": ["promise", "{main}", "Acme", "abc", "2024-07-01"],
    "amount-negative": ["promise", "{main}", "Acme", "-5 USD", "2024-07-01"],
    "amount-zero": ["promise", "{main}", "Acme", "0", "2024-07-01"],
    "amount-nan": ["promise", "{main}", "Acme", "NaN USD", "2024-07-01"],
    "amount-lowercase-currency": ["promise", "{main}", "Acme", "5 usd", "2024-07-01"],
    "amount-no-currency-known": ["promise", "{main}", "AcmeLabs", "5", "2024-07-01"],
    "promise-date-month-13": ["promise", "{main}", "Acme", "5", "2024-13-01"],
    "note-date-feb-30": ["note", "{main}", "Acme", "hi", "--date", "2024-02-30"],
    "followup-date-word": ["followup", "{main}", "Acme", "tomorrow", "call"],
    "hold-maybe": ["hold", "{main}", "Acme", "maybe", "why"],
    "plan-daily": ["plan", "{main}", "Acme", "1200", "4", "daily", "2024-07-01"],
    "plan-zero-instalments": ["plan", "{main}", "Acme", "1200", "0", "monthly", "2024-07-01"],
    "plan-bad-first-date": ["plan", "{main}", "Acme", "1200", "4", "monthly", "soon"],
    "promise-invoice-of-another-customer": [
        "promise", "{main}", "Acme", "5", "2024-07-01", "--invoice", "B-7",
    ],
    "promise-unknown-invoice": [
        "promise", "{main}", "Acme", "5", "2024-07-01", "--invoice", "INV-9",
    ],
    "dispute-unknown-invoice": ["dispute", "{main}", "Acme", "INV-9", "why"],
    "resolve-invoice-of-another-customer": ["resolve", "{main}", "Acme", "B-7"],
    "note-channel-fax": ["note", "{main}", "Acme", "hi", "--channel", "fax"],
    "too-few-arguments": ["note", "{main}", "Acme"],
    "too-many-arguments": ["note", "{main}", "Acme", "hi", "extra"],
    "missing-ledger": ["note", "{folder}/nope.beancount", "Acme", "hi"],
}  # fmt: skip


@pytest.mark.parametrize("args", BAD_ARGS.values(), ids=BAD_ARGS.keys())
def test_log_bad_arguments_exit_2_one_line_and_change_no_file(books, args):
    before = books.snapshot()
    args = [a.format(main=books.main, folder=books.folder) for a in args]
    result = invoke("log", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("bean-ar: error:")
    assert "\n" not in message
    assert "Traceback" not in result.output
    assert books.snapshot() == before  # not even a lock file


def test_log_amount_with_an_invalid_currency_exits_2(books):
    before = books.snapshot()
    result = invoke("log", "promise", str(books.main), "Acme", "100 US$", "2024-07-01")
    assert books.snapshot() == before
    assert result.exit_code == 2
    assert result.stderr.startswith("bean-ar: error:")


def test_log_note_dated_before_the_account_opens_is_refused_unchanged(books):
    before = books.snapshot()
    result = invoke("log", "note", str(books.main), "Acme", "too early",
                    "--date", "2023-12-31")  # fmt: skip
    assert result.exit_code in (1, 2)
    assert books.snapshot() == before


MAIN_WITHOUT_INCLUDE = MAIN.replace('include "collections.beancount"\n', "")


@pytest.mark.parametrize(
    ("setting", "relative"),
    [(None, "collections.beancount"), ("ar/log.beancount", "ar/log.beancount")],
)
def test_log_refuses_a_collections_file_the_ledger_does_not_include(
    tmp_path, setting, relative
):
    books = Books(tmp_path)
    main = MAIN_WITHOUT_INCLUDE
    if setting:
        main = main.replace("'grace_days': 5", f"'grace_days': 5, "
                            f"'collections_file': '{setting}'")  # fmt: skip
        (tmp_path / setting).parent.mkdir()
        (tmp_path / setting).write_bytes(COLLECTIONS)
    books.main.write_text(main)
    before = books.snapshot()
    result = invoke("log", "note", str(books.main), "Acme", "lost")
    assert result.exit_code == 1
    assert f'include "{relative}"' in result.stderr.splitlines()
    assert books.snapshot() == before  # the main ledger is never edited


# -- 9. nothing dated after today ----------------------------------------------


def test_log_date_after_today_is_refused(books):
    tomorrow = str(datetime.date.today() + datetime.timedelta(days=1))
    before = books.snapshot()
    for args in (["note", str(books.main), "Acme", "will call"],
                 ["promise", str(books.main), "Acme", "100", "2099-01-01"]):  # fmt: skip
        result = invoke("log", *args, "--date", tomorrow)
        assert result.exit_code == 2, result.output
        message = result.stderr.strip()
        assert "\n" not in message
        assert "--date" in message
        assert f"{tomorrow} is after today" in message
        assert books.snapshot() == before  # not even a lock file


def test_log_followup_due_and_promise_by_may_be_after_today(books):
    today = datetime.date.today()
    later = str(today + datetime.timedelta(days=30))
    entry = log_ok(books, "followup", str(books.main), "Acme", later, "call again")
    assert entry.date == today
    entry = log_ok(books, "promise", str(books.main), "Acme", "100", later)
    assert entry.date == today
    assert str(entry.values[2].value) == later


def test_logbook_write_refuses_a_directive_dated_after_the_callers_today(books):
    from beancount_ar import ledger, logbook

    loaded = ledger.load(str(books.main))
    before = books.snapshot()
    text = note("ahead", datetime.date(2024, 6, 2))
    with pytest.raises(logbook.InputError, match="after today") as caught:
        logbook.write(books.main, loaded, ACME, text, today=datetime.date(2024, 6, 1))
    assert caught.value.field == "date"
    assert books.snapshot() == before
    # Without `today` (the Fava extension's call, for now) there is no check.
    assert logbook.write(books.main, loaded, ACME, text) == books.coll
    assert notes_in(books.coll)[-1] == "ahead"
