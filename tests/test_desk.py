"""The collections desk: escalation, follow-ups, promises, disputes, plans,
holds, unearned discounts and the order of today's calls. One scenario ledger
per behaviour."""

from __future__ import annotations

import datetime

import pytest
from arutil import D, day, load

from beancount_ar import status
from beancount_ar.worklist import worklist

INVOICE = """
2024-01-01 custom "ar-contact" Assets:Receivable:Acme "Ann Clerk" "A/P Clerk" "ann@acme.example" "+1 555 0101"
2024-01-01 custom "ar-contact" Assets:Receivable:Acme "Max Manager" "A/P Manager" "max@acme.example" "+1 555 0102"
2024-01-01 custom "ar-contact" Assets:Receivable:Acme "Olga Owner" "Owner" "olga@acme.example" "+1 555 0103"

2024-03-01 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
"""
DUE = day("2024-03-31")


def calls(led, as_of):
    return [
        (w.customer, w.reason, w.level) for w in worklist(led.index, day(as_of)).items
    ]


def after_due(days: int) -> str:
    return (DUE + datetime.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("days", "level", "ask_for", "owner_calls"),
    [
        (5, "reminder", "Ann Clerk", False),
        (15, "second-notice", "Ann Clerk", False),
        (30, "manager", "Max Manager", False),
        (45, "owner", "Olga Owner", True),
        (60, "final-demand", "Olga Owner", True),
        (90, "agency", "Olga Owner", True),
    ],
)
def test_each_escalation_level_calls_for_its_person(days, level, ask_for, owner_calls):
    led = load(INVOICE)
    (item,) = worklist(led.index, day(after_due(days))).items
    assert (item.reason, item.level) == ("escalation", level)
    assert item.contact.name == ask_for
    assert item.owner_calls is owner_calls
    assert [late.invoice.id for late in item.invoices] == ["INV-1"]


def test_many_invoices_at_a_level_make_one_short_line():
    # Six invoices of March have reached the reminder by April 10th; one of
    # February the second notice.
    invoices = "".join(
        f"""
2024-03-0{k} * "Acme Corp" "Job {k}" ^INV-M{k}
  Assets:Receivable:Acme   100.00 USD
  Income:Design
"""
        for k in range(1, 7)
    )
    led = load(
        INVOICE.replace("2024-03-01", "2024-02-20").replace("^INV-1", "^INV-F"),
        invoices,
    )
    (item,) = worklist(led.index, day("2024-04-10")).items
    (reason,) = item.reasons
    # The highest level's invoices named, the others counted.
    assert reason.detail == (
        "INV-F reached second notice (20 days past due); "
        "6 invoices reached reminder (5 to 10 days past due)"
    )


def test_the_highest_level_names_three_invoices_and_counts_the_rest():
    invoices = "".join(
        f"""
2024-02-0{k} * "Acme Corp" "Job {k}" ^INV-F{k}
  Assets:Receivable:Acme   100.00 USD
  Income:Design
"""
        for k in range(1, 6)
    )
    led = load(INVOICE.replace("^INV-1", "^INV-M"), invoices)
    (item,) = worklist(led.index, day("2024-03-20")).items
    assert item.reasons[0].detail == (
        "INV-F1, INV-F2, INV-F3 and 1 more reached second notice "
        "(15 to 18 days past due); INV-F5 reached reminder (14 days past due)"
    )


def test_nothing_to_call_within_the_grace_days():
    led = load(INVOICE)
    assert calls(led, after_due(4)) == []


def test_a_note_after_the_level_settles_it_until_the_next_level():
    led = load(
        INVOICE,
        f"""
        {after_due(6)} note Assets:Receivable:Acme "Called Ann, cheque next week"
        """,
    )
    assert calls(led, after_due(6)) == []
    assert calls(led, after_due(14)) == []
    assert calls(led, after_due(15)) == [("Acme Corp", "escalation", "second-notice")]


def test_a_note_before_the_level_does_not_settle_it():
    led = load(
        INVOICE,
        f"""
        {after_due(3)} note Assets:Receivable:Acme "Courtesy reminder emailed"
        """,
    )
    assert calls(led, after_due(5)) == [("Acme Corp", "escalation", "reminder")]


def test_follow_up_due_is_a_call_until_a_note_is_logged():
    led = load(
        """
        2024-03-01 custom "ar-followup" Assets:Receivable:Beta 2024-03-10 "Ask about the next order"
        2024-03-12 note Assets:Receivable:Beta "Asked; order coming in April"
        """
    )
    assert calls(led, "2024-03-09") == []
    assert calls(led, "2024-03-10") == [("Beta LLC", "follow-up", None)]
    assert calls(led, "2024-03-12") == []


PROMISE = """
2024-03-01 * "Acme Corp" "Logo" ^INV-1
  Assets:Receivable:Acme   1000.00 USD
  Income:Design

2024-04-10 custom "ar-promise" Assets:Receivable:Acme 600.00 USD 2024-04-20 "INV-1"
"""


def promise_state(led, as_of):
    (o,) = [o for o in led_overdue(led, as_of) if o.item.invoice.id == "INV-1"]
    return o.promise.status, o.promise.paid


def led_overdue(led, as_of):
    from beancount_ar.aging import overdue

    return overdue(led.index, day(as_of))


def test_promise_kept_when_paid_in_full_by_its_date():
    led = load(
        PROMISE,
        """
        2024-04-18 * "Acme Corp" "Part payment" ^INV-1
          Assets:Bank:Checking   600.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert promise_state(led, "2024-04-30") == ("kept", D("600.00"))
    assert all(reason != "broken-promise" for _, reason, _ in calls(led, "2024-04-30"))


def test_partial_payment_leaves_a_promise_pending_then_broken():
    led = load(
        PROMISE,
        """
        2024-04-15 * "Acme Corp" "Part payment" ^INV-1
          Assets:Bank:Checking   200.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert promise_state(led, "2024-04-20") == ("pending", D("200.00"))
    assert promise_state(led, "2024-04-21") == ("broken", D("200.00"))
    (item,) = [w for w in worklist(led.index, day("2024-04-21")).items
               if w.reason == "broken-promise"]  # fmt: skip
    reason = item.reasons[0]  # the most pressing
    assert reason.kind == "broken-promise"
    assert reason.detail == (
        "promised 600.00 USD by 2024-04-20 (on 2024-04-10); "
        "paid 200.00 of 600.00 promised"
    )


def test_payment_after_the_promised_date_does_not_keep_it():
    led = load(
        PROMISE,
        """
        2024-04-25 * "Acme Corp" "Late payment" ^INV-1
          Assets:Bank:Checking   600.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert promise_state(led, "2024-05-10")[0] == "broken"


def test_broken_promise_leaves_the_worklist_once_a_note_is_logged():
    led = load(PROMISE, '2024-04-22 note Assets:Receivable:Acme "Chased the cheque"\n')
    assert ("Acme Corp", "broken-promise", "second-notice") in calls(led, "2024-04-21")
    assert all(reason != "broken-promise" for _, reason, _ in calls(led, "2024-04-22"))


def test_disputed_invoice_is_listed_apart_until_resolved():
    led = load(
        INVOICE,
        f"""
        {after_due(2)} custom "ar-dispute" Assets:Receivable:Acme "INV-1" "Wrong colours"
        {after_due(20)} custom "ar-resolved" Assets:Receivable:Acme "INV-1"
        """,
    )
    disputed = worklist(led.index, day(after_due(10)))
    assert disputed.items == []
    assert [(d.invoice.id, d.dispute.reason) for d in disputed.disputes] == [
        ("INV-1", "Wrong colours")
    ]
    resolved = worklist(led.index, day(after_due(20)))
    assert resolved.disputes == []
    assert [w.level for w in resolved.items] == ["second-notice"]


PLAN = """
2024-01-10 * "Beta LLC" "Big job" ^B-1
  Assets:Receivable:Beta   3000.00 USD
  Income:Design

2024-03-01 custom "ar-plan" Assets:Receivable:Beta 3000.00 USD 3 "monthly" 2024-03-15
2024-03-14 * "Beta LLC" "Instalment 1" ^B-1
  Assets:Bank:Checking   1000.00 USD
  Assets:Receivable:Beta
"""


def test_plan_on_track_while_instalments_are_paid():
    led = load(PLAN)
    plan = status.plan_for(led.index, "Assets:Receivable:Beta", day("2024-04-14"))
    assert (plan.status, plan.due, plan.paid) == (
        "on track",
        D("1000.00"),
        D("1000.00"),
    )
    assert all(reason != "plan-missed" for _, reason, _ in calls(led, "2024-04-14"))


def test_plan_behind_when_an_instalment_is_missed():
    led = load(PLAN)
    # Due today is not missed yet: the money can still come today.
    plan = status.plan_for(led.index, "Assets:Receivable:Beta", day("2024-04-15"))
    assert (plan.status, plan.due, plan.next[0]) == (
        "on track",
        D("1000.00"),
        day("2024-04-15"),
    )
    assert all(reason != "plan-missed" for _, reason, _ in calls(led, "2024-04-15"))
    plan = status.plan_for(led.index, "Assets:Receivable:Beta", day("2024-04-16"))
    assert (plan.status, plan.due, plan.missed_since) == (
        "behind",
        D("2000.00"),
        day("2024-04-15"),
    )
    # 67 days past due: the plan item carries the customer's level.
    assert ("Beta LLC", "plan-missed", "final-demand") in calls(led, "2024-04-16")


def test_plan_instalments_split_the_amount_and_keep_the_cents():
    led = load(
        '2024-01-01 custom "ar-plan" Assets:Receivable:Beta 100.00 USD 3 "weekly" 2024-01-31\n'
    )
    (plan,) = led.index.records["ar-plan"]
    assert list(status.instalments(plan)) == [
        (day("2024-01-31"), D("33.33")),
        (day("2024-02-07"), D("33.33")),
        (day("2024-02-14"), D("33.34")),
    ]


def test_monthly_instalments_keep_the_day_or_the_month_end():
    led = load(
        '2024-01-01 custom "ar-plan" Assets:Receivable:Beta 90.00 USD 3 "monthly" 2024-01-31\n'
    )
    (plan,) = led.index.records["ar-plan"]
    assert [d for d, _ in status.instalments(plan)] == [
        day("2024-01-31"),
        day("2024-02-29"),
        day("2024-03-31"),
    ]


def hold(led, as_of, account="Assets:Receivable:Acme"):
    return status.hold_for(led.index, account, day(as_of))


def test_manual_hold_on_and_off():
    led = load(
        """
        2024-02-01 custom "ar-hold" Assets:Receivable:Acme TRUE "Bounced cheque"
        2024-03-01 custom "ar-hold" Assets:Receivable:Acme FALSE "Cleared"
        """
    )
    assert not hold(led, "2024-01-31").on
    assert hold(led, "2024-02-01").reasons == (
        "on hold since 2024-02-01: Bounced cheque",
    )
    assert not hold(led, "2024-03-01").on


def test_hold_over_credit_limit():
    led = load(
        """
        2020-01-01 open Assets:Receivable:Gamma
          credit-limit: 1000.00 USD
        2024-02-01 * "Gamma" "Job" ^G-1
          Assets:Receivable:Gamma   1000.00 USD
          Income:Design
        2024-02-02 * "Gamma" "Job" ^G-2
          Assets:Receivable:Gamma      0.01 USD
          Income:Design
        """
    )
    assert not hold(led, "2024-02-01", "Assets:Receivable:Gamma").on
    assert hold(led, "2024-02-02", "Assets:Receivable:Gamma").reasons == (
        "owes 1,000.01 USD, over its credit limit of 1,000.00 USD",
    )


def test_hold_after_hold_days_past_due_unless_disputed():
    led = load(INVOICE)
    assert not hold(led, after_due(60)).on
    assert hold(led, after_due(61)).reasons == (
        "INV-1 is 61 days past due (hold after 60)",
    )
    disputed = load(
        INVOICE,
        f'{after_due(10)} custom "ar-dispute" Assets:Receivable:Acme "INV-1" "Damaged"\n',
    )
    assert not hold(disputed, after_due(61)).on


def test_hold_days_from_the_config():
    led = load(INVOICE, config="{'hold_days': 30}")
    assert hold(led, after_due(31)).on


UNEARNED = """
2024-03-01 * "Acme Corp" "Print run" ^INV-7
  terms: "2/10 Net 30"
  Assets:Receivable:Acme   1000.00 USD
  Income:Design
"""


def test_discount_taken_after_the_discount_date_is_unearned():
    led = load(
        UNEARNED,
        """
        2024-03-20 * "Acme Corp" "Payment less 2%" ^INV-7
          Assets:Bank:Checking   980.00 USD
          Assets:Receivable:Acme
        """,
    )
    (o,) = led_overdue(led, "2024-04-10")
    assert o.unearned_discount == D("20.00")
    (item,) = worklist(led.index, day("2024-04-10")).items
    assert [i.id for i in item.unearned] == ["INV-7"]


def test_discount_taken_in_time_is_not_flagged():
    led = load(
        UNEARNED,
        """
        2024-03-10 * "Acme Corp" "Payment less 2%" ^INV-7
          Assets:Bank:Checking   980.00 USD
          Expenses:Discounts      20.00 USD
          Assets:Receivable:Acme
        """,
    )
    assert led_overdue(led, "2024-04-10") == []


def test_a_short_payment_that_is_not_the_discount_is_not_flagged():
    led = load(
        UNEARNED,
        """
        2024-03-20 * "Acme Corp" "Part payment" ^INV-7
          Assets:Bank:Checking   500.00 USD
          Assets:Receivable:Acme
        """,
    )
    (o,) = led_overdue(led, "2024-04-10")
    assert o.unearned_discount is None


def test_worklist_puts_big_and_late_first():
    led = load(
        """
        2024-01-01 * "Acme Corp" "Small but very late" ^A-1
          Assets:Receivable:Acme    300.00 USD
          Income:Design

        2024-02-20 * "Beta LLC" "Big and a little late" ^B-1
          Assets:Receivable:Beta   5000.00 USD
          Income:Design
        """
    )
    # Acme: 300 x (1 + 60/30) = 900; Beta: 5000 x (1 + 10/30) = 6667.
    items = worklist(led.index, day("2024-03-31")).items
    assert [(w.customer, round(w.priority)) for w in items] == [
        ("Beta LLC", 6667),
        ("Acme Corp", 900),
    ]


def test_worklist_item_carries_open_and_overdue_totals_and_last_note():
    led = load(
        INVOICE,
        """
        2024-04-01 * "Acme Corp" "Not yet due" ^INV-2
          Assets:Receivable:Acme    250.00 USD
          Income:Design
        2024-04-02 note Assets:Receivable:Acme "Sent a copy of INV-1"
          contact: "Ann Clerk"
          channel: "email"
        """,
    )
    (item,) = worklist(led.index, day(after_due(6))).items
    assert item.open == {"USD": D("1250.00")}
    assert item.overdue == {"USD": D("1000.00")}
    assert item.last_note.text == "Sent a copy of INV-1"
    assert item.email == "ann@acme.example"


def test_a_later_contact_directive_replaces_the_earlier_one():
    led = load(
        INVOICE,
        '2024-03-15 custom "ar-contact" Assets:Receivable:Acme "Ann Clerk" "A/P Clerk" "ann@new.example" "+1 555 0199"\n',
    )
    (item,) = worklist(led.index, day(after_due(5))).items
    assert (item.contact.email, item.contact.phone) == (
        "ann@new.example",
        "+1 555 0199",
    )


def test_customer_without_contacts_falls_back_to_its_email():
    led = load(
        """
        2020-01-01 open Assets:Receivable:Delta
          customer: "Delta Inc"
          email: "ap@delta.example"
        2024-03-01 * "Delta Inc" "Job" ^D-1
          Assets:Receivable:Delta   100.00 USD
          Income:Design
        """
    )
    (item,) = worklist(led.index, day(after_due(5))).items
    assert (item.contact, item.email) == (None, "ap@delta.example")
