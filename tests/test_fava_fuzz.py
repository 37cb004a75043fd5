"""Fuzz: the Collections page answers every view of any ledger that loads.

The generated ledgers of `test_fuzz.py`, with the extension turned on, through
Fava's own app: no view of the page, no statement preview answers 500; a
failure inside a view would be shown on the page, never as a server error.
"""

from __future__ import annotations

import os
import pathlib
from urllib.parse import quote

import pytest
from fava.application import create_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz import beancount_loads, generated

PAGE = "/beancount/extension/Collections/"
EXAMPLES = int(os.environ.get("BEAN_AR_FUZZ_FAVA", "15"))
TIMES = ["", "2024-03", "2024", "0001-02-01", "9999-12"]


@pytest.fixture(autouse=True, scope="module")
def restore_index_keeping():
    """The extension tells the plugin to keep its indexes for the whole
    process (right for a server); undo that for the other tests."""
    from beancount_ar import plugin

    keeping = plugin._keeping
    yield
    plugin._keeping, plugin._last = keeping, None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=EXAMPLES <= 15,
)
@given(generated(), st.sampled_from(TIMES))
def test_no_view_of_any_ledger_answers_500(tmp_path_factory, text, time):
    text = '2000-01-01 custom "fava-extension" "beancount_ar.fava"\n' + text
    beancount_loads(text)
    path = tmp_path_factory.mktemp("fava") / "books.beancount"
    path.write_text(text)
    app = create_app([str(path.resolve())], load=True, poll_watcher=True)
    client = app.test_client()
    when = f"&time={quote(time)}" if time else ""
    urls = [PAGE + f"?view={view}{when}" for view in
            ("today", "aging", "overdue", "metrics", "forecast", "invoices")]  # fmt: skip
    urls.append(PAGE + "calendar.ics")
    for customer in ("Assets:Receivable:Acme", "Assets:Receivable:Beta"):
        urls.append(PAGE + f"?view=customer&customer={quote(customer)}{when}")
        urls.append(PAGE + f"statement?customer={quote(customer)}{when}")
    for url in urls:
        response = client.get(url)
        assert response.status_code != 500, (url, text, response.get_data(True)[:2000])
        # A view that fails says so on the page (not a 500): that is a bug too.
        assert "view failed" not in response.get_data(True), (url, text)
    assert pathlib.Path(path).read_text() == text  # nothing written
