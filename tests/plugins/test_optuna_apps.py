"""Optuna studies run by real apps in subprocesses: config selection, parallel trials, kill and resume."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

from runlab.plugins.optuna import read_trial_records

APP = """
import os, time
import runlab as hydra
from omegaconf import DictConfig
from runlab.core.hydra_config import HydraConfig

@hydra.main(version_base=None, config_path=None, config_name=None)
def main(cfg: DictConfig) -> float:
    start = time.time()
    time.sleep(float(cfg.get("sleep", 0)))
    with open(os.path.join(HydraConfig.get().runtime.output_dir, "pid"), "w") as f:
        f.write(f"{os.getpid()} {start} {time.time()}")
    if cfg.get("fail_below") is not None and cfg.x < cfg.fail_below:
        raise RuntimeError("too small")
    value = (cfg.x - 2) ** 2 + 1
    return {"acc": -value, "loss": value} if cfg.get("as_dict") else value

if __name__ == "__main__":
    main()
"""


def _app(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_text(APP)
    return path


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}


def _run(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(_app(tmp_path)), "-m", *args],
        check=False, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=timeout,
    )


def _trials(sweep: Path) -> dict[int, dict[str, object]]:
    records = read_trial_records(str(sweep))
    for num, record in records.items():  # each record names the job's own run dir
        assert Path(str(record["run_dir"])).name == str(num)
    return records


def test_selected_from_the_config_groups_with_hydras_console_lines(tmp_path: Path) -> None:
    proc = _run(
        tmp_path, "hydra/sweeper=optuna", "hydra/sweeper/sampler=random", "hydra.sweeper.sampler.seed=3",
        "hydra.sweeper.n_trials=3", "hydra.sweeper.study_name=demo", "hydra.sweep.dir=sw",
        "+x=interval(0,4)", "+fixed=abc",
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    journal = tmp_path / "sw" / "optuna.journal"
    for line in (
        "[HYDRA] Study name: demo", f"[HYDRA] Storage: journal:///{journal}", "[HYDRA] Sampler: RandomSampler",
        "[HYDRA] Directions: ['minimize']", "[HYDRA] Launching 2 jobs locally", "[HYDRA] Launching 1 jobs locally",
        "[HYDRA] Best parameters: {'+x': ", "[HYDRA] Best value: ",
    ):
        assert line in out, out
    results = (tmp_path / "sw" / "optimization_results.yaml").read_text()
    assert results.startswith("name: optuna\nbest_params:\n  +x: ")
    trials = _trials(tmp_path / "sw")
    assert sorted(trials) == [0, 1, 2]
    assert all(t["fixed_params"] == {"+fixed": "abc"} for t in trials.values())
    assert journal.exists()


def test_a_config_written_for_hydras_plugin_runs_with_objective_key(tmp_path: Path) -> None:
    """Hydra's class paths (the plugin's sweeper, Optuna's own sampler class) are accepted, and
    ``objective_key`` is a key of the sweeper node (no ``+``): it picks the objective of a dict."""
    proc = _run(
        tmp_path, "hydra/sweeper=optuna", "hydra/sweeper/sampler=random",
        "hydra.sweeper._target_=hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper",
        "hydra.sweeper.sampler._target_=optuna.samplers.RandomSampler", "hydra.sweeper.sampler.seed=5",
        "hydra.sweeper.n_trials=3", "hydra.sweeper.objective_key=loss", "hydra.sweep.dir=sw",
        "+x=interval(0,4)", "+as_dict=true",
    )
    assert proc.returncode == 0, proc.stderr
    assert "[HYDRA] Sampler: RandomSampler" in proc.stdout
    trials = _trials(tmp_path / "sw")
    assert sorted(trials) == [0, 1, 2]
    for record in trials.values():
        assert record["value"] == (record["params"]["+x"] - 2) ** 2 + 1  # the "loss" entry


def test_trials_run_in_parallel_with_the_processes_launcher(tmp_path: Path) -> None:
    proc = _run(
        tmp_path, "hydra/sweeper=optuna", "hydra/sweeper/sampler=random", "hydra/launcher=processes",
        "hydra.launcher.n_jobs=2", "hydra.sweeper.n_jobs=2", "hydra.sweeper.n_trials=4", "hydra.sweep.dir=sw",
        "+x=interval(0,4)", "+sleep=1.5",
    )
    assert proc.returncode == 0, proc.stderr
    spans = {}
    for num in range(4):
        pid, start, end = (tmp_path / "sw" / str(num) / "pid").read_text().split()
        spans[num] = (int(pid), float(start), float(end))
    assert len({pid for pid, _, _ in spans.values()} | {os.getpid()}) >= 3  # workers, not this process
    for a, b in ((0, 1), (2, 3)):  # the two trials of each batch overlapped in time
        assert spans[a][1] < spans[b][2] and spans[b][1] < spans[a][2]
    assert {t["state"] for t in _trials(tmp_path / "sw").values()} == {"COMPLETE"}


def test_failed_trials_are_tolerated_up_to_max_failure_rate(tmp_path: Path) -> None:
    args = (
        "hydra/sweeper=optuna", "hydra/sweeper/sampler=grid", "hydra.sweeper.n_jobs=2", "hydra.sweep.dir=sw",
        "+x=1,3", "+fail_below=2",
    )
    tolerated = _run(tmp_path, *args, "hydra.sweeper.max_failure_rate=0.5")
    assert "Failed experiment: " in tolerated.stdout + tolerated.stderr
    assert "Best parameters: {'+x': 3}" in tolerated.stdout
    states = sorted(t["state"] for t in _trials(tmp_path / "sw").values())
    assert states == ["COMPLETE", "FAIL"]

    refused = _run(tmp_path, *args[:-3], "hydra.sweep.dir=sw2", "+x=1,3", "+fail_below=2")
    assert refused.returncode == 1
    assert "Failed 1 times out of 2 with max_failure_rate=0.0." in refused.stdout + refused.stderr
    assert not (tmp_path / "sw2" / "optimization_results.yaml").exists()


def test_a_study_killed_mid_sweep_resumes_and_keeps_counting(tmp_path: Path) -> None:
    args = [
        sys.executable, str(_app(tmp_path)), "-m", "hydra/sweeper=optuna", "hydra/sweeper/sampler=random",
        "hydra.sweeper.n_jobs=1", "hydra.sweeper.n_trials=5", "hydra.sweep.dir=sw", "+x=interval(0,4)",
        "+sleep=0.8",
    ]
    sweep = tmp_path / "sw"
    proc = subprocess.Popen(args, cwd=tmp_path, env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 120
        while len(_trials(sweep)) < 2 and time.time() < deadline:
            time.sleep(0.1)
        assert len(_trials(sweep)) >= 2
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = _trials(sweep)
    assert 2 <= len(before) < 5 and not (sweep / "optimization_results.yaml").exists()

    resumed = subprocess.run(args, check=False, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming study" in resumed.stdout
    after = _trials(sweep)
    assert sorted(after) == [0, 1, 2, 3, 4]
    for num, record in before.items():  # finished trials were not run again
        assert after[num] == record
    study_name = after[0]["study_name"]
    assert all(r["study_name"] == study_name for r in after.values())
    best = min(r["value"] for r in after.values() if r["value"] is not None)
    assert f"Best value: {best}" in resumed.stdout
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    study = optuna.load_study(
        study_name=str(study_name), storage=JournalStorage(JournalFileBackend(str(sweep / "optuna.journal")))
    )
    completed = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(completed) == 5 and not [t for t in study.trials if t.state.name == "RUNNING"]


MULTI_APP = """
import runlab as hydra

@hydra.main(version_base=None, config_path=None, config_name=None)
def main(cfg) -> tuple[float, float]:
    return cfg.x ** 2, (cfg.x - 2) ** 2

if __name__ == "__main__":
    main()
"""


def test_nsga2_from_the_config_groups_writes_the_pareto_front(tmp_path: Path) -> None:
    app = tmp_path / "multi.py"
    app.write_text(MULTI_APP)
    proc = subprocess.run(
        [sys.executable, str(app), "-m", "hydra/sweeper=optuna", "hydra/sweeper/sampler=nsgaii",
         "hydra.sweeper.sampler.seed=0", "hydra.sweeper.sampler.population_size=4",
         "hydra.sweeper.direction=[minimize,minimize]", "hydra.sweeper.n_trials=8", "hydra.sweeper.n_jobs=4",
         "hydra.sweep.dir=sw", "+x=interval(-3,3)"],
        check=False, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[HYDRA] Sampler: NSGAIISampler" in proc.stdout
    assert "[HYDRA] Directions: ['minimize', 'minimize']" in proc.stdout
    count = int(re.search(r"Number of Pareto solutions: (\d+)", proc.stdout).group(1))  # type: ignore[union-attr]
    assert count >= 1 and proc.stdout.count("    Values: [") == count
    from omegaconf import OmegaConf

    results = OmegaConf.load(tmp_path / "sw" / "optimization_results.yaml")
    assert results.name == "optuna" and len(results.solutions) == count
    values = [tuple(s["values"]) for s in results.solutions]
    for a in values:  # no solution dominates another
        assert not any(b[0] < a[0] and b[1] < a[1] for b in values)


def _journal_study(path: Path) -> object:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    storage = JournalStorage(JournalFileBackend(str(path)))
    (name,) = optuna.study.get_all_study_names(storage)
    return optuna.load_study(study_name=name, storage=storage)


def test_resume_false_runs_a_new_study_and_keeps_the_old_journal(tmp_path: Path) -> None:
    args = ("hydra/sweeper=optuna", "hydra/sweeper/sampler=random", "hydra.sweeper.n_jobs=2",
            "hydra.sweeper.n_trials=3", "hydra.sweep.dir=sw", "+x=interval(0,4)")
    sweep = tmp_path / "sw"
    first = _run(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    first_name = re.search(r"Study name: (\S+)", first.stdout).group(1)  # type: ignore[union-attr]
    first_pids = {num: (sweep / str(num) / "pid").read_text() for num in range(3)}

    again = _run(tmp_path, *args, "+hydra.sweeper.resume=false")
    assert again.returncode == 0, again.stderr
    out = again.stdout
    name = re.search(r"Study name: (\S+)", out).group(1)  # type: ignore[union-attr]
    assert name != first_name and "Resuming" not in out
    assert f"the previous one is kept as {sweep / 'optuna.journal'}.1" in out
    # every job ran again, as trials of the new study
    assert all((sweep / str(num) / "pid").read_text() != first_pids[num] for num in range(3))
    new = _journal_study(sweep / "optuna.journal")
    old = _journal_study(sweep / "optuna.journal.1")
    assert new.study_name == name and [t.state.name for t in new.trials] == ["COMPLETE"] * 3  # type: ignore[attr-defined]
    assert old.study_name == first_name and len(old.trials) == 3  # type: ignore[attr-defined]
    records = _trials(sweep)
    assert sorted(records) == [0, 1, 2] and {r["study_name"] for r in records.values()} == {name}
    second_pids = {num: (sweep / str(num) / "pid").read_text() for num in range(3)}

    resumed = _run(tmp_path, *args)  # the default (resume) continues the new study: nothing to run
    assert resumed.returncode == 0, resumed.stderr
    assert f"Study name: {name}" in resumed.stdout and "Resuming study" in resumed.stdout
    assert all((sweep / str(num) / "pid").read_text() == second_pids[num] for num in range(3))  # none ran
    assert len(_journal_study(sweep / "optuna.journal").trials) == 3  # type: ignore[attr-defined]
