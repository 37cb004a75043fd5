"""Bringing a stored index up to date when text was only appended (`store`).

When every changed file of the ledger only grew, and what it held before is
byte for byte what the index was built from, the new text is parsed alone,
booked and checked as Beancount checks a whole ledger (open accounts,
currency constraints, balancing), and only the customers it touches are
matched again: from their transactions stored with the index and the new
ones, in ledger order. A back-dated entry is no different: its customer is
matched again from the start. Collections records and notes appended are
added where a whole load would put them.

Whatever this cannot prove gives what a whole load gives raises `NotSafe`,
and the caller loads the ledger in full: a ledger with errors; a plugin
other than beancount-ar; an option, plugin, include or push/pop directive,
an `open`, `close`, `balance`, `pad`, price or document in the new text;
a posting at cost; a touched account with a `pad`, or with a `balance`
dated after the new entry; a transaction touching two customers, or a
customer that shares one; an invoice id another customer uses; a new error
of any kind; more files than ledger order can tell apart.

This module imports Beancount: it runs only when the ledger changed.
"""

from __future__ import annotations

import bisect
import pickle
import re
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import account as account_lib
from beancount.core import data
from beancount.ops import validation
from beancount.parser import booking, parser

from beancount_ar import plugin, store
from beancount_ar import records as records_lib
from beancount_ar.matching import build_index
from beancount_ar.money import Amounts
from beancount_ar.openitems import is_ar_posting

#: Each grown file: its key in the index, its content now, its key now.
Grown = dict[str, tuple[store.FileKey, bytes, store.FileKey]]

#: Directives whose effect reaches past their own text.
_SPREADING = re.compile(
    rb"^(option|plugin|include|pushtag|poptag|pushmeta|popmeta)\b", re.MULTILINE
)
#: Ledger order tells files apart up to this many (`matching.ledger_order`).
MAX_FILES = 255
_STATE = ("options", "opens", "balances", "pads", "terms")


class NotSafe(Exception):
    """The update cannot be proven to give what a whole load gives."""


def write_state(db: sqlite3.Connection, loaded: Any) -> None:
    """What an update needs beside the index: each customer's transactions,
    the ledger's options, its opens and closes, its balance and pad
    accounts, its named terms."""
    config = loaded.index.config
    opens, terms = [], []
    balances: dict[str, Any] = {}
    pads: set[str] = set()
    for entry in loaded.entries:
        kind = type(entry)
        if kind is data.Open or kind is data.Close:
            opens.append(entry)
        elif kind is data.Balance:
            balances[entry.account] = max(
                balances.get(entry.account, entry.date), entry.date
            )
        elif kind is data.Pad:
            pads.update((entry.account, entry.source_account))
        elif kind is data.Custom and entry.type == "ar-terms":
            terms.append(entry)
    books: dict[str, list[data.Transaction]] = defaultdict(list)
    shared: set[str] = set()
    touched, written = loaded.index.touched, loaded.index.written
    if written is None:  # the plugin did not write: as found
        written = [()] * len(touched)
    for txn, wrote in zip(touched, written, strict=True):
        # As the plugin found it: what it wrote (an `invoice:` on a payment
        # it applied to one invoice) would pin the payment when matched again.
        txn = plugin.pristine(txn, wrote)
        accounts = _customers_of(txn, config)
        for account in accounts:
            books[account].append(txn)
        if len(accounts) > 1:
            shared.update(accounts)
    db.executemany(
        "INSERT INTO book VALUES (?, ?, ?)",
        [(a, a in shared, _dumps(txns)) for a, txns in books.items()],
    )
    db.executemany(
        "INSERT INTO ref VALUES (?, ?)",
        [(ref, a) for a, txns in books.items() for ref in _refs(txns)],
    )
    state = dict(
        zip(_STATE, (loaded.options, opens, balances, pads, terms), strict=True)
    )
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [(name, _dumps(value)) for name, value in state.items()],
    )


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _refs(txns: list[data.Transaction]) -> set[str]:
    """Every invoice id the transactions name: their links and `invoice:`."""
    found: set[str] = set()
    for txn in txns:
        found.update(txn.links or ())
        for meta in (txn.meta, *(p.meta for p in txn.postings)):
            value = (meta or {}).get("invoice")
            if isinstance(value, (str, Decimal)):
                found.add(str(value))
    return found


def _customers_of(txn: data.Transaction, config: Any) -> set[str]:
    return {p.account for p in txn.postings if is_ar_posting(p, config.is_receivable)}


def update(path: Path, grown: Grown, key: dict[str, Any]) -> int:
    """Apply the text appended to the `grown` files to the index at `path`,
    whose key is `key`, in one SQLite transaction. Returns the number of
    entries added; raises NotSafe when a whole load is needed."""
    db = sqlite3.connect(path, timeout=60)
    try:
        db.execute("BEGIN IMMEDIATE")
        (stored_key,) = store.meta(db, "key")
        if stored_key != key:
            raise NotSafe("the index changed meanwhile")
        added = _update(db, grown, key)
        db.commit()
        return added
    finally:
        db.close()


def _update(db: sqlite3.Connection, grown: Grown, key: dict) -> int:
    names = ("errors", "config", "customers", "records", "notes", *_STATE)
    try:
        errors, config, customers, records, notes, *state = store.meta(db, *names)
    except KeyError:
        raise NotSafe("the ledger has errors") from None
    options, opens, balances, pads, terms = state
    if errors:
        raise NotSafe("the ledger has errors")
    if any(name != "beancount_ar" for name, _ in options.get("plugin") or ()):
        raise NotSafe("another plugin may change any entry")
    files = list(options.get("include") or ())
    if len(files) > MAX_FILES:
        raise NotSafe(f"more than {MAX_FILES} files")
    rank = {name: k for k, name in enumerate(files)}

    new: list[data.Directive] = []
    for name, (old, content, _) in sorted(grown.items()):
        new += _parse_tail(name, old, content, options)
    new.sort(key=lambda entry: _order(entry, rank))
    txns = [e for e in new if type(e) is data.Transaction]
    if txns:
        txns, errors = booking.book(txns, options)
        if errors:
            raise NotSafe("the new text does not book")
    checked = [*opens, *txns, *(e for e in new if type(e) is not data.Transaction)]
    if validation.validate(sorted(checked, key=data.entry_sortkey), options):
        raise NotSafe("the new text has errors")

    touched: dict[str, list[data.Transaction]] = defaultdict(list)
    for txn in txns:
        for posting in txn.postings:
            # A balance or pad on an account counts its subaccounts too.
            for account in account_lib.parents(posting.account):
                if account in pads:
                    raise NotSafe(f"{account} has a pad")
                last = balances.get(account)
                if last is not None and last > txn.date:
                    raise NotSafe(f"{account} has a later balance assertion")
        accounts = _customers_of(txn, config)
        if len(accounts) > 1:
            raise NotSafe("a transaction touches two customers")
        for account in accounts:
            if account not in customers:
                raise NotSafe(f"{account} is not a customer")
            touched[account].append(txn)

    rematched = _rematch(db, touched, opens, terms, config, options, files, rank)
    by_key = rematched.invoices_by_key if rematched else {}
    for entry in new:
        if type(entry) is data.Note:
            if entry.account in customers:
                _insert(notes, records_lib.parse_note(entry), rank)
        elif type(entry) is data.Custom:
            record = _record(db, entry, customers, by_key)
            _insert(records.setdefault(entry.type, []), record, rank)

    if rematched is not None:
        _replace_rows(db, touched, rematched)
    places = Amounts(options["dcontext"])
    files_now = [
        grown[name][2] if name in grown else old
        for name, old in ((k.path, k) for k in key["files"])
    ]
    key = {**key, "files": files_now}
    updates = {
        "key": key,
        "records": records,
        "notes": notes,
        "options": options,
        "places": {c: places.places(c) for c in options["dcontext"].ccontexts},
    }
    db.executemany(
        "UPDATE meta SET value = ? WHERE name = ?",
        [
            (_dumps(v) if name in _STATE else store.dumps(v), name)
            for name, v in updates.items()
        ],
    )
    return len(new)


def _parse_tail(
    name: str, old: store.FileKey, content: bytes, options: dict[str, Any]
) -> list[data.Directive]:
    """The entries of what was appended to a file, as a whole load parses
    them; the numbers they write count in the ledger's display context."""
    prefix, tail = content[: old.size], content[old.size :]
    if old.push:
        raise NotSafe(f"{name} pushes tags or metadata")
    if prefix and not prefix.endswith(b"\n"):
        raise NotSafe(f"{name} did not end with a new line")
    if _SPREADING.search(tail):
        raise NotSafe("the new text has an option, plugin, include or push")
    entries, errors, tail_options = parser.parse_string(
        tail, report_filename=name, report_firstline=prefix.count(b"\n") + 1
    )
    if errors:
        raise NotSafe("the new text does not parse")
    for entry in entries:
        kind = type(entry)
        if kind is data.Custom:
            if entry.type not in records_lib.AR_TYPES or entry.type == "ar-terms":
                raise NotSafe(f'a custom "{entry.type}" directive')
        elif kind is data.Transaction:
            if any(p.cost is not None or p.price is not None for p in entry.postings):
                raise NotSafe("a posting at cost or price")
        elif kind is not data.Note:
            raise NotSafe(f"a {kind.__name__.lower()} directive")
    dcontext = options["dcontext"]
    for currency, context in tail_options["dcontext"].ccontexts.items():
        known = dcontext.ccontexts.get(currency)
        if known is None or set(context.fractional_dist.hist) - set(
            known.fractional_dist.hist
        ):
            raise NotSafe(f"a new precision of {currency}")
    dcontext.update_from(tail_options["dcontext"])
    return entries


def _order(entry: Any, rank: dict[str, int]) -> tuple[Any, ...]:
    """Where a whole load puts an entry: by date, kind, line, then file."""
    meta = entry.meta or {}
    return (*data.entry_sortkey(entry), rank.get(meta.get("filename"), 0))


def _rematch(
    db: sqlite3.Connection,
    touched: dict[str, list[data.Transaction]],
    opens: list[data.Directive],
    terms: list[data.Directive],
    config: Any,
    options: dict[str, Any],
    files: list[str],
    rank: dict[str, int],
) -> Any:
    """The touched customers matched again from all their transactions."""
    if not touched:
        return None
    entries: list[Any] = [
        e for e in opens if type(e) is data.Open and e.account in touched
    ]
    entries += terms
    for account, new in touched.items():
        # Its transactions: as built, then a part for each update.
        query = "SELECT shared, txns FROM book WHERE account = ?"
        for shared, part in db.execute(query, (account,)):
            if shared:
                raise NotSafe(f"{account} shares a transaction with another customer")
            entries += pickle.loads(part)
        entries += new
    entries.sort(key=lambda entry: _order(entry, rank))
    _no_ties(entries)
    index = build_index(entries, config, options.get("dcontext"), files)
    if index.errors:
        raise NotSafe("matching the touched customers again finds an error")
    # Ids are one customer's: none of theirs may be another's invoice, or
    # named by another's transaction (a whole load would say so).
    # What was there before was checked by the whole load that built the
    # index: only new ids and new names can meet another customer's.
    accounts = sorted(touched)
    marks = ",".join("?" * len(accounts))
    query = f"SELECT id FROM invoice WHERE account IN ({marks})"
    owned = {inv.id for inv in index.invoices}
    owned.difference_update(found for (found,) in db.execute(query, accounts))
    named = owned | _refs([txn for txns in touched.values() for txn in txns])
    if _elsewhere(db, "invoice", named, set(accounts)) or _elsewhere(
        db, "ref", owned, set(accounts)
    ):
        raise NotSafe("an invoice id another customer uses")
    return index


def _elsewhere(
    db: sqlite3.Connection, table: str, ids: set[str], accounts: set[str]
) -> bool:
    """Whether a row of `table` with one of `ids` is another account's."""
    found = sorted(ids)
    for start in range(0, len(found), 400):
        chunk = found[start : start + 400]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT account FROM {table} WHERE id IN ({marks})"
        if any(account not in accounts for (account,) in db.execute(query, chunk)):
            return True
    return False


def _record(
    db: sqlite3.Connection,
    entry: data.Custom,
    customers: dict[str, Any],
    by_key: dict[tuple[str, str], Any],
) -> Any:
    """The record of a new `custom "ar-..."` directive, checked as the
    matcher checks it (`matching._Builder.collect_records`)."""
    record, error = records_lib.parse_custom(entry)
    if error:
        raise NotSafe("a record with an error")
    account = getattr(record, "account", None)
    if account is not None and account not in customers:
        raise NotSafe(f"{entry.type} names {account}, not a customer")
    invoice_id = getattr(record, "invoice", None)
    if invoice_id is not None and (account, invoice_id) not in by_key:
        row = db.execute(
            "SELECT 1 FROM invoice WHERE account = ? AND id = ? AND keyed",
            (account, invoice_id),
        ).fetchone()
        if row is None:
            raise NotSafe(f"{entry.type} names no invoice of {account}")
    return record


def _no_ties(entries: list[Any]) -> None:
    """A whole load puts entries of two files with the same date, kind and
    line in the order it read the files, which the index does not know
    (Beancount lists the files sorted by name): such a tie is not safe."""
    seen: dict[tuple[Any, ...], Any] = {}
    for entry in entries:
        if type(entry) is not data.Transaction:
            continue  # customers' opens and named terms: their order is moot
        meta = entry.meta or {}
        key = data.entry_sortkey(entry)
        name = seen.setdefault(key, meta.get("filename"))
        if name != meta.get("filename"):
            raise NotSafe("two files have entries of the same day and line")


def _insert(items: list[Any], item: Any, rank: dict[str, int]) -> None:
    """Put a record or note where a whole load lists it (ledger order)."""
    keys = [_record_order(x, rank) for x in items]
    key = _record_order(item, rank)
    for other in keys:
        if other[:3] == key[:3] and other[4] != key[4]:
            raise NotSafe("two files have entries of the same day and line")
    items.insert(bisect.bisect_right(keys, key), item)


def _record_order(item: Any, rank: dict[str, int]) -> tuple[Any, ...]:
    meta = item.meta or {}
    name = meta.get("filename") or ""
    return (item.date, 0, meta.get("lineno", 0), rank.get(name, 0), name)


def _replace_rows(
    db: sqlite3.Connection, touched: dict[str, list[data.Transaction]], index: Any
) -> None:
    accounts = sorted(touched)
    marks = ",".join("?" * len(accounts))
    db.execute(f"DELETE FROM invoice WHERE account IN ({marks})", accounts)
    db.execute(f"DELETE FROM credit WHERE account IN ({marks})", accounts)
    (top,) = db.execute(
        "SELECT max(coalesce((SELECT max(k) FROM invoice), -1),"
        " coalesce((SELECT max(k) FROM credit), -1))"
    ).fetchone()
    store.write_items(
        db, index.invoices, index.credits, index.invoices_by_key, first=top + 1
    )
    db.executemany(
        "INSERT INTO book VALUES (?, 0, ?)",
        [(account, _dumps(txns)) for account, txns in touched.items()],
    )
    db.executemany(
        "INSERT INTO ref VALUES (?, ?)",
        [(ref, a) for a, txns in touched.items() for ref in _refs(txns)],
    )
