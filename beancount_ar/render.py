"""Render reports as JSON-ready dicts, CSV and 80-column text tables.

The reports compute; this module only presents. Amounts keep the ledger's
display precision (never fewer decimals than the ledger commonly uses, never
dropping a digit a posting has).
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import textwrap
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import wcwidth
from beancount.core.display_context import DisplayContext, Precision
from tabulate import tabulate

from beancount_ar.aging import Aging, AgingRow, OpenItem, OverdueItem
from beancount_ar.metrics import Metrics
from beancount_ar.metrics import Report as MetricsReport
from beancount_ar.worklist import Worklist

WIDTH = 80


class Amounts:
    """Formats numbers with the ledger's precision for each currency."""

    def __init__(self, dcontext: DisplayContext | None = None) -> None:
        self.dcontext = dcontext
        self._places: dict[str, int] = {}

    def places(self, currency: str) -> int:
        places = self._places.get(currency)
        if places is None:
            places = 2
            if self.dcontext is not None and currency in self.dcontext.ccontexts:
                common = self.dcontext.ccontexts[currency].get_fractional(
                    Precision.MOST_COMMON
                )
                if common is not None:
                    places = common
            self._places[currency] = places
        return places

    def _exact(self, number: Decimal, currency: str) -> Decimal:
        quantum = Decimal(1).scaleb(-self.places(currency))
        rounded = number.quantize(quantum)
        return rounded if rounded == number else number

    def plain(self, number: Decimal, currency: str) -> str:
        """Machine-readable: "1234.50"."""
        return str(self._exact(number, currency))

    def human(self, number: Decimal, currency: str) -> str:
        """For people: "1,234.50"."""
        return f"{self._exact(number, currency):,}"

    def money(self, money: Mapping[str, Decimal]) -> dict[str, str]:
        """A currency -> amount map as JSON strings, zeros left out."""
        return {cur: self.plain(n, cur) for cur, n in sorted(money.items()) if n}


def iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


# -- JSON -------------------------------------------------------------------


def _row_json(row: AgingRow, fmt: Amounts) -> dict[str, Any]:
    return {
        "buckets": {
            label: fmt.money(m) for label, m in row.buckets.items() if any(m.values())
        },
        "unapplied": fmt.money(row.unapplied),
        "total": fmt.money(row.total),
    }


def item_json(item: OpenItem, fmt: Amounts) -> dict[str, Any]:
    invoice = item.invoice
    cur = invoice.currency
    return {
        "invoice": invoice.id,
        "account": invoice.account,
        "date": iso(invoice.date),
        "due": iso(invoice.due),
        "terms": invoice.terms.text if invoice.terms else None,
        "days_overdue": item.days_overdue,
        "bucket": item.bucket,
        "amount": {cur: fmt.plain(item.amount, cur)},
        "open": {cur: fmt.plain(item.open, cur)},
    }


def aging_json(report: Aging, fmt: Amounts, detail: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {
        "as_of": iso(report.as_of),
        "basis": report.basis,
        "buckets": list(report.labels),
        "customers": [
            {"account": row.account, "name": row.name, **_row_json(row, fmt)}
            for row in report.rows
        ],
        "totals": _row_json(report.totals, fmt),
    }
    if detail:
        result["invoices"] = [item_json(item, fmt) for item in report.items]
    return result


def overdue_json(
    as_of: datetime.date, items: Sequence[OverdueItem], fmt: Amounts
) -> dict[str, Any]:
    invoices = []
    for o in items:
        promise = None
        if o.promise is not None:
            p = o.promise.promise
            promise = {
                "date": iso(p.date),
                "amount": fmt.money({p.amount.currency: p.amount.number}),
                "by": iso(p.by),
                "invoice": p.invoice,
                "status": o.promise.status,
            }
        note = o.last_note
        followup = o.next_followup
        invoices.append(
            {
                **item_json(o.item, fmt),
                "customer": o.customer,
                "level": o.level,
                "disputed": o.dispute is not None,
                "promise": promise,
                "last_note": note
                and {
                    "date": iso(note.date),
                    "text": note.text,
                    "contact": note.contact,
                    "channel": note.channel,
                },
                "next_followup": followup
                and {"date": iso(followup.due), "what": followup.what},
                "unearned_discount": o.unearned_discount is not None,
                "hold": o.hold.on,
            }
        )
    return {"as_of": iso(as_of), "invoices": invoices}


# -- CSV --------------------------------------------------------------------


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def aging_csv(report: Aging, fmt: Amounts, detail: bool = False) -> str:
    if detail:
        header = [
            "invoice", "account", "customer", "date", "due", "terms",
            "days_overdue", "bucket", "currency", "amount", "open",
        ]  # fmt: skip
        names = {row.account: row.name for row in report.rows}
        rows = [
            [
                i.invoice.id,
                i.invoice.account,
                names.get(i.invoice.account, ""),
                iso(i.invoice.date),
                iso(i.invoice.due),
                i.invoice.terms.text if i.invoice.terms else "",
                i.days_overdue,
                i.bucket,
                i.currency,
                fmt.plain(i.amount, i.currency),
                fmt.plain(i.open, i.currency),
            ]
            for i in report.items
        ]
        return to_csv(header, rows)
    header = ["account", "customer", "currency", *report.labels, "unapplied", "total"]
    rows = []
    for row in [*report.rows, report.totals]:
        for cur in sorted(row.total.keys() | row.unapplied.keys()):
            amounts = [
                row.buckets.get(label, {}).get(cur, Decimal(0))
                for label in report.labels
            ]
            amounts += [
                row.unapplied.get(cur, Decimal(0)),
                row.total.get(cur, Decimal(0)),
            ]
            rows.append(
                [row.account, row.name, cur, *(fmt.plain(a, cur) for a in amounts)]
            )
    return to_csv(header, rows)


def overdue_csv(items: Sequence[OverdueItem], fmt: Amounts) -> str:
    header = [
        "invoice",
        "account",
        "customer",
        "date",
        "due",
        "days_overdue",
        "currency",
        "open",
        "level",
        "disputed",
        "promise",
        "promise_by",
        "last_note_date",
        "last_note",
        "next_followup",
    ]
    rows = []
    for o in items:
        i = o.item
        rows.append(
            [
                i.invoice.id,
                i.invoice.account,
                o.customer,
                iso(i.invoice.date),
                iso(i.invoice.due),
                i.days_overdue,
                i.currency,
                fmt.plain(i.open, i.currency),
                o.level or "",
                "yes" if o.dispute else "",
                o.promise.status if o.promise else "",
                iso(o.promise.promise.by) if o.promise else "",
                iso(o.last_note.date) if o.last_note else "",
                o.last_note.text if o.last_note else "",
                iso(o.next_followup.due) if o.next_followup else "",
            ]
        )
    return to_csv(header, rows)


# -- Text tables ------------------------------------------------------------


def width(text: str) -> int:
    """Columns `text` takes on a terminal (CJK characters take two)."""
    return max(wcwidth.wcswidth(text), len(text))


def _shorten(text: str, room: int) -> str:
    if width(text) <= room:
        return text
    out = ""
    for char in text:
        if width(out + char) > room - 1:
            break
        out += char
    return out + "…"


def _widest(table: str) -> int:
    return max(width(line) for line in table.splitlines())


def fit_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    flexible: Sequence[tuple[int, int]],
    align: Sequence[str],
    last_resort: Sequence[tuple[int, int]] = (),
) -> str:
    """A table no wider than WIDTH if it can be made so.

    The `flexible` (column, narrowest) pairs are shortened in turn with `…`,
    never below their narrowest width; if the table is still too wide, the
    numbers lose their thousands separators, and then the `last_resort` columns
    are shortened. Past that, the table is printed wider rather than cutting a
    digit.
    """
    rows = [list(r) for r in rows]
    headers = list(headers)

    def draw() -> str:
        return tabulate(
            rows,
            headers=headers,
            tablefmt="simple",
            colalign=align,
            disable_numparse=True,
        )

    def shorten(column: int, narrowest: int) -> None:
        cells = [headers[column], *(r[column] for r in rows)]
        room = max(max(map(width, cells)) - (_widest(table) - WIDTH), narrowest)
        for r in rows:
            r[column] = _shorten(r[column], room)
        headers[column] = _shorten(headers[column], room)

    def drop_separators() -> None:
        numeric = [i for i, side in enumerate(align) if side == "right"]
        for r in rows:
            for i in numeric:
                r[i] = r[i].replace(",", "")

    table = draw()
    steps = [functools.partial(shorten, *step) for step in flexible]
    steps.append(drop_separators)
    steps += [functools.partial(shorten, *step) for step in last_resort]
    for step in steps:
        if _widest(table) <= WIDTH:
            break
        step()
        table = draw()
    return table


def _aging_cells(
    row: AgingRow, labels: Sequence[str], cur: str, with_credits: bool, fmt: Amounts
) -> list[str]:
    values = [row.buckets.get(label, {}).get(cur) for label in labels]
    if with_credits:
        values.append(row.unapplied.get(cur))
    values.append(row.total.get(cur, Decimal(0)))
    return [fmt.human(v, cur) if v else "-" for v in values]


def _currency_table(report: Aging, cur: str, fmt: Amounts, credits: bool) -> str:
    labels = list(report.labels)
    rows = [r for r in report.rows if cur in r.total or cur in r.unapplied]
    headers = ["Customer", *[label.capitalize() for label in labels]]
    headers += ["Unapplied"] if credits else []
    headers += ["Total"]
    body = [[r.name, *_aging_cells(r, labels, cur, credits, fmt)] for r in rows]
    body.append(
        ["Total " + cur, *_aging_cells(report.totals, labels, cur, credits, fmt)]
    )
    align = ["left"] + ["right"] * (len(headers) - 1)
    label = width(body[-1][0])
    lines = fit_table(headers, body, [(0, 16)], align, [(0, label)]).splitlines()
    lines.insert(-1, lines[1])  # a rule above the totals row
    return "\n".join(lines)


def aging_table(report: Aging, fmt: Amounts, detail: bool = False) -> str:
    basis = "days past due" if report.basis == "due" else "days since invoice"
    parts = [f"Aging as of {report.as_of} (by {basis})"]
    currencies = sorted(report.totals.total.keys() | report.totals.unapplied.keys())
    if not currencies:
        parts.append("\nNo open invoices and no unapplied credits.")
    for cur in currencies:
        credits = [r for r in report.rows if r.unapplied.get(cur)]
        table = _currency_table(report, cur, fmt, bool(credits))
        note = ""
        if credits and _widest(table) > WIDTH:
            # Too wide with an Unapplied column: list the credits below instead.
            table = _currency_table(report, cur, fmt, False)
            note = "\n" + "\n".join(
                _wrap(
                    "Totals include unapplied credits: "
                    + "; ".join(
                        f"{r.name} {fmt.human(r.unapplied[cur], cur)}" for r in credits
                    ),
                    "",
                )
            )
        parts.append(f"\n{cur}\n{table}{note}")
    if detail and report.items:
        parts.append("\nOpen invoices\n" + items_table(report, fmt))
    return "\n".join(parts) + "\n"


def items_table(report: Aging, fmt: Amounts) -> str:
    """The open invoices behind an aging, with days past due or, on the invoice
    basis, days since the invoice."""
    names = {row.account: row.name for row in report.rows}
    by_due = report.basis == "due"
    body = [
        [
            names.get(i.invoice.account, i.invoice.account),
            i.invoice.id,
            iso(i.invoice.date),
            iso(i.invoice.due),
            str(i.days_overdue if by_due else i.age),
            i.bucket,
            f"{fmt.human(i.open, i.currency)} {i.currency}",
        ]
        for i in sorted(
            report.items,
            key=lambda i: (names.get(i.invoice.account, ""), i.invoice.seq),
        )
    ]
    headers = ["Customer", "Invoice", "Date", "Due", "Days" if by_due else "Age"]
    headers += ["Bucket", "Open"]
    align = ["left"] * 4 + ["right", "left", "right"]
    return fit_table(headers, body, [(0, 12)], align, [(0, 8), (1, 8)])


def _status(o: OverdueItem) -> str:
    parts = []
    if o.hold.on:
        parts.append("ON HOLD")
    if o.unearned_discount is not None:
        parts.append(f"unearned discount {o.unearned_discount:,}")
    if o.dispute is not None:
        parts.append(
            f"DISPUTED: {o.dispute.reason}" if o.dispute.reason else "DISPUTED"
        )
    if o.promise is not None:
        promise = o.promise.promise
        amount = f"{promise.amount.number:,} {promise.amount.currency}"
        parts.append(f"promised {amount} by {promise.by} ({o.promise.status})")
    if o.next_followup is not None:
        parts.append(f"follow up {o.next_followup.due}")
    if o.last_note is not None:
        parts.append(f"last note {o.last_note.date}")
    return "; ".join(parts)


def overdue_table(
    as_of: datetime.date, items: Sequence[OverdueItem], fmt: Amounts
) -> str:
    if not items:
        return f"Overdue as of {as_of}: nothing is overdue.\n"
    body = [
        [
            str(o.item.days_overdue),
            o.item.invoice.id,
            o.customer,
            f"{fmt.human(o.item.open, o.item.currency)} {o.item.currency}",
            o.level or "-",
        ]
        for o in items
    ]
    headers = ["Days", "Invoice", "Customer", "Open", "Level"]
    align = ["right", "left", "left", "right", "left"]
    lines = fit_table(headers, body, [(2, 12)], align, [(2, 8), (1, 8)]).splitlines()
    # Each invoice's status on its own line under it, aligned with the invoice.
    indent = " " * (lines[1].index(" ") + 2)
    out = lines[:2]
    for o, line in zip(items, lines[2:], strict=True):
        out.append(line)
        status = _status(o)
        if status:
            out.append(_shorten(indent + status, WIDTH))
    totals: dict[str, Decimal] = {}
    for o in items:
        totals[o.item.currency] = totals.get(o.item.currency, Decimal(0)) + o.item.open
    total = ", ".join(f"{fmt.human(n, c)} {c}" for c, n in sorted(totals.items()))
    table = "\n".join(out)
    return f"Overdue as of {as_of}: {len(items)} invoices, {total}\n\n{table}\n"


# -- Worklist ---------------------------------------------------------------


def _note_json(note: Any) -> dict[str, Any] | None:
    if note is None:
        return None
    return {
        "date": iso(note.date),
        "text": note.text,
        "contact": note.contact,
        "channel": note.channel,
    }


def _contact_json(contact: Any) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
    }


def worklist_json(report: Worklist, fmt: Amounts) -> dict[str, Any]:
    return {
        "as_of": iso(report.as_of),
        "items": [
            {
                "account": w.account,
                "customer": w.customer,
                "reason": w.reason,
                "detail": w.detail,
                "level": w.level,
                "caller": "owner" if w.owner_calls else "bookkeeper",
                "invoices": [i.id for i in w.invoices],
                "unearned_discount": [i.id for i in w.unearned],
                "open": fmt.money(w.open),
                "overdue": fmt.money(w.overdue),
                "contact": _contact_json(w.contact),
                "email": w.email,
                "last_note": _note_json(w.last_note),
                "hold": {"on": w.hold.on, "reasons": list(w.hold.reasons)},
                "priority": str(w.priority.quantize(Decimal(1))),
            }
            for w in report.items
        ],
        "disputes": [
            {
                "account": d.account,
                "customer": d.customer,
                "invoice": d.invoice.id,
                "open": fmt.money({d.invoice.currency: d.open}),
                "since": iso(d.dispute.date),
                "reason": d.dispute.reason,
            }
            for d in report.disputes
        ],
    }


def _money_text(money: Mapping[str, Decimal], fmt: Amounts) -> str:
    return (
        ", ".join(f"{fmt.human(n, c)} {c}" for c, n in sorted(money.items()) if n)
        or "0"
    )


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
    ) or [indent]


def worklist_table(report: Worklist, fmt: Amounts) -> str:
    lines = [f"Worklist for {report.as_of}: {len(report.items)} calls"]
    if not report.items:
        lines.append("\nNothing to do today.")
    for n, w in enumerate(report.items, 1):
        hold = "  [ON HOLD]" if w.hold.on else ""
        level = f" ({w.level})" if w.level else ""
        lines.append("")
        lines += _wrap(f"{n}. {w.customer} - {w.reason}{level}{hold}", "")
        lines += _wrap(w.detail, "   ")
        who = "The owner calls" if w.owner_calls else "Call"
        if w.contact is not None:
            reach = "  ".join(p for p in (w.contact.phone, w.email) if p)
            role = f" ({w.contact.role})" if w.contact.role else ""
            lines += _wrap(f"{who}: ask for {w.contact.name}{role}  {reach}", "   ")
        else:
            lines += _wrap(f"{who}: no contact on file; {w.email or 'no email'}", "   ")
        lines += _wrap(
            f"Open {_money_text(w.open, fmt)}; overdue {_money_text(w.overdue, fmt)}",
            "   ",
        )
        if w.unearned:
            ids = ", ".join(i.id for i in w.unearned)
            lines += _wrap(f"Unearned discount taken on {ids}", "   ")
        if w.last_note is not None:
            lines += _wrap(f'Last note {w.last_note.date}: "{w.last_note.text}"', "   ")
        if w.hold.on:
            lines += _wrap("Hold: " + "; ".join(w.hold.reasons), "   ")
    if report.disputes:
        lines += ["", "Disputed (not in the calls):"]
        for d in report.disputes:
            lines += _wrap(
                f"{d.customer} {d.invoice.id} "
                f"{fmt.human(d.open, d.invoice.currency)} {d.invoice.currency} "
                f"since {d.dispute.date}: {d.dispute.reason}",
                "  ",
            )
    return "\n".join(lines) + "\n"


def worklist_csv(report: Worklist, fmt: Amounts) -> str:
    header = ["account", "customer", "reason", "level", "detail", "invoices",
              "contact", "role", "phone", "email", "overdue", "hold",
              "last_note_date", "priority"]  # fmt: skip
    rows = [
        [
            w.account,
            w.customer,
            w.reason,
            w.level or "",
            w.detail,
            " ".join(i.id for i in w.invoices),
            w.contact.name if w.contact else "",
            w.contact.role if w.contact else "",
            w.contact.phone if w.contact else "",
            w.email or "",
            _money_text(w.overdue, fmt),
            "; ".join(w.hold.reasons),
            iso(w.last_note.date) if w.last_note else "",
            str(w.priority.quantize(Decimal(1))),
        ]
        for w in report.items
    ]
    return to_csv(header, rows)


# -- Metrics ----------------------------------------------------------------


def _num(value: Decimal | None, places: int = 1) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(1).scaleb(-places)))


def _metrics_json(m: Metrics, fmt: Amounts) -> dict[str, Any]:
    cur = m.currency
    return {
        "account": m.account,
        "name": m.name,
        "currency": cur,
        "beginning_ar": fmt.plain(m.beginning_ar, cur),
        "credit_sales": fmt.plain(m.credit_sales, cur),
        "ending_ar": fmt.plain(m.ending_ar, cur),
        "ending_current_ar": fmt.plain(m.ending_current, cur),
        "dso": _num(m.dso),
        "best_possible_dso": _num(m.best_dso),
        "add": _num(m.add),
        "cei": _num(m.cei),
        "average_days_to_pay": _num(m.days_to_pay),
        "paid_late_pct": _num(m.paid_late_pct),
    }


def metrics_json(report: MetricsReport, fmt: Amounts) -> dict[str, Any]:
    return {
        "from": iso(report.start),
        "as_of": iso(report.end),
        "days": report.days,
        "customers": [_metrics_json(m, fmt) for m in report.customers],
        "totals": [_metrics_json(m, fmt) for m in report.totals],
    }


def metrics_csv(report: MetricsReport, fmt: Amounts) -> str:
    rows = [_metrics_json(m, fmt) for m in [*report.customers, *report.totals]]
    header = list(rows[0]) if rows else ["account", "name", "currency"]
    return to_csv(
        header, [[r[h] if r[h] is not None else "" for h in header] for r in rows]
    )


def metrics_table(report: MetricsReport, fmt: Amounts) -> str:
    parts = [
        f"Metrics for {report.days} days, {report.start + datetime.timedelta(days=1)} "
        f"to {report.end}"
    ]
    headers = ["Customer", "Sales", "AR", "DSO", "Best", "ADD", "CEI%", "Pays", "Late%"]
    for cur in sorted({m.currency for m in report.totals}):
        body = []
        for m in [
            *(m for m in report.customers if m.currency == cur),
            *(m for m in report.totals if m.currency == cur),
        ]:
            body.append(
                [
                    m.name if m.account else f"Total {cur}",
                    fmt.human(m.credit_sales, cur),
                    fmt.human(m.ending_ar, cur),
                    *[
                        _num(v) or "-"
                        for v in (
                            m.dso,
                            m.best_dso,
                            m.add,
                            m.cei,
                            m.days_to_pay,
                            m.paid_late_pct,
                        )
                    ],
                ]
            )
        align = ["left"] + ["right"] * 8
        label = [(0, width(body[-1][0]))]
        lines = fit_table(headers, body, [(0, 16)], align, label).splitlines()
        lines.insert(-1, lines[1])
        parts.append(f"\n{cur}\n" + "\n".join(lines))
    parts.append(
        "\nDSO = ending AR / credit sales x days; Best = the same for AR not yet due;"
        "\nADD = DSO - Best; CEI = collected / collectible x 100; Pays = average"
        "\ndays from invoice to payment and Late% = share paid after the due date,"
        "\nboth weighted by amount."
    )
    return "\n".join(parts) + "\n"
