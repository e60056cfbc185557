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


# -- every sampler config, and the sweeper node, against Hydra's plugin -----------------------------

SAMPLERS = ("tpe", "random", "cmaes", "nsgaii", "motpe", "grid")
"""The sampler configs Hydra's plugin ships (runlab adds ``qmc``)."""

COMPOSE = '''
import json, sys
module = __import__(sys.argv[1])
from omegaconf import OmegaConf
nodes = {}
for name in sys.argv[2:]:
    with module.initialize(version_base=None, config_path="."):
        cfg = module.compose("config", overrides=[f"hydra/sweeper/sampler={name}"], return_hydra_config=True)
        nodes[name] = OmegaConf.to_yaml(cfg.hydra.sweeper)
print(json.dumps(nodes))
'''

NODE_CONFIG = """
defaults:
  - override hydra/sweeper: optuna
  - _self_
x: 0
"""


def _sweeper_nodes(python: str, module: str, where: Path) -> dict[str, dict[str, object]]:
    import yaml

    where.mkdir()
    (where / "config.yaml").write_text(NODE_CONFIG)
    (where / "compose.py").write_text(COMPOSE)
    proc = subprocess.run([python, "compose.py", module, *SAMPLERS], check=False, cwd=where,
                          capture_output=True, text=True, timeout=120, env=_clean_env())
    assert proc.returncode == 0, proc.stderr
    return {name: yaml.safe_load(text) for name, text in json.loads(proc.stdout).items()}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))}


def test_the_sweeper_node_has_hydras_keys_and_values_for_every_sampler(tmp_path: Path) -> None:
    hydra_nodes = _sweeper_nodes(ORACLE_OPTUNA, "hydra", tmp_path / "hydra")
    runlab_nodes = _sweeper_nodes(sys.executable, "runlab", tmp_path / "runlab")
    assert list(hydra_nodes) == list(runlab_nodes) == list(SAMPLERS)
    for name in SAMPLERS:
        ours, theirs = dict(runlab_nodes[name]), dict(hydra_nodes[name])
        assert theirs.pop("_target_") == "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper"
        assert ours.pop("_target_") == "runlab.plugins.optuna.OptunaSweeper"
        assert ours.pop("objective_key") is None  # runlab's own key
        our_sampler, their_sampler = dict(ours.pop("sampler")), dict(theirs.pop("sampler"))
        assert list(ours) == list(theirs) and ours == theirs  # same keys, order and defaults
        # same sampler options; the targets are runlab's factories of Optuna's classes
        their_class = str(their_sampler.pop("_target_")).rpartition(".")[2]
        assert our_sampler.pop("_target_") == f"runlab.plugins.optuna_samplers.{their_class}"
        assert our_sampler == their_sampler and list(our_sampler) == list(their_sampler)


SWEEP_APP = '''
import {module} as hydra
from omegaconf import ListConfig
from {module}.core.hydra_config import HydraConfig

@hydra.main(version_base=None, config_path=".", config_name="config")
def main(cfg):
    value = float(cfg.x) + float(cfg.y) + (1.0 if cfg.z == "b" else 0.0)
    directions = HydraConfig.get().sweeper.direction
    return [value, -value] if isinstance(directions, ListConfig) else value

if __name__ == "__main__":
    main()
'''

SWEEP_CONFIG = """
defaults:
  - override hydra/sweeper: optuna
  - _self_
x: 0
y: 0
z: a
hydra:
  sweeper:
    n_trials: 4
    n_jobs: 3
    study_name: diff
    custom_search_space: space_probe.record
"""

SWEEPS = {
    # sampler -> the sweep's command line
    "tpe": ["x=interval(-2,2)", "y=range(0,6,2)", "z=a,b"],
    "random": ["x=tag(log,interval(0.1,10))", "y=int(interval(0,4))", "z=choice(a,b,c)"],
    "cmaes": ["x=interval(-2,2)", "y=int(interval(0,4))", "z=a,b"],
    "nsgaii": ["x=interval(-2,2)", "y=range(0,6,2)", "z=a,b", "hydra.sweeper.direction=[minimize,maximize]"],
    "motpe": ["x=interval(-2,2)", "y=range(0,6,2)", "z=a,b", "hydra.sweeper.direction=[minimize,maximize]"],
    "grid": ["x=0", "y=range(0,2)", "z=a"],  # a range's grid leaves out its end: 2 trials, not 3
}


def _start_sweep(python: str, module: str, where: Path, sampler: str) -> subprocess.Popen[str]:
    where.mkdir(parents=True)
    (where / "config.yaml").write_text(SWEEP_CONFIG)
    (where / "space_probe.py").write_text(PROBE)
    (where / "app.py").write_text(SWEEP_APP.format(module=module))
    env = _clean_env()
    env["PROBE_FILE"] = str(where / "probe.jsonl")
    return subprocess.Popen(
        [python, "app.py", "-m", f"hydra/sweeper/sampler={sampler}", *SWEEPS[sampler], "hydra.sweep.dir=sw",
         *(["hydra.sweeper.sampler.seed=11"] if sampler != "grid" else [])],  # grid has no seed
        cwd=where, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_every_sampler_config_sweeps_like_hydras_plugin(tmp_path: Path) -> None:
    """Each sampler Hydra's plugin ships, selected by its config group, same config and seed under
    both: same search space for every trial, same batches, same trial-count notice (grid)."""
    started = {
        (sampler, side): _start_sweep(python, module, tmp_path / sampler / side, sampler)
        for sampler in SWEEPS
        for side, python, module in (("hydra", ORACLE_OPTUNA, "hydra"), ("runlab", sys.executable, "runlab"))
    }
    outputs = {}
    for key, proc in started.items():
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{key}: {out}"
        outputs[key] = out
    for sampler in SWEEPS:
        spaces = {
            side: [json.loads(line) for line in (tmp_path / sampler / side / "probe.jsonl").read_text().splitlines()]
            for side in ("hydra", "runlab")
        }
        trials = 2 if sampler == "grid" else 4
        assert len(spaces["runlab"]) == trials and spaces["runlab"] == spaces["hydra"], sampler
        hydra_out, runlab_out = outputs[(sampler, "hydra")], outputs[(sampler, "runlab")]
        batches = [re.findall(r"Launching (\d+) jobs locally", out) for out in (hydra_out, runlab_out)]
        assert batches[0] == batches[1] == (["2"] if sampler == "grid" else ["3", "1"]), sampler
        notices = [re.findall(r"Updating num of trials to \d+ due to using GridSampler\.", out)
                   for out in (hydra_out, runlab_out)]
        assert notices[0] == notices[1] == (["Updating num of trials to 2 due to using GridSampler."]
                                            if sampler == "grid" else []), sampler
        pareto = [re.findall(r"Number of Pareto solutions: \d+", out) for out in (hydra_out, runlab_out)]
        assert bool(pareto[0]) == bool(pareto[1]) == (sampler in ("nsgaii", "motpe")), sampler
        assert "Traceback" not in runlab_out and "Warning" not in runlab_out, (sampler, runlab_out)
