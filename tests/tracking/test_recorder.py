from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from runlab.tracking import gitinfo
from runlab.tracking.recorder import RunRecorder, params_from_overrides, sweep_id_of
from runlab.tracking.records import read_record
from runlab.tracking.store import RunIndex

CONFIG = "db:\n  driver: mysql\n  port: 3306\nlr: 0.1\nhydra:\n  run:\n    dir: x\n"


def _start(run_dir: Path, **kwargs: object) -> RunRecorder:
    defaults: dict[str, object] = {
        "overrides": ["db=mysql", "+lr=0.1", "hydra.verbose=true", "~old"],
        "choices": {"db": "mysql", "hydra/launcher": "basic"}, "config_yaml": CONFIG,
        "resolved_yaml": CONFIG, "origins": {"lr": "override +lr=0.1", "db.port": "db/mysql.yaml"},
        "command_line": ["app.py", "db=mysql"], "app_dir": None, "index_path": "",
    }
    defaults.update(kwargs)
    return RunRecorder.start(run_dir, **defaults)  # type: ignore[arg-type]


def test_start_writes_a_running_record_with_the_environment(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run", run_id="r1", sweep_dir=tmp_path, job_num=3)
    record = read_record(tmp_path / "run")
    assert record is not None
    assert (record.run_id, record.status, record.job_num) == ("r1", "running", 3)
    assert record.sweep_id == sweep_id_of(tmp_path) and record.sweep_dir == str(tmp_path)
    assert record.params == {"db": "mysql", "lr": "0.1"}
    assert record.choices == {"db": "mysql"}
    assert record.config_flat == {"db.driver": "mysql", "db.port": 3306, "lr": 0.1}
    assert record.origins["db.port"] == "db/mysql.yaml"
    assert record.config_yaml == CONFIG and record.resolved_yaml == CONFIG
    assert record.pid == os.getpid() and record.host
    assert record.python["version"].startswith(f"{sys.version_info.major}.")
    assert "omegaconf" in record.packages
    assert record.command_line == ("app.py", "db=mysql")
    assert record.end is None
    recorder.finish("completed")
    assert not [p for p in (tmp_path / "run" / ".runlab").iterdir() if p.suffix == ".tmp"]


def test_origins_worked_out_after_the_task_land_in_the_final_record(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run", origins=None)
    running = read_record(tmp_path / "run")
    assert running is not None and running.origins == {}
    recorder.finish("completed", origins={"db.port": "override db.port=3307"})
    record = read_record(tmp_path / "run")
    assert record is not None and record.origins == {"db.port": "override db.port=3307"}
    kept = _start(tmp_path / "kept")
    kept.finish("failed")  # no origins given at the end: the starting record's stay
    again = read_record(tmp_path / "kept")
    assert again is not None and again.origins["db.port"] == "db/mysql.yaml"


def test_finish_records_outcome_and_final_metrics(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run")
    recorder.log_metrics({"loss": 2.0}, step=0)
    recorder.log_metrics({"loss": 1.0}, step=1)
    record = recorder.finish("completed", return_value={"loss": 0.5, "note": object()})
    again = read_record(tmp_path / "run")
    assert again == record
    assert record.status == "completed"
    assert record.end is not None and record.duration == pytest.approx(record.end - record.start)
    assert record.metrics == {"loss": 0.5}  # the returned value wins over the last logged one
    assert record.metric_summaries["loss"]["min"] == 1.0
    assert record.return_value["loss"] == 0.5
    assert record.return_value["note"].startswith("<object object")
    assert recorder.finish("failed") is record  # finishing twice keeps the first outcome


def test_a_scalar_return_is_the_value_metric(tmp_path: Path) -> None:
    record = _start(tmp_path / "run").finish("completed", return_value=0.125)
    assert record.metrics == {"value": 0.125}


def test_failure_keeps_exception_and_traceback(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run")
    try:
        {}["missing"]
    except KeyError as error:
        record = recorder.finish("failed", error=error)
    assert record.status == "failed"
    assert record.error == "KeyError: 'missing'"
    assert record.traceback is not None and "test_failure_keeps_exception" in record.traceback


def test_finish_rejects_unknown_status(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run")
    with pytest.raises(ValueError, match="completed, failed, killed"):
        recorder.finish("done")
    recorder.finish("killed")


def test_git_commit_dirty_flag_and_diff_hash(tmp_path: Path) -> None:
    repo = tmp_path / "app"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "x", "--allow-empty"]):
        subprocess.run(["git", *command], cwd=repo, check=True, env=env)
    (repo / "app.py").write_text("print(1)\n")
    subprocess.run(["git", "add", "app.py"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "app"], cwd=repo, check=True, env=env)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True,
                          capture_output=True, text=True).stdout.strip()
    gitinfo.clear_cache()
    clean = _start(tmp_path / "clean", app_dir=repo).finish("completed")
    assert clean.git is not None
    assert (clean.git["commit"], clean.git["dirty"], clean.git["diff_sha256"]) == (head, False, None)
    (repo / "app.py").write_text("print(2)\n")
    gitinfo.clear_cache()
    dirty = _start(tmp_path / "dirty", app_dir=repo).finish("completed")
    assert dirty.git is not None and dirty.git["dirty"] is True
    assert len(dirty.git["diff_sha256"]) == 64
    gitinfo.clear_cache()
    outside = _start(tmp_path / "outside", app_dir=tmp_path / "clean").finish("completed")
    assert outside.git is None


def test_index_follows_start_and_finish(tmp_path: Path, index_path: Path) -> None:
    recorder = _start(tmp_path / "run", index_path=index_path)
    with RunIndex(index_path) as index:
        [row] = index.query()
        assert row.status == "running"
    recorder.finish("completed", return_value=1.5)
    with RunIndex(index_path) as index:
        [row] = index.query()
        assert (row.status, row.metrics) == ("completed", {"value": 1.5})


def test_default_index_is_in_the_launch_dir_or_env(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _start(tmp_path / "a", index_path=None).finish("completed")
    with RunIndex(tmp_path / ".runlab" / "index.db") as index:
        assert [r.run_dir for r in index.query()] == [str(tmp_path / "a")]
    monkeypatch.setenv("RUNLAB_INDEX", str(tmp_path / "elsewhere.db"))
    _start(tmp_path / "b", index_path=None).finish("completed")
    with RunIndex(tmp_path / "elsewhere.db") as index:
        assert [r.run_dir for r in index.query()] == [str(tmp_path / "b")]


def test_an_unwritable_index_never_fails_the_run(tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a dir")
    record = _start(tmp_path / "run", index_path=blocker / "index.db").finish("completed")
    assert record.status == "completed"
    assert "runlab index" in caplog.text


def test_a_killed_process_is_marked_killed_by_the_next_index_update(tmp_path: Path,
                                                                    index_path: Path) -> None:
    code = textwrap.dedent(f"""
        import time
        from runlab.tracking.recorder import RunRecorder
        RunRecorder.start({str(tmp_path / "victim")!r}, overrides=["x=1"], choices={{}},
                          config_yaml="x: 1", resolved_yaml=None, origins={{}},
                          command_line=[], app_dir=None, index_path={str(index_path)!r})
        from runlab.tracking.metrics import flush_metrics, log_metric
        for step in range(3):
            log_metric("loss", 1.0 / (step + 1), step=step)
        flush_metrics()
        print("started", flush=True)
        time.sleep(60)
    """)
    victim = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert victim.stdout is not None and victim.stdout.readline().strip() == "started"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    victim.stdout.close()
    record = read_record(tmp_path / "victim")
    assert record is not None and record.status == "running"
    _start(tmp_path / "next", index_path=index_path).finish("completed")  # any index update
    with RunIndex(index_path) as index:
        statuses = {Path(r.run_dir).name: r.status for r in index.query()}
    assert statuses == {"victim": "killed", "next": "completed"}
    killed = read_record(tmp_path / "victim")
    assert killed is not None and killed.status == "killed"
    assert killed.error is not None and "ended without finishing" in killed.error
    assert killed.end is not None and killed.end <= time.time()
    assert killed.metrics == {"loss": pytest.approx(1 / 3)}  # what it flushed before dying
    assert killed.metric_summaries["loss"]["count"] == 3


def test_params_from_overrides() -> None:
    assert params_from_overrides(["a=1", "+b=x", "++c.d=[1,2]", "~e", "~f=3", "hydra.x=1",
                                  "db@backup=pg", "noequals"]) == {
        "a": "1", "b": "x", "c.d": "[1,2]", "db@backup": "pg"}


def test_record_file_is_plain_json(tmp_path: Path) -> None:
    _start(tmp_path / "run").finish("completed")
    data = json.loads((tmp_path / "run" / ".runlab" / "run.json").read_text())
    assert data["status"] == "completed" and data["format"] == 1


def test_package_versions_survive_deprecated_or_broken_version_attributes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import types
    import warnings

    from runlab.tracking import environment

    class Deprecated(types.ModuleType):
        def __getattr__(self, name: str) -> str:
            if name == "__version__":
                warnings.warn("__version__ is deprecated", DeprecationWarning, stacklevel=2)
                return "9.9"
            raise AttributeError(name)

    class Broken(types.ModuleType):
        def __getattr__(self, name: str) -> str:
            raise RuntimeError("lazy import failed")

    monkeypatch.setitem(sys.modules, "zz_deprecated_pkg", Deprecated("zz_deprecated_pkg"))
    monkeypatch.setitem(sys.modules, "zz_broken_pkg", Broken("zz_broken_pkg"))
    versions = environment.package_versions()
    assert versions["zz_deprecated_pkg"] == "9.9"
    assert "zz_broken_pkg" not in versions
