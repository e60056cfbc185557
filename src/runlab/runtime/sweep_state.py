"""The on-disk protocol that lets a killed sweep resume: a plan, one record per finished job, a lock.

Layout under ``<sweep_dir>/.runlab/``:

* ``sweep.json`` -- the plan: how the sweep was started (command, cwd, config name, task overrides,
  the ``now`` resolver's values so ``${now:...}`` paths resolve to the same directory) and every job
  proposed so far (number, overrides, output dir).  Rewritten atomically before each batch starts.
* ``jobs/<num>.json`` -- written atomically (temp file + ``os.replace``) by whoever ran the job, *after*
  ``run_job`` returned, i.e. after the job's own files.  A record with status ``COMPLETED`` whose
  overrides equal the job's is what "this job is done" means; anything else (no record, a ``FAILED``
  record, a record of a different job that had the same number) makes the job run again.
* ``sweep.lock`` -- an exclusive ``flock`` held by the process driving the sweep (and inherited by its
  forked workers), so a resume cannot start while the killed sweep's workers are still running.

A SIGKILL at any instant leaves either no record or a whole one, never a torn one; so resuming runs
exactly the jobs that did not finish, with the same numbers and directories.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import time
from collections.abc import Iterable, Mapping
from typing import Any

from runlab._values import mutable
from runlab.errors import CompactHydraException
from runlab.plugins import COMPLETED, JobResult

__all__ = [
    "PLAN_FILE",
    "STATE_DIR",
    "SweepLockedError",
    "SweepState",
    "read_job_record",
    "read_plan",
    "write_job_record",
]

STATE_DIR = ".runlab"
PLAN_FILE = "sweep.json"
JOBS_DIR = "jobs"
LOCK_FILE = "sweep.lock"
FORMAT_VERSION = 1
_MAX_PICKLED_RETURN_BYTES = 1 << 20
_LOCK_WAIT_SECONDS = 30.0


class SweepLockedError(CompactHydraException):
    """Another live process is driving this sweep directory (compact: its message says what to do)."""


def _state_dir(sweep_dir: str) -> str:
    return os.path.join(sweep_dir, STATE_DIR)


def _write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(tmp, path)


def _encode_return_value(value: Any) -> str | None:
    try:
        data = pickle.dumps(value, protocol=4)
    except Exception:  # noqa: BLE001 - an unpicklable return value is simply not kept
        return None
    if len(data) > _MAX_PICKLED_RETURN_BYTES:
        return None
    return base64.b64encode(data).decode("ascii")


def _decode_return_value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return pickle.loads(base64.b64decode(text))
    except Exception:  # noqa: BLE001 - a class that no longer imports: the value is lost, not the job
        return None


def write_job_record(sweep_dir: str, result: JobResult) -> None:
    """Record how job ``result.num`` ended; called after the job's files are written."""
    record = {
        "num": result.num,
        "status": result.status,
        "overrides": list(result.overrides),
        "output_dir": result.output_dir,
        "error": result.error,
        "traceback": result.traceback,
        "started": result.started,
        "ended": result.ended,
        "return_value_repr": _safe_repr(result.return_value),
        "return_value": _encode_return_value(result.return_value),
    }
    jobs_dir = os.path.join(_state_dir(sweep_dir), JOBS_DIR)
    _write_atomically(os.path.join(jobs_dir, f"{result.num}.json"), json.dumps(record))


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not lose the record
        return "<unrepresentable>"
    return text if len(text) <= 200 else text[:197] + "..."


def read_job_record(path: str) -> JobResult | None:
    """The result stored at ``path``; None when it is missing or unreadable."""
    try:
        with open(path, encoding="utf-8") as file:
            record = json.load(file)
        return JobResult(
            num=int(record["num"]),
            status=str(record["status"]),
            return_value=_decode_return_value(record.get("return_value")),
            error=record.get("error"),
            traceback=record.get("traceback"),
            output_dir=str(record["output_dir"]),
            started=float(record["started"]),
            ended=float(record["ended"]),
            overrides=tuple(record["overrides"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_plan(sweep_dir: str) -> dict[str, Any] | None:
    """The stored plan of ``sweep_dir``, or None when it holds no runlab sweep."""
    try:
        with open(os.path.join(_state_dir(sweep_dir), PLAN_FILE), encoding="utf-8") as file:
            plan = json.load(file)
    except (OSError, ValueError):
        return None
    return plan if isinstance(plan, dict) else None


def encode_cache(cache: Mapping[str, Any]) -> str | None:
    """OmegaConf's resolver cache (``now`` values) as text for the plan."""
    return _encode_return_value(dict(cache))


def decode_cache(text: str | None) -> dict[str, Any] | None:
    value = _decode_return_value(text)
    return value if isinstance(value, dict) else None


@mutable
class PlannedJob:
    num: int
    overrides: tuple[str, ...]
    output_dir: str


class SweepState:
    """The driving process's handle on a sweep directory's state (holds the lock while open)."""

    def __init__(self, sweep_dir: str, *, resume: bool = True) -> None:
        self.sweep_dir = sweep_dir
        self.state_dir = _state_dir(sweep_dir)
        os.makedirs(os.path.join(self.state_dir, JOBS_DIR), exist_ok=True)
        self._lock_fd = self._acquire_lock()
        # resume=False: every job runs again (its record is overwritten when it ends).
        self.records = self._load_records() if resume else {}
        self.plan: dict[str, Any] = read_plan(sweep_dir) or {}
        self.jobs: list[PlannedJob] = []

    def _acquire_lock(self) -> int | None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no protection against concurrent resumes
            return None
        fd = os.open(os.path.join(self.state_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + _LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return fd
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise SweepLockedError(
                        f"The sweep directory '{self.sweep_dir}' is in use by another runlab process; "
                        "wait for it to finish (or stop it) and run again"
                    ) from None
                time.sleep(0.05)

    def _load_records(self) -> dict[int, JobResult]:
        records: dict[int, JobResult] = {}
        jobs_dir = os.path.join(self.state_dir, JOBS_DIR)
        for name in os.listdir(jobs_dir):
            if name.endswith(".json"):
                record = read_job_record(os.path.join(jobs_dir, name))
                if record is not None:
                    records[record.num] = record
        return records

    def completed(self, num: int, overrides: Iterable[str]) -> JobResult | None:
        """The stored result if job ``num`` with these overrides already completed, else None."""
        record = self.records.get(num)
        if (
            record is not None
            and record.status == COMPLETED
            and record.overrides == tuple(overrides)
        ):
            return record
        return None

    def has_record(self, num: int) -> bool:
        return os.path.exists(os.path.join(self.state_dir, JOBS_DIR, f"{num}.json"))

    def start_plan(self, header: Mapping[str, Any]) -> None:
        """Begin the plan of this sweep (keeps the jobs of a plan being resumed)."""
        self.plan = {"format": FORMAT_VERSION, **header, "jobs": [], "finished": False}
        self.jobs = []

    def add_jobs(self, jobs: Iterable[PlannedJob]) -> None:
        self.jobs.extend(jobs)
        self._save()

    def finish(self) -> None:
        self.plan["finished"] = True
        self._save()

    def _save(self) -> None:
        from runlab.tracking.records import dump_json_lines

        # The job list is built for the file only (kept once, as ``self.jobs``) and written by the C
        # encoder: a sweeper that asks one job at a time rewrites the plan after every job.
        plan = dict(self.plan)
        plan["jobs"] = [
            {"num": j.num, "overrides": list(j.overrides), "output_dir": j.output_dir}
            for j in self.jobs
        ]
        _write_atomically(os.path.join(self.state_dir, PLAN_FILE), dump_json_lines(plan))

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
