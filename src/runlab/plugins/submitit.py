"""Launchers that submit a sweep through submitit: to Slurm as one job array, or to local processes.

``hydra/launcher=submitit_slurm`` and ``hydra/launcher=submitit_local`` take the keys of Hydra's
submitit launcher.  The shared ones (``submitit_folder``, ``timeout_min``, ``cpus_per_task``,
``gpus_per_node``, ``tasks_per_node``, ``mem_gb``, ``nodes``, ``name``, ``stderr_to_stdout``) are
submitit's generic parameters; the Slurm ones (``partition``, ``qos``, ``comment``, ``constraint``,
``exclude``, ``gres``, ``cpus_per_gpu``, ``gpus_per_task``, ``mem_per_gpu``, ``mem_per_cpu``,
``account``, ``signal_delay_s``, ``additional_parameters``, ``array_parallelism``, ``setup``,
``srun_args``) become ``slurm_<key>`` and ``max_num_timeout`` goes to the executor itself -- the mapping
Hydra's plugin uses, so an sbatch script is the same under both.

Every job runs the runtime's runner inside the submitit job, so it writes its own output dir, run
record, metrics and sweep completion record on the shared filesystem; ``hydra.job.id`` is set there to
the submitit job id (``<array id>_<index>`` on Slurm).  A job Slurm stops (time limit, preemption,
cancellation, node failure, out of memory) is reported FAILED with Slurm's state, and its run record
becomes ``killed``.  A timed-out job is requeued up to ``max_num_timeout`` times, as with Hydra.

``detach: true`` (a runlab key, Slurm only) submits the array, prints how to follow it and exits 0;
the jobs keep running under Slurm and write their records; ``runlab status SWEEP_DIR`` follows them.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from runlab.plugins import JobResult, JobSpec, RunJob
from runlab.plugins._remote import (
    KILLED_STATES,
    DetachedSweep,
    await_records,
    failed_result,
    killed_reason,
    mark_run_killed,
    missing_extra,
    portable_result,
    portable_runner,
    read_launcher_info,
    write_launcher_info,
)
from runlab.plugins.serial import describe_overrides

try:
    import submitit as _submitit
except ImportError as _error:  # pragma: no cover - exercised without the extra installed
    raise missing_extra("slurm", "submitit") from _error

__all__ = ["LocalLauncher", "SlurmLauncher", "executor_parameters"]

log = logging.getLogger("hydra")

GENERIC_KEYS = (
    "timeout_min",
    "cpus_per_task",
    "gpus_per_node",
    "tasks_per_node",
    "mem_gb",
    "nodes",
    "name",
    "stderr_to_stdout",
)
"""Hydra's ``BaseQueueConf`` keys (minus ``submitit_folder``): submitit's generic parameters."""

SLURM_KEYS = (
    "partition",
    "qos",
    "comment",
    "constraint",
    "exclude",
    "gres",
    "cpus_per_gpu",
    "gpus_per_task",
    "mem_per_gpu",
    "mem_per_cpu",
    "account",
    "signal_delay_s",
    "additional_parameters",
    "array_parallelism",
    "setup",
    "srun_args",
)
"""Hydra's ``SlurmQueueConf`` keys passed as ``slurm_<key>`` (``max_num_timeout`` goes to the
executor's constructor instead)."""


class SubmititJob:
    """What submitit runs for each job: picklable, and checkpointable so a timed-out job requeues."""

    def __init__(self, run: RunJob) -> None:
        self.run = run

    def __call__(self, spec: JobSpec) -> JobResult:
        from omegaconf import open_dict, read_write

        job_id = _submitit.JobEnvironment().job_id
        with read_write(spec.config), open_dict(spec.config):
            spec.config.hydra.job.id = job_id
        spec = replace(spec, id=job_id)
        try:
            result = self.run(spec)
        except Exception as error:  # noqa: BLE001 - a runner bug is still one failed job
            result = replace(
                failed_result(spec, f"{type(error).__name__}: {error}"),
                traceback=traceback.format_exc(),
            )
        return portable_result(result, spec.num)

    def checkpoint(self, *args: Any, **kwargs: Any) -> Any:
        """Called by submitit on timeout/preemption: run the same job again (Hydra does the same;
        resuming mid-way is up to the task)."""
        return _submitit.helpers.DelayedSubmission(self, *args, **kwargs)


def executor_parameters(
    cluster: str, options: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split launcher options into ``AutoExecutor(...)`` and ``update_parameters(...)`` arguments.

    Generic keys pass as they are; cluster keys get the ``<cluster>_`` prefix; ``max_num_timeout``
    configures the executor.  A fractional ``timeout_min`` (seconds-long limits, e.g. in tests) is
    passed through the cluster-specific key because submitit's generic one must be an int.
    """
    init: dict[str, Any] = {}
    update: dict[str, Any] = {}
    for key, value in options.items():
        if key == "max_num_timeout":
            init[f"{cluster}_max_num_timeout"] = value
        elif key == "timeout_min" and isinstance(value, float) and not value.is_integer():
            update[f"{cluster}_timeout_min"] = value
        elif key in GENERIC_KEYS:
            update[key] = value
        else:
            update[f"{cluster}_{key}"] = value
    return init, update


class _SubmititLauncher:
    """The shared launch loop; subclasses fix the executor and its keys."""

    _EXECUTOR = ""
    _DEFAULT_POLL_SECONDS = 1.0
    _RESULT_WAIT_SECONDS: float | None = None
    """How long a job that ended may take to show its result file (None: submitit's 15 s, made
    for network filesystems; a local job's result is on disk when its process has ended)."""

    def __init__(
        self,
        submitit_folder: str,
        detach: bool,
        poll_interval: float | None,
        options: dict[str, Any],
    ) -> None:
        self.submitit_folder = str(submitit_folder)
        self.detach = bool(detach)
        self.poll_interval = float(
            poll_interval if poll_interval is not None else self._DEFAULT_POLL_SECONDS
        )
        self.options = options

    def job_id(self, num: int, job_name: str) -> str:
        """A placeholder until the job runs: submitit's job id is known only inside the job."""
        return f"job_id_for_{num}"

    def executor(self) -> Any:
        init, update = executor_parameters(self._EXECUTOR, self.options)
        executor = _submitit.AutoExecutor(
            cluster=self._EXECUTOR, folder=self.submitit_folder, **init
        )
        executor.update_parameters(**update)
        return executor

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]:
        if not jobs:
            return
        specs = list(jobs)  # one array: every job is submitted at once
        sweep_dir = specs[0].sweep_dir
        log.info(f"Submitit '{self._EXECUTOR}' sweep output dir : {sweep_dir}")
        for spec in specs:
            log.info(f"\t#{spec.num} : {describe_overrides(spec.overrides)}")
        attached, specs = self._attach_to_running(sweep_dir, specs)
        yield from attached
        if not specs:
            return
        submitted = self.executor().map_array(SubmititJob(portable_runner(run)), specs)
        write_launcher_info(
            sweep_dir,
            {
                "launcher": f"submitit_{self._EXECUTOR}",
                "detached": self.detach,
                "folder": self.submitit_folder,
                "jobs": {str(spec.num): job.job_id for spec, job in zip(specs, submitted)},
                "submitted": time.time(),
            },
        )
        if self.detach:
            self._leave(sweep_dir, submitted)
        if self._RESULT_WAIT_SECONDS is not None:
            for job in submitted:
                job._results_timeout_s = self._RESULT_WAIT_SECONDS
        yield from self._collect(list(zip(specs, submitted)))

    def _attach_to_running(
        self, sweep_dir: str, specs: list[JobSpec]
    ) -> tuple[Iterator[JobResult], list[JobSpec]]:
        """Jobs of an earlier detached submission that Slurm still runs are awaited, not
        submitted again; the others are returned to be submitted now."""
        info = read_launcher_info(sweep_dir) or {}
        if info.get("launcher") != f"submitit_{self._EXECUTOR}" or not info.get("detached"):
            return iter(()), specs
        ids = {int(num): str(job_id) for num, job_id in dict(info.get("jobs") or {}).items()}
        active = _active_slurm_jobs(ids, {spec.num for spec in specs})
        if not active:
            return iter(()), specs
        log.info(f"Waiting for {len(active)} jobs of the detached submission still in Slurm")
        awaited = [spec for spec in specs if spec.num in active]
        return (
            await_records(
                sweep_dir,
                awaited,
                float(info.get("submitted", 0.0)),
                still_running=lambda nums: _active_slurm_jobs(ids, nums),
                lost="ended in Slurm without a record (killed, or lost with its node)",
                poll_seconds=self.poll_interval,
            ),
            [spec for spec in specs if spec.num not in active],
        )

    def _leave(self, sweep_dir: str, submitted: Sequence[Any]) -> None:
        first = submitted[0].job_id.split("_")[0]
        message = (
            f"Submitted {len(submitted)} jobs to Slurm as array {first} and detached.\n"
            f"Follow them with: runlab status {sweep_dir}  (or squeue -j {first})\n"
            f"Collect the results (re-runs failed and lost jobs): run the same command again, "
            f"or `runlab resume {sweep_dir}`"
        )
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
        raise DetachedSweep(message)

    def _collect(self, pending: list[tuple[JobSpec, Any]]) -> Iterator[JobResult]:
        started = time.time()
        try:
            while pending:
                still: list[tuple[JobSpec, Any]] = []
                for spec, job in pending:
                    if job.done():
                        yield self._result(spec, job, started)
                    else:
                        still.append((spec, job))
                pending = still
                if pending:
                    time.sleep(self.poll_interval)
        except GeneratorExit:
            # Stopped early (fail fast): jobs still queued never start; running ones finish.
            for _, job in pending:
                if str(job.state).upper() == "PENDING":
                    job.cancel(check=False)
            raise

    def _result(self, spec: JobSpec, job: Any, started: float) -> JobResult:
        state_name = _state_name(job)
        if state_name in KILLED_STATES and not job.paths.result_pickle.exists():
            # stopped by the scheduler: no result will come (submitit would wait 15 s for one)
            return self._killed(
                spec, killed_reason(self._EXECUTOR, job.job_id, state_name), started
            )
        try:
            result: JobResult = job.result()
            return result
        except Exception as error:  # noqa: BLE001 - UncompletedJobError, FailedJobError, ...
            state_name = _state_name(job)
            if state_name in KILLED_STATES:
                message = killed_reason(self._EXECUTOR, job.job_id, state_name)
            elif isinstance(error, _submitit.core.utils.UncompletedJobError) and self._over_limit(
                started
            ):  # submitit's local controller stops a job at its limit but calls it FINISHED
                message = killed_reason(self._EXECUTOR, job.job_id, "TIMEOUT")
            elif isinstance(error, _submitit.core.utils.UncompletedJobError):
                message = (
                    f"{self._EXECUTOR} job {job.job_id} ended in state {state_name} without a "
                    "result: its process died (see its log in the submitit folder)"
                )
            else:
                first = (str(error).strip().splitlines() or [""])[-1]
                message = f"{self._EXECUTOR} job {job.job_id} failed: {first}"
                log.error(f"Job #{spec.num}: {message}")
                return failed_result(spec, message, started)
            return self._killed(spec, message, started)

    def _over_limit(self, started: float) -> bool:
        limit = self.options.get("timeout_min")
        return limit is not None and time.time() - started >= float(limit) * 60

    def _killed(self, spec: JobSpec, message: str, started: float) -> JobResult:
        log.error(f"Job #{spec.num}: {message}")
        mark_run_killed(spec.output_dir, message)
        return failed_result(spec, message, started)


def _state_name(job: Any) -> str:
    words = str(getattr(job, "state", "") or "").split()
    return words[0].upper() if words else "UNKNOWN"


def _active_slurm_jobs(ids: Mapping[int, str], nums: set[int]) -> set[int]:
    """Which of job numbers ``nums`` Slurm still has queued or running."""
    from runlab.plugins.remote_status import slurm_states

    wanted = {num: ids[num] for num in nums if num in ids}
    states = slurm_states(list(wanted.values()))
    active = {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "REQUEUED", "SUSPENDED"}
    return {num for num, job_id in wanted.items() if states.get(job_id) in active}


class LocalLauncher(_SubmititLauncher):
    """``hydra/launcher=submitit_local``: each job is a local process managed by submitit."""

    _EXECUTOR = "local"
    _RESULT_WAIT_SECONDS = 1.0

    def __init__(
        self,
        submitit_folder: str,
        timeout_min: float = 60,
        cpus_per_task: int | None = None,
        gpus_per_node: int | None = None,
        tasks_per_node: int = 1,
        mem_gb: float | None = None,
        nodes: int = 1,
        name: str = "runlab",
        stderr_to_stdout: bool = False,
        poll_interval: float | None = None,
        detach: bool = False,
    ) -> None:
        if detach:
            raise ValueError(
                "hydra.launcher.detach=true needs a scheduler that outlives this process: use "
                "hydra/launcher=submitit_slurm (local jobs end with the sweep's process)"
            )
        super().__init__(
            submitit_folder,
            False,
            poll_interval,
            {
                "timeout_min": timeout_min,
                "cpus_per_task": cpus_per_task,
                "gpus_per_node": gpus_per_node,
                "tasks_per_node": tasks_per_node,
                "mem_gb": mem_gb,
                "nodes": nodes,
                "name": name,
                "stderr_to_stdout": stderr_to_stdout,
            },
        )


class SlurmLauncher(_SubmititLauncher):
    """``hydra/launcher=submitit_slurm``: the sweep is one Slurm job array."""

    _EXECUTOR = "slurm"
    _DEFAULT_POLL_SECONDS = 5.0

    def __init__(
        self,
        submitit_folder: str,
        timeout_min: float = 60,
        cpus_per_task: int | None = None,
        gpus_per_node: int | None = None,
        tasks_per_node: int = 1,
        mem_gb: float | None = None,
        nodes: int = 1,
        name: str = "runlab",
        stderr_to_stdout: bool = False,
        partition: str | None = None,
        qos: str | None = None,
        comment: str | None = None,
        constraint: str | None = None,
        exclude: str | None = None,
        gres: str | None = None,
        cpus_per_gpu: int | None = None,
        gpus_per_task: int | None = None,
        mem_per_gpu: str | None = None,
        mem_per_cpu: str | None = None,
        account: str | None = None,
        signal_delay_s: int = 120,
        max_num_timeout: int = 0,
        additional_parameters: Mapping[str, Any] | None = None,
        array_parallelism: int = 256,
        setup: Sequence[str] | None = None,
        srun_args: Sequence[str] | None = None,
        poll_interval: float | None = None,
        detach: bool = False,
    ) -> None:
        options: dict[str, Any] = {
            "timeout_min": timeout_min,
            "cpus_per_task": cpus_per_task,
            "gpus_per_node": gpus_per_node,
            "tasks_per_node": tasks_per_node,
            "mem_gb": mem_gb,
            "nodes": nodes,
            "name": name,
            "stderr_to_stdout": stderr_to_stdout,
            "partition": partition,
            "qos": qos,
            "comment": comment,
            "constraint": constraint,
            "exclude": exclude,
            "gres": gres,
            "cpus_per_gpu": cpus_per_gpu,
            "gpus_per_task": gpus_per_task,
            "mem_per_gpu": mem_per_gpu,
            "mem_per_cpu": mem_per_cpu,
            "account": account,
            "signal_delay_s": signal_delay_s,
            "max_num_timeout": max_num_timeout,
            "additional_parameters": dict(additional_parameters or {}),
            "array_parallelism": array_parallelism,
            "setup": list(setup) if setup is not None else None,
            "srun_args": list(srun_args) if srun_args is not None else None,
        }
        super().__init__(submitit_folder, detach, poll_interval, options)
