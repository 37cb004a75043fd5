"""The CLI reuses the index the plugin built during the same load."""

from __future__ import annotations

import textwrap

from beancount import loader
from beancount.core import data

from beancount_ar import ledger, plugin

LEDGER = textwrap.dedent(
    """
    plugin "beancount_ar" "{'grace_days': 5}"
    2024-01-01 open Assets:Bank
    2024-01-01 open Income:Sales
    2024-01-01 open Assets:Receivable:Acme

    2024-03-01 * "Acme" "Logo" ^INV-1
      Assets:Receivable:Acme   100.00 USD
      Income:Sales
    """
)
CONFIG = "{'grace_days': 5}"


def load_keeping(text: str = LEDGER):
    with plugin.keeping_index():
        return loader.load_string(text)


def test_the_index_is_kept_only_when_asked():
    entries, _, options = loader.load_string(LEDGER)
    assert plugin.take_index(entries, options, CONFIG) is None


def test_the_plugins_index_is_reused_for_the_same_load():
    entries, _, options = load_keeping()
    index = plugin.take_index(entries, options, CONFIG)
    assert index is not None
    (invoice,) = index.invoices
    # It points at the annotated transaction the loader returned.
    assert invoice.entry in entries
    assert invoice.entry.postings[0].meta["due"].isoformat() == "2024-03-31"


def test_the_index_is_not_reused_for_another_load_or_config():
    entries, _, options = load_keeping()
    assert plugin.take_index(entries, options, "{'grace_days': 7}") is None
    entries, _, options = load_keeping()
    other = dict(options)
    assert plugin.take_index(entries, other, CONFIG) is None


def test_the_index_is_not_reused_when_a_receivable_transaction_was_added_later():
    entries, _, options = load_keeping()
    extra = data.Transaction(
        data.new_metadata("<later-plugin>", 1), entries[-1].date, "*", None, "Extra",
        frozenset(), frozenset(),
        [data.Posting("Assets:Receivable:Acme", entries[-1].postings[0].units,
                      None, None, None, None)],
    )  # fmt: skip
    assert plugin.take_index([*entries, extra], options, CONFIG) is None


def test_the_ledger_loader_gives_the_same_numbers_either_way():
    entries, errors, options = load_keeping()
    reused = ledger.from_entries(entries, errors, options).index
    rebuilt = ledger.from_entries(entries, errors, options).index  # slot now empty
    assert reused is not rebuilt
    assert [(i.id, i.due, i.open) for i in reused.invoices] == [
        (i.id, i.due, i.open) for i in rebuilt.invoices
    ]
