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
