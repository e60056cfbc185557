"""Differential check against Hydra's Optuna sweeper plugin (hydra-optuna-sweeper, in its own venv).

The same app, config and seed run under hydra-core + hydra-optuna-sweeper and under runlab.  A
``custom_search_space`` probe (called by both sweepers with every trial after its parameters are
suggested) writes each trial's distributions, described without library classes (the plugin runs on an
older Optuna, whose distribution classes differ); the console gives the batch sizes.  The environment
is ``.venv-oracle-optuna`` (``RUNLAB_ORACLE_OPTUNA_PYTHON`` to use another), made from the oracle's
requirements plus ``hydra-optuna-sweeper`` -- see docs/sweepers.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ORACLE_OPTUNA = os.environ.get("RUNLAB_ORACLE_OPTUNA_PYTHON") or str(
    REPO_ROOT / ".venv-oracle-optuna" / "bin" / "python"
)

pytestmark = pytest.mark.skipif(
    not Path(ORACLE_OPTUNA).exists(),
    reason=f"the hydra-optuna-sweeper oracle env is missing ({ORACLE_OPTUNA}); see docs/sweepers.md",
)

PROBE = '''
import json, os

def _describe(d):
    name = type(d).__name__
    if name == "CategoricalDistribution":
        return {"kind": "categorical", "choices": list(d.choices)}
    log = bool(getattr(d, "log", False)) or "Log" in name
    step = d.q if name == "DiscreteUniformDistribution" else getattr(d, "step", None)
    return {"kind": "int" if name.startswith("Int") else "float", "low": d.low, "high": d.high,
            "step": None if log else step, "log": log}

def record(cfg, trial):
    with open(os.environ["PROBE_FILE"], "a") as f:
        f.write(json.dumps({k: _describe(v) for k, v in sorted(trial.distributions.items())}) + "\\n")
'''

CONFIG = """
defaults:
  - override hydra/sweeper: optuna
  - override hydra/sweeper/sampler: random
  - _self_
x: 0.0
y: 1
z: a
w: 0.1
k: 1
fixed: 0
hydra:
  sweeper:
    n_trials: 5
    n_jobs: 2
    direction: maximize
    study_name: diff
    custom_search_space: space_probe.record
    sampler:
      seed: 7
    params:
      x: interval(-5, 5)
      y: range(1, 10, 2)
      z: choice(a, b, c)
      fixed: 3
"""


def _app(module: str) -> str:
    return (
        f"import {module} as hydra\n"
        "@hydra.main(version_base=None, config_path='.', config_name='config')\n"
        "def main(cfg):\n"
        "    return float(cfg.x) + float(cfg.y) + float(cfg.w) + float(cfg.k) + float(cfg.fixed)\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )


def _run(python: str, module: str, where: Path) -> tuple[str, list[dict[str, object]]]:
    where.mkdir()
    (where / "config.yaml").write_text(CONFIG)
    (where / "space_probe.py").write_text(PROBE)
    (where / "app.py").write_text(_app(module))
    probe = where / "probe.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))}
    env["PROBE_FILE"] = str(probe)
    proc = subprocess.run(
        [python, "app.py", "-m", "w=tag(log,interval(0.01,1))", "k=int(interval(1,4))", "hydra.sweep.dir=sw"],
        check=False, cwd=where, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout, [json.loads(line) for line in probe.read_text().splitlines()]


def test_search_space_and_batches_match_hydras_optuna_sweeper(tmp_path: Path) -> None:
    hydra_out, hydra_spaces = _run(ORACLE_OPTUNA, "hydra", tmp_path / "hydra")
    runlab_out, runlab_spaces = _run(sys.executable, "runlab", tmp_path / "runlab")
    assert len(hydra_spaces) == len(runlab_spaces) == 5
    assert runlab_spaces == hydra_spaces
    assert runlab_spaces[0] == {
        "k": {"kind": "int", "low": 1, "high": 4, "step": 1, "log": False},
        "w": {"kind": "float", "low": 0.01, "high": 1.0, "step": None, "log": True},
        "x": {"kind": "float", "low": -5.0, "high": 5.0, "step": None, "log": False},
        "y": {"kind": "int", "low": 1, "high": 9, "step": 2, "log": False},  # Optuna trims the high end
        "z": {"kind": "categorical", "choices": ["a", "b", "c"]},
    }

    def batches(out: str) -> list[int]:
        return [int(n) for n in re.findall(r"Launching (\d+) jobs locally", out)]

    assert batches(runlab_out) == batches(hydra_out) == [2, 2, 1]

    def header(out: str) -> list[str]:
        wanted = ("Study name:", "Sampler:", "Directions:")
        return [line.split("] ", 1)[1] for line in out.splitlines() if any(w in line for w in wanted)]

    assert header(runlab_out) == header(hydra_out) == [
        "Study name: diff", "Sampler: RandomSampler", "Directions: ['maximize']"
    ]
    for out in (hydra_out, runlab_out):  # fixed params reach every trial's overrides
        assert len(re.findall(r"#\d+ : .*fixed=3", out)) == 5
