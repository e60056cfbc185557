"""What the Ray and submitit launchers share: shipping the runner, failed results, submit-and-leave.

Remote launchers differ from the local pool in three ways that this module handles once:

* the runner travels to another process or machine, so it must pickle (``portable_runner``);
* a job can vanish without its process telling anyone (a node lost, a Slurm time limit, preemption):
  the driver then writes the FAILED result *and* turns the job's ``running`` run record into
  ``killed`` with the reason (``mark_run_killed``), so ``runlab runs`` never shows a ghost run;
* a sweep may be submitted and left (``detach``): the launcher writes what it submitted to
  ``<sweep_dir>/.runlab/launcher.json`` (read by ``runlab status``) and ends the process with
  :class:`DetachedSweep`.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from runlab.plugins import FAILED, JobResult, JobSpec, RunJob

__all__ = [
    "KILLED_STATES",
    "LAUNCHER_FILE",
    "DetachedSweep",
    "await_records",
    "failed_result",
    "killed_reason",
    "mark_run_killed",
    "missing_extra",
    "portable_result",
    "portable_runner",
    "read_launcher_info",
    "write_launcher_info",
]

log = logging.getLogger("hydra")

LAUNCHER_FILE = "launcher.json"
"""Under ``<sweep_dir>/.runlab/``: which launcher ran the sweep and how to find its jobs."""


class DetachedSweep(SystemExit):
    """Raised by a launcher after it submitted a sweep with ``detach=true``: the process exits 0.

    A ``SystemExit`` so it passes through every ``except Exception`` between the launcher and the
    interpreter, and the sweep loop's ``finally`` blocks still release the sweep lock.  The jobs
    write their own records, so nothing is lost by leaving.
    """

    def __init__(self, message: str) -> None:
        super().__init__(0)
        self.message = message


KILLED_STATES = {
    "TIMEOUT": "it reached its time limit",
    "PREEMPTED": "it was preempted",
    "CANCELLED": "it was cancelled",
    "NODE_FAIL": "its node failed",
    "OUT_OF_MEMORY": "it ran out of memory",
    "DEADLINE": "it reached its deadline",
    "BOOT_FAIL": "its node failed to boot",
    "INTERRUPTED": "it was interrupted",
}


def killed_reason(executor: str, job_id: str, state: str) -> str:
    """One line saying why the scheduler stopped a job (state names as Slurm and submitit say them)."""
    base = state.split()[0].upper() if state else "UNKNOWN"
    why = KILLED_STATES.get(base, "it did not complete")
    return f"{executor} job {job_id} ended in state {base}: {why}"


def missing_extra(extra: str, module: str) -> ImportError:
    """The error a launcher module raises when its optional dependency is not installed."""
    return ImportError(
        f"hydra/launcher needs the '{module}' package: pip install 'runlab[{extra}]'"
        f" (or pip install {module})",
        name=module,
    )


def failed_result(spec: JobSpec, message: str, started: float | None = None) -> JobResult:
    """A FAILED result for a job that could not report one itself."""
    now = time.time()
    return JobResult(
        num=spec.num,
        status=FAILED,
        return_value=None,
        error=message,
        traceback=None,
        output_dir=spec.output_dir,
        started=started if started is not None else now,
        ended=now,
        overrides=spec.overrides,
    )


def portable_result(result: JobResult, num: int) -> JobResult:
    """``result`` with its return value dropped (and a warning) when the value does not pickle."""
    try:
        pickle.dumps(result.return_value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # noqa: BLE001 - any pickling failure: the job still succeeded
        logging.getLogger("hydra").warning(
            f"Job #{num}: its return value cannot be sent back to the sweep "
            f"({type(error).__name__}: {error}); it is reported as None"
        )
        return replace(result, return_value=None)
    return result


def _dumps(value: Any) -> bytes:
    try:
        import cloudpickle  # shipped with ray and submitit: pickles functions of __main__ by value
    except ImportError:  # pragma: no cover - both extras bring it
        return pickle.dumps(value)
    return bytes(cloudpickle.dumps(value))


def portable_runner(run: RunJob) -> RunJob:
    """``run`` if it pickles; else a copy whose task runner loads callbacks from the job config.

    The runtime's runner carries the sweep's callback objects; those may hold open files or locks.
    Hydra runs job callbacks where the job runs, instantiated from ``hydra.callbacks`` -- which is
    what ``callbacks=None`` means to ``run_job``, so dropping the objects keeps the behaviour.
    """
    try:
        _dumps(run)
    except Exception:  # noqa: BLE001 - try the callback-free copy below
        log.debug("the sweep's runner does not pickle; job callbacks load on the workers")
    else:
        return run
    inner = getattr(run, "run", None)
    if inner is not None and hasattr(inner, "callbacks"):
        stripped_inner = copy.copy(inner)
        stripped_inner.callbacks = None
        stripped = copy.copy(run)
        stripped.run = stripped_inner  # type: ignore[attr-defined]
        _dumps(stripped)  # raises with the real reason if something else does not pickle
        return stripped
    _dumps(run)
    return run


def mark_run_killed(output_dir: str, reason: str) -> None:
    """Turn the job's ``running`` run record into ``killed`` (its process was stopped from outside)."""
    from runlab.tracking.records import read_record, write_record

    record = read_record(output_dir)
    if record is None or record.status != "running":
        return
    end = max(time.time(), record.start)
    try:
        write_record(
            record.with_changes(
                status="killed", end=end, duration=end - record.start, error=f"killed: {reason}"
            )
        )
    except OSError as error:  # the record stays "running"; `runlab index` can still judge it
        log.warning(f"could not mark the run in {output_dir} killed: {error}")


def _launcher_path(sweep_dir: str) -> str:
    return os.path.join(sweep_dir, ".runlab", LAUNCHER_FILE)


def write_launcher_info(sweep_dir: str, info: Mapping[str, Any]) -> None:
    """Record how to find a sweep's jobs (atomically: ``runlab status`` may read it meanwhile)."""
    path = _launcher_path(sweep_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as file:
        json.dump(dict(info), file, indent=1)
    os.replace(tmp, path)


def read_launcher_info(sweep_dir: str) -> dict[str, Any] | None:
    try:
        with open(_launcher_path(sweep_dir), encoding="utf-8") as file:
            info = json.load(file)
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def await_records(
    sweep_dir: str,
    jobs: Sequence[JobSpec],
    submitted: float,
    *,
    still_running: Callable[[set[int]], set[int]],
    lost: str,
    poll_seconds: float,
) -> Iterator[JobResult]:
    """Results of jobs a detached submission runs, read from the records the jobs write.

    Used when a sweep is run again while its detached jobs are still going: waiting for them
    instead of submitting them a second time.  ``still_running(nums)`` asks the scheduler which of
    ``nums`` are queued or running; a job it no longer knows, with no record newer than the
    submission, was lost (``lost`` says how) and is reported FAILED.
    """
    from runlab.runtime.sweep_state import read_job_records

    waiting = {job.num: job for job in jobs}

    def fresh() -> dict[int, JobResult]:
        records = read_job_records(sweep_dir)
        return {n: r for n, r in records.items() if n in waiting and r.ended >= submitted}

    while waiting:
        for num, done in sorted(fresh().items()):
            del waiting[num]
            yield done
        if not waiting:
            return
        alive = still_running(set(waiting))
        gone = [n for n in waiting if n not in alive]
        ended = fresh() if gone else {}  # they may have ended between the two looks
        for num in gone:
            spec = waiting.pop(num)
            late = ended.get(num)
            yield late if late is not None else failed_result(spec, f"job #{num} {lost}")
        if waiting:
            time.sleep(poll_seconds)
