"""``hydra/launcher=submitit_slurm`` on a real single-node Slurm started by this module.

Runs with ``RUNLAB_TEST_SLURM=1`` or in CI (``CI=true``); needs Debian's Slurm packages and root
(see ``slurm_cluster.INSTALL_HINT``).  ``python3 tasks.py test`` installs them when it runs as root
and sets the variable; in CI a machine without them fails these tests instead of skipping them.
The module starts one cluster per xdist worker that runs its tests; clusters on one machine take
turns (``slurm_cluster`` holds a machine-wide lock), so ``pytest -n 2`` is safe.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from remote_app import run_app, run_record, write_app
from slurm_cluster import INSTALL_HINT, missing, slurm_cluster
from sweep_records import job_records

from runlab.plugins.remote_status import status_of_sweep

IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

if os.environ.get("RUNLAB_TEST_SLURM") != "1" and not IN_CI:  # pragma: no cover - the machine
    # Opt-in: the cluster's daemons (munged, MariaDB) are machine-wide and need root.
    pytest.skip(
        f"real-Slurm tests run with RUNLAB_TEST_SLURM=1 (as root, after: {INSTALL_HINT})",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def slurm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    absent = missing()
    if absent:
        pytest.fail(f"the Slurm tests need {', '.join(absent)}: {INSTALL_HINT}", pytrace=False)
    if os.geteuid() != 0:
        pytest.fail("the Slurm tests start Slurm's daemons and need root", pytrace=False)
    with slurm_cluster(tmp_path_factory.mktemp("slurm")) as env:
        yield env


def _args(sweep: Path, *more: str) -> list[str]:
    return [
        "-m",
        f"hydra.sweep.dir={sweep}",
        "hydra/launcher=submitit_slurm",
        "+hydra.launcher.poll_interval=0.3",
        *more,
    ]


def test_a_sweep_runs_as_one_job_array_with_slurm_job_ids(
    slurm: dict[str, str], tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    proc = run_app(tmp_path, *_args(sweep, "n=range(0,3)", "fail_n=1"), env=slurm)
    assert proc.returncode == 1, proc.stderr
    assert "Submitit 'slurm' sweep output dir : " in proc.stdout
    assert {n: r["status"] for n, r in job_records(sweep).items()} == {
        0: "COMPLETED",
        1: "FAILED",
        2: "COMPLETED",
    }
    ids = [
        str(OmegaConf.load(sweep / str(n) / ".hydra" / "hydra.yaml").hydra.job.id) for n in range(3)
    ]
    array = ids[0].split("_")[0]
    assert ids == [f"{array}_{n}" for n in range(3)]  # one array, hydra.job.id = Slurm's id
    assert run_record(sweep / "2")["status"] == "completed"
    status = status_of_sweep(str(sweep))
    assert (status["completed"], status["failed"], status["done"]) == (2, 1, True)


def test_a_job_cancelled_by_slurm_is_recorded_killed_with_the_state(
    slurm: dict[str, str], tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    command = [
        os.sys.executable,  # type: ignore[attr-defined]
        str(tmp_path / "app.py"),
        *_args(sweep, "n=0,1", "sleep_n=1", "sleep=120"),
    ]
    driver = subprocess.Popen(
        command, cwd=tmp_path, env={**os.environ, **slurm, "RUNLAB_PROGRESS": "off"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not (sweep / "1" / ".runlab" / "run.json").exists():
            assert time.monotonic() < deadline and driver.poll() is None
            time.sleep(0.2)
        job_id = str(OmegaConf.load(sweep / "1" / ".hydra" / "hydra.yaml").hydra.job.id)
        subprocess.run(["scancel", job_id], env={**os.environ, **slurm}, check=True)
        _, stderr = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == 1, stderr
    record = job_records(sweep)[1]
    assert record["status"] == "FAILED"
    assert record["error"] == f"slurm job {job_id} ended in state CANCELLED: it was cancelled"
    assert run_record(sweep / "1")["status"] == "killed"
    assert [j["state"] for j in status_of_sweep(str(sweep))["jobs"]] == ["completed", "killed"]


def test_detach_leaves_the_jobs_to_slurm_and_a_rerun_collects_them(
    slurm: dict[str, str], tmp_path: Path
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = _args(sweep, "n=range(0,3)", "sleep_n=2", "sleep=3")
    proc = run_app(tmp_path, *args, "hydra.launcher.detach=true", env=slurm)
    assert proc.returncode == 0, proc.stderr
    assert "Submitted 3 jobs to Slurm as array " in proc.stdout
    assert f"runlab status {sweep}" in proc.stdout
    status = status_of_sweep(str(sweep))
    assert status["detached"] and status["launcher"] == "submitit_slurm" and not status["done"]
    collect = run_app(tmp_path, *args, env=slurm)
    assert collect.returncode == 0, collect.stderr
    assert "jobs of the detached submission still in Slurm" in collect.stdout
    status = status_of_sweep(str(sweep))
    assert (status["completed"], status["done"]) == (3, True)
