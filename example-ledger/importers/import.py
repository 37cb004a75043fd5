#!/usr/bin/env python3
"""Import bank statements into the Northwind ledger, deposits matched to invoices.

    python import.py extract bank-2026-11.csv -e ../main.beancount -o new.beancount

`-e` gives the ledger: the open invoices come from it, and what is already
in it is not imported (or matched) again.
"""

import bank
from beangulp import Ingest

from beancount_ar.importer import match_payments

importers = [bank.Importer("Assets:Bank:Checking", "USD")]

if __name__ == "__main__":
    Ingest(importers, hooks=[match_payments])()
