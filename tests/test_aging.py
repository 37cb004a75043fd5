"""Aging: buckets, bases, custom bounds, historical dates, the overdue list."""

from __future__ import annotations

import pytest
from arutil import D, day, load

from beancount_ar import aging

ONE_INVOICE = """
2024-01-01 * "Acme Corp" "Logo" ^INV-1
  due: 2024-01-31
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
"""


@pytest.mark.parametrize(
    ("as_of", "days", "bucket"),
    [
        ("2024-01-30", -1, "current"),
        ("2024-01-31", 0, "current"),
        ("2024-02-01", 1, "1-30"),
        ("2024-03-01", 30, "1-30"),
        ("2024-03-02", 31, "31-60"),
        ("2024-03-31", 60, "31-60"),
        ("2024-04-01", 61, "61-90"),
        ("2024-04-30", 90, "61-90"),
        ("2024-05-01", 91, "91+"),
    ],
)
def test_bucket_boundaries_by_days_past_due(as_of, days, bucket):
    led = load(ONE_INVOICE)
    report = aging.aging(led.index, day(as_of))
    (item,) = report.items
    assert item.days_overdue == days
    assert report.rows[0].buckets == {bucket: {"USD": D("1000.00")}}


@pytest.mark.parametrize(
    ("as_of", "bucket"),
    [
        ("2024-01-31", "0-30"),
        ("2024-02-01", "31-60"),
        ("2024-03-01", "31-60"),
        ("2024-03-02", "61-90"),
        ("2024-03-31", "61-90"),
        ("2024-04-01", "91+"),
    ],
)
def test_invoice_basis_ages_by_invoice_date(as_of, bucket):
    led = load(ONE_INVOICE)
    report = aging.aging(led.index, day(as_of), basis="invoice")
    assert report.labels == ("0-30", "31-60", "61-90", "91+")
    assert report.rows[0].buckets == {bucket: {"USD": D("1000.00")}}


def test_custom_buckets_make_their_own_labels():
    led = load(ONE_INVOICE)
    report = aging.aging(led.index, day("2024-02-20"), bounds=(15, 45))
    assert report.labels == ("current", "1-15", "16-45", "46+")
    assert report.rows[0].buckets == {"16-45": {"USD": D("1000.00")}}


def test_buckets_from_the_plugin_config():
    led = load(ONE_INVOICE, config="{'buckets': [10, 20]}")
    report = aging.aging(led.index, day("2024-02-20"))
    assert report.labels == ("current", "1-10", "11-20", "21+")
    assert report.rows[0].buckets == {"11-20": {"USD": D("1000.00")}}


def test_historical_as_of_shows_what_was_owed_that_day():
    led = load(
        ONE_INVOICE,
        """
        2024-02-15 * "Acme Corp" "Part payment" ^INV-1
          Assets:Bank:Checking     600.00 USD
          Assets:Receivable:Acme

        2024-03-15 * "Acme Corp" "Rest" ^INV-1
          Assets:Bank:Checking     400.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert aging.aging(led.index, day("2023-12-31")).rows == []
    assert aging.aging(led.index, day("2024-02-14")).totals.total == {
        "USD": D("1000.00")
    }
    assert aging.aging(led.index, day("2024-02-15")).totals.total == {
        "USD": D("400.00")
    }
    assert aging.aging(led.index, day("2024-03-15")).rows == []


def test_currencies_are_never_summed():
    led = load(
        ONE_INVOICE,
        """
        2024-01-05 * "Beta LLC" "Euro job" ^B-1
          Assets:Receivable:Beta    300.00 EUR
          Income:Design
        """,
    )
    report = aging.aging(led.index, day("2024-01-10"))
    assert report.totals.total == {"USD": D("1000.00"), "EUR": D("300.00")}
    assert report.totals.buckets == {
        "current": {"USD": D("1000.00"), "EUR": D("300.00")}
    }


def test_customer_filter_limits_the_report():
    led = load(
        ONE_INVOICE,
        """
        2024-01-05 * "Beta LLC" "Flyers" ^B-1
          Assets:Receivable:Beta    300.00 USD
          Income:Design
        """,
    )
    report = aging.aging(
        led.index, day("2024-01-10"), accounts={"Assets:Receivable:Beta"}
    )
    assert [row.name for row in report.rows] == ["Beta LLC"]
    assert report.totals.total == {"USD": D("300.00")}


def test_terms_decide_the_due_date_and_so_the_bucket():
    led = load(
        """
        2024-01-31 * "Acme Corp" "Logo" ^INV-1
          terms: "Net 15 EOM"
          Assets:Receivable:Acme   100.00 USD
          Income:Design
        """
    )
    (invoice,) = led.index.invoices
    assert invoice.due == day("2024-02-15")
    assert aging.aging(led.index, day("2024-02-15")).rows[0].buckets == {
        "current": {"USD": D("100.00")}
    }


OVERDUE = """
2024-01-01 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design

2024-02-01 * "Acme Corp" "Flyers" ^INV-2
  Assets:Receivable:Acme    200.00 USD
  Income:Design

2024-03-01 * "Beta LLC" "Poster" ^B-1
  Assets:Receivable:Beta    300.00 USD
  Income:Design

2024-03-10 custom "ar-dispute" Assets:Receivable:Acme "INV-2" "Wrong colours"
2024-03-12 custom "ar-promise" Assets:Receivable:Acme 1000.00 USD 2024-03-20 "INV-1"
2024-03-12 note Assets:Receivable:Acme "Called Jane, promised by the 20th"
  contact: "Jane Doe"
  channel: "phone"
2024-03-12 custom "ar-followup" Assets:Receivable:Acme 2024-03-21 "Check the cheque came"
"""


def test_overdue_lists_most_overdue_first_with_level_and_status():
    led = load(OVERDUE)
    items = aging.overdue(led.index, day("2024-03-25"))
    assert [(o.item.invoice.id, o.item.days_overdue) for o in items] == [
        ("INV-1", 54),
        ("INV-2", 23),
    ]
    first, second = items
    assert first.level == "owner"  # 45 days or more
    assert second.level == "second-notice"  # 15 days or more
    assert first.promise.status == "broken"
    assert first.last_note.contact == "Jane Doe"
    assert first.next_followup.due == day("2024-03-21")
    assert second.dispute.reason == "Wrong colours"
    assert first.dispute is None


def test_overdue_min_days_filters_short_delays():
    led = load(OVERDUE)
    items = aging.overdue(led.index, day("2024-03-25"), min_days=30)
    assert [o.item.invoice.id for o in items] == ["INV-1"]


def test_invoice_not_yet_past_due_is_not_overdue():
    led = load(OVERDUE)
    assert aging.overdue(led.index, day("2024-01-31")) == []


def test_month_ends_step_back_from_the_as_of_date():
    assert aging.month_ends(day("2024-03-15"), 3) == [
        day("2023-12-31"),
        day("2024-01-31"),
        day("2024-02-29"),
    ]
    assert aging.month_ends(day("2024-03-31"), 2) == [
        day("2024-02-29"),
        day("2024-03-31"),
    ]


def test_the_trend_equals_the_aging_totals_of_each_month_end():
    led = load(EXAMPLE_LIKE_TREND)
    ends = aging.month_ends(day("2024-06-30"), 8)
    for point in aging.trend(led.index, ends):
        totals = aging.aging(led.index, point.date).totals
        assert point.buckets == totals.buckets
        assert point.unapplied == totals.unapplied
        assert point.total == totals.total


EXAMPLE_LIKE_TREND = """
2024-01-10 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme    1000.00 USD
  Income:Design

2024-02-20 * "Acme Corp" "Part payment" ^INV-1
  Assets:Bank:Checking       400.00 USD
  Assets:Receivable:Acme

2024-03-05 * "Beta LLC" "Prepayment"
  Assets:Bank:Checking       300.00 USD
  Assets:Receivable:Beta

2024-04-01 * "Beta LLC" "Flyers" ^B-1
  Assets:Receivable:Beta     500.00 USD
  Income:Design

2024-05-15 * "Acme Corp" "Rest" ^INV-1
  Assets:Bank:Checking       600.00 USD
  Assets:Receivable:Acme

2024-06-01 * "Beta LLC" "Cards" ^B-2
  Assets:Receivable:Beta     250.00 EUR
  Income:Design
"""


def test_month_ends_stop_at_the_first_month_and_take_the_last_day():
    import datetime

    assert aging.month_ends(datetime.date.max, 1) == [datetime.date.max]
    assert aging.month_ends(day("0001-02-10"), 5) == [day("0001-01-31")]
    assert aging.month_ends(day("2024-01-15"), 1) == [day("2023-12-31")]


def test_a_trend_of_no_days_is_empty_and_one_of_some_accounts_is_theirs():
    led = load(EXAMPLE_LIKE_TREND)
    assert aging.trend(led.index, []) == []
    acme = {"Assets:Receivable:Acme"}
    for point in aging.trend(led.index, aging.month_ends(day("2024-06-30"), 6), acme):
        totals = aging.aging(led.index, point.date, accounts=acme).totals
        assert (point.buckets, point.total) == (totals.buckets, totals.total)
