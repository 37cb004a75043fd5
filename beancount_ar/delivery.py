"""Handing emails to an SMTP server, each recorded before it goes.

A message is first recorded (its note, with its Message-ID, in the ledger);
only then is it handed over. A rerun finds the note and sends nothing again,
whatever happened after: a crash, a dropped connection, a refusal. What
happened to each is said: sent, refused (not delivered), uncertain (the
connection broke while it was sent) or not sent (never handed over).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Callable, Sequence
from typing import NamedTuple

from beancount_ar.remind import Reminder

SENT, REFUSED, UNCERTAIN, NOT_SENT = "sent", "refused", "uncertain", "not-sent"


class Outcome(NamedTuple):
    reminder: Reminder
    status: str  # sent, refused (not delivered), uncertain, not-sent
    error: str | None

    @property
    def sent(self) -> bool:
        return self.status == SENT


def send(
    reminders: Sequence[Reminder],
    host: str,
    port: int,
    *,
    record: Callable[[Reminder], None],
    refused: Callable[[Reminder, str], None] | None = None,
    starttls: bool = False,
    user: str | None = None,
    password: str | None = None,
) -> list[Outcome]:
    """Send each reminder, recorded before it goes, so it never goes twice.

    Each message is first recorded (`record`: its note, with its Message-ID,
    in the ledger); only then is it handed to the server. A rerun finds the
    note and sends nothing again, whatever happened after: a crash, a dropped
    connection, a refusal.

    Args:
        reminders: From `build`; those without a message are skipped.
        host: The SMTP server.
        port: Its port.
        record: Records a reminder before it is sent; raising stops the run
            with that reminder unsent.
        refused: Called for a message the server refused outright (nothing
            was delivered), with the reason.
        starttls: Upgrade the connection with STARTTLS first.
        user: Log in as this user (with `password`).
        password: The password, from the environment, never an argument.

    Returns:
        What happened to each reminder with a message: sent; refused (not
        delivered); uncertain (the connection broke while it was sent: it may
        or may not have arrived); not-sent (never handed over: a rerun sends
        it).
    """
    outcomes: list[Outcome] = []
    pending = [r for r in reminders if r.message is not None]
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        if user:
            smtp.login(user, password or "")
        for k, reminder in enumerate(pending):
            record(reminder)
            try:
                rejected = smtp.send_message(reminder.message)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPDataError,
                smtplib.SMTPSenderRefused,
            ) as exc:
                error = _smtp_error(exc)
                outcomes.append(Outcome(reminder, REFUSED, error))
                if refused is not None:
                    refused(reminder, error)
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.rset()
                continue
            except (smtplib.SMTPException, OSError) as exc:
                # The connection broke while the message was being sent.
                outcomes.append(Outcome(reminder, UNCERTAIN, str(exc) or repr(exc)))
                outcomes += [
                    Outcome(later, NOT_SENT, "the connection was lost before it")
                    for later in pending[k + 1 :]
                ]
                break
            if rejected:
                error = f"refused: {rejected}"
                outcomes.append(Outcome(reminder, REFUSED, error))
                if refused is not None:
                    refused(reminder, error)
                continue
            outcomes.append(Outcome(reminder, SENT, None))
    return outcomes


def _smtp_error(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {_text(msg)}"
            for rcpt, (code, msg) in exc.recipients.items()
        )
    return str(exc)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value
