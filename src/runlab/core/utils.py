"""Hydra's ``hydra.core.utils`` names, re-exported from runlab's runtime.

``run_job`` keeps Hydra's keyword signature (``hydra_context``, ``task_function``, ``config``,
``job_dir_key``, ``job_subdir_key``, ``configure_logging``) for launcher plugins written for Hydra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runlab.runtime.job_return import JobReturn, JobStatus
from runlab.runtime.jobs import env_override

__all__ = [
    "JobReturn",
    "JobStatus",
    "configure_log",
    "env_override",
    "filter_overrides",
    "run_job",
    "setup_globals",
]


def configure_log(log_config: Any, verbose_config: Any = False) -> None:
    """Configure logging from a ``hydra.*_logging`` node and ``hydra.verbose``."""
    from runlab.runtime.logs import configure_log as configure

    configure(log_config, verbose_config)


def setup_globals() -> None:
    """Register Hydra's resolvers (``now``, ``hydra``, ``python_version``) in this process."""
    from runlab.runtime.context import register_resolvers

    register_resolvers()


def filter_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides without those of Hydra's own settings (``hydra.*``)."""
    return [override for override in overrides if not override.startswith("hydra.")]


def run_job(
    task_function: Any,
    config: Any,
    job_dir_key: str,
    job_subdir_key: str | None,
    hydra_context: Any = None,
    configure_logging: bool = True,
) -> JobReturn:
    """Hydra's ``run_job``: run one job of ``config`` and return its ``JobReturn``.

    ``hydra_context`` is required, as in Hydra; its ``callbacks`` (if any) receive the job events.
    """
    if hydra_context is None:
        raise TypeError("run_job() missing required argument: 'hydra_context'")
    from runlab.runtime.jobs import execute_job

    return execute_job(
        config,
        task_function,
        job_dir_key=job_dir_key,
        job_subdir_key=job_subdir_key,
        callbacks=getattr(hydra_context, "callbacks", None),
        configure_logging=configure_logging,
    )

