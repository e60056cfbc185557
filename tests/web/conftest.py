"""Fixtures of the dashboard tests: real recorded sweeps, a served dashboard and a real browser.

The browser is Debian's ``chromium`` driven by Playwright (never ``playwright install``: nothing is
downloaded).  A missing chromium fails the tests with the command that installs it - a skip would
hide that the dashboard was never seen working.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # web_support, next to this file

from web_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PageWatch,
    Recorded,
    Served,
    run_app,
    write_app,
)


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A real 6-job sweep (2 failing) and one single run, recorded by runlab."""
    root = tmp_path_factory.mktemp("project")
    index = root / "index.db"
    write_app(root)
    sweep = run_app(root, index, "-m", "lr=0.1,0.2,0.3", "seed=0,1")
    assert isinstance(sweep, subprocess.CompletedProcess)
    assert "2 of 6 jobs failed" in sweep.stdout + sweep.stderr, sweep.stdout + sweep.stderr
    single = run_app(root, index, "lr=0.05", "model.width=16")
    assert isinstance(single, subprocess.CompletedProcess)
    assert single.returncode == 0, single.stdout + single.stderr
    return Recorded(root=root, index=index)



@pytest.fixture(scope="session")
def served(recorded: Recorded) -> Iterator[Served]:
    server = Served(recorded.index)
    yield server
    server.stop()



@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """A headless chromium (Debian's package) driven by Playwright."""
    if not os.path.isfile(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: install it with "
                    "`apt-get update && apt-get install -y chromium` (or set RUNLAB_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()



@pytest.fixture(scope="session")
def browser_context(chromium: Any) -> Iterator[Any]:
    """One context for the session: plotly.js (4.6 MB) is compiled once, then cached.

    The dashboard's Content-Security-Policy is bypassed on purpose: the XSS checks must prove the
    escaping, not be saved by the CSP (checked on its own in test_routes), and Playwright's
    ``wait_for_function`` evaluates strings, which the CSP forbids.
    """
    context = chromium.new_context(viewport={"width": 1300, "height": 900}, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture()
def page(browser_context: Any) -> Iterator[Any]:
    tab = browser_context.new_page()
    tab.set_default_timeout(60_000)  # the first page compiles plotly.js: slow on a busy CI box
    tab.watch = PageWatch(tab)
    yield tab
    tab.close()
