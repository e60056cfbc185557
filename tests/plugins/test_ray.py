"""The Ray launcher on a real local Ray cluster, shared by the whole module (a start costs seconds).

The cluster is started here with ``ray.init(num_cpus=2)``; in-process launches reuse it (and leave it
running), and apps run in subprocesses join it through its address, as they would join a real cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import launcher_fakes
import pytest
import ray
from launcher_fakes import fake_run, make_jobs
from omegaconf import OmegaConf
from remote_app import metric_lines, run_app, run_record, runlab_cli, write_app
from sweep_records import job_records

from runlab.plugins import COMPLETED, FAILED, Launcher
from runlab.plugins.ray import RayLauncher
from runlab.plugins.remote_status import status_of_sweep

# Workers do not have tests/ on their path: ship the fake jobs by value (Ray's own cloudpickle).
ray.cloudpickle.register_pickle_by_value(launcher_fakes)
# No usage-stats reporting from tests (this machine reaches no network beyond package registries).
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A two-CPU local Ray instance for the module; yields the address other drivers join."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def test_the_launcher_reuses_a_running_ray_and_isolates_a_crashing_worker(
    cluster: str, tmp_path: Path
) -> None:
    launcher = RayLauncher()
    assert isinstance(launcher, Launcher)
    jobs = make_jobs(["ok", "exit", "raise", "unpicklable", "ok"], tmp_path)
    results = {r.num: r for r in launcher.launch(jobs, fake_run)}
    assert ray.is_initialized()  # not started by the launcher: left running
    assert sorted(results) == [0, 1, 2, 3, 4]
    assert [results[n].status for n in range(5)] == [
        COMPLETED,
        FAILED,
        FAILED,
        COMPLETED,
        COMPLETED,
    ]
    assert results[1].error is not None
    assert results[1].error.startswith("Ray task of job #1 was lost (WorkerCrashedError)")
    assert results[2].error == "ValueError: job 2 failed"
    assert results[3].return_value is None  # a lambda does not travel back
    assert results[4].return_value == 40
    assert results[1].overrides == jobs[1].overrides
    # ran on Ray workers, not here
    assert {(tmp_path / str(n) / "ran").read_text() for n in (0, 4)}.isdisjoint({str(os.getpid())})


def test_remote_options_reach_ray_and_bound_the_jobs_in_flight(
    cluster: str, tmp_path: Path
) -> None:
    launcher = RayLauncher(ray={"init": {"address": None}, "remote": {"num_cpus": 2}})
    assert launcher.remote_options == {"num_cpus": 2, "max_retries": 0}
    jobs = make_jobs(["sleep0.3"] * 3, tmp_path)
    started = time.monotonic()
    results = list(launcher.launch(jobs, fake_run))
    assert all(r.ok for r in results) and len(results) == 3
    assert launcher.n_jobs == 1  # two CPUs, two per job: one at a time
    assert time.monotonic() - started >= 0.9
    assert len({(tmp_path / str(n) / "ran").read_text() for n in range(3)}) >= 1


def test_closing_early_lets_jobs_in_flight_finish_and_submits_no_more(
    cluster: str, tmp_path: Path
) -> None:
    jobs = make_jobs(["raise", "sleep0.2", "ok", "ok", "ok", "ok", "ok", "ok"], tmp_path)
    results = RayLauncher(max_in_flight=2).launch(jobs, fake_run)
    first = next(results)
    results.close()
    assert first.status == FAILED
    ran = sorted(int(p.parent.name) for p in tmp_path.glob("*/ran"))
    assert ran[:2] == [0, 1] and len(ran) <= 3


def test_detach_needs_a_cluster_that_outlives_the_process() -> None:
    with pytest.raises(ValueError, match=r"set hydra.launcher.ray.init.address"):
        RayLauncher(detach=True)
    assert RayLauncher().job_id(7, "app") == "job_id_for_7"


def _ray_args(sweep: Path, address: str, *more: str) -> list[str]:
    return [
        "-m",
        f"hydra.sweep.dir={sweep}",
        "hydra/launcher=ray",
        f"hydra.launcher.ray.init.address={address}",
        *more,
    ]


def test_a_sweep_of_20_jobs_records_runs_and_metrics_and_isolates_the_failing_one(
    cluster: str, tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    proc = run_app(tmp_path, *_ray_args(sweep, cluster, "n=range(0,20)", "fail_n=7"))
    assert proc.returncode == 1, proc.stderr
    assert "Ray launcher is launching 20 jobs, sweep output dir : " in proc.stdout
    assert "Error executing job with overrides: ['n=7', 'fail_n=7']" in proc.stderr
    records = job_records(sweep)
    assert sorted(records) == list(range(20))
    assert [n for n, r in records.items() if r["status"] != "COMPLETED"] == [7]
    assert records[7]["error"] == "ValueError: job 7 fails"
    assert records[19]["return_value_repr"] == "190"
    for n in (0, 19):
        assert run_record(sweep / str(n))["status"] == "completed"
        loss = next(m for m in metric_lines(sweep / str(n)) if m["name"] == "loss")
        assert loss["step"] == [0, 1, 2]
        hydra_yaml = OmegaConf.load(sweep / str(n) / ".hydra" / "hydra.yaml")
        assert hydra_yaml.hydra.job.id == f"job_id_for_{n}"
    assert run_record(sweep / "7")["status"] == "failed"

    runs = runlab_cli(tmp_path, "runs", "--sweep", str(sweep), "--plain")
    assert runs.returncode == 0, runs.stderr
    assert sum("completed" in line for line in runs.stdout.splitlines()) == 19
    assert sum("failed" in line for line in runs.stdout.splitlines()) == 1
    compare = runlab_cli(tmp_path, "compare", str(sweep), "--metric", "loss", "--plain")
    assert compare.returncode == 0, compare.stderr
    assert "n" in compare.stdout.splitlines()[0]
    # (a directory target trips a CLI bug today: `report DIR` -> Namespace has no "where")
    report = runlab_cli(tmp_path, "report", "last", "-o", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stderr
    assert "job 7 fails" in (tmp_path / "report.html").read_text()


def test_resume_submits_only_the_jobs_without_a_completed_record(
    cluster: str, tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    marker = tmp_path / "fail-now"
    marker.write_text("")
    args = _ray_args(sweep, cluster, "n=range(0,4)", f"fail_file={marker}")
    assert run_app(tmp_path, *args).returncode == 1
    kept = {n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 2, 3)}
    marker.unlink()
    second = run_app(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert "3 of 4 jobs of this batch already completed" in second.stdout
    assert "\t#1 : n=1" in second.stdout and "\t#0 : " not in second.stdout
    assert {
        n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 2, 3)
    } == kept


def test_detach_submits_and_exits_then_status_follows_and_a_rerun_collects(
    cluster: str, tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = _ray_args(sweep, cluster, "n=range(0,4)", "sleep_n=3", "sleep=4")
    proc = run_app(tmp_path, *args, "hydra.launcher.detach=true")
    assert proc.returncode == 0, proc.stderr
    assert "Submitted 4 jobs to the Ray cluster and detached." in proc.stdout
    assert f"Follow them with: runlab status {sweep}" in proc.stdout
    status = status_of_sweep(str(sweep))
    assert status["launcher"] == "ray" and status["detached"] and status["total"] == 4
    assert status["done"] is False  # job 3 sleeps 4 s after the driver has left

    # The same command again: waits for the jobs still in flight instead of submitting them twice.
    collect = run_app(tmp_path, *args)
    assert collect.returncode == 0, collect.stderr
    assert "jobs of the detached submission still running" in collect.stdout
    assert "\t#3 : " not in collect.stdout
    status = status_of_sweep(str(sweep))
    assert (status["completed"], status["failed"], status["killed"], status["done"]) == (
        4,
        0,
        0,
        True,
    )
    assert all(r["status"] == "COMPLETED" for r in job_records(sweep).values())

    index = runlab_cli(tmp_path, "index", str(sweep))
    assert index.returncode == 0, index.stderr
    runs = runlab_cli(tmp_path, "runs", "--sweep", str(sweep), "--plain")
    assert sum("completed" in line for line in runs.stdout.splitlines()) == 4

    again = run_app(tmp_path, *args)
    assert again.returncode == 0, again.stderr
    assert "4 of 4 jobs of this batch already completed" in again.stdout


def test_the_driver_dying_loses_no_finished_job_and_resume_runs_the_rest(
    cluster: str, tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    hold = tmp_path / "hold"
    hold.write_text("")
    args = _ray_args(sweep, cluster, "n=range(0,4)", "sleep_n=3", f"hold_file={hold}")
    driver = subprocess.Popen(
        [sys.executable, str(tmp_path / "app.py"), *args],
        cwd=tmp_path,
        env={**os.environ, "RUNLAB_PROGRESS": "off"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while len(job_records(sweep)) < 3:
            assert time.monotonic() < deadline and driver.poll() is None
            time.sleep(0.2)
    finally:
        driver.kill()
        driver.wait()
    records = job_records(sweep)
    assert sorted(records) == [0, 1, 2] and all(
        r["status"] == "COMPLETED" for r in records.values()
    )
    kept = {n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 1, 2)}

    hold.unlink()  # same overrides, job 3 is quick now
    resumed = run_app(tmp_path, *args)
    assert resumed.returncode == 0, resumed.stderr
    assert "3 of 4 jobs of this batch already completed" in resumed.stdout
    assert {
        n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 1, 2)
    } == kept
    assert job_records(sweep)[3]["status"] == "COMPLETED"
