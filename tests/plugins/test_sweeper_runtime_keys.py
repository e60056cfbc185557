"""runlab's own ``hydra.sweeper`` keys (fail_fast, resume, summary) reach a sweeper only when its
constructor names them: the Optuna sweeper gets ``resume``; a sweeper written for Hydra, which knows
nothing of them, is built as before."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from runlab.plugins.registry import create_sweeper

THIRD_PARTY = '''
class StrictSweeper:
    """A third-party sweeper whose constructor takes only its own options."""

    def __init__(self, max_batch_size=None, params=None):
        self.max_batch_size = max_batch_size
        self.params = params


class KwargsSweeper:
    """A sweeper that swallows any option: it is not sent runlab's keys either."""

    def __init__(self, **options):
        self.options = options


class ResumeAwareSweeper:
    def __init__(self, resume=True, *, summary=True):
        self.resume = resume
        self.summary = summary
'''

RUNTIME = {"fail_fast": True, "resume": False, "summary": False}


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "third_party_sweepers.py").write_text(THIRD_PARTY)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "third_party_sweepers", raising=False)
    return "third_party_sweepers"


def _node(target: str, **options: Any) -> Any:
    return OmegaConf.create({"_target_": target, **options})


def test_a_sweeper_that_does_not_know_the_runtime_keys_is_built_without_them(plugins: str) -> None:
    sweeper = create_sweeper(_node(f"{plugins}.StrictSweeper", max_batch_size=3, **RUNTIME))
    assert type(sweeper).__name__ == "StrictSweeper" and sweeper.max_batch_size == 3
    swallowing = create_sweeper(_node(f"{plugins}.KwargsSweeper", max_batch_size=3, **RUNTIME))
    assert swallowing.options == {"max_batch_size": 3}


def test_a_sweeper_gets_the_runtime_keys_its_constructor_names(plugins: str) -> None:
    sweeper = create_sweeper(_node(f"{plugins}.ResumeAwareSweeper", **RUNTIME))
    assert sweeper.resume is False and sweeper.summary is False


def test_the_optuna_sweeper_gets_hydra_sweeper_resume() -> None:
    pytest.importorskip("optuna")
    node = _node(
        "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
        sampler={"_target_": "runlab.plugins.optuna_samplers.RandomSampler", "seed": 0},
        n_trials=1,
        **RUNTIME,
    )
    sweeper = create_sweeper(node)
    assert sweeper.resume is False and sweeper.fail_fast is True and sweeper.summary is False
    assert create_sweeper(_node("runlab.plugins.optuna.OptunaSweeper")).resume is True


HYDRA_STYLE = '''
from runlab.plugins.sweeper import Sweeper


class OneBatchSweeper(Sweeper):
    """Written for Hydra: takes only its own options, knows nothing of runlab's keys."""

    def __init__(self, max_batch_size=None, params=None):
        self.params = params

    def setup(self, *, hydra_context, task_function, config):
        self.hydra_context = hydra_context
        self.config = config

    def sweep(self, arguments):
        batch = [["+x=1", *arguments], ["+x=2", *arguments]]
        self.validate_batch_is_legal(batch)
        return self.launcher.launch(batch, initial_job_idx=0)
'''

APP = '''
import runlab

@runlab.main(version_base=None, config_path=None, config_name=None)
def main(cfg):
    print(f"ran x={cfg.x}")

if __name__ == "__main__":
    main()
'''


def test_a_hydra_style_sweeper_runs_with_the_runtime_keys_set(tmp_path: Path) -> None:
    import os
    import subprocess

    (tmp_path / "third_party_sweeper.py").write_text(HYDRA_STYLE)
    (tmp_path / "app.py").write_text(APP)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    proc = subprocess.run(
        [sys.executable, "app.py", "-m", "hydra.sweeper._target_=third_party_sweeper.OneBatchSweeper",
         "+hydra.sweeper.resume=false", "+hydra.sweeper.fail_fast=true", "+hydra.sweeper.summary=false",
         "hydra.sweep.dir=sw"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ran x=1" in proc.stdout and "ran x=2" in proc.stdout
