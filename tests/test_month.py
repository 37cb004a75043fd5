"""A month of collections on a small ledger, with hand-computed expectations.

Bayview Signs sells on credit to six customers. Each test looks at the books
on a day of November 2026 as the bookkeeper would: the worklist's calls and
their reasons, the overdue list, the reminders' invoices and totals, the
earned discounts to book, and the errors with their lines.
"""

from __future__ import annotations

import datetime
import email.policy
import textwrap
from decimal import Decimal

import pytest
from beancount import loader

from beancount_ar import aging, documents, ledger, remind, render_worklist, status
from beancount_ar.money import Amounts
from beancount_ar.worklist import worklist

MONTH = """\
option "operating_currency" "USD"
plugin "beancount_ar" "{'grace_days': 5}"

2026-01-01 custom "ar-company" "Bayview Signs" "1 Pier Rd, Bayview" "ar@bayview.example" "+1 555 0100" "ACH to Bayview Bank 1234"

2026-01-01 open Assets:Bank
2026-01-01 open Income:Signs
2026-01-01 open Expenses:Discounts

2026-01-01 open Assets:Receivable:HarborHotel  USD
  customer: "Harbor Hotel"
  terms: "2/10, n/30"
  email: "ap@harborhotel.example"
2026-01-01 open Assets:Receivable:MapleCafe  USD
  customer: "Maple Street Cafe"
  email: "owner@maplecafe.example"
2026-01-01 open Assets:Receivable:Greenfield  USD
  customer: "Greenfield Dental"
  email: "office@greenfield.example"
2026-01-01 open Assets:Receivable:GullRock  USD
  customer: "Gull Rock Brewing Co."
  email: "ap@gullrock.example"
2026-01-01 open Assets:Receivable:Casco  USD
  customer: "Casco Printworks"
  email: "ap@casco.example"
2026-01-01 open Assets:Receivable:Kennebec  USD
  customer: "Kennebec Outdoor"
  email: "office@kennebec.example"

2026-01-01 custom "ar-contact" Assets:Receivable:GullRock "Jane Doe" "A/P Clerk" "jane@gullrock.example" "+1 555 0161"
2026-01-01 custom "ar-contact" Assets:Receivable:GullRock "Carl Haskell" "Controller" "carl@gullrock.example" "+1 555 0162"
2026-01-01 custom "ar-contact" Assets:Receivable:GullRock "Dave Pelletier" "Owner" "dave@gullrock.example" "+1 555 0163"
2026-01-01 custom "ar-contact" Assets:Receivable:Kennebec "Ann Lee" "A/P Clerk" "ann@kennebec.example" "+1 555 0191"
2026-01-01 custom "ar-contact" Assets:Receivable:Kennebec "Rob Finch" "Finance Director" "rob@kennebec.example" "+1 555 0192"
2026-01-01 custom "ar-contact" Assets:Receivable:Kennebec "Sara Hale" "Managing Director" "sara@kennebec.example" "+1 555 0193"
2026-01-01 custom "ar-contact" Assets:Receivable:Casco "Sam Ortiz" "Bookkeeper" "sam@casco.example" "+1 555 0171"

2026-08-01 * "Gull Rock Brewing Co." "Anniversary labels" ^INV-090
  Assets:Receivable:GullRock   2000.00 USD
  Income:Signs

2026-08-10 * "Kennebec Outdoor" "Trail signs" ^INV-080
  Assets:Receivable:Kennebec    700.00 USD
  Income:Signs

2026-09-01 * "Gull Rock Brewing Co." "Taproom menu boards" ^INV-095
  Assets:Receivable:GullRock   1500.00 USD
  Income:Signs

2026-09-20 * "Casco Printworks" "Shop front lettering" ^INV-120
  Assets:Receivable:Casco      1200.00 USD
  Income:Signs

2026-10-01 * "Harbor Hotel" "Lobby directory" ^INV-101
  Assets:Receivable:HarborHotel  800.00 USD
  Income:Signs

2026-10-01 * "Gull Rock Brewing Co." "Delivery van wrap" ^INV-100
  Assets:Receivable:GullRock    900.00 USD
  Income:Signs

2026-10-02 * "Maple Street Cafe" "Menu board" ^INV-105
  Assets:Receivable:MapleCafe   500.00 USD
  Income:Signs

2026-10-03 * "Greenfield Dental" "Door vinyl" ^INV-106
  Assets:Receivable:Greenfield  300.00 USD
  Income:Signs

2026-10-05 * "Harbor Hotel" "Room numbers" ^INV-102
  Assets:Receivable:HarborHotel 1000.00 USD
  Income:Signs

; Paid within ten days, less 2 %: the 16.00 left open is a discount earned.
2026-10-09 * "Harbor Hotel" "ACH" ^INV-101
  Assets:Bank                    784.00 USD
  Assets:Receivable:HarborHotel

2026-10-10 * "Maple Street Cafe" "Window decals" ^INV-107
  Assets:Receivable:MapleCafe   250.00 USD
  Income:Signs

2026-10-12 * "Maple Street Cafe" "Chalkboard" ^INV-107  ; the same number typed again
  Assets:Receivable:MapleCafe   180.00 USD
  Income:Signs

; Paid after the discount date (2026-10-15), still less 2 %: not earned.
2026-10-20 * "Harbor Hotel" "ACH" ^INV-102
  Assets:Bank                    980.00 USD
  Assets:Receivable:HarborHotel

; Greenfield's payment carries Maple's invoice number.
2026-10-25 * "Greenfield Dental" "Check 5521" ^INV-105
  Assets:Bank                    500.00 USD
  Assets:Receivable:Greenfield

2026-10-25 note Assets:Receivable:Casco "Sam promises 500 by Nov 1; call back on the 3rd"
  contact: "Sam Ortiz"
  channel: "phone"
2026-10-25 custom "ar-promise" Assets:Receivable:Casco 500.00 USD 2026-11-01
2026-10-25 custom "ar-followup" Assets:Receivable:Casco 2026-11-03 "Call Sam back about the rest"

2026-10-28 * "Casco Printworks" "Vehicle magnets" ^INV-125
  Assets:Receivable:Casco       300.00 USD
  Income:Signs

2026-10-30 custom "ar-promis" Assets:Receivable:MapleCafe 100.00 USD 2026-11-15

2026-11-01 * "Gull Rock Brewing Co." "Holiday banners" ^INV-103
  Assets:Receivable:GullRock    400.00 USD
  Income:Signs
"""

NOV5 = datetime.date(2026, 11, 5)
D = Decimal


def load(text: str = MONTH) -> ledger.Ledger:
    entries, errors, options = loader.load_string(text)
    return ledger.from_entries(entries, errors, options)


def line(needle: str, text: str = MONTH) -> int:
    """The line of the ledger holding `needle` (1-based, as Beancount counts)."""
    (number,) = [n for n, t in enumerate(text.split("\n"), 1) if needle in t]
    return number


@pytest.fixture(scope="module")
def month() -> ledger.Ledger:
    return load()


def call_of(led: ledger.Ledger, account: str, as_of: datetime.date = NOV5):
    (item,) = [w for w in worklist(led.index, as_of).items if w.account == account]
    return item


# -- ledger mistakes are errors with file and line ------------------------


def test_the_months_mistakes_are_errors_at_their_lines(month):
    found = {(e.source["lineno"], e.message) for e in month.errors}
    assert {n for n, _ in found} == {
        line('"Check 5521" ^INV-105') + 2,  # the Greenfield posting
        line('"Chalkboard" ^INV-107') + 1,
        line('"ar-promis"'),
    }
    messages = sorted(m for _, m in found)
    assert (
        "INV-105 is an invoice of Maple Street Cafe (Assets:Receivable:MapleCafe), "
        "not of Greenfield Dental (Assets:Receivable:Greenfield)"
    ) in messages[0]
    assert messages[1].startswith(
        "invoice INV-107 is already invoiced to Maple Street Cafe "
        "(Assets:Receivable:MapleCafe) on 2026-10-10 (<string>:"
    )
    assert 'mark it ar-kind: "debit-memo"' in messages[1]
    assert messages[2].startswith(
        'unknown directive custom "ar-promis"; did you mean "ar-promise"?'
    )


def test_a_payment_linked_to_another_customers_invoice_pays_its_own(month):
    # Applied as if it named nothing: Greenfield's own INV-106 is paid and
    # 200.00 is left unapplied; Maple's INV-105 is untouched.
    report = aging.aging(month.index, NOV5)
    rows = {row.name: row for row in report.rows}
    assert rows["Greenfield Dental"].total == {"USD": D("-200.00")}
    assert rows["Greenfield Dental"].unapplied == {"USD": D("-200.00")}
    open_ids = {i.invoice.id: i.open for i in report.items}
    assert open_ids["INV-105"] == D("500.00")
    assert "INV-106" not in open_ids


def test_a_typed_again_invoice_number_is_booked_apart_not_merged(month):
    ids = {i.label: i.open for i in aging.open_items(month.index, NOV5)}
    assert ids["INV-107"] == D("250.00")
    assert ids["INV-107 (2)"] == D("180.00")


# -- early-payment discounts -------------------------------------------------


def test_an_earned_discount_stays_in_the_aging_but_is_never_overdue(month):
    report = aging.aging(month.index, NOV5)
    (item,) = [i for i in report.items if i.invoice.id == "INV-101"]
    # Due 2026-10-31, five days ago; open 16.00 = 2 % of 800.00, earned.
    assert (item.open, item.earned, item.days_overdue) == (D("16.00"), D("16.00"), 5)
    assert not item.collectible
    assert "INV-101" not in {
        o.item.invoice.id for o in aging.overdue(month.index, NOV5)
    }
    harbor = {row.name: row for row in report.rows}["Harbor Hotel"]
    assert harbor.total == {"USD": D("36.00")}  # 16.00 earned + 20.00 unearned


def test_the_worklist_asks_to_book_the_earned_discount(month):
    report = worklist(month.index, NOV5)
    (task,) = report.tasks
    assert (task.customer, task.invoice.id, task.amount) == (
        "Harbor Hotel",
        "INV-101",
        D("16.00"),
    )
    assert task.transaction == textwrap.dedent(
        """\
        2026-10-09 * "Harbor Hotel" "Discount earned (2%)" ^INV-101
          Expenses:Discounts                     16.00 USD
          Assets:Receivable:HarborHotel         -16.00 USD
        """
    )
    text = render_worklist.worklist_table(report, Amounts())
    assert "Harbor Hotel: book the earned discount: 16.00 USD on INV-101" in text


def test_the_pasted_discount_settles_the_invoice():
    report = worklist(load().index, NOV5)
    (task,) = report.tasks
    led = load(MONTH + "\n" + task.transaction)
    assert led.errors == load().errors  # nothing new
    assert worklist(led.index, NOV5).tasks == []
    assert "INV-101" not in {i.invoice.id for i in aging.open_items(led.index, NOV5)}
    (credit,) = [c for c in led.index.credits if c.amount == D("16.00")]
    assert credit.kind == "discount"


def test_an_unearned_discount_is_still_dunned(month):
    # INV-102 was paid 980.00 on 2026-10-20, after its discount date: the
    # 20.00 is owed, and on 2026-11-09 (five days after the due date) the
    # reminder level calls about it.
    item = call_of(month, "Assets:Receivable:HarborHotel", datetime.date(2026, 11, 9))
    assert [late.invoice.id for late in item.invoices] == ["INV-102"]
    assert [i.id for i in item.unearned] == ["INV-102"]
    assert item.overdue == {"USD": D("20.00")}


# -- the worklist: one call per customer ----------------------------------


def test_each_customer_is_called_once_with_every_reason(month):
    calls = worklist(month.index, NOV5).items
    accounts = [w.account for w in calls]
    assert len(accounts) == len(set(accounts))
    casco = call_of(month, "Assets:Receivable:Casco")
    assert casco.kinds == ("broken-promise", "follow-up", "escalation")
    assert casco.reasons[0].detail == (
        "promised 500.00 USD by 2026-11-01 (on 2026-10-25); "
        "paid 0.00 of 500.00 promised"
    )
    assert casco.reasons[1].detail == "due 2026-11-03: Call Sam back about the rest"
    # INV-120 was due 2026-10-20: 16 days late, second notice since the 4th.
    assert casco.reasons[2].detail == "INV-120 reached second notice (16 days past due)"


def test_each_invoice_has_its_own_level_and_the_highest_picks_whom_to_ask(month):
    gull = call_of(month, "Assets:Receivable:GullRock")
    levels = [
        (late.invoice.id, late.item.days_overdue, late.level) for late in gull.invoices
    ]
    assert levels == [
        ("INV-090", 66, "final-demand"),
        ("INV-095", 35, "manager"),
        ("INV-100", 5, "reminder"),
    ]
    assert gull.level == "final-demand"
    assert gull.contact.name == "Dave Pelletier"  # the owner
    assert gull.owner_calls
    assert gull.overdue == {"USD": D("4400.00")}
    assert gull.open == {"USD": D("4800.00")}


def test_the_owner_level_asks_for_the_managing_director_not_finance(month):
    # INV-080 was due 2026-09-09: 57 days late, the owner level.
    kennebec = call_of(month, "Assets:Receivable:Kennebec")
    assert kennebec.level == "owner"
    assert kennebec.contact.name == "Sara Hale"
    # At the manager level, the Finance Director is the one to ask for.
    assert (
        status.contact_for(
            month.index, "Assets:Receivable:Kennebec", "manager", NOV5
        ).name
        == "Rob Finch"
    )


def test_owner_words_are_configurable():
    led = load(
        MONTH.replace(
            "{'grace_days': 5}", "{'grace_days': 5, 'roles': {'owner': ['chief']}}"
        )
        + '2026-01-02 custom "ar-contact" Assets:Receivable:Kennebec "Lou Gray" "Chief of Staff" "" ""\n'
    )
    assert call_of(led, "Assets:Receivable:Kennebec").contact.name == "Lou Gray"


def test_the_worklist_text_counts_and_words_right(month):
    report = worklist(month.index, NOV5)
    text = render_worklist.worklist_table(report, Amounts())
    assert text.startswith("Worklist for 2026-11-05: 3 calls\n")
    one = report._replace(items=report.items[:1])
    assert render_worklist.worklist_table(one, Amounts()).startswith(
        "Worklist for 2026-11-05: 1 call\n"
    )
    assert "paid 0.00 of 500.00 promised" in " ".join(text.split())


def test_pending_promises_and_the_plans_next_instalment_are_shown():
    led = load(
        MONTH
        + '2026-11-02 custom "ar-promise" Assets:Receivable:GullRock 1000.00 USD 2026-11-30\n'
        + '2026-11-02 custom "ar-plan" Assets:Receivable:GullRock 3000.00 USD 3 "monthly" 2026-11-04\n'
    )
    gull = call_of(led, "Assets:Receivable:GullRock")
    (promise,) = gull.promises
    assert (promise.promise.amount.number, promise.status) == (D("1000.00"), "pending")
    assert gull.plan.status == "behind"
    assert gull.plan.next == (datetime.date(2026, 12, 4), D("1000.00"))
    text = render_worklist.worklist_table(worklist(led.index, NOV5), Amounts())
    assert "Promised 1,000.00 USD by 2026-11-30 (pending; paid 0.00 so far)" in text
    assert "next 1,000.00 USD on 2026-12-04" in text


# -- promises concern what was open when they were made --------------------


def test_a_promise_made_before_an_invoice_never_covers_it(month):
    # Casco's promise of 2026-10-25 predates INV-125 (2026-10-28).
    late = datetime.date(2026, 12, 5)
    found = {o.item.invoice.id: o.promise for o in aging.overdue(month.index, late)}
    assert found["INV-125"] is None
    assert found["INV-120"].status == "broken"


# -- reminders say only what is true ---------------------------------------


def reminders(led: ledger.Ledger, as_of: datetime.date = NOV5):
    env = documents.environment(None, Amounts())
    return {r.account: r for r in remind.build(led.index, as_of, env)}


def body(reminder: remind.Reminder) -> str:
    message = email.message_from_bytes(
        reminder.message.as_bytes(), policy=email.policy.default
    )
    return message.get_body(("plain",)).get_content()


def test_a_final_demand_lists_everything_overdue_and_the_hold_in_effect(month):
    gull = reminders(month)["Assets:Receivable:GullRock"]
    assert gull.level == "final-demand"
    assert gull.invoices == ("INV-090", "INV-095", "INV-100")
    text = body(gull)
    assert "USD 4,400.00" in text
    for number, days in (("INV-090", 66), ("INV-095", 35), ("INV-100", 5)):
        assert any(number in row and f" {days} " in row for row in text.split("\n"))
    assert "Your account is on credit hold" in " ".join(text.split())
    assert "Co.." not in text
    assert "Gull Rock Brewing Co. remain" in " ".join(text.split())


def test_a_final_demand_before_the_hold_says_when_it_will_start():
    led = load(MONTH.replace("{'grace_days': 5}", "{'grace_days': 5, 'hold_days': 90}"))
    gull = reminders(led)["Assets:Receivable:GullRock"]
    text = " ".join(body(gull).split())
    assert "is on credit hold" not in text
    # INV-090 was due 2026-08-31: 90 days later is 2026-11-29, the hold the day after.
    assert "will be placed on credit hold on 30 November 2026" in text
    assert "credit hold" not in gull.message["Subject"]


def test_no_reminder_for_a_customer_in_credit_or_with_only_an_earned_discount(month):
    sent = reminders(month)
    assert "Assets:Receivable:Greenfield" not in sent  # a credit balance
    assert "Assets:Receivable:HarborHotel" not in sent  # only the 16.00 earned


def test_the_reminder_total_equals_the_worklists_overdue(month):
    calls = {w.account: w for w in worklist(month.index, NOV5).items}
    for account, reminder in reminders(month).items():
        text = body(reminder)
        for currency, amount in calls[account].overdue.items():
            assert f"{currency} {amount:,}" in text


def test_the_logged_note_names_the_level_once(month):
    gull = reminders(month)["Assets:Receivable:GullRock"]
    assert remind.note_text(gull) == (
        "Emailed final demand for INV-090, INV-095, INV-100; invoices and statement attached"
    )
    casco = reminders(month)["Assets:Receivable:Casco"]
    assert remind.note_text(casco) == (
        "Emailed second notice for INV-120; invoice and statement attached"
    )
    first = remind.Reminder("a", "b", "reminder", ("INV-1",), None, "", None)
    assert "reminder reminder" not in remind.note_text(first)


def test_statements_and_reminders_take_the_earned_discount_off_what_is_due(month):
    from beancount_ar import statements

    nov9 = datetime.date(2026, 11, 9)
    statement = statements.statement(month.index, "Assets:Receivable:HarborHotel", nov9)
    # The ledger's balance is 36.00: 16.00 earned on INV-101, 20.00 owed.
    assert statement.total_due == {"USD": D("36.00")}
    assert statement.balance_due == {"USD": D("20.00")}
    env = documents.environment(None, Amounts())
    text = documents.render(env, "statement.txt", remind.statement_context(statement))
    assert "Balance due on 2026-11-09:    USD 20.00" in text
    assert "Early-payment discount you earned: not due, we will credit it." in text
    assert "Less early-payment discount earned  -16.00" in text
    harbor = reminders(month, nov9)["Assets:Receivable:HarborHotel"]
    body_text = " ".join(body(harbor).split())
    assert "INV-101" not in harbor.invoices
    assert (
        "your total balance of USD 20.00 after the early-payment discount you earned"
        in body_text
    )


# -- what the trial month found ---------------------------------------------


def test_a_pending_promise_holds_the_dunning_of_what_it_covers():
    # Kennebec promises the whole 700.00 by 2026-11-10: no call on the 5th.
    led = load(
        MONTH
        + '2026-11-02 custom "ar-promise" Assets:Receivable:Kennebec 700.00 USD 2026-11-10\n'
    )
    assert "Assets:Receivable:Kennebec" not in {
        w.account for w in worklist(led.index, NOV5).items
    }
    assert "Assets:Receivable:Kennebec" not in reminders(led)
    # Broken on the 11th: the broken promise is the call, and dunning resumes.
    item = call_of(led, "Assets:Receivable:Kennebec", datetime.date(2026, 11, 11))
    assert item.kinds[0] == "broken-promise"
    assert [late.waiting for late in item.invoices] == [None]


def test_a_plan_on_track_holds_the_dunning_of_the_invoices_it_covers():
    led = load(
        MONTH
        + '2026-11-01 custom "ar-plan" Assets:Receivable:GullRock 4400.00 USD 4 "monthly" 2026-11-15\n'
    )
    gull = [
        w for w in worklist(led.index, NOV5).items if w.account.endswith("GullRock")
    ]
    assert gull == []
    assert "Assets:Receivable:GullRock" not in reminders(led)
    # Behind on 2026-11-20: the missed instalment is the call, not a demand.
    item = call_of(led, "Assets:Receivable:GullRock", datetime.date(2026, 11, 20))
    assert item.kinds == ("plan-missed",)
    assert {late.waiting for late in item.invoices} == {"plan"}


def test_earlier_reminders_are_claimed_only_after_a_dispute_is_resolved():
    # Casco disputes INV-120 on 10-21, talks about it, resolves on 11-20.
    led = load(
        MONTH.replace(
            '2026-10-25 custom "ar-promise" Assets:Receivable:Casco 500.00 USD 2026-11-01\n',
            '2026-10-21 custom "ar-dispute" Assets:Receivable:Casco "INV-120" "Wrong font"\n',
        )
        + '2026-11-20 custom "ar-resolved" Assets:Receivable:Casco "INV-120"\n'
    )
    casco = reminders(led, datetime.date(2026, 11, 21))["Assets:Receivable:Casco"]
    assert casco.level == "manager"  # INV-120: 32 days past due
    text = " ".join(body(casco).split())
    assert "Despite our earlier reminders" not in text
    assert "The invoice below is now 32 days past due" in text


def test_an_unearned_discount_is_explained_in_the_reminder(month):
    harbor = reminders(month, datetime.date(2026, 11, 9))[
        "Assets:Receivable:HarborHotel"
    ]
    assert "early-payment discount deducted after 2026-10-15" in body(harbor)


def test_a_debit_memo_is_its_own_line_in_reminders_and_statements():
    from beancount_ar import statements

    led = load(
        MONTH
        + '2026-10-06 * "Kennebec Outdoor" "Extra trail marker" ^INV-080\n'
        + '  ar-kind: "debit-memo"\n'
        + "  Assets:Receivable:Kennebec    120.00 USD\n  Income:Signs\n"
    )
    nov12 = datetime.date(2026, 11, 12)
    kennebec = call_of(led, "Assets:Receivable:Kennebec", nov12)
    # The memo is due 30 days after its own date: 2026-11-05, 7 days ago.
    assert [
        (late.item.label, late.item.days_overdue) for late in kennebec.invoices
    ] == [
        ("INV-080", 64),
        ("INV-080 memo 1", 7),
    ]
    text = body(reminders(led, nov12)["Assets:Receivable:Kennebec"])
    assert "debit memo 2026-10-06: Extra trail marker" in text
    statement = statements.statement(led.index, "Assets:Receivable:Kennebec", nov12)
    env = documents.environment(None, Amounts())
    rendered = documents.render(
        env, "statement.txt", remind.statement_context(statement)
    )
    assert "Debit memo: Extra trail marker" in rendered


def test_no_template_tag_glues_two_words_in_any_level():
    # Jinja drops the newline after a block tag (trim_blocks): a sentence
    # that goes on after `{% endif %}` on the next line would lose its space.
    # Every word of the real rendering must be a word of one that keeps them.
    import re

    from beancount_ar.config import parse_config

    led = load()
    item = call_of(led, "Assets:Receivable:GullRock")
    trimmed = documents.environment(None, Amounts())
    kept = documents.environment(None, Amounts())
    kept.trim_blocks = False
    for template in ("reminder.txt", "reminder.html", "reminder_subject.txt"):
        for level, _ in parse_config(None)[0].escalation:
            for reminded in (True, False):
                context = remind.context(led.index, item._replace(level=level), NOV5)
                context["reminded"] = reminded
                words = set(
                    re.findall(
                        r"[A-Za-z]+", documents.render(trimmed, template, context)
                    )
                )
                spaced = set(
                    re.findall(r"[A-Za-z]+", documents.render(kept, template, context))
                )
                assert words <= spaced, (template, level, words - spaced)
