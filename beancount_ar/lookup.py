"""Finding a customer from what a person types: its account, its name, or
the beginning of one. Light on imports: the reports answered from the index
(`store`) use it without Beancount."""

from __future__ import annotations

import difflib
from typing import Any


class InputError(ValueError):
    """Input that cannot become a directive; nothing was written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def resolve_customer(loaded: Any, text: str) -> str:
    """A customer account from its account name, display name or last
    component, or an unambiguous beginning of either (case-insensitive)."""
    customers = loaded.index.customers
    if text in customers:
        return text
    wanted = text.casefold()

    def names(account: str) -> tuple[str, str]:
        return customers[account].name.casefold(), account.rsplit(":", 1)[-1].casefold()

    exact = sorted(a for a in customers if wanted in names(a))
    matches = exact or sorted(
        a for a in customers if any(n.startswith(wanted) for n in names(a))
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InputError("customer", f"{text!r} is ambiguous: {', '.join(matches)}")
    raise InputError("customer", f"no customer {text!r}{_suggest(loaded, text)}")


def _suggest(loaded: Any, text: str) -> str:
    """ "; did you mean "Gull Rock Brewing Co."?" for a name close to one."""
    customers = loaded.index.customers
    by_key = {}
    for account, customer in sorted(customers.items()):
        by_key.setdefault(customer.name.casefold(), customer.name)
        by_key.setdefault(account.rsplit(":", 1)[-1].casefold(), customer.name)
    close = difflib.get_close_matches(text.casefold(), list(by_key), n=6, cutoff=0.5)
    names = list(dict.fromkeys(by_key[key] for key in close))[:3]
    if not names:
        return ""
    return "; did you mean " + " or ".join(f'"{n}"' for n in names) + "?"
