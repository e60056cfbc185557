"""Sweep values of the override grammar and how they expand into per-job values (spec §3.6).

The sweep types are frozen: a grammar function that "modifies" a sweep (``tag``, ``shuffle``, ``sort``)
returns a new one.  ``list``/``tags`` hold tuples and frozensets; code written for Hydra that iterates or
compares them (``sweep.tags == {"log"}``) keeps working.

The grammar functions themselves (``choice``, ``range``, casts, ...) live in
:mod:`runlab.config._override_functions` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import field, replace
from typing import Any

from runlab._values import frozen
from runlab.config._override_values import thaw
from runlab.errors import HydraException

__all__ = [
    "ChoiceSweep",
    "Glob",
    "IntervalSweep",
    "RangeSweep",
    "Sweep",
    "expand_choice",
    "expand_glob",
    "expand_range",
    "float_range",
    "with_tags",
]


def _frozen_tags(tags: Iterable[str] | None) -> frozenset[str]:
    return tags if isinstance(tags, frozenset) else frozenset(tags or ())


@frozen
class Sweep:
    """Base of every sweep; ``tags`` are free-form labels for optimizing sweepers (``tag(log, ...)``)."""

    tags: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _frozen_tags(self.tags))

    def _tags_repr(self) -> str:
        return "{" + ", ".join(repr(t) for t in sorted(self.tags)) + "}" if self.tags else "set()"


@frozen(repr=False)
class ChoiceSweep(Sweep):
    """A discrete set of values: ``a,b,c`` (``simple_form``) or ``choice(a,b,c)``."""

    list: tuple[Any, ...] = ()
    simple_form: bool = False
    shuffle: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.list, tuple):
            from runlab.config._override_values import freeze

            object.__setattr__(self, "list", freeze(self.list))

    def __repr__(self) -> str:
        return (
            f"ChoiceSweep(tags={self._tags_repr()}, list={thaw(self.list)!r}, "
            f"simple_form={self.simple_form}, shuffle={self.shuffle})"
        )


@frozen(repr=False)
class RangeSweep(Sweep):
    """``range(start, stop, step)``: ints step like Python's range, any float steps in decimal."""

    start: int | float | None = None
    stop: int | float | None = None
    step: int | float = 1
    shuffle: bool = False

    def range(self) -> Iterator[int | float]:
        """The values, in order (Python's ``range`` when every bound is an int)."""
        assert self.start is not None and self.stop is not None
        if (
            isinstance(self.start, int)
            and isinstance(self.stop, int)
            and isinstance(self.step, int)
        ):
            return iter(range(self.start, self.stop, self.step))
        return float_range(self.start, self.stop, self.step)

    def __repr__(self) -> str:
        return (
            f"RangeSweep(tags={self._tags_repr()}, start={self.start!r}, stop={self.stop!r}, "
            f"step={self.step!r}, shuffle={self.shuffle})"
        )


@frozen(repr=False, eq=False)
class IntervalSweep(Sweep):
    """``interval(start, end)``: a continuous range, only meaningful to optimizing sweepers."""

    start: float | None = None
    end: float | None = None

    def __eq__(self, other: object) -> bool:
        # int(interval(1.5, 3)) has int bounds: equal only to an interval with the same bound types.
        if not isinstance(other, IntervalSweep):
            return NotImplemented
        return (
            self.start == other.start
            and self.end == other.end
            and self.tags == other.tags
            and type(self.start) is type(other.start)
            and type(self.end) is type(other.end)
        )

    def __hash__(self) -> int:
        return hash((IntervalSweep, self.start, self.end, self.tags))

    def __repr__(self) -> str:
        return f"IntervalSweep(tags={self._tags_repr()}, start={self.start!r}, end={self.end!r})"


@frozen(repr=False)
class Glob:
    """``glob(include, exclude)``: selects options of the config group named by the override key."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "include", tuple(self.include))
        object.__setattr__(self, "exclude", tuple(self.exclude))

    def filter(self, names: Iterable[str]) -> list[str]:
        """The names matched by an include pattern and by no exclude pattern, in input order."""
        from fnmatch import fnmatch

        def matches(name: str, patterns: tuple[str, ...]) -> bool:
            return any(fnmatch(name, pattern) for pattern in patterns)

        return [n for n in names if matches(n, self.include) and not matches(n, self.exclude)]

    def __repr__(self) -> str:
        return f"Glob(include={list(self.include)!r}, exclude={list(self.exclude)!r})"


def float_range(start: Any, stop: Any, step: Any) -> Iterator[float]:
    """Decimal stepping, as Hydra does it: ``start + k*step`` summed in Decimal, emitted as floats.

    The bounds are converted with ``Decimal(float)`` (exact binary value), so ``range(0,1,0.1)`` yields
    ``0.7000000000000001`` exactly where Hydra does.
    """
    from decimal import Decimal

    current, end, increment = Decimal(start), Decimal(stop), Decimal(step)
    if increment == 0:
        raise HydraException(
            f"Invalid range values (start:{current}, stop:{end}, step:{increment})"
        )
    if increment > 0:
        while current < end:
            yield float(current)
            current += increment
    else:
        while current > end:
            yield float(current)
            current += increment


def _shuffled(values: Iterable[Any]) -> list[Any]:
    import random

    items = list(values)
    random.shuffle(items)
    return items


def expand_choice(sweep: ChoiceSweep) -> list[Any]:
    """The elements of a choice sweep, in a fresh random order when it is flagged ``shuffle``."""
    return _shuffled(sweep.list) if sweep.shuffle else list(sweep.list)


def expand_range(sweep: RangeSweep) -> Iterator[int | float]:
    """The values of a range sweep (``range(1,2,0)`` raises Python's error when enumerated)."""
    return iter(_shuffled(sweep.range())) if sweep.shuffle else sweep.range()


def expand_glob(
    glob: Glob, group: str, list_options: Callable[[str], list[str]] | None
) -> list[str]:
    """The options of config group ``group`` selected by ``glob`` (options come from the callback)."""
    if list_options is None:
        raise HydraException(
            f"Cannot expand glob for '{group}': no way to list the options of config group '{group}'"
        )
    return glob.filter(list_options(group))


def with_tags(sweep: Sweep, tags: Iterable[str]) -> Sweep:
    """A copy of ``sweep`` carrying exactly ``tags``."""
    return replace(sweep, tags=frozenset(tags))


_FUNCTION_EXPORTS = {
    "GRAMMAR_FUNCTIONS": "GRAMMAR_FUNCTIONS",
    "cast_bool": "cast_bool",
    "cast_float": "cast_float",
    "cast_int": "cast_int",
    "cast_str": "cast_str",
    "choice": "choice",
    "glob": "glob",
    "interval": "interval",
    "range_sweep": "range",
    "shuffle": "shuffle",
    "sort": "sort",
    "tag": "tag",
}


def __getattr__(name: str) -> Any:
    """The grammar functions, importable from here without a circular import at load time."""
    if name in _FUNCTION_EXPORTS:
        from runlab.config import _override_functions

        return getattr(_override_functions, _FUNCTION_EXPORTS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
