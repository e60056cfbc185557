"""The Ax sweeper: parameter mapping and early stopping (no Ax needed), and real Ax studies."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf

from runlab.plugins.ax import AxSweeper, EarlyStopper, _import_ax_client, ax_parameters


def test_cli_overrides_map_to_ax_parameters_and_win_over_config_params() -> None:
    params = ax_parameters(
        {"lr": {"type": "range", "bounds": [0.1, 1.0]}, "n": {"type": "range", "bounds": [1, 8]}},
        [
            "lr=tag(log,interval(0.001,0.1))",
            "k=int(interval(1,5))",
            "opt=choice(sgd,adam)",
            "depth=range(1,4)",
            "seed=3",
            "hydra.job.chdir=true",
        ],
    )
    assert params == [
        {"name": "lr", "type": "range", "bounds": [0.001, 0.1], "log_scale": True},
        {"name": "n", "type": "range", "bounds": [1, 8], "value_type": "int"},
        {"name": "k", "type": "range", "bounds": [1, 5], "value_type": "int"},
        {"name": "opt", "type": "choice", "values": ["sgd", "adam"], "is_ordered": False, "sort_values": False},
        {"name": "depth", "type": "choice", "values": [1, 2, 3], "is_ordered": False, "sort_values": False},
        {"name": "seed", "type": "fixed", "value": 3},
    ]


def test_early_stopper_counts_epochs_without_improvement(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    stopper = EarlyStopper(max_epochs_without_improvement=2, epsilon=0.1, minimize=True)
    assert not stopper.should_stop(5.0, {"x": 1})
    assert not stopper.should_stop(4.95, {"x": 2})  # not better by more than epsilon
    assert not stopper.should_stop(4.0, {"x": 3})
    assert not stopper.should_stop(4.0, {"x": 3})
    assert stopper.should_stop(4.0, {"x": 3})
    assert "New best value: 4.0, best parameters: {'x': 3}" in caplog.text


def _ax_available() -> bool:
    try:
        _import_ax_client()
    except ImportError:
        return False
    return True


needs_ax = pytest.mark.skipif(not _ax_available(), reason="ax-platform is an optional extra")


@needs_ax
def test_an_ax_study_with_mean_sem_returns_and_a_failed_trial(tmp_path: Path) -> None:
    # Reuses the Optuna tests' in-process driver: the real sweep loop, fake tasks.
    sys.path.insert(0, str(Path(__file__).parent))
    from test_optuna_sweeper import run_sweep

    def task(cfg: DictConfig) -> Any:
        if cfg.opt == "bad":
            raise RuntimeError("bad choice")
        return ((cfg.x - 1.0) ** 2, 0.01)

    sweeper = AxSweeper(
        ax_config={"max_trials": 4, "client": {"random_seed": 0}, "params": {"x": {"type": "range", "bounds": [-2.0, 2.0]}}},
        max_batch_size=2,
    )
    outcome, ran = run_sweep(tmp_path, sweeper, task, ["+opt=good,bad"])  # type: ignore[arg-type]
    assert ran == [0, 1, 2, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' notices from inside Ax
        data = sweeper.ax_client.experiment.fetch_data().df
    assert len(data) == sum(r.ok for r in outcome.results) >= 1
    assert set(data["sem"]) == {0.01}
    statuses = {t.status.name for t in sweeper.ax_client.experiment.trials.values()}
    assert statuses <= {"COMPLETED", "FAILED"}
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.optimizer == "ax" and set(results.ax) == {"x", "+opt"}


@needs_ax
def test_an_ax_app_runs_a_few_trials(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "import runlab as hydra\n"
        "@hydra.main(version_base=None, config_path=None, config_name=None)\n"
        "def main(cfg):\n"
        "    return (cfg.x - 1) ** 2 + cfg.y\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )
    proc = subprocess.run(
        [sys.executable, str(app), "-m", "hydra/sweeper=ax", "+x=interval(-2,2)", "+y=int(interval(0,3))",
         "hydra.sweeper.ax_config.max_trials=3", "hydra.sweeper.ax_config.client.random_seed=0",
         "hydra.sweeper.ax_config.is_noisy=false", "hydra.sweep.dir=sw"],
        check=False, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "AxSweeper is optimizing the following parameters: +x: range=[-2.0, 2.0], +y: range=[0, 3]" in proc.stdout
    assert "AxSweeper is launching 3 jobs" in proc.stdout
    results = OmegaConf.load(tmp_path / "sw" / "optimization_results.yaml")
    assert results.optimizer == "ax" and set(results.ax) == {"+x", "+y"}
    assert sorted(p.name for p in (tmp_path / "sw").iterdir() if p.name.isdigit()) == ["0", "1", "2"]
