"""Selecting runs: ``--where`` expressions, ``--since`` ages, sorting, and the ``runlab.runs()`` API."""

from __future__ import annotations

import datetime
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from runlab._values import frozen
from runlab.tracking.model import Run, RunList

__all__ = [
    "Condition",
    "QueryError",
    "parse_since",
    "parse_where",
    "runs",
    "select",
    "sort_runs",
]


class QueryError(ValueError):
    """A filter, sort key or run reference the user typed cannot be understood."""


_OPERATORS = ("<=", ">=", "!=", "==", "=", "<", ">", "~")
_CONDITION = re.compile(r"^\s*([^<>=!~\s]+)\s*(<=|>=|!=|==|=|<|>|~)\s*(.*?)\s*$")


@frozen
class Condition:
    """One ``--where`` test: ``key op value``; ``db=mysql,postgres`` means any of the values."""

    key: str
    op: str
    values: tuple[str, ...]

    def matches(self, run: Run) -> bool:
        actual = run.value(self.key)
        if actual is None:
            return self.op == "!="
        if self.op == "~":
            return any(re.search(v, _text(actual)) for v in self.values)
        if self.op in ("=", "=="):
            return any(_equal(actual, v) for v in self.values)
        if self.op == "!=":
            return not any(_equal(actual, v) for v in self.values)
        return _ordered(actual, self.op, self.values[0])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _equal(actual: Any, wanted: str) -> bool:
    left, right = _number(actual), _number(wanted)
    if left is not None and right is not None:
        return left == right or (math.isnan(left) and math.isnan(right))
    return _text(actual).strip("'\"") == wanted.strip("'\"")


def _ordered(actual: Any, op: str, wanted: str) -> bool:
    left, right = _number(actual), _number(wanted)
    pair: tuple[Any, Any] = (left, right)
    if left is None or right is None:
        pair = (_text(actual), wanted)
    a, b = pair
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def parse_where(text: str) -> Condition:
    """``'loss<0.3'`` -> Condition; raises QueryError naming the expected forms."""
    match = _CONDITION.match(text)
    if match is None or not match.group(3):
        raise QueryError(
            f"cannot read --where {text!r}: expected KEY OP VALUE with OP one of "
            f"{' '.join(_OPERATORS)} (e.g. 'db=mysql', 'loss<0.3')"
        )
    key, op, value = match.groups()
    values = tuple(v.strip() for v in value.split(",")) if op in ("=", "==", "!=", "~") else (value,)
    if op in ("<", "<=", ">", ">=") and "," in value:
        raise QueryError(f"--where {text!r}: {op} takes a single value")
    return Condition(key=key, op=op, values=values)


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d|w)\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: float | None = None, *, option: str = "--since") -> float:
    """``'2d'``, ``'3h'``, ``'30m'`` or an ISO date/time -> epoch seconds of the cutoff.

    ``option`` is the flag the text came from, so the error names the one the user typed.
    """
    now = time.time() if now is None else now
    match = _AGE.match(text)
    if match:
        return now - float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(
            f"cannot read {option} {text!r}: expected an age like 30m, 3h, 2d, 1w or an ISO date "
            "like 2026-11-27"
        ) from None
    return moment.timestamp()


def sort_runs(items: Iterable[Run], key: str) -> list[Run]:
    """Sort by ``key`` (``-key`` descending); numbers before text, missing values always last."""
    descending = key.startswith("-")
    name = key.lstrip("-")
    numbers: list[tuple[float, Run]] = []
    texts: list[tuple[str, Run]] = []
    missing: list[Run] = []
    for run in items:
        value = run.value(name)
        number = None if value is None else _number(value)
        if value is None or (number is not None and math.isnan(number)):
            missing.append(run)
        elif number is not None:
            numbers.append((number, run))
        else:
            texts.append((_text(value), run))
    numbers.sort(key=lambda pair: pair[0], reverse=descending)
    texts.sort(key=lambda pair: pair[0], reverse=descending)
    return [r for _n, r in numbers] + [r for _t, r in texts] + missing


def _needs_config(conditions: Sequence[Condition], sample: Run | None) -> bool:
    if sample is None:
        return False
    return any(sample.value(c.key) is None for c in conditions)


def select(
    load: Callable[..., RunList],
    *,
    sweep_ids: Sequence[str] | None = None,
    where: Sequence[str] = (),
    status: Sequence[str] | None = None,
    since: str | float | None = None,
    sort: str | None = None,
    limit: int | None = None,
) -> RunList:
    """Apply the filters of ``runlab runs`` to what ``load`` (``RunIndex.query``) returns."""
    conditions = [parse_where(w) for w in where]
    cutoff = parse_since(since) if isinstance(since, str) else since
    found = load(sweep_ids=sweep_ids, statuses=status, since=cutoff)
    if conditions and _needs_config(conditions, found[0] if found else None):
        found = load(sweep_ids=sweep_ids, statuses=status, since=cutoff, with_config=True)
    chosen = [r for r in found if all(c.matches(r) for c in conditions)]
    if sort:
        chosen = sort_runs(chosen, sort)
    elif sweep_ids is None:
        chosen.sort(key=lambda r: r.start or 0.0, reverse=True)
    if limit is not None:
        chosen = chosen[:limit]
    return RunList(chosen)


def runs(
    sweep: str | None = None,
    *,
    where: Sequence[str] | str = (),
    status: Sequence[str] | str | None = None,
    since: str | float | None = None,
    sort: str | None = None,
    limit: int | None = None,
    index: str | os.PathLike[str] | None = None,
) -> RunList:
    """Runs from the index, filtered like ``runlab runs``; ``sweep`` is a sweep id, unique prefix,
    ``last``, or a sweep directory (read directly, no index needed).

    >>> runlab.runs(where="db=mysql", sort="loss").to_pandas()   # doctest: +SKIP
    """
    from runlab.tracking.index_journal import index_exists
    from runlab.tracking.resolve import resolve_sweep
    from runlab.tracking.store import RunIndex, default_index_path

    where_list = [where] if isinstance(where, str) else list(where)
    statuses = [status] if isinstance(status, str) else status
    if sweep is not None and os.path.isdir(sweep):  # a directory is read directly, no index
        from runlab.tracking.summary import load_sweep

        found = load_sweep(sweep)

        def load(*, statuses: Sequence[str] | None = None, since: float | None = None,
                 **_ignored: Any) -> RunList:
            return RunList(r for r in found if (statuses is None or r.status in statuses)
                           and (since is None or (r.start or 0.0) >= since))

        return select(load, sweep_ids=["(directory)"], where=where_list, status=statuses,
                      since=since, sort=sort, limit=limit)
    path = Path(index) if index is not None else default_index_path()
    if not index_exists(path):
        raise FileNotFoundError(
            f"no run index at {path}: build it with `runlab index [DIR]`, set RUNLAB_INDEX, or "
            "pass a sweep directory")
    with RunIndex(path) as store:
        sweep_ids = [resolve_sweep(store, sweep)] if sweep is not None else None
        return select(store.query, sweep_ids=sweep_ids, where=where_list, status=statuses,
                      since=since, sort=sort, limit=limit)
