"""The on-disk protocol that lets a killed sweep resume: a plan, one record per finished job, a lock.

Layout under ``<sweep_dir>/.runlab/``:

* ``sweep.json`` -- the plan: how the sweep was started (command, cwd, config name, task overrides,
  the ``now`` resolver's values so ``${now:...}`` paths resolve to the same directory) and whether
  it finished.  Written atomically when the sweep starts and when it ends.
* ``planned.jsonl`` -- every job proposed so far (number, overrides, output dir), one line per job,
  appended before each batch starts and emptied when the sweep starts again.  Appending keeps the
  cost of a batch to its own jobs (rewriting the whole list cost a sweeper that asks for one job at
  a time O(jobs²)) and keeps no job list in memory.  :func:`read_plan` returns both as one mapping;
  sweeps started before this file existed kept the list in ``sweep.json`` and are read as well.
* ``jobs/<pid>-<token>.jsonl`` -- how jobs ended, one JSON line per job, appended by whoever ran the
  job *after* ``run_job`` returned, i.e. after the job's own files.  Each process appends to a file of
  its own (a single ``write`` of a whole line), so writers never interleave, even on a shared file
  system where ``O_APPEND`` is not atomic between hosts.  A record with status ``COMPLETED`` whose
  overrides equal the job's is what "this job is done" means; anything else (no record, a ``FAILED``
  record, a record of a different job that had the same number) makes the job run again.  When a
  job has several records (it ran again after a resume) the one that ended last counts.  Sweeps
  recorded before the journal existed (one ``jobs/<num>.json`` per job) are still read.
* ``sweep.lock`` -- an exclusive ``flock`` held by the process driving the sweep (and inherited by its
  forked workers), so a resume cannot start while the killed sweep's workers are still running.

A SIGKILL at any instant leaves either no record or a whole one: a line cut short by a kill has no
newline and is ignored, and the killed process's file is never appended to again (the next process
gets a new token).  So resuming runs exactly the jobs that did not finish, with the same numbers and
directories.  One line appended to an open file costs a few microseconds; a file per job cost a
file creation and a rename in a directory that grows with the sweep.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from runlab._values import mutable
from runlab.errors import CompactHydraException
from runlab.plugins import COMPLETED, JobResult

__all__ = [
    "PLAN_FILE",
    "STATE_DIR",
    "SweepLockedError",
    "SweepState",
    "close_journal",
    "iter_planned_jobs",
    "read_job_records",
    "read_plan",
    "write_job_record",
]

STATE_DIR = ".runlab"
PLAN_FILE = "sweep.json"
PLANNED_FILE = "planned.jsonl"
JOBS_DIR = "jobs"
JOURNAL_SUFFIX = ".jsonl"
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
    _append(_journal(sweep_dir), json.dumps(record) + "\n")


def _append(fd: int, text: str) -> None:
    """Append whole lines to an ``O_APPEND`` file: a regular file takes them in one ``write``; a
    short write is finished, never left torn by this process."""
    data = text.encode("utf-8")
    while data:
        data = data[os.write(fd, data) :]


_journals: dict[tuple[str, int], int] = {}
_journals_lock = threading.Lock()
_MAX_OPEN_JOURNALS = 8


def _journal(sweep_dir: str) -> int:
    """This process's append-only record file in ``sweep_dir`` (opened on first use, then kept)."""
    key = (sweep_dir, os.getpid())
    fd = _journals.get(key)
    if fd is not None:
        return fd
    with _journals_lock:
        fd = _journals.get(key)
        if fd is None:
            jobs_dir = os.path.join(_state_dir(sweep_dir), JOBS_DIR)
            path = os.path.join(jobs_dir, f"{os.getpid()}-{os.urandom(4).hex()}{JOURNAL_SUFFIX}")
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
            try:
                fd = os.open(path, flags, 0o644)
            except FileNotFoundError:  # a worker on another host may get there first
                os.makedirs(jobs_dir, exist_ok=True)
                fd = os.open(path, flags, 0o644)
            mine = [k for k in _journals if k[1] == key[1]]
            if len(mine) >= _MAX_OPEN_JOURNALS:  # a long-lived process that ran many sweeps
                os.close(_journals.pop(mine[0]))
            _journals[key] = fd
    return fd


def close_journal(sweep_dir: str) -> None:
    """Close this process's record file of ``sweep_dir`` (a later record opens a new one)."""
    with _journals_lock:
        fd = _journals.pop((sweep_dir, os.getpid()), None)
    if fd is not None:
        os.close(fd)


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not lose the record
        return "<unrepresentable>"
    return text if len(text) <= 200 else text[:197] + "..."


def _result_of(record: Mapping[str, Any]) -> JobResult:
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


def _records_in(path: str) -> Iterable[Mapping[str, Any]]:
    """The whole records of one file: every complete line of a journal, or a legacy record file."""
    try:
        with open(path, encoding="utf-8") as file:
            if not path.endswith(JOURNAL_SUFFIX):
                yield json.load(file)
                return
            for line in file:
                if line.endswith("\n"):  # a line without its newline was cut short by a kill
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue
    except (OSError, ValueError):
        return


def read_job_records(sweep_dir: str) -> dict[int, JobResult]:
    """How each job of ``sweep_dir`` last ended, by number (jobs without a record are absent)."""
    jobs_dir = os.path.join(_state_dir(sweep_dir), JOBS_DIR)
    try:
        names = sorted(os.listdir(jobs_dir))
    except OSError:
        return {}
    results: dict[int, JobResult] = {}
    for name in names:
        if not name.endswith((JOURNAL_SUFFIX, ".json")):
            continue
        for record in _records_in(os.path.join(jobs_dir, name)):
            try:
                result = _result_of(record)
            except (KeyError, TypeError, ValueError):
                continue
            known = results.get(result.num)
            if known is None or result.ended >= known.ended:
                results[result.num] = result
    return results


def read_plan(sweep_dir: str, *, jobs: bool = True) -> dict[str, Any] | None:
    """The stored plan of ``sweep_dir``, or None when it holds no runlab sweep.

    ``plan["jobs"]`` lists the planned jobs (``num``, ``overrides``, ``output_dir``) unless ``jobs``
    is False (reading a 100,000-job list to learn the command would be a waste).
    """
    state_dir = _state_dir(sweep_dir)
    try:
        with open(os.path.join(state_dir, PLAN_FILE), encoding="utf-8") as file:
            plan = json.load(file)
    except (OSError, ValueError):
        return None
    if not isinstance(plan, dict):
        return None
    if jobs and "jobs" not in plan:
        plan["jobs"] = list(_records_in(os.path.join(state_dir, PLANNED_FILE)))
    return plan


def iter_planned_jobs(sweep_dir: str) -> Iterator[Mapping[str, Any]]:
    """The planned jobs of ``sweep_dir`` one at a time (a big sweep's list is never all in memory)."""
    state_dir = _state_dir(sweep_dir)
    planned = os.path.join(state_dir, PLANNED_FILE)
    if os.path.exists(planned):
        yield from _records_in(planned)
        return
    plan = read_plan(sweep_dir)  # written before planned.jsonl existed: the list is in the plan
    yield from (plan or {}).get("jobs", [])


def encode_cache(cache: Mapping[str, Any]) -> str | None:
    """OmegaConf's resolver cache (``now`` values) as text for the plan."""
    return _encode_return_value(dict(cache))


def decode_cache(text: str | None) -> dict[str, Any] | None:
    value = _decode_return_value(text)
    return value if isinstance(value, dict) else None


_PLAN_CHUNK = 256
"""Planned jobs appended to ``planned.jsonl`` per write."""


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
        self.records = read_job_records(sweep_dir) if resume else {}
        self.plan: dict[str, Any] = read_plan(sweep_dir, jobs=False) or {}
        self._planned_fd: int | None = None

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

    def start_plan(self, header: Mapping[str, Any]) -> None:
        """Begin the plan of this sweep: its header, and an empty list of planned jobs (a resumed
        sweep proposes its jobs again, with the same numbers)."""
        self.plan = {"format": FORMAT_VERSION, **header, "finished": False}
        self._save()
        if self._planned_fd is not None:
            os.close(self._planned_fd)
        self._planned_fd = os.open(
            os.path.join(self.state_dir, PLANNED_FILE),
            os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | getattr(os, "O_CLOEXEC", 0),
            0o644,
        )

    def add_jobs(self, jobs: Iterable[PlannedJob]) -> None:
        """Append a batch's jobs to the plan (before any of them starts)."""
        if self._planned_fd is None:
            raise RuntimeError("add_jobs before start_plan")
        lines: list[str] = []
        for job in jobs:  # written in chunks: a huge batch is never one string in memory
            lines.append(json.dumps(
                {"num": job.num, "overrides": list(job.overrides), "output_dir": job.output_dir}
            ) + "\n")
            if len(lines) == _PLAN_CHUNK:
                _append(self._planned_fd, "".join(lines))
                lines.clear()
        if lines:
            _append(self._planned_fd, "".join(lines))

    def finish(self) -> None:
        self.plan["finished"] = True
        self._save()

    def _save(self) -> None:
        from runlab.tracking.records import dump_json_lines

        _write_atomically(os.path.join(self.state_dir, PLAN_FILE), dump_json_lines(self.plan))

    def close(self) -> None:
        close_journal(self.sweep_dir)
        if self._planned_fd is not None:
            os.close(self._planned_fd)
            self._planned_fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
