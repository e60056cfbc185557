"""A recorded sweep and index for CLI tests (real run dirs written by RunRecorder)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_lab import Lab
from run_factory import make_run, make_sweep

from runlab.tracking import metrics as metrics_module
from runlab.tracking.store import close_shared


@pytest.fixture(autouse=True)
def _no_active_run(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(metrics_module.RUN_DIR_ENV, raising=False)
    monkeypatch.delenv("RUNLAB_PLAIN", raising=False)
    metrics_module._process_sink = None
    yield
    close_shared()  # the recorder's per-process index connections
    metrics_module._process_sink = None


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    """A 2x2x2 sweep (db group x lr x seed, one failure) and a single run, all indexed live."""
    index = tmp_path / ".runlab" / "index.db"
    sweep = tmp_path / "multirun" / "2026-11-27" / "10-00-00"
    records = make_sweep(
        sweep, {"db": ["mysql", "pg"], "lr": [0.1, 0.01], "seed": [1, 2]},
        lambda p: p["lr"] * (1 if p["db"] == "mysql" else 2) + p["seed"] / 1000,
        groups=["db"], index_path=index,
        fail=lambda p: p["db"] == "pg" and p["lr"] == 0.1 and p["seed"] == 2)
    failed = Path(records[5].run_dir) / ".runlab" / "log.jsonl"
    failed.write_text("\n".join(json.dumps(e) for e in [
        {"time": "10:00:01", "level": "INFO", "logger": "app", "message": "starting job 5"},
        {"time": "10:00:02", "level": "ERROR", "logger": "app", "message": "it went wrong"},
    ]) + "\n")
    single = make_run(tmp_path / "outputs" / "single", overrides=["lr=0.5"], result=0.75,
                      config={"lr": 0.5}, origins={"lr": "override lr=0.5"}, index_path=index)
    return Lab(root=tmp_path, index=index, sweep=sweep, records=records, single=single)
