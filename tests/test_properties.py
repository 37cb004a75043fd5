"""Property tests: on generated ledgers and dates, the aging reconciles to the cent.

Hypothesis writes ledgers with invoices, debit memos, payments that name one
invoice, several, an unknown one or none, credit notes, write-offs, prepayments
and overpayments, in two currencies and under both matching modes, then checks
the invariants the SPEC promises for every customer, currency and date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from beancount import loader
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beancount_ar import aging, ledger, plugin

START = datetime.date(2024, 1, 1)
CUSTOMERS = ("Acme", "Beta", "Gamma")
CURRENCIES = ("USD", "EUR")
TERMS = ("Net 30", "2/10 Net 30", "Due on receipt", "Net 15 EOM", "10th Prox")
OTHER_LEG = {
    "payment": "Assets:Bank",
    "credit-note": "Income:Sales",
    "write-off": "Expenses:BadDebt",
}

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)

invoice_events = st.fixed_dictionaries(
    {
        "type": st.just("invoice"),
        "day": st.integers(0, 200),
        "customer": st.sampled_from(CUSTOMERS),
        "currency": st.sampled_from(CURRENCIES),
        "amount": amounts,
        "id": st.integers(1, 12),  # small range: repeats make debit memos
        "memo": st.booleans(),  # marked as a debit memo (else a duplicate id)
        "terms": st.sampled_from((None, *TERMS)),
    }
)
credit_events = st.fixed_dictionaries(
    {
        "type": st.just("credit"),
        "day": st.integers(0, 200),
        "customer": st.sampled_from(CUSTOMERS),
        "currency": st.sampled_from(CURRENCIES),
        "amount": amounts,
        "refs": st.lists(st.integers(1, 14), max_size=3),  # 13, 14 never exist
        "by_meta": st.booleans(),
        "kind": st.sampled_from(sorted(OTHER_LEG)),
    }
)
# A payment of an invoice less its 2 % discount (on its day, or later).
discount_events = st.fixed_dictionaries(
    {
        "type": st.just("discount"),
        "day": st.integers(0, 200),
        "id": st.integers(1, 12),
    }
)
# A dispute of an invoice, or a note on the account (each answers the calls).
record_events = st.fixed_dictionaries(
    {
        "type": st.sampled_from(("dispute", "note")),
        "day": st.integers(0, 200),
        "id": st.integers(1, 12),
        "customer": st.sampled_from(CUSTOMERS),
    }
)
ledgers = st.tuples(
    st.lists(
        st.one_of(invoice_events, credit_events, discount_events, record_events),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(("fifo", "strict")),
)


def ledger_text(events: list[dict], matching: str) -> str:
    lines = [
        f"plugin \"beancount_ar\" \"{{'matching': '{matching}'}}\"",
        "2023-01-01 open Assets:Bank",
        "2023-01-01 open Income:Sales",
        "2023-01-01 open Expenses:BadDebt",
    ]
    lines += [f"2023-01-01 open Assets:Receivable:{c}" for c in CUSTOMERS]
    invoiced: dict[int, dict] = {}
    for event in sorted(events, key=lambda e: e["day"]):
        day = START + datetime.timedelta(days=event["day"])
        if event["type"] == "discount":
            invoice = invoiced.get(event["id"])
            if invoice is None:
                continue
            paid = invoice["amount"] - (invoice["amount"] * 2 / 100).quantize(
                Decimal("0.01")
            )
            account = f"Assets:Receivable:{invoice['customer']}"
            lines.append(f'{day} * "Paid less 2 %" ^INV-{event["id"]}')
            lines.append(f"  Assets:Bank  {paid} {invoice['currency']}")
            lines.append(f"  {account}  {-paid} {invoice['currency']}")
            continue
        if event["type"] in ("dispute", "note"):
            account = f"Assets:Receivable:{event['customer']}"
            if event["type"] == "note":
                lines.append(f'{day} note {account} "Called"')
            elif event["id"] in invoiced:
                owner = invoiced[event["id"]]["customer"]
                lines.append(
                    f'{day} custom "ar-dispute" Assets:Receivable:{owner} '
                    f'"INV-{event["id"]}" "wrong"'
                )
            continue
        account = f"Assets:Receivable:{event['customer']}"
        amount, currency = event["amount"], event["currency"]
        if event["type"] == "invoice":
            invoiced.setdefault(event["id"], event)
            lines.append(f'{day} * "Sale" ^INV-{event["id"]}')
            if event["memo"]:
                lines.append('  ar-kind: "debit-memo"')
            if event["terms"]:
                lines.append(f'  terms: "{event["terms"]}"')
            lines.append(f"  {account}  {amount} {currency}")
            lines.append(f"  Income:Sales  {-amount} {currency}")
        else:
            refs = [f"INV-{r}" for r in event["refs"]]
            if event["by_meta"] and refs:
                lines.append(f'{day} * "Credit"')
                lines.append(f'  invoice: "{refs[0]}"')
            else:
                lines.append(f'{day} * "Credit" ' + " ".join(f"^{r}" for r in refs))
            lines.append(f"  {OTHER_LEG[event['kind']]}  {amount} {currency}")
            lines.append(f"  {account}  {-amount} {currency}")
    return "\n".join(lines) + "\n"


def balances(entries: list, day: datetime.date) -> dict[tuple[str, str], Decimal]:
    """Balance of every receivable account and currency on `day`, straight from
    the postings, independently of the engine."""
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= day:
            for posting in entry.postings:
                if posting.account.startswith("Assets:Receivable:"):
                    key = (posting.account, posting.units.currency)
                    result[key] += posting.units.number
    return {k: v for k, v in result.items() if v}


def aging_sums(report: aging.Aging) -> dict[tuple[str, str], Decimal]:
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in report.rows:
        for money in [*row.buckets.values(), row.unapplied]:
            for currency, number in money.items():
                result[(row.account, currency)] += number
        for currency, number in row.total.items():
            assert number == sum(
                (
                    m.get(currency, Decimal(0))
                    for m in [*row.buckets.values(), row.unapplied]
                ),
                Decimal(0),
            )
    return {k: v for k, v in result.items() if v}


def load(text: str) -> ledger.Ledger:
    entries, errors, options = loader.load_string(text)
    assert not [e for e in errors if "Balance" in type(e).__name__]
    return ledger.from_entries(entries, errors, options)


PROPERTY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY
@given(ledgers, st.integers(-5, 260), st.sampled_from(("due", "invoice")))
def test_buckets_plus_unapplied_equal_the_balance(generated, offset, basis):
    events, matching = generated
    led = load(ledger_text(events, matching))
    day = START + datetime.timedelta(days=offset)
    report = aging.aging(led.index, day, basis=basis)
    assert aging_sums(report) == balances(led.entries, day)


@PROPERTY
@given(ledgers)
def test_no_invoice_is_paid_beyond_its_amount(generated):
    events, matching = generated
    led = load(ledger_text(events, matching))
    for invoice in led.index.invoices:
        for app in invoice.applications:
            assert app.amount > 0
            # At the moment of each application, what was applied so far is
            # within what had been charged by then.
            applied = sum(a.amount for a in invoice.applications if a.date <= app.date)
            assert applied <= invoice.amount_at(app.date)
        assert 0 <= invoice.open <= invoice.amount
    for credit in led.index.credits:
        assert 0 <= credit.remaining <= credit.amount
        assert (
            sum(a.amount for a in credit.applications) + credit.remaining
            == credit.amount
        )


@PROPERTY
@given(ledgers)
def test_plugin_is_idempotent_and_keeps_every_entry(generated):
    events, matching = generated
    text = ledger_text(events, matching)
    raw, _, options = loader.load_string(text.split("\n", 1)[1])  # without plugin
    config = f"{{'matching': '{matching}'}}"
    once, _ = plugin.receivables(raw, options, config)
    twice, _ = plugin.receivables(once, options, config)
    assert twice == once
    assert [(type(e), e.date, e.meta["lineno"]) for e in once] == [
        (type(e), e.date, e.meta["lineno"]) for e in raw
    ]
    # Only metadata changed: the postings' accounts and amounts are intact.
    for before, after in zip(raw, once, strict=True):
        if isinstance(before, data.Transaction):
            assert [(p.account, p.units) for p in before.postings] == [
                (p.account, p.units) for p in after.postings
            ]


@PROPERTY
@given(ledgers, st.integers(0, 260))
def test_open_items_never_exceed_the_balance_when_nothing_is_unapplied(
    generated, offset
):
    events, matching = generated
    led = load(ledger_text(events, matching))
    day = START + datetime.timedelta(days=offset)
    report = aging.aging(led.index, day)
    for item in report.items:
        assert 0 < item.open <= item.amount
        assert item.invoice.date <= day


def open_and_unapplied(led: ledger.Ledger, day: datetime.date) -> tuple[dict, dict]:
    report = aging.aging(led.index, day)
    items = {
        (item.invoice.account, item.invoice.id, item.invoice.currency): item.open
        for item in report.items
    }
    unapplied = {
        (row.account, currency): number
        for row in report.rows
        for currency, number in row.unapplied.items()
    }
    return items, unapplied


# Customers and currencies match independently: one of each makes the
# interplay of credits and invoices (and so any leak from the future) dense.
one_book_ledgers = ledgers.map(
    lambda generated: (
        [{**e, "customer": "Acme", "currency": "USD"} for e in generated[0]],
        generated[1],
    )
)


@PROPERTY
@given(one_book_ledgers, st.integers(0, 200))
def test_the_aging_of_a_past_date_is_the_aging_of_the_ledger_cut_there(
    generated, offset
):
    # SPEC: as of D only entries dated on or before D count, so nothing later
    # in the file may change what any invoice owed on D.
    events, matching = generated
    day = START + datetime.timedelta(days=offset)
    full = load(ledger_text(events, matching))
    cut = load(ledger_text([e for e in events if e["day"] <= offset], matching))
    assert open_and_unapplied(full, day) == open_and_unapplied(cut, day)


@PROPERTY
@given(ledgers, st.lists(st.integers(-5, 260), min_size=1, max_size=6))
def test_the_trend_is_the_aging_totals_of_each_day(generated, offsets):
    events, matching = generated
    led = load(ledger_text(events, matching))
    days = sorted({START + datetime.timedelta(days=o) for o in offsets})
    for point in aging.trend(led.index, days):
        totals = aging.aging(led.index, point.date).totals
        assert (point.buckets, point.unapplied, point.total) == (
            totals.buckets,
            totals.unapplied,
            totals.total,
        )


@PROPERTY
@given(ledgers, st.integers(-5, 200), st.integers(1, 120))
def test_metrics_begin_and_end_with_the_aging_totals(generated, offset, length):
    from beancount_ar import metrics

    events, matching = generated
    led = load(ledger_text(events, matching))
    start = START + datetime.timedelta(days=offset)
    end = start + datetime.timedelta(days=length)
    report = metrics.metrics(led.index, start, end)
    begin = aging.aging(led.index, start).totals.total
    finish = aging.aging(led.index, end).totals.total
    for total in report.totals:
        assert total.beginning_ar == begin.get(total.currency, 0)
        assert total.ending_ar == finish.get(total.currency, 0)
    for cur in set(begin) | set(finish):
        if begin.get(cur) or finish.get(cur):
            assert cur in {t.currency for t in report.totals}


# -- the desk: what it says and sends -----------------------------------------


@PROPERTY
@given(ledgers, st.integers(0, 260))
def test_each_customer_is_called_once_and_reminded_of_all_it_owes(generated, offset):
    from beancount_ar import documents, remind, status, worklist

    events, matching = generated
    led = load(ledger_text(events, matching))
    day = START + datetime.timedelta(days=offset)
    calls = worklist.worklist(led.index, day).items
    assert len({w.account for w in calls}) == len(calls)

    env = documents.environment()
    overdue = aging.overdue(led.index, day)
    for item in remind.due(led.index, day):
        context = remind.context(led.index, item, day)
        # What the overdue list says this customer owes past due, undisputed,
        # in a currency it is not in credit in, and not covered by a pending
        # promise or plan (said apart): exactly what the email lists.
        balance = status.balance(led.index, item.account, day)
        held = {
            (late.invoice.id, late.item.memo)
            for late in item.invoices
            if late.waiting is not None
        }
        assert {(h.invoice, h.open) for h in context["held"]} == {
            (late.invoice.id, late.item.open)
            for late in item.invoices
            if late.waiting is not None
        }
        expected: dict[str, Decimal] = defaultdict(Decimal)
        listed = []
        everything: dict[str, Decimal] = defaultdict(Decimal)
        for o in overdue:
            cur = o.item.currency
            if (
                o.item.invoice.account == item.account
                and o.dispute is None
                and balance.get(cur, 0) > 0
            ):
                everything[cur] += o.item.open
                if (o.item.invoice.id, o.item.memo) in held:
                    continue
                expected[cur] += o.item.open
                listed.append((o.item.invoice.id, o.item.days_overdue, o.item.open))
        assert context["total_overdue"] == dict(expected)
        assert dict(everything) == item.overdue
        assert sorted(
            (line.invoice, line.days_overdue, line.open) for line in context["invoices"]
        ) == sorted(listed)
        text = documents.render(env, "reminder.txt", context)
        for cur, amount in expected.items():
            assert f"{cur} {amount:,}" in text


@PROPERTY
@given(ledgers, st.integers(0, 260))
def test_an_earned_discount_is_never_overdue_called_or_a_hold(generated, offset):
    from beancount_ar import status, worklist

    events, matching = generated
    led = load(ledger_text(events, matching))
    day = START + datetime.timedelta(days=offset)
    earned = {
        i.invoice.id
        for i in aging.open_items(led.index, day)
        if status.earned_discount(i.invoice, day, led.index.amounts)
    }
    assert not earned & {o.item.invoice.id for o in aging.overdue(led.index, day)}
    report = worklist.worklist(led.index, day)
    called = {late.invoice.id for w in report.items for late in w.invoices}
    assert not earned & called
    assert {t.invoice.id for t in report.tasks} == earned
    # The hold for lateness names the invoice it is for: never an earned one.
    for w in report.items:
        assert not any(
            r.startswith(tuple(f"{i} is " for i in earned)) for r in w.hold.reasons
        )


@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=Decimal("1.00"), max_value=Decimal("99999"), places=2),
    pct=st.sampled_from(("1", "1.5", "2", "3")),
    paid_on=st.integers(0, 40),
    as_of=st.integers(0, 120),
)
def test_a_discount_paid_in_time_is_earned_and_booked_never_dunned(
    amount, pct, paid_on, as_of
):
    from beancount_ar import status, worklist

    discount = (amount * Decimal(pct) / 100).quantize(Decimal("0.01"))
    paid = amount - discount
    text = (
        "2023-01-01 open Assets:Bank\n2023-01-01 open Income:Sales\n"
        "2023-01-01 open Assets:Receivable:Acme\n"
        f'{START} * "Sale" ^INV-1\n  terms: "{pct}/10 Net 30"\n'
        f"  Assets:Receivable:Acme  {amount} USD\n  Income:Sales\n"
        f'{START + datetime.timedelta(days=paid_on)} * "Paid" ^INV-1\n'
        f"  Assets:Bank  {paid} USD\n  Assets:Receivable:Acme\n"
    )
    led = load('plugin "beancount_ar"\n' + text)
    day = START + datetime.timedelta(days=as_of)
    in_time = paid_on <= 10
    if as_of < paid_on or not discount:
        return
    (item,) = aging.open_items(led.index, day)
    assert item.open == discount
    assert (item.earned == discount) is in_time
    assert (
        status.earned_discount(item.invoice, day, led.index.amounts) is not None
    ) is in_time
    report = worklist.worklist(led.index, day)
    if in_time:
        assert aging.overdue(led.index, day) == []
        assert report.items == []
        assert [(t.invoice.id, t.amount) for t in report.tasks] == [("INV-1", discount)]
    else:
        assert (aging.overdue(led.index, day) != []) is (as_of > 30)
        assert report.tasks == []
