"""The sweep loop with fake compose and fake jobs: numbering, validation, isolation, resume records."""

from __future__ import annotations

import gc
import io
import os
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import pytest
from multirun_fakes import ScriptedSweeper, fake_task_run, make_setup
from sweep_records import job_records, record_lines

from runlab.plugins import COMPLETED, FAILED, JobResult, JobSpec
from runlab.plugins.processes import ProcessLauncher
from runlab.plugins.serial import BasicLauncher
from runlab.runtime.multirun import SweepOutcome, SweepResults, drive_sweep, report_failures
from runlab.runtime.progress import SweepProgress, format_duration
from runlab.runtime.sweep_state import PlannedJob, read_job_records, read_plan


def runs(sweep: Path, num: int) -> int:
    path = sweep / str(num) / "runs.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_jobs_are_numbered_across_batches_and_results_told_per_batch(tmp_path: Path) -> None:
    sweeper = ScriptedSweeper([[["a=1"], ["a=2"]], [["a=3"]]])
    outcome = drive_sweep(make_setup(tmp_path), sweeper, BasicLauncher(), fake_task_run)
    assert [r.num for r in outcome.results] == [0, 1, 2]
    assert [[r.num for r in told] for told in sweeper.told] == [[0, 1], [2]]
    assert sweeper.context is not None and sweeper.context.sweep_dir == str(tmp_path)
    assert [r.return_value for r in outcome.results] == ["ret0", "ret1", "ret2"]
    assert all(runs(tmp_path, n) == 1 for n in range(3))
    plan = read_plan(str(tmp_path))
    assert plan is not None and plan["finished"] is True
    assert [j["overrides"] for j in plan["jobs"]] == [["a=1"], ["a=2"], ["a=3"]]
    assert plan["jobs"][2]["output_dir"] == str(tmp_path / "2")


def test_job_config_gets_num_id_and_a_resolved_output_dir(tmp_path: Path) -> None:
    seen: list[JobSpec] = []

    def run(spec: JobSpec) -> JobResult:
        seen.append(spec)
        return fake_task_run(spec)

    drive_sweep(make_setup(tmp_path), ScriptedSweeper([[["a=1"], ["a=2"]]]), BasicLauncher(), run)
    assert [(s.num, s.id, s.config.hydra.job.num, s.config.hydra.job.id) for s in seen] == [
        (0, "0", 0, "0"),
        (1, "1", 1, "1"),
    ]
    assert seen[1].output_dir == str(tmp_path / "1")
    assert seen[1].overrides == ("a=2",)


def test_a_batch_that_does_not_compose_fails_before_any_of_its_jobs_start(tmp_path: Path) -> None:
    sweeper = ScriptedSweeper([[["a=1"]], [["a=2"], ["a=bad"]]])
    with pytest.raises(ValueError, match="cannot compose a=bad"):
        drive_sweep(make_setup(tmp_path), sweeper, BasicLauncher(), fake_task_run)
    assert runs(tmp_path, 0) == 1
    assert runs(tmp_path, 1) == 0


def test_failures_are_isolated_by_default(tmp_path: Path) -> None:
    batch = [[f"a={'fail' if n % 3 == 1 else n}"] for n in range(9)]
    outcome = drive_sweep(
        make_setup(tmp_path), ScriptedSweeper([batch]), BasicLauncher(), fake_task_run
    )
    assert [r.num for r in outcome.failed] == [1, 4, 7]
    assert not outcome.stopped_early
    assert all(runs(tmp_path, n) == 1 for n in range(9))
    record = read_job_records(str(tmp_path))[4]
    assert record.status == FAILED and record.error == "ValueError: job 4"


def test_fail_fast_stops_after_the_first_failure(tmp_path: Path) -> None:
    sweeper = ScriptedSweeper([[["a=0"], ["a=fail"], ["a=2"]], [["a=3"]]])
    outcome = drive_sweep(
        make_setup(tmp_path), sweeper, BasicLauncher(), fake_task_run, fail_fast=True
    )
    assert outcome.stopped_early
    assert [r.num for r in outcome.results] == [0, 1]
    assert runs(tmp_path, 2) == 0 and runs(tmp_path, 3) == 0
    plan = read_plan(str(tmp_path))
    assert plan is not None and plan["finished"] is False


def test_rerunning_the_same_sweep_runs_only_jobs_without_a_completed_record(tmp_path: Path) -> None:
    batch = [["a=0"], ["a=fail"], ["a=2"]]
    first = drive_sweep(
        make_setup(tmp_path), ScriptedSweeper([batch]), BasicLauncher(), fake_task_run
    )
    assert [r.num for r in first.failed] == [1]
    record0 = read_job_records(str(tmp_path))[0]
    fixed = [["a=0"], ["a=1"], ["a=2"]]  # job 1 changed: its old record does not count
    sweeper = ScriptedSweeper([fixed])
    second = drive_sweep(make_setup(tmp_path), sweeper, BasicLauncher(), fake_task_run)
    assert second.failed == ()
    assert second.skipped == 2
    assert [runs(tmp_path, n) for n in range(3)] == [1, 2, 1]
    assert read_job_records(str(tmp_path))[0] == record0
    assert sorted(r["num"] for r in record_lines(tmp_path)) == [0, 1, 1, 2]  # job 1 ran again
    # Skipped jobs still reach the sweeper, with their stored return values.
    assert [r.return_value for r in sweeper.told[0]] == ["ret0", "ret1", "ret2"]


def test_a_dead_worker_gets_a_failed_record_written_by_the_parent(tmp_path: Path) -> None:
    batch = [["a=0"], ["a=exit"], ["a=2"]]
    outcome = drive_sweep(
        make_setup(tmp_path), ScriptedSweeper([batch]), ProcessLauncher(n_jobs=2), fake_task_run
    )
    assert [r.num for r in outcome.failed] == [1]
    records = job_records(tmp_path)
    assert records[1]["status"] == FAILED and "exited with code 7" in records[1]["error"]
    assert records[2]["status"] == COMPLETED


def test_failure_report_shows_the_first_failure_like_hydra_then_a_summary() -> None:
    def result(num: int, status: str) -> JobResult:
        failed = status == FAILED
        return JobResult(
            num=num,
            status=status,
            return_value=None,
            error=f"ValueError: bad {num}" if failed else None,
            traceback=f"Traceback (most recent call last):\nValueError: bad {num}\n"
            if failed
            else None,
            output_dir=f"/s/{num}",
            started=0.0,
            ended=1.0,
            overrides=(f"a={num}", "+x=1"),
        )

    one = SweepOutcome(results=(result(0, COMPLETED), result(1, FAILED)), stopped_early=False)
    out = io.StringIO()
    report_failures(one, "/s", out)
    assert out.getvalue() == (
        "Error executing job with overrides: ['a=1', '+x=1']\n"
        "Traceback (most recent call last):\nValueError: bad 1\n"
        "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"
    )
    two = SweepOutcome(
        results=(result(0, FAILED), result(1, COMPLETED), result(2, FAILED)), stopped_early=False
    )
    out = io.StringIO()
    report_failures(two, "/s", out)
    text = out.getvalue()
    assert text.startswith("Error executing job with overrides: ['a=0', '+x=1']\n")
    assert "\n2 of 3 jobs failed; sweep dir: /s\n" in text
    assert "\t#0 : a=0 +x=1 -> ValueError: bad 0\n\t#2 : a=2 +x=1 -> ValueError: bad 2\n" in text
    assert text.endswith(
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"
    )


def test_progress_plain_lines_and_eta() -> None:
    stream = io.StringIO()
    progress = SweepProgress(stream=stream, mode="plain", plain_interval=0.0, parallelism=2)
    progress.start()
    progress.batch_started(4, 4)
    progress.job_skipped()
    progress.job_finished(ok=True)
    progress.job_finished(ok=False)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(
        "[runlab] sweep: 2/4 done, 0 failed, 2 running, 1 already done, elapsed 00:00"
    )
    assert "ETA" in lines[0]
    assert lines[-1].startswith("[runlab] sweep: 3/4 done, 1 failed, 1 running")


def test_progress_is_silent_for_short_sweeps_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = SweepProgress(stream=stream, mode="auto", plain_interval=60)
    progress.start()
    progress.batch_started(1, 1)
    progress.job_finished(ok=True)
    progress.close()
    assert progress.mode == "plain"
    assert stream.getvalue() == ""


def test_live_progress_redraws_one_line_and_clears_it() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = SweepProgress(stream=stream)
    assert progress.mode == "live"
    progress.start()
    progress.batch_started(2, 2)
    import time

    time.sleep(0.7)
    progress.close()
    text = stream.getvalue()
    assert "\r\x1b[K[runlab] sweep: 0/2 done, 0 failed, 1 running" in text
    assert text.endswith("\r\x1b[K")


def test_format_duration() -> None:
    assert format_duration(0) == "00:00"
    assert format_duration(75.9) == "01:15"
    assert format_duration(3723) == "1:02:03"


@pytest.mark.parametrize(
    ("size", "pickled_limit", "compositions"),
    [(3, 2_000, 3), (70, 2_000, 70), (70, 10, 130)],
    ids=["small batch: kept live", "big batch: kept pickled",
         "past the bound: the other 60 composed again"],
)
def test_how_a_batch_is_held_between_validation_and_launch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    pickled_limit: int,
    compositions: int,
) -> None:
    from dataclasses import replace

    monkeypatch.setattr("runlab.runtime.multirun._KEEP_PICKLED_JOBS", pickled_limit)
    setup = make_setup(tmp_path)
    calls: list[tuple[str, ...]] = []
    compose = setup.compose_job

    def counting(overrides):  # type: ignore[no-untyped-def]
        calls.append(tuple(overrides))
        return compose(overrides)

    batch = [[f"a={n}"] for n in range(size)]
    seen: list[JobSpec] = []

    def run(spec: JobSpec) -> JobResult:
        seen.append(spec)
        return fake_task_run(spec)

    outcome = drive_sweep(
        replace(setup, compose_job=counting), ScriptedSweeper([batch]), BasicLauncher(), run
    )
    assert [r.return_value for r in outcome.results] == [f"ret{n}" for n in range(size)]
    assert len(calls) == compositions
    assert [(s.num, s.config.a, s.config.hydra.job.num) for s in seen] == [
        (n, n, n) for n in range(size)
    ]


def test_resume_can_be_turned_off_to_run_every_job_again(tmp_path: Path) -> None:
    from dataclasses import replace

    batch = [["a=0"], ["a=1"]]
    drive_sweep(make_setup(tmp_path), ScriptedSweeper([batch]), BasicLauncher(), fake_task_run)
    again = drive_sweep(
        replace(make_setup(tmp_path), resume=False),
        ScriptedSweeper([batch]),
        BasicLauncher(),
        fake_task_run,
    )
    assert again.skipped == 0
    assert [runs(tmp_path, n) for n in range(2)] == [2, 2]


def test_a_big_batch_checked_on_scratch_copies_is_composed_once_at_launch(
    tmp_path: Path,
) -> None:
    """With ``scratch_job``, a big batch keeps no config per job: each job is composed when launched."""
    from dataclasses import replace

    setup = make_setup(tmp_path)
    composed: list[tuple[str, ...]] = []
    checked: list[tuple[str, ...]] = []
    compose = setup.compose_job

    def counting(overrides):  # type: ignore[no-untyped-def]
        composed.append(tuple(overrides))
        return compose(overrides)

    def scratch(overrides):  # type: ignore[no-untyped-def]
        checked.append(tuple(overrides))
        return None if overrides == ["a=bad"] else compose(overrides)

    seen: list[JobSpec] = []

    def run(spec: JobSpec) -> JobResult:
        seen.append(spec)
        return fake_task_run(spec)

    batch = [[f"a={n}"] for n in range(70)]
    big = replace(setup, compose_job=counting, scratch_job=scratch)
    outcome = drive_sweep(big, ScriptedSweeper([batch]), BasicLauncher(), run)
    assert [r.return_value for r in outcome.results] == [f"ret{n}" for n in range(70)]
    assert len(checked) == 70 and len(composed) == 70  # checked on scratch, composed at launch
    assert [(s.num, s.config.a, s.config.hydra.job.num) for s in seen] == [
        (n, n, n) for n in range(70)
    ]
    assert [s.output_dir for s in seen] == [str(tmp_path / str(n)) for n in range(70)]
    # A job the scratch copy cannot check is composed at once: its error still rejects the batch
    # before any job of it starts.
    seen.clear()
    with pytest.raises(ValueError, match="cannot compose a=bad"):
        drive_sweep(
            replace(big, sweep_dir=str(tmp_path / "second")),
            ScriptedSweeper([[*batch, ["a=bad"]]]),
            BasicLauncher(),
            run,
        )
    assert seen == []


def test_a_big_batch_tells_the_sweeper_its_results_read_back_from_the_records(
    tmp_path: Path,
) -> None:
    batch = [[f"a={'fail' if n % 10 == 3 else n}"] for n in range(70)]  # over 64: not kept
    sweeper = ScriptedSweeper([batch])
    outcome = drive_sweep(make_setup(tmp_path), sweeper, BasicLauncher(), fake_task_run)
    [told] = sweeper.told
    assert [r.num for r in told] == list(range(70))
    assert [r.return_value for r in told[:3]] == ["ret0", "ret1", "ret2"]
    assert [r.num for r in told if r.status == FAILED] == [3, 13, 23, 33, 43, 53, 63]
    assert isinstance(outcome.results, SweepResults) and len(outcome.results) == 70
    assert [r.num for r in outcome.failed] == [3, 13, 23, 33, 43, 53, 63]
    assert outcome.results[69].return_value == "ret69"
    assert outcome.results[69].output_dir == str(tmp_path / "69")
    assert list(outcome.results.output_dirs()) == [str(tmp_path / str(n)) for n in range(70)]


class CountingSweeper(ScriptedSweeper):
    """Like ScriptedSweeper, but keeps no results (it only counts them)."""

    def tell(self, results: Sequence[JobResult]) -> None:
        self.count = getattr(self, "count", 0) + len(results)


def test_a_long_sweep_keeps_nothing_per_job_in_memory(tmp_path: Path) -> None:
    jobs = 1500
    sweeper = CountingSweeper([[[f"a={n}"] for n in range(i, i + 50)] for i in range(0, jobs, 50)])
    sizes: dict[int, int] = {}

    def run(spec: JobSpec) -> JobResult:
        result = fake_task_run(spec)
        if spec.num in (500, jobs - 1):
            gc.collect()
            sizes[spec.num] = tracemalloc.get_traced_memory()[0]
        return result

    tracemalloc.start()
    try:
        outcome = drive_sweep(make_setup(tmp_path), sweeper, BasicLauncher(), run)
    finally:
        tracemalloc.stop()
    assert len(outcome.results) == jobs and sweeper.count == jobs
    # Kept per job: a byte of outcome (a JobResult and its strings would be ~500 bytes).
    assert (sizes[jobs - 1] - sizes[500]) / (jobs - 1 - 500) < 100


def test_jobs_get_the_masters_resolver_cache_and_can_cache_more(tmp_path: Path) -> None:
    from omegaconf import OmegaConf

    from runlab.runtime.multirun import _copy_resolver_cache

    master = OmegaConf.create({"when": "${now:%H:%M:%S.%f}"})
    started = master.when
    job = OmegaConf.create({"when": "${now:%H:%M:%S.%f}", "day": "${now:%Y-%m-%d}"})
    _copy_resolver_cache(master, job)
    assert job.when == started  # the master's value: every job sees the sweep's start time
    assert job.day == job.day and OmegaConf.get_cache(master)["now"].keys() == {("%H:%M:%S.%f",)}
    OmegaConf.clear_cache(master)
    empty = OmegaConf.create({"when": "${now:%H:%M:%S.%f}"})
    _copy_resolver_cache(master, empty)  # nothing cached yet: the job caches its own values
    assert empty.when == empty.when


def test_a_batch_plan_keeps_nothing_per_job(tmp_path: Path) -> None:
    """Planning a 200,000-job grid batch: the jobs are made from the grid when asked for, and only
    an output dir other than ``<sweep dir>/<num>`` is remembered."""
    from runlab.plugins.grid import grid_jobs
    from runlab.runtime.multirun import _BatchPlan

    batch = grid_jobs(["a=range(0,400)", "b=range(0,500)"])
    sweep_dir = str(tmp_path / "sweep")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        plan = _BatchPlan(batch, 10, sweep_dir)
        for position in range(len(batch)):
            num = 10 + position
            plan.add_checked(num, str(tmp_path / "elsewhere") if num == 77 else
                             os.path.join(sweep_dir, str(num)))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 20_000  # 200,000 PlannedJob objects would be ~60 MB
    planned = plan.planned
    assert len(planned) == 200_000
    assert planned[0] == PlannedJob(10, ("a=0", "b=0"), os.path.join(sweep_dir, "10"))
    assert planned[67].output_dir == str(tmp_path / "elsewhere")
    assert planned[-1] == PlannedJob(200_009, ("a=399", "b=499"), os.path.join(sweep_dir, "200009"))
    pending = planned.select(range(5, 8))
    assert [job.num for job in pending] == [15, 16, 17] and pending[1:][0].num == 16
