"""Pure comparison: group runs by parameter combination and aggregate one metric over the rest.

Used by ``runlab compare``, the end-of-sweep summary, the HTML report and the dashboard, so it takes
plain ``Run`` values and returns plain rows; no I/O.
"""

from __future__ import annotations

import heapq
import math
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from operator import methodcaller

from runlab._values import frozen
from runlab.tracking.model import Run

__all__ = [
    "CompareRow",
    "Comparison",
    "aggregate",
    "best_rows",
    "choose_keys",
    "compare_runs",
    "default_mode",
    "default_over",
    "pick_metric",
    "pick_metric_name",
    "varying_params",
]

MISSING = "-"
_MAXIMIZED = re.compile(
    r"(acc|accuracy|auc|f1|precision|recall|score|reward|return|iou|map|bleu|rouge|r2|throughput)"
    r"($|[._\-])", re.IGNORECASE)


@frozen
class CompareRow:
    """One parameter combination and its metric over the runs sharing it."""

    params: tuple[tuple[str, str], ...]
    n: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    missing: int
    run_ids: tuple[str, ...]
    best: bool = False

    def param(self, key: str) -> str:
        return dict(self.params).get(key, MISSING)


@frozen
class Comparison:
    """The compare table: rows sorted best first (rows without values last)."""

    metric: str
    mode: str
    by: tuple[str, ...]
    over: tuple[str, ...]
    rows: tuple[CompareRow, ...]
    runs: int

    @property
    def best(self) -> CompareRow | None:
        return next((row for row in self.rows if row.best), None)


def default_mode(metric: str) -> str:
    """``max`` for names that read like accuracy/score/reward, else ``min`` (losses, errors, time)."""
    return "max" if _MAXIMIZED.search(metric.split("/")[-1]) else "min"


def varying_params(runs: Iterable[Run]) -> list[str]:
    """Override keys (and group choices) whose value differs between runs, in first-seen order.

    A key only some runs set also varies (the others show ``-``).
    """
    items = list(runs)
    param_maps = [run.params for run in items]
    keys: dict[str, object] = {}
    for params in param_maps:
        keys.update(params)  # only the keys matter; dict.update keeps first-seen order in C
    choice_keys: dict[str, object] = {}
    for run in items:
        choice_keys.update(run.choices)
    for key in choice_keys:
        keys.setdefault(key, None)
    varying = []
    for key in keys:
        seen = set(map(methodcaller("get", key), param_maps))
        if None in seen:  # runs without the override: their group choice (or nothing) counts
            seen.discard(None)
            seen.update(run.param(key) for run in items if key not in run.params)
        if len(seen) > 1:
            varying.append(key)
    return varying


def default_over(varying: Sequence[str]) -> tuple[str, ...]:
    """Keys aggregated over when the user names neither --by nor --over: the random seeds."""
    return tuple(k for k in varying if re.search(r"(^|[._])seed$", k, re.IGNORECASE))


def pick_metric(runs: Iterable[Run]) -> str | None:
    """The metric to compare when none is named: ``value`` (a returned scalar), else the first one."""
    names: dict[str, None] = {}
    for run in runs:
        names.update(dict.fromkeys(run.metrics))
    return pick_metric_name(names)


def pick_metric_name(names: Iterable[str]) -> str | None:
    """``value`` when among ``names`` (in first-seen order), else the first name (None: no names)."""
    ordered = list(names)
    return "value" if "value" in ordered else next(iter(ordered), None)


def _stats(values: list[float]) -> tuple[float | None, float | None, float | None, float | None]:
    if not values:
        return None, None, None, None
    n = len(values)
    mean = math.fsum(values) / n
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return mean, std, min(values), max(values)


def choose_keys(varying: Sequence[str], by: Sequence[str] | None, over: Sequence[str] | None
                ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(by, over)`` from what the user named and the params that vary (see :func:`compare_runs`)."""
    over_keys = tuple(over) if over is not None else (default_over(varying) if by is None else ())
    by_keys = tuple(by) if by is not None else tuple(k for k in varying if k not in over_keys)
    if over is None and by is not None:
        over_keys = tuple(k for k in varying if k not in by_keys)
    return by_keys, over_keys


def _is_number(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and not math.isnan(value))


def _check_mode(mode: str) -> float:
    """The sign that makes the best mean the smallest."""
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    return 1.0 if mode == "min" else -1.0


def _row(by: tuple[str, ...], key: tuple[str, ...], values: list[float], missing: int,
         run_ids: tuple[str, ...]) -> CompareRow:
    mean, std, low, high = _stats(values)
    return CompareRow(params=tuple(zip(by, key)), n=len(values), mean=mean, std=std, min=low,
                      max=high, missing=missing, run_ids=run_ids)


def _marked(rows: list[CompareRow]) -> tuple[CompareRow, ...]:
    """Rows sorted best first, the first one marked best when it has a value."""
    if rows and rows[0].mean is not None:
        rows[0] = CompareRow(**{**rows[0].__dict__, "best": True})
    return tuple(rows)


def aggregate(
    items: Iterable[tuple[tuple[str, ...], str, object]],
    *,
    metric: str,
    mode: str,
    by: tuple[str, ...],
    over: tuple[str, ...],
) -> Comparison:
    """The compare table of ``(group key, run id, metric value)`` triples (value None = missing)."""
    sign = _check_mode(mode)
    groups: dict[tuple[str, ...], tuple[list[float], list[str], list[int]]] = {}
    count = 0
    for key, run_id, value in items:
        count += 1
        values, ids, missing = groups.setdefault(key, ([], [], [0]))
        ids.append(run_id)
        if _is_number(value):
            values.append(float(value))  # type: ignore[arg-type]
        else:
            missing[0] += 1
    rows = [_row(by, key, values, missing[0], tuple(ids))
            for key, (values, ids, missing) in groups.items()]
    rows.sort(key=lambda r: (r.mean is None, sign * r.mean if r.mean is not None else 0.0,
                             r.params))
    return Comparison(metric=metric, mode=mode, by=by, over=over, rows=_marked(rows), runs=count)


def best_rows(
    groups: Iterable[tuple[tuple[str, ...], Iterable[object]]],
    *,
    metric: str,
    mode: str,
    by: tuple[str, ...],
    over: tuple[str, ...],
    limit: int,
) -> tuple[Comparison, int]:
    """:func:`aggregate`'s table cut to its ``limit`` best rows (without run ids), and the number of
    rows of the whole table.

    ``groups`` gives each group key once, with its runs' metric values, as a query sorted by group
    key gives them.  Only the group being read and the ``limit`` best so far are held, so the
    summary printed after a sweep where every job is its own parameter combination does not grow
    with the sweep.  The rows and their order are :func:`aggregate`'s.
    """
    sign = _check_mode(mode)
    count = 0
    group_count = 0

    def summaries() -> Iterator[tuple[tuple[bool, float, tuple[tuple[str, str], ...]],
                                      tuple[str, ...], array[float], int]]:
        nonlocal count, group_count
        for key, group_values in groups:
            group_count += 1
            numbers = array("d")
            missing = 0
            for value in group_values:
                count += 1
                if _is_number(value):
                    numbers.append(float(value))  # type: ignore[arg-type]
                else:
                    missing += 1
            mean = math.fsum(numbers) / len(numbers) if numbers else None
            order = (mean is None, sign * mean if mean is not None else 0.0, tuple(zip(by, key)))
            yield order, key, numbers, missing

    chosen = heapq.nsmallest(limit, summaries(), key=lambda summary: summary[0])
    rows = [_row(by, key, list(numbers), missing, ()) for _order, key, numbers, missing in chosen]
    comparison = Comparison(metric=metric, mode=mode, by=by, over=over, rows=_marked(rows),
                            runs=count)
    return comparison, group_count


def compare_runs(
    runs: Sequence[Run],
    metric: str,
    *,
    by: Sequence[str] | None = None,
    over: Sequence[str] | None = None,
    mode: str | None = None,
) -> Comparison:
    """Group ``runs`` by the ``by`` params (default: every varying param not in ``over``; params
    named ``seed`` are aggregated over) and aggregate ``metric`` (mean, sample std, min, max, n);
    the best row by ``mode`` (default from the metric's name) is marked."""
    mode = mode or default_mode(metric)
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    varying = varying_params(runs) if by is None or over is None else []
    by_keys, over_keys = choose_keys(varying, by, over)

    def items() -> Iterator[tuple[tuple[str, ...], str, object]]:
        for run in runs:
            params = run.params
            key = tuple(params[k] if k in params else (run.param(k) or MISSING) for k in by_keys)
            yield key, run.run_id, run.metrics.get(metric)

    return aggregate(items(), metric=metric, mode=mode, by=by_keys, over=over_keys)
