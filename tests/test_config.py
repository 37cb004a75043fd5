"""The plugin configuration: defaults, every key, and errors naming the key."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import printer

from beancount_ar.config import Config, find_config, parse_config

DEFAULT_ESCALATION = (
    ("reminder", 5),
    ("second-notice", 15),
    ("manager", 30),
    ("owner", 45),
    ("final-demand", 60),
    ("agency", 90),
)


def only_message(text: str) -> str:
    """The message of the single error parsing `text` gives."""
    _, errors = parse_config(text)
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0].message


# -- defaults ------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, "", "   ", "{}"])
def test_config_defaults_when_nothing_is_configured(text: str | None) -> None:
    config, errors = parse_config(text)
    assert errors == []
    assert config.accounts == ("Assets:Receivable",)
    assert config.default_terms == "Net 30"
    assert config.grace_days == 5
    assert config.buckets == (30, 60, 90)
    assert config.matching == "fifo"
    assert config.hold_days == 60
    assert config.escalation == DEFAULT_ESCALATION
    assert config.collections_file == "collections.beancount"


def test_config_default_escalation_reminds_at_grace_days() -> None:
    config, errors = parse_config("{'grace_days': 7}")
    assert errors == []
    assert config.escalation[0] == ("reminder", 7)
    assert config.escalation[1:] == DEFAULT_ESCALATION[1:]


def test_config_is_frozen() -> None:
    config, _ = parse_config(None)
    with pytest.raises(AttributeError):
        config.grace_days = 9  # type: ignore[misc]


# -- each key ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        (
            "{'accounts': ['Assets:Receivable', 'Assets:AR-Trade']}",
            "accounts",
            ("Assets:Receivable", "Assets:AR-Trade"),
        ),
        ("{'accounts': 'Assets:Debtors'}", "accounts", ("Assets:Debtors",)),
        ("{'default_terms': '2/10 Net 30'}", "default_terms", "2/10 Net 30"),
        ("{'grace_days': 0}", "grace_days", 0),
        ("{'grace_days': 10}", "grace_days", 10),
        ("{'buckets': [15, 45]}", "buckets", (15, 45)),
        ("{'buckets': (30, 60, 90, 120)}", "buckets", (30, 60, 90, 120)),
        ("{'matching': 'strict'}", "matching", "strict"),
        ("{'matching': 'fifo'}", "matching", "fifo"),
        ("{'hold_days': 90}", "hold_days", 90),
        (
            "{'escalation': {'reminder': 3, 'final-demand': 40}}",
            "escalation",
            (("reminder", 3), ("final-demand", 40)),
        ),
        (
            "{'escalation': [('reminder', 3), ('manager', 20)]}",
            "escalation",
            (("reminder", 3), ("manager", 20)),
        ),
        (
            "{'collections_file': 'ar/log.beancount'}",
            "collections_file",
            "ar/log.beancount",
        ),
        ("{'courtesy_days': 5}", "courtesy_days", 5),
        ("{'statement_day': 31}", "statement_day", 31),
        (
            "{'collectability': {'61-90': 0.8, '91+': '0.5'}}",
            "collectability",
            (("61-90", Decimal("0.8")), ("91+", Decimal("0.5"))),
        ),
    ],
)
def test_config_key_is_parsed(text: str, field: str, expected: object) -> None:
    config, errors = parse_config(text)
    assert errors == []
    assert getattr(config, field) == expected


def test_config_explicit_escalation_is_not_rederived_from_grace_days() -> None:
    config, errors = parse_config("{'grace_days': 7, 'escalation': {'reminder': 3}}")
    assert errors == []
    assert config.escalation == (("reminder", 3),)


def test_config_every_key_together() -> None:
    config, errors = parse_config(
        "{'accounts': ['Assets:AR'], 'default_terms': 'Net 15', 'grace_days': 3,"
        " 'buckets': [10, 20], 'matching': 'strict', 'hold_days': 30,"
        " 'escalation': {'reminder': 3}, 'collections_file': 'c.beancount'}"
    )
    assert errors == []
    assert config == Config(
        accounts=("Assets:AR",),
        default_terms="Net 15",
        grace_days=3,
        buckets=(10, 20),
        matching="strict",
        hold_days=30,
        escalation=(("reminder", 3),),
        collections_file="c.beancount",
    )


def test_config_roots_cover_their_subaccounts_only() -> None:
    config, _ = parse_config("{'accounts': ['Assets:Receivable']}")
    assert config.is_receivable("Assets:Receivable")
    assert config.is_receivable("Assets:Receivable:Acme")
    assert not config.is_receivable("Assets:ReceivableLoans")
    assert not config.is_receivable("Assets:Bank")


# -- errors --------------------------------------------------------------------


def test_config_unknown_key_is_named_and_defaults_kept() -> None:
    config, errors = parse_config("{'grace_dayz': 7}")
    assert len(errors) == 1
    assert "'grace_dayz'" in errors[0].message
    assert "grace_days" in errors[0].message  # the known keys are listed
    assert config == parse_config(None)[0]


def test_config_unknown_key_does_not_spoil_the_good_ones() -> None:
    config, errors = parse_config("{'grace_days': 7, 'colour': 'red'}")
    assert [e.message for e in errors if "'colour'" in e.message]
    assert config.grace_days == 7


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("accounts", "['not an account']"),
        ("accounts", "[]"),
        ("accounts", "42"),
        ("accounts", "[42]"),
        ("default_terms", "'Net3O'"),
        ("default_terms", "''"),
        ("default_terms", "None"),
        ("grace_days", "'5'"),
        ("grace_days", "-1"),
        ("grace_days", "2.5"),
        ("grace_days", "True"),
        ("buckets", "[60, 30]"),
        ("buckets", "[30, 30, 60]"),
        ("buckets", "[0, 30]"),
        ("buckets", "30"),
        ("buckets", "[]"),
        ("buckets", "['30', '60']"),
        ("matching", "'lifo'"),
        ("matching", "'FIFO'"),
        ("matching", "1"),
        ("hold_days", "'60'"),
        ("hold_days", "-1"),
        ("hold_days", "False"),
        ("escalation", "{'reminder': 30, 'manager': 10}"),
        ("escalation", "{'reminder': '5'}"),
        ("escalation", "{'reminder': -5}"),
        ("escalation", "{5: 5}"),
        ("escalation", "5"),
        ("escalation", "'reminder'"),
        ("escalation", "[('reminder', 5, 9)]"),
        ("collections_file", "''"),
        ("collections_file", "5"),
        ("collections_file", "['a.beancount']"),
        ("courtesy_days", "0"),
        ("courtesy_days", "'5'"),
        ("statement_day", "0"),
        ("statement_day", "32"),
        ("collectability", "{'91+': 1.5}"),
        ("collectability", "{'91+': -0.1}"),
        ("collectability", "{'90+': 0.5}"),
        ("collectability", "{'91+': True}"),
        ("collectability", "0.5"),
    ],
)
def test_config_wrong_type_is_an_error_naming_the_key(key: str, value: str) -> None:
    config, errors = parse_config(f"{{'{key}': {value}}}")
    assert len(errors) == 1
    assert f"'{key}'" in errors[0].message
    # The default stands in for the bad value.
    assert getattr(config, key) == getattr(parse_config(None)[0], key)


def test_config_bad_default_terms_error_shows_valid_examples() -> None:
    message = only_message("{'default_terms': 'Net3O'}")
    assert "'default_terms'" in message
    assert '"Net3O"' in message
    assert '"2/10 Net 30"' in message


def test_config_bad_grace_days_keeps_default_reminder() -> None:
    config, _ = parse_config("{'grace_days': '7'}")
    assert config.escalation == DEFAULT_ESCALATION


def test_config_several_bad_keys_each_give_an_error() -> None:
    _, errors = parse_config("{'grace_days': '5', 'matching': 'lifo', 'x': 1}")
    messages = " | ".join(e.message for e in errors)
    assert len(errors) == 3
    for key in ("'grace_days'", "'matching'", "'x'"):
        assert key in messages


@pytest.mark.parametrize(
    "text", ["{'grace_days': five}", "{'grace_days': 5", "grace_days=5", "{1 +}"]
)
def test_config_not_a_python_literal_is_an_error(text: str) -> None:
    config, errors = parse_config(text)
    assert len(errors) == 1
    assert "not a Python dict literal" in errors[0].message
    assert config == parse_config(None)[0]


@pytest.mark.parametrize("text", ["{['grace_days']: 5}", "{{}: 1}"])
def test_config_unhashable_key_is_an_error_not_an_exception(text: str) -> None:
    config, errors = parse_config(text)
    assert len(errors) == 1
    assert config == parse_config(None)[0]


@pytest.mark.parametrize("text", ["['Assets:Receivable']", "'Net 30'", "5", "None"])
def test_config_not_a_dict_is_an_error(text: str) -> None:
    config, errors = parse_config(text)
    assert len(errors) == 1
    assert "expected a dict" in errors[0].message
    assert config == parse_config(None)[0]


def test_config_errors_come_from_the_plugin_not_a_ledger_line() -> None:
    _, errors = parse_config("{'bogus': 1}")
    assert errors[0].source["filename"] == "<beancount_ar>"
    assert errors[0].source["lineno"] == 0
    assert errors[0].message.startswith("beancount_ar config:")


# -- find_config ---------------------------------------------------------------


def test_find_config_returns_the_plugin_lines_string() -> None:
    options = {"plugin": [("beancount.plugins.auto", None), ("beancount_ar", "{}")]}
    assert find_config(options) == "{}"


def test_find_config_accepts_the_plugin_submodule_name() -> None:
    options = {"plugin": [("beancount_ar.plugin", "{'grace_days': 3}")]}
    assert find_config(options) == "{'grace_days': 3}"


def test_find_config_is_empty_when_plugin_has_no_config() -> None:
    assert find_config({"plugin": [("beancount_ar", None)]}) == ""


def test_find_config_is_none_when_plugin_not_loaded() -> None:
    assert find_config({"plugin": [("beancount.plugins.auto", None)]}) is None
    assert find_config({}) is None


# -- through the loader --------------------------------------------------------

LEDGER = """\
    plugin "beancount_ar" "{CONFIG}"

    2024-01-01 open Assets:Receivable:Acme
    2024-01-01 open Income:Sales

    2024-03-01 * "Acme" "Website" ^INV-1
      Assets:Receivable:Acme  100.00 USD
      Income:Sales
    """


def load(config: str) -> tuple[list[data.Directive], list, dict]:
    return loader.load_string(textwrap.dedent(LEDGER).replace("{CONFIG}", config))


def test_loader_finds_the_config_of_the_plugin_line() -> None:
    _, _, options = load("{'grace_days': 9}")
    config, errors = parse_config(find_config(options))
    assert errors == []
    assert config.grace_days == 9


def test_loader_reports_bad_config_naming_the_key() -> None:
    _, errors, _ = load("{'grace_days': '5'}")
    assert ["'grace_days'" in e.message for e in errors] == [True]
    assert errors[0].source["filename"] == "<beancount_ar>"


def test_loader_bad_config_keeps_every_entry_and_annotates_with_defaults() -> None:
    entries, _, _ = load("{'grace_days': '5', 'default_terms': 'Net3O'}")
    entries_ok, errors_ok, _ = load("{}")
    assert errors_ok == []
    assert len(entries) == len(entries_ok)
    invoice = next(e for e in entries if isinstance(e, data.Transaction))
    assert invoice.postings[0].meta["terms"] == "Net 30"
    assert invoice.postings[0].meta["invoice"] == "INV-1"


def test_loader_bad_config_error_prints_like_bean_check() -> None:
    _, errors, _ = load("{'matchin': 'fifo'}")
    text = printer.format_error(errors[0])
    assert text.startswith("<beancount_ar>:0:")
    assert "'matchin'" in text


def test_loader_config_not_a_literal_still_loads() -> None:
    entries, errors, _ = load("{grace_days: 5}")
    assert len(errors) == 1
    assert "not a Python dict literal" in errors[0].message
    invoice = next(e for e in entries if isinstance(e, data.Transaction))
    assert invoice.postings[0].meta["due"].isoformat() == "2024-03-31"


def test_loader_config_with_unhashable_key_still_annotates_invoices() -> None:
    entries, errors, _ = load("{['grace_days']: 5}")
    assert not any("internal error" in e.message for e in errors)
    invoice = next(e for e in entries if isinstance(e, data.Transaction))
    assert invoice.postings[0].meta["invoice"] == "INV-1"


# -- discount account, role words, bounds --------------------------------------


def test_config_discount_account_defaults_and_is_checked() -> None:
    assert parse_config(None)[0].discount_account == "Expenses:Discounts"
    config, errors = parse_config("{'discount_account': 'Income:Sales-Discounts'}")
    assert errors == [] and config.discount_account == "Income:Sales-Discounts"
    assert "'discount_account' must be an account name" in only_message(
        "{'discount_account': 'discounts'}"
    )


def test_config_roles_replace_the_words_of_a_tier() -> None:
    config, errors = parse_config("{'roles': {'owner': ['Chief', 'Boss']}}")
    assert errors == []
    assert dict(config.roles)["owner"] == ("chief", "boss")
    assert "controller" in dict(config.roles)["manager"]  # the others kept
    assert "unknown tier 'ceo'" in only_message("{'roles': {'ceo': ['x']}}")
    assert "must be a list of words" in only_message("{'roles': {'owner': [1]}}")


@pytest.mark.parametrize(
    "text",
    [
        "{'hold_days': 999999999999}",
        "{'grace_days': 100000}",
        "{'buckets': [30, 60, 99999]}",
        "{'escalation': {'reminder': 5, 'agency': 1000000000}}",
        "{'hold_days': -1}",
    ],
)
def test_config_numbers_have_sane_ranges(text: str) -> None:
    config, _ = parse_config(text)
    message = only_message(text)
    assert "from 0 to 3660" in message or "from 1 to 3660" in message
    assert config == parse_config(None)[0]  # the defaults are used instead
