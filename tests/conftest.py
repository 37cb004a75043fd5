"""Fixtures shared by the test modules."""

from __future__ import annotations

import os

import pytest

#: Debian's Chromium, driven by Playwright, as CI installs it.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session", autouse=True)
def index_cache(tmp_path_factory):
    """The persistent indexes the tests' commands write go to a folder of
    this run, never to the user's cache folder."""
    folder = tmp_path_factory.mktemp("cache")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


@pytest.fixture
def restore_index_keeping(monkeypatch):
    """The Fava extension tells the plugin to keep its indexes for the whole
    process (right for a server); undo that for the other tests."""
    from beancount_ar import plugin

    monkeypatch.setattr(plugin, "_keeping", plugin._keeping)
    monkeypatch.setattr(plugin, "_last", None)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for a module's tests."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "install Debian's chromium (see .ci/run)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
