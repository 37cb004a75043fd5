"""A customer's preferences on its `open`: no email, its statement day, the
names its payments come under. Each mistake is an error at the open's line."""

from __future__ import annotations

from arutil import load, messages

OPEN = """
2020-01-01 open Assets:Receivable:Gull
  customer: "Gull Rock Brewing Co."
{meta}
"""


def customer(meta: str):
    led = load(OPEN.format(meta=meta), header=False)
    return led, led.index.customers["Assets:Receivable:Gull"]


def test_the_preferences_as_written():
    led, gull = customer(
        '  ar-email: "no"\n  statement-day: 15\n'
        '  aliases: "GRB Inc; Gull Rock Brewing"\n'
    )
    assert messages(led) == []
    assert gull.emails is False
    assert gull.statement_day == 15
    assert gull.aliases == ("GRB Inc", "Gull Rock Brewing")


def test_without_preferences_emails_go_on_the_usual_day():
    _, gull = customer("")
    assert (gull.emails, gull.statement_day, gull.aliases) == (True, None, ())


def test_a_wrong_preference_is_an_error_at_its_line_and_the_default_holds():
    led, gull = customer('  ar-email: "never"\n  statement-day: 40\n  aliases: 12\n')
    found = messages(led)
    assert any('ar-email of Assets:Receivable:Gull must be "yes" or "no"' in m
               for m in found)  # fmt: skip
    assert any("statement-day of Assets:Receivable:Gull must be a day of the month"
               in m for m in found)  # fmt: skip
    assert any("aliases of Assets:Receivable:Gull must be names" in m for m in found)
    assert all(e.source["lineno"] == 2 for e in led.errors)
    assert (gull.emails, gull.statement_day, gull.aliases) == (True, None, ())
