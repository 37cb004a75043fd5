"""beancount-ar: accounts receivable and collections for Beancount ledgers.

The package is the plugin module, so `plugin "beancount_ar"` works. The
plugin is imported when Beancount asks for it, not with the package: a
report answered from the index (`store`) never imports Beancount.
"""

from __future__ import annotations

from typing import Any

__plugins__ = ("receivables",)
__all__ = ["receivables"]


def __getattr__(name: str) -> Any:
    if name == "receivables":
        from beancount_ar.plugin import receivables

        return receivables
    raise AttributeError(f"module 'beancount_ar' has no attribute {name!r}")
