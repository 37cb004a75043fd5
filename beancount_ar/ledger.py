"""Load a ledger and build its index: the one entry point for the CLI and Fava.

When the ledger loads the plugin, its configuration is read from the
`plugin` line and its errors are already among the loader's. When it does not,
the same configuration defaults apply and the engine's errors are added here,
so the numbers and the errors are the same either way.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount_ar.config import Config, find_config, parse_config

if TYPE_CHECKING:
    from beancount.core import data

    from beancount_ar.openitems import Index


class Ledger(NamedTuple):
    entries: list[data.Directive]
    errors: list[Any]
    options: dict[str, Any]
    config: Config
    index: Index


def from_entries(
    entries: list[data.Directive], errors: list[Any], options: dict[str, Any]
) -> Ledger:
    """Build the index of loaded entries, adding engine errors if not a plugin."""
    from beancount_ar.matching import build_index
    from beancount_ar.plugin import take_index

    config_str = find_config(options)
    config, config_errors = parse_config(config_str)
    errors = list(errors)
    if config_str is not None:
        # The plugin ran during this load: reuse its index when it holds.
        index = take_index(entries, options, config_str) or build_index(
            entries, config, options.get("dcontext"), options.get("include")
        )
    else:
        index = build_index(
            entries, config, options.get("dcontext"), options.get("include")
        )
        # The loader did not run the plugin, so its errors are not there yet.
        errors.extend(config_errors)
        errors.extend(index.errors)
    return Ledger(entries, errors, options, config, index)


def load(path: str, recording: bool = False) -> Ledger:
    """Load a ledger file and build its open-item index, for a one-shot process.

    The cyclic garbage collector is off while it loads, and everything
    loaded, which lives until the process ends, is then moved out of its
    sight: otherwise each collection walks the whole ledger again.
    """
    # Beancount is imported here, not with this module: `error_line` and the
    # reports answered from the index (`store`) do without it.
    from beancount import loader

    from beancount_ar.plugin import keeping_index

    # Beancount's load makes millions of objects and no garbage cycles worth
    # collecting: the collector would spend a third of the load walking them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        with keeping_index(recording):
            entries, errors, options = loader.load_file(path)
        ledger = from_entries(entries, errors, options)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return ledger


def error_where(error: Any) -> tuple[str, Any, str]:
    """An error's file, line and message."""
    source = getattr(error, "source", None) or {}
    message = str(getattr(error, "message", error)).strip()
    return source.get("filename", "<unknown>"), source.get("lineno", 0), message


def error_line(error: Any) -> str:
    """An error as `file:line: message`, the way compilers and bean-check say it."""
    filename, lineno, message = error_where(error)
    return f"{filename}:{lineno}: {message}"
