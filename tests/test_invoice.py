"""Invoices from the ledger: lines, taxes, totals, the ledger's own document,
payment links, locales, and `bean-ar invoice`."""

from __future__ import annotations

import datetime
import io
import itertools
import pathlib
import textwrap
from decimal import Decimal

from arutil import day, load
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from beancount_ar import documents, invoices, render_invoice
from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
LEDGER = str(EXAMPLE / "main.beancount")
TODAY = "2026-11-26"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def pdf_text(data: bytes) -> str:
    """The PDF's text, with the no-break spaces of some locales as spaces."""
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def write_ledger(folder: pathlib.Path, text: str) -> str:
    path = folder / "main.beancount"
    path.write_text(textwrap.dedent(text))
    return str(path)


# -- the example ledger -----------------------------------------------------


def test_example_invoice_pdf_shows_lines_total_terms_discount_and_slip(tmp_path):
    out = tmp_path / "i.pdf"
    result = run("invoice", LEDGER, "INV-2026-122", "--as-of", TODAY,
                 "--format", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "Fore Street Provisions" in text and "Northwind Design & Print" in text
    assert "Shelf talkers and price cards" in text
    assert "USD 880.50" in text  # the total
    assert "2/10 Net 30" in text and "2026-12-03" in text  # terms, due date
    assert "2 % if paid by 2026-11-13: 862.89" in text
    # Paid on day 9 less the 2 %: nothing is left to pay.
    assert "Early-payment discount earned" in text and "Paid in full" in text
    assert "REMITTANCE SLIP" in text and "Amount enclosed" in text
    assert "detach" in text
    assert "Pay by ACH" in text  # how to pay


def test_multi_line_invoice_shows_each_income_leg(tmp_path):
    out = tmp_path / "i.pdf"
    result = run("invoice", LEDGER, "INV-2026-130", "--as-of", TODAY,
                 "--format", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "640.00" in text and "1,500.00" in text and "USD 2,140.00" in text
    # The two lines share the narration: the account tells them apart.
    assert "Design" in text and "Print" in text
    assert "USD 2,090.00" in text  # less the 50.00 paid


def test_debit_memo_lines_come_under_its_date_and_count_in_the_total():
    result = run("invoice", LEDGER, "INV-2026-114", "--as-of", TODAY, "--format", "txt")
    assert result.exit_code == 0, result.output
    text = result.stdout
    memo = text.index("Debit memo of 2026-10-20, due 2026-11-19")
    assert text.index("Harvest Gala invitations and programmes") < memo
    assert text.index("Extra 400 programmes") > memo
    assert "USD 3,400.00" in text  # 2,860.00 + 540.00
    assert all(len(line) <= 80 or "https://" in line for line in text.splitlines())


def test_debit_memo_after_the_as_of_date_is_left_out():
    result = run("invoice", LEDGER, "INV-2026-114", "--as-of", "2026-10-15",
                 "--format", "txt")  # fmt: skip
    assert "Debit memo" not in result.stdout
    assert "USD 2,860.00" in result.stdout


def test_eur_invoice_is_in_euro():
    result = run("invoice", LEDGER, "INV-2026-131", "--as-of", TODAY, "--format", "txt")
    assert result.exit_code == 0, result.output
    assert "Cidrerie Kerlouan" in result.stdout
    assert "EUR 1,150.00" in result.stdout and "USD" not in result.stdout


def test_html_is_escaped_and_links_nothing_without_a_pay_url():
    result = run("invoice", LEDGER, "INV-2026-122", "--as-of", TODAY)
    assert result.exit_code == 0, result.output
    assert "Northwind Design &amp; Print" in result.stdout
    assert "<a href" not in result.stdout


# -- lines, taxes, quantities -----------------------------------------------

TAXED = """
2020-01-01 open Liabilities:Tax:VAT
2020-01-01 open Income:Print
2024-03-01 * "Acme Corp" "Brochures" ^INV-1
  Assets:Receivable:Acme    1250.00 USD
  Income:Design            -600.00 USD
    description: "Brochure design"
    quantity: 8
    unit-price: 75.00 USD
  Income:Print             -400.00 USD
    quantity: 2000
    unit-price: 0.25
  Liabilities:Tax:VAT      -250.00 USD
    description: "VAT 25 %"
"""


def test_tax_lines_come_from_the_tax_accounts_below_the_lines():
    led = load(TAXED, config="{'tax_accounts': ['Liabilities:Tax']}")
    doc = invoices.invoice_document(led.index, led.index.invoices[0], day("2024-03-01"))
    (charge,) = doc.charges
    assert [(line.description, line.amount) for line in charge.lines] == [
        ("Brochure design", Decimal("600.00")),
        ("Brochures", Decimal("400.00")),
    ]
    assert [(t.description, t.amount) for t in doc.taxes] == [
        ("VAT 25 %", Decimal("250.00"))
    ]
    assert (doc.subtotal, doc.tax, doc.total) == (
        Decimal("1000.00"), Decimal("250.00"), Decimal("1250.00")
    )  # fmt: skip


def test_without_tax_accounts_a_tax_posting_is_a_line():
    led = load(TAXED)
    doc = invoices.invoice_document(led.index, led.index.invoices[0], day("2024-03-01"))
    assert doc.taxes == () and len(doc.charges[0].lines) == 3


def test_quantity_and_unit_price_are_shown_as_written(tmp_path):
    path = write_ledger(
        tmp_path, arutil_header("{'tax_accounts': ['Liabilities:Tax']}") + TAXED
    )
    result = run("invoice", path, "INV-1", "--as-of", "2024-03-02", "--format", "txt")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    design = next(line for line in lines if line.startswith("Brochure design"))
    assert design.split()[-3:] == ["8", "75.00", "600.00"]
    printing = next(line for line in lines if line.startswith("Brochures"))
    assert printing.split()[-3:] == ["2,000", "0.25", "400.00"]
    assert "Subtotal" in result.stdout and "VAT 25 %" in result.stdout


def test_a_line_amount_is_the_posting_never_quantity_times_price():
    led = load("""
    2024-03-01 * "Acme Corp" "Consulting" ^INV-1
      Assets:Receivable:Acme    250.00 USD
      Income:Design
        quantity: 3
        unit-price: 100.00 USD
    """)
    doc = invoices.invoice_document(led.index, led.index.invoices[0], day("2024-03-01"))
    (line,) = doc.charges[0].lines
    assert line.amount == Decimal("250.00")
    assert line.quantity == Decimal(3) and str(line.unit_price) == "100.00 USD"


def test_two_customers_in_one_transaction_give_one_line_of_each_amount():
    led = load("""
    2024-03-01 * "Joint order" "Trade show booth" ^INV-1
      Assets:Receivable:Acme    600.00 USD
      Assets:Receivable:Beta    400.00 USD
        invoice: "INV-2"
      Income:Design           -1000.00 USD
    """)
    for invoice, amount in zip(led.index.invoices, ("600.00", "400.00"), strict=True):
        doc = invoices.invoice_document(led.index, invoice, day("2024-03-01"))
        (line,) = doc.charges[0].lines
        assert (line.description, line.amount, line.account) == (
            "Trade show booth", Decimal(amount), None
        )  # fmt: skip


def test_a_deposit_taken_on_the_spot_is_a_line_so_the_lines_add_up():
    led = load("""
    2024-03-01 * "Acme Corp" "Website, deposit paid" ^INV-1
      Assets:Receivable:Acme    800.00 USD
      Assets:Bank:Checking      200.00 USD
        description: "Deposit received"
      Income:Design           -1000.00 USD
    """)
    doc = invoices.invoice_document(led.index, led.index.invoices[0], day("2024-03-01"))
    assert [(line.description, line.amount) for line in doc.charges[0].lines] == [
        ("Deposit received", Decimal("-200.00")),
        ("Website, deposit paid", Decimal("1000.00")),
    ]


# A ledger of invoice transactions: income legs with or without descriptions
# and quantities, tax legs, an elided leg, a second customer in the same
# transaction, a deposit taken on the spot, a leg in another currency, and
# debit memos (one with two postings to the invoice).
_cents = st.integers(1, 500_000).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def _invoice_txn(draw, n: int) -> str:
    acme = draw(_cents)
    beta = draw(st.sampled_from([Decimal(0)] * 3 + [acme]))
    deposit = draw(st.sampled_from([Decimal(0)] * 3 + [acme / 2]))
    total = acme + beta + deposit
    parts = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, int(total * 100)), min_size=parts - 1,
                                max_size=parts - 1)))  # fmt: skip
    bounds = [0, *cuts, int(total * 100)]
    amounts = [Decimal(b - a).scaleb(-2) for a, b in itertools.pairwise(bounds)]
    memo = n > 1 and draw(st.integers(0, 2)) > 0
    kind = '  ar-kind: "debit-memo"\n' if memo else ""
    lines = [f'2024-03-{n % 28 + 1:02d} * "Acme Corp" "Job {n}" ^INV-{n % 2}\n', kind]
    lines.append(f"  Assets:Receivable:Acme  {acme} USD\n")
    if memo and draw(st.booleans()):  # a second posting of the same memo
        lines.append(f"  Assets:Receivable:Acme  {acme} USD\n")
        lines.append(f"  Income:Design  -{acme} USD\n")
    if beta:
        lines.append(f'  Assets:Receivable:Beta  {beta} USD\n    invoice: "B-{n}"\n')
    if deposit:
        lines.append(f"  Assets:Bank:Checking  {deposit} USD\n")
    if not draw(st.integers(0, 4)):
        lines.append("  Income:Design  -1.00 EUR\n  Assets:Bank:EUR  1.00 EUR\n")
    elide = draw(st.booleans())
    for k, amount in enumerate(amounts):
        account = draw(
            st.sampled_from(["Income:Design", "Income:Print", "Liabilities:Tax:VAT"])
        )
        number = "" if elide and k == len(amounts) - 1 else f"-{amount} USD"
        lines.append(f"  {account}  {number}\n")
        if draw(st.booleans()):
            lines.append(f'    description: "Line {k}"\n')
        if draw(st.booleans()):
            lines.append(f"    quantity: {draw(st.integers(1, 99))}\n")
    return "".join(lines)


_ledgers = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(_invoice_txn(k) for k in range(n)))
)

_HEADER_MORE = """
2020-01-01 open Income:Print
2020-01-01 open Liabilities:Tax:VAT
"""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ledgers, st.integers(0, 40))
def test_lines_always_add_up_to_the_invoice_amount(txns, offset):
    led = load(_HEADER_MORE, "\n".join(txns),
               config="{'tax_accounts': ['Liabilities:Tax']}")  # fmt: skip
    as_of = day("2024-03-01") + datetime.timedelta(days=offset)
    for invoice in led.index.invoices:
        if invoice.date > as_of:
            continue
        doc = invoices.invoice_document(led.index, invoice, as_of)
        shown = sum(
            (line.amount for c in doc.charges for line in (*c.lines, *c.taxes)),
            Decimal(0),
        )
        assert shown == invoice.amount_at(as_of) == doc.total
        assert doc.subtotal + doc.tax == doc.total
        # The invoice itself: its lines add up to its first charge.
        assert doc.charges[0].amount == invoice.first


# -- the ledger's own document ----------------------------------------------

OWN = """
plugin "beancount_ar" "{}"
2026-01-01 open Assets:Receivable:HarborHotel USD
  customer: "Harbor Hotel"
2026-01-01 open Income:Design
2026-09-25 * "Harbor Hotel" "Autumn brochure" ^INV-107
  Assets:Receivable:HarborHotel   1800.00 USD
  Income:Design
2026-09-25 document Assets:Receivable:HarborHotel "invoices/INV-107.pdf" ^INV-107
"""


def test_the_linked_document_is_the_invoice_pdf(tmp_path):
    (tmp_path / "invoices").mkdir()
    own = b"%PDF-1.4\n% the invoice as it was sent\n%%EOF\n"
    (tmp_path / "invoices" / "INV-107.pdf").write_bytes(own)
    path = write_ledger(tmp_path, OWN)
    out = tmp_path / "out.pdf"
    result = run("invoice", path, "INV-107", "--as-of", "2026-10-01",
                 "--format", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == own
    assert "INV-107: the ledger's own document invoices/INV-107.pdf" in result.stderr
    # HTML and text are still rendered.
    html = run("invoice", path, "INV-107", "--as-of", "2026-10-01")
    assert "Autumn brochure" in html.stdout and "1,800.00" in html.stdout


def test_a_missing_document_falls_back_to_the_rendered_pdf(tmp_path):
    path = write_ledger(tmp_path, OWN)
    out = tmp_path / "out.pdf"
    result = run("invoice", path, "INV-107", "--as-of", "2026-10-01",
                 "--format", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 1  # Beancount reports the missing file
    assert "invoices/INV-107.pdf cannot be read" in result.stderr
    assert "1,800.00" in pdf_text(out.read_bytes())


def test_pdf_function_reports_the_document_it_used(tmp_path):
    (tmp_path / "invoices").mkdir()
    (tmp_path / "invoices" / "INV-107.pdf").write_bytes(b"not a pdf at all")
    from beancount_ar import ledger

    led = ledger.load(write_ledger(tmp_path, OWN))
    env = documents.environment(None, led.index.amounts)
    seen = []
    data = render_invoice.pdf(env, led.index, led.index.invoices[0],
                              day("2026-10-01"), seen.append)  # fmt: skip
    assert data.startswith(b"%PDF")
    assert [(o.data, o.problem) for o in seen] == [(None, "is not a PDF")]
    assert render_invoice.filename(led.index.invoices[0]) == "INV-107.pdf"


# -- the command --------------------------------------------------------------


def test_all_writes_one_file_per_invoice_in_the_period(tmp_path):
    out = tmp_path / "out"
    result = run("invoice", LEDGER, "--all", "--from", "2026-11-01", "--as-of", TODAY,
                 "--format", "txt", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert "INV-2026-122.txt" in names and "INV-2026-131.txt" in names
    assert "INV-2026-114.txt" not in names  # dated in October
    assert all(name.startswith("INV-2026-1") for name in names)
    assert f"{len(names)} invoices in {out}" in result.stderr


def test_an_unknown_id_suggests_the_closest():
    result = run("invoice", LEDGER, "INV-2026-1222", "--as-of", TODAY)
    assert result.exit_code == 2
    assert "did you mean INV-2026-122" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_id_two_customers_use_needs_the_customer(tmp_path):
    path = write_ledger(
        tmp_path,
        arutil_header("{}")
        + """
2024-03-01 * "Acme Corp" "Logo" ^INV-9
  Assets:Receivable:Acme    100.00 USD
  Income:Design
2024-03-02 * "Beta LLC" "Card" ^INV-9
  Assets:Receivable:Beta    200.00 USD
  Income:Design
""",
    )
    result = run("invoice", path, "INV-9", "--as-of", "2024-03-05", "--format", "txt")
    assert result.exit_code == 2 and "--customer" in result.stderr
    result = run("invoice", path, "INV-9", "--customer", "Beta", "--as-of",
                 "2024-03-05", "--format", "txt")  # fmt: skip
    assert "Beta LLC" in result.stdout and "200.00" in result.stdout
    assert result.exit_code == 1  # the shared id is a ledger error


def test_bad_arguments_exit_2_naming_the_option(tmp_path):
    result = run("invoice", LEDGER, "INV-2026-122", "--format", "pdf")
    assert result.exit_code == 2 and "-o" in result.stderr
    result = run("invoice", LEDGER, "--all", "--from", "2026-12-01", "--as-of",
                 TODAY, "-o", str(tmp_path))  # fmt: skip
    assert result.exit_code == 2 and "--from" in result.stderr
    result = run("invoice", LEDGER, "INV-2026-122", "--as-of", "2026-11-01")
    assert result.exit_code == 2 and "--as-of" in result.stderr


# -- locales and payment links ----------------------------------------------

SWEDISH = """
plugin "beancount_ar" "{'pay_url': 'https://pay.example/{invoice}?amount={amount}'}"
2026-01-01 custom "ar-company" "Nordljus Tryck AB" "Storgatan 12, 111 22 Stockholm" "faktura@nordljus.example" "+46 8 555 010 00" ""
2026-01-01 custom "ar-payment" "SEK" "Bankgiro 5050-1055"
2026-01-01 open Assets:Receivable:Hotell SEK
  customer: "Hotell Skeppsholmen"
  locale: "sv_SE"
2026-01-01 open Income:Design
2026-09-25 * "Hotell Skeppsholmen" "Broschyr" ^INV-7
  Assets:Receivable:Hotell   1800.00 SEK
  Income:Design
"""


def test_the_customers_locale_formats_the_money(tmp_path):
    path = write_ledger(tmp_path, SWEDISH)
    result = run("invoice", path, "INV-7", "--as-of", "2026-09-25", "--format", "txt")
    assert result.exit_code == 0, result.output
    assert "1 800,00 kr" in result.stdout.replace("\xa0", " ")
    assert "Bankgiro 5050-1055" in result.stdout


def test_a_payment_link_is_a_link_with_a_qr_code_in_the_pdf(tmp_path):
    path = write_ledger(tmp_path, SWEDISH)
    html = run("invoice", path, "INV-7", "--as-of", "2026-09-25")
    assert '<a href="https://pay.example/INV-7?amount=1800.00">' in html.stdout
    assert "data:image/svg+xml" not in html.stdout  # the QR code is for print
    out = tmp_path / "i.pdf"
    result = run("invoice", path, "INV-7", "--as-of", "2026-09-25",
                 "--format", "pdf", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    uris = [
        annot.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object()
    ]
    assert "https://pay.example/INV-7?amount=1800.00" in uris
    assert "Scan to pay" in pdf_text(out.read_bytes())


def test_a_paid_invoice_offers_no_link(tmp_path):
    path = write_ledger(
        tmp_path,
        SWEDISH
        + """
2026-01-01 open Assets:Bank SEK
2026-10-01 * "Hotell Skeppsholmen" "Betalning" ^INV-7
  Assets:Bank   1800.00 SEK
  Assets:Receivable:Hotell
""",
    )
    result = run("invoice", path, "INV-7", "--as-of", "2026-10-02")
    assert "pay.example" not in result.stdout and "Paid in full" in result.stdout


def arutil_header(config: str) -> str:
    import arutil

    return arutil.HEADER.format(config=config)
