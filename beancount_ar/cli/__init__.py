"""The `bean-ar` command line: a thin adapter over the engine.

Ledger errors go to stderr as `file:line: message`, the report is still
printed, and the exit status is 1. Bad arguments exit 2 with a one-line reason.
One module per command group: `reports` (aging, overdue, worklist, metrics),
`customer`, `log` (the writers), `send` (statements, reminders, templates),
`forecast`, `calendar`, `invoice`; each is imported when its command runs
(`common.COMMANDS`).
"""

from __future__ import annotations

from beancount_ar.cli.common import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(prog_name="bean-ar")
