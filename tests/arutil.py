"""Helpers shared by the tests: load an inline ledger into the engine."""

from __future__ import annotations

import datetime
import textwrap
from decimal import Decimal

from beancount import loader

from beancount_ar import aging, ledger

HEADER = """
plugin "beancount_ar" "{config}"
2020-01-01 open Assets:Bank:Checking
2020-01-01 open Assets:Bank:EUR
2020-01-01 open Income:Design
2020-01-01 open Expenses:BadDebt
2020-01-01 open Expenses:Discounts
2020-01-01 open Assets:Receivable:Acme
  customer: "Acme Corp"
  terms: "Net 30"
2020-01-01 open Assets:Receivable:Beta
  customer: "Beta LLC"
  terms: "Net 30"
"""


def load(*bodies: str, config: str = "{}", header: bool = True) -> ledger.Ledger:
    """Load a ledger written inline (with the standard header unless told not).

    Each body is dedented on its own, so indented blocks can follow constants.
    """
    text = (HEADER.format(config=config) if header else "") + "".join(
        textwrap.dedent(body) for body in bodies
    )
    entries, errors, options = loader.load_string(text)
    return ledger.from_entries(entries, errors, options)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def D(text: str) -> Decimal:
    return Decimal(text)


def open_amounts(led: ledger.Ledger, as_of: str) -> dict[str, Decimal]:
    """Invoice id -> open amount on a date (its debit memos included)."""
    result: dict[str, Decimal] = {}
    for item in aging.open_items(led.index, day(as_of)):
        result[item.invoice.id] = result.get(item.invoice.id, Decimal(0)) + item.open
    return result


def messages(led: ledger.Ledger) -> list[str]:
    return [e.message for e in led.errors]
