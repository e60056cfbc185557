"""Hydra's ``JobReturn``/``JobStatus``: the in-process outcome of one job, exception object included.

``runlab.plugins.JobResult`` is the picklable, text-only summary launchers pass around; ``JobReturn`` is
what Hydra's callbacks and sweepers receive (``on_job_end(config, job_return)``), so it keeps Hydra's
fields and its ``return_value`` behaviour (re-raise the task's exception after naming the overrides).
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Any

__all__ = ["JobReturn", "JobStatus"]


class JobStatus(Enum):
    UNKNOWN = 0
    COMPLETED = 1
    FAILED = 2


class JobReturn:
    """One job's outcome as Hydra exposes it (mutable, like Hydra's, because callbacks may annotate it).

    ``hydra_cfg`` (a ``{hydra: ...}`` copy) is built on first access from the job's config: most runs
    never read it and copying the ``hydra`` node is a large part of a job's set-up cost.
    """

    def __init__(
        self,
        overrides: list[str] | None = None,
        cfg: Any = None,
        hydra_cfg: Any = None,
        working_dir: str | None = None,
        task_name: str | None = None,
        status: JobStatus = JobStatus.UNKNOWN,
        _return_value: Any = None,
        *,
        hydra_source: Any = None,
    ) -> None:
        self.overrides = overrides
        self.cfg = cfg
        self._hydra_cfg = hydra_cfg
        self._hydra_source = hydra_source
        self.working_dir = working_dir
        self.task_name = task_name
        self.status = status
        self._return_value = _return_value

    @property
    def hydra_cfg(self) -> Any:
        if self._hydra_cfg is None and self._hydra_source is not None:
            from omegaconf import OmegaConf

            self._hydra_cfg = OmegaConf.masked_copy(self._hydra_source, "hydra")
            self._hydra_source = None
        return self._hydra_cfg

    @hydra_cfg.setter
    def hydra_cfg(self, value: Any) -> None:
        self._hydra_cfg, self._hydra_source = value, None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_hydra_cfg"], state["_hydra_source"] = self.hydra_cfg, None
        return state

    def __repr__(self) -> str:
        return (
            f"JobReturn(overrides={self.overrides!r}, status={self.status}, "
            f"task_name={self.task_name!r}, working_dir={self.working_dir!r})"
        )

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
