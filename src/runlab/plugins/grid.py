"""The basic sweeper: the cartesian product of every swept override, in Hydra's order.

Expansion rules (Hydra 1.3's ``BasicSweeper``, observed):

* the arguments are ``hydra.sweeper.params`` (``key: sweep string``) followed by the command line's task
  overrides; a later argument with the same *key element* (``+``/``++``/``~`` prefix, key, ``@package``)
  replaces the earlier one's values but keeps its position, so the command line wins and the params'
  order is kept;
* a sweep expands to one ``key=value`` string per element, anything else to a single re-printed string;
* the product varies the first key slowest and the last key fastest;
* the job list is cut into batches of ``max_batch_size`` (``None``: one batch).

The whole list is expanded up front on purpose: the runtime composes and validates each batch before
any of its jobs start, and records the plan so a killed sweep resumes with the same job numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runlab.errors import CompactHydraException, ConfigCompositionException, HydraException
from runlab.plugins import JobResult, SweepContext

__all__ = ["BasicSweeper", "UnsupportedSweepError", "expand_sweep", "split_batches"]


class UnsupportedSweepError(CompactHydraException):
    """A sweep the grid sweeper cannot enumerate (``interval``).  Hydra raises a plain
    ``HydraException`` and prints a raw traceback; this is a user mistake, so it is reported plainly
    (still a ``HydraException`` for code that catches that)."""


def _hydra_sweep_error(line: str) -> HydraException:
    return ConfigCompositionException(
        f"Sweeping over Hydra's configuration is not supported : '{line}'"
    )


def expand_sweep(
    arguments: Sequence[str], list_options: Callable[[str], list[str]] | None = None
) -> list[list[str]]:
    """All jobs (override lists) of a grid sweep over ``arguments``, first argument varying slowest."""
    from runlab.config.overrides import ValueType, parse_override

    per_key: dict[str, list[str]] = {}
    for text in arguments:
        override = parse_override(text)
        key = override.get_key_element()
        if override.is_sweep_override():
            if override.value_type == ValueType.INTERVAL_SWEEP:
                raise UnsupportedSweepError(
                    f"BasicSweeper does not support sweep type : {override.value_type.name}"
                )
            if override.is_hydra_override():
                raise _hydra_sweep_error(override.input_line or text)
            try:
                values = [f"{key}={v}" for v in override.sweep_string_iterator(list_options)]
            except ValueError as error:  # e.g. range(1,5,0): Python's text alone names no override
                raise UnsupportedSweepError(
                    f"Cannot expand sweep '{override.input_line or text}': {error}"
                ) from error
        else:
            values = [f"{key}={override.get_value_element_as_str()}"]
        # dict keeps the first insertion position when a later argument rebinds the key.
        per_key[key] = values
    return [list(job) for job in itertools.product(*per_key.values())]


def split_batches(jobs: list[list[str]], max_batch_size: int | None) -> list[list[list[str]]]:
    """Cut the job list into launch batches; an empty sweep is still one (empty) batch, like Hydra."""
    if max_batch_size is None or not jobs:
        return [jobs]
    return [jobs[i : i + max_batch_size] for i in range(0, len(jobs), max_batch_size)]


class BasicSweeper:
    """Grid sweeper (``hydra/sweeper=basic``): every combination, in batches, results ignored.

    ``fail_fast`` and ``resume`` are runlab's keys under ``hydra.sweeper`` (read by the runtime's sweep
    loop): stop after the first failed job instead of running every job and summarising the failures;
    ``resume: false`` runs every job even when the sweep dir records it as completed.
    """

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: Mapping[str, Any] | None = None,
        fail_fast: bool = False,
        resume: bool = True,
    ) -> None:
        if max_batch_size is not None and (
            isinstance(max_batch_size, bool)
            or not isinstance(max_batch_size, int)
            or max_batch_size <= 0
        ):
            raise CompactHydraException(
                f"hydra.sweeper.max_batch_size must be a positive integer or null, got {max_batch_size!r}"
            )
        self.max_batch_size = max_batch_size
        self.params = dict(params or {})
        self.fail_fast = bool(fail_fast)
        self.resume = bool(resume)
        self._batches: list[list[list[str]]] = []
        self._next = 0

    def arguments(self, overrides: Sequence[str]) -> list[str]:
        """``params`` as ``key=value`` strings, then the command line's overrides."""
        return [f"{key}={value}" for key, value in self.params.items()] + list(overrides)

    def begin(self, context: SweepContext) -> None:
        jobs = expand_sweep(self.arguments(context.overrides), context.list_options)
        self._batches = split_batches(jobs, self.max_batch_size)
        self._next = 0

    @property
    def total_jobs(self) -> int:
        """How many jobs the whole sweep has (known up front for a grid; shown by the progress line)."""
        return sum(len(batch) for batch in self._batches)

    def ask(self) -> list[list[str]] | None:
        if self._next >= len(self._batches):
            return None
        batch = self._batches[self._next]
        self._next += 1
        return batch

    def tell(self, results: Sequence[JobResult]) -> None:
        """A grid does not depend on results (and keeps none: a sweep's memory stays flat)."""
