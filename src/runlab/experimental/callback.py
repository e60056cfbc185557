"""Hydra's experimental ``Callback`` base class: hooks around runs, sweeps and jobs (all no-ops).

Subclass it and list the subclass under ``hydra.callbacks``; runlab calls the hooks with the same
arguments as Hydra 1.3 (``config_name`` for run/multirun events, ``task_function`` for job start,
``job_return`` for job and run end).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Callback"]


class Callback:
    """Override the hooks you need; each receives the full config (``hydra`` node included)."""

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        """Before a single run's job starts (its output dir is not known yet)."""

    def on_run_end(self, config: Any, **kwargs: Any) -> None:
        """After a single run's job ended (``job_return`` in kwargs)."""

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        """Before the sweeper starts."""

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        """After the sweep ended."""

    def on_job_start(self, config: Any, *, task_function: Any, **kwargs: Any) -> None:
        """Right before the task runs, in the process that runs it (output dir, logging, env ready)."""

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        """After the task returned or raised and logs were flushed."""
