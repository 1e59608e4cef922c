"""The portal in real Chromium (Debian's, driven by Playwright) against the whole platform as real
processes (tests/e2e/harness.py), with the demo data loaded as `huiqi run` loads it and a development
SMS gateway (tools/sms_sink.py) from which the test reads the registration code.

These tests run in a pytest process of their own, `HUIQI_TESTS_BROWSER=1 .venv/bin/pytest tests/browser`
(`make test` runs it after the main suite): Playwright keeps an asyncio loop, which eventlet's monkey
patching (tests/conftest.py, in every other test process) is no place for. Anywhere else, and where
Chromium is missing (`make chromium` installs it), they skip with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# a failing test's report carries the tail of every running service's log, as in tests/e2e/
from tests.e2e.conftest import pytest_runtest_makereport  # noqa: F401
from tools.chromium import missing
from tools.launcher import ROOT

HERE = Path(__file__).resolve().parent
SEPARATE = ("the browser tests run in a pytest process of their own, without eventlet's monkey patching: "
            "HUIQI_TESTS_BROWSER=1 .venv/bin/pytest tests/browser (make test runs it)")
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    mine = [item for item in items if Path(str(item.path)).is_relative_to(HERE)]
    if not mine:
        return
    reason = SEPARATE if os.environ.get("HUIQI_TESTS_BROWSER") != "1" else missing()
    if reason is None and not AXE.exists():
        reason = f"{AXE.relative_to(ROOT)} is missing: `make install` runs npm ci in portal/"
    if reason is None and not (ROOT / "portal" / "dist" / "index.html").exists():
        reason = "the portal is not built: `make install` builds portal/dist"
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=f"SKIPPED BROWSER TEST: {reason}"))


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session; each person gets a context (cookies) of their own."""
    from playwright.sync_api import sync_playwright

    from tools.chromium import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
