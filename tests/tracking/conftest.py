"""Fixtures for tracking tests: real run directories written by RunRecorder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runlab.tracking import metrics as metrics_module
from runlab.tracking.store import close_shared


@pytest.fixture(autouse=True)
def _no_leaked_active_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no active run (a failing test must not leak its run into the next)."""
    monkeypatch.delenv(metrics_module.RUN_DIR_ENV, raising=False)
    metrics_module._process_sink = None
    token = metrics_module._ACTIVE.set(None)
    yield
    close_shared()  # the recorder's per-process index connections
    metrics_module._ACTIVE.reset(token)
    metrics_module._process_sink = None


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "idx" / "index.db"
