"""Where a job writes: pure path rules for run/sweep directories and the ``.hydra/`` snapshot files.

Kept free of side effects so the rules (relative to the launch cwd, sweep subdir appended, snapshot
names) can be tested and reused by launchers without touching the filesystem.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from runlab._values import frozen

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

__all__ = [
    "RUN_DIR_KEY",
    "SWEEP_DIR_KEY",
    "SWEEP_SUBDIR_KEY",
    "SnapshotPaths",
    "job_output_dir",
    "job_output_path",
    "snapshot_paths",
]

RUN_DIR_KEY = "hydra.run.dir"
SWEEP_DIR_KEY = "hydra.sweep.dir"
SWEEP_SUBDIR_KEY = "hydra.sweep.subdir"


@frozen
class SnapshotPaths:
    """The files Hydra writes into ``<output_dir>/<hydra.output_subdir>/``."""

    directory: str
    config: str
    hydra: str
    overrides: str


def _select_str(config: DictConfig, key: str) -> str:
    from runlab.config.interpolation import select_resolved

    return str(select_resolved(config, key))


def job_output_path(
    config: DictConfig, job_dir_key: str = RUN_DIR_KEY, job_subdir_key: str | None = None
) -> str:
    """The job's output directory as configured (possibly relative to the launch cwd).

    The subdir is evaluated here, per job, because it usually interpolates ``hydra.job.num``.
    """
    directory = _select_str(config, job_dir_key)
    if job_subdir_key is not None:
        directory = os.path.join(directory, _select_str(config, job_subdir_key))
    return directory


def job_output_dir(
    config: DictConfig, job_dir_key: str = RUN_DIR_KEY, job_subdir_key: str | None = None
) -> str:
    """The job's output directory, absolute (``hydra.runtime.output_dir``)."""
    return os.path.abspath(job_output_path(config, job_dir_key, job_subdir_key))


def snapshot_paths(output_dir: str, output_subdir: str) -> SnapshotPaths:
    """Paths of ``config.yaml``, ``hydra.yaml`` and ``overrides.yaml`` for a job."""
    directory = os.path.join(output_dir, str(output_subdir))
    return SnapshotPaths(
        directory=directory,
        config=os.path.join(directory, "config.yaml"),
        hydra=os.path.join(directory, "hydra.yaml"),
        overrides=os.path.join(directory, "overrides.yaml"),
    )
