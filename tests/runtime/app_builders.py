"""Small apps for runtime tests: config trees in a tmp dir, run in-process or as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

DB_TREE = {
    "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\nx: 1\n'y': ${x}\n",
    "conf/db/mysql.yaml": "driver: mysql\nuser: omry\n",
    "conf/db/postgresql.yaml": "driver: postgresql\nuser: pg\n",
}


def write_tree(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run_inprocess(
    capsys: pytest.CaptureFixture[str],
    task: Callable[[Any], Any],
    args: Sequence[str],
    *,
    config_dir: Path | None,
    config_name: str | None = "config",
    version_base: str = "1.3",
) -> Outcome:
    """Run ``task`` as an app with ``args`` in this process (fast; used for dispatch tests)."""
    from runlab.runtime.app import run_app

    code = 0
    try:
        run_app(
            task_function=task,
            config_path=None if config_dir is None else str(config_dir),
            config_name=config_name,
            version_base=version_base,
            args=list(args),
        )
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def run_script(
    script: Path, args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with runlab's interpreter as a real process (clean HYDRA_*/RUNLAB_* env)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    base.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
