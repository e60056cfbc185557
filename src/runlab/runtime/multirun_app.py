"""Connecting an app invocation to the sweep loop: plugins, sweep dir, callbacks, exit status.

Kept apart from :mod:`runlab.runtime.multirun` so the loop itself can be exercised with fake
compositions and tasks, and this module stays a thin adapter over the runtime's ``AppContext``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from runlab.plugins import JobResult, JobSpec
from runlab.runtime.multirun import (
    RESUME_ENV,
    MultirunSetup,
    SweepResults,
    drive_sweep,
    report_failures,
)
from runlab.runtime.sweep_state import decode_cache, encode_cache, read_plan

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.config.compose import Composed

__all__ = ["TaskRunner", "resume_from_plan", "run_app_sweep"]


class TaskRunner:
    """``run_job`` bound to the task function (and, in-process, to the sweep's callbacks).

    A plain class rather than a closure so launchers that start workers with ``spawn`` can pickle it.
    """

    def __init__(self, task_function: Callable[[Any], Any], callbacks: Any = None) -> None:
        self.task_function = task_function
        self.callbacks = callbacks
        self.parent_pid = os.getpid()
        self._hydra_logging: Any = None  # the plain logging settings, converted once per sweep

    def __call__(self, spec: JobSpec) -> JobResult:
        from runlab.runtime.jobs import run_job

        try:
            return run_job(spec, self.task_function, callbacks=self.callbacks)
        finally:
            if os.getpid() == self.parent_pid:
                # The job configured job logging in this process; the sweep's own lines
                # ("#i : ...") go back to Hydra's format, as after each job of Hydra's basic launcher.
                from runlab.config._node_values import child
                from runlab.runtime.logs import configure_log, copy_settings

                hydra = child(spec.config, "hydra")
                if self._hydra_logging is None:
                    from omegaconf import OmegaConf

                    node = hydra.hydra_logging
                    self._hydra_logging = (
                        (OmegaConf.to_container(node, resolve=True),)
                        if node is not None
                        else (None,)
                    )
                configure_log(copy_settings(self._hydra_logging[0]), child(hydra, "verbose"))


def _command() -> dict[str, Any]:
    argv = list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])
    if len(argv) > 1 and argv[1] not in ("-c", "-m") and not argv[1].startswith("-"):
        argv[1] = os.path.abspath(argv[1])  # the script, so resume works from any directory
    return {"executable": sys.executable, "argv": argv, "cwd": os.getcwd()}


def _sweep_dir(config: DictConfig) -> str:
    """The sweep dir, resolved once on the master (its ``${now:...}`` values are cached there).

    Under ``runlab resume`` the master gets the original sweep's ``now`` values first, so the
    directory -- and every other ``${now:...}`` -- resolves as it did when the sweep started.
    """
    from omegaconf import OmegaConf

    resume_dir = os.environ.pop(RESUME_ENV, None)
    if resume_dir:
        plan = read_plan(resume_dir, jobs=False) or {}
        cache = decode_cache(plan.get("now_cache"))
        if cache:
            OmegaConf.set_cache(config, cache)
    resolved = os.path.abspath(
        str(OmegaConf.select(config, "hydra.sweep.dir", throw_on_missing=True))
    )
    return os.path.abspath(resume_dir) if resume_dir else resolved


def _group_lister(master: Composed) -> Callable[[str], list[str]]:
    repository: Any = None

    def list_options(group: str) -> list[str]:
        nonlocal repository
        if repository is None:
            from runlab.config.repository import ConfigRepository

            repository = ConfigRepository(master.search_path)
        return list(repository.get_group_options(group))

    return list_options


def _job_composer(master: Composed) -> Callable[[Sequence[str]], DictConfig]:
    """Full composition per job, behind the template fast path (``RUNLAB_SWEEP_FAST_COMPOSE=0``
    turns the fast path off, e.g. to rule it out while debugging)."""
    from runlab.config.compose import compose_sweep_job
    from runlab.runtime.sweep_compose import JobComposer

    def compose_job(overrides: Sequence[str]) -> DictConfig:
        from runlab.runtime.recording import attach_origins

        job = compose_sweep_job(master, list(overrides))
        attach_origins(job.config, job.origins)  # for the job's run record
        return job.config

    if os.environ.get("RUNLAB_SWEEP_FAST_COMPOSE", "1") == "0":
        return compose_job
    repository: Any = None

    def is_group(key: str) -> bool:
        nonlocal repository
        if repository is None:
            from runlab.config.repository import ConfigRepository

            repository = ConfigRepository(master.search_path)
        return bool(repository.group_exists(key))

    return JobComposer(compose_job, is_group)


def _resume_enabled(config: DictConfig) -> bool:
    """``hydra.sweeper.resume: false`` (or ``RUNLAB_SWEEP_RESUME=0``) re-runs completed jobs too."""
    from omegaconf import OmegaConf

    if os.environ.get("RUNLAB_SWEEP_RESUME", "1") == "0":
        return False
    return bool(OmegaConf.select(config, "hydra.sweeper.resume", default=True))


def run_app_sweep(app: Any) -> int:
    """``run_multirun`` for the runtime's ``AppContext`` (see its docstring for the fields read)."""
    from omegaconf import OmegaConf

    from runlab.plugins.registry import create_launcher, create_sweeper
    from runlab.runtime.plugin_adapters import adapt_launcher, adapt_sweeper
    from runlab.runtime.progress import SweepProgress

    master: Composed = app.master
    config = master.config
    callbacks = app.callbacks
    config_name = app.config_name
    callbacks.on_multirun_start(config=config, config_name=config_name)
    sweep_dir = _sweep_dir(config)
    # Raw strings: iterating the ListConfig would resolve an override like ``a=${b}`` to ``a=x``.
    raw_task = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
    assert isinstance(raw_task, list)
    task_overrides = tuple(str(o) for o in raw_task)
    compose_job = _job_composer(master)
    setup = MultirunSetup(
        master=config,
        sweep_dir=sweep_dir,
        task_overrides=task_overrides,
        compose_job=compose_job,
        scratch_job=getattr(compose_job, "scratch", None),
        list_options=_group_lister(master),
        job_name=str(config.hydra.job.name),
        plan_header={
            "command": _command(),
            "config_name": config_name,
            "task_overrides": list(task_overrides),
            "now_cache": encode_cache(OmegaConf.get_cache(config)),
            "created": time.time(),
        },
        resume=_resume_enabled(config),
    )
    runner = TaskRunner(app.task_function, callbacks)
    launcher = adapt_launcher(create_launcher(config.hydra.launcher), setup, runner)
    sweeper = adapt_sweeper(create_sweeper(config.hydra.sweeper), setup, runner)
    fail_fast = bool(OmegaConf.select(config, "hydra.sweeper.fail_fast", default=False))
    progress = SweepProgress(parallelism=int(getattr(launcher, "n_jobs", 1) or 1))
    # Jobs run in this process write their index rows in batches (see tracking/store.py).
    from runlab.tracking.store import deferred_index_updates

    with deferred_index_updates():
        outcome = drive_sweep(
            setup, sweeper, launcher, runner, fail_fast=fail_fast, progress=progress
        )
    # ``results`` reads the jobs' records back only if a callback looks at it.
    callbacks.on_multirun_end(config=config, config_name=config_name, results=outcome.results)
    if _summary_enabled(config):
        from runlab.tracking.summary import print_sweep_summary

        results = outcome.results
        run_dirs = (
            results.output_dirs()
            if isinstance(results, SweepResults)
            else [r.output_dir for r in results]
        )
        print_sweep_summary(sweep_dir, sys.stdout, run_dirs=run_dirs)
    if outcome.failed:
        report_failures(outcome, sweep_dir)
        return 1
    return 0


def _summary_enabled(config: Any) -> bool:
    """The compare table after a sweep: on unless ``hydra.sweeper.summary=false`` or ``RUNLAB_SUMMARY=0``."""
    from omegaconf import OmegaConf

    if os.environ.get("RUNLAB_SUMMARY", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return bool(OmegaConf.select(config, "hydra.sweeper.summary", default=True))


def resume_from_plan(path: str) -> int:
    """Re-run the command recorded in ``path``'s plan so that it resumes that sweep in place."""
    plan = read_plan(path, jobs=False)
    if plan is None or "command" not in plan:
        sys.stderr.write(
            f"runlab resume: '{path}' is not a runlab sweep directory (no .runlab/sweep.json with"
            " its command)\n"
        )
        return 1
    command = plan["command"]
    argv = [str(a) for a in command["argv"]]
    env = {**os.environ, RESUME_ENV: os.path.abspath(path)}
    return subprocess.call([str(command["executable"]), *argv[1:]], cwd=command["cwd"], env=env)
