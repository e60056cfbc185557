"""The single hook where a job's run record is started and finished (wired to ``runlab.tracking``).

``run_job`` calls ``start_recording`` right before the task and ``finish_recording`` right after it;
keeping both calls here means the runtime knows the tracker through two functions only.  Recording
never fails a job: the tracker logs its own trouble and ``runlab index`` catches up from the files.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["finish_recording", "index_path_for", "start_recording"]


def index_path_for(config: Any) -> str:
    """Where the run index lives: ``$RUNLAB_INDEX``, else ``.runlab/index.db`` in the launch directory.

    The launch directory (``hydra.runtime.cwd``), not the current one: with ``hydra.job.chdir`` the job
    runs inside its output directory, and every job of a sweep must land in the same index.
    """
    from_env = os.environ.get("RUNLAB_INDEX")
    if from_env is not None:
        return from_env
    from omegaconf import OmegaConf

    launch_dir = str(OmegaConf.select(config, "hydra.runtime.cwd", default=None) or os.getcwd())
    return os.path.join(launch_dir, ".runlab", "index.db")


def start_recording(
    *,
    config: Any,
    task_config: Any,
    config_yaml: str,
    output_dir: str,
    overrides: tuple[str, ...],
) -> Any:
    """Begin the run record of one job; returns the recorder passed back to ``finish_recording``.

    ``task_config``/``config_yaml`` are the job's config without ``hydra`` and its YAML, which the
    job already made for ``.hydra/config.yaml``: the record reuses them instead of converting the
    whole config (the ``hydra`` node is most of it) again on every job of a sweep.
    """
    from omegaconf import OmegaConf

    from runlab.tracking.recorder import RunRecorder

    hydra = config.hydra
    mode = OmegaConf.select(config, "hydra.mode")
    in_sweep = str(getattr(mode, "name", mode)) == "MULTIRUN"
    try:
        resolved_yaml: str | None = OmegaConf.to_yaml(task_config, resolve=True)
    except Exception:  # noqa: BLE001 - an unresolvable config is recorded unresolved only
        resolved_yaml = None
    choices_node = OmegaConf.select(config, "hydra.runtime.choices")
    choices = OmegaConf.to_container(choices_node) if choices_node is not None else None
    return RunRecorder.start(
        output_dir,
        sweep_dir=str(hydra.sweep.dir) if in_sweep else None,
        job_num=int(hydra.job.num) if in_sweep else None,
        overrides=overrides,
        choices={str(k): v for k, v in choices.items()} if isinstance(choices, dict) else None,
        config_yaml=config_yaml,
        resolved_yaml=resolved_yaml,
        command_line=sys.argv,
        app_dir=str(OmegaConf.select(config, "hydra.runtime.cwd", default=os.getcwd())),
        index_path=index_path_for(config),
    )


def finish_recording(
    handle: Any, *, status: str, return_value: Any = None, error: BaseException | None = None
) -> None:
    """Close the run record started by ``start_recording`` with the job's outcome."""
    if handle is not None:
        handle.finish(status.lower(), return_value=return_value, error=error)
