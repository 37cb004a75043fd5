"""Render reports as JSON-ready dicts, CSV and text tables that fit the terminal.

The reports compute; this module only presents. Amounts keep the ledger's
display precision (never fewer decimals than the ledger commonly uses, never
dropping a digit a posting has).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from beancount_ar.aging import Aging, AgingRow, OpenItem, OverdueItem, UnappliedCredit
from beancount_ar.metrics import Metrics
from beancount_ar.metrics import Report as MetricsReport
from beancount_ar.money import Amounts, to_places
from beancount_ar.tables import (
    DEFAULT_WIDTH,
    fit_table,
    widest,
    wrap,
)


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
    result = {
        "invoice": invoice.id,
        "account": invoice.account,
        "date": iso(item.date),
        "due": iso(item.due),
        "terms": invoice.terms.text if invoice.terms else None,
        "days_overdue": item.days_overdue,
        "bucket": item.bucket,
        "amount": {cur: fmt.plain(item.amount, cur)},
        "open": {cur: fmt.plain(item.open, cur)},
    }
    if item.earned:
        # How much of the open amount is an early-payment discount earned.
        result["earned_discount"] = {cur: fmt.plain(item.earned, cur)}
    if item.memo:
        result["debit_memo"] = item.memo
    return result


def credit_json(item: UnappliedCredit, fmt: Amounts) -> dict[str, Any]:
    credit = item.credit
    cur = credit.currency
    return {
        "account": credit.account,
        "date": iso(credit.date),
        "kind": credit.kind,
        "description": credit.entry.narration,
        "amount": {cur: fmt.plain(-credit.amount, cur)},
        "unapplied": {cur: fmt.plain(-item.remaining, cur)},
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
        result["credits"] = [credit_json(item, fmt) for item in report.credits]
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
                "paid": fmt.plain(o.promise.paid, p.amount.currency),
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
            "earned_discount",
        ]  # fmt: skip
        names = {row.account: row.name for row in report.rows}
        rows = [
            [
                i.label,
                i.invoice.account,
                names.get(i.invoice.account, ""),
                iso(i.date),
                iso(i.due),
                i.invoice.terms.text if i.invoice.terms else "",
                i.days_overdue,
                i.bucket,
                i.currency,
                fmt.plain(i.amount, i.currency),
                fmt.plain(i.open, i.currency),
                fmt.plain(i.earned, i.currency),
            ]
            for i in report.items
        ]
        rows += [
            [
                "",
                c.credit.account,
                names.get(c.credit.account, ""),
                iso(c.credit.date),
                "",
                "",
                "",
                "unapplied",
                c.currency,
                fmt.plain(-c.credit.amount, c.currency),
                fmt.plain(-c.remaining, c.currency),
                fmt.plain(Decimal(0), c.currency),
            ]
            for c in report.credits
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
                i.label,
                i.invoice.account,
                o.customer,
                iso(i.date),
                iso(i.due),
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


def _aging_cells(
    row: AgingRow, labels: Sequence[str], cur: str, with_credits: bool, fmt: Amounts
) -> list[str]:
    values = [row.buckets.get(label, {}).get(cur) for label in labels]
    if with_credits:
        values.append(row.unapplied.get(cur))
    values.append(row.total.get(cur, Decimal(0)))
    return [fmt.human(v, cur) if v else "-" for v in values]


def _currency_table(
    report: Aging, cur: str, fmt: Amounts, credits: bool, limit: int
) -> str:
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
    label = len(body[-1][0])
    flexible = [(0, max(16, label)), (0, max(8, label))]
    table = fit_table(headers, body, flexible, align, limit)
    lines = table.split("\n")
    lines.insert(-1, lines[1])  # a rule above the totals row
    return "\n".join(lines)


def aging_table(
    report: Aging, fmt: Amounts, detail: bool = False, limit: int = DEFAULT_WIDTH
) -> str:
    basis = "days past due" if report.basis == "due" else "days since invoice"
    parts = [f"Aging as of {report.as_of} (by {basis})"]
    currencies = sorted(report.totals.total.keys() | report.totals.unapplied.keys())
    if not currencies:
        parts.append("\nNo open invoices and no unapplied credits.")
    for cur in currencies:
        credits = [r for r in report.rows if r.unapplied.get(cur)]
        table = _currency_table(report, cur, fmt, bool(credits), limit)
        note = ""
        if credits and widest(table) > limit:
            # Too wide with an Unapplied column: list the credits below instead.
            table = _currency_table(report, cur, fmt, False, limit)
            note = "\n" + "\n".join(
                wrap(
                    "Totals include unapplied credits: "
                    + "; ".join(
                        f"{r.name} {fmt.human(r.unapplied[cur], cur)}" for r in credits
                    ),
                    "",
                    limit,
                )
            )
        parts.append(f"\n{cur}\n{table}{note}")
    if detail and (report.items or report.credits):
        parts.append(
            "\nOpen invoices and unapplied credits\n" + items_table(report, fmt, limit)
        )
    return "\n".join(parts) + "\n"


def items_table(report: Aging, fmt: Amounts, limit: int = DEFAULT_WIDTH) -> str:
    """The open invoices behind an aging, with days past due or, on the invoice
    basis, days since the invoice, and the unapplied credits: the rows of a
    customer and currency sum to its total."""
    names = {row.account: row.name for row in report.rows}
    by_due = report.basis == "due"
    rows: list[tuple[tuple[str, str, int], list[str]]] = [
        (
            (names.get(i.invoice.account, ""), i.invoice.account, i.invoice.seq),
            [
                names.get(i.invoice.account, i.invoice.account),
                i.label,
                iso(i.date),
                iso(i.due),
                str(i.days_overdue if by_due else i.age),
                "earned" if not i.collectible else i.bucket,
                fmt.text(i.open, i.currency),
            ],
        )
        for i in report.items
    ]
    rows += [
        (
            (names.get(c.credit.account, ""), c.credit.account, c.credit.seq),
            [
                names.get(c.credit.account, c.credit.account),
                f"({c.credit.kind})",
                iso(c.credit.date),
                "",
                "",
                "unapplied",
                fmt.text(-c.remaining, c.currency),
            ],
        )
        for c in report.credits
    ]
    body = [cells for _, cells in sorted(rows, key=lambda r: r[0])]
    headers = ["Customer", "Invoice", "Date", "Due", "Days" if by_due else "Age"]
    headers += ["Bucket", "Open"]
    align = ["left"] * 4 + ["right", "left", "right"]
    table = fit_table(headers, body, [(0, 12), (0, 8)], align, limit)
    if widest(table) > limit:
        # The invoice date goes before anything is cut: the aging is by the
        # due date (or the age, shown), and the ids must stay whole.
        # An unapplied credit, which has no due date, keeps its date by its kind.
        keep = [0, 1, 3, 4, 5, 6]
        body = [
            [*row[:1], f"({row[1][1:-1]} {row[2]})", *row[2:]]
            if row[5] == "unapplied"
            else row
            for row in body
        ]
        table = fit_table(
            [headers[i] for i in keep],
            [[row[i] for i in keep] for row in body],
            [(0, 12), (0, 8)],
            [align[i] for i in keep],
            limit,
        )
    return table


def _status(o: OverdueItem, fmt: Amounts) -> str:
    parts = []
    if o.hold.on:
        parts.append("ON HOLD")
    cur = o.item.currency
    if o.unearned_discount is not None:
        parts.append(f"unearned discount {fmt.human(o.unearned_discount, cur)}")
    if o.dispute is not None:
        parts.append(
            f"DISPUTED: {o.dispute.reason}" if o.dispute.reason else "DISPUTED"
        )
    if o.promise is not None:
        promise = o.promise.promise
        amount = fmt.text(promise.amount.number, promise.amount.currency)
        parts.append(f"promised {amount} by {promise.by} ({o.promise.status})")
    if o.next_followup is not None:
        parts.append(f"follow up {o.next_followup.due}")
    if o.last_note is not None:
        parts.append(f"last note {o.last_note.date}")
    return "; ".join(parts)


def overdue_table(
    as_of: datetime.date,
    items: Sequence[OverdueItem],
    fmt: Amounts,
    limit: int = DEFAULT_WIDTH,
) -> str:
    if not items:
        return f"Overdue as of {as_of}: nothing is overdue.\n"
    body = [
        [
            str(o.item.days_overdue),
            o.item.label,
            o.customer,
            fmt.text(o.item.open, o.item.currency),
            o.level or "-",
        ]
        for o in items
    ]
    headers = ["Days", "Invoice", "Customer", "Open", "Level"]
    align = ["right", "left", "left", "right", "left"]
    lines = fit_table(headers, body, [(2, 12), (2, 8)], align, limit).split("\n")
    # Each invoice's status on its own line under it, aligned with the invoice.
    indent = " " * (lines[1].index(" ") + 2)
    out = lines[:2]
    for o, line in zip(items, lines[2:], strict=True):
        out.append(line)
        status = _status(o, fmt)
        if status:
            out += wrap(status, indent, max(limit, widest(line)))
    totals: dict[str, Decimal] = {}
    for o in items:
        totals[o.item.currency] = totals.get(o.item.currency, Decimal(0)) + o.item.open
    total = ", ".join(fmt.text(n, c) for c, n in sorted(totals.items()))
    table = "\n".join(out)
    count = f"{len(items)} invoice{'s' if len(items) != 1 else ''}"
    return f"Overdue as of {as_of}: {count}, {total}\n\n{table}\n"


# -- Metrics ----------------------------------------------------------------


def _num(value: Decimal | None, places: int = 1) -> str | None:
    if value is None:
        return None
    return str(to_places(value, places))


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


def metrics_table(
    report: MetricsReport, fmt: Amounts, limit: int = DEFAULT_WIDTH
) -> str:
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
        label = len(body[-1][0])
        flexible = [(0, max(16, label)), (0, max(8, label))]
        lines = fit_table(headers, body, flexible, align, limit).split("\n")
        lines.insert(-1, lines[1])
        parts.append(f"\n{cur}\n" + "\n".join(lines))
    parts.append(
        "\nDSO = ending AR / credit sales x days; Best = the same for AR not yet due;"
        "\nADD = DSO - Best; CEI = collected / collectible x 100; Pays = average"
        "\ndays from invoice to payment and Late% = share paid after the due date,"
        "\nboth weighted by amount."
    )
    return "\n".join(parts) + "\n"
