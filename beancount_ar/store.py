"""A persistent index of a ledger's receivables, kept in the user's cache folder.

`bean-ar aging`, `overdue`, `worklist`, `metrics` and `customer` answer
from it when the ledger has not changed since it was written, instead of
parsing, booking and matching the whole ledger again. It is one SQLite file
per ledger (named by the ledger's absolute path) in
`platformdirs.user_cache_dir("beancount-ar")` (`~/.cache/beancount-ar` on
Linux, or `$XDG_CACHE_HOME/beancount-ar`), never beside the ledger.

What it holds: every invoice and credit the matcher made, one row each with
the day it settled (NULL while open), their applications, and, whole, the
customers, collections records, notes, the configuration, the precision of
each currency and the load's errors. A report as of day D needs only what
was still open on D or happened on or after it (and what those were applied
against), so it reads those rows and no others: a few thousand rows, however
long the ledger's history. A customer's page reads that customer's rows.

It is valid while its key holds: every file the load read (path, size,
modification time, and when those differ, the SHA-1 of the content), the
directories of `include` patterns, the plugin configuration and the list of
plugins, and the version of this code and of Beancount. Anything else -- an
edit anywhere, a new included file, an upgrade -- and the command loads the
ledger in full, answers from that, and writes a new index, saying so on
stderr. A new index is written to a temporary file and renamed over the old
one, so a reader never sees half of one, two commands at once each see a
whole index, and a killed build leaves the old index or none.

This module imports no Beancount on the reading path: an unchanged ledger
is answered without it.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import hashlib
import io
import os
import pickle
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from importlib import util as importlib_util
from pathlib import Path
from typing import Any, NamedTuple

from beancount_ar.config import find_config
from beancount_ar.ledger import Ledger, error_where
from beancount_ar.money import Amounts
from beancount_ar.openitems import Application, Credit, Index, Invoice, gc_paused
from beancount_ar.terms import Terms

#: Bump when what is stored, or how, changes.
SCHEMA = 3
#: `live` of an item still open: after any day.
OPEN = 10**8
#: A file changed this shortly before a load (nanoseconds) is not indexed:
#: the coarsest time stamps (FAT's) are 2 s apart, so a later change within
#: them could leave its size and time as they were.
RACY_NS = 2_000_000_000
#: A temporary file older than this is a killed build's and is removed.
STALE_TEMP_SECONDS = 3600

_INCLUDE = re.compile(rb'^include\s+"([^"]*)"', re.MULTILINE)
_GLOB = re.compile(r"[*?\[]")


class Entry(NamedTuple):
    """What the reports read of an invoice's or credit's transaction."""

    narration: str
    payee: str | None


class StoredError(NamedTuple):
    """A load error as the reports print it: file, line, message."""

    source: dict[str, Any]
    message: str
    entry: None = None


# -- where it lives and what it is keyed by --------------------------------


def cache_dir() -> Path:
    """The folder of the indexes: the user's cache folder for beancount-ar."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("beancount-ar", appauthor=False))


def location(ledger_path: str) -> Path:
    """The index file of a ledger, named by its absolute path."""
    digest = hashlib.sha256(os.path.abspath(ledger_path).encode()).hexdigest()
    return cache_dir() / f"{digest[:32]}.sqlite"


def code_version() -> tuple[Any, ...]:
    """This code and Beancount's, as the index depends on them: the schema,
    and the size and modification time of every module of both packages
    (an upgrade or an edit of either invalidates every index)."""
    parts: list[Any] = [SCHEMA]
    here = Path(__file__).parent
    spec = importlib_util.find_spec("beancount")
    folders = [here]
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent)
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            st = path.stat()
            parts.append((path.name, st.st_size, st.st_mtime_ns))
    return tuple(parts)


class FileKey(NamedTuple):
    path: str
    size: int
    mtime_ns: int
    digest: str  # SHA-1 of the content (`_digest`)
    push: bool  # it has pushtag or pushmeta: text appended may be inside one


_PUSH = re.compile(rb"^(pushtag|pushmeta)\b", re.MULTILINE)


def _file_key(path: str) -> FileKey:
    with open(path, "rb") as handle:
        return file_key_of(path, handle.read(), os.fstat(handle.fileno()))


def file_key_of(path: str, content: bytes, st: os.stat_result) -> FileKey:
    """The key of a file from its content and its status when read."""
    digest = _digest(content).hexdigest()
    return FileKey(path, st.st_size, st.st_mtime_ns, digest, _pushes(content))


def _digest(content: bytes | memoryview) -> Any:
    """The hash of a file's content: SHA-1, twice as fast as SHA-256 here
    and as good at telling an edit (it guards against no adversary)."""
    return hashlib.sha1(content, usedforsecurity=False)


def _pushes(text: bytes) -> bool:
    """Whether text has a pushtag or pushmeta directive."""
    return (b"push" in text) and bool(_PUSH.search(text))


def _include_dirs(files: Iterable[str]) -> dict[str, int]:
    """The folders an `include` pattern or a missing include looks in, with
    their modification times: a file appearing there changes the ledger
    without changing any file it read."""
    loaded = set(files)
    dirs: dict[str, int] = {}
    for path in loaded:
        with contextlib.suppress(OSError):
            text = Path(path).read_bytes()
            for match in _INCLUDE.finditer(text):
                name = match.group(1).decode("utf-8", "replace")
                target = os.path.normpath(
                    os.path.join(os.path.dirname(path), os.path.expanduser(name))
                )
                if _GLOB.search(name) or target not in loaded:
                    for folder in _folders(os.path.dirname(target)):
                        dirs[folder] = _dir_mtime(folder)
    return dirs


def _folders(pattern: str) -> list[str]:
    """Every folder a file matching `pattern/NAME` could appear in, and the
    folders above them down from the first with a wildcard: `sub/*/x`
    gives `sub`, each `sub/A` and each `sub/A/x`; `**` every folder below."""
    parts = pattern.split(os.sep)
    fixed = 0
    while fixed < len(parts) and not _GLOB.search(parts[fixed]):
        fixed += 1
    root = os.sep.join(parts[:fixed]) or os.sep
    found = [root]
    if fixed == len(parts):
        return found
    if "**" in pattern:
        for folder, _, _ in os.walk(root):
            found.append(folder)
        return found
    for depth in range(fixed + 1, len(parts) + 1):
        found += sorted(
            p for p in glob.glob(os.sep.join(parts[:depth])) if os.path.isdir(p)
        )
    return found


def _dir_mtime(folder: str) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1


#: Each file that only grew: its key in the index, its content now, its key now.
Grown = dict[str, tuple[FileKey, bytes, FileKey]]


def _change(
    files: list[FileKey], dirs: dict[str, int], documents: dict[str, bool]
) -> tuple[str, Grown] | None:
    """What changed since the key was taken, in words, or None; and when
    every changed file only grew, what each was and is now (`incremental`)."""
    grown: Grown = {}
    reason = None
    for key in files:
        try:
            st = os.stat(key.path)
        except OSError:
            return f"{key.path} is gone", {}
        if st.st_size == key.size and st.st_mtime_ns == key.mtime_ns:
            continue
        with open(key.path, "rb") as handle:
            content = handle.read()
            st = os.fstat(handle.fileno())
        if st.st_size == key.size:
            if _digest(content).hexdigest() == key.digest:
                continue  # touched, not changed
        elif st.st_size > key.size:
            digest = _digest(memoryview(content)[: key.size])
            if digest.hexdigest() == key.digest:
                # The key of what it is now, from the hash of what it was.
                digest.update(content[key.size :])
                push = key.push or _pushes(content[key.size :])
                now = FileKey(
                    key.path, st.st_size, st.st_mtime_ns, digest.hexdigest(), push
                )
                grown[key.path] = (key, content, now)
                reason = reason or f"text was appended to {key.path}"
                continue
        return f"{key.path} changed", {}
    for folder, mtime in dirs.items():
        if _dir_mtime(folder) != mtime:
            return f"files came or went in {folder}", {}
    for document, there in documents.items():
        if os.path.exists(document) != there:
            return f"{document} came or went", {}
    return (reason, grown) if reason else None


# -- writing -------------------------------------------------------------------

_TABLES = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB);
CREATE TABLE invoice (k INTEGER PRIMARY KEY, account TEXT, id TEXT,
                      keyed INTEGER, date INTEGER, live INTEGER, row BLOB);
CREATE TABLE credit (k INTEGER PRIMARY KEY, account TEXT, date INTEGER,
                     live INTEGER, row BLOB);
CREATE INDEX invoice_live ON invoice (live);
CREATE INDEX invoice_account ON invoice (account, id);
CREATE INDEX invoice_id ON invoice (id);
CREATE INDEX credit_live ON credit (live);
CREATE INDEX credit_account ON credit (account);
CREATE TABLE book (account TEXT, shared INTEGER, txns BLOB);
CREATE INDEX book_account ON book (account);
CREATE TABLE ref (id TEXT, account TEXT);
CREATE INDEX ref_id ON ref (id);
CREATE INDEX ref_account ON ref (account);
"""


class Money(NamedTuple):
    """A Beancount `Amount` as stored: the same two fields, read the same way
    (`.number`, `.currency`), so reading the index needs no Beancount."""

    number: Any
    currency: str


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind.__name__ == "Amount" and kind.__module__ == "beancount.core.amount":
            return Money, (obj.number, obj.currency)
        return NotImplemented


def dumps(value: Any) -> bytes:
    out = io.BytesIO()
    _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


def _invoice_live(invoice: Invoice) -> int:
    """The day (ordinal) the invoice settled for good, or OPEN."""
    if invoice.open <= 0 and invoice.last_change is not None:
        return invoice.last_change.toordinal()
    return OPEN


def _credit_live(credit: Credit) -> int:
    if credit.remaining <= 0:
        last = credit.applications[-1].date if credit.applications else credit.date
        return last.toordinal()
    return OPEN


def write(path: Path, key: dict[str, Any], loaded: Any) -> None:
    """Write the index of a fully loaded ledger to `path`, atomically."""
    index: Index = loaded.index
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path.parent)
    temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        db = sqlite3.connect(temp)
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            db.executescript(_TABLES)
            write_items(db, index.invoices, index.credits, index.invoices_by_key)
            dcontext = loaded.options.get("dcontext")
            places = {
                currency: index.amounts.places(currency)
                for currency in (getattr(dcontext, "ccontexts", None) or {})
            }
            errors = [_stored_error(error) for error in loaded.errors]
            meta = {
                "key": key,
                "config": index.config,
                "customers": index.customers,
                "named_terms": index.named_terms,
                "records": index.records,
                "documents": index.documents,
                "notes": index.notes,
                "places": places,
                "errors": errors,
            }
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [(name, dumps(value)) for name, value in meta.items()],
            )
            recorded = loaded.index.written is not None or not find_config(
                loaded.options
            )  # what the plugin wrote is known (it ran in this load, or not at all)
            if not loaded.errors and recorded:
                from beancount_ar import incremental

                incremental.write_state(db, loaded)
            db.commit()
        finally:
            db.close()
        with _lock(path):
            # A journal left by a killed update belongs to the old file: the
            # new one must not be "recovered" from it.
            for suffix in ("-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    path.with_name(path.name + suffix).unlink()
            os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def write_items(
    db: sqlite3.Connection,
    invoices: Sequence[Invoice],
    credits: Sequence[Credit],
    by_key: dict[tuple[str, str], Invoice],
    first: int = 0,
) -> None:
    """Rows for invoices and credits, numbered from `first`; an application
    is named by its invoice's row and its place in that invoice's list."""
    invoice_k = {id(invoice): first + k for k, invoice in enumerate(invoices)}
    credit_k = {id(credit): first + k for k, credit in enumerate(credits)}
    app_at: dict[int, tuple[int, int]] = {}
    rows = []
    for invoice in invoices:
        k = invoice_k[id(invoice)]
        apps = []
        for at, app in enumerate(invoice.applications):
            app_at[id(app)] = (k, at)
            apps.append((credit_k[id(app.credit)], _day(app.date), str(app.amount)))
        keyed = by_key.get((invoice.account, invoice.id)) is invoice
        entry = invoice.entry
        row = (
            invoice.account,
            invoice.id,
            invoice.currency,
            _day(invoice.date),
            invoice.seq,
            _terms_row(invoice.terms),
            _day(invoice.due),
            invoice.meta,
            entry.narration,
            entry.payee,
            str(invoice.first),
            invoice.memos,
            str(invoice.open),
            _day(invoice.last_change),
            keyed,
            apps,
        )
        live = _invoice_live(invoice)
        date = invoice.date.toordinal()
        rows.append((k, invoice.account, invoice.id, keyed, date, live, dumps(row)))
    db.executemany("INSERT INTO invoice VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    rows = []
    for credit in credits:
        apps = [app_at[id(a)] for a in credit.applications]
        entry = credit.entry
        row = (
            credit.account,
            credit.currency,
            _day(credit.date),
            credit.seq,
            str(credit.amount),
            credit.kind,
            credit.named,
            credit.meta,
            entry.narration,
            entry.payee,
            str(credit.remaining),
            apps,
        )
        k = credit_k[id(credit)]
        date = credit.date.toordinal()
        rows.append((k, credit.account, date, _credit_live(credit), dumps(row)))
    db.executemany("INSERT INTO credit VALUES (?, ?, ?, ?, ?)", rows)


def _stored_error(error: Any) -> StoredError:
    filename, lineno, message = error_where(error)
    return StoredError({"filename": filename, "lineno": lineno}, message)


def _remove_stale_temps(folder: Path) -> None:
    now = time.time()
    for temp in folder.glob("*.tmp"):
        with contextlib.suppress(OSError):
            if now - temp.stat().st_mtime > STALE_TEMP_SECONDS:
                temp.unlink()


# -- reading -------------------------------------------------------------------


class Window(NamedTuple):
    """What a report will look at: the days from `since` to `until` (None:
    from the first, to the last), of the one customer `account_of` picks
    from the ledger's customers (None, or it picks none: every customer)."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    account_of: Callable[[Ledger], str | None] | None = None


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection | None]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
        # One read transaction: an update committed between two queries
        # must not be seen half.
        db.execute("BEGIN")
    except sqlite3.Error:
        yield None
        return
    try:
        yield db
    finally:
        db.close()


def meta(db: sqlite3.Connection, *names: str) -> list[Any]:
    marks = ",".join("?" * len(names))
    query = f"SELECT name, value FROM meta WHERE name IN ({marks})"
    found = dict(db.execute(query, names).fetchall())
    return [pickle.loads(found[name]) for name in names]


class Stale(NamedTuple):
    """An index that no longer holds: why, and what only grew (`_change`)."""

    reason: str
    grown: Grown
    key: dict[str, Any]

    def __str__(self) -> str:
        return self.reason


def read(path: Path, window: Window) -> Ledger | Stale | str:
    """The stored index for `window`, or why there is none that holds."""
    if not path.exists():
        return "no index yet"
    with _reading(path) as db:
        if db is None:
            return "the index cannot be read"
        try:
            (key,) = meta(db, "key")
            if key.get("version") != code_version():
                return "bean-ar or Beancount changed"
            change = _change(key["files"], key["dirs"], key["documents"])
            if change:
                return Stale(*change, key)
            with gc_paused():  # many objects, no garbage cycles
                return _read_index(db, window)
        except (sqlite3.Error, pickle.UnpicklingError, KeyError, EOFError, TypeError):
            return "the index cannot be read"  # not one this code wrote
        except OSError as exc:  # a file of the ledger went while it was read
            return f"a file cannot be read ({exc})"


def open_ledger(
    ledger_path: str,
    window: Window,
    load: Callable[[str], Any],
    say: Callable[[str], None] = lambda text: print(text, file=sys.stderr),
) -> Any:
    """The ledger from its index when that still holds, or after bringing
    it up to date when text was only appended; else loaded in full by
    `load(ledger_path)` and indexed anew (saying so with `say`)."""
    path = location(ledger_path)
    stored = read(path, window)
    if isinstance(stored, Ledger):
        return stored
    began = time.time_ns()
    if isinstance(stored, Stale) and stored.grown:
        say(f"bean-ar: updating the index of {ledger_path} ({stored})...")
        why = _update(path, stored)
        if why is None:
            updated = read(path, window)
            if isinstance(updated, Ledger):
                say(f"bean-ar: updated in {(time.time_ns() - began) / 1e9:.2f} s")
                return updated
            why = str(updated)
        stored = f"{stored}; {why}"
    say(f"bean-ar: indexing {ledger_path} ({stored}): loading...")
    loaded = load(ledger_path)
    names = loaded.options.get("include") or [os.path.abspath(ledger_path)]
    if os.path.abspath(ledger_path) not in names:
        # Beancount's pickle cache copied from another folder names that
        # folder's files: they are not this ledger's key.
        say("bean-ar: not indexed: the load did not read this ledger's own file")
        return loaded
    files = [_file_key(name) for name in names]
    dirs = _include_dirs(key.path for key in files)
    # Beancount checks that each document's file is there, and makes
    # documents of the files in the `documents` folders.
    documents = {
        entry.filename: os.path.exists(entry.filename)
        for entry in loaded.entries
        if type(entry).__name__ == "Document"
    }
    for root in loaded.options.get("documents") or ():
        folder = os.path.join(os.path.dirname(os.path.abspath(ledger_path)), root)
        dirs.update((name, _dir_mtime(name)) for name, _, _ in os.walk(folder))
    recent = [key.path for key in files if key.mtime_ns >= began - RACY_NS]
    recent += [name for name, mtime in dirs.items() if mtime >= began - RACY_NS]
    if recent:
        # Its content may have changed during the load, or may change again
        # within its time stamp's granularity without changing the stamp.
        say(f"bean-ar: not indexed: {recent[0]} changed a moment ago")
        return loaded
    say(f"bean-ar: writing the index of {len(loaded.index.invoices):,} invoices...")
    key = {
        "version": code_version(),
        "files": files,
        "dirs": dirs,
        "documents": documents,
        "plugins": loaded.options.get("plugin"),
    }
    try:
        write(path, key, loaded)
    except (OSError, sqlite3.Error) as exc:
        say(f"bean-ar: the index could not be written ({exc}); answering without it")
        return loaded
    say(f"bean-ar: indexed in {(time.time_ns() - began) / 1e9:.1f} s")
    return loaded


def _update(path: Path, stale: Stale) -> str | None:
    """Bring the index up to date with what was appended; None when done,
    else why it could not be."""
    now = time.time_ns()
    if any(key.mtime_ns >= now - RACY_NS for _, _, key in stale.grown.values()):
        return "changed a moment ago"
    from beancount_ar import incremental  # imports Beancount

    try:
        with _lock(path), gc_paused():
            incremental.update(path, stale.grown, stale.key)
    except incremental.NotSafe as exc:
        return str(exc)
    except Exception as exc:  # a failed update must not fail the command
        return f"the index could not be updated: {exc!r}"
    return None


def _lock(path: Path) -> Any:
    """The lock every writer of an index holds: one at a time."""
    import filelock

    return filelock.FileLock(path.with_name(path.name + ".lock"), timeout=120)


def _read_index(db: sqlite3.Connection, window: Window) -> Ledger:
    names = ("config", "customers", "named_terms", "records", "documents")
    config, customers, named_terms, records, documents = meta(db, *names)
    notes, places, errors = meta(db, "notes", "places", "errors")
    since = window.since
    if since is not None:
        # What a promise or a plan counts is paid since the day it was made.
        for kind in ("ar-promise", "ar-plan"):
            for record in records.get(kind, ()):
                since = min(since, record.date)
    amounts = Amounts()
    amounts._places.update(places)
    index = Index(
        config=config,
        customers=customers,
        invoices=[],
        credits=[],
        errors=[],
        named_terms=named_terms,
        records=records,
        documents=documents,
        notes=notes,
        touched=[],
        made=[],
        invoices_by_key={},
        amounts=amounts,
    )
    stored = Ledger([], errors, {"dcontext": None}, config, index)
    account = window.account_of(stored) if window.account_of else None
    # The invoices records name, whatever their dates (a promise's invoice).
    named = {
        (record.account, record.invoice)
        for kind in records.values()
        for record in kind
        if getattr(record, "invoice", None) is not None
    }
    found = _items(db, _Where(account, since, window.until), named)
    index.invoices, index.credits, index.invoices_by_key = found
    return stored


class _Where(NamedTuple):
    account: str | None
    since: datetime.date | None
    until: datetime.date | None


def _select(
    db: sqlite3.Connection, table: str, where: _Where
) -> Iterator[tuple[int, bytes]]:
    """The rows of the items a report in `where` may look at: of its
    account; still open on `since` or dated after it; dated by `until`."""
    terms, values = ["1"], []
    if where.account is not None:
        terms.append("account = ?")
        values.append(where.account)
    if where.since is not None:
        # Still open after `since`, or dated on or after it (live >= date).
        day = where.since.toordinal()
        terms.append("live >= ? AND (live > ? OR date >= ?)")
        values += [day, day, day]
    if where.until is not None:
        terms.append("date <= ?")
        values.append(where.until.toordinal())
    query = f"SELECT k, row FROM {table} WHERE {' AND '.join(terms)}"
    return db.execute(query, values)


def _by_keys(
    db: sqlite3.Connection, table: str, keys: Iterable[int]
) -> Iterator[tuple[int, bytes]]:
    keys = sorted(keys)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        yield from db.execute(
            f"SELECT k, row FROM {table} WHERE k IN ({','.join('?' * len(chunk))})",
            chunk,
        )


def _items(
    db: sqlite3.Connection, where: _Where, named: set[tuple[str, str]]
) -> tuple[list[Invoice], list[Credit], dict[tuple[str, str], Invoice]]:
    """The invoices and credits of the window, with every application
    between them, and what those applications name on the other side.

    An item outside the window but applied against one inside it is read
    too: it settled before the window, so no report looks into its own
    applications, but the one inside shows it."""
    invoice_rows = _rows(_select(db, "invoice", where))
    credit_rows = _rows(_select(db, "credit", where))
    for account, invoice_id in sorted(named):
        invoice_rows.update(
            _rows(
                db.execute(
                    "SELECT k, row FROM invoice WHERE account = ? AND id = ? AND keyed",
                    (account, invoice_id),
                )
            )
        )
    wanted_credits = {
        app[0] for row in invoice_rows.values() for app in row[-1]
    } - credit_rows.keys()
    wanted_invoices = {
        app[0] for row in credit_rows.values() for app in row[-1]
    } - invoice_rows.keys()
    invoice_rows.update(_rows(_by_keys(db, "invoice", wanted_invoices)))
    credit_rows.update(_rows(_by_keys(db, "credit", wanted_credits)))

    credits = {k: _credit(row) for k, row in credit_rows.items()}
    invoices = {}
    by_key = {}
    apps: dict[tuple[int, int], Application] = {}
    for k, row in invoice_rows.items():
        invoice = invoices[k] = _invoice(row)
        if row[-2]:  # the invoice its (account, id) names
            by_key[(invoice.account, invoice.id)] = invoice
        for at, (credit_k, date, amount) in enumerate(row[-1]):
            credit = credits.get(credit_k)
            if credit is not None:
                app = Application(_date(date), Decimal(amount), invoice, credit)
                apps[(k, at)] = app
                invoice.applications.append(app)
    for k, credit in credits.items():
        for at in credit_rows[k][-1]:
            app = apps.get(tuple(at))
            if app is not None:
                credit.applications.append(app)
    # In ledger order, as a whole load lists them.
    in_order = sorted(invoices.values(), key=_by_seq)
    return in_order, sorted(credits.values(), key=_by_seq), by_key


def _by_seq(item: Invoice | Credit) -> int:
    return item.seq


def _rows(found: Iterable[tuple[int, bytes]]) -> dict[int, tuple[Any, ...]]:
    return {k: pickle.loads(row) for k, row in found}


# Rows hold plain values (days as ordinals, amounts as their exact text):
# read back twice as fast as pickled dates, decimals and named tuples.


def _day(day: datetime.date | None) -> int | None:
    return None if day is None else day.toordinal()


def _date(ordinal: int | None) -> datetime.date | None:
    return None if ordinal is None else datetime.date.fromordinal(ordinal)


def _terms_row(terms: Terms | None) -> tuple[Any, ...] | None:
    if terms is None:
        return None
    pct = terms.discount_pct
    return (*terms[:4], None if pct is None else str(pct), *terms[5:])


_TERMS: dict[tuple[Any, ...], Terms] = {}


def _terms(row: tuple[Any, ...] | None) -> Terms | None:
    if row is None:
        return None
    terms = _TERMS.get(row)
    if terms is None:
        pct = row[4]
        terms = _TERMS[row] = Terms(
            *row[:4], None if pct is None else Decimal(pct), *row[5:]
        )
    return terms


def _invoice(row: tuple[Any, ...]) -> Invoice:
    (account, id_, currency, date, seq, terms, due, meta, narration, payee, first,
     memos, open_, last_change, _keyed, _apps) = row  # fmt: skip
    return Invoice(
        account, id_, currency, _date(date), seq, _terms(terms), _date(due), meta,
        Entry(narration, payee), Decimal(first), memos, [], Decimal(open_),
        _date(last_change),
    )  # fmt: skip


def _credit(row: tuple[Any, ...]) -> Credit:
    (account, currency, date, seq, amount, kind, named, meta, narration, payee,
     remaining, _apps) = row  # fmt: skip
    return Credit(
        account, currency, _date(date), seq, Decimal(amount), kind, named, meta,
        Entry(narration, payee), [], Decimal(remaining),
    )  # fmt: skip
