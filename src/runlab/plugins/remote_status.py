"""``runlab status SWEEP_DIR``: how far a sweep got, from its files (and Slurm, when it is there).

A detached sweep has no process watching it, so the answer is read where the jobs leave their traces:
the plan (``.runlab/sweep.json`` and ``planned.jsonl``: every job), the completion records the jobs write when they end
(``.runlab/jobs/*.jsonl``), each job's run record (``<job dir>/.runlab/run.json``: present while the
job runs) and what the launcher wrote at submission (``.runlab/launcher.json``: Slurm job ids).
Nothing here writes: asking for the status never changes a record.

A job is ``completed``/``failed`` by its completion record (``killed`` when its run record says the
scheduler stopped it), ``running`` while its run record says so and its process is alive, ``killed``
when that process is gone (same host) or Slurm reports a time limit, preemption or cancellation, and
``pending`` when nothing of it exists yet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from runlab.plugins._remote import killed_reason, read_launcher_info

__all__ = ["JOB_STATES", "print_status", "run_status_command", "status_of_sweep"]

JOB_STATES = ("completed", "failed", "killed", "running", "pending")

_SLURM_RUNNING = {"RUNNING", "COMPLETING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED"}
_SLURM_PENDING = {"PENDING", "REQUEUE_HOLD", "REQUEUE_FED"}


def _read_json(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def slurm_states(job_ids: Sequence[str]) -> dict[str, str]:
    """Slurm's state of each job id; empty when Slurm is not here.

    ``sacct`` knows ended jobs (with accounting), ``squeue -r`` the queued and running ones -- one
    line per array task, including tasks not started yet, which ``sacct`` may not list so soon after
    submission.  The live view wins.
    """
    if not job_ids:
        return {}
    ids = ",".join(sorted({str(j) for j in job_ids}))
    states: dict[str, str] = {}
    for command in (
        ["sacct", "-n", "-P", "-X", "-o", "JobID,State", "-j", ids],
        ["squeue", "-r", "-h", "-o", "%i|%T", "-j", ids],
    ):
        if shutil.which(command[0]) is None:
            continue
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode != 0:
            continue
        for line in done.stdout.splitlines():
            job_id, _, state = line.strip().partition("|")
            if job_id and state:
                states[job_id] = state.split()[0].upper()
    return states


def _run_state(output_dir: str) -> tuple[str | None, str | None]:
    """The run record's status (``running`` demoted to ``killed`` when its process is gone here)."""
    from runlab.tracking.environment import host_name, pid_alive

    record = _read_json(os.path.join(output_dir, ".runlab", "run.json"))
    if record is None:
        return None, None
    status = str(record.get("status") or "running")
    error = record.get("error")
    if status == "running" and record.get("host") == host_name():
        pid = record.get("pid")
        if isinstance(pid, int) and not pid_alive(pid, record.get("pid_started")):
            return "killed", f"killed: process {pid} ended without finishing the run"
    return status, str(error) if error is not None else None


def _job_state(
    job: Mapping[str, Any], record: Mapping[str, Any] | None, scheduler_state: str | None
) -> tuple[str, str | None]:
    output_dir = str(job.get("output_dir") or "")
    run_status, run_error = _run_state(output_dir) if output_dir else (None, None)
    if record is not None:
        if record.get("status") == "COMPLETED":
            return "completed", None
        error = record.get("error")
        if run_status == "killed" or (isinstance(error, str) and " ended in state " in error):
            return "killed", str(error or run_error)
        return "failed", str(error) if error is not None else None
    if scheduler_state is not None:
        if scheduler_state in _SLURM_RUNNING:
            return "running", None
        if scheduler_state in _SLURM_PENDING:
            return "pending", None
        if scheduler_state != "COMPLETED":
            return "killed", killed_reason("slurm", str(job.get("job_id")), scheduler_state)
    if run_status == "running":
        return "running", None
    if run_status in ("killed", "failed"):
        return run_status, run_error
    return "pending", None


def status_of_sweep(sweep_dir: str) -> dict[str, Any]:
    """Where a sweep stands: counts per state and one entry per job (see the module docstring).

    Raises ``FileNotFoundError`` when ``sweep_dir`` holds no runlab sweep.
    """
    sweep_dir = os.path.abspath(sweep_dir)
    from runlab.runtime.sweep_state import read_job_records, read_plan

    plan = read_plan(sweep_dir)
    if plan is None:
        raise FileNotFoundError(
            f"'{sweep_dir}' is not a runlab sweep directory (no .runlab/sweep.json)"
        )
    launcher = read_launcher_info(sweep_dir) or {}
    job_ids = (
        {str(k): str(v) for k, v in dict(launcher.get("jobs") or {}).items()}
        if isinstance(launcher.get("jobs"), dict)
        else {}
    )
    ended = read_job_records(sweep_dir)
    records = {
        str(num): (
            {"status": ended[num].status, "error": ended[num].error} if num in ended else None
        )
        for num in (job.get("num") for job in plan.get("jobs", []))
    }
    unfinished_ids = [job_ids[n] for n, r in records.items() if r is None and n in job_ids]
    scheduler = (
        slurm_states(unfinished_ids)
        if str(launcher.get("launcher", "")) == "submitit_slurm"
        else {}
    )
    entries = []
    for job in plan.get("jobs", []):
        num = str(job.get("num"))
        job_id = job_ids.get(num)
        state, error = _job_state(
            {**job, "job_id": job_id}, records.get(num), scheduler.get(job_id or "")
        )
        entries.append(
            {
                "num": int(job.get("num")),
                "overrides": list(job.get("overrides", [])),
                "output_dir": job.get("output_dir"),
                "job_id": job_id,
                "state": state,
                "error": error,
            }
        )
    counts = {name: sum(1 for e in entries if e["state"] == name) for name in JOB_STATES}
    return {
        "sweep_dir": sweep_dir,
        "launcher": launcher.get("launcher"),
        "detached": bool(launcher.get("detached", False)),
        "submitted": launcher.get("submitted"),
        "finished": bool(plan.get("finished", False)),
        "total": len(entries),
        **counts,
        "done": counts["running"] == 0 and counts["pending"] == 0,
        "jobs": entries,
    }


def print_status(status: Mapping[str, Any], stream: TextIO | None = None) -> None:
    """The human view: one summary line, then one line per job that did not complete."""
    out = stream if stream is not None else sys.stdout
    launcher = status.get("launcher") or "local"
    how = f"{launcher}, detached" if status.get("detached") else str(launcher)
    out.write(f"Sweep {status['sweep_dir']} ({how})\n")
    counts = ", ".join(f"{status[name]} {name}" for name in JOB_STATES)
    out.write(f"  {status['total']} jobs: {counts}\n")
    for job in status["jobs"]:
        if job["state"] in ("failed", "killed"):
            overrides = " ".join(job["overrides"])
            out.write(f"  #{job['num']} {job['state']} ({overrides}): {job['error']}\n")
    if status["done"]:
        if status["failed"] or status["killed"]:
            out.write(
                "  every job has ended; re-run the sweep (same command, or `runlab resume "
                f"{status['sweep_dir']}`) to run the failed and killed ones again\n"
            )
        else:
            out.write("  every job has completed\n")
    else:
        out.write(f"  in progress: `runlab status {status['sweep_dir']}` again to follow it\n")


def run_status_command(
    sweep_dir: str, *, as_json: bool = False, stream: TextIO | None = None
) -> int:
    """``runlab status SWEEP_DIR [--json]``: exit 0 (all completed or still going), 1 (some failed
    or were killed), 3 (not a sweep directory)."""
    out = stream if stream is not None else sys.stdout
    try:
        status = status_of_sweep(sweep_dir)
    except FileNotFoundError as error:
        sys.stderr.write(f"runlab status: {error}\n")
        return 3
    if as_json:
        out.write(json.dumps(status, indent=1) + "\n")
    else:
        print_status(status, out)
    return 1 if status["failed"] or status["killed"] else 0
