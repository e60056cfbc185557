#!/usr/bin/env python3
"""Developer tasks that need nothing but Python: ``python3 tasks.py demo`` and ``python3 tasks.py test``.

Each task creates what it needs first (idempotently): ``.venv`` with runlab and its test extras, and
``.venv-oracle`` with hydra-core 1.3.8, the reference implementation the differential tests compare
runlab against (hydra-core pins omegaconf < 2.4, so it lives in its own environment).
As root with apt (CI), ``test`` also installs the Debian packages some tests drive: chromium and a
single-node Slurm; the Slurm tests then run (``RUNLAB_TEST_SLURM=1``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
ORACLE = ROOT / ".venv-oracle"
ORACLE_PACKAGES = ["hydra-core==1.3.8", "omegaconf>=2.3,<2.4"]
OMEGACONF23 = ROOT / ".venv-omegaconf23"
OMEGACONF23_PACKAGES = ["omegaconf==2.3.0", "PyYAML", "pytest", "pytest-xdist", "hypothesis"]
OMEGACONF23_TESTS = [
    "tests/config/test_compose.py", "tests/config/test_defaults.py", "tests/config/test_yamlfiles.py",
    "tests/config/test_interpolation.py", "tests/config/test_builtin_cache.py",
    "tests/test_compose_api.py", "tests/runtime/test_jobs.py", "tests/runtime/test_app_e2e.py",
    "tests/runtime/test_logs.py", "tests/runtime/test_recording.py", "tests/config/test_clone.py",
    "tests/runtime/test_multirun_compose.py", "tests/config/test_node_values.py",
]
"""runlab supports OmegaConf 2.3 and 2.4: the main environment has 2.4, and the composition, run and
recording tests also run on 2.3 in an environment of its own (core dependencies only)."""
ORACLE_OPTUNA = ROOT / ".venv-oracle-optuna"
ORACLE_OPTUNA_PACKAGES = [*ORACLE_PACKAGES, "hydra-optuna-sweeper==1.3.0"]
STAMP = ".runlab-installed"


def _python(env_dir: Path) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"


def _run(*args: object, **kwargs: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def _ensure_env(env_dir: Path, requirements: list[str], key: str) -> Path:
    """Create ``env_dir`` and install ``requirements`` unless the same set is installed already."""
    python = _python(env_dir)
    stamp = env_dir / STAMP
    wanted = key + "\n" + "\n".join(requirements)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(env_dir)
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements)
    stamp.write_text(wanted)
    return python


def _pyproject_key() -> str:
    return str((ROOT / "pyproject.toml").stat().st_mtime_ns)


def ensure_dev_env() -> Path:
    return _ensure_env(VENV, ["-e", ".[test]"], _pyproject_key())


def ensure_oracle_env() -> Path:
    return _ensure_env(ORACLE, ORACLE_PACKAGES, "oracle-1")


def ensure_omegaconf23_env() -> Path:
    python = _ensure_env(OMEGACONF23, OMEGACONF23_PACKAGES, "omegaconf23-1")
    _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
         "-e", ".")
    return python


def ensure_oracle_optuna_env() -> Path:
    """Hydra's Optuna sweeper plugin brings its own (older) Optuna: a third environment."""
    return _ensure_env(ORACLE_OPTUNA, ORACLE_OPTUNA_PACKAGES, "oracle-optuna-1")


CHROMIUM_PACKAGES = ["chromium"]
SLURM_PACKAGES = ["slurm-wlm", "slurmdbd", "munge", "mariadb-server"]
SLURM_PROGRAMS = ("slurmctld", "slurmd", "slurmdbd", "munged", "mysqld_safe", "sbatch", "sacct")
"""What tests/plugins/slurm_cluster.py starts or calls (the same list as its ``BINARIES``)."""


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _missing_slurm_programs() -> list[str]:
    return [
        name
        for name in SLURM_PROGRAMS
        if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()
    ]


def ensure_system_packages() -> bool:
    """Debian packages some tests drive: chromium (the dashboard's browser tests) and a single-node
    Slurm (the submitit_slurm launcher's tests).  Installed with apt when running as root, in one
    apt call (apt's per-call overhead is most of the time); never a downloaded build.

    Returns whether the Slurm tests can run here (programs present and root, which they need to
    start Slurm's daemons).
    """
    wanted: list[str] = []
    if not (shutil.which("chromium") or os.environ.get("RUNLAB_CHROMIUM")):
        wanted += CHROMIUM_PACKAGES
    if _missing_slurm_programs():
        wanted += SLURM_PACKAGES
    if wanted and shutil.which("apt-get") and _is_root():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run("apt-get", "update", "-qq", env=env)
        _run("apt-get", "install", "-y", "-qq", *wanted, env=env)
    elif wanted:
        print(
            f"warning: not root or no apt-get, so not installing {' '.join(wanted)}; the tests "
            "that need them fail in CI (CI=true) and are skipped elsewhere",
            file=sys.stderr,
        )
    if not (shutil.which("chromium") or os.environ.get("RUNLAB_CHROMIUM")):
        print("warning: chromium is not installed; the dashboard's browser tests will fail "
              "(install Debian's `chromium` package or set RUNLAB_CHROMIUM)", file=sys.stderr)
    return _is_root() and not _missing_slurm_programs()


def task_test(extra: list[str]) -> int:
    python = ensure_dev_env()
    oracle = ensure_oracle_env()
    oracle_optuna = ensure_oracle_optuna_env()
    slurm_ready = ensure_system_packages()
    env = {
        **os.environ,
        "RUNLAB_ORACLE_PYTHON": str(oracle),
        "RUNLAB_ORACLE_OPTUNA_PYTHON": str(oracle_optuna),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    if slurm_ready:
        env.setdefault("RUNLAB_TEST_SLURM", "1")  # tests/plugins/test_submitit_slurm.py
    _run(python, "-m", "ruff", "check", "src", "tests", "benchmarks")
    _run(python, "-m", "mypy")  # --strict on src/runlab, configured in pyproject.toml
    status = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-n", "2", *extra], cwd=ROOT, env=env, check=False
    ).returncode
    if status != 0 or extra:
        return status
    print("+ the composition, run and recording tests again on OmegaConf 2.3", flush=True)
    return subprocess.run(
        [str(ensure_omegaconf23_env()), "-m", "pytest", "-q", "-n", "2", *OMEGACONF23_TESTS],
        cwd=ROOT, env=env, check=False,
    ).returncode


def task_demo(extra: list[str]) -> int:
    python = ensure_dev_env()
    demo = ROOT / "examples" / "demo" / "run_demo.py"
    return subprocess.run([str(python), str(demo), *extra], cwd=ROOT, check=False).returncode


TASKS = {"demo": task_demo, "test": task_test}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TASKS:
        print(f"usage: python3 tasks.py {{{','.join(TASKS)}}} [args...]", file=sys.stderr)
        return 2
    return TASKS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
