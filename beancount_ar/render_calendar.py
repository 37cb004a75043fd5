"""The collections calendar as an RFC 5545 file (`.ics`), with `icalendar`.

The one function both `bean-ar calendar` and the Fava subscription URL call:
the same ledger and as-of date give the same bytes. Every event is an
all-day `VEVENT` (`DTSTART;VALUE=DATE`, `DTEND` the next day), free time
(`TRANSP:TRANSPARENT`), with the engine's stable `UID`. `DTSTAMP` is the
as-of date at midnight UTC and `SEQUENCE` counts the days from 2000-01-01 to
it, so a file made on a later day supersedes an earlier one when it is
imported again, and two runs on the same day are identical.
"""

from __future__ import annotations

import datetime

import icalendar

from beancount_ar import calendar, payments
from beancount_ar.openitems import Index

PRODID = "-//beancount-ar//Collections calendar//EN"
#: How often a subscribed calendar app should fetch the file again.
REFRESH = datetime.timedelta(hours=1)
#: SEQUENCE counts days from here, so that it grows with the as-of date.
EPOCH = datetime.date(2000, 1, 1)


def calendar_name(index: Index, as_of: datetime.date) -> str:
    """ "Collections — Northwind Design & Print", from the `ar-company`."""
    seller = payments.company(index, as_of)
    return f"Collections — {seller.name}" if seller and seller.name else "Collections"


def ics(
    index: Index,
    as_of: datetime.date,
    history_days: int = calendar.HISTORY_DAYS,
) -> bytes:
    """The collections calendar on `as_of` as an iCalendar file.

    Args:
        index: The open-item index.
        as_of: The day the calendar is made: the CLI's `--as-of` (default
            today), today for the Fava subscription. Never read here.
        history_days: Past events kept, in days before `as_of`.

    Returns:
        The `.ics` file, CRLF line endings, UTF-8.
    """
    stamp = datetime.datetime.combine(as_of, datetime.time(), datetime.timezone.utc)
    sequence = max(0, (as_of - EPOCH).days)
    name = calendar_name(index, as_of)

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add(
        "x-wr-caldesc",
        f"Follow-ups, promises to pay, plan instalments and collection levels, "
        f"as of {as_of}",
    )
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    for event in calendar.events(index, as_of, history_days):
        vevent = icalendar.Event()
        vevent.add("uid", event.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("sequence", sequence)
        vevent.add("dtstart", event.day)
        vevent.add("dtend", event.day + calendar.ONE_DAY)
        vevent.add("summary", event.summary)
        vevent.add("description", event.description)
        vevent.add("categories", ["Collections", event.kind])
        vevent.add("transp", "TRANSPARENT")
        cal.add_component(vevent)
    return cal.to_ical()
