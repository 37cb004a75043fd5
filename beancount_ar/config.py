"""The plugin configuration: a Python dict literal parsed into a frozen dataclass.

    plugin "beancount_ar" "{'accounts': ['Assets:Receivable'], 'grace_days': 5}"

Unknown keys and values of the wrong type are errors naming the key; the
defaults are used for whatever is wrong, so a typo never stops the ledger
from loading.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount_ar.terms import TermsError, parse_terms

if TYPE_CHECKING:
    from beancount.core import data

PLUGIN_NAME = "beancount_ar"
CONFIG_SOURCE = {"filename": "<beancount_ar>", "lineno": 0}
SEP = ":"  # the account separator

#: Escalation levels in order; each one's default days past due ("grace" means
#: the configured grace_days).
DEFAULT_ESCALATION: tuple[tuple[str, int | str], ...] = (
    ("reminder", "grace"),
    ("second-notice", 15),
    ("manager", 30),
    ("owner", 45),
    ("final-demand", 60),
    ("agency", 90),
)


#: Words in a contact's role that say who they are, by tier: the customer's
#: owner, its A/P manager or controller, its A/P clerk. A role is read as the
#: first tier with a word in it, in this order ("A/P Manager" is a manager).
DEFAULT_ROLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "owner",
        ("owner", "principal", "president", "ceo", "chief executive",
         "managing director", "founder", "proprietor", "general manager",
         "managing partner"),
    ),
    (
        "manager",
        ("manager", "controller", "comptroller", "finance", "cfo", "treasurer",
         "head of accounts"),
    ),
    (
        "clerk",
        ("clerk", "a/p", "ap", "accounts payable", "payables", "billing",
         "bookkeeper", "accounts", "office"),
    ),
)  # fmt: skip
ROLE_TIERS = tuple(tier for tier, _ in DEFAULT_ROLES)

#: Days a setting may count: ten years at most, so that no date overflows.
MAX_DAYS = 3660


class ConfigError(NamedTuple):
    source: data.Meta
    message: str
    entry: data.Directive | None


@dataclasses.dataclass(frozen=True)
class Config:
    """Settings shared by the plugin, the CLI and the Fava extension."""

    accounts: tuple[str, ...] = ("Assets:Receivable",)
    default_terms: str = "Net 30"
    grace_days: int = 5
    buckets: tuple[int, ...] = (30, 60, 90)
    matching: str = "fifo"
    hold_days: int = 60
    escalation: tuple[tuple[str, int], ...] = ()
    collections_file: str = "collections.beancount"
    discount_account: str = "Expenses:Discounts"
    roles: tuple[tuple[str, tuple[str, ...]], ...] = DEFAULT_ROLES
    tax_accounts: tuple[str, ...] = ()  # an invoice's postings to these are tax
    pay_url: str | None = None  # "https://pay.example/{invoice}?amount={amount}"
    attachments_kb: int = 5000  # a reminder's attachments at most, else only
    # the statement is attached
    sender_name: str | None = None  # who signs the reminders
    sender_role: str | None = None
    courtesy_days: int | None = None  # a friendly note this many days before
    # an invoice is due; None: no courtesy reminders
    statement_day: int = 1  # the monthly statement run's day (a customer's
    # `statement-day:` wins); the last day in shorter months
    collectability: tuple[tuple[str, Decimal], ...] = ()  # the forecast's share
    # expected of each bucket, overriding its defaults: (("91+", 0.5), ...)

    def is_receivable(self, name: str) -> bool:
        """Whether `name` is a receivable root or an account below one."""
        return any(
            name == root or name.startswith(root + SEP) for root in self.accounts
        )


def _default_escalation(grace_days: int) -> tuple[tuple[str, int], ...]:
    return tuple(
        (level, grace_days if days == "grace" else int(days))
        for level, days in DEFAULT_ESCALATION
    )


def _check_int(key: str, value: Any, minimum: int = 0) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not minimum <= value <= MAX_DAYS
    ):
        raise ValueError(
            f"'{key}' must be a whole number of days from {minimum} to {MAX_DAYS}, "
            f"not {value!r}"
        )
    return value


def _is_account(name: str) -> bool:
    from beancount.core import account  # parsing the plugin line: Beancount is loaded

    return account.is_valid(name)


def _check_account(key: str, value: Any) -> str:
    if not isinstance(value, str) or not _is_account(value):
        raise ValueError(f"'{key}' must be an account name, not {value!r}")
    return value


def _check_roles(key: str, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """{'owner': ['owner', 'president'], ...}: the words of some tiers replaced."""
    if not isinstance(value, Mapping):
        raise ValueError(
            f"'{key}' must map {', '.join(ROLE_TIERS)} to lists of words, "
            "e.g. {'owner': ['owner', 'president', 'ceo']}"
        )
    words = dict(DEFAULT_ROLES)
    for tier, given in value.items():
        if tier not in words:
            raise ValueError(
                f"'{key}': unknown tier {tier!r} (known: {', '.join(ROLE_TIERS)})"
            )
        if isinstance(given, str):
            given = [given]
        if (
            not isinstance(given, (list, tuple))
            or not given
            or not all(isinstance(w, str) and w.strip() for w in given)
        ):
            raise ValueError(
                f"'{key}': {tier!r} must be a list of words, not {given!r}"
            )
        words[tier] = tuple(w.strip().casefold() for w in given)
    return tuple((tier, words[tier]) for tier in ROLE_TIERS)


def _check_str(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"'{key}' must be a non-empty string, not {value!r}")
    return value


def _check_accounts(key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"'{key}' must be a list of account names, not {value!r}")
    for name in value:
        if not isinstance(name, str) or not _is_account(name):
            raise ValueError(f"'{key}' must hold account names, not {name!r}")
    return tuple(value)


#: The fields a `pay_url` may use.
PAY_URL_FIELDS = ("invoice", "customer", "amount", "currency")


def _check_pay_url(key: str, value: Any) -> str:
    sample = dict.fromkeys(PAY_URL_FIELDS, "x")
    try:
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise ValueError
        value.format(**sample)
    except (ValueError, KeyError, IndexError, AttributeError):
        raise ValueError(
            f"'{key}' must be a web address using {{invoice}}, {{customer}}, "
            f"{{amount}} and {{currency}}, like "
            "'https://pay.example/{invoice}?amount={amount}', not "
            f"{value!r}"
        ) from None
    return value


def _check_kb(key: str, value: Any) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not whole or not 1 <= value <= 100_000:
        raise ValueError(f"'{key}' must be kilobytes from 1 to 100000, not {value!r}")
    return value


def _check_optional_text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValueError(f"'{key}' must be a short text, not {value!r}")
    return value.strip()


def _check_day_of_month(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 31:
        raise ValueError(
            f"'{key}' must be a day of the month from 1 to 31, not {value!r}"
        )
    return value


def _check_collectability(key: str, value: Any) -> tuple[tuple[str, Decimal], ...]:
    """{'61-90': 0.8, '91+': 0.5}: the share of each bucket expected to come in."""
    if not isinstance(value, Mapping) or not value:
        raise ValueError(
            f"'{key}' must map buckets to the share expected to be collected, "
            "e.g. {'61-90': 0.8, '91+': 0.5}"
        )
    result = []
    for label, share in value.items():
        if not isinstance(label, str) or isinstance(share, bool):
            raise ValueError(
                f"'{key}': {label!r}: {share!r} is not a bucket and a share"
            )
        try:
            number = Decimal(str(share))
        except ArithmeticError:
            number = Decimal(-1)
        if not (isinstance(share, (int, float, str)) and 0 <= number <= 1):
            raise ValueError(
                f"'{key}': the share of {label!r} must be from 0 to 1, not {share!r}"
            )
        result.append((label, number))
    return tuple(result)


def _check_buckets(key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"'{key}' must be a list of day bounds like [30, 60, 90]")
    bounds = tuple(_check_int(key, v, 1) for v in value)
    if list(bounds) != sorted(set(bounds)):
        raise ValueError(f"'{key}' must be strictly increasing, not {list(value)!r}")
    return bounds


def _check_matching(key: str, value: Any) -> str:
    if value not in ("fifo", "strict"):
        raise ValueError(f"'{key}' must be 'fifo' or 'strict', not {value!r}")
    return value


def _check_terms(key: str, value: Any) -> str:
    try:
        parse_terms(value)
    except TermsError as exc:
        raise ValueError(f"'{key}': {exc}") from None
    return value


def _check_escalation(key: str, value: Any) -> tuple[tuple[str, int], ...]:
    """Accept {'reminder': 5, ...} or [('reminder', 5), ...]."""
    items = value.items() if isinstance(value, Mapping) else value
    try:
        levels = tuple((name, days) for name, days in items)
    except (TypeError, ValueError):
        raise ValueError(
            f"'{key}' must map level names to days, "
            "e.g. {'reminder': 5, 'manager': 30}"
        ) from None
    for name, days in levels:
        _check_str(key, name)
        _check_int(key, days)
    if [d for _, d in levels] != sorted(d for _, d in levels):
        raise ValueError(f"'{key}' levels must be in increasing order of days")
    return levels


_CHECKS = {
    "accounts": _check_accounts,
    "default_terms": _check_terms,
    "grace_days": _check_int,
    "buckets": _check_buckets,
    "matching": _check_matching,
    "hold_days": _check_int,
    "escalation": _check_escalation,
    "collections_file": _check_str,
    "discount_account": _check_account,
    "roles": _check_roles,
    "tax_accounts": _check_accounts,
    "pay_url": _check_pay_url,
    "attachments_kb": _check_kb,
    "sender_name": _check_optional_text,
    "sender_role": _check_optional_text,
    "courtesy_days": lambda key, value: _check_int(key, value, 1),
    "statement_day": _check_day_of_month,
    "collectability": _check_collectability,
}


def parse_config(text: str | None) -> tuple[Config, list[ConfigError]]:
    """Parse the plugin's configuration string.

    Args:
        text: The second string of the `plugin` line, or None.

    Returns:
        The configuration (defaults for anything missing or invalid) and a
        list of errors, each naming the offending key.
    """
    errors: list[ConfigError] = []

    def error(message: str) -> None:
        errors.append(
            ConfigError(CONFIG_SOURCE, f"beancount_ar config: {message}", None)
        )

    raw: Any = {}
    if text and text.strip():
        try:
            raw = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
            error(f"not a Python dict literal ({exc.__class__.__name__}): {text!r}")
            raw = {}
    if not isinstance(raw, dict):
        error(
            f"expected a dict like {{'accounts': ['Assets:Receivable']}}, not {raw!r}"
        )
        raw = {}

    values: dict[str, Any] = {}
    for key, value in raw.items():
        check = _CHECKS.get(key) if isinstance(key, str) else None
        if check is None:
            error(f"unknown key {key!r} (known: {', '.join(sorted(_CHECKS))})")
            continue
        try:
            values[key] = check(key, value)
        except ValueError as exc:
            error(str(exc))

    config = Config(**values)
    if "escalation" not in values:
        config = dataclasses.replace(
            config, escalation=_default_escalation(config.grace_days)
        )
    from beancount_ar.aging import bucket_labels  # aging reads this module

    labels = bucket_labels(config.buckets)
    unknown = [label for label, _ in config.collectability if label not in labels]
    if unknown:
        error(
            f"'collectability': no bucket {', '.join(map(repr, unknown))} "
            f"(the buckets are {', '.join(labels)})"
        )
        config = dataclasses.replace(config, collectability=())
    return config, errors


def find_config(options_map: Mapping[str, Any]) -> str | None:
    """The configuration string of the `plugin "beancount_ar"` line, if any."""
    for name, conf in options_map.get("plugin", ()):
        if name in (PLUGIN_NAME, f"{PLUGIN_NAME}.plugin"):
            return conf or ""
    return None
