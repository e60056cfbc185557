"""Real sweeps in subprocesses: failure isolation, dying workers, SIGKILL at several points then resume."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from multirun_app_fixture import events, run_app, start_app, write_app
from sweep_records import job_records

from runlab.runtime.multirun import resume_sweep
from runlab.runtime.sweep_state import read_plan

pytestmark = pytest.mark.slow


def completed(sweep: Path) -> set[int]:
    return {n for n, r in job_records(sweep).items() if r["status"] == "COMPLETED"}


def test_a_third_of_the_jobs_fail_the_others_all_run(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    proc = run_app(
        tmp_path,
        "-m",
        "n=range(0,9)",
        "fail_third=true",
        f"log_dir={tmp_path}",
        f"hydra.sweep.dir={sweep}",
    )
    assert proc.returncode == 1
    assert sorted(e for e in events(tmp_path) if e.startswith("end")) == sorted(
        f"end {n}" for n in range(9) if n % 3 != 1
    )
    assert proc.stderr.startswith("Error executing job with overrides: ['n=1', 'fail_third=True', ")
    assert "ValueError: job 1 fails" in proc.stderr
    assert "\n3 of 9 jobs failed; sweep dir: " in proc.stderr
    for n in (1, 4, 7):
        assert (
            f"\t#{n} : n={n} fail_third=True log_dir={tmp_path} -> ValueError: job {n} fails\n"
            in proc.stderr
        )
    assert proc.stderr.endswith(
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"
    )
    assert sorted(p.name for p in sweep.iterdir() if not p.name.startswith(".")) == sorted(
        [*(str(n) for n in range(9)), "multirun.yaml"]
    )
    assert completed(sweep) == {0, 2, 3, 5, 6, 8}
    assert all("Launching 9 jobs locally" in proc.stdout for _ in [0])


def test_fail_fast_stops_after_the_first_failure(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    proc = run_app(
        tmp_path,
        "-m",
        "n=range(0,6)",
        "fail_third=true",
        f"log_dir={tmp_path}",
        f"hydra.sweep.dir={sweep}",
        "++hydra.sweeper.fail_fast=true",
    )
    assert proc.returncode == 1
    assert events(tmp_path) == ["start 0", "end 0", "start 1"]
    assert "stopped after the first failure" in proc.stderr


def test_process_launcher_survives_jobs_that_exit_or_segfault(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    proc = run_app(
        tmp_path,
        "-m",
        "n=0,1,2",
        "action=ok,exit,segv",
        f"log_dir={tmp_path}",
        f"hydra.sweep.dir={sweep}",
        "hydra/launcher=processes",
        "hydra.launcher.n_jobs=2",
    )
    assert proc.returncode == 1, proc.stderr
    assert "\n6 of 9 jobs failed; sweep dir: " in proc.stderr
    assert "exited with code 3 while running job #1" in proc.stderr
    assert "killed by SIGSEGV while running job #2" in proc.stderr
    assert completed(sweep) == {0, 3, 6}
    assert sorted(e for e in events(tmp_path) if e.startswith("end")) == ["end 0", "end 1", "end 2"]
    failed = {n for n, r in job_records(sweep).items() if r["status"] == "FAILED"}
    assert failed == {1, 2, 4, 5, 7, 8}


def _assert_resumed(tmp_path: Path, sweep: Path, before: set[int], total: int) -> None:
    """Every job completed once the resume ends; jobs completed before it did not run again."""
    assert completed(sweep) == set(range(total))
    starts = [e for e in events(tmp_path) if e.startswith("start")]
    for n in before:
        assert starts.count(f"start {n}") == 1, (n, starts)
    ends = [e for e in events(tmp_path) if e.startswith("end")]
    assert set(ends) == {f"end {n}" for n in range(total)}
    for n in before:
        assert ends.count(f"end {n}") == 1


@pytest.mark.parametrize("kill_at", [0, 3, 5])
@pytest.mark.parametrize("launcher", ["basic", "processes"])
def test_sigkill_inside_a_job_then_rerun_resumes(
    tmp_path: Path, kill_at: int, launcher: str
) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = [
        "-m",
        "n=range(0,6)",
        f"kill_at={kill_at}",
        f"log_dir={tmp_path}",
        f"hydra.sweep.dir={sweep}",
        f"hydra/launcher={launcher}",
        f"kill_self={'true' if launcher == 'basic' else 'false'}",
    ]
    if launcher == "processes":
        args.append("hydra.launcher.n_jobs=2")
    first = run_app(tmp_path, *args)
    assert first.returncode == -signal.SIGKILL
    before = completed(sweep)
    assert kill_at not in before
    if launcher == "basic":
        assert before == set(range(kill_at))
    second = run_app(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    _assert_resumed(tmp_path, sweep, before, 6)
    if before:
        assert f"{len(before)} of 6 jobs of this batch already completed" in second.stdout


@pytest.mark.parametrize("after_records", [0, 2, 5])
def test_sigkill_from_outside_at_any_moment_then_resume(tmp_path: Path, after_records: int) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = ["-m", "n=range(0,8)", "sleep=0.1", f"log_dir={tmp_path}", f"hydra.sweep.dir={sweep}"]
    proc = start_app(tmp_path, *args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if (sweep / "multirun.yaml").exists() and len(job_records(sweep)) >= after_records:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = completed(sweep)
    assert len(before) < 8
    second = run_app(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    _assert_resumed(tmp_path, sweep, before, 8)


def test_runlab_resume_finds_the_timestamped_sweep_dir_and_its_command(tmp_path: Path) -> None:
    write_app(tmp_path)
    first = run_app(tmp_path, "-m", "n=range(0,4)", "kill_at=2", f"log_dir={tmp_path}")
    assert first.returncode == -signal.SIGKILL
    (sweep,) = (tmp_path / "multirun").glob("*/*")
    assert completed(sweep) == {0, 1}
    time.sleep(1.1)  # a new ${now:...} would name a new directory
    assert resume_sweep(str(sweep)) == 0
    assert list((tmp_path / "multirun").glob("*/*")) == [sweep]
    _assert_resumed(tmp_path, sweep, {0, 1}, 4)
    assert resume_sweep(str(sweep)) == 0  # nothing left to do: runs no job
    assert [e for e in events(tmp_path) if e.startswith("start")].count("start 3") == 1


def test_resume_of_a_directory_without_a_sweep(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert resume_sweep(str(tmp_path)) == 1
    assert "is not a runlab sweep directory" in capsys.readouterr().err


def test_multirun_callbacks_see_every_result(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    calls = tmp_path / "callbacks.txt"
    proc = run_app(
        tmp_path,
        "-m",
        "n=range(0,3)",
        "fail_third=true",
        f"log_dir={tmp_path}",
        f"hydra.sweep.dir={sweep}",
        f"+hydra.callbacks.rec={{_target_:__main__.RecordingCallback,path:'{calls}'}}",
    )
    assert proc.returncode == 1, proc.stderr
    assert calls.read_text().splitlines() == [
        "multirun_start config",
        "multirun_end config [(0, 'COMPLETED'), (1, 'FAILED'), (2, 'COMPLETED')]",
    ]


def test_rerun_with_resume_off_runs_everything_again(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = ["-m", "n=range(0,2)", f"log_dir={tmp_path}", f"hydra.sweep.dir={sweep}"]
    assert run_app(tmp_path, *args).returncode == 0
    assert run_app(tmp_path, *args).returncode == 0  # resumes: nothing left to run
    assert run_app(tmp_path, *args, "++hydra.sweeper.resume=false").returncode == 0
    starts = [e for e in events(tmp_path) if e.startswith("start")]
    assert sorted(starts) == ["start 0", "start 0", "start 1", "start 1"]


@pytest.mark.parametrize("subdir", [None, "job_${hydra.job.num}_of_${hydra.job.name}"])
def test_a_big_batch_puts_every_job_in_its_own_dir(tmp_path: Path, subdir: str | None) -> None:
    # Over 64 jobs, each job is checked on a scratch copy and built again at launch: its
    # directory must be the same both times (and in the plan), with or without a subdir pattern.
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    extra = [f"hydra.sweep.subdir={subdir}"] if subdir else []
    proc = run_app(tmp_path, "-m", "n=range(0,70)", f"log_dir={tmp_path}",
                   f"hydra.sweep.dir={sweep}", *extra)
    assert proc.returncode == 0, proc.stderr
    names = [str(n) if subdir is None else f"job_{n}_of_app" for n in range(70)]
    assert sorted(p.name for p in sweep.iterdir() if p.is_dir() and p.name != ".runlab") == sorted(
        names
    )
    plan = read_plan(str(sweep))
    assert plan is not None
    assert [job["output_dir"] for job in plan["jobs"]] == [str(sweep / name) for name in names]
    assert {r["output_dir"] for r in job_records(sweep).values()} == {
        str(sweep / name) for name in names
    }
