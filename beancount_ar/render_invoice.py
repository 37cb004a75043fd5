"""Invoices for people: the template context, and HTML, text and PDF.

The data comes from `invoices.invoice_document`; the templates are
`invoice.html` (also printed to PDF) and `invoice.txt` in `reports/`. An
invoice with its own document in the ledger (a `document` entry on the
customer's account linked to the invoice) is that file when a PDF is asked
for: the ledger's PDF is the invoice the customer was sent.
"""

from __future__ import annotations

import datetime
import pathlib
import re
from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any, NamedTuple

import jinja2
from beancount.core.amount import Amount

from beancount_ar import documents, invoices
from beancount_ar.invoices import InvoiceDocument, Line
from beancount_ar.money import WIDE, Amounts
from beancount_ar.openitems import Index, Invoice

FORMATS = ("html", "txt", "pdf")


class Row(NamedTuple):
    """A line as the templates show it."""

    description: str
    detail: str | None  # the income account's last component, or None
    quantity: str  # "12", "2.5 h", or "" when not given
    unit_price: str  # "120.00", or ""
    amount: Decimal


class Section(NamedTuple):
    """The invoice's own lines, or a debit memo's."""

    title: str | None  # None for the invoice; "Debit memo" for a memo
    date: datetime.date
    due: datetime.date
    narration: str
    rows: list[Row]
    amount: Decimal  # the charge's total, its taxes included


class OwnDocument(NamedTuple):
    """The ledger's own document of an invoice."""

    path: str  # as the ledger's `document` entry resolves it (absolute)
    data: bytes | None  # its bytes; None when it cannot be used
    problem: str | None  # why not ("cannot be read: ...", "is not a PDF")


def _number(value: Decimal, locale: str | None) -> str:
    """A quantity as written ("12", "2.5"), in the customer's locale."""
    import babel.numbers

    with localcontext(WIDE):
        return babel.numbers.format_decimal(
            value, locale=locale or "en_US", decimal_quantization=False
        )


def _given(
    value: invoices.Given | None, currency: str, amounts: Amounts, locale: str | None
) -> str:
    """A `quantity:` or `unit-price:` for people: a number in the locale's
    way, an amount with its currency unless it is the invoice's, text as is."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _number(value, locale)
    if isinstance(value, Amount) and isinstance(value.number, Decimal):
        if value.currency == currency:
            return amounts.human(value.number, currency, locale)
        return f"{_number(value.number, locale)} {value.currency}"
    return str(value)


def _row(line: Line, currency: str, amounts: Amounts, locale: str | None) -> Row:
    return Row(
        line.description,
        line.detail,
        _given(line.quantity, currency, amounts, locale),
        _given(line.unit_price, currency, amounts, locale),
        line.amount,
    )


def context(
    index: Index, doc: InvoiceDocument, for_pdf: bool = False
) -> dict[str, Any]:
    """What the invoice templates see (documented in the README).

    Args:
        index: The open-item index (for the ledger's precision).
        doc: The invoice's data.
        for_pdf: Rendering to print: the payment link gets a QR code.

    Returns:
        `invoice` (the InvoiceDocument), `customer`, `company`, `locale`,
        `sections` (the invoice's lines, then each debit memo's), `taxes`,
        `quantities` (whether any line has a quantity or unit price) and
        `pdf`.
    """
    locale = doc.customer.locale
    sections = [
        Section(
            "Debit memo" if charge.memo else None,
            charge.date,
            charge.due,
            charge.narration,
            [_row(line, doc.currency, index.amounts, locale) for line in charge.lines],
            charge.amount,
        )
        for charge in doc.charges
    ]
    return {
        "invoice": doc,
        "customer": doc.customer,
        "company": doc.company,
        "locale": locale,
        "sections": sections,
        "taxes": doc.taxes,
        "quantities": any(
            row.quantity or row.unit_price for s in sections for row in s.rows
        ),
        "pdf": for_pdf,
    }


def html(
    env: jinja2.Environment,
    index: Index,
    invoice: Invoice,
    as_of: datetime.date,
    for_pdf: bool = False,
) -> str:
    """The invoice as an HTML page (autoescaped)."""
    doc = invoices.invoice_document(index, invoice, as_of)
    return documents.render(env, "invoice.html", context(index, doc, for_pdf))


def text(
    env: jinja2.Environment, index: Index, invoice: Invoice, as_of: datetime.date
) -> str:
    """The invoice as plain text, 80 columns."""
    doc = invoices.invoice_document(index, invoice, as_of)
    return documents.render(env, "invoice.txt", context(index, doc))


def rendered_pdf(
    env: jinja2.Environment, index: Index, invoice: Invoice, as_of: datetime.date
) -> bytes:
    """The invoice rendered from the templates to PDF (WeasyPrint)."""
    return documents.pdf(html(env, index, invoice, as_of, for_pdf=True), env)


def own_document(index: Index, invoice: Invoice) -> OwnDocument | None:
    """The ledger's own document of the invoice, if it links one."""
    path = index.documents.get((invoice.account, invoice.id))
    if path is None:
        return None
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as exc:
        return OwnDocument(path, None, f"cannot be read ({exc.strerror or exc})")
    if b"%PDF-" not in data[:1024]:
        return OwnDocument(path, None, "is not a PDF")
    return OwnDocument(path, data, None)


def pdf(
    env: jinja2.Environment,
    index: Index,
    invoice: Invoice,
    as_of: datetime.date,
    report: Callable[[OwnDocument], None] | None = None,
) -> bytes:
    """The invoice's PDF: the ledger's own document when it links a readable
    PDF, else rendered from the templates.

    Args:
        env: The template environment.
        index: The open-item index.
        invoice: The invoice.
        as_of: The date of a rendered invoice.
        report: Called with the ledger's document, if the invoice has one,
            whether it was used (`data` set) or not (`problem` says why).

    Returns:
        The PDF's bytes.
    """
    own = own_document(index, invoice)
    if own is not None and report is not None:
        report(own)
    if own is not None and own.data is not None:
        return own.data
    return rendered_pdf(env, index, invoice, as_of)


def render(
    env: jinja2.Environment,
    index: Index,
    invoice: Invoice,
    as_of: datetime.date,
    fmt: str,
    report: Callable[[OwnDocument], None] | None = None,
) -> bytes:
    """The invoice in a format of FORMATS, as bytes."""
    if fmt == "pdf":
        return pdf(env, index, invoice, as_of, report)
    if fmt == "txt":
        return text(env, index, invoice, as_of).encode()
    return html(env, index, invoice, as_of).encode()


_UNSAFE = re.compile(r"[^\w.()+-]+")


def filename(invoice: Invoice, fmt: str = "pdf") -> str:
    """A file name for the invoice: "INV-2026-107.pdf" (characters a file
    name cannot hold become "_")."""
    stem = _UNSAFE.sub("_", invoice.id).lstrip(".") or "invoice"
    return f"{stem}.{fmt}"
