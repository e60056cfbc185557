"""Launcher and sweeper interfaces: plain picklable data and two small protocols.

The split keeps each plugin's job narrow.  A *sweeper* only decides which override lists to try next
(``ask``) and learns how they went (``tell``), so a grid search, Optuna and Ax share the runtime's one
loop.  A *launcher* only runs already-composed jobs somewhere (this process, a process pool, a cluster):
it receives :class:`JobSpec` values, which carry everything a worker needs, and never composes configs.
Both values are frozen and picklable so they cross process (and machine) boundaries unchanged.

Hydra-style plugins (``setup``/``launch(job_overrides, initial_job_idx)``, ``setup``/``sweep``) are
adapted by :mod:`runlab.runtime.plugin_adapters`; their base classes live at Hydra's paths
:mod:`runlab.plugins.launcher` and :mod:`runlab.plugins.sweeper`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from runlab._values import frozen

if TYPE_CHECKING:  # pragma: no cover - omegaconf is imported by whoever builds the values
    from omegaconf import DictConfig

__all__ = [
    "COMPLETED",
    "FAILED",
    "JobResult",
    "JobSpec",
    "Launcher",
    "RunJob",
    "SweepContext",
    "Sweeper",
]

COMPLETED = "COMPLETED"
"""``JobResult.status`` of a job whose task returned."""
FAILED = "FAILED"
"""``JobResult.status`` of a job whose task raised, or whose worker died (``error`` says which)."""


@frozen
class JobSpec:
    """One composed job of a sweep: everything a worker needs, nothing it must compute.

    ``config`` is the full job config (``hydra`` node included, ``hydra.job.num``/``id`` set);
    ``output_dir`` is already resolved so the parent knows where each job writes before it starts,
    which is what resuming a killed sweep relies on.
    """

    num: int
    id: str
    overrides: tuple[str, ...]
    config: DictConfig
    sweep_dir: str
    output_dir: str


@frozen
class JobResult:
    """How one job ended.  ``error``/``traceback`` are text so results pickle whatever was raised."""

    num: int
    status: str
    return_value: Any
    error: str | None
    traceback: str | None
    output_dir: str
    started: float
    ended: float
    overrides: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status == COMPLETED


RunJob = Callable[[JobSpec], JobResult]
"""Runs one job where it is called (the runtime's ``run_job`` bound to the task function)."""


@runtime_checkable
class Launcher(Protocol):
    """Runs composed jobs and yields each result as soon as it is known (any order).

    ``run`` must be called once per job, in whatever process the launcher chooses; it never raises for
    a failing task (the failure is in the result).  A launcher reports a job it could not run at all
    (dead worker, lost node) as a ``FAILED`` result instead of raising, so the sweep always ends.
    """

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]: ...


@frozen
class SweepContext:
    """What a sweeper may read before its first ``ask``.

    ``overrides`` are the task overrides of the command line (sweep syntax intact); ``list_options``
    lists a config group's options (glob sweeps need it).  ``config`` is the master config;
    ``sweep_dir`` the sweep's absolute directory (where a sweeper may keep its own state).
    """

    config: DictConfig
    overrides: tuple[str, ...]
    list_options: Callable[[str], list[str]]
    sweep_dir: str = ""


@runtime_checkable
class Sweeper(Protocol):
    """Proposes batches of override lists and is told how each batch went.

    ``begin`` is called once before the first ``ask``.  ``ask`` returns the next batch (a list of
    override lists, one per job) or ``None`` when the sweep is over; ``tell`` receives the results of
    the last batch, ordered by job number.  A sweeper never launches or composes anything itself.
    """

    def begin(self, context: SweepContext) -> None: ...

    def ask(self) -> Sequence[Sequence[str]] | None: ...

    def tell(self, results: Sequence[JobResult]) -> None: ...
