"""A small app for the Ray and submitit launcher tests, written into a temporary directory per test.

Job ``n`` logs a ``loss`` metric per step and returns ``n * 10``; ``fail_n``/``crash_n``/``sleep_n``
pick one job that raises (job 1 also raises while ``fail_file`` exists), dies with its process (``os._exit``), or sleeps ``sleep`` seconds
(and, with ``hold_file``, for as long as that file exists: at most 60 s).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

APP = """
import os, time

import runlab


@runlab.main(version_base="1.3", config_path=".", config_name="config")
def main(cfg):
    if cfg.n == cfg.fail_n or (cfg.fail_file and cfg.n == 1 and os.path.exists(cfg.fail_file)):
        raise ValueError(f"job {cfg.n} fails")
    if cfg.n == cfg.crash_n:
        os._exit(3)
    if cfg.n == cfg.sleep_n:
        time.sleep(cfg.sleep)
        deadline = time.time() + 60
        while cfg.hold_file and os.path.exists(cfg.hold_file) and time.time() < deadline:
            time.sleep(0.1)
    for step in range(3):
        runlab.log_metrics({"loss": 1.0 / (cfg.n + 1 + step)}, step=step)
    return cfg.n * 10


if __name__ == "__main__":
    main()
"""

CONFIG = """\
n: 0
fail_n: -1
crash_n: -1
sleep_n: -1
sleep: 0
hold_file: ""
fail_file: ""
"""


def write_app(directory: Path) -> Path:
    (directory / "config.yaml").write_text(CONFIG)
    app = directory / "app.py"
    app.write_text(APP)
    return app


def run_app(
    directory: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(directory / "app.py"), *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "RUNLAB_PROGRESS": "off", **(env or {})},
        check=False,
    )


def run_record(run_dir: Path) -> dict[str, Any]:
    """The tracker's record of one job (``<run dir>/.runlab/run.json``)."""
    return dict(json.loads((run_dir / ".runlab" / "run.json").read_text()))


def metric_lines(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / ".runlab" / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def runlab_cli(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runlab.cli", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
