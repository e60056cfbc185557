"""The Ax sweeper: parameter mapping and early stopping, then real Ax experiments.

ax-platform (with torch's CPU build) is part of the ``test`` extra, so a missing Ax fails these tests
with the install hint instead of skipping them.  Importing Ax (torch, botorch) costs seconds of CPU:
the in-process studies share this process's import, and only the kill/resume test starts apps.
Experiments stay at a handful of trials on a 1-2 parameter problem; one of them goes through Ax's
model-based (BoTorch) step, which on one float parameter fits in well under a second.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf
from sweep_records import job_records
from test_optuna_sweeper import record_batches, run_sweep

from runlab.errors import HydraException
from runlab.plugins.ax import STATE_FILE, AxSweeper, EarlyStopper, _import_ax_client, ax_parameters
from runlab.tracking.store import RunIndex


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


def test_resume_follows_the_loops_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    from runlab.plugins import SweepContext

    def context(**sweeper: Any) -> SweepContext:
        config = OmegaConf.create({"hydra": {"sweeper": sweeper}})
        return SweepContext(config=config, overrides=(), list_options=lambda group: [], sweep_dir="sw")

    sweeper = AxSweeper()
    assert sweeper._resume_wanted(context()) and sweeper._resume_wanted(context(resume=True))
    assert not sweeper._resume_wanted(context(resume=False))  # the registry keeps it from the constructor
    assert not AxSweeper(resume=False)._resume_wanted(context())
    monkeypatch.setenv("RUNLAB_SWEEP_RESUME", "0")
    assert not sweeper._resume_wanted(context())


@pytest.fixture(scope="module")
def ax() -> Iterator[None]:
    """Ax must be installed here: a missing one is a failure that says how to get it.

    torch computes on one thread meanwhile: the suite runs one pytest worker per core, and torch's
    second thread spinning against the other worker made a BoTorch step cost 5x the CPU."""
    try:
        _import_ax_client()
    except ImportError as error:
        pytest.fail(
            f"ax-platform is not importable ({error}): install the test extra "
            "(`pip install -e '.[test]'`, or `python3 tasks.py test`), which pins ax-platform and torch"
        )
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _statuses(sweeper: AxSweeper) -> dict[int, str]:
    return {index: t.status.name for index, t in sweeper.ax_client.experiment.trials.items()}


def _generators(sweeper: AxSweeper) -> list[str]:
    trials = sweeper.ax_client.experiment.trials
    return [str(trials[i].generator_runs[0]._generator_key) for i in sorted(trials)]


def quadratic(cfg: DictConfig) -> float:
    return float((cfg.x - 1.0) ** 2)


@pytest.mark.usefixtures("ax")
def test_an_ax_study_with_mean_sem_returns_and_a_failed_trial(tmp_path: Path) -> None:
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
    assert set(_statuses(sweeper).values()) <= {"COMPLETED", "FAILED"}
    assert set(_generators(sweeper)) == {"Sobol"}
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.optimizer == "ax" and set(results.ax) == {"x", "+opt"}


@pytest.mark.usefixtures("ax")
def test_after_its_sobol_trials_ax_fits_a_model_and_proposes_from_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    sweeper = AxSweeper(
        ax_config={
            "max_trials": 4,
            "is_noisy": False,
            "client": {"random_seed": 0},
            # runlab passes other experiment keys to create_experiment, as Hydra's plugin does
            "experiment": {"choose_generation_strategy_kwargs": {"num_initialization_trials": 2}},
        },
    )
    started = time.perf_counter()
    outcome, ran = run_sweep(tmp_path, sweeper, quadratic, ["+x=interval(-2,2)"])  # type: ignore[arg-type]
    assert time.perf_counter() - started < 60
    assert ran == [0, 1, 2, 3] and all(r.ok for r in outcome.results)
    assert _generators(sweeper) == ["Sobol", "Sobol", "BoTorch", "BoTorch"]
    values = {r.num: r.return_value for r in outcome.results}
    assert min(values.values()) <= min(values[0], values[1])
    best = min(values, key=values.__getitem__)
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.ax == {"+x": pytest.approx(float(outcome.results[best].overrides[0].split("=")[1]))}
    assert f"Best parameters: {{'+x': {results.ax['+x']}}}" in caplog.text
    assert "AxSweeper is launching 2 jobs" in caplog.text  # the Sobol batch, then the model's


def failing_second_call(calls: list[float]) -> Any:
    """The quadratic task, except that its second call raises; ``calls`` records each ``x``."""

    def flaky(cfg: DictConfig) -> float:
        calls.append(cfg.x)
        if len(calls) == 2:
            raise RuntimeError("flaky")
        return quadratic(cfg)

    return flaky


@pytest.mark.usefixtures("ax")
def test_a_resumed_sweep_replays_its_jobs_and_continues_the_trial_count(tmp_path: Path) -> None:
    calls: list[float] = []
    flaky = failing_second_call(calls)

    def new_sweeper(max_trials: int) -> AxSweeper:
        return AxSweeper(ax_config={
            "max_trials": max_trials,
            "client": {"random_seed": 0},
            "params": {"x": {"type": "range", "bounds": [-2.0, 2.0]}},
            "experiment": {"choose_generation_strategy_kwargs": {"force_random_search": True}},  # Sobol only
        })

    first = new_sweeper(3)
    _, ran = run_sweep(tmp_path, first, flaky)  # type: ignore[arg-type]
    assert ran == [0, 1, 2] and _statuses(first) == {0: "COMPLETED", 1: "FAILED", 2: "COMPLETED"}
    # What a kill right after asking for job 3 leaves: its trial running, its job never run.
    first._trials_left = 1  # one more batch through the real ask path
    assert first.ask() == [list(first.jobs[3].overrides)]
    state = json.loads((tmp_path / "sweep" / STATE_FILE).read_text())
    assert [j["job"] for j in state["jobs"]] == [0, 1, 2, 3]
    old_params = {i: t.arm.parameters["x"] for i, t in first.ax_client.experiment.trials.items()}

    second = new_sweeper(6)
    outcome, ran = run_sweep(tmp_path, second, flaky)  # type: ignore[arg-type]
    assert ran == [1, 3, 4, 5]  # 0 and 2 completed before; 1 had failed, 3 was interrupted
    assert len(outcome.results) == 6 and all(r.ok for r in outcome.results)
    statuses = _statuses(second)
    assert statuses[1] == "FAILED" and statuses[3] == "COMPLETED"
    assert sorted(statuses) == list(range(7)) and list(statuses.values()).count("COMPLETED") == 6
    retry = second.jobs[1].trial  # job 1's success is a new trial with job 1's parameters
    assert retry > 3 and second.ax_client.experiment.trials[retry].arm.parameters["x"] == old_params[1]
    new = [second.ax_client.experiment.trials[second.jobs[n].trial].arm.parameters["x"] for n in (4, 5)]
    assert not set(new) & set(old_params.values())  # Sobol went on where it was, not from its start

    third = new_sweeper(6)  # everything done: nothing runs, no trial is added
    outcome, ran = run_sweep(tmp_path, third, flaky)  # type: ignore[arg-type]
    assert ran == [] and len(outcome.results) == 6 and len(third.ax_client.experiment.trials) == 7

    other_space = AxSweeper(ax_config={"max_trials": 6, "params": {"y": {"type": "range", "bounds": [0.0, 1.0]}}})
    with pytest.raises(HydraException, match="holds an Ax experiment over other parameters .x: range"):
        run_sweep(tmp_path, other_space, flaky)  # type: ignore[arg-type]


@pytest.mark.usefixtures("ax")
def test_an_early_stopped_sweep_stays_stopped_when_run_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    def new_sweeper() -> AxSweeper:
        return AxSweeper(
            ax_config={
                "max_trials": 6,
                "client": {"random_seed": 0},
                "early_stop": {"max_epochs_without_improvement": 1, "epsilon": 1e9},  # nothing improves enough
                "params": {"x": {"type": "range", "bounds": [-2.0, 2.0]}},
            },
            max_batch_size=1,
        )

    _, ran = run_sweep(tmp_path, new_sweeper(), quadratic)  # type: ignore[arg-type]
    assert ran == [0, 1] and "Early stopping, best known value" in caplog.text
    state = json.loads((tmp_path / "sweep" / STATE_FILE).read_text())
    assert state["stopper"]["epochs_without_improvement"] == 1
    again = new_sweeper()
    outcome, ran = run_sweep(tmp_path, again, quadratic)  # type: ignore[arg-type]
    assert ran == [] and len(outcome.results) == 2 and len(again.ax_client.experiment.trials) == 2


APP = """
import time
import runlab as hydra

@hydra.main(version_base=None, config_path=None, config_name=None)
def main(cfg) -> float:
    time.sleep(cfg.sleep)
    return (cfg.x - 1) ** 2 + cfg.y

if __name__ == "__main__":
    main()
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}


def _run_records(sweep: Path) -> dict[int, dict[str, Any]]:
    return {
        int(p.name): json.loads((p / ".runlab" / "run.json").read_text())
        for p in sweep.iterdir()
        if p.name.isdigit() and (p / ".runlab" / "run.json").exists()
    }


@pytest.mark.usefixtures("ax")
def test_an_ax_app_killed_mid_sweep_resumes_and_records_every_trial(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    args = [
        sys.executable, str(tmp_path / "app.py"), "-m", "hydra/sweeper=ax", "+x=interval(-2,2)",
        "+y=int(interval(0,3))", "+sleep=0.6", "hydra.sweeper.max_batch_size=1",
        "hydra.sweeper.ax_config.max_trials=4", "hydra.sweeper.ax_config.client.random_seed=0",
        "hydra.sweeper.ax_config.is_noisy=false", "hydra.sweep.dir=sw",
    ]
    sweep = tmp_path / "sw"
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 180
        while not job_records(sweep) and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)  # killed once job 0 is recorded: 3 jobs of 0.6 s each still to go
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = _run_records(sweep)
    done_before = {n for n, r in before.items() if r["status"] == "completed"}
    assert done_before and not (sweep / "optimization_results.yaml").exists()

    resumed = subprocess.run(args, check=False, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    out = resumed.stdout
    assert "AxSweeper is optimizing the following parameters: +x: range=[-2.0, 2.0], +y: range=[0, 3]" in out
    assert "Resuming the Ax experiment of" in out
    after = _run_records(sweep)
    assert sorted(after) == [0, 1, 2, 3] and {r["status"] for r in after.values()} == {"completed"}
    for num in done_before:  # finished trials were not run again
        assert after[num]["run_id"] == before[num]["run_id"] and after[num]["end"] == before[num]["end"]
    state = json.loads((sweep / STATE_FILE).read_text())
    assert [(j["job"], j["trial"]) for j in state["jobs"]] == [(0, 0), (1, 1), (2, 2), (3, 3)]
    with RunIndex(tmp_path / ".runlab" / "index.db") as index:
        indexed = index.query(sweep_ids=[after[0]["sweep_id"]])
    assert sorted(r.job_num for r in indexed) == [0, 1, 2, 3]
    assert {r.run_id for r in indexed} == {r["run_id"] for r in after.values()}
    best = min(after.values(), key=lambda r: r["return_value"])
    results = OmegaConf.load(sweep / "optimization_results.yaml")
    assert results.optimizer == "ax"
    expected = {"+x": float(best["params"]["x"]), "+y": int(best["params"]["y"]), "+sleep": 0.6}
    assert dict(results.ax) == expected
    assert f"Best parameters: {dict(results.ax)}" in out


@pytest.mark.usefixtures("ax")
def test_a_resumed_replay_launches_at_most_max_batch_size_jobs_per_batch(tmp_path: Path) -> None:
    calls: list[float] = []
    flaky = failing_second_call(calls)

    def new_sweeper(max_trials: int, max_batch_size: int | None) -> AxSweeper:
        return AxSweeper(max_batch_size=max_batch_size, ax_config={
            "max_trials": max_trials,
            "client": {"random_seed": 0},
            "params": {"x": {"type": "range", "bounds": [-2.0, 2.0]}},
            "experiment": {"choose_generation_strategy_kwargs": {"force_random_search": True}},
        })

    first = new_sweeper(3, None)
    run_sweep(tmp_path, first, flaky)  # type: ignore[arg-type]
    first._trials_left = 1  # job 3 asked, then a kill: its trial running, its job never run
    assert first.ask() is not None

    second = new_sweeper(5, 1)
    batches = record_batches(second)
    outcome, ran = run_sweep(tmp_path, second, flaky)  # type: ignore[arg-type]
    assert ran == [1, 3, 4] and all(r.ok for r in outcome.results)
    # one job to run a batch (the failed 1, the interrupted 3): the completed 0 and 2 ride along, the
    # loop skips them; then one new trial
    assert batches == [[0, 1, 2], [3], [4]]
    launched = [[num for num in batch if num in ran] for batch in batches]
    assert launched == [[1], [3], [4]]
