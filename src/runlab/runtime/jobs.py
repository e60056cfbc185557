"""Running one job: output dir, ``.hydra/`` snapshot, job logging, env, callbacks, the task call.

``execute_job`` is Hydra's ``run_job`` (returns the in-process ``JobReturn`` with the exception object);
``run_job`` wraps it for launchers: a picklable ``JobSpec`` in, a picklable ``JobResult`` out.  Both
restore the previous ``HydraConfig`` and working directory, so jobs run back to back in one process do
not leak into each other.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from runlab._environ import set_variable, unset_variable
from runlab.config._node_values import child
from runlab.runtime import context
from runlab.runtime.job_return import JobReturn, JobStatus
from runlab.runtime.outputs import RUN_DIR_KEY, SWEEP_DIR_KEY, SWEEP_SUBDIR_KEY

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.plugins import JobResult, JobSpec
    from runlab.runtime.callbacks import Callbacks
    from runlab.types import TaskFunction

__all__ = ["env_override", "execute_job", "run_job"]

_CHDIR_WARNING = (
    "Future Hydra versions will no longer change working directory at job runtime by default.\n"
    "See https://hydra.cc/docs/1.2/upgrades/1.1_to_1.2/changes_to_job_working_dir/ for more"
    " information."
)


@contextmanager
def env_override(env: Mapping[str, Any]) -> Iterator[None]:
    """Set ``env`` for the duration of the block, then restore (unset what did not exist before)."""
    previous = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if not isinstance(value, str):
                raise TypeError(
                    f"hydra.job.env_set.{name} must be a string, got {type(value).__name__}: {value!r}"
                )
            set_variable(name, value)
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                unset_variable(name)
            else:
                set_variable(name, value)


def _should_chdir(hydra: DictConfig) -> bool:
    chdir = child(child(hydra, "job"), "chdir", None)
    if chdir is not None:
        return bool(chdir)
    from runlab.config.versions import base_at_least, deprecation_warning

    base = child(child(hydra, "runtime"), "version_base", None) or "1.1"
    if base_at_least(str(base), "1.2"):
        return False
    deprecation_warning(_CHDIR_WARNING, stacklevel=4)
    return True


def _write_snapshot(config: DictConfig, config_yaml: str, output_dir: str) -> None:

    from runlab.runtime.hydra_yaml import hydra_yaml, overrides_yaml
    from runlab.runtime.outputs import snapshot_paths

    hydra = child(config, "hydra")
    subdir = child(hydra, "output_subdir")
    if subdir is None:
        return
    paths = snapshot_paths(output_dir, subdir)
    os.makedirs(paths.directory, exist_ok=True)
    for path, text in (
        (paths.config, config_yaml),
        (paths.hydra, hydra_yaml(config)),
        (paths.overrides, overrides_yaml(child(hydra, "overrides")._get_node("task"))),
    ):
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)


def copy_without_hydra(config: DictConfig) -> DictConfig:
    """A copy of ``config`` minus its ``hydra`` node (flags and types kept, as with deepcopy).

    The ``hydra`` node is most of a composed config, so it is left out of the copy rather than
    copied and deleted; runlab's own attributes on the root (origins, the sweep template key)
    belong to the job's config, not to what the task receives.
    """
    from runlab.config._clone import clone_tree

    return clone_tree(config, omit="hydra", extras=False)


def _make_output_dir(output_dir: str, job_dir_key: str, job_subdir_key: str | None) -> None:
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as error:
        from runlab.errors import UsageError

        keys = job_dir_key if job_subdir_key is None else f"{job_dir_key}, {job_subdir_key}"
        raise UsageError(
            f"Cannot create the output directory '{output_dir}' ({keys}): {error.strerror}"
        ) from error


def _call_task(task_function: TaskFunction, task_cfg: Any) -> Any:
    """The one frame that calls user code; reporting trims every frame above it."""
    return task_function(task_cfg)


def execute_job(
    config: DictConfig,
    task_function: TaskFunction,
    *,
    job_dir_key: str = RUN_DIR_KEY,
    job_subdir_key: str | None = None,
    output_dir: str | None = None,
    callbacks: Callbacks | None = None,
    configure_logging: bool = True,
) -> JobReturn:
    """Hydra's ``run_job``: run ``task_function`` as one job of ``config`` (spec §8.4).

    ``output_dir`` skips computing the directory from ``job_dir_key``/``job_subdir_key`` (launchers that
    decided it up front).  ``callbacks`` None means "instantiate ``hydra.callbacks`` here" (workers).
    """
    from omegaconf import OmegaConf

    from runlab.config._node_values import set_own_value
    from runlab.runtime import logs, recording
    from runlab.runtime.callbacks import load_callbacks
    from runlab.runtime.outputs import job_output_path

    saved_hydra = context.current_hydra_config()
    launch_cwd = os.getcwd()
    json_handler: logs.JsonLinesHandler | None = None
    try:
        if output_dir is None:
            context.set_hydra_config(config)  # the directory may interpolate ${hydra:...}
            output_dir = job_output_path(config, job_dir_key, job_subdir_key)
        configured_dir = output_dir
        output_dir = os.path.abspath(output_dir)
        hydra = child(config, "hydra")
        set_own_value(child(hydra, "runtime"), "output_dir", output_dir)
        context.set_hydra_config(config)

        task_cfg = copy_without_hydra(config)
        overrides = _strings(child(hydra, "overrides")._get_node("task"))
        job_return = JobReturn(overrides=overrides, cfg=task_cfg, hydra_source=config)

        _make_output_dir(output_dir, job_dir_key, job_subdir_key)
        if _should_chdir(hydra):
            os.chdir(output_dir)
            job_return.working_dir = configured_dir
        else:
            job_return.working_dir = launch_cwd

        if configure_logging:
            logs.configure_log(
                logs.job_logging_settings(config),
                child(hydra, "verbose"),
                setting="hydra.job_logging",
            )
        json_handler = logs.attach_json_log(output_dir)
        config_yaml = _task_yaml(config, task_cfg)
        _write_snapshot(config, config_yaml, output_dir)

        if callbacks is None:
            callbacks = load_callbacks(config)
        job = child(hydra, "job")
        env_set = job._get_node("env_set")
        if env_set is not None and env_set.__dict__.get("_content") == {}:
            environment: Any = {}  # nearly always: no conversion walk
        else:
            environment = OmegaConf.to_container(job.env_set, resolve=True)
        assert isinstance(environment, dict)
        with env_override({str(name): value for name, value in environment.items()}):
            callbacks.on_job_start(config=config, task_function=task_function)
            record = recording.start_recording(
                config=config,
                task_config=task_cfg,
                config_yaml=config_yaml,
                output_dir=output_dir,
                overrides=tuple(overrides),
            )
            try:
                job_return.return_value = _call_task(task_function, task_cfg)
                job_return.status = JobStatus.COMPLETED
                recording.finish_recording(
                    record, status="COMPLETED", return_value=job_return._return_value
                )
            except Exception as error:  # noqa: BLE001 - the failure belongs in the JobReturn
                job_return.return_value = error
                job_return.status = JobStatus.FAILED
                recording.finish_recording(record, status="FAILED", error=error)

        job_return.task_name = str(child(job, "name"))
        logs.flush_all_handlers()
        callbacks.on_job_end(config=config, job_return=job_return)
        return job_return
    finally:
        if json_handler is not None:
            logs.detach_json_log(json_handler)
        context.restore_hydra_config(saved_hydra)
        os.chdir(launch_cwd)


def _task_yaml(config: DictConfig, task_cfg: Any) -> str:
    """``.hydra/config.yaml``'s text; kept with the composition cache's entry, when the config
    came through it, for the next start of the same run (a large config takes ~20 ms to dump)."""
    from omegaconf import OmegaConf

    from runlab.runtime.composition_cache import derived_value

    return derived_value(config, "config.yaml", lambda: OmegaConf.to_yaml(task_cfg))


def _strings(node: Any) -> list[str]:
    """A list node of plain strings (``hydra.overrides.task``) as a list, without a conversion walk."""
    from omegaconf import OmegaConf

    content = node.__dict__.get("_content") if node is not None else None
    if isinstance(content, list):
        values = [child._value() for child in content]
        if all(type(value) is str and "${" not in value for value in values):
            return values
    return list(OmegaConf.to_container(node))  # type: ignore[arg-type]


def run_job(
    spec: JobSpec,
    task_function: TaskFunction,
    *,
    callbacks: Callbacks | None = None,
    configure_logging: bool = True,
) -> JobResult:
    """Run one sweep job described by ``spec`` (the launchers' entry point); never raises for task errors.

    ``spec.output_dir`` empty means "compute it": from ``hydra.run.dir`` when ``spec.sweep_dir`` is empty
    (a single run), else from ``hydra.sweep.dir``/``hydra.sweep.subdir``.
    """
    from runlab.plugins import COMPLETED, FAILED, JobResult
    from runlab.runtime.reporting import format_task_exception

    started = time.time()
    in_sweep = bool(spec.sweep_dir)
    job_return = execute_job(
        spec.config,
        task_function,
        job_dir_key=SWEEP_DIR_KEY if in_sweep else RUN_DIR_KEY,
        job_subdir_key=SWEEP_SUBDIR_KEY if in_sweep else None,
        output_dir=spec.output_dir or None,
        callbacks=callbacks,
        configure_logging=configure_logging,
    )
    ended = time.time()
    failed = job_return.status == JobStatus.FAILED
    error = job_return._return_value if failed else None
    return JobResult(
        num=spec.num,
        status=FAILED if failed else COMPLETED,
        return_value=None if failed else job_return._return_value,
        error=f"{type(error).__name__}: {error}" if error is not None else None,
        traceback=format_task_exception(error) if error is not None else None,
        output_dir=str(child(child(child(spec.config, "hydra"), "runtime"), "output_dir")),
        started=started,
        ended=ended,
        overrides=spec.overrides,
    )


def _register_boundary() -> None:
    from runlab.runtime.reporting import register_task_boundary

    register_task_boundary(_call_task)


_register_boundary()
