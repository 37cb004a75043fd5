"""What the customer receives: statements (HTML, PDF, text) and reminder
emails, looked at as the customer would.

The example ledger is copied and given what the documents can show: a payment
link (`pay_url`), SEPA instructions for EUR (`ar-payment`), a Swedish customer
(`locale: "sv_SE"`, in SEK) and a customer owing in two currencies. Generated
ledgers give a long-named customer and one with 80 open invoices. PDFs are
read with pypdf (text with its position, links); the QR code is checked in
WeasyPrint's layout of the printed page; emails are rendered in Debian's
Chromium (Playwright).
"""

from __future__ import annotations

import datetime
import io
import pathlib
import re
import shutil

import pytest
from beancount import loader
from click.testing import CliRunner
from pypdf import PdfReader

from beancount_ar import documents, ledger, remind, statements
from beancount_ar.cli import cli
from beancount_ar.money import Amounts

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
TODAY = "2026-11-26"
AS_OF = datetime.date(2026, 11, 26)
PAY_URL = "https://pay.example/{invoice}?amount={amount}&cur={currency}"
SEPA = "SEPA transfer to Northwind Design & Print LLC, IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP."
ACH = "Pay by ACH to Casco Federal Credit Union"
EXTRA = f"""
2025-01-01 custom "ar-payment" "EUR" "{SEPA}"
2025-01-01 custom "ar-payment" "SEK" "Bankgiro 5050-1055 till Northwind Design & Print."

2025-01-01 open Assets:Receivable:Skargard  SEK
  customer: "Skärgårdens Bryggeri AB"
  terms: "Net 30"
  email: "ekonomi@skargard.example"
  address: "Hamngatan 4, 111 47 Stockholm"
  locale: "sv_SE"
2025-01-01 custom "ar-contact" Assets:Receivable:Skargard "Karin Lind" "A/P Clerk" "karin@skargard.example" "+46 8 555 0100"

2025-01-01 open Assets:Receivable:Twin
  customer: "Twin Harbors Trading"
  email: "ap@twinharbors.example"

2026-10-01 * "Skärgårdens Bryggeri AB" "Etiketter" ^INV-2026-S01
  Assets:Receivable:Skargard  1800.00 SEK
  Income:Print

2026-11-10 * "Skärgårdens Bryggeri AB" "Affischer" ^INV-2026-S02
  Assets:Receivable:Skargard  12500.00 SEK
  Income:Print

2026-10-05 * "Twin Harbors Trading" "Shelf labels" ^INV-2026-T01
  Assets:Receivable:Twin  500.00 USD
  Income:Print

2026-10-06 * "Twin Harbors Trading" "Export posters" ^INV-2026-T02
  Assets:Receivable:Twin  700.00 EUR
  Income:Print
"""
LEVELS = ("reminder", "second-notice", "manager", "owner", "final-demand", "agency")
LONG_SELLER = (
    "Northwind Design, Print, Signage & Large-Format Reprographics "
    "Cooperative of Southern Maine"
)
LONG_NAME = (
    "The Extraordinarily Long-Named Consolidated Harbourside Brewing, Distilling "
    "and Cider Pressing Company of Greater Portland, Maine, Limited"
)


def flat(text: str) -> str:
    """Text with every run of whitespace (no-break spaces too) as one space."""
    return " ".join(text.split())


def shown(html: str) -> str:
    """The words of an HTML document: no style, no tags, flat."""
    html = re.sub(r"<(style|title)>.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"</?(span|strong|a)\b[^>]*>", "", html)  # inline: no space
    return flat(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&"))


def make_books(folder: pathlib.Path, config: str = "") -> pathlib.Path:
    shutil.copytree(EXAMPLE, folder)
    main = folder / "main.beancount"
    text = re.sub(r"'pay_url': '[^']*'", f"'pay_url': '{PAY_URL}'", main.read_text())
    main.write_text(
        text.replace("'sender_role': 'Owner'}", f"'sender_role': 'Owner'{config}}}")
    )
    with (folder / "accounts.beancount").open("a") as accounts:
        accounts.write(EXTRA)
    return main


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> pathlib.Path:
    return make_books(tmp_path_factory.mktemp("documents") / "books")


def statement(main: pathlib.Path, customer: str, fmt: str, *args: str, out=None):
    """A statement as text (html, txt) or the PDF's bytes."""
    command = ["statement", str(main), customer, "--as-of", TODAY, "--format", fmt]
    if fmt == "pdf":
        command += ["-o", str(out)]
    result = CliRunner().invoke(cli, [*command, *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes() if fmt == "pdf" else result.stdout


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def links(data: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for annot in page.get("/Annots", []):
            action = annot.get_object().get("/A", {})
            if "/URI" in action:
                found.append(str(action["/URI"]))
    return found


def load(main: pathlib.Path) -> ledger.Ledger:
    entries, errors, options = loader.load_file(str(main))
    return ledger.from_entries(entries, errors, options)


def environment(led: ledger.Ledger):
    return documents.environment(None, Amounts(led.options.get("dcontext")))


def due(led: ledger.Ledger, account: str):
    """The worklist item of the customer's reminder due on the demo date."""
    (item,) = [i for i in remind.due(led.index, AS_OF) if i.account.endswith(account)]
    return item


# -- statements ------------------------------------------------------------


def test_a_customer_in_credit_has_nothing_to_pay_and_no_payment_box(books, tmp_path):
    html = statement(books, "Munjoy Hill", "html")
    text = statement(books, "Munjoy Hill", "txt")
    (pdf,) = pdf_text(statement(books, "Munjoy Hill", "pdf", out=tmp_path / "m.pdf"))
    for document in (shown(html), flat(text), flat(pdf)):
        assert "Credit balance USD 1,000.00 — nothing to pay" in document
        assert "how to pay" not in document.lower()
        assert "remittance" not in document.lower()
        assert "amount enclosed" not in document.lower()
        assert "Total due" not in document
    assert "pay.example" not in html + text


def test_a_zero_balance_says_nothing_to_pay_with_a_zero_balance_line(books):
    text = statement(books, "Casco Bay", "txt")
    assert re.search(r"^Balance on 2026-11-26: +0\.00 — Nothing to pay$", text, re.M)
    activity = statement(books, "Casco Bay", "txt", "--kind", "activity",
                         "--from", "2026-10-01")  # fmt: skip
    assert re.search(r"^Balance on 2026-11-26: +USD 0\.00 — Nothing to pay$",
                     activity, re.M)  # fmt: skip
    html = shown(statement(books, "Casco Bay", "html"))
    assert "Nothing to pay" in html and "How to pay" not in html


def test_each_currency_shows_its_own_instructions(books, tmp_path):
    # A EUR customer gets the SEPA instructions, never the USD ones.
    for document in (
        statement(books, "Kerlouan", "html"),
        statement(books, "Kerlouan", "txt"),
        "".join(pdf_text(statement(books, "Kerlouan", "pdf", out=tmp_path / "k.pdf"))),
    ):
        assert "IBAN FR76 3000 6000 0112 3456 7890 189" in flat(document)
        assert ACH not in flat(document)
    # Owing in two currencies: each section has its own.
    html = statement(books, "Twin Harbors", "html")
    eur, usd = html.split('<section class="slip">')[0].split(
        '<section class="section">'
    )[1:3]
    assert "IBAN FR76" in flat(eur) and ACH not in flat(eur)
    assert ACH in flat(usd) and "IBAN FR76" not in flat(usd)
    text = statement(books, "Twin Harbors", "txt")
    assert "HOW TO PAY EUR" in text and "HOW TO PAY USD" in text
    assert text.index("IBAN FR76") < text.index("OPEN INVOICES - USD")


def test_the_pdf_has_the_payment_links_and_the_qr_code(books, tmp_path):
    pdf = statement(books, "Gull Rock", "pdf", out=tmp_path / "g.pdf")
    found = links(pdf)
    balance = "https://pay.example/?amount=9675.00&cur=USD"
    assert balance in found
    assert "https://pay.example/INV-2026-079?amount=2780.00&cur=USD" in found
    (page,) = pdf_text(pdf)
    assert f"Pay USD 9,675.00 online: {balance}" in flat(page)
    # The QR code of the balance's link is on the printed page, full size.
    html = statement(books, "Gull Rock", "html")
    boxes = qr_boxes(html)
    assert [src for src, _, _ in boxes] == [documents.qr(balance)]
    _, width, height = boxes[0]
    assert width == height and width > 70  # CSS px: 22 mm is 83 px
    # On screen (the HTML) it is hidden: the link is there to click.
    assert re.search(r"@media print \{\s*\.qr \{\s*display: block;", html)


def qr_boxes(html: str) -> list[tuple[str, float, float]]:
    """The QR images WeasyPrint lays out on the printed pages."""
    import weasyprint

    document = weasyprint.HTML(
        string=html, base_url=str(documents.default_folder())
    ).render()
    found = []

    def walk(box):
        element = getattr(box, "element", None)
        if (
            element is not None
            and element.tag == "img"
            and "qr" in (element.get("class") or "").split()
        ):
            found.append((element.get("src"), box.width, box.height))
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    return found


def test_the_text_statement_prints_the_links(books):
    text = statement(books, "Gull Rock", "txt")
    assert (
        "Pay USD online:               https://pay.example/?amount=9675.00&cur=USD"
        in text
    )
    assert "Pay online: https://pay.example/INV-2026-092?amount=1940.00&cur=USD" in text


def test_overdue_now_beside_the_total_due_and_terms_and_discounts(books, tmp_path):
    # Fore Street: 48.00 overdue; 17.61 earned; INV-2026-132 may still take
    # its 2 % until 2026-11-28.
    text = statement(books, "Fore Street", "txt")
    assert "Overdue now USD  48.00" in text
    assert "Total due USD  2,188.00" in text
    assert "Less early-payment discount earned  -17.61" in text
    assert "Terms: 2/10 Net 30; 2 % if paid by 2026-11-28: pay 2,097.20" in text
    (page,) = pdf_text(statement(books, "Fore Street", "pdf", out=tmp_path / "f.pdf"))
    page = flat(page)
    assert "Overdue now USD 48.00" in page and "Total due USD 2,188.00" in page
    assert "2 % if paid by 2026-11-28: pay 2,097.20" in page
    assert "2/10 Net 30" in page
    assert "Less the early-payment discount you earned USD -17.61" in page


def test_an_open_item_statement_ends_with_a_remittance_slip(books, tmp_path):
    (page,) = pdf_text(statement(books, "Gull Rock", "pdf", out=tmp_path / "g.pdf"))
    slip = flat(page)  # pypdf reads in drawing order: the parts, not their order
    assert "✂ Please detach and return this part with your payment" in slip
    assert "REMITTANCE ADVICE" in slip
    assert "Customer Gull Rock Brewing Co." in slip
    assert "Statement date 2026-11-26" in slip
    assert "USD 9,675.00" in slip and "AMOUNT ENCLOSED" in slip and "USD ____" in slip
    assert "How to pay USD:" in slip and ACH in slip
    text = statement(books, "Gull Rock", "txt")
    slip = text.split("detach and return this part with your payment")[1]
    assert "Amount enclosed: USD ____________" in slip
    assert "Amount due:      USD 9,675.00" in slip
    # Activity statements get the aging strip, and no slip.
    activity = statement(books, "Gull Rock", "txt", "--kind", "activity")
    assert "Aging USD" in activity and "Total due USD  9,675.00" in activity
    assert "detach" not in activity
    html = statement(books, "Gull Rock", "html", "--kind", "activity")
    assert 'class="aging"' in html and 'class="slip"' not in html


def test_a_swedish_customer_gets_swedish_numbers(books, tmp_path):
    text = statement(books, "Skargard", "txt")
    assert "Balance due on 2026-11-26: 14 300,00 kr" in flat(text)
    assert "1\u00a0800,00" in text and "12\u00a0500,00" in text
    html = statement(books, "Skargard", "html")
    assert "14\u00a0300,00\u00a0kr" in html and "26 november 2026" in html
    assert "Bankgiro 5050-1055" in html
    (page,) = pdf_text(statement(books, "Skargard", "pdf", out=tmp_path / "s.pdf"))
    assert "14 300,00 kr" in flat(page)
    # Other customers keep their look.
    assert "USD 9,675.00" in flat(statement(books, "Gull Rock", "html"))


def generated(folder: pathlib.Path, invoices: int, name: str, seller: str) -> str:
    """A ledger of one customer with `invoices` open invoices."""
    folder.mkdir()
    lines = [
        f"plugin \"beancount_ar\" \"{{'pay_url': '{PAY_URL}'}}\"",
        f'2024-01-01 custom "ar-company" "{seller}" "12 Harbour Rd, Portland, ME 04101" '
        '"billing@northwind.example" "+1 207 555 0199" "Pay by ACH, routing 211274450."',
        "2024-01-01 open Income:Design",
        "2024-01-01 open Assets:Receivable:Big  USD",
        f'  customer: "{name}"',
        '  terms: "Net 30"',
        '  address: "1 Long Wharf, Portland, ME 04101"',
    ]
    first = datetime.date(2026, 3, 1)
    for k in range(invoices):
        day = first + datetime.timedelta(days=3 * k)
        lines += [
            f'{day} * "Job {k + 1}: labels and posters for the seasonal release" '
            f"^INV-{k + 1:04d}",
            f"  Assets:Receivable:Big  {100 + 7 * k}.00 USD",
            "  Income:Design",
        ]
    main = folder / "main.beancount"
    main.write_text("\n".join(lines) + "\n")
    return str(main)


def footers(data: bytes) -> list[list[tuple[float, str]]]:
    """Per page, the text in the bottom margin with its baseline."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found: list[tuple[float, str]] = []

        def visit(text, cm, tm, font, size, found=found):
            y = tm[5] * cm[3] + cm[5]
            if text.strip() and y < 45:  # points: below the 18 mm margin line
                found.append((round(y, 1), text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def test_a_long_name_keeps_the_footer_on_one_line(tmp_path):
    main = generated(tmp_path / "long", 3, LONG_NAME, LONG_SELLER)
    data = statement(pathlib.Path(main), "Big", "pdf", out=tmp_path / "long.pdf")
    (footer,) = footers(data)
    assert len({y for y, _ in footer}) == 1, footer  # one line
    line = " ".join(text for _, text in footer)
    assert "Page 1 of 1" in line
    assert "Statement for The Extraordinarily Long-Named…" in line
    assert line.startswith("Northwind Design, Print…")
    assert "2026-11-26" in line
    # The name in full is where it belongs: in the letter.
    assert "Pressing Company of Greater Portland, Maine, Limited" in flat(
        pdf_text(data)[0]
    )


def test_a_statement_of_many_pages_repeats_its_header_and_numbers_pages(tmp_path):
    main = generated(tmp_path / "many", 80, "Harbourside Brewing", "Northwind")
    data = statement(pathlib.Path(main), "Big", "pdf", out=tmp_path / "many.pdf")
    pages = pdf_text(data)
    assert len(pages) >= 3
    listed = set()
    for number, (text, footer) in enumerate(zip(pages, footers(data), strict=True), 1):
        assert f"Page {number} of {len(pages)}" in [t for _, t in footer]
        assert len({y for y, _ in footer}) == 1
        invoices = re.findall(r"INV-\d{4}", text)
        listed.update(invoices)
        if invoices:  # every page with invoices shows the table's header
            assert re.search(r"INVOICE DATE DUE (DAYS )?OVERDUE DESCRIPTION AMOUNT OPEN",
                             flat(text).replace("DAYS OVERDUE", "OVERDUE")), number  # fmt: skip
    assert len(listed) == 80


# -- reminder emails --------------------------------------------------------


@pytest.fixture(scope="module")
def gull(books):
    """The example's Gull Rock reminder: the ledger, its worklist item, env."""
    led = load(books)
    item = due(led, "GullRock")
    return led, item, environment(led)


def render(gull, template: str, level: str | None = None, **extra) -> str:
    led, item, env = gull
    if level is not None:
        item = item._replace(level=level)
    context = remind.context(led.index, item, AS_OF)
    context.update(extra)
    return documents.render(env, template, context)


def scroll_width(browser, html: str, width: int) -> int:
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_content(html)
        return page.evaluate("document.scrollingElement.scrollWidth")
    finally:
        page.close()


@pytest.mark.parametrize("level", LEVELS)
def test_the_email_fits_a_phone_with_and_without_its_style(gull, chromium, level):
    html = render(gull, "reminder.html", level, attached=["INV-2026-079"])
    # Clients that drop <style> get the inline styles only.
    bare = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    for document in (html, bare):
        assert scroll_width(chromium, document, 390) <= 390
        assert scroll_width(chromium, document, 800) <= 800


def test_the_email_shows_the_invoice_date_on_a_wide_screen_only(gull, chromium):
    html = render(gull, "reminder.html")
    page = chromium.new_page(viewport={"width": 390, "height": 800})
    try:
        page.set_content(html)
        narrow = page.locator("th.wide").first.is_visible()
        page.set_viewport_size({"width": 800, "height": 800})
        wide = page.locator("th.wide").first.is_visible()
    finally:
        page.close()
    assert (narrow, wide) == (False, True)


def test_the_plain_text_carries_the_links_and_how_to_pay(gull):
    text = render(gull, "reminder.txt")
    # INV-2026-079 is promised: named apart, with no link to pay it now.
    assert "Not included: INV-2026-079 (USD 2,780.00)" in text
    assert "INV-2026-079?amount" not in text
    for invoice, amount in (("092", "1940.00"), ("106", "2615.00"),
                            ("118", "1480.00")):  # fmt: skip
        assert (
            f"pay online: https://pay.example/INV-2026-{invoice}?amount={amount}&cur=USD"
            in text
        )
    assert "Pay your balance of USD 9,675.00 online:\n" in text
    assert "\nhttps://pay.example/?amount=9675.00&cur=USD\n" in text
    assert "How to pay\n----------\n" + ACH in text
    html = render(gull, "reminder.html")
    assert 'href="https://pay.example/?amount=9675.00&amp;cur=USD"' in html
    assert ACH in html


def test_the_plain_text_gives_each_currencys_instructions(books):
    led = load(books)
    item = due(led, "Twin")
    context = remind.context(led.index, item, AS_OF)
    text = documents.render(environment(led), "reminder.txt", context)
    assert "How to pay in EUR" in text and "How to pay in USD" in text
    assert "IBAN FR76" in text and ACH in text
    assert "EUR 700.00" in text and "USD 500.00" in text


def test_the_swedish_reminder_speaks_in_swedish_numbers(books):
    led = load(books)
    item = due(led, "Skargard")
    context = remind.context(led.index, item, AS_OF)
    env = environment(led)
    text = flat(documents.render(env, "reminder.txt", context))
    assert "1 800,00 kr is now past due" in text
    assert "Bankgiro 5050-1055" in text
    assert "(1 800,00 kr)" in flat(
        documents.render(env, "reminder_subject.txt", context)
    )


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"attached": ["INV-2026-079", "INV-2026-092"]},
         "The past-due invoices (INV-2026-079, INV-2026-092) and your statement of "
         "account as of 26 November 2026 are attached as PDFs."),
        ({"attachments_left_out": True},
         "The invoices were too large to attach together, so only your statement of "
         "account as of 26 November 2026 is attached, as a PDF; we will gladly send "
         "copies of the invoices on request."),
        ({},
         "The open-item statement of your account as of 26 November 2026 is attached "
         "as a PDF."),
    ],
)  # fmt: skip
def test_the_email_says_truthfully_what_is_attached(gull, extra, said):
    for template in ("reminder.txt", "reminder.html"):
        text = shown(render(gull, template, **extra))
        assert said in text
        assert "The statement lists every open invoice" in text


def test_the_email_is_signed_by_the_sender(tmp_path):
    main = make_books(
        tmp_path / "books", ", 'sender_name': 'Morgan Reed', 'sender_role': 'Owner'"
    )
    led = load(main)
    item = due(led, "GullRock")
    env = environment(led)
    for level in LEVELS:
        context = remind.context(led.index, item._replace(level=level), AS_OF)
        text = documents.render(env, "reminder.txt", context)
        assert "\n\nMorgan Reed\nOwner, Northwind Design & Print\n" in text
        html = documents.render(env, "reminder.html", context)
        assert (
            "<strong>Morgan Reed</strong><br>Owner, Northwind Design &amp; Print"
            in html
        )


def test_without_a_sender_the_email_is_signed_by_accounts_receivable(gull):
    company = remind.Sender("Accounts Receivable", "Northwind Design & Print", False)
    for level in LEVELS:
        text = render(gull, "reminder.txt", level, sender=company)
        assert "\n\nAccounts Receivable\nNorthwind Design & Print\n" in text
        assert "Owner," not in text
        assert "I am writing personally" not in text
        assert "call me" not in " ".join(text.split())


def test_a_named_sender_signs_and_writes_in_the_first_person(gull):
    # The example ledger configures 'sender_name': 'Maya Chen', 'sender_role': 'Owner'.
    text = render(gull, "reminder.txt", "owner")
    assert "\n\nMaya Chen\nOwner, Northwind Design & Print\n" in text
    assert "I am writing personally" in " ".join(text.split())


def test_every_statement_of_the_example_renders_in_every_format(books):
    # Every customer with a balance, both kinds, text lines within 80 columns
    # (save a link, printed whole).
    led = load(books)
    env = environment(led)
    for account in statements.customers_with_balance(led.index, AS_OF):
        for kind in statements.KINDS:
            report = statements.statement(led.index, account, AS_OF, kind)
            context = remind.statement_context(report, led.index)
            documents.render(env, "statement.html", context)
            text = documents.render(env, "statement.txt", context)
            for line in text.splitlines():
                assert len(line) <= 80 or "https://" in line, (account, line)
