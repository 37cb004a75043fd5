"""The Collections page as the bookkeeper's first page of the morning: one
row per call with a summary on top, the aging with its shares, the overdue
list a page at a time in one currency, the drill-down with its way back, the
trend in bucket order, and forms that say what went wrong beside the field.

Through Fava's app and Flask's test client; what needs a browser (phone
width, axe, focus) is in test_browser.py.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
from decimal import Decimal

import pytest
from beancount import loader
from click.testing import CliRunner
from fava.application import create_app

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
SLUG = "northwind-design-print"
PAGE = f"/{SLUG}/extension/Collections/"
DEMO = "2026-11-26"
GULL = "Assets:Receivable:GullRock"
BLANK = "\N{EN DASH}"  # an empty cell
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


pytestmark = pytest.mark.usefixtures("restore_index_keeping")


@pytest.fixture
def books(tmp_path: pathlib.Path) -> pathlib.Path:
    folder = tmp_path / "books"
    shutil.copytree(EXAMPLE, folder)
    return folder


def app_for(main: pathlib.Path):
    app = create_app([str(main.resolve())], load=True, poll_watcher=True)
    app.testing = True
    return app.test_client()


@pytest.fixture
def client(books: pathlib.Path):
    return app_for(books / "main.beancount")


def content(response) -> str:
    """The Collections content alone, without Fava's sidebar data."""
    html = response.get_data(as_text=True)
    return html[html.index('<div class="ar">') : html.index("</article>")]


def amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def money_in(html: str, currency: str) -> list[Decimal]:
    """Every amount shown in a currency, in page order."""
    found = re.findall(r'class="ar-money">([-0-9,.]+)&nbsp;' + currency, html)
    return [amount(n) for n in found]


def worklist_json(main: pathlib.Path, as_of: str) -> dict:
    result = CliRunner().invoke(
        cli, ["worklist", str(main), "--as-of", as_of, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write(path: pathlib.Path, text: str) -> pathlib.Path:
    path.write_text(text, encoding="utf-8")
    return path


SMALL = """\
option "title" "Small books"
option "operating_currency" "USD"
plugin "beancount_ar"
2010-01-01 custom "fava-extension" "beancount_ar.fava"
2020-01-01 open Assets:Bank
2020-01-01 open Income:Sales
2020-01-01 open Assets:Receivable:Quiet
  customer: "Quiet Corp"
  terms: "Net 30"
"""


# -- Today --------------------------------------------------------------------


def test_today_has_one_row_per_call_as_the_cli_worklist(client, books):
    html = content(client.get(PAGE + f"?time={DEMO}"))
    table = html[html.index('<table class="ar-worklist') : html.index("</table>")]
    rows = table.split("<tr>")[2:]  # past the header row
    report = worklist_json(books / "main.beancount", DEMO)
    # The same calls, in the same order, each customer once.
    names = [re.search(r'">([^<]+)</a>', row).group(1) for row in rows]
    assert names == [item["customer"] for item in report["items"]]
    assert len(set(names)) == len(names)
    # Gull Rock's reasons are merged into its one row, most pressing first.
    gull = next(row for row in rows if "Gull Rock" in row)
    why = gull[gull.index('data-label="Why"') :]
    assert why.index("escalation") < why.index("promised")
    # Its invoices are cut after three.
    assert "INV-2026-079, INV-2026-092, INV-2026-106 and 1 more" in gull


def test_the_summary_strip_adds_up_the_calls(client):
    html = content(client.get(PAGE + f"?time={DEMO}"))
    strip = html[html.index('<dl class="ar-summary">') : html.index("</dl>")]
    table = html[html.index('<table class="ar-worklist') : html.index("</table>")]
    calls = table.count('<td class="ar-first">')
    assert f"<dt>Calls to make</dt><dd>{calls}</dd>" in strip
    # The overdue total is all that is overdue, as the Overdue view counts
    # it, not only the calls' (some overdue customers need no call today).
    overdue = re.findall(r'data-label="Overdue">(.*?)</td>', table)
    usd = [n for cell in overdue for n in money_in(cell, "USD")]
    tab = content(client.get(PAGE + f"?view=overdue&time={DEMO}"))
    tab = tab[tab.index('<dl class="ar-summary">') : tab.index("</dl>")]
    assert money_in(strip, "USD") == money_in(tab, "USD") == [Decimal("26653.00")]
    assert money_in(strip, "EUR") == money_in(tab, "EUR") == [Decimal("3400.00")]
    assert sum(usd) < Decimal("26653.00")
    assert "<dt>Disputes</dt><dd>1</dd>" in strip
    assert "<dt>On credit hold</dt><dd>3</dd>" in strip
    # The operating currency first when there are several.
    everything = content(client.get(PAGE + "?time=2026-11-30"))
    strip = everything[everything.index("ar-summary") :]
    strip = strip[: strip.index("</dl>")]
    assert strip.index("USD") < strip.index("EUR")


def test_a_promise_due_on_the_day_is_counted(client):
    # Gull Rock promised 1,000.00 by 2026-11-30.
    html = content(client.get(PAGE + "?time=2026-11-30"))
    assert re.search(r"<dt>Promises due (today|on 2026-11-30)</dt><dd>1</dd>", html)
    html = content(client.get(PAGE + "?time=2026-11-29"))
    assert "<dt>Promises due on 2026-11-29</dt><dd>0</dd>" in html
    # A day after today is not "today" either.
    later = content(client.get(PAGE + "?time=9998-12-31"))
    assert "Calls as of 9998-12-31" in later and "Today&#39;s calls" not in later


def test_a_customer_without_a_contact_says_so_and_links_to_add_one(tmp_path):
    main = write(
        tmp_path / "main.beancount",
        SMALL + '2026-01-05 * "Quiet Corp" "Brochures" ^Q-1\n'
        "  Assets:Receivable:Quiet   500.00 USD\n  Income:Sales\n",
    )
    html = content(
        app_for(main).get("/small-books/extension/Collections/?time=2026-06-30")
    )
    row = html[html.index("Quiet Corp") :]
    assert "No contact on file." in row
    link = re.search(r'href="([^"]*)#ar-add-contact">Add one', row)
    assert link and "customer=Assets%3AReceivable%3AQuiet" in link.group(1)


def test_the_empty_today_tells_a_filter_from_nothing_to_chase(client, tmp_path):
    narrowed = content(
        client.get(PAGE + f"?time={DEMO}&account=Assets:Receivable:Nope")
    )
    assert "No customer matches the filter." in narrowed
    assert "Nothing to chase" not in narrowed
    # A customer the filter keeps, with nothing to chase, is not "no match".
    harbor = content(
        client.get(PAGE + f"?time={DEMO}&account=Assets:Receivable:HarborLight")
    )
    assert "Nothing to chase on 2026-11-26 among the customers of the filter." in harbor
    for view in ("aging", "overdue", "metrics"):
        html = content(client.get(PAGE + f"?view={view}&time={DEMO}&account=Nope:X"))
        assert "No customer matches the filter." in html, view
    main = write(tmp_path / "main.beancount", SMALL)
    quiet = content(
        app_for(main).get("/small-books/extension/Collections/?time=2026-06-30")
    )
    assert "Nothing to chase on 2026-06-30." in quiet


# -- Aging ----------------------------------------------------------------------


def bars_of(html: str, currency: str) -> list[tuple[str, bool, str, str]]:
    """(bucket, has a bar, amount cell, share cell) for a currency's bars."""
    start = html.index(f"<h3>{currency}</h3>")
    table = html[start : html.index("</table>", start)]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="ar-track"[^>]*>(.*?)</td>\s*'
        r'<td class="num">(.*?)</td>\s*<td class="num">(.*?)</td>',
        table,
        re.S,
    )
    return [(b, "ar-bar" in bar, cell, share) for b, bar, cell, share in rows]


def test_aging_puts_the_operating_currency_first_with_shares_and_bars(client):
    html = content(client.get(PAGE + f"?view=aging&time={DEMO}"))
    assert html.index("<h3>USD</h3>") < html.index("<h3>EUR</h3>")
    for currency in ("USD", "EUR"):
        bars = bars_of(html, currency)
        assert [b[0] for b in bars] == ["current", "1-30", "31-60", "61-90", "91+"]
        shares = 0
        for bucket, has_bar, cell, share in bars:
            # A bar exactly where there is an amount; a blank cell, no bar.
            assert has_bar == (cell != BLANK), (currency, bucket)
            if has_bar:
                shares += int(share.split("&nbsp;")[0])
            else:
                assert share == BLANK
        assert 98 <= shares <= 102  # whole percents, rounded each
    # The bars' numbers are text a screen reader reads: the bar is decoration.
    assert 'class="ar-track" aria-hidden="true"' in html


def test_the_drill_down_says_where_it_is_totals_and_leads_back(client):
    aging = content(client.get(PAGE + f"?view=aging&time={DEMO}"))
    link = re.search(
        r'href="([^"]*view=invoices[^"]*customer=Assets%3AReceivable%3AGullRock'
        r'[^"]*bucket=91%2B[^"]*)">([^<]+)</a>',
        aging,
    )
    html = content(client.get(link.group(1).replace("&amp;", "&")))
    crumbs = html[html.index('<nav class="ar-crumbs"') :]
    crumbs = crumbs[: crumbs.index("</nav>")]
    assert ">Aging</a>" in crumbs and "91+ days" in crumbs
    assert "Gull Rock Brewing Co." in crumbs
    assert "Back to the aging" in html
    # The Aging tab stays the current one.
    assert re.search(r'view=aging" aria-current="page">Aging</a>', html)
    # The footer's total is the amount clicked.
    total = re.search(
        r"Total USD \((\d+) invoices?\)</th><th class=\"num\">(.*?)</th>", html
    )
    assert money_in(total.group(2), "USD") == [amount(link.group(2))]


def test_days_before_due_read_as_due_in(client):
    html = content(client.get(PAGE + f"?view=invoices&bucket=current&time={DEMO}"))
    assert re.search(r">due in \d+ days?<", html)
    assert not re.search(r'data-label="Days past due"[^>]*>-\d', html)


# -- Overdue --------------------------------------------------------------------


def overdue_rows(html: str) -> list[dict[str, str]]:
    table = html[html.index('<table class="ar-overdue') : html.index("</table>")]
    rows = []
    for row in table.split("<tr>")[2:]:
        cells = dict(re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.S))
        cells["customer"] = re.search(r'">([^<]+)</a>', row).group(1)
        rows.append(cells)
    return rows


def test_overdue_totals_per_currency_and_never_mixes_them(client):
    html = content(client.get(PAGE + f"?view=overdue&time={DEMO}"))
    strip = html[html.index('<dl class="ar-summary">') : html.index("</dl>")]
    assert re.search(r"<dt>12 invoices in USD</dt>", strip)
    assert strip.index("USD") < strip.index("EUR")
    rows = overdue_rows(html)
    assert len(rows) == 12
    shown = sum(money_in(r["Open"], "USD")[0] for r in rows)
    assert money_in(strip, "USD") == [shown]
    assert all("EUR" not in r["Open"] for r in rows)
    euro = content(client.get(PAGE + f"?view=overdue&currency=EUR&time={DEMO}"))
    assert [r["customer"] for r in overdue_rows(euro)] == ["Cidrerie Kerlouan"]


def test_overdue_sorts_by_a_column_both_ways(client):
    base = PAGE + f"?view=overdue&time={DEMO}"
    by_days = [int(r["Days past due"]) for r in overdue_rows(content(client.get(base)))]
    assert by_days == sorted(by_days, reverse=True)
    rows = overdue_rows(content(client.get(base + "&sort=open&dir=asc")))
    opened = [money_in(r["Open"], "USD")[0] for r in rows]
    assert opened == sorted(opened)
    html = content(client.get(base + "&sort=customer&dir=asc"))
    names = [r["customer"] for r in overdue_rows(html)]
    assert names == sorted(names, key=str.casefold)
    assert 'aria-sort="ascending"' in html


def test_overdue_filters_by_customer_and_level(client):
    base = PAGE + f"?view=overdue&time={DEMO}"
    rows = overdue_rows(content(client.get(base + "&q=gull")))
    assert {r["customer"] for r in rows} == {"Gull Rock Brewing Co."}
    rows = overdue_rows(content(client.get(base + "&level=agency")))
    assert rows and {r["Level"] for r in rows} == {"Agency"}
    html = content(client.get(base + "&q=nobody"))
    assert "No overdue invoice matches the filter." in html
    # Levels read as words, in the list and in the rows.
    assert '<option value="second-notice">Second notice</option>' in html
    assert ">second-notice<" not in html


def many_overdue(tmp_path: pathlib.Path, count: int) -> pathlib.Path:
    lines = [SMALL]
    for k in range(count):
        lines.append(
            f'2026-01-{k % 28 + 1:02d} * "Quiet Corp" "Job {k}" ^Q-{k:04d}\n'
            f"  Assets:Receivable:Quiet   {k + 1}.00 USD\n  Income:Sales\n"
        )
    return write(tmp_path / "main.beancount", "".join(lines))


def test_a_long_overdue_list_comes_a_page_of_200_at_a_time(tmp_path):
    client = app_for(many_overdue(tmp_path, 450))
    base = "/small-books/extension/Collections/?view=overdue&time=2026-06-30"
    first = content(client.get(base))
    assert len(overdue_rows(first)) == 200
    assert "Page 1 of 3 (450 invoices)" in first
    following = re.search(r'href="([^"]*page=2[^"]*)">Next page</a>', first)
    second = content(client.get(following.group(1).replace("&amp;", "&")))
    assert len(overdue_rows(second)) == 200
    last = content(client.get(base + "&page=3"))
    assert len(overdue_rows(last)) == 50
    assert "Previous page" in last and "Next page" not in last
    # Every invoice once across the pages; the total is that of all 450.
    ids = set()
    for page in (first, second, last):
        ids |= set(re.findall(r">(Q-\d{4})</a>", page))
    assert len(ids) == 450
    assert money_in(first[: first.index("</dl>")], "USD") == [
        Decimal(sum(range(1, 451)))
    ]


# -- Forms ----------------------------------------------------------------------


def customer_page(client, account: str = GULL, extra: str = "") -> str:
    return client.get(PAGE + f"?view=customer&customer={account}{extra}").get_data(
        as_text=True
    )


def post(client, data: dict[str, str]):
    token = TOKEN.search(customer_page(client)).group(1)
    return client.post(PAGE + "log", data={"csrf_token": token, **data})


def test_each_form_has_a_heading_native_dates_and_a_decimal_keypad(client):
    html = customer_page(client)
    for heading in ("Log a note", "Add a follow-up", "Record a promise to pay",
                    "Add a contact"):  # fmt: skip
        assert re.search(rf"<h4 id=\"ar-h-\w+\">{heading}</h4>", html)
    for field in ("ar-note-date", "ar-followup-due", "ar-promise-by"):
        assert re.search(rf'id="{field}" name="\w+" type="date"', html)
    assert re.search(r'id="ar-promise-amount"[^>]* inputmode="decimal"', html)
    assert re.search(r'id="ar-contact-email" name="email" type="email"', html)
    assert re.search(r'id="ar-contact-phone" name="phone" type="tel"', html)


def test_the_promise_offers_the_overdue_amount(client):
    html = customer_page(client, extra=f"&time={DEMO}")
    # Gull Rock has 8,815.00 USD overdue on the demo day.
    assert (
        'id="ar-promise-amount" name="amount" type="text" value="8815.00 USD"' in html
    )


def test_a_refused_form_marks_its_field_and_points_to_the_message(client, books):
    before = (books / "collections.beancount").read_bytes()
    response = post(client, {"kind": "promise", "customer": GULL,
                             "amount": "50000 USD", "by": "2099-01-01"})  # fmt: skip
    assert response.status_code == 400
    html = content(response)
    field = re.search(r'<input id="ar-promise-amount"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="ar-promise-error"' in field
    assert "autofocus" in field
    assert 'value="50000 USD"' in field  # what was typed stays
    message = re.search(
        r'<p class="ar-error" id="ar-promise-error" role="alert">(.*?)</p>', html
    )
    assert "more than is owed" in message.group(1)
    # Only that field is marked.
    assert html.count('aria-invalid="true"') == 1
    assert (books / "collections.beancount").read_bytes() == before


def test_a_contact_added_through_the_form_is_an_ar_contact_that_loads(client, books):
    response = post(client, {"kind": "contact", "customer": GULL,
                             "name": "Rita Moreau", "role": "A/P Clerk",
                             "email": "rita@gullrockbrewing.example",
                             "phone": "+1 207 555 0170"})  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#ar-contacts")
    text = (books / "collections.beancount").read_text()
    assert (
        'custom "ar-contact" Assets:Receivable:GullRock "Rita Moreau" "A/P Clerk" '
        '"rita@gullrockbrewing.example" "+1 207 555 0170"'
    ) in text
    _, errors, _ = loader.load_file(str(books / "main.beancount"))
    assert not errors
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged: the contact is in the ledger." in page
    assert '<td class="ar-first">Rita Moreau</td>' in page
    assert 'href="tel:+12075550170"' in page


def test_a_contact_with_a_bad_email_is_refused_beside_the_field(client, books):
    before = (books / "collections.beancount").read_bytes()
    response = post(client, {"kind": "contact", "customer": GULL,
                             "name": "Rita", "email": "rita at gull rock"})  # fmt: skip
    assert response.status_code == 400
    html = content(response)
    field = re.search(r'<input id="ar-contact-email"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert "is not an email address" in html
    assert (books / "collections.beancount").read_bytes() == before


def test_bean_ar_log_contact_writes_the_same_directive(books):
    main = books / "main.beancount"
    result = CliRunner().invoke(
        cli,
        ["log", "contact", str(main), "Gull Rock", "Rita Moreau",
         "--role", "A/P Clerk", "--email", "rita@gullrockbrewing.example",
         "--phone", "+1 207 555 0170", "--date", DEMO],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (books / "collections.beancount").read_text()
    assert text.endswith(
        '2026-11-26 custom "ar-contact" Assets:Receivable:GullRock "Rita Moreau" '
        '"A/P Clerk" "rita@gullrockbrewing.example" "+1 207 555 0170"\n'
    )
    # Whom to ask for now lists her, and the books still load clean.
    shown = CliRunner().invoke(
        cli, ["customer", str(main), "Gull Rock", "--as-of", DEMO]
    )
    assert "Rita Moreau" in shown.stdout and "+1 207 555 0170" in shown.stdout
    _, errors, _ = loader.load_file(str(main))
    assert not errors
    bad = CliRunner().invoke(
        cli, ["log", "contact", str(main), "Gull Rock", "X", "--email", "nope"]
    )
    assert bad.exit_code == 2 and "is not an email address" in bad.stderr


def test_links_say_where_they_go(client):
    html = content(client.get(PAGE + f"?time={DEMO}"))
    assert 'Log a note<span class="ar-sr"> for Gull Rock Brewing Co.</span>' in html
    assert 'Email<span class="ar-sr"> Gull Rock Brewing Co.</span>' in html
    # No link whose whole text is a bare verb.
    for text in re.findall(r"<a [^>]*>([^<]*)</a>", html):
        assert text.strip().lower() not in ("here", "log", "email", "view", "more")


def test_an_entry_logged_after_the_pages_date_says_where_to_see_it(client, books):
    # The page is as of the demo day; the note is dated three days later.
    token = TOKEN.search(customer_page(client)).group(1)
    response = client.post(
        PAGE + f"log?time={DEMO}",
        data={"csrf_token": token, "kind": "note", "customer": GULL,
              "text": "Dave called back", "date": "2026-11-29"},
    )  # fmt: skip
    assert response.status_code == 303
    page = content(client.get(response.headers["Location"]))
    assert "Dave called back" not in page  # not yet, as of the demo day
    flash = re.search(r'<p class="ar-flash" role="status">(.*?)</p>', page, re.S)
    assert "dated 2026-11-29, after this page's date" in flash.group(1)
    later = re.search(r'href="([^"]+)">See it as of today</a>', flash.group(1))
    target = later.group(1).replace("&amp;", "&")
    assert "time=" not in target and target.endswith("#ar-timeline")
    shown = content(client.get(target))
    new = re.search(r'<li class="ar-new" id="ar-logged">(.*?)</li>', shown, re.S)
    assert "Dave called back" in new.group(1)


def test_the_trend_chart_has_round_ticks_above_its_tallest_column():
    import datetime

    from beancount_ar import aging, fava_views

    point = aging.TrendPoint(
        datetime.date(2026, 10, 31),
        {"current": {"USD": Decimal("30000")}, "91+": {"USD": Decimal("10138")}},
        {},
        {"USD": Decimal("40138")},
    )
    (chart,) = fava_views.charts([point], (30, 60, 90), ["USD"])
    labels = [label for _, label in chart.ticks]
    assert labels == ["0", "10,000", "20,000", "30,000", "40,000", "50,000"]
    assert chart.top >= Decimal("40138")
    column = chart.columns[0]
    # Stacked from the bottom, current first, inside the drawing.
    assert [s[0] for s in column.segments] == ["current", "91+"]
    assert min(s[2] for s in column.segments) >= chart.ticks[-1][0]


# -- Long views: a page a browser lays out fast, totals of everything -----------


def many_customers(tmp_path: pathlib.Path, count: int) -> pathlib.Path:
    """`count` customers, each with one invoice overdue in June; customer k
    owes (k + 1) * 10.00 USD."""
    lines = [SMALL]
    for k in range(count):
        lines.append(
            f"2020-01-01 open Assets:Receivable:C{k:03d}\n"
            f'  customer: "Customer {k:03d}"\n  terms: "Net 30"\n'
            f'2026-04-{k % 28 + 1:02d} * "Customer {k:03d}" "Job" ^C-{k:03d}\n'
            f"  Assets:Receivable:C{k:03d}   {(k + 1) * 10}.00 USD\n  Income:Sales\n"
        )
    return write(tmp_path / "main.beancount", "".join(lines))


def show_all(html: str) -> str:
    link = re.search(r'<a href="([^"]+)">Show all \d+', html)
    return link.group(1).replace("&amp;", "&")


def test_today_shows_the_50_most_pressing_calls_and_counts_them_all(tmp_path):
    client = app_for(many_customers(tmp_path, 120))
    page = "/small-books/extension/Collections/?time=2026-06-30"
    html = content(client.get(page))
    assert "<dt>Calls to make</dt><dd>120</dd>" in html
    assert html.count('<td class="ar-first">') == 50
    assert "50 of 120 calls shown: the most pressing first." in html
    everything = content(client.get(show_all(html)))
    assert everything.count('<td class="ar-first">') == 120
    assert "Show all" not in everything


def test_aging_of_many_customers_shows_the_largest_and_totals_all(tmp_path):
    client = app_for(many_customers(tmp_path, 120))
    html = content(
        client.get("/small-books/extension/Collections/?view=aging&time=2026-06-30")
    )
    rows = re.findall(r'<tr data-account="Assets:Receivable:C(\d+)">', html)
    assert len(rows) == 100
    # The 100 largest balances (customers 20 to 119), in name order.
    assert rows == [f"{k:03d}" for k in range(20, 120)]
    total = re.search(r'<th class="num" data-bucket="total">([^<]+)</th>', html)
    assert amount(total.group(1)) == Decimal(sum((k + 1) * 10 for k in range(120)))
    assert (
        "100 of 120 customers shown: the largest balances; the totals are of all, "
        "a sort orders those shown." in html
    )
    everything = content(client.get(show_all(html)))
    assert len(re.findall(r'<tr data-account="Assets:Receivable:C', everything)) == 120


def test_the_drill_down_pages_by_200_and_sorts_them_all(tmp_path):
    client = app_for(many_overdue(tmp_path, 450))
    base = "/small-books/extension/Collections/?time=2026-06-30"
    html = content(client.get(base + "&view=invoices&currency=USD"))
    assert len(re.findall(r'<tr><td class="ar-first">', html)) == 200
    assert "Page 1 of 3 (450 invoices)" in html
    assert "Total USD (450 invoices)" in html
    assert money_in(html[html.index("<tfoot>") :], "USD") == [
        Decimal(sum(range(1, 451)))
    ]
    # Sorting by the open amount sorts all 450, not the page: the largest
    # invoice (450.00, Q-0449) comes first.
    link = re.search(r'<a href="([^"]*sort=open[^"]*)">Open', html).group(1)
    largest = content(client.get(link.replace("&amp;", "&")))
    first = re.search(r'<tr><td class="ar-first"><a [^>]*>([^<]+)</a>', largest)
    assert first.group(1) == "Q-0449"
    assert 'aria-sort="descending"' in largest
    last = content(client.get(base + "&view=invoices&currency=USD&page=3"))
    assert len(re.findall(r'<tr><td class="ar-first">', last)) == 50


def test_a_customer_with_450_open_items_shows_100_and_offers_all(tmp_path):
    client = app_for(many_overdue(tmp_path, 450))
    base = "/small-books/extension/Collections/?time=2026-06-30"
    quiet = content(
        client.get(base + "&view=customer&customer=Assets:Receivable:Quiet")
    )
    table = quiet[quiet.index('<table class="ar-items') : quiet.index("</table>")]
    assert table.count('<tr><td class="ar-first">') == 100
    assert "100 of 450 open items shown: the oldest first" in quiet
    everything = content(client.get(show_all(quiet)))
    table = everything[everything.index('<table class="ar-items') :]
    assert table[: table.index("</table>")].count('<tr><td class="ar-first">') == 450
    # The promise form offers every open invoice either way.
    assert quiet.count("<option>Q-") == 450


def test_every_invoice_number_leads_to_its_entries_however_it_got_its_id(tmp_path):
    main = write(
        tmp_path / "main.beancount",
        SMALL + '2026-01-05 * "Quiet Corp" "By link" ^L-1\n'
        "  Assets:Receivable:Quiet   100.00 USD\n  Income:Sales\n"
        '2026-01-06 * "Quiet Corp" "By metadata"\n  invoice: "M.1"\n'
        "  Assets:Receivable:Quiet   200.00 USD\n  Income:Sales\n"
        '2026-01-07 * "Quiet Corp" "No id at all"\n'
        "  Assets:Receivable:Quiet   300.00 USD\n  Income:Sales\n",
    )
    client = app_for(main)
    html = content(
        client.get("/small-books/extension/Collections/?view=overdue&time=2026-06-30")
    )
    links = dict(
        (label, href.replace("&amp;", "&"))
        for href, label in re.findall(
            r'<a href="([^"]+)" title="The invoice[^>]*>([^<]+)</a>', html
        )
    )
    assert links["L-1"] == "/small-books/journal/?filter=%5EL-1"
    by_meta = links["M.1"]
    assert by_meta.startswith("/small-books/journal/?filter=")
    (generated,) = [k for k in links if k not in ("L-1", "M.1")]
    assert links[generated].startswith("#context-")
    # Fava's journal with that filter holds the invoice.
    query = by_meta.split("?", 1)[1]
    rows = client.get(
        f"/small-books/api/journal_page?page=1&order=desc&{query}"
    ).get_json()["data"]["journal"]
    assert "By metadata" in rows and "By link" not in rows


def test_a_total_with_unapplied_credits_drills_down_to_them(client):
    aging = content(client.get(PAGE + f"?view=aging&time={DEMO}"))
    cell = re.search(
        r'<tr data-account="Assets:Receivable:MunjoyHillBooks">.*?'
        r'data-bucket="total"><a href="([^"]+)">([^<]+)</a>',
        aging,
        re.S,
    )
    assert cell.group(2) == "-1,000.00"
    html = content(client.get(cell.group(1).replace("&amp;", "&")))
    foot = html[html.index("<tfoot>") : html.index("</tfoot>")]
    assert "Unapplied credits USD" in foot
    assert money_in(foot, "USD")[-1] == Decimal("-1000.00")  # the balance
    credits = html[html.index("<h3>Unapplied credits</h3>") :]
    assert money_in(credits, "USD") == [Decimal("-1000.00")]
    assert 'href="#context-' in credits
    # The whole USD total agrees with the aging's too.
    every = content(client.get(PAGE + f"?view=invoices&currency=USD&time={DEMO}"))
    foot = every[every.index("<tfoot>") : every.index("</tfoot>")]
    assert money_in(foot, "USD")[-1] == Decimal("51403.61")


def test_overdue_cards_carry_the_call_and_email_buttons(client):
    html = content(client.get(PAGE + f"?view=overdue&time={DEMO}&q=gull"))
    first = html[html.index('<td class="ar-first">') :]
    first = first[: first.index("</td>")]
    # Gull Rock is at the agency level: the owner is asked for.
    assert 'href="tel:+12075550163"' in first
    assert 'href="mailto:dave@gullrockbrewing.example"' in first


def test_overdue_links_keep_the_currency_the_filter_and_the_order(client):
    base = PAGE + f"?view=overdue&time={DEMO}"
    html = content(client.get(base + "&currency=EUR"))
    # The filter form keeps the currency tab and the order.
    form = html[html.index('<form class="ar-filters"') : html.index("</form>")]
    assert '<input type="hidden" name="currency" value="EUR">' in form
    assert '<input type="hidden" name="sort" value="days">' in form
    assert 'aria-current="true">EUR (1)</a>' in html
    assert html.count('aria-current="page"') == 1  # the Overdue tab alone
    # A first click on a text column sorts A to Z; on an amount, largest first.
    assert re.search(r'href="[^"]*sort=customer&amp;dir=asc"', html)
    assert re.search(r'href="[^"]*sort=open&amp;dir=desc"', html)
    # Nonsense in the address falls back to the defaults.
    odd = content(client.get(base + "&level=bogus&sort=x&dir=y&page=abc&currency=XYZ"))
    assert len(overdue_rows(odd)) == 12
    # "all" levels is chosen: no other option is.
    assert "selected>" not in odd[odd.index('id="ar-level"') : odd.index("</select>")]


def test_a_phone_gets_a_sort_bar_instead_of_hidden_headers(client):
    html = content(client.get(PAGE + f"?view=overdue&time={DEMO}"))
    bar = html[html.index('<nav class="ar-sortbar"') :]
    bar = bar[: bar.index("</nav>")]
    assert re.findall(r"<a [^>]*>([A-Z][a-z]+)", bar) == [
        "Customer", "Open", "Level", "Days", "Invoice"
    ]  # fmt: skip
    assert 'aria-current="true">Days' in bar


def test_a_write_that_fails_is_said_beside_its_form_and_takes_the_focus(client, books):
    # The collections file is read-only: the writer refuses, nothing changes.
    collections = books / "collections.beancount"
    before = collections.read_bytes()
    collections.chmod(0o444)
    try:
        response = post(client, {"kind": "contact", "customer": GULL,
                                 "name": "Rita Moreau"})  # fmt: skip
    finally:
        collections.chmod(0o644)
    assert response.status_code == 400
    html = content(response)
    form = html[html.index('id="ar-add-contact"') :]
    form = form[: form.index("</form>")]
    message = re.search(
        r'<p class="ar-error ar-error-form" role="alert" tabindex="-1">(.*?)</p>', form
    )
    assert "read-only" in message.group(1)
    assert 'aria-invalid="true"' not in html  # no field is at fault
    assert 'value="Rita Moreau"' in form  # what was typed stays
    assert collections.read_bytes() == before
