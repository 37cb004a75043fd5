"""The dates the reports work on.

Reports look back from their date (90 days of metrics, a year of month-ends,
the previous day of a statement) and forward (a reminder's pay-by date, the
day a hold would start), so they age dates from year 100 to 9998: every such
step stays a date. Ledger entries may be dated anywhere Beancount allows;
what the engine computes from them (a due date past year 9999) is an error
with file and line, never an exception.
"""

from __future__ import annotations

import datetime

EARLIEST = datetime.date(100, 1, 1)
LATEST = datetime.date(9998, 12, 31)


def out_of_range(day: datetime.date) -> str | None:
    """Why `day` cannot be a report's date, or None when it can."""
    if EARLIEST <= day <= LATEST:
        return None
    return (
        f"{day} is outside the dates beancount-ar reports on ({EARLIEST} to {LATEST})"
    )
