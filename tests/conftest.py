"""Hermetic defaults for every test: a temporary cwd, a clean environment, logging reset afterwards."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# runlab's on-disk cache of its built-in configs goes to a directory of this test session, not the
# user's cache (every app the tests start inherits it, so the cache is exercised, not bypassed).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="runlab-test-cache-")


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    for name in ("HYDRA_FULL_ERROR", "RUNLAB_INDEX", "HYDRA_MAIN_MODULE", "SELF_WARNING_AS_ERROR"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
