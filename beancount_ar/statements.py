"""Customer statements: the data, ready for a template. Pure functions.

Two kinds, both reconciling with the ledger per currency:

- open-item: every invoice open on the as-of date with its due date, days
  overdue and open amount, the unapplied credits, an aging line and the
  total due (= the account's balance);
- activity: the balance the day before the start date, every invoice, debit
  memo, payment, credit note and write-off from the start date to the as-of
  date with a running balance, and the closing balance (= the balance).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from beancount_ar import payments, records
from beancount_ar.aging import DUE, bucket_labels, open_items, unapplied
from beancount_ar.openitems import ZERO, Customer, Index
from beancount_ar.payments import company
from beancount_ar.status import balance, dispute_for, plan_for

OPEN_ITEM, ACTIVITY = "open-item", "activity"
KINDS = (OPEN_ITEM, ACTIVITY)


class OpenLine(NamedTuple):
    invoice: str
    date: datetime.date
    due: datetime.date
    days_overdue: int
    bucket: str
    description: str
    amount: Decimal
    open: Decimal
    earned: Decimal = ZERO  # of `open`, an early-payment discount earned
    memo: int = 0  # 0: the invoice; k: its k-th debit memo
    terms: str | None = None  # "2/10 Net 30"
    discount: Discount | None = None  # an early-payment discount still open
    pay_url: str | None = None  # the link that pays this invoice
    disputed: str | None = None  # the reason of a dispute open on it


class Discount(NamedTuple):
    """An early-payment discount the customer may still take."""

    pct: Decimal
    until: datetime.date  # the last day to pay less the discount
    amount: Decimal  # the discount
    pays: Decimal  # what pays the invoice in full by then
    pay_url: str | None = None  # the link that pays `pays`


class ActivityLine(NamedTuple):
    date: datetime.date
    kind: str  # invoice, debit-memo, payment, credit-note, write-off, adjustment
    reference: str  # the invoice id, or the ids a credit paid
    description: str
    charge: Decimal  # raises the balance
    credit: Decimal  # lowers it
    balance: Decimal  # running balance after the line


class CurrencySection(NamedTuple):
    """One currency of a statement."""

    currency: str
    open_lines: list[OpenLine]
    unapplied: Decimal  # negative: credits not yet applied
    aging: dict[str, Decimal]  # bucket label -> open amount
    opening: Decimal  # activity: balance the day before the start
    activity: list[ActivityLine]
    total: Decimal  # the balance on the as-of date (the ledger's)
    earned: Decimal = ZERO  # early-payment discounts earned, not yet booked
    overdue: Decimal = ZERO  # of what is due, what is past due now (not disputed)
    instructions: str | None = None  # how to pay in this currency
    pay_url: str | None = None  # the link that pays `to_pay`
    disputed: Decimal = ZERO  # of what is due, what is in dispute

    @property
    def due(self) -> Decimal:
        """What the customer owes: the balance less the discounts earned."""
        return self.total - self.earned

    @property
    def to_pay(self) -> Decimal:
        """What the customer is asked to pay now: what it owes less what is
        in dispute (asked for once the dispute is settled)."""
        return self.due - self.disputed


class PlanLine(NamedTuple):
    """A work-out plan, as a statement tells it."""

    agreed: datetime.date
    amount: Decimal
    currency: str
    count: int
    paid: Decimal  # paid since it was agreed
    due_now: Decimal  # instalments due before today not yet paid
    next_day: datetime.date | None  # the next instalment, today or later
    next_amount: Decimal


class Statement(NamedTuple):
    kind: str
    customer: Customer
    company: records.Company | None
    start: datetime.date | None  # activity statements only
    as_of: datetime.date
    labels: tuple[str, ...]
    sections: list[CurrencySection]
    plan: PlanLine | None = None  # a work-out plan not yet completed

    @property
    def total_due(self) -> dict[str, Decimal]:
        """The balance per currency, as the ledger has it."""
        return {s.currency: s.total for s in self.sections}

    @property
    def balance_due(self) -> dict[str, Decimal]:
        """What the customer owes per currency: the balance less the early-
        payment discounts it earned and the books have yet to record."""
        return {s.currency: s.due for s in self.sections}


def _discount(index: Index, item: Any, as_of: datetime.date) -> Discount | None:
    """The early-payment discount of an open invoice still to be taken."""
    invoice = item.invoice
    terms = invoice.terms
    if item.memo or terms is None or terms.discount_pct is None or item.earned:
        return None
    until = invoice.discount_date
    if until is None or until < as_of or invoice.applications:
        return None  # past its date, or partly paid: the discount is for
        # paying in full
    amount = index.amounts.rounded(invoice.first * terms.discount_pct / 100,
                                   invoice.currency)  # fmt: skip
    pays = invoice.first - amount
    link = payments.pay_url(index, invoice.account, pays, invoice.currency, invoice)
    return Discount(terms.discount_pct, until, amount, pays, link)


def _dispute(index: Index, item: Any, as_of: datetime.date) -> str | None:
    """The reason of the dispute open on an open item's invoice, if any."""
    dispute = dispute_for(index, item.invoice, as_of)
    if dispute is None:
        return None
    return dispute.reason or "in dispute"


def default_start(as_of: datetime.date) -> datetime.date:
    """An activity statement covers the month of the as-of date by default."""
    return as_of.replace(day=1)


def _activity(
    index: Index, account: str, start: datetime.date, end: datetime.date
) -> dict[str, list[tuple[datetime.date, int, str, str, str, Decimal]]]:
    """Dated movements per currency: (date, seq, kind, reference, text, delta)."""
    moves: dict[str, list] = {}
    for invoice in index.invoices_for(account):
        text = invoice.entry.narration
        charges = [(invoice.date, invoice.first, "invoice", text)]
        charges += [
            (m.date, m.amount, "debit-memo", m.narration) for m in invoice.memos or ()
        ]
        for day, number, kind, description in charges:
            if start <= day <= end:
                moves.setdefault(invoice.currency, []).append(
                    (day, invoice.seq, kind, invoice.id, description, number)
                )
    for credit in index.credits_for(account):
        if start <= credit.date <= end:
            paid = sorted({a.invoice.id for a in credit.applications if a.date <= end})
            moves.setdefault(credit.currency, []).append(
                (credit.date, credit.seq, credit.kind, ", ".join(paid),
                 credit.entry.narration, -credit.amount)
            )  # fmt: skip
    for lines in moves.values():
        lines.sort(key=lambda m: (m[0], m[1]))
    return moves


def statement(
    index: Index,
    account: str,
    as_of: datetime.date,
    kind: str = OPEN_ITEM,
    start: datetime.date | None = None,
) -> Statement:
    """A customer's statement on a date.

    Args:
        index: The open-item index.
        account: The customer's account.
        as_of: The statement date.
        kind: "open-item" or "activity".
        start: First day of an activity statement (default: the 1st of the
            as-of month).

    Returns:
        The statement, one section per currency the customer owes or moved.
    """
    customer = index.customers[account]
    labels = bucket_labels(index.config.buckets, DUE)
    items = open_items(index, as_of, DUE, None, {account})
    credits = unapplied(index, as_of, {account}).get(account, {})
    closing = balance(index, account, as_of)
    if kind == ACTIVITY:
        start = start or default_start(as_of)
        opening = balance(index, account, start - datetime.timedelta(days=1))
        moves = _activity(index, account, start, as_of)
    else:
        start, opening, moves = None, {}, {}

    currencies = sorted(
        {i.currency for i in items}
        | set(credits)
        | set(closing)
        | set(opening)
        | set(moves)
    )
    sections = []
    for cur in currencies:
        lines = [
            OpenLine(
                i.invoice.id,
                i.date,
                i.due,
                i.days_overdue,
                i.bucket,
                i.description,
                i.amount,
                i.open,
                i.earned,
                i.memo,
                i.invoice.terms.text if i.invoice.terms else None,
                _discount(index, i, as_of),
                payments.pay_url(index, account, i.open, cur, i.invoice),
                _dispute(index, i, as_of),
            )
            for i in items
            if i.currency == cur
        ]
        aging = {label: ZERO for label in labels}
        for line in lines:
            aging[line.bucket] += line.open
        running = opening.get(cur, ZERO)
        activity = []
        for day, _, what, ref, text, delta in moves.get(cur, ()):
            running += delta
            activity.append(
                ActivityLine(
                    day, what, ref, text, max(delta, ZERO), max(-delta, ZERO), running
                )
            )
        total = closing.get(cur, ZERO)
        earned = sum((line.earned for line in lines), ZERO)
        disputed = sum((ln.open - ln.earned for ln in lines if ln.disputed), ZERO)
        disputed = min(disputed, max(total - earned, ZERO))  # credits pay first
        overdue = sum(
            (
                ln.open - ln.earned
                for ln in lines
                if ln.days_overdue > 0 and not ln.disputed
            ),
            ZERO,
        )
        sections.append(
            CurrencySection(
                cur,
                lines,
                credits.get(cur, ZERO),
                aging,
                opening.get(cur, ZERO),
                activity,
                total,
                earned,
                overdue,
                payments.instructions(index, cur, as_of),
                payments.pay_url(index, account, total - earned - disputed, cur),
                disputed,
            )
        )
    return Statement(
        kind, customer, company(index, as_of), start, as_of, labels, sections,
        _plan(index, account, as_of),
    )  # fmt: skip


def _plan(index: Index, account: str, as_of: datetime.date) -> PlanLine | None:
    """The customer's plan, if one is running."""
    state = plan_for(index, account, as_of)
    if state is None or state.status == "completed":
        return None
    plan = state.plan
    day, amount = state.next if state.next else (None, ZERO)
    return PlanLine(
        plan.date,
        plan.amount.number,
        plan.amount.currency,
        plan.count,
        state.paid,
        max(state.due - state.paid, ZERO),
        day,
        amount,
    )


def customers_with_balance(index: Index, as_of: datetime.date) -> list[str]:
    """Customer accounts with a non-zero balance in some currency."""
    return sorted(
        (
            account
            for account in index.customers
            if any(balance(index, account, as_of).values())
        ),
        key=lambda a: index.customers[a].name.casefold(),
    )
