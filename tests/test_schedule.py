"""Courtesy reminders and the monthly statement run, end to end against a
real SMTP server (aiosmtpd on 127.0.0.1), idempotent through the notes they
log."""

from __future__ import annotations

import datetime
import email
import email.policy
import io
import pathlib
import re

import pytest
from aiosmtpd.controller import Controller
from arutil import day, load
from click.testing import CliRunner
from pypdf import PdfReader
from test_remind import Inbox, free_port

import beancount_ar.cli.send  # noqa: F401  (registers remind and statement)
from beancount_ar import documents, remind, schedule, status, worklist
from beancount_ar.cli.common import cli

CONFIG = "{'courtesy_days': 7, 'sender_name': 'Maya Chen', 'sender_role': 'Owner'}"

LEDGER = """\
option "operating_currency" "USD"
plugin "beancount_ar" "CONFIG"

2026-01-01 custom "ar-company" "Northwind Design & Print" "12 Harbour Rd, Portland, ME 04101" "billing@northwind.example" "+1 207 555 0199" "Pay by ACH to Casco Federal Credit Union, routing 211274450."

2026-01-01 open Assets:Bank:Checking
2026-01-01 open Income:Design
2026-01-01 open Assets:Receivable:Acme
  customer: "Acme Corp"
  terms: "Net 30"
  email: "ap@acme.example"
2026-01-01 custom "ar-contact" Assets:Receivable:Acme "Alice Grant" "A/P Clerk" "alice@acme.example" ""
2026-01-01 open Assets:Receivable:Beta
  customer: "Beta LLC"
  terms: "Net 30"
  email: "ap@beta.example"
  ar-email: "no"
2026-01-01 open Assets:Receivable:Gamma
  customer: "Gamma Studio"
  terms: "Net 60"
  email: "office@gamma.example"
  statement-day: 15
2026-01-01 open Assets:Receivable:Delta
  customer: "Delta Paid Up"
  email: "ap@delta.example"
2026-01-01 open Assets:Receivable:Omega
  customer: "Omega Overpaid"
  email: "ap@omega.example"

2026-11-05 * "Acme Corp" "Brand refresh" ^INV-1
  Assets:Receivable:Acme   12000.00 USD
  Income:Design

2026-11-06 * "Beta LLC" "Poster" ^INV-2
  Assets:Receivable:Beta   300.00 USD
  Income:Design

2026-10-20 * "Gamma Studio" "Catalogue" ^INV-3
  Assets:Receivable:Gamma   2500.00 USD
  Income:Design

2026-10-01 * "Delta Paid Up" "Flyers" ^INV-4
  Assets:Receivable:Delta   400.00 USD
  Income:Design

2026-10-15 * "Delta Paid Up" "Payment" ^INV-4
  Assets:Bank:Checking   400.00 USD
  Assets:Receivable:Delta

2026-10-15 * "Omega Overpaid" "Deposit on a job not yet invoiced"
  Assets:Bank:Checking   250.00 USD
  Assets:Receivable:Omega

include "collections.beancount"
"""


@pytest.fixture
def smtp():
    """A real SMTP server on 127.0.0.1 keeping what it accepts (as in
    test_remind)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"127.0.0.1:{controller.port}"
    finally:
        controller.stop()


@pytest.fixture
def books(tmp_path: pathlib.Path):
    """Write the ledger (with `extra` appended) to a folder; its path."""

    def write(extra: str = "", config: str = CONFIG) -> pathlib.Path:
        folder = tmp_path / "books"
        folder.mkdir(exist_ok=True)
        (folder / "main.beancount").write_text(LEDGER.replace("CONFIG", config) + extra)
        (folder / "collections.beancount").write_text("")
        return folder

    return write


def run(folder: pathlib.Path, command: str, as_of: str, *args: str):
    return CliRunner().invoke(
        cli, [command, str(folder / "main.beancount"), "--as-of", as_of, *args]
    )


def send(folder: pathlib.Path, server: str, command: str, as_of: str):
    extra = ("--all",) if command == "statement" else ()
    result = run(folder, command, as_of, *extra, "--send", "--smtp", server)
    assert result.exit_code == 0, result.output
    return result


def plain(message: email.message.EmailMessage) -> str:
    """The plain-text body as one line of words (wrapping and no-break
    spaces undone), as a reader takes it in."""
    return " ".join(message.get_body(("plain",)).get_content().split())


def pdf_text(part: email.message.EmailMessage) -> str:
    reader = PdfReader(io.BytesIO(part.get_content()))
    return " ".join("".join(page.extract_text() for page in reader.pages).split())


def to(inbox) -> list[str]:
    return [rcpt for _, rcpts, _ in inbox.messages for rcpt in rcpts]


def notes(folder: pathlib.Path) -> str:
    return (folder / "collections.beancount").read_text()


# -- courtesy reminders ----------------------------------------------------


def test_courtesy_reminder_is_a_friendly_note_with_the_invoice_attached(smtp, books):
    inbox, server = smtp
    folder = books()
    # INV-1 (Net 30 from 5 November) is due on 5 December: 5 days away.
    result = send(folder, server, "remind", "2026-11-30")
    assert to(inbox) == ["alice@acme.example"]
    assert "sent courtesy reminder to alice@acme.example (Acme Corp)" in result.stdout
    (_, _, message) = inbox.messages[0]
    assert message["Subject"] == (
        "Friendly reminder: invoice INV-1 is due on 5 December 2026"
    )
    assert message["From"].addresses[0].addr_spec == "billing@northwind.example"
    text = plain(message)
    assert text.startswith(
        "Dear Alice Grant, A friendly reminder: invoice INV-1 for USD 12,000.00 "
        "is due on 5 December 2026."
    )
    assert "Pay by ACH to Casco Federal Credit Union" in text
    assert "past due" not in text and "overdue" not in text
    assert "Maya Chen Owner, Northwind Design & Print" in text
    html = message.get_body(("html",)).get_content()
    assert "A friendly reminder" in html and "INV-1" in html
    (invoice,) = message.iter_attachments()
    assert invoice.get_filename() == "INV-1.pdf"
    assert "INV-1" in pdf_text(invoice) and "12,000.00" in pdf_text(invoice)
    # Logged before it went, as a courtesy reminder.
    logged = notes(folder)
    assert (
        '2026-11-30 note Assets:Receivable:Acme "Emailed courtesy reminder for '
        'INV-1, due 2026-12-05; invoice attached"'
    ) in logged
    assert 'ar-sent: "courtesy"' in logged
    assert f'message-id: "{message["Message-ID"]}"' in logged


def test_a_courtesy_reminder_goes_once_however_often_remind_runs(smtp, books):
    inbox, server = smtp
    folder = books()
    send(folder, server, "remind", "2026-11-30")
    logged = notes(folder)
    again = send(folder, server, "remind", "2026-11-30")
    send(folder, server, "remind", "2026-12-02")
    assert len(inbox.messages) == 1
    assert notes(folder) == logged
    assert "sent" not in again.stdout


def test_courtesy_reminders_wait_for_the_window_and_are_off_by_default(smtp, books):
    inbox, server = smtp
    # 15 days before INV-1 is due: outside the 7 days.
    send(books(), server, "remind", "2026-11-20")
    # Courtesy reminders off (no courtesy_days): nothing, even 5 days before.
    folder = books(config="{}")
    result = send(folder, server, "remind", "2026-11-30")
    assert inbox.messages == []
    assert notes(folder) == ""
    assert "Beta LLC" not in result.stdout


def test_no_courtesy_reminder_for_a_disputed_or_promised_invoice(books):
    folder = books(
        """
2026-11-20 custom "ar-dispute" Assets:Receivable:Acme "INV-1" "Wrong colours"
2026-11-21 custom "ar-promise" Assets:Receivable:Gamma 2500.00 USD 2026-12-31
2026-11-01 * "Gamma Studio" "Banner" ^INV-5
  Assets:Receivable:Gamma   90.00 USD
  Income:Design
2026-11-02 * "Acme Corp" "Stickers" ^INV-6
  Assets:Receivable:Acme   45.00 USD
  Income:Design
"""
    )
    result = run(folder, "remind", "2026-11-30")
    assert result.exit_code == 0, result.output
    # INV-1 is disputed; INV-5 (due 31 December) is outside the window but
    # Gamma's promise would hold it anyway; INV-6 (due 2 December) goes.
    assert "Acme Corp: courtesy reminder to alice@acme.example (INV-6)" in (
        result.stdout
    )
    assert "INV-1" not in result.stdout and "Gamma" not in result.stdout


def test_no_courtesy_reminder_beside_a_past_due_letter(books):
    folder = books(
        """
2026-10-01 * "Acme Corp" "Business cards" ^INV-7
  Assets:Receivable:Acme   90.00 USD
  Income:Design
"""
    )
    result = run(folder, "remind", "2026-11-30")
    assert result.exit_code == 0, result.output
    # INV-7 is 30 days past due: Acme gets its manager letter, and no
    # friendly note about INV-1 beside it.
    assert result.stdout.splitlines()[1:] == [
        "Acme Corp: manager to alice@acme.example (INV-7)",
        "(nothing sent: use --out DIR to write them, --send to deliver)",
    ]


def test_one_courtesy_reminder_names_every_invoice_due_soon(books, tmp_path):
    folder = books(
        """
2026-11-07 * "Acme Corp" "Stickers" ^INV-6
  Assets:Receivable:Acme   1045.50 USD
  Income:Design
"""
    )
    outbox = tmp_path / "outbox"
    assert run(folder, "remind", "2026-11-30", "--out", str(outbox)).exit_code == 0
    message = email.message_from_bytes(
        (outbox / "2026-11-30-Acme-courtesy.eml").read_bytes(),
        policy=email.policy.default,
    )
    assert message["Subject"] == (
        "Friendly reminder: 2 invoices due soon, the first on 5 December 2026"
    )
    text = plain(message)
    assert (
        "the following invoices for Acme Corp fall due soon. - Invoice INV-1 for "
        "USD 12,000.00, due on 5 December 2026 - Invoice INV-6 for USD 1,045.50, "
        "due on 7 December 2026"
    ) in text
    assert [p.get_filename() for p in message.iter_attachments()] == [
        "INV-1.pdf",
        "INV-6.pdf",
    ]


def test_an_opted_out_customer_gets_no_courtesy_reminder_and_is_named(smtp, books):
    inbox, server = smtp
    folder = books()
    result = send(folder, server, "remind", "2026-11-30")
    # Beta's INV-2 is due on 6 December, but Beta said ar-email: "no".
    assert "ap@beta.example" not in to(inbox)
    assert (
        'Beta LLC: opted out of email (ar-email: "no"), not reminded '
        "(courtesy reminder: INV-2)"
    ) in result.stdout
    assert "Beta" not in notes(folder)


def test_remind_sends_no_dunning_to_an_opted_out_customer(smtp, books):
    inbox, server = smtp
    folder = books(config="{}")
    # 10 January: INV-1, INV-2 and INV-3 are past due (36, 35 and 22 days).
    result = send(folder, server, "remind", "2027-01-10")
    assert sorted(to(inbox)) == ["alice@acme.example", "office@gamma.example"]
    assert "Beta LLC: opted out of email" in result.stdout
    assert "not reminded (manager: INV-2)" in result.stdout
    assert "Beta" not in notes(folder)


def test_a_customer_without_an_address_is_reported_not_courtesy_reminded(books):
    folder = books()
    main = folder / "main.beancount"
    main.write_text(
        main.read_text()
        .replace('"alice@acme.example"', '""')
        .replace('email: "ap@acme.example"', 'email: ""')
    )
    result = run(folder, "remind", "2026-11-30")
    assert result.exit_code == 1
    assert (
        "bean-ar: Acme Corp: no email address on file, not reminded "
        "(courtesy reminder: INV-1)"
    ) in result.stderr


# -- the monthly statement run ----------------------------------------------


def test_statement_run_emails_each_customer_with_a_balance_its_statement(smtp, books):
    inbox, server = smtp
    folder = books()
    result = send(folder, server, "statement", "2026-12-01")
    # Acme owes, Omega is in credit; Delta is paid up; Gamma's day is the
    # 15th; Beta opted out.
    assert to(inbox) == ["alice@acme.example", "ap@omega.example"]
    assert (
        'Beta LLC: opted out of email (ar-email: "no"), no statement'
    ) in result.stdout
    acme, omega = (message for _, _, message in inbox.messages)
    assert acme["Subject"] == (
        "Your statement of account as of 1 December 2026: USD 12,000.00 due"
    )
    assert plain(acme).startswith(
        "Dear Alice Grant, Please find attached the statement of the account of "
        "Acme Corp with Northwind Design & Print as of 1 December 2026. The "
        "balance due is USD 12,000.00; nothing is past due."
    )
    assert "Pay by ACH" in plain(acme)
    (statement,) = acme.iter_attachments()
    assert statement.get_filename() == "statement-Acme-2026-12-01.pdf"
    assert "INV-1" in pdf_text(statement) and "12,000.00" in pdf_text(statement)
    assert omega["Subject"] == (
        "Your statement of account as of 1 December 2026: USD 250.00 in credit"
    )
    assert "Your account is in credit by USD 250.00: there is nothing to pay" in (
        plain(omega)
    )
    assert "How to pay" not in plain(omega)
    logged = notes(folder)
    assert (
        '2026-12-01 note Assets:Receivable:Acme "Emailed statement of account as '
        'of 2026-12-01"'
    ) in logged
    assert logged.count('ar-sent: "statement"') == 2


def test_statement_run_twice_the_same_day_sends_nothing_more(smtp, books):
    inbox, server = smtp
    folder = books()
    send(folder, server, "statement", "2026-12-01")
    logged = notes(folder)
    again = send(folder, server, "statement", "2026-12-01")
    assert len(inbox.messages) == 2
    assert notes(folder) == logged
    assert "sent" not in again.stdout
    # Later in the month only Gamma, whose statement day came, gets one.
    send(folder, server, "statement", "2026-12-31")
    assert to(inbox)[2:] == ["office@gamma.example"]


def test_a_statement_goes_on_the_customers_statement_day_once_a_month(smtp, books):
    inbox, server = smtp
    folder = books()
    gamma = []
    for today in ("2026-12-10", "2026-12-15", "2026-12-20", "2027-01-10",
                  "2027-01-15", "2027-01-16"):  # fmt: skip
        before = len(inbox.messages)
        send(folder, server, "statement", today)
        if "office@gamma.example" in to(inbox)[before:]:
            gamma.append(today)
    assert gamma == ["2026-12-15", "2027-01-15"]


def test_a_missed_statement_day_is_caught_up(smtp, books):
    inbox, server = smtp
    folder = books()
    send(folder, server, "statement", "2026-12-17")
    assert "office@gamma.example" in to(inbox)


def test_statement_run_without_send_lists_and_out_writes_eml(books, tmp_path):
    folder = books()
    listed = run(folder, "statement", "2026-12-01", "--all")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        'Beta LLC: opted out of email (ar-email: "no"), no statement',
        "Acme Corp: statement to alice@acme.example",
        "Omega Overpaid: statement to ap@omega.example",
        "(nothing sent: use --out DIR to write them, --send to deliver)",
    ]
    outbox = tmp_path / "outbox"
    written = run(folder, "statement", "2026-12-01", "--all", "--out", str(outbox))
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in outbox.iterdir()) == [
        "2026-12-01-Acme-statement.eml",
        "2026-12-01-Omega-statement.eml",
    ]
    assert notes(folder) == ""


def test_sending_options_need_the_statement_run(books, tmp_path):
    folder = books()
    result = run(folder, "statement", "2026-12-01", "Acme", "--send")
    assert result.exit_code == 2
    assert "--all" in result.stderr
    result = run(folder, "statement", "2026-12-01", "--all", "--kind", "activity")
    assert result.exit_code == 2
    assert "open-item" in result.stderr


# -- the engine --------------------------------------------------------------


def test_statement_day_29_to_31_is_the_last_day_of_a_shorter_month():
    led = load(config="{'statement_day': 31}")
    acme = "Assets:Receivable:Acme"
    assert schedule.statement_day(led.index, acme, day("2027-02-28")) == day(
        "2027-02-28"
    )
    assert schedule.statement_day(led.index, acme, day("2027-03-31")) == day(
        "2027-03-31"
    )
    # Before this month's day has come: last month's, to catch it up.
    assert schedule.statement_day(led.index, acme, day("2027-03-10")) == day(
        "2027-02-28"
    )
    assert schedule.statement_day(led.index, acme, day("2027-01-10")) == day(
        "2026-12-31"
    )


def test_a_run_missed_on_the_last_day_is_caught_up_the_next_month():
    led = load(
        """
2026-11-02 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
""",
        config="{'statement_day': 31}",
    )
    # November has 30 days: its statement day is the 30th. No run that day;
    # the run of 1 December sends it.
    due = schedule.statements(led.index, day("2026-12-01"))
    assert [(s.recipient.customer, s.day) for s in due] == [
        ("Acme Corp", day("2026-11-30"))
    ]
    sent = load(
        """
2026-11-02 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
"""
        + scheduled_note("statement", "2026-12-01"),
        config="{'statement_day': 31}",
    )
    assert schedule.statements(sent.index, day("2026-12-02")) == []
    assert schedule.statements(sent.index, day("2026-12-30")) == []
    # December's own comes on the 31st.
    assert [s.day for s in schedule.statements(sent.index, day("2026-12-31"))] == [
        day("2026-12-31")
    ]


OVERDUE = """
2026-09-01 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
"""


def scheduled_note(kind: str, on: str) -> str:
    return f"""
{on} note Assets:Receivable:Acme "Emailed {kind}"
  channel: "email"
  ar-sent: "{kind}"
"""


@pytest.mark.parametrize("kind", ["courtesy", "statement"])
def test_a_scheduled_email_is_not_an_earlier_reminder(kind):
    # INV-1 fell due on 1 October; only a scheduled email went since.
    led = load(OVERDUE, scheduled_note(kind, "2026-10-20"))
    as_of = day("2026-11-05")
    env = documents.environment()
    (item,) = remind.due(led.index, as_of)
    assert remind.context(led.index, item, as_of)["reminded"] is False
    context = remind.context(led.index, item, as_of)
    text = " ".join(documents.render(env, "reminder.txt", context).split())
    assert "Acme Corp. The invoice below is now 35 days past due" in text
    # A call about these invoices is one; a call about something else is not.
    about = '2026-10-20 note Assets:Receivable:Acme "Called Bob about INV-1"\n'
    led = load(OVERDUE, scheduled_note(kind, "2026-10-20"), about)
    (item,) = remind.due(led.index, as_of)
    assert remind.context(led.index, item, as_of)["reminded"] is True
    other = '2026-10-20 note Assets:Receivable:Acme "Bob asked for a new quote"\n'
    led = load(OVERDUE, scheduled_note(kind, "2026-10-20"), other)
    (item,) = remind.due(led.index, as_of)
    assert remind.context(led.index, item, as_of)["reminded"] is False


def test_a_statement_sent_the_day_a_level_is_reached_does_not_settle_it():
    # INV-1 reaches 'reminder' (5 days past due) on 6 October, the day the
    # statement run (statement day 6) emails its statement, before `remind`.
    led = load(OVERDUE, scheduled_note("statement", "2026-10-06"))
    items = worklist.worklist(led.index, datetime.date(2026, 10, 6)).items
    assert [item.account for item in items] == ["Assets:Receivable:Acme"]


@pytest.mark.parametrize("kind", ["statement", "courtesy"])
def test_an_email_sent_on_a_schedule_does_not_do_a_follow_up(kind):
    followup = (
        '2026-10-01 custom "ar-followup" Assets:Receivable:Acme 2026-10-05 "Call Bob"\n'
    )
    led = load(OVERDUE, followup + scheduled_note(kind, "2026-10-06"))
    assert [f.what for f in status.open_followups(
        led.index, "Assets:Receivable:Acme", datetime.date(2026, 10, 7)
    )] == ["Call Bob"]  # fmt: skip
    done = load(OVERDUE, followup + '2026-10-06 note Assets:Receivable:Acme "Called"\n')
    assert (
        status.open_followups(
            done.index, "Assets:Receivable:Acme", datetime.date(2026, 10, 7)
        )
        == []
    )


def test_a_refused_statement_is_logged_and_not_tried_again_this_month(smtp, books):
    inbox, server = smtp
    folder = books()
    main = folder / "main.beancount"
    main.write_text(
        main.read_text().replace("ap@omega.example", "refuse@omega.example")
    )
    argv = ("--all", "--send", "--smtp", server)
    result = run(folder, "statement", "2026-12-01", *argv)
    assert result.exit_code == 1
    assert "Omega Overpaid: not delivered: refuse@omega.example: 550" in (result.stderr)
    assert to(inbox) == ["alice@acme.example"]
    assert (
        "Not delivered: the mail server refused the statement of account as of "
        "2026-12-01 (refuse@omega.example: 550"
    ) in notes(folder)
    again = run(folder, "statement", "2026-12-02", *argv)
    assert again.exit_code == 0, again.output
    assert to(inbox) == ["alice@acme.example"]


# -- an email is a letter, not a call ------------------------------------------


def emailed_note(on: str, what: str) -> str:
    """The note `remind --send` logs for a reminder it sent."""
    return f"""
{on} note Assets:Receivable:Acme "Emailed {what} for INV-1; statement attached"
  channel: "email"
  message-id: "<{on}.{what}@northwind.example>"
"""


def calls(led, on: str) -> list[str]:
    return [
        f"{item.customer}: {', '.join(item.kinds)} ({item.level})"
        for item in worklist.worklist(led.index, day(on)).items
    ]


def test_a_reminder_email_answers_a_level_that_is_a_letter():
    # INV-1 fell due on 1 October: the reminder level on the 6th.
    led = load(OVERDUE)
    assert [i.customer for i in remind.due(led.index, day("2026-10-06"))] == [
        "Acme Corp"
    ]
    led = load(OVERDUE, emailed_note("2026-10-06", "reminder"))
    assert calls(led, "2026-10-07") == []
    assert remind.due(led.index, day("2026-10-07")) == []


def test_the_owners_call_stays_after_the_owner_letter_went_and_is_not_resent():
    # The owner level on 15 November (45 days): the letter goes by email...
    sent = OVERDUE + emailed_note("2026-11-15", "owner letter")
    led = load(sent)
    # ...and the owner still has to call: the call stays, the email is not
    # sent again.
    assert calls(led, "2026-11-16") == ["Acme Corp: escalation (owner)"]
    assert remind.due(led.index, day("2026-11-16")) == []
    # Once someone called and noted it, the call is done.
    called = (
        sent + '2026-11-17 note Assets:Receivable:Acme "Called Bob: paying Friday"\n'
    )
    assert calls(load(called), "2026-11-18") == []
    # The next level (final demand on 30 November) is a new letter.
    assert [
        (i.customer, i.level) for i in remind.due(load(called).index, day("2026-11-30"))
    ] == [("Acme Corp", "final-demand")]


def test_a_reminder_email_does_not_do_a_follow_up_or_answer_a_broken_promise():
    followup = (
        '2026-10-01 custom "ar-followup" Assets:Receivable:Acme 2026-10-10 '
        '"Call Bob about INV-1"\n'
        '2026-10-01 custom "ar-promise" Assets:Receivable:Acme 1000.00 USD 2026-10-08\n'
    )
    led = load(OVERDUE, followup, emailed_note("2026-10-16", "second notice"))
    assert [
        f.what
        for f in status.open_followups(
            led.index, "Assets:Receivable:Acme", day("2026-10-17")
        )
    ] == ["Call Bob about INV-1"]
    assert calls(led, "2026-10-17") == [
        "Acme Corp: broken-promise, follow-up (second-notice)"
    ]


def test_a_bad_sender_is_refused_once_not_for_every_customer(books):
    folder = books()
    for command, flag in (("statement", "--sender"), ("remind", "--from")):
        extra = ("--all",) if command == "statement" else ()
        result = run(folder, command, "2026-12-01", *extra, flag, "x@y")
        assert result.exit_code == 2
        assert result.stderr.count("not a usable email address: 'x@y'") == 1
        assert flag in result.stderr
    broken = books(extra="").joinpath("main.beancount")
    broken.write_text(
        broken.read_text().replace("billing@northwind.example", "billing")
    )
    result = run(folder, "statement", "2026-12-01", "--all")
    assert result.exit_code == 1
    assert result.stderr.count("not a usable email address") == 1
    assert 'the email of custom "ar-company"' in result.stderr


def test_a_reminder_sent_today_carried_the_statement_so_the_run_skips_it(books):
    # Acme's reminder went on 1 December with the statement attached (run
    # `remind` before the statement run): no second copy that day.
    folder = books(
        extra="""
2026-12-01 note Assets:Receivable:Acme "Emailed reminder for INV-1; statement attached"
  channel: "email"
  message-id: "<r1@northwind.example>"
"""
    )
    listed = run(folder, "statement", "2026-12-01", "--all")
    assert "Acme Corp" not in listed.stdout
    assert "Omega Overpaid: statement to ap@omega.example" in listed.stdout


def test_the_statement_email_leaves_a_dispute_out_of_what_it_asks_for(books, tmp_path):
    folder = books(
        extra='2026-11-20 custom "ar-dispute" Assets:Receivable:Acme "INV-1" '
        '"Wrong logo colour"\n'
        '2026-11-07 * "Acme Corp" "Flyers" ^INV-9\n'
        "  Assets:Receivable:Acme   800.00 USD\n"
        "  Income:Design\n"
    )
    outbox = tmp_path / "outbox"
    result = run(folder, "statement", "2026-12-01", "--all", "--out", str(outbox))
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(
        (outbox / "2026-12-01-Acme-statement.eml").read_bytes(),
        policy=email.policy.default,
    )
    assert message["Subject"] == (
        "Your statement of account as of 1 December 2026: USD 800.00 to pay, "
        "USD 12,000.00 in dispute"
    )
    text = plain(message)
    assert "The balance due is USD 12,800.00" in text
    assert (
        "USD 12,000.00 of the balance is in dispute: we do not ask for it until "
        "the dispute is settled, so USD 800.00 is to pay now." in text
    )
    assert "Pay your balance of USD 12,800.00" not in text


def test_a_promise_paid_in_full_only_late_is_no_longer_a_call():
    promised = (
        '2026-10-01 custom "ar-promise" Assets:Receivable:Acme 1000.00 USD 2026-10-08\n'
    )
    late = (
        '2026-10-10 * "Acme Corp" "Payment" ^INV-1\n'
        "  Assets:Bank:Checking  1000.00 USD\n"
        "  Assets:Receivable:Acme\n"
    )
    assert "broken-promise" in calls(load(OVERDUE, promised), "2026-10-11")[0]
    assert calls(load(OVERDUE, promised, late), "2026-10-11") == []
    # Paid only in part: still broken, and the call says what came in.
    part = late.replace("1000.00 USD", "400.00 USD")
    (item,) = worklist.worklist(
        load(OVERDUE, promised, part).index, day("2026-10-11")
    ).items
    assert "broken-promise" in item.kinds


def test_a_reminder_says_how_much_of_the_balance_is_in_dispute():
    disputed = (
        '2026-09-05 * "Acme Corp" "Banner" ^INV-2\n'
        "  Assets:Receivable:Acme   500.00 USD\n"
        "  Income:Design\n"
        '2026-10-02 custom "ar-dispute" Assets:Receivable:Acme "INV-2" "Wrong size"\n'
    )
    led = load(OVERDUE, disputed)
    as_of = day("2026-10-06")
    (item,) = remind.due(led.index, as_of)
    context = remind.context(led.index, item, as_of)
    env = documents.environment()
    for template in ("reminder.txt", "reminder.html"):
        text = " ".join(documents.render(env, template, context).split())
        text = re.sub(r"<[^>]+>", "", text)  # the words a reader sees
        text = text.replace("\N{NO-BREAK SPACE}", " ").replace("&nbsp;", " ")
        assert (
            "your total balance of USD 1,500.00, of which USD 500.00 is in dispute "
            "and not asked for until it is settled." in text
        ), template


def test_the_statement_email_of_a_customer_on_a_plan_tells_the_plan(books, tmp_path):
    folder = books(
        extra='2026-11-10 custom "ar-plan" Assets:Receivable:Acme 12000.00 USD 4 '
        '"monthly" 2026-11-25\n'
    )
    outbox = tmp_path / "outbox"
    result = run(folder, "statement", "2026-12-01", "--all", "--out", str(outbox))
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes(
        (outbox / "2026-12-01-Acme-statement.eml").read_bytes(),
        policy=email.policy.default,
    )
    assert (
        "Under the payment plan agreed on 10 November 2026, USD 0.00 of USD "
        "12,000.00 is paid; USD 3,000.00 of past instalments is due now; the next "
        "instalment, USD 3,000.00, is due on 25 December 2026." in plain(message)
    )
