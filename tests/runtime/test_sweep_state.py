"""The completion journal of a sweep: appended lines, one file per process, torn lines ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sweep_records import record_lines

from runlab.plugins import COMPLETED, FAILED, JobResult
from runlab.runtime.sweep_state import (
    PlannedJob,
    SweepState,
    close_journal,
    iter_planned_jobs,
    read_job_records,
    read_plan,
    write_job_record,
)


def result(num: int, status: str = COMPLETED, ended: float = 2.0, value: object = None) -> JobResult:
    error = "ValueError: no" if status == FAILED else None
    return JobResult(num, status, value, error, None, f"/out/{num}", 1.0, ended, (f"n={num}",))


def journals(sweep: Path) -> list[Path]:
    return sorted((sweep / ".runlab" / "jobs").glob("*.jsonl"))


def test_records_are_appended_to_one_file_per_process(tmp_path: Path) -> None:
    sweep = str(tmp_path)
    for num in range(3):
        write_job_record(sweep, result(num, value={"loss": num / 2}))
    assert len(journals(tmp_path)) == 1
    assert [r["num"] for r in record_lines(tmp_path)] == [0, 1, 2]
    records = read_job_records(sweep)
    assert sorted(records) == [0, 1, 2]
    assert records[2] == result(2, value={"loss": 1.0})
    pid = os.fork()
    if pid == 0:  # a forked worker writes a file of its own, never its parent's
        write_job_record(sweep, result(3))
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    assert len(journals(tmp_path)) == 2
    assert sorted(read_job_records(sweep)) == [0, 1, 2, 3]
    close_journal(sweep)


def test_a_line_cut_short_by_a_kill_is_ignored_and_never_appended_to(tmp_path: Path) -> None:
    sweep = str(tmp_path)
    write_job_record(sweep, result(0))
    close_journal(sweep)
    (path,) = journals(tmp_path)
    whole = json.dumps({**record_lines(tmp_path)[0], "num": 1})
    with path.open("a", encoding="utf-8") as file:
        file.write(whole[: len(whole) // 2])  # the kill came in the middle of job 1's record
    assert sorted(read_job_records(sweep)) == [0]
    write_job_record(sweep, result(2))  # the next process (here: the next open) gets a new file
    close_journal(sweep)
    assert len(journals(tmp_path)) == 2
    assert sorted(read_job_records(sweep)) == [0, 2]


def test_the_record_that_ended_last_counts(tmp_path: Path) -> None:
    sweep = str(tmp_path)
    write_job_record(sweep, result(0, COMPLETED, ended=5.0))
    write_job_record(sweep, result(0, FAILED, ended=9.0))  # run again without resume, and failed
    write_job_record(sweep, result(1, FAILED, ended=3.0))
    write_job_record(sweep, result(1, COMPLETED, ended=4.0))  # resumed, and completed
    close_journal(sweep)
    records = read_job_records(sweep)
    assert (records[0].status, records[1].status) == (FAILED, COMPLETED)
    state = SweepState(sweep)
    assert state.completed(0, ["n=0"]) is None
    assert state.completed(1, ["n=1"]) == result(1, COMPLETED, ended=4.0)
    assert state.completed(1, ["n=2"]) is None  # a different job with the same number
    state.close()


def test_sweeps_recorded_one_file_per_job_are_still_read(tmp_path: Path) -> None:
    jobs = tmp_path / ".runlab" / "jobs"
    jobs.mkdir(parents=True)
    legacy = {
        "num": 4, "status": COMPLETED, "overrides": ["n=4"], "output_dir": "/out/4", "error": None,
        "traceback": None, "started": 1.0, "ended": 2.0, "return_value_repr": "None",
        "return_value": None,
    }
    (jobs / "4.json").write_text(json.dumps(legacy))
    (jobs / "5.json").write_text("{not json")
    (jobs / "6.json.123.tmp").write_text(json.dumps({**legacy, "num": 6}))
    assert read_job_records(str(tmp_path)) == {4: result(4)}


def test_the_plan_appends_its_jobs_and_starts_again_empty(tmp_path: Path) -> None:
    sweep = str(tmp_path)
    state = SweepState(sweep)
    state.start_plan({"config_name": "config"})
    state.add_jobs([PlannedJob(n, (f"n={n}",), f"/out/{n}") for n in range(2)])
    state.add_jobs([PlannedJob(2, ("n=2",), "/out/2")])
    plan = read_plan(sweep)
    assert plan is not None and plan["config_name"] == "config" and plan["finished"] is False
    assert plan["jobs"] == [
        {"num": n, "overrides": [f"n={n}"], "output_dir": f"/out/{n}"} for n in range(3)
    ]
    assert "jobs" not in (read_plan(sweep, jobs=False) or {})
    state.finish()
    state.close()
    assert (read_plan(sweep) or {})["finished"] is True
    again = SweepState(sweep)  # a resume proposes its jobs again: the list starts empty
    again.start_plan({"config_name": "config"})
    again.add_jobs([PlannedJob(0, ("n=0",), "/out/0")])
    assert [job["num"] for job in iter_planned_jobs(sweep)] == [0]
    again.close()


def test_a_plan_written_with_its_job_list_inside_is_still_read(tmp_path: Path) -> None:
    state_dir = tmp_path / ".runlab"
    state_dir.mkdir()
    jobs = [{"num": 0, "overrides": ["n=0"], "output_dir": "/out/0"}]
    (state_dir / "sweep.json").write_text(json.dumps({"format": 1, "jobs": jobs, "finished": True}))
    assert (read_plan(str(tmp_path)) or {})["jobs"] == jobs
    assert list(iter_planned_jobs(str(tmp_path))) == jobs
