"""Plain-text tables and paragraphs that fit the reader's terminal.

The width is the terminal's when printing to one, else `COLUMNS`, else 80;
`--width N` sets it. A table never cuts an amount, a date, an invoice id or a
phone number, and keeps the same thousands separators everywhere: names are
shortened with `…` only when the width cannot hold them, and past that the
table is printed wider rather than lose a digit.
"""

from __future__ import annotations

import os
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence

DEFAULT_WIDTH = 80
MIN_WIDTH = 40
MAX_WIDTH = 1000
NBSP = "\u00a0"
# An amount and its currency ("1,000.00 USD"): wrapped as one word.
_AMOUNT = re.compile(r"-?\d[\d,]*(?:\.\d+)? [A-Z][A-Z0-9'._-]{0,22}(?![\w])")
# Characters `str.splitlines` breaks on besides \n: a name holding one must
# not break a table's rows apart.
_LINE_BREAKS = str.maketrans(
    {c: " " for c in "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"} | {"\t": " "}
)


def terminal_width() -> int:
    """The terminal's width when writing to one, else `COLUMNS`, else 80."""
    try:
        if sys.stdout.isatty():
            return _bounded(os.get_terminal_size(sys.stdout.fileno()).columns)
    except (OSError, ValueError, AttributeError):
        pass
    columns = os.environ.get("COLUMNS", "")
    if columns.strip().isdigit():
        return _bounded(int(columns))
    return DEFAULT_WIDTH


def _bounded(columns: int) -> int:
    return DEFAULT_WIDTH if columns <= 0 else max(MIN_WIDTH, min(columns, MAX_WIDTH))


def one_line(text: str) -> str:
    """Text from the ledger made safe for one table cell or line."""
    return str(text).translate(_LINE_BREAKS).replace("\n", " ")


def width(text: str) -> int:
    """Columns `text` takes on a terminal (CJK characters take two)."""
    import wcwidth  # only text output needs it, not JSON or CSV

    return max(wcwidth.wcswidth(text), len(text))


def shorten(text: str, room: int) -> str:
    """`text` cut to `room` columns with `…`, if it is wider."""
    if width(text) <= room:
        return text
    out = ""
    for char in text:
        if width(out + char) > room - 1:
            break
        out += char
    return out + "…"


def widest(text: str) -> int:
    return max((width(line) for line in text.split("\n")), default=0)


def fit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    flexible: Sequence[tuple[int, int]],
    align: Sequence[str],
    limit: int = DEFAULT_WIDTH,
) -> str:
    """A table no wider than `limit` if shortening names can make it so.

    Args:
        headers: The column headers.
        rows: The cells, as text.
        flexible: (column, narrowest width) of the columns that may be
            shortened with `…` (names, descriptions), in the order to try.
        align: "left" or "right" per column.
        limit: The width to fit.

    Returns:
        The table. Other columns are never cut: if the table still does not
        fit, it is printed wider.
    """
    from tabulate import tabulate  # only text output needs it

    rows = [[one_line(cell) for cell in row] for row in rows]
    headers = list(headers)

    def draw() -> str:
        return tabulate(
            rows,
            headers=headers,
            tablefmt="simple",
            colalign=align,
            disable_numparse=True,
        )

    table = draw()
    for column, narrowest in flexible:
        if column >= len(headers):
            continue  # a column the caller left out
        excess = widest(table) - limit
        if excess <= 0:
            break
        cells = [headers[column], *(r[column] for r in rows)]
        room = max(max(map(width, cells)) - excess, narrowest)
        for r in rows:
            r[column] = shorten(r[column], room)
        headers[column] = shorten(headers[column], room)
        table = draw()
    return table


def wrap(
    text: str, indent: str, limit: int = DEFAULT_WIDTH, keep: Iterable[str] = ()
) -> list[str]:
    """A paragraph wrapped to `limit` columns, continued lines indented two
    more; amounts with their currency and the `keep` strings (phone numbers)
    are never broken."""
    text = _AMOUNT.sub(lambda m: m.group(0).replace(" ", NBSP), one_line(text))
    for part in keep:
        if part:
            text = text.replace(part, part.replace(" ", NBSP))
    lines = textwrap.wrap(
        text,
        max(limit, len(indent) + 20),
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
    return [line.replace(NBSP, " ") for line in lines] or [indent]
