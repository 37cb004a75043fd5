"""The Collections page through Fava's own app and Flask's test client."""

from __future__ import annotations

import datetime
import io
import json
import pathlib
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from fava.application import create_app

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
SLUG = "northwind-design-print"
PAGE = f"/{SLUG}/extension/Collections/"
LOG = PAGE + "log"
DEMO_DATE = "2026-11-26"
GULL = "Assets:Receivable:GullRock"


# The extension makes the plugin keep its indexes: undone after each test.
# Fava runs with its poll watcher: the threaded one holds two inotify
# instances per app for the life of the process (128 per user here).
pytestmark = pytest.mark.usefixtures("restore_index_keeping")


@pytest.fixture
def ledger_dir(tmp_path: pathlib.Path) -> pathlib.Path:
    """A copy of the example ledger: the forms write to it."""
    folder = tmp_path / "books"
    shutil.copytree(EXAMPLE, folder)
    return folder


TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def with_token(client):
    """A test client whose form posts carry the page's token, as a browser
    on the page sends it."""
    page = client.get(PAGE + f"?view=customer&customer={GULL}")
    token = TOKEN.search(page.get_data(as_text=True)).group(1)
    post = client.post

    def post_with_token(url, data=None, **kwargs):
        if isinstance(data, dict) and "csrf_token" not in data:
            data = {**data, "csrf_token": token}
        return post(url, data=data, **kwargs)

    client.post = post_with_token
    client.token = token
    return client


@pytest.fixture
def client(ledger_dir: pathlib.Path):
    app = create_app(
        [str((ledger_dir / "main.beancount").resolve())], load=True, poll_watcher=True
    )
    app.testing = True
    return with_token(app.test_client())


def text_of(response) -> str:
    return response.get_data(as_text=True)


def page_of(response) -> str:
    """The Collections content alone, without Fava's data for its sidebar."""
    html = text_of(response)
    return html[html.index('<div class="ar">') : html.index("</article>")]


class Cells(HTMLParser):
    """The aging table cells: (currency, account, bucket) -> text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], str] = {}
        self.currency = self.account = self.bucket = None
        self.text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-currency" in a:
            self.currency = a["data-currency"]
        elif tag == "tr" and "data-account" in a:
            self.account = a["data-account"]
        elif tag in ("td", "th") and "data-bucket" in a:
            self.bucket, self.text = a["data-bucket"], ""

    def handle_data(self, data):
        if self.bucket is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.bucket is not None:
            key = (self.currency, self.account, self.bucket)
            self.cells[key] = self.text.strip()
            self.bucket = None


def number(text: str) -> str:
    """A displayed amount as the JSON shows it: no separators."""
    return text.replace(",", "")


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", "Calls as of 2026-11-26"),
        ("?view=aging", "by days past due"),
        ("?view=overdue", "Next follow-up"),
        ("?view=metrics", "Days to pay"),
        (f"?view=customer&customer={GULL}", "Gull Rock Brewing Co."),
        ("?view=invoices&bucket=91%2B&currency=USD", "Open invoices"),
    ],
)
def test_every_view_renders_for_the_example_ledger(client, query, expected):
    joiner = "&" if "?" in query else "?"
    response = client.get(PAGE + query + f"{joiner}time={DEMO_DATE}")
    assert response.status_code == 200
    assert expected in text_of(response)


def test_today_lists_the_calls_with_tel_and_mailto_links(client):
    html = text_of(client.get(PAGE + f"?time={DEMO_DATE}"))
    # The first call of the demo worklist: Gull Rock, at the agency level for
    # its oldest invoice: the owner calls and asks for the customer's owner.
    assert html.index("Gull Rock Brewing Co.") < html.index("Back Cove Dental")
    assert 'href="tel:+12075550163"' in html
    assert 'href="mailto:dave@gullrockbrewing.example"' in html
    assert "credit hold" in html
    assert re.search(r"customer=Assets(:|%3A)Receivable(:|%3A)GullRock", html)
    # The "log a note" action opens the customer's form, ready for the contact.
    link = re.search(r'href="([^"]*)#ar-log-note"', html).group(1).replace("&amp;", "&")
    form = page_of(client.get(link))
    assert (
        'id="ar-note-contact" name="contact" type="text" value="Dave Pelletier"' in form
    )


@pytest.mark.parametrize(
    "query", ["", "?view=aging", "?view=overdue", "?view=metrics", "?view=invoices"]
)
def test_every_view_renders_for_an_empty_ledger(tmp_path, query):
    main = tmp_path / "empty.beancount"
    main.write_text(
        'plugin "beancount_ar"\n2010-01-01 custom "fava-extension" "beancount_ar.fava"\n'
    )
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    response = app.test_client().get("/beancount/extension/Collections/" + query)
    assert response.status_code == 200
    html = page_of(response)
    assert 'id="ar-as-of"' in html
    assert re.search(
        r"Nothing to chase|No open invoices|Nothing is overdue|No credit", html
    )


def test_an_unknown_customer_is_said_so(client):
    html = page_of(client.get(PAGE + "?view=customer&customer=Assets:Nope"))
    assert "no customer &#39;Assets:Nope&#39;" in html
    assert "Today&#39;s calls" in html


def test_the_as_of_date_is_the_end_of_the_time_filter_else_today(client):
    assert f'id="ar-as-of">{datetime.date.today()}<' in text_of(client.get(PAGE))
    html = text_of(client.get(PAGE + "?view=aging&time=2026-06"))
    assert 'id="ar-as-of">2026-06-30<' in html
    assert "the time filter" in html


def test_aging_numbers_are_those_of_the_cli_for_the_same_date(client, ledger_dir):
    html = text_of(client.get(PAGE + f"?view=aging&time={DEMO_DATE}"))
    parser = Cells()
    parser.feed(html)
    result = CliRunner().invoke(
        cli,
        [
            "aging",
            str(ledger_dir / "main.beancount"),
            "--as-of",
            DEMO_DATE,
            "--format",
            "json",
        ],
    )
    report = json.loads(result.stdout)
    checked = 0
    for row in report["customers"]:
        for bucket, money in row["buckets"].items():
            for cur, amount in money.items():
                assert number(parser.cells[(cur, row["account"], bucket)]) == amount
                checked += 1
        for cur, amount in row["total"].items():
            assert number(parser.cells[(cur, row["account"], "total")]) == amount
    for cur, amount in report["totals"]["total"].items():
        assert number(parser.cells[(cur, "", "total")]) == amount
    assert checked > 10


def test_each_aging_amount_links_to_the_invoices_behind_it(client):
    html = text_of(client.get(PAGE + f"?view=aging&time={DEMO_DATE}"))
    link = re.search(
        r'href="([^"]*view=invoices[^"]*customer=Assets(?::|%3A)Receivable(?::|%3A)'
        r'GullRock[^"]*bucket=91%2B[^"]*)"',
        html,
    )
    assert link, "no link from Gull Rock's 91+ amount"
    invoices = page_of(client.get(link.group(1).replace("&amp;", "&")))
    assert "INV-2026-079" in invoices  # the 105-day invoice, 2,780.00
    assert "INV-2026-118" not in invoices  # 7 days: another bucket


def test_overdue_links_each_invoice_to_its_transaction(client):
    from fava.beans.funcs import hash_entry

    html = text_of(client.get(PAGE + f"?view=overdue&time={DEMO_DATE}"))
    app_ledger = client.application.config["LEDGERS"][SLUG]
    entry = next(
        e
        for e in app_ledger.all_entries
        if "INV-2026-079" in getattr(e, "links", ()) and e.postings[0].units.number > 0
    )
    link = re.search(r'href="([^"]*)"[^>]*>INV-2026-079</a>', html).group(1)
    # The journal of the invoice's link, whatever the page's time filter:
    # the invoice and its payments together.
    assert link == f"/{SLUG}/journal/?filter=%5EINV-2026-079"
    assert text_of(client.get(link))  # the journal page itself answers
    # The journal's rows, as Fava's page fetches them with that filter.
    rows = client.get(
        f"/{SLUG}/api/journal_page?page=1&order=desc&filter=%5EINV-2026-079"
    ).get_json()["data"]["journal"]
    assert hash_entry(entry) in rows
    # A part-paid invoice shows with its payment.
    rows = client.get(
        f"/{SLUG}/api/journal_page?page=1&order=desc&filter=%5EINV-2026-101"
    ).get_json()["data"]["journal"]
    assert "Harvest market signage" in rows and "ACH payment" in rows


def test_a_note_posted_is_appended_once_and_shows_after_the_reload(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    response = client.post(
        LOG,
        data={
            "kind": "note",
            "customer": GULL,
            "text": "Spoke to Carl: check goes out Monday",
            "contact": "Carl Haskell",
            "channel": "phone",
            "date": "2026-11-27",
        },
    )
    assert response.status_code == 303
    after = collections.read_bytes()
    assert after.startswith(before)
    added = after[len(before) :].decode()
    assert added.count("note Assets:Receivable:GullRock") == 1
    assert 'contact: "Carl Haskell"' in added
    page = text_of(client.get(response.headers["Location"]))
    assert "Spoke to Carl: check goes out Monday" in page
    assert "Logged: the note is in the ledger, highlighted below." in page
    # The browser lands on the timeline, the new row marked.
    assert response.headers["Location"].endswith("#ar-timeline")
    new = re.search(r'<li class="ar-new" id="ar-logged">(.*?)</li>', page, re.S)
    assert "Spoke to Carl: check goes out Monday" in new.group(1)
    assert page.count('id="ar-logged"') == 1


def test_a_followup_and_a_promise_are_logged_through_the_forms(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    client.post(
        LOG,
        data={"kind": "followup", "customer": GULL, "due": "2026-12-01",
              "what": "Check the Monday check arrived", "date": "2026-11-27"},
    )  # fmt: skip
    client.post(
        LOG,
        data={"kind": "promise", "customer": GULL, "amount": "1000",
              "by": "2026-12-04", "invoice": "INV-2026-079", "date": "2026-11-27"},
    )  # fmt: skip
    text = collections.read_text()
    assert (
        '2026-11-27 custom "ar-followup" Assets:Receivable:GullRock 2026-12-01 '
        '"Check the Monday check arrived"' in text
    )
    assert (
        '2026-11-27 custom "ar-promise" Assets:Receivable:GullRock 1000.00 USD '
        '2026-12-04 "INV-2026-079"' in text
    )
    page = text_of(client.get(PAGE + f"?view=customer&customer={GULL}&time=2026-11-27"))
    assert "Check the Monday check arrived" in page
    assert "1,000.00 USD by 2026-12-04 for INV-2026-079" in page


@pytest.mark.parametrize(
    "form, field_message",
    [
        ({"kind": "note", "text": "   "}, "this cannot be empty"),
        ({"kind": "note", "text": "x", "date": "2026-13-45"}, "is not a date"),
        ({"kind": "note", "text": "x", "date": "2099-01-01"}, "is after today"),
        ({"kind": "promise", "amount": "lots", "by": "2026-12-01"}, "is not an amount"),
        ({"kind": "promise", "amount": "10 USD", "by": "soon"}, "is not a date"),
        ({"kind": "promise", "amount": "10 USD", "by": "2026-12-01", "invoice": "NOPE"},
         "is not an invoice of"),
        ({"kind": "promise", "amount": "50000 USD", "by": "2099-12-01"},
         "50,000.00 USD is more than is owed: the balance on"),
        ({"kind": "promise", "amount": "3000", "by": "2099-12-01",
          "invoice": "INV-2026-079"}, "INV-2026-079 has 2,780.00 USD open"),
        ({"kind": "followup", "due": "2026-12-01", "what": "x", "date": "2001-01-01"},
         "before Assets:Receivable:GullRock was opened"),
        ({"kind": "delete-everything"}, "unknown form"),
    ],
)  # fmt: skip
def test_invalid_form_input_changes_nothing_and_says_why_beside_the_form(
    client, ledger_dir, form, field_message
):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    response = client.post(LOG, data={"customer": GULL, **form})
    assert response.status_code == 400
    html = text_of(response)
    assert field_message in html.replace("&#39;", "'")
    assert 'role="alert"' in html
    assert collections.read_bytes() == before


def test_a_post_for_an_unknown_customer_or_from_another_site_writes_nothing(
    client, ledger_dir
):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    note = {"kind": "note", "text": "hello"}
    assert (
        client.post(LOG, data={**note, "customer": "../../etc/passwd"}).status_code
        == 400
    )
    foreign = client.post(
        LOG, data={**note, "customer": GULL}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert collections.read_bytes() == before


def test_a_get_to_the_write_endpoint_writes_nothing(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    response = client.get(LOG + f"?kind=note&customer={GULL}&text=hello")
    assert response.status_code in (404, 405)
    assert collections.read_bytes() == before


def test_everything_from_the_ledger_is_escaped(tmp_path):
    main = tmp_path / "evil.beancount"
    (tmp_path / "collections.beancount").write_text(
        '2024-02-01 note Assets:Receivable:Evil "<script>alert(2)</script>"\n'
        '2024-02-01 custom "ar-contact" Assets:Receivable:Evil "<b>Eve</b>" '
        '"A/P Clerk" "eve@x.example\\" onmouseover=\\"alert(4)" "1\\" onclick=\\"x"\n'
        '2024-02-02 custom "ar-dispute" Assets:Receivable:Evil "INV-1" "<script>alert(5)</script>"\n'
        '2024-02-03 custom "ar-hold" Assets:Receivable:Evil TRUE "<script>alert(6)</script>"\n'
    )
    main.write_text(
        """plugin "beancount_ar"
2010-01-01 custom "fava-extension" "beancount_ar.fava"
include "collections.beancount"
2024-01-01 open Assets:Receivable:Evil
  customer: "<script>alert(1)</script>"
2024-01-01 open Income:Sales
2024-01-02 * "<script>alert(3)</script>" "Job" ^INV-1
  Assets:Receivable:Evil   100.00 USD
  Income:Sales
"""
    )
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    c = app.test_client()
    for query in ["?time=2024-06-30", "?view=aging", "?view=overdue&time=2024-06-30",
                  "?view=metrics&time=2024-06-30", "?view=invoices&time=2024-06-30",
                  "?view=customer&customer=Assets:Receivable:Evil&time=2024-06-30"]:  # fmt: skip
        response = c.get("/beancount/extension/Collections/" + query)
        assert response.status_code == 200
        html = text_of(response)
        assert "<script>alert" not in html
        assert "<b>Eve" not in html
        assert 'onmouseover="' not in html and 'onclick="' not in html
    for n in (1, 2, 5, 6):
        assert f"&lt;script&gt;alert({n})&lt;/script&gt;" in html
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html
    # The statement preview shows the payee and narration: escaped too.
    preview = text_of(
        c.get(
            "/beancount/extension/Collections/statement"
            "?customer=Assets:Receivable:Evil&time=2024-06-30"
        )
    )
    assert "<script>alert" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview


def test_the_statement_downloads_as_pdf_for_customers_only(client):
    pdf = client.get(PAGE + f"statement?customer={GULL}&format=pdf&time={DEMO_DATE}")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "statement-GullRock-2026-11-26.pdf" in pdf.headers["Content-Disposition"]
    preview = client.get(PAGE + f"statement?customer={GULL}&time={DEMO_DATE}")
    assert "INV-2026-079" in text_of(preview)
    for bad in ("../../main.beancount", "/etc/passwd", ""):
        assert client.get(PAGE + f"statement?customer={bad}").status_code == 404


def test_fava_filters_narrow_the_customers(client):
    narrowed = page_of(
        client.get(PAGE + f"?view=aging&time={DEMO_DATE}&account=GullRock")
    )
    assert "Gull Rock Brewing Co." in narrowed
    assert "Back Cove Dental" not in narrowed
    by_payee = page_of(
        client.get(PAGE + f'?view=overdue&time={DEMO_DATE}&filter=payee:"Back Cove"')
    )
    assert "Back Cove Dental" in by_payee
    assert "Gull Rock Brewing Co." not in by_payee


def test_the_index_is_built_once_per_load_not_per_request(client, monkeypatch):
    from beancount_ar import fava as fava_ext
    from beancount_ar import ledger as ledger_module
    from beancount_ar import matching

    built: list[str] = []

    def counting(name, real):
        return lambda *a, **k: built.append(name) or real(*a, **k)

    real_from_entries = ledger_module.from_entries
    monkeypatch.setattr(
        fava_ext.ledger_lib, "from_entries", counting("index", real_from_entries)
    )
    # The ledger module imports the matcher when it first builds an index.
    monkeypatch.setattr(
        matching, "build_index", counting("match", matching.build_index)
    )
    views = ["", "?view=aging", "?view=overdue", "?view=metrics", "?view=invoices"]
    for query in [*views, f"?view=customer&customer={GULL}"]:
        joiner = "&" if "?" in query else "?"
        response = client.get(PAGE + query + f"{joiner}time=2026-10-31")
        assert response.status_code == 200
    assert built == []
    # A reload indexes the ledger again, once.
    client.application.config["LEDGERS"][SLUG].load_file()
    assert built.count("index") == 1
    assert built.count("match") <= 1


def test_the_cli_does_not_import_fava():
    code = (
        "import sys, beancount_ar.cli, beancount_ar.ledger;"
        "assert not any(m == 'fava' or m.startswith(('fava.', 'flask')) "
        "for m in sys.modules), 'fava imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_metrics_cover_the_time_filter_when_it_spans_a_month_else_90_days(client):
    year = page_of(client.get(PAGE + "?view=metrics&time=2026"))
    assert "365 days, 2026-01-01 to 2026-12-31" in year
    day = page_of(client.get(PAGE + f"?view=metrics&time={DEMO_DATE}"))
    assert "90 days, 2026-08-29 to 2026-11-26" in day
    # The operating currency first, in the tables and in the trend.
    assert day.index("<h3>USD</h3>") < day.index("<h3>EUR</h3>")
    assert day.rindex("<h3>USD</h3>") < day.rindex("<h3>EUR</h3>")
    # The trend: a column per month-end, under a heading that says so, its
    # legend and columns in bucket order, its numbers in a table too.
    assert 'Aging trend <span class="ar-muted">at the last 12 month-ends' in day
    usd = day[day.index('aria-labelledby="ar-chart-USD"') : day.index("</figure>")]
    legend = day[day.index('<ul class="ar-legend"') :]
    legend = re.findall(r"</span>([^<]+)</li>", legend[: legend.index("</ul>")])
    assert legend == ["current", "1-30", "31-60", "61-90", "91+"]
    rows = re.findall(r'<th scope="row">([0-9-]+)</th>', usd)
    assert len(rows) == 12 and rows[-1] == "2026-10-31"
    # A month-end's total is the sum of its buckets.
    october = usd[usd.index('<th scope="row">2026-10-31</th>') :]
    october = re.findall(r'<td class="num">([^<]+)</td>', october)[:6]
    assert october[-1] == "37,218.00"
    blank = "\N{EN DASH}"
    buckets = [Decimal(number(n)) for n in october[:5] if n != blank]
    assert sum(buckets) == Decimal("37218.00")
    # No control that does nothing: neither Fava's chart toggles nor a
    # "90 days" heading over a year of months.
    assert "At Cost" not in day and "Monthly" not in day


@pytest.mark.parametrize(
    "time", ["0001-01-01", "0001", "2026-13", "2026-02-30", "fy9999", "2026-W60", "x"]
)
def test_a_bad_or_out_of_range_time_filter_is_reported_not_crashed(client, time):
    for view in ("metrics", "customer&customer=" + GULL, "today"):
        html = text_of(client.get(PAGE + f"?view={view}&time={time}"))
        assert "Internal Server Error" not in html
        assert (
            "Failed to parse date" in html
            or "reaches past the dates Collections ages (0100-01-01 to 9998-12-31)"
            in html
        )


def test_an_account_filter_that_is_not_a_regex_matches_nothing_but_itself(client):
    response = client.get(PAGE + f"?view=aging&time={DEMO_DATE}&account=(")
    assert response.status_code == 200
    assert "No customer matches the filter." in page_of(response)
    parent = page_of(client.get(PAGE + f"?view=aging&time={DEMO_DATE}&account=Assets"))
    assert "Gull Rock Brewing Co." in parent


@pytest.mark.parametrize("amount", ["1E+30 USD", "9" * 40 + " USD", "1e999999999 USD"])
def test_an_absurd_promise_amount_is_refused(client, ledger_dir, amount):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    form = {"kind": "promise", "customer": GULL, "amount": amount, "by": "2026-12-24"}
    response = client.post(LOG, data=form)
    assert response.status_code == 400
    assert "more than 15 digits" in text_of(response)
    assert collections.read_bytes() == before


@pytest.mark.parametrize(
    "headers, token, allowed",
    [
        ({}, True, True),  # a browser on the page (the test client is one)
        ({"Origin": "http://localhost"}, True, True),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}, True, True),
        ({"Referer": "http://localhost/page"}, True, True),
        ({}, False, False),  # no browser headers at all, and no token
        ({"Sec-Fetch-Site": "none"}, True, False),
        ({"Sec-Fetch-Site": "cross-site"}, True, False),
        ({"Sec-Fetch-Site": "same-site"}, True, False),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"}, True, False),
        ({"Origin": "null"}, True, False),
        ({"Referer": "https://evil.example/page"}, True, False),
        ({"Origin": "https://localhost"}, True, False),  # http/https mismatch
        ({"Origin": "https://books.example", "X-Forwarded-Host": "books.example"},
         True, False),  # a forwarded host is not believed unless configured
        ({"Host": "evil.example"}, True, False),  # DNS rebinding
        ({"Host": "evil.example", "Origin": "http://evil.example"}, True, False),
    ],
)  # fmt: skip
def test_only_posts_from_this_site_write(client, ledger_dir, headers, token, allowed):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    form = {"kind": "note", "customer": GULL, "text": "from a form", "date": DEMO_DATE}
    if not token:
        form["csrf_token"] = ""
    response = client.post(LOG, data=form, headers=headers)
    assert response.status_code == (303 if allowed else 403), text_of(response)
    assert (collections.read_bytes() != before) == allowed


def test_a_proxy_is_believed_only_when_configured(ledger_dir):
    main = ledger_dir / "main.beancount"
    main.write_text(
        main.read_text().replace(
            '"beancount_ar.fava"',
            "\"beancount_ar.fava\" \"{'trust_proxy': True, 'hosts': ['books.example']}\"",
            1,
        )
    )
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    client = with_token(app.test_client())
    form = {
        "kind": "note",
        "customer": GULL,
        "text": "via the proxy",
        "date": DEMO_DATE,
    }
    proxied = {"X-Forwarded-Host": "books.example", "X-Forwarded-Proto": "https"}
    assert (
        client.post(
            LOG, data=form, headers={**proxied, "Origin": "https://books.example"}
        ).status_code
        == 303
    )
    assert (
        client.post(
            LOG, data=form, headers={**proxied, "Origin": "http://books.example"}
        ).status_code
        == 403
    )


def test_a_form_token_from_another_ledger_or_process_is_refused(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    form = {"kind": "note", "customer": GULL, "text": "x", "date": DEMO_DATE}
    other = create_app(
        [str((ledger_dir / "main.beancount").resolve())], load=True, poll_watcher=True
    )
    stale = with_token(other.test_client()).token  # another process's secret
    assert stale != client.token
    response = client.post(LOG, data={**form, "csrf_token": stale})
    assert response.status_code == 403
    assert "reload the page" in text_of(response)
    assert collections.read_bytes() == before


def test_a_huge_form_is_refused_with_413_and_writes_nothing(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    form = {"kind": "note", "customer": GULL, "text": "x" * (10 * 1024 * 1024)}
    response = client.post(LOG, data=form)
    assert response.status_code == 413
    assert collections.read_bytes() == before


def test_a_note_over_2000_characters_is_refused_beside_the_field(client, ledger_dir):
    collections = ledger_dir / "collections.beancount"
    before = collections.read_bytes()
    form = {"kind": "note", "customer": GULL, "text": "y" * 2001, "date": DEMO_DATE}
    response = client.post(LOG, data=form)
    assert response.status_code == 400
    assert "2,001 characters: at most 2,000" in text_of(response)
    assert collections.read_bytes() == before


def test_read_only_fava_shows_no_form(ledger_dir):
    app = create_app(
        [str((ledger_dir / "main.beancount").resolve())],
        load=True,
        poll_watcher=True,
        read_only=True,
    )
    html = page_of(app.test_client().get(PAGE + f"?view=customer&customer={GULL}"))
    assert "<form" not in html
    assert "read-only" in html


def test_incognito_hides_the_amounts(ledger_dir):
    app = create_app(
        [str((ledger_dir / "main.beancount").resolve())],
        load=True,
        poll_watcher=True,
        incognito=True,
    )
    for query in ["?view=overdue", "?view=today", f"?view=customer&customer={GULL}"]:
        html = page_of(app.test_client().get(PAGE + query + f"&time={DEMO_DATE}"))
        assert "7850" not in html and "2780" not in html and "1000" not in html
        assert "8815" not in html  # nor the promise form's proposal
        assert re.search(r"X,XXX\.XX", html)


def test_the_statement_uses_the_ledgers_precision(tmp_path):
    main = tmp_path / "yen.beancount"
    main.write_text(
        """plugin "beancount_ar"
2010-01-01 custom "fava-extension" "beancount_ar.fava"
2024-01-01 open Assets:Receivable:Tokyo
2024-01-01 open Income:Sales
2024-01-02 * "Job" ^INV-1
  Assets:Receivable:Tokyo   150000 JPY
  Income:Sales
"""
    )
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    page = "/beancount/extension/Collections/statement"
    html = text_of(
        app.test_client().get(
            page + "?customer=Assets:Receivable:Tokyo&time=2024-03-01"
        )
    )
    assert "150,000" in html and "150,000.00" not in html


def test_a_failure_to_index_shows_on_the_page_and_spares_fava(client, monkeypatch):
    from beancount_ar import fava as fava_ext

    real = fava_ext.ledger_lib.from_entries

    def broken(entries, *rest):
        if entries:
            raise RuntimeError("boom")
        return real(entries, *rest)

    monkeypatch.setattr(fava_ext.ledger_lib, "from_entries", broken)
    fava_ledger = client.application.config["LEDGERS"][SLUG]
    fava_ledger.load_file()  # a reload, as after an edit
    html = page_of(client.get(PAGE))
    assert "could not read the receivables: RuntimeError(&#39;boom&#39;)" in html
    assert client.get(f"/{SLUG}/income_statement/").status_code == 200


def test_a_valueless_ar_directive_loads_in_fava_and_its_error_is_shown(tmp_path):
    main = tmp_path / "books.beancount"
    main.write_text(
        'plugin "beancount_ar"\n'
        '2010-01-01 custom "fava-extension" "beancount_ar.fava"\n'
        "2024-01-01 open Assets:Receivable:Acme\n"
        '2024-03-01 custom "ar-hold"\n'
    )
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    client = app.test_client()
    assert client.get("/beancount/extension/Collections/").status_code == 200
    errors = text_of(client.get("/beancount/errors/"))
    assert "ar-hold: missing account" in errors


def test_huge_amounts_show_on_every_view(tmp_path):
    main = tmp_path / "books.beancount"
    main.write_text(
        'plugin "beancount_ar"\n'
        '2010-01-01 custom "fava-extension" "beancount_ar.fava"\n'
        "2024-01-01 open Assets:Receivable:Acme\n"
        "2024-01-01 open Income:S\n"
        '2024-01-02 * "Huge" ^INV-1\n'
        "  Assets:Receivable:Acme  1000000000000000000000000000000 USD\n"
        "  Income:S  -1000000000000000000000000000000 USD\n"
        '2024-01-03 * "Precise" ^INV-2\n'
        "  Assets:Receivable:Acme  12345678901234567890.000000001 USD\n"
        "  Income:S  -12345678901234567890.000000001 USD\n"
    )
    client = create_app(
        [str(main.resolve())], load=True, poll_watcher=True
    ).test_client()
    base = "/beancount/extension/Collections/"
    for view in ("today", "aging", "overdue", "metrics", "invoices",
                 "customer&customer=Assets:Receivable:Acme"):  # fmt: skip
        response = client.get(base + f"?view={view}&time=2024-06-30")
        assert response.status_code == 200, view
    aging = page_of(client.get(base + "?view=aging&time=2024-06-30"))
    # Every digit, exact (the ledger sets no locale: no separators).
    assert "1000000000012345678901234567890.000000001" in aging.replace(",", "")


def test_the_customer_page_offers_each_open_invoice_as_a_pdf(client, ledger_dir):
    page = page_of(
        client.get(PAGE + f"?view=customer&customer={GULL}&time={DEMO_DATE}")
    )
    assert "view INV-2026-079" in page
    link = re.search(r'href="([^"]*invoice\?[^"]*INV-2026-079[^"]*download=1)"', page)
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "INV-2026-079" in response.headers["Content-Disposition"]
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "INV-2026-079" in text and "2,780.00" in text
    # The ledger's own document, where it has one, is what is served.
    (ledger_dir / "INV-2026-079.pdf").write_bytes(b"%PDF-1.4\n% own\n")
    with (ledger_dir / "collections.beancount").open("a") as f:
        f.write(
            '\n2026-07-14 document Assets:Receivable:GullRock "INV-2026-079.pdf" ^INV-2026-079\n'
        )
    client = create_app(
        [str((ledger_dir / "main.beancount").resolve())], load=True, poll_watcher=True
    ).test_client()
    page = page_of(
        client.get(PAGE + f"?view=customer&customer={GULL}&time={DEMO_DATE}")
    )
    assert "(the ledger's own)" in page
    own = client.get(PAGE + f"invoice?customer={GULL}&invoice=INV-2026-079")
    assert own.data == b"%PDF-1.4\n% own\n"
    assert client.get(PAGE + f"invoice?customer={GULL}&invoice=NOPE").status_code == 404
