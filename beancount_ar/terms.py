"""Payment terms: parse the text a bookkeeper writes, compute due and discount dates.

Grammar (case-insensitive, spaces optional), with the normalised text each
form is shown as (`Terms.text`):

    Net 30 | N30 | Net30 | n/30 | Net 30 days           -> Net 30
    30  (a bare number, as metadata `terms: 30` gives)  -> Net 30
    Net 0                                               -> Net 0
    Due on receipt | Upon receipt | Payable on receipt
      | Due upon receipt | Receipt                      -> Due on receipt
    COD | C.O.D. | Cash on delivery                     -> COD
    CIA | Cash in advance                               -> CIA
    2/10 Net 30 | 2/10, n/30 | 2/10 N/30 | 2/10,net 30
      | 2% 10 Net 30 | 2%/10 net 30 | 2% 10 days net 30 -> 2/10 Net 30
    1.5/15 n/45                                         -> 1.5/15 Net 45
    Net 15 EOM | Net 15 days EOM                        -> Net 15 EOM
    EOM | Net EOM                                       -> EOM
    2/10 Net 30 EOM | 2/10 n/30 EOM                     -> 2/10 Net 30 EOM
    10th Prox | Prox 10 | 10 Prox | 10th of next month
      | Net 10th of next month
      | 10th of the following month                     -> 10th Prox

"2/10 Net 30" is 2 % off if paid in full within 10 days, else due in 30.
EOM counts the days (net and discount) from the last day of the invoice
month; "10th Prox" is due on day 10 of the month after the invoice.

The text is first reduced to a canonical key (casefolded, no spaces, commas or
stray dots; "2%" -> "2/", "n/30" -> "net30", "days" dropped, "of next month"
-> "prox") and the key is then matched against the few patterns below.

Named terms (`custom "ar-terms" "Wholesale" "2/10 Net 45"`) are looked up by
name, case-insensitively, before the grammar is tried.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import NamedTuple

#: Forms shown when terms are not understood (each parses; see the grammar).
ACCEPTED_FORMS = (
    "Net 30",
    "N30",
    "Net 30 days",
    "2/10 Net 30",
    "2/10, n/30",
    "2% 10 Net 30",
    "Net 15 EOM",
    "EOM",
    "10th Prox",
    "Net 10th of next month",
    "Due on receipt",
    "Upon receipt",
    "COD",
    "CIA",
)
EXAMPLES = ", ".join(f'"{form}"' for form in ACCEPTED_FORMS)
_ACCEPTED = (
    f'accepted: {EXAMPLES}, a named term from custom "ar-terms", or a number of days'
)
MAX_DAYS = 3660  # ten years: anything longer is a typo, and would overflow dates


class TermsError(ValueError):
    """Raised for terms text that does not follow the grammar."""


class Terms(NamedTuple):
    """Parsed payment terms.

    Attributes:
        text: The normalised text, e.g. "2/10 Net 30"; parsing it again gives
            the same terms.
        net_days: Days from the base date to the due date (None for Prox).
        eom: Whether days count from the last day of the invoice month.
        prox_day: For "Nth Prox", the day of the next month the invoice is due.
        discount_pct: Early-payment discount in percent, or None.
        discount_days: Days (from the base date) within which it applies.
    """

    text: str
    net_days: int | None = None
    eom: bool = False
    prox_day: int | None = None
    discount_pct: Decimal | None = None
    discount_days: int | None = None

    def due_date(self, invoice_date: datetime.date) -> datetime.date:
        """The date the invoice is due under these terms."""
        if self.prox_day is not None:
            year, month = _next_month(invoice_date.year, invoice_date.month)
            return _clamped(year, month, self.prox_day)
        return self._base(invoice_date) + datetime.timedelta(days=self.net_days or 0)

    def discount_date(self, invoice_date: datetime.date) -> datetime.date | None:
        """The last date the early-payment discount may be taken, if any."""
        if self.discount_days is None:
            return None
        return self._base(invoice_date) + datetime.timedelta(days=self.discount_days)

    def _base(self, invoice_date: datetime.date) -> datetime.date:
        if not self.eom:
            return invoice_date
        last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
        return invoice_date.replace(day=last)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _clamped(year: int, month: int, day: int) -> datetime.date:
    """Day `day` of the month, or its last day when the month is shorter."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


# Rewrites, applied in order, from the text as written to a canonical key.
_REWRITES = (
    (re.compile(r"\s+"), ""),  # spaces are optional
    (re.compile(r",(?!\d)|\.(?!\d)"), ""),  # "2/10, n/30", "C.O.D."
    (re.compile(r"(\d)%/?"), r"\1/"),  # "2% 10", "2%/10" -> "2/10"
    (re.compile(r"n(?:et)?/?(?=\d)"), "net"),  # "N30", "n/30" -> "net30"
    (re.compile(r"(net|/)(\d+)days?"), r"\1\2"),  # "Net 30 days", "2% 10 days"
    (
        re.compile(
            r"^(?:net)?(\d+)(st|nd|rd|th)?(?:of)?(?:the)?(?:next|following)month$"
        ),
        r"\1\2prox",  # "Net 10th of next month" -> "10thprox"
    ),
)
_NUM = r"\d+(?:\.\d+)?"
_NET = re.compile(
    rf"""^(?:(?P<pct>{_NUM})/(?P<ddays>\d+))?      # optional 2/10
         net(?P<net>\d+)                          # Net 30
         (?P<eom>eom)?$""",
    re.VERBOSE,
)
_EOM = re.compile(r"^(?:net)?eom$")
_PROX = re.compile(r"^(?:(?P<a>\d+)(?:st|nd|rd|th)?prox|prox(?P<b>\d+))$")
_RECEIPT = {
    "receipt": "Due on receipt",
    "onreceipt": "Due on receipt",
    "dueonreceipt": "Due on receipt",
    "uponreceipt": "Due on receipt",
    "dueuponreceipt": "Due on receipt",
    "payableonreceipt": "Due on receipt",
    "payableuponreceipt": "Due on receipt",
    "cod": "COD",
    "cashondelivery": "COD",
    "cia": "CIA",
    "cashinadvance": "CIA",
}


def _canonical(text: str) -> str:
    """The key the grammar matches: "2% 10 days, N/30" -> "2/10net30"."""
    key = text.casefold()
    for pattern, replacement in _REWRITES:
        key = pattern.sub(replacement, key)
    return key


def _ordinal(n: int) -> str:
    suffix = (
        "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    )
    return f"{n}{suffix}"


def parse_terms(text: object, named: Mapping[str, str] | None = None) -> Terms:
    """Parse payment terms.

    Args:
        text: The terms as written: a string, or a whole number of days (a
            `terms: 30` metadata value arrives as a Decimal).
        named: Named terms from `ar-terms` directives, name -> terms text.

    Returns:
        The parsed Terms, whose `text` is the normalised form.

    Raises:
        TermsError: The text does not follow the grammar; the message lists
            the forms accepted.
    """
    # A bare number of days, as `terms: 30` metadata gives.
    if isinstance(text, (int, Decimal)) and not isinstance(text, bool):
        if text != int(text) or text < 0:
            raise TermsError(f'unknown terms "{text}" ({_ACCEPTED})')
        return parse_terms(f"Net {int(text)}")
    if not isinstance(text, str):
        raise TermsError(f"terms must be text, not {text!r} ({_ACCEPTED})")

    # Named terms take precedence over the grammar.
    if named:
        for name, expansion in named.items():
            if name.casefold() == text.strip().casefold():
                return parse_terms(expansion)

    key = _canonical(text)
    if key.isdigit():
        return parse_terms(f"Net {int(key)}")
    if key in _RECEIPT:
        return Terms(_RECEIPT[key], net_days=0)
    if match := _EOM.match(key):
        return Terms("EOM", net_days=0, eom=True)
    if match := _PROX.match(key):
        day = int(match["a"] or match["b"])
        if not 1 <= day <= 31:
            raise TermsError(f'unknown terms "{text}": a Prox day must be 1 to 31')
        return Terms(f"{_ordinal(day)} Prox", prox_day=day)
    if match := _NET.match(key):
        net = int(match["net"])
        if net > MAX_DAYS:
            raise TermsError(f'unknown terms "{text}": {net} days is over ten years')
        eom = match["eom"] is not None
        suffix = " EOM" if eom else ""
        if match["pct"] is None:
            return Terms(f"Net {net}{suffix}", net_days=net, eom=eom)
        pct = Decimal(match["pct"])
        ddays = int(match["ddays"])
        if not 0 < pct < 100:
            raise TermsError(f'unknown terms "{text}": a discount must be 0 to 100 %')
        if ddays > net:
            raise TermsError(
                f'unknown terms "{text}": the discount period ({ddays} days) '
                f"is longer than the net period ({net} days)"
            )
        return Terms(
            f"{pct}/{ddays} Net {net}{suffix}",
            net_days=net,
            eom=eom,
            discount_pct=pct,
            discount_days=ddays,
        )
    raise TermsError(f'unknown terms "{text}" ({_ACCEPTED})')
