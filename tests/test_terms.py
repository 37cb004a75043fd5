"""Payment terms: the grammar, the normalised text, due and discount dates."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beancount_ar.terms import ACCEPTED_FORMS, Terms, TermsError, parse_terms

D = datetime.date


# -- the grammar and its normalised text -------------------------------------

NORMALISED = [
    ("Net 30", "Net 30"),
    ("N30", "Net 30"),
    ("Net30", "Net 30"),
    ("net 30", "Net 30"),
    ("  NET   30 ", "Net 30"),
    ("Due on receipt", "Due on receipt"),
    ("due on receipt", "Due on receipt"),
    ("COD", "COD"),
    ("cod", "COD"),
    ("CIA", "CIA"),
    ("Net 0", "Net 0"),
    ("2/10 Net 30", "2/10 Net 30"),
    ("2/10 net30", "2/10 Net 30"),
    ("1.5/15 Net 45", "1.5/15 Net 45"),
    ("Net 15 EOM", "Net 15 EOM"),
    ("net15eom", "Net 15 EOM"),
    ("EOM", "EOM"),
    ("eom", "EOM"),
    ("2/10 Net 30 EOM", "2/10 Net 30 EOM"),
    ("10th Prox", "10th Prox"),
    ("Prox 10", "10th Prox"),
    ("prox10", "10th Prox"),
    ("1st Prox", "1st Prox"),
    ("2nd Prox", "2nd Prox"),
    ("3rd Prox", "3rd Prox"),
    ("11th Prox", "11th Prox"),
    ("21st Prox", "21st Prox"),
    ("31st Prox", "31st Prox"),
    ("30", "Net 30"),
    (Decimal("30"), "Net 30"),
    (45, "Net 45"),
]


# Terms as bookkeepers write them, and the normalised text each one gives.
BOOKKEEPER_FORMS = [
    ("2/10, n/30", "2/10 Net 30"),
    ("2/10 n/30", "2/10 Net 30"),
    ("2/10 N/30", "2/10 Net 30"),
    ("2/10,net 30", "2/10 Net 30"),
    ("2% 10 Net 30", "2/10 Net 30"),
    ("2% 10 days net 30", "2/10 Net 30"),
    ("2%/10 net 30", "2/10 Net 30"),
    ("2/10, n/30 days", "2/10 Net 30"),
    ("1.5/15 n/45", "1.5/15 Net 45"),
    ("1.5% 15 Net 45", "1.5/15 Net 45"),
    ("2/10 n/30 EOM", "2/10 Net 30 EOM"),
    ("2% 10 Net 30 EOM", "2/10 Net 30 EOM"),
    ("Net 30 days", "Net 30"),
    ("net30days", "Net 30"),
    ("Net 30 Days", "Net 30"),
    ("Net 1 day", "Net 1"),
    ("n/30", "Net 30"),
    ("N/30", "Net 30"),
    ("Net 15 days EOM", "Net 15 EOM"),
    ("Net EOM", "EOM"),
    ("Due upon receipt", "Due on receipt"),
    ("Upon receipt", "Due on receipt"),
    ("Payable on receipt", "Due on receipt"),
    ("Payable upon receipt", "Due on receipt"),
    ("On receipt", "Due on receipt"),
    ("Receipt", "Due on receipt"),
    ("C.O.D.", "COD"),
    ("c.o.d", "COD"),
    ("Cash on delivery", "COD"),
    ("Cash in advance", "CIA"),
    ("C.I.A.", "CIA"),
    ("Net 10th of next month", "10th Prox"),
    ("10th of next month", "10th Prox"),
    ("10th of the following month", "10th Prox"),
    ("Net 10th following month", "10th Prox"),
    ("10 of next month", "10th Prox"),
    ("1st of the next month", "1st Prox"),
    ("10 Prox", "10th Prox"),
]


@pytest.mark.parametrize(("text", "normalised"), NORMALISED)
def test_terms_text_is_normalised(text: object, normalised: str) -> None:
    assert parse_terms(text).text == normalised


@pytest.mark.parametrize(("text", "normalised"), BOOKKEEPER_FORMS)
def test_terms_accepts_bookkeeper_forms(text: str, normalised: str) -> None:
    assert parse_terms(text).text == normalised


@pytest.mark.parametrize(("text", "normalised"), BOOKKEEPER_FORMS)
def test_terms_bookkeeper_form_equals_its_normalised_form(
    text: str, normalised: str
) -> None:
    assert parse_terms(text) == parse_terms(normalised)


@pytest.mark.parametrize(("text", "normalised"), BOOKKEEPER_FORMS)
def test_terms_bookkeeper_forms_accept_any_case_and_no_spaces(
    text: str, normalised: str
) -> None:
    squeezed = text.replace(" ", "")
    assert parse_terms(squeezed.upper()).text == normalised
    assert parse_terms(f"  {text.lower()}  ".replace(" ", "  ")).text == normalised


@pytest.mark.parametrize(
    ("text", "invoice", "due", "discount"),
    [
        ("2/10, n/30", D(2026, 1, 5), D(2026, 2, 4), D(2026, 1, 15)),
        ("2% 10 days net 30", D(2026, 1, 5), D(2026, 2, 4), D(2026, 1, 15)),
        ("1.5/15 n/45", D(2026, 1, 5), D(2026, 2, 19), D(2026, 1, 20)),
        ("2/10 n/30 EOM", D(2026, 1, 5), D(2026, 3, 2), D(2026, 2, 10)),
        ("Net 30 days", D(2026, 1, 5), D(2026, 2, 4), None),
        ("Net 15 days EOM", D(2026, 1, 5), D(2026, 2, 15), None),
        ("Upon receipt", D(2026, 1, 5), D(2026, 1, 5), None),
        ("C.O.D.", D(2026, 1, 5), D(2026, 1, 5), None),
        ("Cash in advance", D(2026, 1, 5), D(2026, 1, 5), None),
        ("Net 10th of next month", D(2026, 1, 20), D(2026, 2, 10), None),
        ("10th of the following month", D(2026, 12, 20), D(2027, 1, 10), None),
    ],
)
def test_terms_bookkeeper_forms_give_due_and_discount_dates(
    text: str,
    invoice: datetime.date,
    due: datetime.date,
    discount: datetime.date | None,
) -> None:
    terms = parse_terms(text)
    assert terms.due_date(invoice) == due
    assert terms.discount_date(invoice) == discount


@pytest.mark.parametrize(("text", "normalised"), NORMALISED + BOOKKEEPER_FORMS)
def test_terms_parsing_normalised_text_gives_equal_terms(
    text: object, normalised: str
) -> None:
    terms = parse_terms(text)
    assert parse_terms(terms.text) == terms


def test_terms_net_is_due_n_days_after_invoice() -> None:
    assert parse_terms("Net 30").due_date(D(2024, 3, 1)) == D(2024, 3, 31)


@pytest.mark.parametrize("text", ["Due on receipt", "COD", "CIA", "Net 0"])
def test_terms_due_on_receipt_forms_are_due_on_invoice_date(text: str) -> None:
    assert parse_terms(text).due_date(D(2024, 3, 7)) == D(2024, 3, 7)


@pytest.mark.parametrize("text", ["Due on receipt", "COD", "CIA", "Net 0", "Net 30"])
def test_terms_without_discount_have_no_discount_date(text: str) -> None:
    terms = parse_terms(text)
    assert terms.discount_pct is None
    assert terms.discount_date(D(2024, 3, 7)) is None


def test_terms_discount_gives_percent_and_discount_date() -> None:
    terms = parse_terms("2/10 Net 30")
    assert terms.discount_pct == Decimal("2")
    assert terms.discount_date(D(2024, 3, 1)) == D(2024, 3, 11)
    assert terms.due_date(D(2024, 3, 1)) == D(2024, 3, 31)


def test_terms_decimal_discount_percent_is_kept_exactly() -> None:
    terms = parse_terms("1.5/15 Net 45")
    assert terms.discount_pct == Decimal("1.5")
    assert terms.discount_date(D(2024, 1, 1)) == D(2024, 1, 16)
    assert terms.due_date(D(2024, 1, 1)) == D(2024, 2, 15)


def test_terms_bare_number_means_net_days() -> None:
    assert parse_terms(Decimal("30")) == parse_terms("Net 30")
    assert parse_terms("30") == parse_terms("Net 30")


def test_terms_named_terms_expand_to_their_definition() -> None:
    terms = parse_terms("Wholesale", named={"Wholesale": "2/10 Net 45"})
    assert terms == parse_terms("2/10 Net 45")
    assert terms.text == "2/10 Net 45"


def test_terms_named_terms_match_case_insensitively() -> None:
    terms = parse_terms("  WHOLESALE ", named={"Wholesale": "2/10 Net 45"})
    assert terms.text == "2/10 Net 45"


def test_terms_unnamed_text_falls_back_to_the_grammar() -> None:
    terms = parse_terms("Net 15", named={"Wholesale": "2/10 Net 45"})
    assert terms.text == "Net 15"


# -- boundary dates ------------------------------------------------------------


def test_terms_net_30_from_january_31_crosses_february_in_a_leap_year() -> None:
    assert parse_terms("Net 30").due_date(D(2024, 1, 31)) == D(2024, 3, 1)


def test_terms_net_30_from_january_31_crosses_february_in_a_common_year() -> None:
    assert parse_terms("Net 30").due_date(D(2023, 1, 31)) == D(2023, 3, 2)


def test_terms_net_crosses_year_end() -> None:
    assert parse_terms("Net 30").due_date(D(2023, 12, 15)) == D(2024, 1, 14)


def test_terms_eom_alone_is_due_on_last_day_of_invoice_month() -> None:
    assert parse_terms("EOM").due_date(D(2024, 4, 3)) == D(2024, 4, 30)


def test_terms_eom_in_leap_february_is_the_29th() -> None:
    assert parse_terms("EOM").due_date(D(2024, 2, 10)) == D(2024, 2, 29)


def test_terms_eom_in_common_february_is_the_28th() -> None:
    assert parse_terms("EOM").due_date(D(2023, 2, 10)) == D(2023, 2, 28)


def test_terms_eom_counts_from_month_end() -> None:
    assert parse_terms("Net 15 EOM").due_date(D(2024, 2, 10)) == D(2024, 3, 15)


def test_terms_eom_on_the_last_day_counts_from_that_day() -> None:
    assert parse_terms("Net 15 EOM").due_date(D(2024, 1, 31)) == D(2024, 2, 15)


def test_terms_discount_with_eom_counts_from_month_end() -> None:
    terms = parse_terms("2/10 Net 30 EOM")
    assert terms.discount_date(D(2024, 3, 5)) == D(2024, 4, 10)
    assert terms.due_date(D(2024, 3, 5)) == D(2024, 4, 30)


def test_terms_discount_without_eom_counts_from_invoice_date() -> None:
    assert parse_terms("2/10 Net 30").discount_date(D(2024, 3, 25)) == D(2024, 4, 4)


def test_terms_prox_is_due_on_day_of_next_month() -> None:
    assert parse_terms("10th Prox").due_date(D(2024, 3, 25)) == D(2024, 4, 10)


def test_terms_prox_from_first_of_month_still_waits_for_next_month() -> None:
    assert parse_terms("10th Prox").due_date(D(2024, 3, 1)) == D(2024, 4, 10)


def test_terms_prox_in_december_rolls_to_january_next_year() -> None:
    assert parse_terms("Prox 10").due_date(D(2023, 12, 20)) == D(2024, 1, 10)


def test_terms_prox_day_past_month_end_clamps_to_last_day() -> None:
    assert parse_terms("31st Prox").due_date(D(2024, 1, 15)) == D(2024, 2, 29)
    assert parse_terms("31st Prox").due_date(D(2023, 3, 15)) == D(2023, 4, 30)


def test_terms_prox_has_no_discount() -> None:
    assert parse_terms("10th Prox").discount_date(D(2024, 3, 1)) is None


# -- rejected texts ------------------------------------------------------------

GRAMMAR_ERRORS = [
    "Net3O",
    "",
    "Net",
    "2/10",
    "-5",
    "Net -5",
    "Due soon",
    "30 days",
    "2 10 Net 30",
    "1,5/15 n/45",
    "Net 10th",
    "Net 30 days days",
    "Due on",
    "n/",
]


def assert_lists_accepted_forms(message: str) -> None:
    for form in ACCEPTED_FORMS:
        assert f'"{form}"' in message
    assert 'a named term from custom "ar-terms", or a number of days' in message
    assert "\n" not in message


@pytest.mark.parametrize("text", GRAMMAR_ERRORS)
def test_terms_rejects_text_outside_grammar(text: str) -> None:
    with pytest.raises(TermsError, match=f'^unknown terms "{text}" '):
        parse_terms(text)


@pytest.mark.parametrize("text", GRAMMAR_ERRORS)
def test_unknown_terms_message_lists_accepted_forms(text: str) -> None:
    with pytest.raises(TermsError) as excinfo:
        parse_terms(text)
    assert_lists_accepted_forms(str(excinfo.value))


def test_unknown_terms_message_is_exactly_one_line() -> None:
    with pytest.raises(TermsError) as excinfo:
        parse_terms("Net3O")
    assert str(excinfo.value) == (
        'unknown terms "Net3O" (accepted: "Net 30", "N30", "Net 30 days", '
        '"2/10 Net 30", "2/10, n/30", "2% 10 Net 30", "Net 15 EOM", "EOM", '
        '"10th Prox", "Net 10th of next month", "Due on receipt", "Upon receipt", '
        '"COD", "CIA", a named term from custom "ar-terms", or a number of days)'
    )


@pytest.mark.parametrize("form", ACCEPTED_FORMS)
def test_terms_every_form_the_message_lists_is_accepted(form: str) -> None:
    assert parse_terms(parse_terms(form).text) == parse_terms(form)


@pytest.mark.parametrize(
    ("text", "explanation"),
    [
        ("50/40 Net 30", "longer than the net period"),
        ("0/10 Net 30", "discount must be"),
        ("100/10 Net 30", "discount must be"),
        ("32nd Prox", "Prox day must be 1 to 31"),
        ("0th Prox", "Prox day must be 1 to 31"),
        ("2/40 Net 30", "longer than the net period"),
        ("2% 40 days, n/30", "longer than the net period"),
        ("150/10 Net 30", "discount must be"),
        ("150% 10 Net 30", "discount must be"),
        ("Net 99999", "over ten years"),
        ("Net 99999 days", "over ten years"),
        ("32nd of next month", "Prox day must be 1 to 31"),
        ("Net 0th of the following month", "Prox day must be 1 to 31"),
    ],
)
def test_terms_rejects_out_of_range_numbers_saying_why(
    text: str, explanation: str
) -> None:
    with pytest.raises(TermsError) as excinfo:
        parse_terms(text)
    message = str(excinfo.value)
    assert f'"{text}"' in message
    assert explanation in message


@pytest.mark.parametrize("text", ["Net 9999999", "2/10 Net 9999999", 9999999])
def test_terms_rejects_absurdly_long_net_periods(text: object) -> None:
    # A typo like this would otherwise overflow the calendar.
    with pytest.raises(TermsError, match="9999999"):
        parse_terms(text)


def test_terms_rejects_discount_period_longer_than_net_naming_both() -> None:
    with pytest.raises(TermsError, match=r"\(40 days\).*\(30 days\)"):
        parse_terms("50/40 Net 30")


@pytest.mark.parametrize("number", [Decimal("2.5"), Decimal("-5"), -5])
def test_terms_rejects_fractional_or_negative_number_of_days(number: object) -> None:
    with pytest.raises(TermsError) as excinfo:
        parse_terms(number)
    message = str(excinfo.value)
    assert f'"{number}"' in message
    assert_lists_accepted_forms(message)


@pytest.mark.parametrize("value", [D(2024, 1, 1), True, None, ["Net 30"]])
def test_terms_rejects_non_text_values_showing_examples(value: object) -> None:
    with pytest.raises(TermsError) as excinfo:
        parse_terms(value)
    message = str(excinfo.value)
    assert repr(value) in message
    assert_lists_accepted_forms(message)


def test_terms_error_is_a_value_error() -> None:
    # Callers catching ValueError (config checks, CLI arguments) catch it too.
    with pytest.raises(ValueError):
        parse_terms("Net3O")


# -- properties ----------------------------------------------------------------

dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))


@given(net=st.integers(min_value=0, max_value=365), day=dates)
def test_terms_net_n_is_always_n_days_after_invoice(
    net: int, day: datetime.date
) -> None:
    terms = parse_terms(f"Net {net}")
    assert (terms.due_date(day) - day).days == net


@given(
    pct=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99.9"), places=1),
    ddays=st.integers(min_value=0, max_value=365),
    extra=st.integers(min_value=0, max_value=365),
    eom=st.booleans(),
    day=dates,
)
def test_terms_discount_date_never_after_due_date(
    pct: Decimal, ddays: int, extra: int, eom: bool, day: datetime.date
) -> None:
    text = f"{pct}/{ddays} Net {ddays + extra}{' EOM' if eom else ''}"
    terms = parse_terms(text)
    discount = terms.discount_date(day)
    assert discount is not None
    assert day <= discount <= terms.due_date(day)


@given(day=dates, prox=st.integers(min_value=1, max_value=31))
def test_terms_prox_is_always_in_the_next_month(day: datetime.date, prox: int) -> None:
    due = parse_terms(f"Prox {prox}").due_date(day)
    months_later = (due.year - day.year) * 12 + due.month - day.month
    assert months_later == 1
    assert due.day == min(prox, calendar.monthrange(due.year, due.month)[1])


def test_terms_is_a_value_equal_to_its_fields() -> None:
    # Terms compare by value, so two invoices with the same terms agree.
    assert parse_terms("2/10 Net 30") == Terms(
        "2/10 Net 30",
        net_days=30,
        eom=False,
        prox_day=None,
        discount_pct=Decimal("2"),
        discount_days=10,
    )


TEXT_FORMS = [(t, n) for t, n in NORMALISED if isinstance(t, str)] + BOOKKEEPER_FORMS


@st.composite
def respelled(draw: st.DrawFn) -> tuple[str, str]:
    """A written form with its case changed and spaces added or removed."""
    text, normalised = draw(st.sampled_from(TEXT_FORMS))
    chars = []
    for char in text.replace(" ", ""):
        chars.append(draw(st.sampled_from(["", "", " ", "  ", "\t"])))
        chars.append(char.upper() if draw(st.booleans()) else char.lower())
    return "".join(chars), normalised


@given(form=respelled())
def test_terms_any_spelling_parses_idempotently_to_its_normalised_form(
    form: tuple[str, str],
) -> None:
    text, normalised = form
    terms = parse_terms(text)
    assert terms.text == normalised
    assert parse_terms(terms.text) == terms
