"""A launcher that runs a sweep's jobs in a pool of worker processes on this machine.

Why not ``multiprocessing.Pool`` or joblib: neither says *which* job a dead worker was running, and
``Pool`` hangs or raises for the whole map when a worker is killed.  Here each worker owns one pipe and
runs one job at a time, so the parent always knows which job a worker holds.  A worker that dies
(``os._exit``, a segfault, the OOM killer, a per-job timeout) turns into a ``FAILED`` result for exactly
that job, a fresh worker takes its place, and the sweep always ends.

The joblib launcher's options (``hydra/launcher=joblib``) are accepted so existing configs keep working;
the ones that only tune joblib internals are accepted and ignored.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from runlab.plugins import FAILED, JobResult, JobSpec, RunJob
from runlab.plugins.serial import describe_overrides

__all__ = ["ProcessLauncher", "resolve_n_jobs"]

log = logging.getLogger("hydra")

_SHUTDOWN_GRACE_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


def resolve_n_jobs(n_jobs: int | str | None) -> int:
    """joblib's meaning of ``n_jobs``: None or -1 = all cores, -2 = all but one, ..., 0 is an error."""
    cores = _available_cores()
    if n_jobs is None:
        return cores
    n = int(n_jobs)
    if n == 0:
        raise ValueError(
            "hydra.launcher.n_jobs == 0 has no meaning; use a positive number or -1 (all cores)"
        )
    if n < 0:
        return max(1, cores + 1 + n)
    return n


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when its parent dies, so a killed sweep leaves no orphans
    running jobs that a resumed sweep would run a second time."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - exotic libc
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _worker_main(conn: multiprocessing.connection.Connection, run: RunJob, parent_pid: int) -> None:
    """Run jobs received on ``conn`` until told to stop (``None``) or the parent goes away."""
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent decides what happens to running jobs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        try:
            result = run(spec)
        except Exception as error:  # noqa: BLE001 - a bug in the runner itself: still one failed job, not a dead pool
            now = time.time()
            result = JobResult(
                num=spec.num,
                status=FAILED,
                return_value=None,
                error=f"{type(error).__name__}: {error}",
                traceback="".join(traceback.format_exception(error)),
                output_dir=spec.output_dir,
                started=now,
                ended=now,
                overrides=spec.overrides,
            )
        try:
            conn.send(result)
        except Exception as error:  # noqa: BLE001 - the return value does not pickle
            logging.getLogger("hydra").warning(
                f"Job #{spec.num}: its return value cannot be sent to the parent process "
                f"({type(error).__name__}: {error}); it is reported as None"
            )
            conn.send(replace(result, return_value=None))


class _Worker:
    """One worker process, its pipe, and the job it is running (if any)."""

    def __init__(self, context: Any, run: RunJob) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child_end, run, os.getpid()), name="runlab-worker"
        )
        self.process.start()
        child_end.close()
        self.conn: multiprocessing.connection.Connection = parent_end
        self.job: JobSpec | None = None
        self.started = 0.0

    def submit(self, job: JobSpec) -> None:
        self.job = job
        self.started = time.monotonic()
        self.conn.send(job)

    def stop(self, graceful: bool) -> None:
        if graceful and self.process.is_alive():
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.process.join(_SHUTDOWN_GRACE_SECONDS)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _death_message(worker: _Worker, job: JobSpec) -> str:
    code = worker.process.exitcode
    pid = worker.process.pid
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"worker process {pid} was killed by {name} while running job #{job.num}"
    return f"worker process {pid} exited with code {code} while running job #{job.num}"


class ProcessLauncher:
    """Runs jobs in ``n_jobs`` worker processes (``hydra/launcher=processes``, alias ``joblib``).

    ``timeout`` (seconds) bounds each job: a job running longer is killed and reported failed.
    ``start_method`` picks how workers start (``fork`` by default where available: workers inherit the
    task function and imports, so nothing about the app needs to be picklable).
    """

    def __init__(
        self,
        n_jobs: int | None = None,
        backend: str | None = None,
        prefer: str | None = "processes",
        require: str | None = None,
        verbose: int = 0,
        timeout: float | None = None,
        pre_dispatch: str | int = "2*n_jobs",
        batch_size: str | int = "auto",
        temp_folder: str | None = None,
        max_nbytes: str | int | None = None,
        mmap_mode: str | None = "r",
        start_method: str | None = None,
        job_id_style: str = "num",
    ) -> None:
        self.n_jobs = resolve_n_jobs(n_jobs)
        self.timeout = float(timeout) if timeout is not None else None
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(
                f"hydra.launcher.timeout must be a positive number of seconds, got {timeout}"
            )
        methods = multiprocessing.get_all_start_methods()
        self.start_method = start_method or ("fork" if "fork" in methods else "spawn")
        if self.start_method not in methods:
            raise ValueError(
                f"hydra.launcher.start_method={self.start_method!r} is not available here; "
                f"expected one of {', '.join(methods)}"
            )
        if job_id_style not in ("num", "joblib"):
            raise ValueError(f"job_id_style must be 'num' or 'joblib', got {job_id_style!r}")
        self.job_id_style = job_id_style
        # joblib-only knobs: kept for the launch line, they do not change how jobs run here.
        self._joblib_options = {
            "backend": backend,
            "prefer": prefer,
            "require": require,
            "verbose": verbose,
            "pre_dispatch": pre_dispatch,
            "batch_size": batch_size,
            "temp_folder": temp_folder,
            "max_nbytes": max_nbytes,
            "mmap_mode": mmap_mode,
        }

    def job_id(self, num: int, job_name: str) -> str:
        """``hydra.job.id`` of job ``num``: joblib's launcher names jobs ``<job name>_<num>``."""
        return f"{job_name}_{num}" if self.job_id_style == "joblib" else str(num)

    def _describe(self) -> str:
        if self.job_id_style == "joblib":
            o = self._joblib_options
            return (
                f"Joblib.Parallel(n_jobs={self.n_jobs},backend=loky,prefer={o['prefer']},"
                f"require={o['require']},verbose={o['verbose']},timeout={self.timeout},"
                f"pre_dispatch={o['pre_dispatch']},batch_size={o['batch_size']},"
                f"temp_folder={o['temp_folder']},max_nbytes={o['max_nbytes']},mmap_mode={o['mmap_mode']})"
            )
        return f"ProcessLauncher(n_jobs={self.n_jobs},start_method={self.start_method},timeout={self.timeout})"

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]:
        if not jobs:
            return
        joblib_style = self.job_id_style == "joblib"
        first = jobs[0]
        log.info(f"{self._describe()} is launching {len(jobs)} jobs")
        log.info(f"Launching jobs, sweep output dir : {first.sweep_dir}")
        if joblib_style:  # joblib's launcher lists every job up front
            for job in jobs:
                log.info(f"\t#{job.num} : {describe_overrides(job.overrides)}")
        pool = _PoolRun(
            multiprocessing.get_context(self.start_method),
            run,
            min(self.n_jobs, len(jobs)),
            self.timeout,
            log_dispatch=not joblib_style,
        )
        yield from pool.results(jobs)


class _Pending:
    """The jobs not yet handed to a worker.  Reads the job sequence one item at a time, so a lazy
    sequence (composing each job when reached) is never materialised all at once."""

    def __init__(self, jobs: Sequence[JobSpec]) -> None:
        self._jobs = iter(jobs)
        self._remaining = len(jobs)
        self._returned: list[JobSpec] = []

    def __bool__(self) -> bool:
        return bool(self._returned) or self._remaining > 0

    def pop(self) -> tuple[JobSpec, bool]:
        """The next job, and whether it is handed out for the first time."""
        if self._returned:
            return self._returned.pop(), False
        self._remaining -= 1
        return next(self._jobs), True

    def push_back(self, job: JobSpec) -> None:
        self._returned.append(job)


class _PoolRun:
    """One launch: hands jobs to free workers and turns messages and deaths into results."""

    def __init__(
        self, context: Any, run: RunJob, size: int, timeout: float | None, log_dispatch: bool
    ) -> None:
        self.context = context
        self.run = run
        self.size = size
        self.timeout = timeout
        self.log_dispatch = log_dispatch
        self.workers: list[_Worker] = []

    def results(self, jobs: Sequence[JobSpec]) -> Iterator[JobResult]:
        pending = _Pending(jobs)
        graceful = True
        try:
            while pending or self._busy():
                self._dispatch(pending)
                yield from self._collect()
        except GeneratorExit:
            # The caller stopped early (fail fast): let running jobs finish so their directories and
            # completion records are whole, start nothing new.
            self._drain()
            raise
        except BaseException:
            graceful = False
            raise
        finally:
            for worker in self.workers:
                worker.stop(graceful)

    def _busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.job is not None]

    def _dispatch(self, pending: _Pending) -> None:
        for worker in self.workers:
            if not pending:
                return
            if worker.job is None:
                self._submit(worker, pending)
        while pending and len(self.workers) < self.size:
            worker = _Worker(self.context, self.run)
            self.workers.append(worker)
            self._submit(worker, pending)

    def _submit(self, worker: _Worker, pending: _Pending) -> None:
        job, fresh = pending.pop()
        if fresh and self.log_dispatch:
            log.info(f"\t#{job.num} : {describe_overrides(job.overrides)}")
        try:
            worker.submit(job)
        except OSError:  # died between jobs: the job goes back to the queue, a new worker takes it
            pending.push_back(job)
            worker.job = None
            self._replace(worker)

    def _wait_timeout(self, busy: list[_Worker]) -> float | None:
        if self.timeout is None:
            return None
        now = time.monotonic()
        return max(0.0, min(w.started + self.timeout - now for w in busy))

    def _collect(self) -> Iterator[JobResult]:
        busy = self._busy()
        if not busy:
            return
        waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        ready = set(multiprocessing.connection.wait(waitables, self._wait_timeout(busy)))
        for worker in busy:
            job = worker.job
            assert job is not None
            if worker.conn in ready or worker.process.sentinel in ready:
                result = self._receive(worker, job)
            elif self.timeout is not None and time.monotonic() - worker.started >= self.timeout:
                worker.process.kill()
                worker.process.join()
                result = self._lost(
                    job, worker, f"job #{job.num} timed out after {self.timeout:g} s"
                )
                self._replace(worker)
            else:
                continue
            yield result

    def _receive(self, worker: _Worker, job: JobSpec) -> JobResult:
        try:
            if worker.conn.poll():
                result: JobResult = worker.conn.recv()
                worker.job = None
                return result
        except (EOFError, OSError):
            pass
        worker.process.join()
        result = self._lost(job, worker, _death_message(worker, job))
        self._replace(worker)
        return result

    def _lost(self, job: JobSpec, worker: _Worker, message: str) -> JobResult:
        now = time.time()
        started = now - (time.monotonic() - worker.started)
        log.error(message)
        return JobResult(
            num=job.num,
            status=FAILED,
            return_value=None,
            error=message,
            traceback=None,
            output_dir=job.output_dir,
            started=started,
            ended=now,
            overrides=job.overrides,
        )

    def _replace(self, worker: _Worker) -> None:
        """Forget a dead worker; ``_dispatch`` starts a new one if jobs remain."""
        worker.job = None
        worker.stop(graceful=False)
        self.workers.remove(worker)

    def _drain(self) -> None:
        for worker in self._busy():
            try:
                worker.conn.recv()
            except (EOFError, OSError):
                pass
            worker.job = None
