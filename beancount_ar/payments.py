"""How a customer pays: instructions per currency and payment links.

- Instructions: the latest `custom "ar-payment" "EUR" "SEPA transfer to …"`
  for the currency, else the `ar-company` directive's payment instructions.
- A payment link: the invoice's own `pay-url:` metadata, else the `pay_url`
  of the configuration, a template filled with `{invoice}`, `{customer}`,
  `{amount}` and `{currency}` (each URL-quoted); none without either.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import quote

from beancount_ar import records
from beancount_ar.openitems import META_PAY_URL, Index, Invoice


def company(index: Index, as_of: datetime.date) -> records.Company | None:
    """The seller as of the date: the latest `ar-company` directive."""
    latest = None
    for record in index.records.get("ar-company", ()):
        if record.date <= as_of:
            latest = record
    return latest


def instructions(index: Index, currency: str, as_of: datetime.date) -> str | None:
    """How to pay in `currency` on `as_of`, if the ledger says."""
    latest = None
    for record in index.records.get("ar-payment", ()):
        if record.date <= as_of and record.currency == currency:
            latest = record
    if latest is not None:
        return latest.instructions
    seller = company(index, as_of)
    return (seller.payment_instructions or None) if seller else None


def pay_url(
    index: Index,
    account: str,
    amount: Decimal,
    currency: str,
    invoice: Invoice | None = None,
) -> str | None:
    """The link that pays `amount`: of one invoice, or (without one) of the
    customer's balance, whose `{invoice}` is empty."""
    if invoice is not None:
        for meta in (invoice.meta, invoice.entry.meta):
            own = (meta or {}).get(META_PAY_URL)
            if isinstance(own, str) and own.startswith(("https://", "http://")):
                return own
    template = index.config.pay_url
    if template is None or amount <= 0:
        return None
    customer = index.customers[account]
    return template.format(
        invoice=quote(invoice.id if invoice else "", safe=""),
        customer=quote(customer.name, safe=""),
        amount=quote(index.amounts.plain(amount, currency), safe=""),
        currency=quote(currency, safe=""),
    )
