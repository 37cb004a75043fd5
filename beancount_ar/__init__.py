"""beancount-ar: accounts receivable and collections for Beancount ledgers.

The package is the plugin module, so `plugin "beancount_ar"` works.
"""

from __future__ import annotations

from beancount_ar.plugin import receivables

__plugins__ = ("receivables",)
__all__ = ["receivables"]
