"""Hydra's ``JobReturn``/``JobStatus``: the in-process outcome of one job, exception object included.

``runlab.plugins.JobResult`` is the picklable, text-only summary launchers pass around; ``JobReturn`` is
what Hydra's callbacks and sweepers receive (``on_job_end(config, job_return)``), so it keeps Hydra's
fields and its ``return_value`` behaviour (re-raise the task's exception after naming the overrides).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["JobReturn", "JobStatus"]


class JobStatus(Enum):
    UNKNOWN = 0
    COMPLETED = 1
    FAILED = 2


@dataclass
class JobReturn:
    """One job's outcome as Hydra exposes it (mutable, like Hydra's, because callbacks may annotate it)."""

    overrides: list[str] | None = None
    cfg: Any = None
    hydra_cfg: Any = None
    working_dir: str | None = None
    task_name: str | None = None
    status: JobStatus = JobStatus.UNKNOWN
    _return_value: Any = field(default=None, repr=False)

    @property
    def return_value(self) -> Any:
        """The task's result; for a failed job, names its overrides on stderr and re-raises its error."""
        if self.status == JobStatus.COMPLETED:
            return self._return_value
        sys.stderr.write(f"Error executing job with overrides: {self.overrides}\n")
        raise self._return_value

    @return_value.setter
    def return_value(self, value: Any) -> None:
        self._return_value = value
