"""The collections calendar: its events, the .ics file and `bean-ar calendar`."""

from __future__ import annotations

import datetime
import pathlib
import textwrap

import icalendar
import pytest
from arutil import HEADER, day, load
from click.testing import CliRunner

import beancount_ar.cli.calendar  # noqa: F401 (registers the command)
from beancount_ar import calendar, ledger, render_calendar, worklist
from beancount_ar.cli.common import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger" / "main.beancount"
AS_OF = day("2026-03-10")

# Net 30 and the default levels: reminder 5, second notice 15, manager 30,
# owner 45, final demand 60, agency 90 days past due.
BODY = """
2020-01-01 open Assets:Receivable:Gamma
  customer: "Gamma Inc"
2026-01-01 custom "ar-company" "Northwind Design"
2026-01-01 custom "ar-contact" Assets:Receivable:Acme "Jane Roe" "A/P Clerk" "jane@acme.example" "+1 555 0100"
2026-01-01 custom "ar-contact" Assets:Receivable:Acme "Ann Boss" "Owner" "ann@acme.example" "+1 555 0101"

; due 2026-02-04
2026-01-05 * "Acme Corp" "Brochure" ^INV-1
  Assets:Receivable:Acme   1500.00 USD
  Income:Design

; due 2026-02-19, disputed
2026-01-20 * "Acme Corp" "Posters" ^INV-2
  Assets:Receivable:Acme   800.00 USD
  Income:Design
2026-02-25 custom "ar-dispute" Assets:Receivable:Acme "INV-2" "Wrong colour"

; due 2026-03-31, not yet due on 2026-03-10
2026-03-01 * "Acme Corp" "Flyers" ^INV-3
  Assets:Receivable:Acme   300.00 USD
  Income:Design

2026-03-01 custom "ar-followup" Assets:Receivable:Acme 2026-03-12 "Call Jane about INV-1"

; due 2026-02-09, covered by a pending promise
2026-01-10 * "Beta LLC" "Catalogue" ^B-1
  Assets:Receivable:Beta   2400.00 USD
  Income:Design
2026-03-01 custom "ar-promise" Assets:Receivable:Beta 1200.00 USD 2026-03-15 "B-1"

2025-10-01 * "Gamma Inc" "Signage" ^G-1
  Assets:Receivable:Gamma   3000.00 USD
  Income:Design
2026-02-01 custom "ar-plan" Assets:Receivable:Gamma 3000.00 USD 3 "monthly" 2026-02-15
2026-02-14 * "Gamma Inc" "Instalment 1" ^G-1
  Assets:Bank:Checking   1000.00 USD
  Assets:Receivable:Gamma
"""


def events_of(*bodies: str, as_of: datetime.date = AS_OF, config: str = "{}"):
    led = load(BODY, *bodies, config=config)
    assert not led.errors, [e.message for e in led.errors]
    return {e.uid: e for e in calendar.events(led.index, as_of)}


def uid(text: str) -> str:
    return f"{text}@beancount-ar"


def test_a_follow_up_is_on_its_due_date():
    found = events_of()
    followups = [e for e in found.values() if e.kind == calendar.FOLLOW_UP]
    assert len(followups) == 1
    event = followups[0]
    assert event.day == day("2026-03-12")
    assert event.summary == "Acme Corp: Call Jane about INV-1"
    assert event.invoices == ("INV-1",)
    assert event.uid.startswith("followup-Assets.Receivable.Acme-2026-03-01-")
    # INV-1 is at the manager level; Acme has no manager: ask for the owner.
    assert "Ask for Ann Boss (Owner), +1 555 0101, ann@acme.example." in (
        event.description
    )


def test_a_follow_up_done_by_a_note_stays_marked_done():
    note = '2026-03-12 note Assets:Receivable:Acme "Jane will pay Friday"\n'
    before = events_of()
    after = events_of(note, as_of=day("2026-03-13"))
    [key] = [k for k, e in before.items() if e.kind == calendar.FOLLOW_UP]
    assert after[key].day == day("2026-03-12")
    assert after[key].state == "done"
    assert after[key].summary == "Acme Corp: Call Jane about INV-1 — done"


def test_a_pending_promise_is_on_the_day_promised():
    event = events_of()[uid("promise-Assets.Receivable.Beta-2026-03-01-B-1")]
    assert event.day == day("2026-03-15")
    assert event.state == "pending"
    assert event.summary == "Check Beta LLC paid the 1,200.00 USD promised (B-1)"
    assert "Promised on 2026-03-01: 1,200.00 USD towards B-1 by 2026-03-15." in (
        event.description
    )


def test_a_kept_and_a_broken_promise_keep_their_uid():
    key = uid("promise-Assets.Receivable.Beta-2026-03-01-B-1")
    paid = """
    2026-03-14 * "Beta LLC" "Payment" ^B-1
      Assets:Bank:Checking   1200.00 USD
      Assets:Receivable:Beta
    """
    kept = events_of(paid, as_of=day("2026-03-20"))[key]
    assert kept.day == day("2026-03-15")
    assert kept.summary == "Beta LLC kept its promise of 1,200.00 USD (B-1)"
    broken = events_of(as_of=day("2026-03-20"))[key]
    assert broken.summary == "Beta LLC broke its promise of 1,200.00 USD (B-1)"


def test_plan_instalments_are_numbered_with_what_was_paid():
    found = events_of()
    plan = {e.day: e for e in found.values() if e.kind == calendar.PLAN}
    # 3,000.00 in 3 monthly instalments from 2026-02-15; 1,000.00 paid 02-14.
    assert sorted(plan) == [day("2026-02-15"), day("2026-03-15"), day("2026-04-15")]
    assert plan[day("2026-02-15")].summary == (
        "Gamma Inc instalment 1 of 3: 1,000.00 USD paid"
    )
    assert plan[day("2026-03-15")].summary == (
        "Gamma Inc instalment 2 of 3: 1,000.00 USD due"
    )
    assert plan[day("2026-04-15")].uid == uid(
        "plan-Assets.Receivable.Gamma-2026-02-01-3"
    )


def test_an_overdue_invoice_is_on_the_day_it_reaches_its_next_level():
    event = events_of()[uid("level-Assets.Receivable.Acme-INV-1-owner")]
    # due 2026-02-04, 34 days past due on 03-10: owner at 45 days.
    assert event.day == day("2026-03-21")
    assert event.summary == "Acme Corp: INV-1 reaches the owner level"
    # Whom to ask for at that level, with the phone to call.
    assert "Ask for Ann Boss (Owner), +1 555 0101, ann@acme.example." in (
        event.description
    )
    assert "1,500.00 USD open of 1,500.00 USD, due 2026-02-04" in event.description


def test_levels_reached_in_the_last_30_days_stay_with_their_outcome():
    found = events_of()
    levels = sorted(
        (e.day, e.summary)
        for e in found.values()
        if e.kind == calendar.LEVEL and "INV-1" in e.invoices
    )
    assert levels == [
        (day("2026-02-09"), "Acme Corp: INV-1 reached the reminder level — still open"),
        (
            day("2026-02-19"),
            "Acme Corp: INV-1 reached the second notice level — still open",
        ),
        (day("2026-03-06"), "Acme Corp: INV-1 reached the manager level — still open"),
        (day("2026-03-21"), "Acme Corp: INV-1 reaches the owner level"),
    ]


def test_a_not_yet_due_invoice_reaches_the_first_level_after_grace_days():
    event = events_of()[uid("level-Assets.Receivable.Acme-INV-3-reminder")]
    assert event.day == day("2026-04-05")  # due 03-31 + grace 5


def test_disputed_and_promised_invoices_get_no_level_event():
    found = events_of()
    about = {i for e in found.values() if e.kind == calendar.LEVEL for i in e.invoices}
    assert "INV-2" not in about  # disputed
    assert "B-1" not in about  # a pending promise covers it
    assert "G-1" not in about  # the plan covers it


def test_a_paid_invoice_keeps_its_past_levels_marked_paid_and_loses_the_next():
    paid = """
    2026-03-08 * "Acme Corp" "Payment" ^INV-1
      Assets:Bank:Checking   1500.00 USD
      Assets:Receivable:Acme
    """
    found = events_of(paid)
    levels = sorted(
        (e.day, e.state, e.summary)
        for e in found.values()
        if e.kind == calendar.LEVEL and "INV-1" in e.invoices
    )
    # Reached while it was open, in the last 30 days: still there, paid; the
    # owner level it would have reached on 03-21 is gone.
    assert levels == [
        (
            day("2026-02-09"),
            "paid",
            "Acme Corp: INV-1 reached the reminder level — paid",
        ),
        (
            day("2026-02-19"),
            "paid",
            "Acme Corp: INV-1 reached the second notice level — paid",
        ),
        (
            day("2026-03-06"),
            "paid",
            "Acme Corp: INV-1 reached the manager level — paid",
        ),
    ]
    manager = found[uid("level-Assets.Receivable.Acme-INV-1-manager")]
    assert "Paid on 2026-03-08." in manager.description
    assert uid("level-Assets.Receivable.Acme-INV-1-owner") not in found
    assert uid("level-Assets.Receivable.Acme-INV-3-reminder") in found


# Acme (Net 30, courtesy_days 7): INV-4 due 10-31 reaches second notice on
# 11-15, manager on 11-30 and owner on 12-15, and is paid on 12-08; INV-5 is
# due 12-08, its courtesy note goes out on 12-01, and it is paid on 12-05.
PAID = """
2026-10-01 * "Acme Corp" "Banners" ^INV-4
  Assets:Receivable:Acme   900.00 USD
  Income:Design
2026-11-08 * "Acme Corp" "Stickers" ^INV-5
  Assets:Receivable:Acme   200.00 USD
  Income:Design
2026-12-01 note Assets:Receivable:Acme "Emailed courtesy reminder for INV-5"
  ar-sent: "courtesy"
  ar-invoices: "INV-5"
2026-12-05 * "Acme Corp" "Payment" ^INV-5
  Assets:Bank:Checking   200.00 USD
  Assets:Receivable:Acme
2026-12-08 * "Acme Corp" "Payment" ^INV-4
  Assets:Bank:Checking   900.00 USD
  Assets:Receivable:Acme
"""


def test_a_subscribed_calendar_keeps_the_events_of_an_invoice_paid_since():
    led = load(PAID, config="{'courtesy_days': 7}")

    def shown(on: str) -> dict[str, tuple[datetime.date, str]]:
        return {
            e.uid: (e.day, e.summary)
            for e in calendar.events(led.index, day(on))
            if e.kind in (calendar.LEVEL, calendar.COURTESY)
        }

    courtesy = uid("courtesy-Assets.Receivable.Acme-INV-5")
    manager = uid("level-Assets.Receivable.Acme-INV-4-manager")
    owner = uid("level-Assets.Receivable.Acme-INV-4-owner")
    before = shown("2026-12-04")
    assert before[courtesy] == (
        day("2026-12-01"),
        "Acme Corp: courtesy reminder for INV-5, due 2026-12-08 — sent",
    )
    assert before[owner][0] == day("2026-12-15")
    after = shown("2026-12-10")
    assert after == {
        # It went: that stays said once the invoice is paid.
        courtesy: (
            day("2026-12-01"),
            "Acme Corp: courtesy reminder for INV-5, due 2026-12-08 — sent",
        ),
        uid("level-Assets.Receivable.Acme-INV-4-second-notice"): (
            day("2026-11-15"),
            "Acme Corp: INV-4 reached the second notice level — paid",
        ),
        manager: (
            day("2026-11-30"),
            "Acme Corp: INV-4 reached the manager level — paid",
        ),
    }
    # Nothing left to do: gone once they are more than 30 days old.
    assert shown("2027-01-08") == {}
    # The same file twice on the same day.
    first = render_calendar.ics(led.index, day("2026-12-10"))
    again = render_calendar.ics(
        load(PAID, config="{'courtesy_days': 7}").index, day("2026-12-10")
    )
    assert first == again
    summaries = {
        str(v["SUMMARY"]) for v in icalendar.Calendar.from_ical(first).walk("VEVENT")
    }
    assert "Acme Corp: INV-4 reached the manager level — paid" in summaries
    # What was open is said in the past once it is paid.
    (manager_event,) = [
        e for e in calendar.events(led.index, day("2026-12-10")) if e.uid == manager
    ]
    assert "Paid on " in manager_event.description
    assert " was open of " in manager_event.description


# INV-9 (due 2026-10-01) is at the owner level (11-15) when a split promise
# is made on 11-20: 500.00 by 12-01 and 500.00 by 2027-01-15.
SPLIT = """
2026-09-01 * "Acme Corp" "Catalogue" ^INV-9
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
2026-11-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2026-12-01
2026-11-20 custom "ar-promise" Assets:Receivable:Acme 500.00 USD 2027-01-15
"""


# Another promise, broken too: 1000.00 by 2027-02-01, made on 2027-01-20.
AGAIN = """
2027-01-20 custom "ar-promise" Assets:Receivable:Acme 1000.00 USD 2027-02-01
"""


def test_every_event_keeps_its_uid_on_every_day_it_is_shown():
    led = load(SPLIT, AGAIN)
    days_of: dict[str, set[datetime.date]] = {}
    uids_of: dict[tuple[str, datetime.date], set[str]] = {}
    on = day("2026-11-01")
    while on <= day("2027-02-20"):
        for e in calendar.events(led.index, on):
            days_of.setdefault(e.uid, set()).add(e.day)
            uids_of.setdefault((e.kind, e.day), set()).add(e.uid)
        on += datetime.timedelta(days=1)
    assert {k: len(v) for k, v in days_of.items()} == dict.fromkeys(days_of, 1)
    assert {k: len(v) for k, v in uids_of.items()} == dict.fromkeys(uids_of, 1)
    promises = {k: v for k, v in days_of.items() if k.startswith("promise-")}
    assert promises == {
        uid("promise-Assets.Receivable.Acme-2026-11-20"): {day("2026-12-01")},
        uid("promise-Assets.Receivable.Acme-2026-11-20-2"): {day("2027-01-15")},
        uid("promise-Assets.Receivable.Acme-2027-01-20"): {day("2027-02-01")},
    }


def test_a_broken_promise_brings_the_level_reached_on_hold_the_day_after():
    # INV-9 reached the final demand level on 11-30 and the agency level on
    # 12-30 while the promises held it; the second is broken on 2027-01-16.
    led = load(SPLIT)
    held = calendar.events(led.index, day("2027-01-15"))
    assert not [e for e in held if e.kind == calendar.LEVEL]
    after = [
        (e.day, e.summary)
        for e in calendar.events(led.index, day("2027-01-17"))
        if e.kind == calendar.LEVEL
    ]
    # Not back-dated to 12-30, and the final demand passed on hold is left out.
    assert after == [
        (day("2027-01-16"), "Acme Corp: INV-9 reached the agency level — still open")
    ]
    # What the worklist calls about that day.
    [call] = worklist.worklist(led.index, day("2027-01-17")).items
    assert [late.level for late in call.escalated] == ["agency"]
    # Once shown, it stays on its day when a later promise holds it again.
    again = load(SPLIT, AGAIN)
    [event] = [
        e
        for e in calendar.events(again.index, day("2027-02-03"))
        if e.kind == calendar.LEVEL
    ]
    assert (event.day, event.state) == (day("2027-01-16"), "reached")
    assert "held the dunning, until 2027-01-15." in event.description


BETA_CARDS = """
2026-03-01 * "Beta LLC" "Cards" ^B-3
  Assets:Receivable:Beta   100.00 USD
  Income:Design
"""


def test_courtesy_day_only_when_configured_and_not_while_dunned():
    key = uid("courtesy-Assets.Receivable.Beta-B-3")
    assert key not in events_of(BETA_CARDS)
    event = events_of(BETA_CARDS, config="{'courtesy_days': 7}")[key]
    assert event.day == day("2026-03-24")
    assert event.summary.endswith("courtesy reminder for B-3, due 2026-03-31")
    # Acme is being dunned for INV-1: `remind` sends it no courtesy note for
    # INV-3, so the calendar foretells none.
    acme = uid("courtesy-Assets.Receivable.Acme-INV-3")
    assert acme not in events_of(config="{'courtesy_days': 7}")


def test_uids_are_stable_across_as_of_dates():
    early = events_of(as_of=day("2026-03-10"))
    later = events_of(as_of=day("2026-03-12"))
    # Nothing happened in between: the same events under the same uids, less
    # the one now older than 30 days (INV-1 reached reminder on 02-09).
    gone = uid("level-Assets.Receivable.Acme-INV-1-reminder")
    assert early[gone].day == day("2026-02-09")
    assert {k: e.day for k, e in early.items() if k != gone} == {
        k: e.day for k, e in later.items()
    }
    # Once the owner level is reached, the same event says so, and the next
    # level follows under its own uid.
    reached = events_of(as_of=day("2026-03-25"))
    owner = reached[uid("level-Assets.Receivable.Acme-INV-1-owner")]
    assert (owner.day, owner.state) == (day("2026-03-21"), "reached")
    assert reached[uid("level-Assets.Receivable.Acme-INV-1-final-demand")].day == day(
        "2026-04-05"
    )


def test_a_follow_up_moved_to_another_day_keeps_its_uid():
    moved = BODY.replace('Acme 2026-03-12 "Call Jane', 'Acme 2026-03-13 "Call Jane')
    led = load(moved)
    after = [e for e in calendar.events(led.index, AS_OF) if e.kind == "follow-up"]
    before = [e for e in events_of().values() if e.kind == "follow-up"]
    assert [e.uid for e in after] == [e.uid for e in before]
    assert after[0].day == day("2026-03-13")


def test_the_same_follow_up_twice_gets_two_uids():
    again = '2026-03-01 custom "ar-followup" Assets:Receivable:Acme 2026-03-19 "Call Jane about INV-1"\n'
    found = [e for e in events_of(again).values() if e.kind == "follow-up"]
    assert len({e.uid for e in found}) == 2


# -- the .ics file --------------------------------------------------------------


def test_the_ics_parses_with_all_day_events_and_unique_uids():
    led = load(BODY)
    cal = icalendar.Calendar.from_ical(render_calendar.ics(led.index, AS_OF))
    assert cal["X-WR-CALNAME"] == "Collections — Northwind Design"
    assert cal["VERSION"] == "2.0"
    assert cal["PRODID"]
    vevents = cal.walk("VEVENT")
    assert len(vevents) == len(calendar.events(led.index, AS_OF))
    uids = [str(v["UID"]) for v in vevents]
    assert len(set(uids)) == len(uids)
    for v in vevents:
        start, end = v.decoded("DTSTART"), v.decoded("DTEND")
        assert type(start) is datetime.date
        assert end - start == datetime.timedelta(days=1)
        assert v.decoded("DTSTAMP") == datetime.datetime(
            2026, 3, 10, tzinfo=datetime.timezone.utc
        )
    by_uid = {str(v["UID"]): v for v in vevents}
    promise = by_uid[uid("promise-Assets.Receivable.Beta-2026-03-01-B-1")]
    assert str(promise["SUMMARY"]) == (
        "Check Beta LLC paid the 1,200.00 USD promised (B-1)"
    )
    assert promise.decoded("DTSTART") == day("2026-03-15")


def test_two_runs_give_the_same_bytes():
    first = render_calendar.ics(load(BODY).index, AS_OF)
    second = render_calendar.ics(load(BODY).index, AS_OF)
    assert first == second
    # A later day supersedes the earlier file on import.
    later = icalendar.Calendar.from_ical(
        render_calendar.ics(load(BODY).index, day("2026-03-11"))
    )
    earlier = icalendar.Calendar.from_ical(first)
    assert later.walk("VEVENT")[0]["SEQUENCE"] > earlier.walk("VEVENT")[0]["SEQUENCE"]


# -- the command ----------------------------------------------------------------


@pytest.fixture
def ledger_file(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "books.beancount"
    path.write_text(HEADER.format(config="{}") + textwrap.dedent(BODY))
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_cli_writes_the_file_with_o(ledger_file, tmp_path):
    out = tmp_path / "collections.ics"
    result = run("calendar", str(ledger_file), "--as-of", "2026-03-10", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    led = load(BODY)
    assert out.read_bytes() == render_calendar.ics(led.index, AS_OF)


def test_cli_prints_to_stdout(ledger_file):
    result = run("calendar", str(ledger_file), "--as-of", "2026-03-10")
    assert result.exit_code == 0
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    summaries = {str(v["SUMMARY"]) for v in cal.walk("VEVENT")}
    assert "Acme Corp: INV-1 reaches the owner level" in summaries


def test_cli_reports_a_ledger_error_with_file_and_line(ledger_file, tmp_path):
    text = ledger_file.read_text()
    bad = '2026-03-02 custom "ar-promise" Assets:Receivable:Acme "soon"\n'
    ledger_file.write_text(text + bad)
    line = len((text).splitlines()) + 1
    out = tmp_path / "collections.ics"
    result = run("calendar", str(ledger_file), "--as-of", "2026-03-10", "-o", str(out))
    assert result.exit_code == 1
    assert f"{ledger_file}:{line}: ar-promise" in result.stderr
    assert b"BEGIN:VCALENDAR" in out.read_bytes()  # still written


def test_cli_rejects_a_bad_date(ledger_file):
    result = run("calendar", str(ledger_file), "--as-of", "26/11/2026")
    assert result.exit_code == 2
    assert "is not a date like" in result.stderr


def test_the_example_ledger_reads_as_a_bookkeeper_would_expect(tmp_path):
    out = tmp_path / "example.ics"
    result = run("calendar", str(EXAMPLE), "--as-of", "2026-11-26", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    assert cal["X-WR-CALNAME"] == "Collections — Northwind Design & Print"
    by_day: dict[datetime.date, set[str]] = {}
    for v in cal.walk("VEVENT"):
        by_day.setdefault(v.decoded("DTSTART"), set()).add(str(v["SUMMARY"]))
    assert (
        "Check Gull Rock Brewing Co. paid the 1,000.00 USD promised (INV-2026-079)"
        in by_day[day("2026-11-30")]
    )
    assert (
        "Kennebec Outdoor Co. instalment 6 of 6: 1,000.00 USD due"
        in (by_day[day("2026-12-01")])
    )
    assert (
        "Fore Street Provisions: Call back about the 48.00 still open on INV-2026-101"
        in by_day[day("2026-11-27")]
    )
    # INV-2026-104 is disputed: its follow-up is there, no level of it.
    uids = [str(v["UID"]) for v in cal.walk("VEVENT")]
    assert not [u for u in uids if u.startswith("level-") and "INV-2026-104" in u]
    assert any("INV-2026-104" in s for s in by_day[day("2026-11-30")])


def test_a_note_after_a_level_was_reached_marks_it_done():
    note = '2026-03-07 note Assets:Receivable:Acme "Called Jane about INV-1"\n'
    found = events_of(note)
    manager = found[uid("level-Assets.Receivable.Acme-INV-1-manager")]
    assert manager.summary == "Acme Corp: INV-1 reached the manager level — done"


def test_an_instalment_due_today_is_due_not_missed():
    found = events_of(as_of=day("2026-03-15"))
    event = found[uid("plan-Assets.Receivable.Gamma-2026-02-01-2")]
    assert event.summary == "Gamma Inc instalment 2 of 3: 1,000.00 USD due"
    later = events_of(as_of=day("2026-03-16"))[event.uid]
    assert later.summary == "Gamma Inc instalment 2 of 3: 1,000.00 USD missed"


def test_cli_makes_the_calendar_of_today_by_default(ledger_file):
    result = run("calendar", str(ledger_file))
    assert result.exit_code == 0
    today = render_calendar.ics(load(BODY).index, datetime.date.today())
    assert result.stdout_bytes == today


def test_cli_says_when_it_cannot_write(ledger_file, tmp_path):
    out = tmp_path / "no-such-folder" / "collections.ics"
    result = run("calendar", str(ledger_file), "-o", str(out))
    assert result.exit_code == 1
    assert f"cannot write {out}" in result.stderr


def test_a_scheduled_email_answers_no_follow_up():
    sent = """
    2026-03-12 note Assets:Receivable:Acme "Emailed courtesy reminder for INV-3"
      ar-sent: "courtesy"
    """
    found = events_of(sent, as_of=day("2026-03-13"))
    [event] = [e for e in found.values() if e.kind == calendar.FOLLOW_UP]
    assert event.summary == "Acme Corp: Call Jane about INV-1 — still open"


def test_a_courtesy_note_sent_marks_its_day_sent():
    sent = """
    2026-03-24 note Assets:Receivable:Acme "Emailed courtesy reminder for INV-3"
      ar-sent: "courtesy"
      ar-invoices: "INV-3"
    """
    key = uid("courtesy-Assets.Receivable.Acme-INV-3")
    config = "{'courtesy_days': 7}"
    event = events_of(sent, as_of=day("2026-03-25"), config=config)[key]
    assert event.summary == (
        "Acme Corp: courtesy reminder for INV-3, due 2026-03-31 — sent"
    )
    # An invoice due sooner than courtesy_days gets its note on its own date.
    soon = events_of(as_of=AS_OF, config="{'courtesy_days': 45}")[key]
    assert soon.day == day("2026-03-01")


def test_what_is_still_open_is_what_the_worklist_calls_about():
    as_of = day("2026-11-26")
    loaded = ledger.load(str(EXAMPLE))
    still_open = {
        (e.account, e.invoices[0] if e.kind == calendar.LEVEL else e.kind)
        for e in calendar.events(loaded.index, as_of)
        if e.summary.endswith("— still open")
    }
    calls = set()
    for item in worklist.worklist(loaded.index, as_of).items:
        calls.update((item.account, late.invoice.id) for late in item.escalated)
        if worklist.FOLLOW_UP in item.kinds:
            calls.add((item.account, calendar.FOLLOW_UP))
    assert still_open == calls
    assert ("Assets:Receivable:GullRock", "INV-2026-106") in calls
