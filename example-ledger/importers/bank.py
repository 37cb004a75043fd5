"""A beangulp importer for Casco Federal Credit Union's checking CSV export.

    Date,Type,Description,Memo,Amount
    11/24/2026,ACH Credit,BCD PRACTICE MGMT,Invoice INV-2026-119,640.00

Each row becomes a transaction on the checking account: the description is
the payee, the type the narration and the memo a `memo:` metadata. Rows the
rules below know get their other leg (bank fees); every other row gets a
placeholder leg, `Income:Unknown` for money in and `Expenses:Unknown` for
money out, for `beancount_ar.importer.match_payments` (or the bookkeeper) to
place.
"""

from __future__ import annotations

import re

from beancount.core import data
from beangulp.importers import csvbase

#: Description or type words -> the account the other leg goes to.
RULES = (
    (re.compile(r"\bSERVICE FEE\b|\bWIRE FEE\b", re.IGNORECASE), "Expenses:Bank-Fees"),
)
UNKNOWN_IN = "Income:Unknown"
UNKNOWN_OUT = "Expenses:Unknown"


class Importer(csvbase.Importer):
    """Checking account statements, `bank-YYYY-MM.csv`."""

    date = csvbase.Date("Date", "%m/%d/%Y")
    narration = csvbase.Column("Type")
    payee = csvbase.Column("Description")
    memo = csvbase.Column("Memo", default="")
    amount = csvbase.Amount("Amount")

    def identify(self, filepath: str) -> bool:
        if not re.search(r"bank-\d{4}-\d{2}\.csv$", filepath):
            return False
        with open(filepath, encoding=self.encoding) as file:
            return file.readline().strip() == "Date,Type,Description,Memo,Amount"

    def metadata(self, filepath: str, lineno: int, row) -> data.Meta:
        meta = super().metadata(filepath, lineno, row)
        if row.memo:
            meta["memo"] = row.memo
        return meta

    def finalize(self, txn: data.Transaction, row) -> data.Transaction:
        text = f"{row.payee} {row.narration}"
        account = next(
            (acct for pattern, acct in RULES if pattern.search(text)),
            UNKNOWN_IN if row.amount > 0 else UNKNOWN_OUT,
        )
        leg = data.Posting(account, None, None, None, None, None)
        return txn._replace(postings=[*txn.postings, leg])
