"""Money as the ledger writes it: each currency at its usual precision.

Amounts are `Decimal`, kept per currency. The ledger's display context says
how many decimals each currency commonly has; the engine rounds a computed
amount (an early-payment discount) to that precision, and every report shows
amounts with it, never dropping a digit a posting has.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    getcontext,
    localcontext,
)
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from beancount.core.display_context import DisplayContext


ZERO = Decimal(0)
DEFAULT_PLACES = 2
#: The significant digits of an amount the engine ages exactly: sums of
#: millions of them stay within Decimal's default 28 digits.
MAX_DIGITS = 20
#: Rounding and formatting happen in a context wide enough for any number a
#: ledger holds, so that no amount can make a report raise.
WIDE = Context(prec=1000, Emax=10**6, Emin=-(10**6))
#: The precision the command line and the Fava page compute with (Decimal's
#: default is 28 digits): sums of amounts of more digits stay exact.
PRECISION = 100


def exact_sums() -> None:
    """Let this thread's sums of amounts keep PRECISION digits."""
    context = getcontext()
    context.prec = max(context.prec, PRECISION)


def too_many_digits(number: Decimal) -> bool:
    """Whether an amount has more significant digits than are aged exactly."""
    digits = number.as_tuple().digits
    return len(digits) > MAX_DIGITS and number.is_finite()


def to_places(number: Decimal, places: int) -> Decimal:
    """`number` rounded to `places` decimals (half even), whatever its size."""
    return number.quantize(Decimal(1).scaleb(-places), context=WIDE)


class Amounts:
    """Rounds and formats numbers with the ledger's precision per currency."""

    def __init__(self, dcontext: DisplayContext | None = None) -> None:
        self.dcontext = dcontext
        self._places: dict[str, int] = {}

    def places(self, currency: str) -> int:
        """The decimals the ledger commonly writes for `currency` (default 2)."""
        places = self._places.get(currency)
        if places is None:
            places = DEFAULT_PLACES
            if self.dcontext is not None and currency in self.dcontext.ccontexts:
                from beancount.core.display_context import Precision

                common = self.dcontext.ccontexts[currency].get_fractional(
                    Precision.MOST_COMMON
                )
                if common is not None:
                    places = common
            self._places[currency] = places
        return places

    def quantum(self, currency: str) -> Decimal:
        """The smallest amount the ledger writes in `currency` (0.01 for USD)."""
        return Decimal(1).scaleb(-self.places(currency))

    def rounded(self, number: Decimal, currency: str, down: bool = False) -> Decimal:
        """`number` at the ledger's precision, half up (or down when `down`)."""
        return number.quantize(
            self.quantum(currency),
            rounding=ROUND_DOWN if down else ROUND_HALF_UP,
            context=WIDE,
        )

    def _exact(self, number: Decimal, currency: str) -> Decimal:
        rounded = number.quantize(self.quantum(currency), context=WIDE)
        return rounded if rounded == number else number

    def plain(self, number: Decimal, currency: str) -> str:
        """Machine-readable: "1234.50"."""
        return str(self._exact(number, currency))

    def human(self, number: Decimal, currency: str, locale: str | None = None) -> str:
        """For people: "1,234.50", or in a locale's way ("1 234,50")."""
        exact = self._exact(number, currency)
        if locale is None:
            return f"{exact:,}"
        import babel.numbers  # only for a customer with a locale

        places = max(self.places(currency), -exact.as_tuple().exponent, 0)
        with localcontext(WIDE):
            return babel.numbers.format_decimal(
                exact,
                format="#,##0." + "0" * places if places else "#,##0",
                locale=locale,
                decimal_quantization=False,
            )

    def text(self, number: Decimal, currency: str, locale: str | None = None) -> str:
        """For people, with the currency: "1,234.50 USD", or in a locale's way
        ("1 234,50 kr")."""
        if locale is None:
            return f"{self.human(number, currency)} {currency}"
        import babel.numbers

        exact = self._exact(number, currency)
        with localcontext(WIDE):
            return babel.numbers.format_currency(
                exact,
                currency,
                locale=locale,
                currency_digits=False,
                decimal_quantization=False,
            )

    def money(self, money: Mapping[str, Decimal]) -> dict[str, str]:
        """A currency -> amount map as JSON strings, zeros left out."""
        return {cur: self.plain(n, cur) for cur, n in sorted(money.items()) if n}
