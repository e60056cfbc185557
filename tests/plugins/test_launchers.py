"""The basic and process launchers against fake jobs: order, logging, isolation of dying workers."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from launcher_fakes import fake_run, make_jobs

from runlab.plugins import COMPLETED, FAILED, JobSpec, Launcher
from runlab.plugins.processes import ProcessLauncher, resolve_n_jobs
from runlab.plugins.serial import BasicLauncher, describe_overrides


def test_basic_launcher_runs_in_order_in_process_and_logs_like_hydra(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hydra")
    jobs = make_jobs(["ok", "raise", "ok"], tmp_path)
    results = list(BasicLauncher().launch(jobs, fake_run))
    assert [r.num for r in results] == [0, 1, 2]
    assert [r.status for r in results] == [COMPLETED, FAILED, COMPLETED]
    assert (tmp_path / "0" / "ran").read_text() == str(os.getpid())
    assert [r.getMessage() for r in caplog.records] == [
        "Launching 3 jobs locally",
        "\t#0 : action=ok i=0",
        "\t#1 : action=raise i=1",
        "\t#2 : action=ok i=2",
    ]


def test_launchers_satisfy_the_protocol() -> None:
    assert isinstance(BasicLauncher(), Launcher)
    assert isinstance(ProcessLauncher(n_jobs=1), Launcher)


def test_describe_overrides_drops_hydra_keys_only() -> None:
    assert describe_overrides(["a=1", "hydra.job.chdir=true", "+hydra_x=2"]) == "a=1 +hydra_x=2"
    assert describe_overrides([]) == ""


def test_process_launcher_runs_every_job_in_workers(tmp_path: Path) -> None:
    jobs = make_jobs(["ok"] * 6, tmp_path)
    results = list(ProcessLauncher(n_jobs=2).launch(jobs, fake_run))
    assert sorted(r.num for r in results) == list(range(6))
    assert {r.return_value for r in results} == {0, 10, 20, 30, 40, 50}
    pids = {(tmp_path / str(i) / "ran").read_text() for i in range(6)}
    assert str(os.getpid()) not in pids
    assert 1 <= len(pids) <= 2


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("exit", "exited with code 3 while running job #1"),
        ("segv", "killed by SIGSEGV while running job #1"),
    ],
)
def test_a_dying_worker_fails_only_its_job_and_is_replaced(
    tmp_path: Path, action: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    jobs = make_jobs(["ok", action, "ok", "ok", action, "ok"], tmp_path)
    results = {r.num: r for r in ProcessLauncher(n_jobs=2).launch(jobs, fake_run)}
    assert sorted(results) == list(range(6))
    assert [results[i].status for i in range(6)] == [
        COMPLETED,
        FAILED,
        COMPLETED,
        COMPLETED,
        FAILED,
        COMPLETED,
    ]
    assert results[1].error is not None and expected in results[1].error
    assert results[1].overrides == jobs[1].overrides
    assert any(expected in r.getMessage() for r in caplog.records)


def test_every_worker_dying_still_ends_the_sweep(tmp_path: Path) -> None:
    jobs = make_jobs(["exit"] * 5, tmp_path)
    results = list(ProcessLauncher(n_jobs=3).launch(jobs, fake_run))
    assert sorted(r.num for r in results) == list(range(5))
    assert all(r.status == FAILED for r in results)


def test_a_job_over_the_timeout_is_killed_and_failed(tmp_path: Path) -> None:
    jobs = make_jobs(["sleep30", "ok"], tmp_path)
    results = {r.num: r for r in ProcessLauncher(n_jobs=1, timeout=0.5).launch(jobs, fake_run)}
    assert results[0].status == FAILED and results[0].error == "job #0 timed out after 0.5 s"
    assert results[1].status == COMPLETED


def test_a_runner_bug_and_an_unpicklable_return_value_do_not_break_the_pool(
    tmp_path: Path,
) -> None:
    jobs = make_jobs(["bug", "unpicklable", "ok"], tmp_path)
    results = {r.num: r for r in ProcessLauncher(n_jobs=1).launch(jobs, fake_run)}
    assert results[0].status == FAILED and results[0].error == "RuntimeError: runner bug"
    assert results[1].status == COMPLETED and results[1].return_value is None
    assert results[2].return_value == 20


def test_closing_the_launch_early_lets_running_jobs_finish_and_starts_no_more(
    tmp_path: Path,
) -> None:
    jobs = make_jobs(["ok", "sleep0.3", "ok", "ok", "ok"], tmp_path)
    results = ProcessLauncher(n_jobs=2).launch(jobs, fake_run)
    first = next(results)
    results.close()
    assert first.num == 0
    assert (tmp_path / "1" / "ran").exists()
    ran = sorted(int(p.parent.name) for p in tmp_path.glob("*/ran"))
    assert len(ran) < 5


def test_joblib_options_are_accepted_and_ids_follow_joblib(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.INFO, logger="hydra")
    launcher = ProcessLauncher(
        n_jobs=2,
        backend=None,
        prefer="processes",
        require=None,
        verbose=0,
        timeout=None,
        pre_dispatch="2*n_jobs",
        batch_size="auto",
        temp_folder=None,
        max_nbytes=None,
        mmap_mode="r",
        job_id_style="joblib",
    )
    assert launcher.job_id(3, "my_app") == "my_app_3"
    assert ProcessLauncher(n_jobs=1).job_id(3, "my_app") == "3"
    list(launcher.launch(make_jobs(["ok", "ok"], tmp_path), fake_run))
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0].startswith("Joblib.Parallel(n_jobs=2,backend=loky,prefer=processes,")
    assert messages[0].endswith(") is launching 2 jobs")
    assert messages[1] == f"Launching jobs, sweep output dir : {tmp_path}"
    assert messages[2:] == ["\t#0 : action=ok i=0", "\t#1 : action=ok i=1"]


def test_n_jobs_follows_joblib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("runlab.plugins.processes._available_cores", lambda: 8)
    assert resolve_n_jobs(None) == 8
    assert resolve_n_jobs(-1) == 8
    assert resolve_n_jobs(-2) == 7
    assert resolve_n_jobs(-20) == 1
    assert resolve_n_jobs(3) == 3
    with pytest.raises(ValueError, match="n_jobs == 0"):
        resolve_n_jobs(0)


def test_bad_options_are_reported_with_the_key() -> None:
    with pytest.raises(ValueError, match="hydra.launcher.timeout"):
        ProcessLauncher(timeout=0)
    with pytest.raises(ValueError, match="hydra.launcher.start_method='nope'"):
        ProcessLauncher(start_method="nope")


def test_process_launcher_logs_each_job_when_it_is_dispatched_and_reads_jobs_lazily(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hydra")
    jobs = make_jobs(["ok"] * 5, tmp_path)
    built: list[int] = []

    class Lazy(Sequence[JobSpec]):
        def __len__(self) -> int:
            return len(jobs)

        def __getitem__(self, index):  # type: ignore[no-untyped-def]
            built.append(index)
            return jobs[index]

        def __iter__(self) -> Iterator[JobSpec]:
            for i, job in enumerate(jobs):
                built.append(i)
                yield job

    results = ProcessLauncher(n_jobs=2).launch(Lazy(), fake_run)
    first = next(results)
    assert len(built) <= 3  # jobs[0] for the log line, then one per worker (not all five)
    rest = list(results)
    assert sorted(r.num for r in [first, *rest]) == list(range(5))
    messages = [r.getMessage() for r in caplog.records]
    assert messages[1] == f"Launching jobs, sweep output dir : {tmp_path}"
    assert sorted(m for m in messages if m.startswith("\t#")) == [
        f"\t#{i} : action=ok i={i}" for i in range(5)
    ]
