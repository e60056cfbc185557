"""A launcher that runs a sweep's jobs as Ray tasks (``hydra/launcher=ray``), on a cluster or locally.

Options are Hydra's Ray launcher's: ``ray.init`` is passed to ``ray.init()`` (``address: null`` starts a
local Ray instance, which this launcher shuts down when the sweep ends; ``auto`` or ``ray://...`` joins a
running cluster, which is left running), ``ray.remote`` to ``ray.remote()`` (``num_cpus``,
``num_gpus``, ``memory``, ``max_retries``...).  ``hydra.job.id`` is ``job_id_for_<num>`` as with Hydra.

Each task runs the runtime's runner, so the job writes its own output dir, run record, metrics, log and
sweep completion record on the worker (under the sweep dir: a filesystem the workers share).  The result
travels back to the driver.  A task that dies with its worker (or node) is reported as a FAILED result
for that job only; Ray's own retries are off unless ``ray.remote.max_retries`` asks for them, because
re-running a crashing job silently would hide the crash.

``detach: true`` (a runlab key) hands the sweep to a detached Ray actor on the cluster and returns at
once: the actor submits the jobs and waits for them, so they outlive this process.  It needs a cluster
that outlives the process too (``ray.init.address``).  ``runlab status SWEEP_DIR`` follows it;
running the same sweep again attaches to the jobs still in flight instead of submitting them twice.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from runlab.plugins import JobResult, JobSpec, RunJob
from runlab.plugins._remote import (
    DetachedSweep,
    await_records,
    failed_result,
    mark_run_killed,
    missing_extra,
    portable_result,
    portable_runner,
    read_launcher_info,
    write_launcher_info,
)
from runlab.plugins.serial import describe_overrides

try:
    import ray as _ray
except ImportError as _error:  # pragma: no cover - exercised without the extra installed
    raise missing_extra("ray", "ray") from _error

__all__ = ["RayLauncher"]

log = logging.getLogger("hydra")

_NAMESPACE = "runlab"
_POLL_SECONDS = 0.5


def _run_on_worker(run: RunJob, spec: JobSpec) -> JobResult:
    """The Ray task: one job, never raising (a runner bug is still one failed job)."""
    try:
        result = run(spec)
    except Exception as error:  # noqa: BLE001 - report, do not crash the task
        result = replace(
            failed_result(spec, f"{type(error).__name__}: {error}"),
            traceback=traceback.format_exc(),
        )
    return portable_result(result, spec.num)


def _lost_message(spec: JobSpec, error: BaseException) -> str:
    """One line: which job, what Ray said (its last line names the cause; ANSI colours dropped)."""
    import re

    kind = type(error).__name__
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(error).splitlines()]
    cause = next((line for line in reversed(lines) if line), "")
    return f"Ray task of job #{spec.num} was lost ({kind}): {cause}".rstrip(": ")


def _collect(
    refs: dict[Any, tuple[JobSpec, float]], *, timeout: float | None = None
) -> Iterator[JobResult]:
    """Yield the results of whichever refs are ready (all of them if ``timeout`` is None)."""
    ready, _ = _ray.wait(list(refs), num_returns=1, timeout=timeout)
    if ready:  # take everything else that is already done too, in one call
        more, _ = _ray.wait(list(refs), num_returns=len(refs), timeout=0)
        ready = list(dict.fromkeys([*ready, *more]))
    for ref in ready:
        spec, started = refs.pop(ref)
        try:
            result: JobResult = _ray.get(ref)
        except _ray.exceptions.RayError as error:
            message = _lost_message(spec, error)
            log.error(message)
            mark_run_killed(spec.output_dir, message)
            result = failed_result(spec, message, started)
        yield result


def _run_jobs(
    jobs: Sequence[JobSpec], run_ref: Any, remote_options: Mapping[str, Any], in_flight: int
) -> Iterator[JobResult]:
    """Submit jobs keeping at most ``in_flight`` queued on the cluster; yield results as they end.

    The bound keeps a lazy job sequence lazy and lets a caller that stops early (fail fast) start no
    more jobs: the ones in flight finish (their records stay whole), the rest are never submitted.
    """
    task = _ray.remote(_run_on_worker).options(**remote_options)
    refs: dict[Any, tuple[JobSpec, float]] = {}
    queue = iter(jobs)
    exhausted = False
    try:
        while refs or not exhausted:
            while not exhausted and len(refs) < in_flight:
                spec = next(queue, None)
                if spec is None:
                    exhausted = True
                    break
                log.info(f"\t#{spec.num} : {describe_overrides(spec.overrides)}")
                refs[task.remote(run_ref, spec)] = (spec, time.time())
            if refs:
                yield from _collect(refs)
    except GeneratorExit:
        while refs:
            for _ in _collect(refs):
                pass
        raise


@_ray.remote(num_cpus=0, max_restarts=0)
class _DetachedSweep:
    """Runs a detached sweep's jobs on the cluster; lives until they all ended, then exits.

    ``start`` returns as soon as the actor holds the jobs (the driver waits for that, so nothing the
    jobs need is owned by the driver when it leaves); a thread then submits the jobs -- owned by
    this actor, so they outlive the driver -- and waits for them.  A job whose task was lost gets
    its FAILED completion record here (the job could not write it).
    """

    def start(
        self,
        jobs: list[JobSpec],
        run: RunJob,
        remote_options: dict[str, Any],
        in_flight: int,
    ) -> int:
        import threading

        threading.Thread(
            target=self._run_all,
            args=(jobs, run, remote_options, in_flight),
            name="runlab-detached-sweep",
            daemon=True,
        ).start()
        return len(jobs)

    def _run_all(
        self, jobs: list[JobSpec], run: RunJob, remote_options: dict[str, Any], in_flight: int
    ) -> None:
        from runlab.runtime.sweep_state import read_job_records, write_job_record

        submitted = time.time()
        sweep_dir = jobs[0].sweep_dir
        try:
            run_ref = _ray.put(run)
            for result in _run_jobs(jobs, run_ref, remote_options, in_flight):
                if result.ok:
                    continue
                record = read_job_records(sweep_dir).get(result.num)
                if record is None or record.ended < submitted:
                    write_job_record(sweep_dir, result)
        finally:
            # done: free the name (a re-run then knows nothing is in flight) and the process
            _ray.kill(_ray.get_runtime_context().current_actor, no_restart=True)


def _actor_name(sweep_dir: str) -> str:
    return f"runlab-sweep:{os.path.abspath(sweep_dir)}"


class RayLauncher:
    """Runs jobs as Ray tasks (``hydra/launcher=ray``); see the module docstring for the options."""

    def __init__(
        self,
        ray: Mapping[str, Any] | None = None,
        detach: bool = False,
        max_in_flight: int | None = None,
    ) -> None:
        options = dict(ray or {})
        self.init_options: dict[str, Any] = dict(options.get("init") or {})
        self.remote_options: dict[str, Any] = dict(options.get("remote") or {})
        self.remote_options.setdefault("max_retries", 0)
        self.detach = bool(detach)
        self.max_in_flight = max_in_flight
        if self.detach and self.init_options.get("address") in (None, "", "local"):
            raise ValueError(
                "hydra.launcher.detach=true needs a Ray cluster that outlives this process: set "
                "hydra.launcher.ray.init.address (e.g. 'auto' after `ray start --head`)"
            )
        self.n_jobs = 1  # progress display; updated once connected

    def job_id(self, num: int, job_name: str) -> str:
        return f"job_id_for_{num}"

    def _connect(self) -> bool:
        """Connect (or start a local instance); True when this launcher started Ray itself."""
        if _ray.is_initialized():
            return False
        options = dict(self.init_options)
        address = options.get("address")
        if address in (None, "", "local"):
            options.setdefault("include_dashboard", False)
        if address is not None:
            options.setdefault("namespace", _NAMESPACE)
        log.info(f"Ray launcher: ray.init({_describe(options)})")
        _ray.init(**options)
        return True

    def _in_flight(self) -> int:
        if self.max_in_flight is not None:
            return max(1, int(self.max_in_flight))
        cpus = float(_ray.cluster_resources().get("CPU", 1))  # type: ignore[no-untyped-call]
        per_job = float(self.remote_options.get("num_cpus") or 1) or 1.0
        slots = max(1, int(cpus // per_job))
        self.n_jobs = slots
        return 2 * slots  # keep the cluster's queue fed while results travel back

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]:
        if not jobs:
            return
        sweep_dir = jobs[0].sweep_dir
        started_here = self._connect()
        try:
            in_flight = self._in_flight()
            log.info(f"Ray launcher is launching {len(jobs)} jobs, sweep output dir : {sweep_dir}")
            attached, jobs = _attach_to_running(sweep_dir, jobs)
            yield from attached
            if not jobs:
                return
            portable = portable_runner(run)
            if self.detach:
                self._submit_detached(jobs, portable, in_flight)
            run_ref = _ray.put(portable)
            yield from _run_jobs(jobs, run_ref, self.remote_options, in_flight)
        finally:
            if started_here:
                _ray.shutdown()

    def _submit_detached(self, jobs: Sequence[JobSpec], run: RunJob, in_flight: int) -> None:
        sweep_dir = jobs[0].sweep_dir
        name = _actor_name(sweep_dir)
        # `.options` is added by @ray.remote
        actor = _DetachedSweep.options(  # type: ignore[attr-defined]
            name=name, namespace=_NAMESPACE, lifetime="detached", get_if_exists=False
        ).remote()
        materialised = list(jobs)
        accepted = _ray.get(
            actor.start.remote(materialised, run, self.remote_options, in_flight), timeout=120
        )
        assert accepted == len(materialised)
        context = _ray.get_runtime_context()
        write_launcher_info(
            sweep_dir,
            {
                "launcher": "ray",
                "detached": True,
                "address": self.init_options.get("address"),
                "gcs_address": getattr(context, "gcs_address", None),
                "actor": name,
                "namespace": _NAMESPACE,
                "jobs": [job.num for job in materialised],
                "submitted": time.time(),
            },
        )
        message = (
            f"Submitted {len(materialised)} jobs to the Ray cluster and detached.\n"
            f"Follow them with: runlab status {sweep_dir}\n"
            f"Collect the results (waits for running jobs, re-runs failed ones): run the same "
            f"command again, or `runlab resume {sweep_dir}`"
        )
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
        raise DetachedSweep(message)


def _describe(options: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in options.items())


def _detached_actor_alive(sweep_dir: str) -> bool:
    info = read_launcher_info(sweep_dir)
    if not info or info.get("launcher") != "ray" or not info.get("detached"):
        return False
    try:
        _ray.get_actor(str(info["actor"]), namespace=str(info.get("namespace", _NAMESPACE)))
    except ValueError:  # no such actor: it finished (or died)
        return False
    return True


def _attach_to_running(
    sweep_dir: str, jobs: Sequence[JobSpec]
) -> tuple[Iterator[JobResult], Sequence[JobSpec]]:
    """Split ``jobs`` into those a live detached submission still runs (awaited through their
    completion records, never submitted twice) and those to submit now."""
    if not _detached_actor_alive(sweep_dir):
        return iter(()), jobs
    info = read_launcher_info(sweep_dir) or {}
    in_flight = {int(n) for n in info.get("jobs", [])}
    awaited = [job for job in jobs if job.num in in_flight]
    rest = [job for job in jobs if job.num not in in_flight]
    if awaited:
        log.info(f"Waiting for {len(awaited)} jobs of the detached submission still running")
    return (
        await_records(
            sweep_dir,
            awaited,
            float(info.get("submitted", 0.0)),
            still_running=lambda nums: nums if _detached_actor_alive(sweep_dir) else set(),
            lost="was lost with its detached Ray submission",
            poll_seconds=_POLL_SECONDS,
        ),
        rest,
    )
