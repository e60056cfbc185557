"""The sweep loop: ask the sweeper for a batch, compose and check it, launch it, tell the results.

Guarantees, and why they live here rather than in plugins:

* **A bad batch fails before any of its jobs start.**  Every job of a batch is composed (and so
  validated) before the launcher sees the first one; launchers never compose.
* **Failure isolation.**  A failing job does not stop the others; at the end the failures are
  summarised and the exit status is 1.  ``hydra.sweeper.fail_fast: true`` stops at the first failure.
* **Resume.**  The plan and a record of each finished job are kept under ``<sweep_dir>/.runlab/``
  (:mod:`runlab.runtime.sweep_state`); running the same sweep into the same directory, or
  ``runlab resume SWEEP_DIR``, runs only the jobs without a completed record, with the same numbers
  and directories.
* **Per-job cost stays flat.**  The master config is composed once; per job there is one job
  composition, one record write and whatever the launcher costs.
"""

from __future__ import annotations

import logging
import os
import sys
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import field
from functools import partial
from typing import TYPE_CHECKING, Any, overload

from runlab._values import frozen
from runlab.plugins import FAILED, JobResult, JobSpec, Launcher, RunJob, SweepContext, Sweeper
from runlab.runtime.sweep_results import COMPLETED_JOB, FAILED_JOB, SweepResults
from runlab.runtime.sweep_state import PlannedJob, SweepState, write_job_record

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.runtime.progress import SweepProgress

__all__ = [
    "MultirunSetup",
    "SweepOutcome",
    "SweepResults",
    "drive_sweep",
    "report_failures",
    "resume_sweep",
    "run_multirun",
    "save_master_config",
]

log = logging.getLogger("hydra")

RESUME_ENV = "RUNLAB_RESUME_SWEEP_DIR"
"""Set by ``runlab resume``: the sweep directory the re-executed command must resume."""


@frozen
class MultirunSetup:
    """Everything the sweep loop needs that does not change between jobs.

    ``compose_job(overrides)`` returns a fresh job config (RUN-mode composition of the master's
    hydra overrides plus the job's overrides) -- it may raise to reject the batch.
    ``resume`` False runs every job even if the sweep dir records it as completed.
    ``scratch_job(overrides)``, when given, may return the job's config built on a scratch copy
    (valid until the next call) or None; big batches use it to check a job without keeping it.
    """

    master: DictConfig
    sweep_dir: str
    task_overrides: tuple[str, ...]
    compose_job: Callable[[Sequence[str]], DictConfig]
    list_options: Callable[[str], list[str]]
    job_name: str
    plan_header: Mapping[str, Any] = field(default_factory=dict)
    resume: bool = True
    scratch_job: Callable[[Sequence[str]], DictConfig | None] | None = None


@frozen
class SweepOutcome:
    """The results of every job of the sweep (including those a resumed sweep skipped), by number."""

    results: Sequence[JobResult]
    stopped_early: bool
    skipped: int = 0

    @property
    def failed(self) -> tuple[JobResult, ...]:
        if isinstance(self.results, SweepResults):  # it keeps its failures at hand
            return self.results.failed
        return tuple(r for r in self.results if r.status == FAILED)


class RecordingRunner:
    """Runs one job, then writes its completion record -- in the worker, right after the job's files.

    Doing it where the job ran (not in the parent after the result travelled back) keeps the window in
    which a kill can lose a finished job as small as one file rename.
    """

    def __init__(self, run: RunJob, sweep_dir: str) -> None:
        self.run = run
        self.sweep_dir = sweep_dir
        # Failed jobs recorded by this process: the parent records a failure it did not see
        # recorded (a worker that died), without reading the records back.
        self.failed_here: set[int] = set()

    def __call__(self, spec: JobSpec) -> JobResult:
        result = self.run(spec)
        write_job_record(self.sweep_dir, result)
        if result.status == FAILED:
            self.failed_here.add(result.num)
        return result


def _job_id(launcher: Launcher, num: int, job_name: str) -> str:
    job_id = getattr(launcher, "job_id", None)
    return str(job_id(num, job_name)) if callable(job_id) else str(num)


_DEFAULT_SUBDIR = "${hydra.job.num}"


def _make_spec(setup: MultirunSetup, launcher: Launcher, num: int, overrides: list[str]) -> JobSpec:
    config = setup.compose_job(overrides)
    job_id, output_dir = _number_job(setup, launcher, num, config)
    return JobSpec(
        num=num,
        id=job_id,
        overrides=tuple(overrides),
        config=config,
        sweep_dir=setup.sweep_dir,
        output_dir=output_dir,
    )


def _number_job(
    setup: MultirunSetup, launcher: Launcher, num: int, config: DictConfig
) -> tuple[str, str]:
    """Give ``config`` its job number and id; returns the id and the job's output directory."""
    from omegaconf import OmegaConf

    from runlab.config._node_values import child, set_own_value

    job_id = _job_id(launcher, num, setup.job_name)
    hydra = child(config, "hydra")
    job = child(hydra, "job")
    set_own_value(job, "num", num)
    set_own_value(job, "id", job_id)
    # Jobs share the master's resolver cache: ${now:...} gives the sweep's start time in every job.
    _copy_resolver_cache(setup.master, config)
    if _default_subdir(hydra):
        subdir: Any = num
    else:  # anything but the default needs the interpolation resolved
        subdir = OmegaConf.select(config, "hydra.sweep.subdir", throw_on_missing=True)
    return job_id, os.path.abspath(os.path.join(setup.sweep_dir, str(subdir)))


def _default_subdir(hydra: Any) -> bool:
    """Is ``hydra.sweep.subdir`` Hydra's default (the job number)?"""
    from runlab.config._node_values import child

    node = child(hydra, "sweep")._get_node("subdir")
    return node is not None and node._value() == _DEFAULT_SUBDIR


def _checked_output_dir(
    setup: MultirunSetup, launcher: Launcher, num: int, scratch: DictConfig
) -> str:
    """The output dir of a job checked on a scratch copy: with the default subdir it is known
    without numbering the copy (which is thrown away)."""
    from runlab.config._node_values import child

    if _default_subdir(child(scratch, "hydra")):
        return os.path.abspath(os.path.join(setup.sweep_dir, str(num)))
    return _number_job(setup, launcher, num, scratch)[1]


_IMMUTABLE = (str, int, float, bool, type(None))


def _copy_resolver_cache(source: DictConfig, target: DictConfig) -> None:
    """``OmegaConf.copy_cache``, without ``deepcopy`` when the cached values are plain (they
    nearly always are: ``${now:...}`` strings)."""
    from omegaconf import OmegaConf

    from runlab.config._clone import copy_resolver_cache

    cache = source._metadata.resolver_cache
    if all(
        type(values) is dict and all(type(v) in _IMMUTABLE for v in values.values())
        for values in cache.values()
    ):
        target._metadata.resolver_cache = copy_resolver_cache(cache)
    else:
        OmegaConf.copy_cache(from_config=source, to_config=target)


_KEEP_COMPOSED_JOBS = 64
"""Batches up to this size keep their composed job configs from validation to launch."""
_KEEP_PICKLED_JOBS = 2_000
"""Bigger batches keep at most this many of the jobs that could not be checked on a scratch copy
pickled and compressed (~3.5 KB each instead of ~100 KB live); the others keep only their
overrides and are composed again when launched, so a batch's memory is bounded whatever its
size, at the price of a second composition for those jobs only."""


class LazyJobSpecs(Sequence[JobSpec]):
    """A batch's job specs, each materialised when a launcher reaches it (memory stays small)."""

    def __init__(self, sources: Sequence[Any], build: Callable[[Any], JobSpec]) -> None:
        self._sources = sources
        self._build = build

    def __len__(self) -> int:
        return len(self._sources)

    @overload
    def __getitem__(self, index: int) -> JobSpec: ...

    @overload
    def __getitem__(self, index: slice) -> list[JobSpec]: ...

    def __getitem__(self, index: int | slice) -> JobSpec | list[JobSpec]:
        if isinstance(index, slice):
            return [self._build(source) for source in self._sources[index]]
        return self._build(self._sources[index])

    def __iter__(self) -> Iterator[JobSpec]:
        for source in self._sources:
            yield self._build(source)


class PlannedJobs(Sequence[PlannedJob]):
    """Some jobs of a batch plan (by position in the batch), each made when asked for."""

    def __init__(self, plan: _BatchPlan, positions: Sequence[int]) -> None:
        self._plan = plan
        self._positions = positions

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> PlannedJob: ...

    @overload
    def __getitem__(self, index: slice) -> PlannedJobs: ...

    def __getitem__(self, index: int | slice) -> PlannedJob | PlannedJobs:
        if isinstance(index, slice):
            return PlannedJobs(self._plan, self._positions[index])
        return self._plan.job(self._positions[index])

    def __iter__(self) -> Iterator[PlannedJob]:
        job = self._plan.job
        for position in self._positions:
            yield job(position)

    def select(self, positions: Sequence[int]) -> PlannedJobs:
        """The jobs at these positions of the batch."""
        return PlannedJobs(self._plan, positions)


class _BatchPlan:
    """The composed jobs of one batch, held in the cheapest form that avoids composing twice
    within a bounded memory (see :data:`_KEEP_PICKLED_JOBS`).

    Its jobs are not kept as a list: each one's overrides come from the batch (itself made on
    demand by the grid sweeper) and its directory is ``<sweep dir>/<num>`` unless noted otherwise,
    so planning a 100,000-job batch costs no memory per job beyond the composed configs kept for
    small batches.
    """

    def __init__(self, batch: Sequence[Sequence[str]], first_num: int, sweep_dir: str) -> None:
        size = len(batch)
        self.mode = "live" if size <= _KEEP_COMPOSED_JOBS else "pickled"
        self._batch = batch
        self._first = first_num
        self._base = os.path.abspath(sweep_dir)
        self._dirs: dict[int, str] = {}  # output dirs other than <sweep dir>/<num>
        self._kept: dict[int, Any] = {}
        self.planned = PlannedJobs(self, range(size))

    def job(self, position: int) -> PlannedJob:
        num = self._first + position
        output_dir = self._dirs.get(num) or os.path.join(self._base, str(num))
        return PlannedJob(num, tuple(self._batch[position]), output_dir)

    def _note_dir(self, num: int, output_dir: str) -> None:
        if output_dir != os.path.join(self._base, str(num)):
            self._dirs[num] = output_dir

    def add_checked(self, num: int, output_dir: str) -> None:
        """A job checked without keeping its config: it is composed again when launched."""
        self._note_dir(num, output_dir)

    def add(self, spec: JobSpec) -> None:
        import pickle

        self._note_dir(spec.num, spec.output_dir)
        if self.mode == "live":
            self._kept[spec.num] = spec
        elif len(self._kept) < _KEEP_PICKLED_JOBS:
            # Compressed: a job's config pickles to ~20 KB of mostly the same hydra node, and
            # level 1 costs ~0.1 ms a job; past the bound nothing is kept (composed again).
            import zlib

            self._kept[spec.num] = zlib.compress(
                pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL), 1
            )

    def specs(
        self, jobs: Sequence[PlannedJob], setup: MultirunSetup, launcher: Launcher
    ) -> Sequence[JobSpec]:
        import pickle

        if self.mode == "live" or not jobs:
            return [self._kept[job.num] for job in jobs]
        import zlib

        def build(job: PlannedJob) -> JobSpec:
            data = self._kept.pop(job.num, None)  # launched once: memory shrinks as it runs
            if data is None:  # checked on a scratch copy, or past the pickled jobs' bound
                return _make_spec(setup, launcher, job.num, list(job.overrides))
            spec: JobSpec = pickle.loads(zlib.decompress(data))
            return spec

        return LazyJobSpecs(jobs, build)


def _plan_batch(
    setup: MultirunSetup, launcher: Launcher, batch: Sequence[Sequence[str]], first_num: int
) -> _BatchPlan:
    """Compose (and so validate) every job of a batch before any of them starts."""
    plan = _BatchPlan(batch, first_num, setup.sweep_dir)
    check = setup.scratch_job if plan.mode == "pickled" else None  # big batches only
    for i, overrides in enumerate(batch):
        num = first_num + i
        scratch = check(overrides) if check is not None else None
        if scratch is not None:
            plan.add_checked(num, _checked_output_dir(setup, launcher, num, scratch))
        else:
            plan.add(_make_spec(setup, launcher, num, list(overrides)))
    return plan


def _total_jobs(sweeper: Sweeper) -> int | None:
    total = getattr(sweeper, "total_jobs", None)
    return total if isinstance(total, int) else None


def save_master_config(master: DictConfig, sweep_dir: str) -> None:
    """Create the sweep dir and write ``multirun.yaml`` (the master config, unresolved)."""
    from omegaconf import OmegaConf

    try:
        os.makedirs(sweep_dir, exist_ok=True)
    except OSError as error:
        from runlab.errors import UsageError

        raise UsageError(
            f"Cannot create the sweep directory '{sweep_dir}' (hydra.sweep.dir): {error.strerror}"
        ) from error
    with open(os.path.join(sweep_dir, "multirun.yaml"), "w", encoding="utf-8") as file:
        file.write(OmegaConf.to_yaml(master))


def drive_sweep(
    setup: MultirunSetup,
    sweeper: Sweeper,
    launcher: Launcher,
    run: RunJob,
    *,
    fail_fast: bool = False,
    progress: SweepProgress | None = None,
) -> SweepOutcome:
    """Run the ask/compose/launch/tell loop until the sweeper is done (or the first failure)."""
    sweeper.begin(
        SweepContext(
            config=setup.master,
            overrides=setup.task_overrides,
            list_options=setup.list_options,
            sweep_dir=setup.sweep_dir,
        )
    )
    # Like Hydra: the sweep dir and multirun.yaml exist before any job is composed, so a sweep that
    # fails validation still leaves its master config behind.
    save_master_config(setup.master, setup.sweep_dir)
    state = SweepState(setup.sweep_dir, resume=setup.resume)
    try:
        state.start_plan(setup.plan_header)
        runner = RecordingRunner(run, setup.sweep_dir)
        outcomes = bytearray()  # per job number: no result, completed or failed
        failed: dict[int, JobResult] = {}
        next_num = 0
        skipped = 0
        stopped = False
        if progress is not None:
            progress.start()
        while not stopped:
            batch = sweeper.ask()
            if batch is None:
                break
            plan = _plan_batch(setup, launcher, batch, next_num)
            planned = plan.planned
            next_num += len(batch)
            outcomes.extend(bytes(next_num - len(outcomes)))
            state.add_jobs(planned)
            if progress is not None:
                progress.batch_started(len(planned), _total_jobs(sweeper))
            # Positions of the jobs left to run (8 bytes a job, only while the batch runs).
            positions = array("q")
            # A small batch's results stay in memory for the sweeper; a big one's are read back
            # from the records if the sweeper looks at them (a grid does not).
            results: dict[int, JobResult] | None = {} if len(planned) <= _KEEP_RESULTS else None
            for position, job in enumerate(planned):
                done = state.completed(job.num, job.overrides)
                if done is None:
                    positions.append(position)
                    continue
                _note_result(done, outcomes, failed, results)
                skipped += 1
                if progress is not None:
                    progress.job_skipped()
            pending = planned if len(positions) == len(planned) else planned.select(positions)
            if len(pending) < len(planned):
                log.info(
                    f"Resuming sweep in {setup.sweep_dir}: {len(planned) - len(pending)} of "
                    f"{len(planned)} jobs of this batch already completed"
                )
            to_run = plan.specs(pending, setup, launcher)
            if to_run or not planned:  # an empty sweep still "launches" its empty batch, like Hydra
                stopped = _launch_batch(
                    to_run,
                    launcher,
                    runner,
                    state,
                    partial(_note_result, outcomes=outcomes, failed=failed, batch_results=results),
                    fail_fast,
                    progress,
                )
            if results is not None:
                sweeper.tell([results[job.num] for job in planned if job.num in results])
            else:
                first = next_num - len(planned)
                sweeper.tell(SweepResults(setup.sweep_dir, outcomes, failed, range(first, next_num)))
        if not stopped:
            state.finish()
    finally:
        if progress is not None:
            progress.close()
        state.close()
    results_of_sweep = SweepResults(setup.sweep_dir, outcomes, failed)
    return SweepOutcome(results=results_of_sweep, stopped_early=stopped, skipped=skipped)


_KEEP_RESULTS = 64
"""Batches up to this size hand the sweeper results kept in memory; bigger ones, results read back."""


def _note_result(
    result: JobResult,
    outcomes: bytearray,
    failed: dict[int, JobResult],
    batch_results: dict[int, JobResult] | None,
) -> None:
    """Remember how a job ended: a byte per job, plus the failures (the report needs them)."""
    outcomes[result.num] = FAILED_JOB if result.status == FAILED else COMPLETED_JOB
    if result.status == FAILED:
        failed[result.num] = result
    else:
        failed.pop(result.num, None)
    if batch_results is not None:
        batch_results[result.num] = result


def _launch_batch(
    to_run: Sequence[JobSpec],
    launcher: Launcher,
    runner: RecordingRunner,
    state: SweepState,
    note: Callable[[JobResult], None],
    fail_fast: bool,
    progress: SweepProgress | None,
) -> bool:
    """Launch one batch; True when fail-fast stopped it."""
    launched: Iterator[JobResult] = iter(launcher.launch(to_run, runner))
    launcher_records = getattr(launcher, "writes_records", True)
    try:
        for result in launched:
            note(result)
            if not launcher_records:
                write_job_record(state.sweep_dir, result)
            elif result.status == FAILED and result.num not in runner.failed_here:
                # Ran elsewhere: if its worker died it never wrote a record, so the parent writes
                # one (a second FAILED line for a job its worker did record changes nothing).
                write_job_record(state.sweep_dir, result)
            if progress is not None:
                progress.job_finished(result.status != FAILED)
            if fail_fast and result.status == FAILED:
                return True
    finally:
        close = getattr(launched, "close", None)
        if close is not None:
            close()
    return False


def report_failures(outcome: SweepOutcome, sweep_dir: str, stream: Any = None) -> None:
    """Print the first failure like Hydra does, then one line per failed job."""
    from runlab.runtime.reporting import FULL_ERROR_HINT

    out = stream if stream is not None else sys.stderr
    failed = outcome.failed
    if not failed:
        return
    first = failed[0]
    out.write(f"Error executing job with overrides: {list(first.overrides)!r}\n")
    out.write(first.traceback if first.traceback else f"{first.error}\n")
    total = len(outcome.results)
    if len(failed) > 1 or outcome.stopped_early:
        stop = " (stopped after the first failure: fail_fast)" if outcome.stopped_early else ""
        out.write(f"\n{len(failed)} of {total} jobs failed{stop}; sweep dir: {sweep_dir}\n")
        for result in failed:
            overrides = " ".join(result.overrides)
            out.write(f"\t#{result.num} : {overrides} -> {result.error}\n")
    out.write(FULL_ERROR_HINT + "\n")
    out.flush()


def run_multirun(app: Any) -> int:
    """Run the sweep of an app invocation (``--multirun`` or ``hydra.mode=MULTIRUN``); exit status.

    ``app`` is the runtime's ``AppContext``; see :mod:`runlab.runtime.multirun_app` for what is read.
    """
    from runlab.runtime.multirun_app import run_app_sweep

    return run_app_sweep(app)


def resume_sweep(path: str) -> int:
    """``runlab resume SWEEP_DIR``: re-run the command that started the sweep, resuming it in place.

    Returns the exit status of the resumed sweep (0 when every job has now completed).
    """
    from runlab.runtime.multirun_app import resume_from_plan

    return resume_from_plan(path)
