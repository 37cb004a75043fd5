"""Give every receivable posting its invoice id, terms and due date.

    plugin "beancount_ar" "{'accounts': ['Assets:Receivable'], 'grace_days': 5}"

Before:

    2024-01-01 open Assets:Receivable:Acme  USD
      terms: "2/10 Net 30"

    2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
      Assets:Receivable:Acme   1200.00 USD
      Income:Design

    2024-03-20 * "Acme Corp" "Payment"
      Assets:Bank:Checking     1200.00 USD
      Assets:Receivable:Acme

After (metadata only; no entry is added, dropped or reordered):

    2024-03-01 * "Acme Corp" "Website redesign" ^INV-1001
      Assets:Receivable:Acme   1200.00 USD
        invoice: "INV-1001"
        terms: "2/10 Net 30"
        due: 2024-03-31
        discount-date: 2024-03-11
        discount-pct: 2
      Income:Design

    2024-03-20 * "Acme Corp" "Payment"
      Assets:Bank:Checking     1200.00 USD
      Assets:Receivable:Acme  -1200.00 USD
        invoice: "INV-1001"

Every problem (unknown terms, a bad `due:`, a credit naming an unknown
invoice, a currency mismatch, a malformed `ar-*` directive, a bad
configuration, a posting to a receivable root) is a Beancount error with the
file and line of the offending entry. The plugin never raises.
"""

from __future__ import annotations

import contextlib
import functools
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from beancount.core import data

from beancount_ar.config import CONFIG_SOURCE, ConfigError, parse_config
from beancount_ar.matching import build_index
from beancount_ar.openitems import (
    META_DISCOUNT_DATE,
    META_DISCOUNT_PCT,
    META_DUE,
    META_INVOICE,
    META_TERMS,
    Credit,
    Index,
    Invoice,
    MemoMark,
    gc_paused,
    is_ar_posting,
)

__plugins__ = ("receivables",)

# The index the plugin built in this process, for the CLI to reuse instead of
# building it again: (options map of that load, config string, index). Kept
# only when asked, so that bean-check and others don't hold on to it.
_last: tuple[dict[str, Any], str | None, Index] | None = None
_keeping = False
_recording = False


@contextlib.contextmanager
def keeping_index(recording: bool = False) -> Iterator[None]:
    """Within this block, the plugin keeps its index for `take_index`; when
    `recording`, the index also records what the plugin wrote on each
    transaction (`Index.written`, for `pristine`)."""
    global _keeping, _recording
    before = _keeping, _recording
    _keeping, _recording = True, recording
    try:
        yield
    finally:
        _keeping, _recording = before


def pristine(txn: data.Transaction, written: Any) -> data.Transaction:
    """A transaction as it was before the plugin wrote on it, from what
    `Index.written` recorded for it: the keys it added to a posting's
    metadata, or the posting it replaced."""
    if not written:
        return txn
    postings = list(txn.postings)
    for i, what in written:
        if type(what) is tuple:
            meta = postings[i].meta
            kept = {k: v for k, v in meta.items() if k not in what}
            postings[i] = postings[i]._replace(meta=kept)
        else:
            postings[i] = what
    return txn._replace(postings=postings)


def keep_indexes() -> None:
    """From now on the plugin keeps each index it builds for `take_index`.

    For a long-running server (Fava), whose reloads call Beancount's loader
    where `keeping_index` cannot wrap them. Only the latest index is kept,
    until taken.
    """
    global _keeping
    _keeping = True


def _remember(
    options_map: dict[str, Any], config_str: str | None, index: Index
) -> None:
    global _last
    _last = (options_map, config_str or None, index)


def take_index(
    entries: Sequence[data.Directive],
    options_map: dict[str, Any],
    config_str: str | None,
) -> Index | None:
    """The index the plugin built during this very load, if it still holds.

    It holds when it came from the same load (the same options map) and
    configuration, and the loaded entries hold exactly the transactions it
    annotated: no later plugin replaced, dropped or added a receivable
    transaction. On a pickle-cache hit the plugin did not run, so there is
    none and the caller builds the index itself.

    Args:
        entries: The entries the loader returned.
        options_map: The options the loader returned.
        config_str: The plugin's configuration string.

    Returns:
        The index, or None; either way the slot is emptied.
    """
    global _last
    last, _last = _last, None
    if last is None or last[0] is not options_map or last[1] != (config_str or None):
        return None
    index = last[2]
    annotated = {id(txn) for txn in index.touched}
    is_receivable = functools.lru_cache(maxsize=None)(index.config.is_receivable)
    seen = 0
    for entry in entries:
        if type(entry) is not data.Transaction:
            continue
        if id(entry) in annotated:
            seen += 1
        elif any(is_receivable(p.account) and p.units for p in entry.postings):
            return None
    return index if seen == len(annotated) else None


def receivables(
    entries: list[data.Directive],
    options_map: dict[str, Any],
    config_str: str | None = None,
) -> tuple[list[data.Directive], list[Any]]:
    """The Beancount plugin entry point.

    Args:
        entries: The ledger's entries.
        options_map: The ledger's options (unused).
        config_str: The plugin's configuration, a Python dict literal.

    Returns:
        The entries with receivable postings annotated, and the errors.
    """
    try:
        config, errors = parse_config(config_str)
        index = build_index(
            entries, config, options_map.get("dcontext"), options_map.get("include")
        )
        annotated = annotate(entries, index, _keeping and _recording)
        if _keeping:
            _remember(options_map, config_str, index)
        else:
            index.release()
        return annotated, [*errors, *index.errors]
    except Exception:
        return entries, [
            ConfigError(
                CONFIG_SOURCE,
                "beancount_ar: internal error, entries left unchanged; please report:\n"
                + traceback.format_exc(limit=-3),
                None,
            )
        ]


def _invoice_meta(meta: dict[str, Any], invoice: Invoice) -> None:
    meta[META_INVOICE] = invoice.id
    if invoice.terms is not None:
        meta[META_TERMS] = invoice.terms.text
    meta[META_DUE] = invoice.due
    if invoice.terms is not None and invoice.terms.discount_pct is not None:
        meta[META_DISCOUNT_DATE] = invoice.discount_date
        meta[META_DISCOUNT_PCT] = invoice.terms.discount_pct


def _memo_meta(meta: dict[str, Any], mark: MemoMark) -> None:
    """A debit memo: its invoice's id and terms, and its own due date."""
    invoice = mark.invoice
    meta[META_INVOICE] = invoice.id
    if invoice.terms is not None:
        meta[META_TERMS] = invoice.terms.text
    meta[META_DUE] = invoice.memos[mark.memo - 1].due


def _credit_meta(meta: dict[str, Any], credit: Credit) -> None:
    invoices = {id(app.invoice): app.invoice for app in credit.applications}
    if len(invoices) == 1:
        (invoice,) = invoices.values()
        meta[META_INVOICE] = invoice.id


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type (an Amount compared with a str raises)."""
    return a is b or (type(a) is type(b) and a == b)


def annotate(
    entries: Sequence[data.Directive], index: Index, record: bool = False
) -> list[data.Directive]:
    """Write the index's metadata onto the receivable postings.

    New keys are added to each posting's own metadata: copying every
    receivable posting cost time and kept the old and the new copies alive
    together. A key already there is never changed: a posting whose written
    value the plugin reads otherwise (terms it normalises, an id it
    corrects, a `due:` it refuses) is copied with its transaction, as is
    one without metadata.
    """
    touched = index.touched
    made = iter(index.made)
    is_receivable = functools.lru_cache(maxsize=None)(index.config.is_receivable)
    written: list[Any] | None = [] if record else None
    index.written = written
    k = 0
    following = touched[0] if touched else None
    out = []
    with gc_paused():
        for entry in entries:
            # The index lists the transactions in ledger order, so one walk
            # of both finds each without a lookup.
            if entry is following:
                entry = _annotated(entry, made, is_receivable, written)
                touched[k] = entry  # the index follows a copied entry
                k += 1
                following = touched[k] if k < len(touched) else None
            elif (
                type(entry) is data.Custom
                and entry.values is None
                and entry.type.startswith("ar-")
            ):
                # `custom "ar-hold"` with no values at all: reported as an
                # error; given an empty list of values, so that the programs
                # reading entries after this plugin (Beancount's, Fava) see
                # that error rather than fail on the entry.
                entry = entry._replace(values=[])
            out.append(entry)
    return out


def _annotated(
    txn: data.Transaction,
    made: Iterator[Invoice | MemoMark | Credit],
    is_receivable: Callable[[str], bool],
    written: list[Any] | None = None,
) -> data.Transaction:
    """The transaction with the metadata written on its receivable postings,
    taking their invoices and credits from `made` in turn: the same
    transaction, unless a posting had no metadata to write into. What it
    wrote goes to `written`, when given (`pristine`)."""
    copied: list[data.Posting] | None = None
    items = []
    changes: list[tuple[int, Any]] = []
    for i, posting in enumerate(txn.postings):
        if not is_ar_posting(posting, is_receivable):
            continue
        item = next(made)
        items.append(item)
        want: dict[str, Any] = {}
        if type(item) is Invoice:
            _invoice_meta(want, item)
        elif type(item) is MemoMark:
            _memo_meta(want, item)
        else:
            _credit_meta(want, item)
        meta = posting.meta
        if meta is not None and all(_same(meta.get(k, v), v) for k, v in want.items()):
            if written is not None:
                added = tuple(k for k in want if k not in meta)
                if added:
                    changes.append((i, added))
            meta.update(want)  # only adds: what is there already is equal
            continue
        if written is not None:
            changes.append((i, posting))
        if copied is None:
            copied = list(txn.postings)
        copied[i] = posting._replace(meta={**(meta or {}), **want})
    if written is not None:
        written.append(tuple(changes))
    if copied is None:
        return txn
    new = txn._replace(postings=copied)
    # The index now points at the annotated transaction, not the original.
    for item in items:
        if type(item) is not MemoMark:
            item.entry = new
    return new
