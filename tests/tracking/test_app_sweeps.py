"""Real apps, real sweeps: ``python app.py -m ...`` as a subprocess leaves records the CLI reads."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runlab.tracking.records import find_run_dirs, read_record
from runlab.tracking.store import RunIndex
from runlab.tracking.summary import print_sweep_summary

APP = textwrap.dedent("""
    import logging

    import runlab

    log = logging.getLogger("train")

    @runlab.main(config_path="conf", config_name="config", version_base=None)
    def train(cfg):
        log.info("training with lr=%s", cfg.lr)
        for step in range(5):
            runlab.log_metrics({"loss": cfg.lr * (5 - step) + cfg.seed / 100}, step=step)
        if cfg.db.name == "pg" and cfg.seed == 2:
            raise ValueError("pg and seed 2 do not mix")
        return {"loss": cfg.lr + cfg.seed / 100, "acc": 1 - cfg.lr}

    if __name__ == "__main__":
        train()
""")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "conf" / "db").mkdir(parents=True)
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "conf" / "config.yaml").write_text(
        "defaults:\n  - db: mysql\n  - _self_\nlr: 0.1\nseed: 1\n")
    (tmp_path / "conf" / "db" / "mysql.yaml").write_text("name: mysql\nport: 3306\n")
    (tmp_path / "conf" / "db" / "pg.yaml").write_text("name: pg\nport: 5432\n")
    return tmp_path


def _run(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNLAB_", "HYDRA_"))}
    return subprocess.run([sys.executable, "app.py", *args], cwd=app, capture_output=True,
                          text=True, env=env, check=False, timeout=120)


def _cli(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNLAB_", "HYDRA_"))}
    return subprocess.run([sys.executable, "-m", "runlab.cli", *args], cwd=app,
                          capture_output=True, text=True, env=env, check=False, timeout=120)


def test_a_sweep_records_every_job_and_summarises(app: Path) -> None:
    done = _run(app, "-m", "db=mysql,pg", "lr=0.1,0.01", "seed=1,2")
    records = [read_record(d) for d in find_run_dirs(app / "multirun")]
    assert len(records) == 8 and all(r is not None for r in records)
    by_job = {r.job_num: r for r in records if r is not None}
    assert sorted(by_job) == list(range(8))
    assert {r.sweep_id for r in by_job.values()} == {by_job[0].sweep_id}
    failed = [r for r in by_job.values() if r.status == "failed"]
    assert [(r.choices["db"], r.params["seed"]) for r in failed] == [("pg", "2"), ("pg", "2")]
    assert failed[0].error == "ValueError: pg and seed 2 do not mix"
    assert "Traceback" in (failed[0].traceback or "")
    ok = by_job[0]
    assert ok.status == "completed" and ok.overrides == ("db=mysql", "lr=0.1", "seed=1")
    assert ok.metrics == {"loss": pytest.approx(0.11), "acc": pytest.approx(0.9)}
    assert ok.metric_summaries["loss"]["count"] == 5
    assert ok.config_flat["db.port"] == 3306 and ok.choices == {"db": "mysql"}
    log_lines = (Path(ok.run_dir) / ".runlab" / "log.jsonl").read_text().splitlines()
    assert any("training with lr=0.1" in line for line in log_lines)
    with RunIndex(app / ".runlab" / "index.db") as index:
        assert len(index.query()) == 8
    assert "pg and seed 2 do not mix" in done.stderr
    summary = io.StringIO()
    print_sweep_summary(ok.sweep_dir or "", summary)
    lines = summary.getvalue().splitlines()
    assert "8 runs (6 completed, 2 failed)" in lines[0]
    # pg/0.01 has only its seed-1 run (seed 2 failed): mean 0.02 beats mysql/0.01's 0.025
    assert lines[4].split()[:4] == ["*", "pg", "0.01", "1"]
    assert lines[5].split()[:4] == ["mysql", "0.01", "2", "0.025"]
    compare = _cli(app, "compare", "last", "--json")
    assert compare.returncode == 0, compare.stderr
    rows = json.loads(compare.stdout)
    assert [(r["db"], r["lr"], r["n"]) for r in rows] == [
        ("pg", "0.01", 1), ("mysql", "0.01", 2), ("pg", "0.1", 1), ("mysql", "0.1", 2)]
    assert rows[0]["best"] is True


def test_a_single_run_is_recorded_and_indexed(app: Path) -> None:
    done = _run(app, "lr=0.5")
    assert done.returncode == 0, done.stderr
    [run_dir] = list(find_run_dirs(app / "outputs"))
    record = read_record(run_dir)
    assert record is not None and record.sweep_id is None and record.params == {"lr": "0.5"}
    shown = _cli(app, "show", record.run_id, "--plain")
    assert shown.returncode == 0 and "lr = 0.5" in shown.stdout
    assert "training with lr=0.5" in shown.stdout  # the job log's tail


def test_chdir_jobs_still_index_in_the_launch_dir(app: Path) -> None:
    done = _run(app, "-m", "lr=0.1,0.2", "hydra.job.chdir=True")
    assert (app / ".runlab" / "index.db").is_file(), done.stderr
    with RunIndex(app / ".runlab" / "index.db") as index:
        assert len(index.query()) == 2


def test_a_process_launcher_sweep_loses_no_record_and_no_point(app: Path) -> None:
    done = _run(app, "-m", "hydra/launcher=joblib", "db=mysql,pg", "lr=0.1,0.01", "seed=1,2,3")
    records = [r for r in (read_record(d) for d in find_run_dirs(app / "multirun")) if r]
    assert len(records) == 12, done.stderr
    assert sorted(r.status for r in records).count("failed") == 2
    assert {r.pid for r in records} != {os.getpid()}
    for record in records:
        assert record.metric_summaries["loss"]["count"] == 5
    with RunIndex(app / ".runlab" / "index.db") as index:
        assert sorted(r.job_num or 0 for r in index.query()) == list(range(12))
