"""Access to the oracle: hydra-core 1.3.8 installed in a separate environment.

hydra-core pins omegaconf below 2.4, so it cannot share runlab's environment; differential tests run
the same scenario in that environment (a subprocess) and compare its output with runlab's.  The
environment is made by ``python3 tasks.py test`` (``.venv-oracle`` at the repository root); set
``RUNLAB_ORACLE_PYTHON`` to use another interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def oracle_python() -> str:
    """The interpreter that has hydra-core installed; fails loudly when it is missing."""
    path = os.environ.get("RUNLAB_ORACLE_PYTHON") or str(REPO_ROOT / ".venv-oracle" / "bin" / "python")
    if not Path(path).exists():
        raise RuntimeError(
            f"the hydra-core oracle environment is missing ({path}); run `python3 tasks.py test` "
            "or set RUNLAB_ORACLE_PYTHON"
        )
    return path


def oracle_env(**extra: str) -> dict[str, str]:
    """A clean environment for oracle subprocesses (no runlab on the path, full errors off)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))}
    env.update(extra)
    return env


def run_oracle(
    code: str, cwd: str | Path | None = None, *, args: list[str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with the oracle interpreter and return the finished process (text mode)."""
    return subprocess.run(
        [oracle_python(), "-c", code, *(args or [])],
        cwd=cwd,
        env=oracle_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_oracle_script(
    script: str | Path, args: list[str], cwd: str | Path, *, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run an app script under hydra-core (``python script.py ARGS``)."""
    return subprocess.run(
        [oracle_python(), str(script), *args],
        cwd=cwd,
        env={**oracle_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_runlab_script(
    script: str | Path, args: list[str], cwd: str | Path, *, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the same app script under runlab: the script says ``import hydra``; a shim maps it to runlab."""
    shim = REPO_ROOT / "tests" / "hydra_shim"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    base["PYTHONPATH"] = os.pathsep.join(
        [str(shim), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
