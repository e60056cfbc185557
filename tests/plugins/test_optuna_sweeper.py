"""The Optuna sweeper driven by the real sweep loop (in process, basic launcher, fake tasks).

Studies here are real Optuna studies in SQLite files under tmp_path; only the task is a plain
function instead of an app, so each test runs in a second or two.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

optuna = pytest.importorskip("optuna")

from omegaconf import DictConfig, OmegaConf

from runlab.errors import HydraException
from runlab.plugins import COMPLETED, FAILED, JobResult, JobSpec
from runlab.plugins.optuna import (
    OptunaSweeper,
    TooManyFailedTrialsError,
    objective_values,
    read_trial_records,
)
from runlab.plugins.serial import BasicLauncher
from runlab.runtime.multirun import MultirunSetup, SweepOutcome, drive_sweep

Task = Callable[[DictConfig], Any]


def _compose(master: DictConfig, overrides: Sequence[str]) -> DictConfig:
    config = OmegaConf.create(OmegaConf.to_container(master))
    for override in overrides:
        key, _, value = override.lstrip("+").partition("=")
        OmegaConf.update(config, key, _value(value), force_add=True)
    return config


def _value(text: str) -> Any:
    return OmegaConf.create(f"v: {text}").v


def record_batches(sweeper: Any) -> list[list[int]]:
    """Wrap ``sweeper.ask``: the returned list fills with the job numbers of each batch asked."""
    batches: list[list[int]] = []
    ask = sweeper.ask

    def recording_ask() -> list[list[str]] | None:
        batch = ask()
        if batch is not None:
            start = sum(len(b) for b in batches)
            batches.append(list(range(start, start + len(batch))))
        return batch

    sweeper.ask = recording_ask
    return batches


def run_sweep(
    tmp_path: Path, sweeper: OptunaSweeper, task: Task, overrides: Sequence[str] = (), *, fail_fast: bool = False
) -> tuple[SweepOutcome, list[int]]:
    """Run ``sweeper`` over ``task`` in ``tmp_path/sweep``; returns the outcome and the jobs that ran."""
    sweep_dir = tmp_path / "sweep"
    master = OmegaConf.create(
        {"hydra": {"sweep": {"dir": str(sweep_dir), "subdir": "${hydra.job.num}"}, "job": {"num": 0, "id": ""}}}
    )
    setup = MultirunSetup(
        master=master,
        sweep_dir=str(sweep_dir),
        task_overrides=tuple(overrides),
        compose_job=functools.partial(_compose, master),
        list_options=lambda group: [],
        job_name="app",
    )
    ran: list[int] = []

    def run(spec: JobSpec) -> JobResult:
        ran.append(spec.num)
        Path(spec.output_dir).mkdir(parents=True, exist_ok=True)
        started = time.time()
        try:
            value, status, error, trace = task(spec.config), COMPLETED, None, None
        except Exception as exc:  # noqa: BLE001 - the failure is the result
            value, status, error, trace = None, FAILED, repr(exc), traceback.format_exc()
        return JobResult(spec.num, status, value, error, trace, spec.output_dir, started, time.time(), spec.overrides)

    outcome = drive_sweep(setup, sweeper, BasicLauncher(), run, fail_fast=fail_fast)
    return outcome, ran


def quadratic(cfg: DictConfig) -> float:
    return (cfg.x - 2.0) ** 2 + (cfg.y + 1.0) ** 2 + 1.0


def test_tpe_minimizes_a_2d_quadratic_within_5_percent_in_50_trials(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.TPESampler(seed=0, multivariate=True), n_trials=50, n_jobs=1, study_name="quad"
    )
    outcome, ran = run_sweep(tmp_path, sweeper, quadratic, ["+x=interval(-5,5)", "+y=interval(-5,5)"])
    assert len(outcome.results) == 50 and ran == list(range(50))
    best = sweeper.study.best_value
    assert best <= 1.0 * 1.05  # the minimum is 1.0 at (2, -1)
    # ... and the point found is within 5% of the search range of the optimum on each axis
    assert abs(sweeper.study.best_params["+x"] - 2) <= 0.5
    assert abs(sweeper.study.best_params["+y"] + 1) <= 0.5
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert results.name == "optuna" and results.best_value == best
    assert set(results.best_params) == {"+x", "+y"}


def test_console_lines_and_batches_follow_n_jobs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0), n_trials=5, n_jobs=2, study_name="s", direction="maximize"
    )
    outcome, _ = run_sweep(tmp_path, sweeper, lambda cfg: cfg.x, ["+x=range(1,5)"])
    messages = [r.getMessage() for r in caplog.records]
    storage = f"journal:///{tmp_path / 'sweep' / 'optuna.journal'}"
    assert messages[:4] == ["Study name: s", f"Storage: {storage}", "Sampler: RandomSampler", "Directions: ['maximize']"]
    assert [m for m in messages if m.startswith("Launching")] == [
        "Launching 2 jobs locally", "Launching 2 jobs locally", "Launching 1 jobs locally"
    ]
    best = max(r.return_value for r in outcome.results)
    assert messages[-2:] == [f"Best parameters: {{'+x': {best}}}", f"Best value: {float(best)}"]


def test_each_trial_records_its_number_params_value_and_state(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=1), n_trials=3, n_jobs=3)
    run_sweep(tmp_path, sweeper, lambda cfg: cfg.x * 2, ["+x=choice(1,2,3)", "+fixed=7"])
    records = read_trial_records(str(tmp_path / "sweep"))
    assert sorted(records) == [0, 1, 2]
    for num, record in records.items():
        assert record["run_dir"] == str(tmp_path / "sweep" / str(num))
        assert record["number"] == num and record["state"] == "COMPLETE"
        assert record["value"] == record["params"]["+x"] * 2
        assert record["fixed_params"] == {"+fixed": "7"}
        assert record["study_name"] == sweeper.study.study_name


def test_nsga2_returns_a_pareto_front(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.NSGAIISampler(seed=0, population_size=8),
        direction=["minimize", "minimize"],
        n_trials=32,
        n_jobs=8,
    )
    run_sweep(tmp_path, sweeper, lambda cfg: [cfg.x**2, (cfg.x - 2) ** 2], ["+x=interval(-4,4)"])
    front = sweeper.study.best_trials
    assert len(front) >= 3
    for a in front:  # nobody on the front is dominated by another trial
        for b in sweeper.study.trials:
            assert not (b.values[0] < a.values[0] and b.values[1] < a.values[1])
    # the true Pareto set is 0 <= x <= 2; sampled points just outside it can be undominated too
    inside = [t for t in front if 0 <= t.params["+x"] <= 2]
    assert len(inside) >= 0.8 * len(front)
    results = OmegaConf.load(tmp_path / "sweep" / "optimization_results.yaml")
    assert len(results.solutions) == len(front)


def test_failures_within_max_failure_rate_are_fail_trials(tmp_path: Path) -> None:
    def task(cfg: DictConfig) -> float:
        if cfg.x == 2:
            raise RuntimeError("boom")
        return float(cfg.x)

    sweeper = OptunaSweeper(
        sampler=optuna.samplers.GridSampler({"+x": [1, 2]}, seed=0), n_trials=2, n_jobs=2, max_failure_rate=0.5
    )
    outcome, _ = run_sweep(tmp_path, sweeper, task, ["+x=1,2"])
    states = sorted(t.state.name for t in sweeper.study.trials)
    assert states == ["COMPLETE", "FAIL"]
    assert len(outcome.failed) == 1 and sweeper.study.best_value == 1.0


def test_too_many_failures_stop_the_sweep_with_hydras_message(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sweeper = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=6, n_jobs=2)
    with pytest.raises(TooManyFailedTrialsError, match=r"Failed 2 times out of 2 with max_failure_rate=0\.0\."):
        run_sweep(tmp_path, sweeper, lambda cfg: "not a number", ["+x=interval(0,1)"])
    assert "Failed experiment: Return value must be float-castable. Got 'not a number'." in caplog.text
    assert [t.state.name for t in sweeper.study.trials] == ["FAIL", "FAIL"]


def test_objective_key_reads_a_returned_mapping(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2, objective_key="loss"
    )
    run_sweep(tmp_path, sweeper, lambda cfg: {"loss": cfg.x + 1, "acc": 0.5}, ["+x=interval(0,1)"])
    assert all(t.value == t.params["+x"] + 1 for t in sweeper.study.trials)


def test_objective_values_messages() -> None:
    assert objective_values(3, 1, None) == [3.0]
    assert objective_values({"a": 1, "b": 2}, 2, ["b", "a"]) == [2.0, 1.0]
    with pytest.raises(ValueError, match="Expect 2, but actually 3"):
        objective_values([1, 2, 3], 2, None)
    with pytest.raises(ValueError, match="list or tuple of float-castable values"):
        objective_values(5, 2, None)
    with pytest.raises(ValueError, match="no key 'loss'"):
        objective_values({"acc": 1}, 1, "loss")


def test_a_resumed_sweep_replays_completed_trials_and_continues_the_count(tmp_path: Path) -> None:
    def new_sweeper(n_trials: int) -> OptunaSweeper:
        return OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=2), n_trials=n_trials, n_jobs=2)

    first = new_sweeper(4)
    run_sweep(tmp_path, first, quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    best_before = first.study.best_value
    # A trial that a kill interrupted: asked, attributes set, never told.
    space = {"+x": optuna.distributions.FloatDistribution(0, 4), "+y": optuna.distributions.FloatDistribution(-2, 0)}
    stale = first.study.ask(fixed_distributions=space)
    overrides = [f"{k}={v}" for k, v in stale.params.items()]
    entry = {"job": 4, "study": first.study.study_name, "trial": stale.number, "overrides": overrides}
    with open(tmp_path / "sweep" / ".runlab" / "optuna_trials.jsonl", "a") as file:
        file.write(json.dumps(entry) + "\n" + '{"job": 5, "stu')  # + a line cut short by the kill

    second = new_sweeper(7)
    outcome, ran = run_sweep(tmp_path, second, quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    assert second.study.study_name == first.study.study_name  # the unnamed study was found again
    assert ran == [4, 5, 6]  # 0-3 completed before: replayed, not run again; 4 is retried
    assert len(outcome.results) == 7
    states = {t.number: t.state.name for t in second.study.trials}
    assert states[4] == "FAIL"  # the interrupted trial
    assert sum(state == "COMPLETE" for state in states.values()) == 7  # 4 + retry of #4 + 2 new
    retry = next(t for t in second.study.trials if t.user_attrs.get("runlab_retry_of") == 4)
    assert retry.params == stale.params
    assert retry.value == (stale.params["+x"] - 2) ** 2 + (stale.params["+y"] + 1) ** 2 + 1
    assert second.study.best_value <= best_before

    third = new_sweeper(7)  # everything done: nothing runs, the retry is not added twice
    outcome, ran = run_sweep(tmp_path, third, quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    assert ran == [] and len(outcome.results) == 7
    assert len(third.study.trials) == 8


def test_grid_sampler_partial_caps_n_trials(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    sweeper = OptunaSweeper(
        sampler=functools.partial(optuna.samplers.GridSampler), n_trials=20, n_jobs=4
    )
    outcome, _ = run_sweep(tmp_path, sweeper, lambda cfg: cfg.a * cfg.b, ["+a=1,2", "+b=range(1,4)"])
    assert len(outcome.results) == 6
    assert "Updating num of trials to 6 due to using GridSampler." in caplog.text
    assert sorted((t.params["+a"], t.params["+b"]) for t in sweeper.study.trials) == [
        (a, b) for a in (1, 2) for b in (1, 2, 3)
    ]


def extend_space(cfg: DictConfig, trial: Any) -> None:
    x = trial.params["+x"]
    trial.suggest_float("+w", x, x + 1)


def test_custom_search_space_adds_params_after_the_sampled_ones(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0),
        n_trials=3,
        custom_search_space=f"{__name__}.extend_space",
    )
    run_sweep(tmp_path, sweeper, lambda cfg: cfg.w - cfg.x, ["+x=interval(0,1)"])
    assert all(0 <= t.value <= 1 for t in sweeper.study.trials)


def test_custom_search_space_may_not_suggest_a_fixed_param(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0),
        n_trials=1,
        custom_search_space=lambda cfg, trial: trial.suggest_int("+x", 0, 1),
    )
    with pytest.raises(HydraException, match="Overlapping fixed parameters and search space parameters found!"):
        run_sweep(tmp_path, sweeper, lambda cfg: 0.0, ["+x=5"])


def test_legacy_search_space_warns_and_is_used(tmp_path: Path) -> None:
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0),
        n_trials=2,
        search_space={"+x": {"type": "int", "low": 3, "high": 4}},
    )
    with pytest.warns(DeprecationWarning, match="search_space is the deprecated"):
        run_sweep(tmp_path, sweeper, lambda cfg: cfg.x, [])
    assert {t.params["+x"] for t in sweeper.study.trials} <= {3, 4}


def test_explicit_storage_and_params_from_config(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    sweeper = OptunaSweeper(
        sampler=optuna.samplers.RandomSampler(seed=0),
        n_trials=2,
        storage=storage,
        study_name="mine",
        params={"+x": "interval(0,1)", "+y": "choice(3)"},
    )
    run_sweep(tmp_path, sweeper, lambda cfg: cfg.x + cfg.y, ["+y=5"])  # the command line wins
    loaded = optuna.load_study(study_name="mine", storage=storage)
    assert len(loaded.trials) == 2
    assert all(math.isclose(t.value, t.params["+x"] + 5) for t in loaded.trials)
    assert not (tmp_path / "sweep" / "optuna.journal").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_jobs": 0}, "n_jobs must be a positive integer"),
        ({"n_trials": -1}, "n_trials must be a non-negative integer"),
        ({"direction": "up"}, "direction must be minimize or maximize"),
        ({"max_failure_rate": 2}, "max_failure_rate must be between 0 and 1"),
    ],
)
def test_bad_options_name_the_key(options: dict[str, Any], message: str) -> None:
    with pytest.raises(HydraException, match=message):
        OptunaSweeper(**options)


def test_trials_a_fail_fast_stop_never_ran_are_failed_not_left_running(tmp_path: Path) -> None:
    def task(cfg: DictConfig) -> float:
        raise RuntimeError("first job fails")

    sweeper = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=6, n_jobs=3, max_failure_rate=1.0)
    outcome, ran = run_sweep(tmp_path, sweeper, task, ["+x=interval(0,1)"], fail_fast=True)
    assert ran == [0] and outcome.stopped_early
    assert [t.state.name for t in sweeper.study.trials] == ["FAIL", "FAIL", "FAIL"]


def _journal_study(path: Path) -> Any:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(path)))
    (name,) = optuna.study.get_all_study_names(storage)
    return optuna.load_study(study_name=name, storage=storage)


def test_resume_false_starts_a_new_study_and_sets_the_old_one_aside(tmp_path: Path) -> None:
    space = ["+x=interval(0,4)", "+y=interval(-2,0)"]
    first = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2)
    run_sweep(tmp_path, first, quadratic, space)
    old_values = sorted(t.value for t in first.study.trials)
    again = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=1), n_trials=3, resume=False)
    _, ran = run_sweep(tmp_path, again, quadratic, space)
    assert ran == [0, 1, 2]
    assert again.study.study_name != first.study.study_name
    assert [t.state.name for t in again.study.trials] == ["COMPLETE"] * 3  # nothing of the old study
    sweep = tmp_path / "sweep"
    assert len(optuna.study.get_all_study_names(again.study._storage)) == 1
    kept = _journal_study(sweep / "optuna.journal.1")  # the old study, intact
    assert kept.study_name == first.study.study_name and sorted(t.value for t in kept.trials) == old_values
    assert (sweep / ".runlab" / "optuna_trials.jsonl.1").is_file()
    records = read_trial_records(str(sweep))
    assert sorted(records) == [0, 1, 2] and {r["study_name"] for r in records.values()} == {again.study.study_name}

    named = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=2), n_trials=1, resume=False, study_name="s")
    run_sweep(tmp_path, named, quadratic, space)  # the next one goes to .2; a given name is kept
    assert named.study.study_name == "s" and len(named.study.trials) == 1
    assert _journal_study(sweep / "optuna.journal.2").study_name == again.study.study_name
    resumed = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=2), n_trials=1, study_name="s")
    _, ran = run_sweep(tmp_path, resumed, quadratic, space)
    assert ran == [] and len(resumed.study.trials) == 1  # resume (the default) continues the new one


def test_resume_false_refuses_to_reuse_a_named_study_of_a_users_storage(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path / 'shared.db'}"

    def sweeper(resume: bool) -> OptunaSweeper:
        return OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2, storage=storage,
                             study_name="mine", resume=resume)

    run_sweep(tmp_path, sweeper(True), quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    with pytest.raises(HydraException, match="resume=false starts a new study, but the storage .* 'mine'"):
        run_sweep(tmp_path, sweeper(False), quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    assert len(optuna.load_study(study_name="mine", storage=storage).trials) == 2  # untouched
    unnamed = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=1, storage=storage, resume=False)
    run_sweep(tmp_path, unnamed, quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    assert len(optuna.study.get_all_study_names(storage)) == 2  # a new study next to the old one


def test_runlab_sweep_resume_0_means_resume_false(monkeypatch: pytest.MonkeyPatch) -> None:
    assert OptunaSweeper()._resume_wanted() and not OptunaSweeper(resume=False)._resume_wanted()
    monkeypatch.setenv("RUNLAB_SWEEP_RESUME", "0")
    assert not OptunaSweeper()._resume_wanted()


def test_a_resumed_replay_launches_at_most_n_jobs_per_batch(tmp_path: Path) -> None:
    space = ["+x=interval(0,4)", "+y=interval(-2,0)"]
    first = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=2), n_trials=2, n_jobs=2)
    run_sweep(tmp_path, first, quadratic, space)
    # Three trials a kill interrupted: asked (jobs 2-4 in the trial map), never told.
    distributions = {"+x": optuna.distributions.FloatDistribution(0, 4),
                     "+y": optuna.distributions.FloatDistribution(-2, 0)}
    with open(tmp_path / "sweep" / ".runlab" / "optuna_trials.jsonl", "a") as file:
        for job in (2, 3, 4):
            stale = first.study.ask(fixed_distributions=distributions)
            overrides = [f"{k}={v}" for k, v in stale.params.items()]
            file.write(json.dumps({"job": job, "study": first.study.study_name, "trial": stale.number,
                                   "overrides": overrides}) + "\n")

    second = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=2), n_trials=6, n_jobs=2)
    batches = record_batches(second)
    outcome, ran = run_sweep(tmp_path, second, quadratic, space)
    assert ran == [2, 3, 4, 5] and len(outcome.results) == 6
    # the two complete trials ride along with the first two to re-run; then the third; then a new one
    assert batches == [[0, 1, 2, 3], [4], [5]]
    launched = [[num for num in batch if num in ran] for batch in batches]
    assert all(len(jobs) <= 2 for jobs in launched)
    retried = sorted(t.user_attrs["runlab_retry_of"] for t in second.study.trials if "runlab_retry_of" in t.user_attrs)
    assert len(retried) == 3
    assert sorted(read_trial_records(str(tmp_path / "sweep"))) == [0, 1, 2, 3, 4, 5]


def test_a_result_line_lost_to_a_kill_is_written_when_the_sweep_is_resumed(tmp_path: Path) -> None:
    space = ["+x=interval(0,4)"]
    first = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2, n_jobs=1)
    run_sweep(tmp_path, first, lambda cfg: cfg.x, space)
    trial_map = tmp_path / "sweep" / ".runlab" / "optuna_trials.jsonl"
    lines = trial_map.read_text().splitlines()
    kept = [line for line in lines if not (line.startswith("{") and json.loads(line).get("job") == 1
                                           and json.loads(line).get("kind") == "result")]
    trial_map.write_text("\n".join(kept) + "\n")  # job 1's result line never reached the disk
    assert sorted(read_trial_records(str(tmp_path / "sweep"))) == [0]
    again = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2, n_jobs=1)
    _, ran = run_sweep(tmp_path, again, lambda cfg: cfg.x, space)
    assert ran == []
    records = read_trial_records(str(tmp_path / "sweep"))
    assert sorted(records) == [0, 1] and records[1]["value"] == first.study.trials[1].value


def test_the_sweep_records_its_study_and_storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from runlab.tracking.optuna_study import open_sweep_study, read_study_record

    monkeypatch.chdir(tmp_path)
    sweeper = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=2,
                            storage="sqlite:///db/study.db", study_name="elsewhere")
    (tmp_path / "db").mkdir()
    run_sweep(tmp_path, sweeper, quadratic, ["+x=interval(0,4)", "+y=interval(-2,0)"])
    record = read_study_record(str(tmp_path / "sweep"))
    assert record == {"study_name": "elsewhere", "storage": f"sqlite:///{tmp_path / 'db' / 'study.db'}"}
    monkeypatch.chdir(tmp_path / "db")  # the recorded URL is absolute
    study = open_sweep_study(str(tmp_path / "sweep"))
    assert study.study_name == "elsewhere" and len(study.trials) == 2


def test_optimization_results_yaml_is_what_omegaconf_would_write() -> None:
    from runlab.plugins.optuna import _results_yaml

    single = {"name": "optuna", "best_params": {"x": 1.5, "n": 3, "opt": "yes", "s": "1e3", "z": None, "b": True},
              "best_value": 0.25}
    pareto = {"name": "optuna", "solutions": [{"params": {"x": 1.0}, "values": [1.0, float("inf")]}]}
    for results in (single, pareto):
        assert _results_yaml(results) == OmegaConf.to_yaml(OmegaConf.create(results))
