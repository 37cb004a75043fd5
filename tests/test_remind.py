"""Reminders end to end against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
import pathlib
import shutil
import socket

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from pypdf import PdfReader

from beancount_ar.cli import cli

EXAMPLE = pathlib.Path(__file__).parent.parent / "example-ledger"
TODAY = "2026-11-26"


class Inbox:
    """An SMTP handler that keeps what it accepts, refuses `refuse*@` users,
    and drops the connection after the message of a `drop*@` user (received,
    but never acknowledged). It notes, for each message, whether the ledger
    already recorded it when it arrived."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.collections: pathlib.Path | None = None
        self.recorded_first: list[bool] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        if self.collections is not None:
            self.recorded_first.append(
                str(message["Message-ID"]) in self.collections.read_text()
            )
        if any(rcpt.startswith("drop") for rcpt in envelope.rcpt_tos):
            server.transport.abort()  # the message arrived; the reply never does
            return None
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, f"127.0.0.1:{controller.port}"
    finally:
        controller.stop()


@pytest.fixture
def books(tmp_path: pathlib.Path) -> pathlib.Path:
    folder = tmp_path / "books"
    shutil.copytree(EXAMPLE, folder)
    return folder


def remind(books: pathlib.Path, *args: str):
    return CliRunner().invoke(
        cli, ["remind", str(books / "main.beancount"), "--as-of", TODAY, *args]
    )


def by_recipient(inbox: Inbox) -> dict[str, email.message.EmailMessage]:
    return {rcpt[0]: message for _, rcpt, message in inbox.messages}


def test_reminders_arrive_with_recipient_subject_bodies_and_statement(smtp, books):
    inbox, server = smtp
    result = remind(books, "--send", "--smtp", server)
    assert result.exit_code == 0, result.output
    mail = by_recipient(inbox)
    # The three customers the worklist says are due a reminder, each to the
    # person its level calls for; the disputed invoice is in none of them.
    assert set(mail) == {
        "alice@backcovedental.example",  # reminder: the A/P clerk
        "dave@gullrockbrewing.example",  # final demand: the owner
        "frank@forestreetprovisions.example",  # owner level, no owner: controller
    }
    message = mail["alice@backcovedental.example"]
    assert "INV-2026-119" in message["Subject"]
    assert message["From"].addresses[0].addr_spec == "billing@northwind.example"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear Alice Grant" in text and "INV-2026-119" in text
    assert "INV-2026-119" in html and "<table" in html
    # The past-due invoice, then the statement, both as PDFs.
    invoice, attachment = list(message.iter_attachments())
    assert invoice.get_filename() == "INV-2026-119.pdf"
    assert attachment.get_content_type() == "application/pdf"
    invoice_text = "".join(
        page.extract_text() for page in PdfReader(_bytes_io(invoice)).pages
    )
    assert "INV-2026-119" in invoice_text and "640.00" in invoice_text
    pdf_text = "".join(
        page.extract_text() for page in PdfReader(_bytes_io(attachment)).pages
    )
    assert "640.00" in pdf_text and "Back Cove Dental" in pdf_text
    for _, _, m in inbox.messages:
        assert "INV-2026-104" not in m.get_body(("plain",)).get_content()


def _bytes_io(part):
    import io

    return io.BytesIO(part.get_content())


def test_each_sent_reminder_is_logged_and_a_second_run_sends_nothing(smtp, books):
    inbox, server = smtp
    before = (books / "collections.beancount").read_bytes()
    assert remind(books, "--send", "--smtp", server).exit_code == 0
    after = (books / "collections.beancount").read_bytes()
    assert after.startswith(before)
    added = after[len(before) :].decode()
    assert added.count(" note Assets:Receivable:") == 3
    assert added.count('channel: "email"') == 3
    assert (
        "Emailed final demand for INV-2026-092, INV-2026-106, INV-2026-118; "
        "invoices and statement attached"
    ) in added

    second = remind(books, "--send", "--smtp", server)
    assert second.exit_code == 0, second.output
    assert len(inbox.messages) == 3
    assert (books / "collections.beancount").read_bytes() == after


def test_a_refused_recipient_does_not_stop_the_others_and_is_recorded(smtp, books):
    inbox, server = smtp
    accounts = books / "accounts.beancount"
    accounts.write_text(
        accounts.read_text().replace(
            "alice@backcovedental.example", "refuse@backcovedental.example"
        )
    )
    result = remind(books, "--send", "--smtp", server)
    assert result.exit_code == 1
    assert "Back Cove Dental: not delivered: refuse@backcovedental.example: 550" in (
        result.stderr
    )
    assert "Message-ID <" in result.stderr
    assert len(inbox.messages) == 2
    notes = (books / "collections.beancount").read_text()
    assert "Not delivered: the mail server refused the payment reminder for " in notes
    # Recorded, so a rerun does not try again the same day.
    again = remind(books, "--send", "--smtp", server)
    assert again.exit_code == 0, again.output
    assert len(inbox.messages) == 2


def test_newlines_in_names_and_addresses_cannot_inject_headers(smtp, books):
    inbox, server = smtp
    accounts = books / "accounts.beancount"
    accounts.write_text(
        accounts.read_text()
        .replace('"Alice Grant"', '"Alice Grant\nBcc: evil@attacker.example"')
        .replace(
            '"dave@gullrockbrewing.example"',
            '"dave@gullrockbrewing.example\nBcc: evil@attacker.example"',
        )
    )
    result = remind(books, "--send", "--smtp", server)
    recipients = [r for _, rcpts, _ in inbox.messages for r in rcpts]
    assert "evil@attacker.example" not in recipients
    for _, _, message in inbox.messages:
        assert message["Bcc"] is None
    # The bad address is reported, not sent to and not silently skipped.
    assert "Gull Rock Brewing Co.: not a usable email address" in result.stderr
    assert result.exit_code == 1


def test_out_writes_one_eml_per_reminder(books, tmp_path):
    out = tmp_path / "outbox"
    result = remind(books, "--out", str(out))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        f"{TODAY}-BackCoveDental-reminder.eml",
        f"{TODAY}-ForeStreet-owner.eml",
        f"{TODAY}-GullRock-final-demand.eml",
    ]
    message = email.message_from_bytes(
        (out / files[2]).read_bytes(), policy=email.policy.default
    )
    assert message.get_content_type() == "multipart/mixed"
    # Its promised INV-2026-079 (over 90 days) no longer makes it an agency
    # notice: the others make a final demand.
    assert message["Subject"].startswith("Final demand")


def test_a_customer_without_email_is_reported(books, tmp_path):
    accounts = books / "accounts.beancount"
    text = accounts.read_text()
    # Back Cove Dental: drop its contacts' and its own email addresses.
    text = text.replace('"alice@backcovedental.example"', '""').replace(
        'email: "office@backcovedental.example"', 'email: ""'
    )
    accounts.write_text(text)
    result = remind(books, "--out", str(tmp_path / "outbox"))
    assert "Back Cove Dental" in result.stderr
    assert result.exit_code == 1


def test_send_needs_a_server_address(books):
    result = remind(books, "--send")
    assert result.exit_code == 2
    assert "--smtp" in result.stderr


# -- each reminder goes out once, or you are told --------------------------


def notes_of(books: pathlib.Path) -> str:
    return (books / "collections.beancount").read_text()


def test_each_message_is_recorded_before_it_is_sent(smtp, books):
    inbox, server = smtp
    inbox.collections = books / "collections.beancount"
    assert remind(books, "--send", "--smtp", server).exit_code == 0
    assert inbox.recorded_first == [True, True, True]
    for _, _, message in inbox.messages:
        assert f'message-id: "{message["Message-ID"]}"' in notes_of(books)


def test_a_dropped_connection_is_reported_and_never_sent_twice(smtp, books):
    inbox, server = smtp
    accounts = books / "accounts.beancount"
    accounts.write_text(
        accounts.read_text().replace(
            "dave@gullrockbrewing.example", "drop@gullrockbrewing.example"
        )
    )
    first = remind(books, "--send", "--smtp", server)
    assert first.exit_code == 1
    # Gull Rock's message arrived, but the server's answer never did.
    assert "Gull Rock Brewing Co.: may not have been delivered" in first.stderr
    assert "Message-ID <" in first.stderr
    assert (
        "Back Cove Dental: not sent (the connection was lost before it); a rerun"
        in (first.stderr)
    )
    assert len(inbox.messages) == 1
    second = remind(books, "--send", "--smtp", server)
    assert second.exit_code == 0, second.output
    recipients = [rcpt[0] for _, rcpt, _ in inbox.messages]
    assert recipients.count("drop@gullrockbrewing.example") == 1
    assert sorted(recipients[1:]) == [
        "alice@backcovedental.example",
        "frank@forestreetprovisions.example",
    ]
    assert remind(books, "--send", "--smtp", server).exit_code == 0
    assert len(inbox.messages) == 3


def test_a_log_that_cannot_be_written_sends_nothing(smtp, books):
    inbox, server = smtp
    collections = books / "collections.beancount"
    collections.chmod(0o444)
    result = remind(books, "--send", "--smtp", server)
    assert result.exit_code == 1
    assert "is read-only; nothing sent" in result.stderr
    assert inbox.messages == []


def test_a_log_write_failing_midway_stops_before_that_message(smtp, books, monkeypatch):
    from beancount_ar import writer

    inbox, server = smtp
    real_append, calls = writer.append, []

    def failing_second(path, directive):
        calls.append(directive)
        if len(calls) == 2:
            raise writer.WriteError(f"could not write {path}: disk full")
        real_append(path, directive)

    monkeypatch.setattr(writer, "append", failing_second)
    first = remind(books, "--send", "--smtp", server)
    assert first.exit_code == 1
    assert "could not record the next email, so it was not sent" in first.stderr
    assert len(inbox.messages) == 1
    monkeypatch.undo()
    assert remind(books, "--send", "--smtp", server).exit_code == 0
    recipients = [rcpt[0] for _, rcpt, _ in inbox.messages]
    assert len(recipients) == len(set(recipients)) == 3


def test_no_sender_address_sends_nothing(smtp, books):
    inbox, server = smtp
    accounts = books / "accounts.beancount"
    accounts.write_text(
        accounts.read_text().replace('"billing@northwind.example"', '""')
    )
    before = notes_of(books)
    result = remind(books, "--send", "--smtp", server)
    assert result.exit_code == 1
    assert "no sender address" in result.stderr
    assert inbox.messages == [] and notes_of(books) == before
    with_from = remind(books, "--send", "--smtp", server, "--from", "ar@north.example")
    assert with_from.exit_code == 0, with_from.output
    assert {m["From"].addresses[0].addr_spec for _, _, m in inbox.messages} == {
        "ar@north.example"
    }


def test_a_reminder_attaches_every_invoice_it_lists(books, tmp_path):
    out = tmp_path / "outbox"
    assert remind(books, "--out", str(out)).exit_code == 0
    message = email.message_from_bytes(
        (out / f"{TODAY}-GullRock-final-demand.eml").read_bytes(),
        policy=email.policy.default,
    )
    names = [part.get_filename() for part in message.iter_attachments()]
    # INV-2026-079 is promised for 30 November: said apart, not attached.
    assert names == [
        "INV-2026-092.pdf",
        "INV-2026-106.pdf",
        "INV-2026-118.pdf",
        f"statement-GullRock-{TODAY}.pdf",
    ]


def test_the_ledgers_own_invoice_document_is_attached_as_it_is(books, tmp_path):
    own = b"%PDF-1.4\n% the invoice as it was sent\n"
    (books / "INV-2026-119.pdf").write_bytes(own)
    with (books / "collections.beancount").open("a") as f:
        f.write(
            "\n2026-10-21 document Assets:Receivable:BackCoveDental "
            '"INV-2026-119.pdf" ^INV-2026-119\n'
        )
    out = tmp_path / "outbox"
    assert remind(books, "--out", str(out)).exit_code == 0
    message = email.message_from_bytes(
        (out / f"{TODAY}-BackCoveDental-reminder.eml").read_bytes(),
        policy=email.policy.default,
    )
    invoice = next(message.iter_attachments())
    assert invoice.get_content() == own


def test_attachments_over_the_limit_leave_only_the_statement(books, tmp_path):
    main = books / "main.beancount"
    main.write_text(
        main.read_text().replace(
            "'grace_days': 5", "'grace_days': 5, 'attachments_kb': 60"
        )
    )
    out = tmp_path / "outbox"
    assert remind(books, "--out", str(out)).exit_code == 0
    message = email.message_from_bytes(
        (out / f"{TODAY}-GullRock-final-demand.eml").read_bytes(),
        policy=email.policy.default,
    )
    names = [part.get_filename() for part in message.iter_attachments()]
    assert names == [f"statement-GullRock-{TODAY}.pdf"]
    text = " ".join(message.get_body(("plain",)).get_content().split())
    assert "too large" in text
