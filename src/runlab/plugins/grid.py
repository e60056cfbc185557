"""The basic sweeper: the cartesian product of every swept override, in Hydra's order.

Expansion rules (Hydra 1.3's ``BasicSweeper``, observed):

* the arguments are ``hydra.sweeper.params`` (``key: sweep string``) followed by the command line's task
  overrides; a later argument with the same *key element* (``+``/``++``/``~`` prefix, key, ``@package``)
  replaces the earlier one's values but keeps its position, so the command line wins and the params'
  order is kept;
* a sweep expands to one ``key=value`` string per element, anything else to a single re-printed string;
* the product varies the first key slowest and the last key fastest;
* the job list is cut into batches of ``max_batch_size`` (``None``: one batch).

The whole list is known up front on purpose: the runtime composes and validates each batch before
any of its jobs start, and records the plan so a killed sweep resumes with the same job numbers.  It
is a :class:`GridJobs` sequence that makes each job's override list when asked for it, so a sweep's
memory does not grow with its number of jobs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from runlab.errors import CompactHydraException, ConfigCompositionException, HydraException
from runlab.plugins import JobResult, SweepContext

__all__ = ["BasicSweeper", "GridJobs", "UnsupportedSweepError", "expand_sweep", "grid_jobs",
           "split_batches"]


class UnsupportedSweepError(CompactHydraException):
    """A sweep the grid sweeper cannot enumerate (``interval``).  Hydra raises a plain
    ``HydraException`` and prints a raw traceback; this is a user mistake, so it is reported plainly
    (still a ``HydraException`` for code that catches that)."""


def _hydra_sweep_error(line: str) -> HydraException:
    return ConfigCompositionException(
        f"Sweeping over Hydra's configuration is not supported : '{line}'"
    )


class GridJobs(Sequence[list[str]]):
    """The jobs of a grid (each an override list), the first axis varying slowest, made on demand.

    Job ``i`` is ``i`` written in the mixed radix of the axes' lengths, so the sequence holds only
    its axes; a slice is a view of the same axes.
    """

    def __init__(self, axes: Sequence[Sequence[str]], start: int = 0, stop: int | None = None) -> None:
        if start == 0 and stop is None:
            axes = [axis if isinstance(axis, IntRangeAxis) else list(axis) for axis in axes]
        self._axes = axes
        total = math.prod(len(axis) for axis in self._axes)
        self._start = start
        self._stop = total if stop is None else stop

    def __len__(self) -> int:
        return max(0, self._stop - self._start)

    @overload
    def __getitem__(self, index: int) -> list[str]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[list[str]]: ...

    def __getitem__(self, index: int | slice) -> list[str] | Sequence[list[str]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return GridJobs(self._axes, self._start + start, self._start + max(start, stop))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("grid job index out of range")
        rest = self._start + index
        job: list[str] = []
        for axis in reversed(self._axes):  # the last axis varies fastest
            rest, digit = divmod(rest, len(axis))
            job.append(axis[digit])
        job.reverse()
        return job

    def __iter__(self) -> Iterator[list[str]]:
        # By index rather than itertools.product, which would copy every axis into a tuple.
        for index in range(len(self)):
            yield self[index]

    def __eq__(self, other: object) -> bool:
        """Equal to the list it stands for (sweepers used to hand out lists)."""
        if not isinstance(other, (list, GridJobs)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are not hashable

    def __repr__(self) -> str:
        return f"GridJobs({len(self)} jobs)"


class IntRangeAxis(Sequence[str]):
    """The ``key=value`` strings of an integer ``range()`` sweep, each made when asked for.

    ``seed=range(0,100000)`` is then three numbers, not 100,000 strings kept for the whole sweep.
    """

    def __init__(self, prefix: str, values: range) -> None:
        self._prefix = prefix
        self._values = values

    def __len__(self) -> int:
        return len(self._values)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return IntRangeAxis(self._prefix, self._values[index])
        return f"{self._prefix}{self._values[index]}"

    def __repr__(self) -> str:
        return f"IntRangeAxis({self._prefix!r}, {self._values!r})"


def _int_range(override: Any) -> range | None:
    """The Python range of an unshuffled all-integer ``range()`` sweep (``None`` for any other)."""
    from runlab.config.sweeps import RangeSweep

    sweep = override.raw_value
    if type(sweep) is not RangeSweep or sweep.shuffle:
        return None
    start, stop, step = sweep.start, sweep.stop, sweep.step
    if type(start) is not int or type(stop) is not int or type(step) is not int or step == 0:
        return None
    return range(start, stop, step)


def _sweep_values(
    key: str, override: Any, text: str, list_options: Callable[[str], list[str]] | None
) -> Sequence[str]:
    int_range = _int_range(override)
    if int_range is not None:
        return IntRangeAxis(f"{key}=", int_range)
    try:
        return [f"{key}={v}" for v in override.sweep_string_iterator(list_options)]
    except ValueError as error:  # e.g. range(1,5,0): Python's text alone names no override
        raise UnsupportedSweepError(
            f"Cannot expand sweep '{override.input_line or text}': {error}"
        ) from error


def expand_sweep(
    arguments: Sequence[str], list_options: Callable[[str], list[str]] | None = None
) -> list[list[str]]:
    """All jobs (override lists) of a grid sweep over ``arguments``, first argument varying slowest."""
    return list(grid_jobs(arguments, list_options))


def grid_jobs(
    arguments: Sequence[str], list_options: Callable[[str], list[str]] | None = None
) -> GridJobs:
    """:func:`expand_sweep` as a :class:`GridJobs` sequence (each job made when asked for)."""
    from runlab.config.overrides import ValueType, parse_override

    per_key: dict[str, Sequence[str]] = {}
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
            values = _sweep_values(key, override, text, list_options)
        else:
            values = [f"{key}={override.get_value_element_as_str()}"]
        # dict keeps the first insertion position when a later argument rebinds the key.
        per_key[key] = values
    return GridJobs(list(per_key.values()))


def split_batches(
    jobs: Sequence[list[str]], max_batch_size: int | None
) -> list[Sequence[list[str]]]:
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
        self._batches: list[Sequence[list[str]]] = []
        self._next = 0

    def arguments(self, overrides: Sequence[str]) -> list[str]:
        """``params`` as ``key=value`` strings, then the command line's overrides."""
        return [f"{key}={value}" for key, value in self.params.items()] + list(overrides)

    def begin(self, context: SweepContext) -> None:
        jobs = grid_jobs(self.arguments(context.overrides), context.list_options)
        self._batches = split_batches(jobs, self.max_batch_size)
        self._next = 0

    @property
    def total_jobs(self) -> int:
        """How many jobs the whole sweep has (known up front for a grid; shown by the progress line)."""
        return sum(len(batch) for batch in self._batches)

    def ask(self) -> Sequence[list[str]] | None:
        if self._next >= len(self._batches):
            return None
        batch = self._batches[self._next]
        self._next += 1
        return batch

    def tell(self, results: Sequence[JobResult]) -> None:
        """A grid does not depend on results (and keeps none: a sweep's memory stays flat)."""
