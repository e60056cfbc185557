"""The runtime records every job through the tracker: run.json, metrics, index rows, in run and multirun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from sweep_records import forget_job

from runlab.tracking.store import RunIndex

APP = textwrap.dedent(
    """
    import runlab
    from omegaconf import DictConfig

    @runlab.main(version_base=None, config_path="conf", config_name="config")
    def task(cfg: DictConfig) -> float:
        for step in range(3):
            runlab.log_metrics({"loss": cfg.lr * (3 - step)}, step=step)
        if cfg.fail:
            raise ValueError("asked to fail")
        return cfg.lr * 10

    if __name__ == "__main__":
        task()
    """
)


def _app(tmp_path: Path) -> Path:
    (tmp_path / "conf" / "db").mkdir(parents=True, exist_ok=True)
    (tmp_path / "conf" / "config.yaml").write_text("defaults:\n  - db: mysql\n  - _self_\nlr: 0.1\nfail: false\n")
    (tmp_path / "conf" / "db" / "mysql.yaml").write_text("driver: mysql\n")
    (tmp_path / "conf" / "db" / "sqlite.yaml").write_text("driver: sqlite\n")
    script = tmp_path / "app.py"
    script.write_text(APP)
    return script


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    return subprocess.run(
        [sys.executable, str(_app(tmp_path)), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _record(run_dir: Path) -> dict[str, object]:
    return json.loads((run_dir / ".runlab" / "run.json").read_text())


def test_a_single_run_leaves_a_completed_record_with_metrics(tmp_path: Path) -> None:
    result = _run(tmp_path, "db=sqlite", "lr=0.5", "hydra.run.dir=out")
    assert result.returncode == 0, result.stderr
    record = _record(tmp_path / "out")
    assert record["status"] == "completed"
    assert record["return_value"] == 5.0
    assert record["overrides"] == ["db=sqlite", "lr=0.5"]
    assert record["choices"] == {"db": "sqlite"}
    assert record["sweep_id"] is None and record["job_num"] is None
    assert "lr: 0.5" in str(record["config_yaml"])
    points = [json.loads(line) for line in (tmp_path / "out" / ".runlab" / "metrics.jsonl").read_text().splitlines()]
    assert len(points) >= 1 and "loss" in json.dumps(points)
    # A single run waits in the index's pending file; the next reader indexes it.
    assert not (tmp_path / ".runlab" / "index.db").exists()
    assert (tmp_path / ".runlab" / "index.db.pending").is_file()
    with RunIndex(tmp_path / ".runlab" / "index.db") as index:
        assert [r.status for r in index.query()] == ["completed"]
    assert not (tmp_path / ".runlab" / "index.db.pending").exists()


def test_a_sweep_records_each_job_with_its_number_and_failures(tmp_path: Path) -> None:
    result = _run(tmp_path, "-m", "lr=0.1,0.2", "fail=false,true", "hydra.sweep.dir=sweep")
    assert result.returncode != 0  # two jobs fail
    records = sorted((_record(d) for d in (tmp_path / "sweep").iterdir() if (d / ".runlab").is_dir()),
                     key=lambda r: int(r["job_num"]))  # type: ignore[arg-type]
    assert [r["job_num"] for r in records] == [0, 1, 2, 3]
    assert [r["status"] for r in records] == ["completed", "failed", "completed", "failed"]
    assert len({r["sweep_id"] for r in records}) == 1
    assert "asked to fail" in str(records[1]["error"])
    with RunIndex(tmp_path / ".runlab" / "index.db") as index:
        assert len(index.query()) == 4
    # The compare table of the sweep closes the multirun's output, failed jobs listed.
    assert "[runlab] sweep" in result.stdout and "4 runs (2 completed, 2 failed)" in result.stdout
    assert "asked to fail" in result.stdout


def test_the_sweep_summary_can_be_turned_off_in_config(tmp_path: Path) -> None:
    result = _run(tmp_path, "-m", "lr=0.1,0.2", "hydra.sweep.dir=sweep", "++hydra.sweeper.summary=false")
    assert result.returncode == 0, result.stderr
    assert "[runlab]" not in result.stdout


def test_runlab_resume_finishes_an_interrupted_sweep(tmp_path: Path) -> None:
    first = _run(tmp_path, "-m", "lr=0.1,0.2,0.3", "hydra.sweep.dir=sweep")
    assert first.returncode == 0, first.stderr
    # Forget job 1 as if the sweep had been killed while it ran.
    forget_job(tmp_path / "sweep", 1)
    untouched = (tmp_path / "sweep" / "0" / ".runlab" / "run.json").stat().st_mtime_ns
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    resumed = subprocess.run([sys.executable, "-m", "runlab.cli", "resume", str(tmp_path / "sweep")],
                             cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "#1 : lr=0.2" in resumed.stdout and "#0 :" not in resumed.stdout
    assert (tmp_path / "sweep" / "0" / ".runlab" / "run.json").stat().st_mtime_ns == untouched


def test_runlab_resume_of_a_missing_directory_is_a_short_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "runlab.cli", "resume", str(tmp_path / "nope")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 3
    assert "is not a directory" in result.stderr and "Traceback" not in result.stderr


def test_runlab_status_reports_a_finished_sweep(tmp_path: Path) -> None:
    assert _run(tmp_path, "-m", "lr=0.1,0.2", "fail=false,true", "hydra.sweep.dir=sweep").returncode == 1
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    status = subprocess.run([sys.executable, "-m", "runlab.cli", "status", "sweep", "--json"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert status.returncode == 1, status.stderr  # some jobs failed
    summary = json.loads(status.stdout)
    assert (summary["total"], summary["completed"], summary["failed"]) == (4, 2, 2)
    assert [job["state"] for job in summary["jobs"]] == ["completed", "failed", "completed", "failed"]


# -- origins: where each recorded value came from ------------------------------------------------
ORIGINS_APP = textwrap.dedent(
    """
    import json
    import os

    import runlab
    from omegaconf import DictConfig

    @runlab.main(version_base=None, config_path="conf", config_name="config")
    def task(cfg: DictConfig) -> int:
        # What the running record holds while the task runs (the live dashboard reads it).
        run_dir = os.environ["RUNLAB_RUN_DIR"]
        with open(os.path.join(run_dir, ".runlab", "run.json")) as record:
            origins = json.load(record)["origins"]
        with open(os.path.join(run_dir, "running_origins.json"), "w") as out:
            json.dump(origins, out)
        return int(cfg.db.port)

    if __name__ == "__main__":
        task()
    """
)


def _origins_app(tmp_path: Path) -> Path:
    (tmp_path / "conf" / "db").mkdir(parents=True, exist_ok=True)
    (tmp_path / "conf" / "config.yaml").write_text(
        "defaults:\n  - db: mysql\n  - _self_\nlr: 0.1\ntrainer:\n  epochs: 3\n"
    )
    (tmp_path / "conf" / "db" / "mysql.yaml").write_text("host: localhost\nport: 3306\n")
    (tmp_path / "conf" / "db" / "sqlite.yaml").write_text("host: file\nport: 0\n")
    script = tmp_path / "app.py"
    script.write_text(ORIGINS_APP)
    return script


def _run_origins_app(tmp_path: Path, *args: str, **extra_env: str
                     ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env.update(extra_env)
    return subprocess.run([sys.executable, str(_origins_app(tmp_path)), *args], cwd=tmp_path,
                          env=env, capture_output=True, text=True, check=False)


def _show(tmp_path: Path, run: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    shown = subprocess.run([sys.executable, "-m", "runlab.cli", "show", run], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=False)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_runlab_show_names_the_file_group_option_or_override_behind_each_value(
    tmp_path: Path,
) -> None:
    result = _run_origins_app(tmp_path, "db.port=3307", "+new=1", "hydra.run.dir=out")
    assert result.returncode == 0, result.stderr
    assert _record(tmp_path / "out")["origins"] == {
        "db.host": "db/mysql",
        "db.port": "override db.port=3307",
        "lr": "config",
        "trainer.epochs": "config",
        "new": "override +new=1",
    }
    running = json.loads((tmp_path / "out" / "running_origins.json").read_text())
    assert running == _record(tmp_path / "out")["origins"]  # a single run's: there from the start
    shown = _show(tmp_path, "out").splitlines()
    assert "  db.host = localhost  <- db/mysql" in shown
    assert "  db.port = 3307  <- override db.port=3307" in shown
    assert "  lr = 0.1  <- config" in shown
    assert "  trainer.epochs = 3  <- config" in shown
    assert "  new = 1  <- override +new=1" in shown


def test_each_job_of_a_basic_sweep_records_its_own_origins(tmp_path: Path) -> None:
    # Jobs 1 and 2 are built from job 0's template (no recomposition): their origins must still
    # name their own override, and a group change names the option that job picked.
    result = _run_origins_app(tmp_path, "-m", "db.port=1,2,3", "hydra.sweep.dir=sweep")
    assert result.returncode == 0, result.stderr
    for num in range(3):
        origins = _record(tmp_path / "sweep" / str(num))["origins"]
        assert origins == {"db.host": "db/mysql", "db.port": f"override db.port={num + 1}",
                           "lr": "config", "trainer.epochs": "config"}
        running = json.loads((tmp_path / "sweep" / str(num) / "running_origins.json").read_text())
        # built from the template (jobs 1, 2): already in the running record; composed in full
        # (job 0, the template itself, pickled for reuse so computed too): same
        assert running == origins
    result = _run_origins_app(tmp_path, "-m", "db=mysql,sqlite", "hydra.sweep.dir=groups")
    assert result.returncode == 0, result.stderr
    assert _record(tmp_path / "groups" / "1")["origins"]["db.host"] == "db/sqlite"


def test_a_sweep_job_composed_in_full_gets_its_origins_after_its_task(tmp_path: Path) -> None:
    # Without the template fast path each job is a fresh composition: working its origins out
    # waits until the task has returned, so the per-job path before the task does not grow.
    result = _run_origins_app(tmp_path, "-m", "db.port=1,2", "hydra.sweep.dir=sweep",
                              RUNLAB_SWEEP_FAST_COMPOSE="0")
    assert result.returncode == 0, result.stderr
    for num in range(2):
        job = tmp_path / "sweep" / str(num)
        assert json.loads((job / "running_origins.json").read_text()) == {}
        assert _record(job)["origins"]["db.port"] == f"override db.port={num + 1}"


def test_jobs_run_by_the_processes_launcher_record_their_origins(tmp_path: Path) -> None:
    result = _run_origins_app(tmp_path, "-m", "lr=0.5,0.7", "db=sqlite", "+new=1",
                              "hydra/launcher=processes", "hydra.launcher.n_jobs=2",
                              "hydra.sweep.dir=sweep")
    assert result.returncode == 0, result.stderr
    for num, lr in ((0, "0.5"), (1, "0.7")):
        record = _record(tmp_path / "sweep" / str(num))
        assert record["origins"] == {"db.host": "db/sqlite", "db.port": "db/sqlite",
                                     "lr": f"override lr={lr}", "trainer.epochs": "config",
                                     "new": "override +new=1"}
    assert "  lr = 0.7  <- override lr=0.7" in _show(tmp_path, "sweep/1").splitlines()


class _CountingOrigins(dict[str, str]):
    """A composition's origins that count how often their table is worked out."""

    calls = 0

    def without_hydra(self) -> dict[str, str]:
        type(self).calls += 1
        return {k: v for k, v in self.items() if not k.startswith("hydra.")}


def test_task_origins_are_worked_out_once_and_travel_as_a_plain_table() -> None:
    import copy
    import pickle

    from omegaconf import OmegaConf

    from runlab.runtime.recording import TaskOrigins, attach_origins, origins_of

    source = _CountingOrigins({"lr": "config", "hydra.run.dir": "hydra/config"})
    config = OmegaConf.create({"lr": 0.1})
    attach_origins(config, source)
    carried = origins_of(config)
    assert carried is not None and not carried.computed and _CountingOrigins.calls == 0
    travelled = origins_of(pickle.loads(pickle.dumps(config)))
    assert travelled is not None and travelled.computed
    assert dict(travelled) == {"lr": "config"} and _CountingOrigins.calls == 1
    assert dict(carried) == {"lr": "config"} and _CountingOrigins.calls == 1  # cached
    changed = travelled.with_changes({"lr": "override lr=0.2"})
    assert dict(changed) == {"lr": "override lr=0.2"} and dict(travelled) == {"lr": "config"}
    assert isinstance(changed, TaskOrigins) and changed.computed
    assert origins_of(copy.deepcopy(config)) is None  # the task's own copy never carries them
    attach_origins(config, None)
    assert origins_of(config) is None


def test_origins_that_cannot_be_worked_out_never_fail_the_job() -> None:
    from runlab.runtime.recording import Recording, TaskOrigins, finish_recording

    class Broken(dict[str, str]):
        def without_hydra(self) -> dict[str, str]:
            raise RuntimeError("cannot replay the merge")

    finished: list[dict[str, object]] = []

    class Recorder:
        def finish(self, status: str, **kwargs: object) -> None:
            finished.append({"status": status, **kwargs})

    finish_recording(Recording(Recorder(), TaskOrigins(Broken())), status="COMPLETED",
                     return_value=1)
    assert finished == [{"status": "completed", "return_value": 1, "error": None,
                         "origins": None}]


def test_a_sweep_into_a_used_sweep_dir_summarises_its_own_jobs(tmp_path: Path) -> None:
    first = _run(tmp_path, "-m", "lr=0.1,0.2,0.3", "db=mysql,sqlite", "hydra.sweep.dir=sweep")
    assert first.returncode == 0, first.stderr
    assert ": 6 runs (6 completed)" in first.stdout
    second = _run(tmp_path, "-m", "lr=0.5,0.6", "hydra.sweep.dir=sweep")
    assert second.returncode == 0, second.stderr
    assert ": 2 runs (2 completed)" in second.stdout
    assert "0.5" in second.stdout and "0.3" not in second.stdout.split("runs (")[1]
