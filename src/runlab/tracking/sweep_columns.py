"""A sweep's runs as columns: what its end-of-sweep compare table needs, a few bytes a run.

The summary printed after a multirun groups the completed runs by the params that vary and
aggregates one metric.  Holding a ``Run`` view per job for that (identity, environment, strings of
every field) cost ~2 KB a job, 10 MB at the end of a 5,000-job sweep.  Here each record read from
disk leaves only what the table reads: one slot per param key and per metric (``array('d')`` for
metrics, NaN marking a missing or non-numeric value, which the aggregation counts as missing just
the same), a shared mapping of group choices, and where to find the run's directory (its job number
when it is ``<sweep dir>/<num>``) for the rare run that did not set a param others did: its config
is read again then, as ``Run.param`` would read it.  Equal strings are stored once.

Orders follow the runs sorted by job number then start time, as ``runs_in_job_order`` sorts them,
so the table is the one ``compare_runs`` makes from ``Run`` views: a key or metric name is ordered
by the first run (in that order) that has it.
"""

from __future__ import annotations

import math
import os
from array import array
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from runlab.tracking.compare import MISSING, choose_keys
from runlab.tracking.records import read_record

if TYPE_CHECKING:
    from runlab.tracking.model import Run
    from runlab.tracking.records import RunRecord

__all__ = ["SweepColumns"]

_NO_JOB = float(1 << 62)
"""The sort position of a run outside any sweep (after every job), as ``runs_in_job_order``."""

Position = tuple[float, float, int, int]
"""(job number, start time, row, position within the run's mapping): orders first appearances."""


class SweepColumns:
    """The completed runs of a sweep as columns, plus its status counts and failures."""

    def __init__(self) -> None:
        self.size = 0
        self.counts: dict[str, int] = {}
        self.failures: list[tuple[tuple[float, float, int], int | None, str, str, str | None]] = []
        self._seen = 0
        self._first_id: tuple[tuple[float, float, int], str | None] | None = None
        self._params: dict[str, list[str | None]] = {}
        self._metrics: dict[str, array[float]] = {}
        self._choices: list[Mapping[str, Any]] = []
        self._nums = array("q")  # job number, -1 for none
        self._sweep_dirs: list[str | None] = []  # shared strings
        self._odd_dirs: dict[int, str] = {}  # row -> run dir, when not <sweep dir>/<num>
        self._first: dict[str, dict[str, Position]] = {"param": {}, "metric": {}, "choice": {}}
        self._strings: dict[str, str] = {}
        self._choice_maps: dict[tuple[Any, ...], Mapping[str, Any]] = {}

    @property
    def sweep_id(self) -> str | None:
        """The sweep id of the first run in job order (every job of a sweep has the same)."""
        return self._first_id[1] if self._first_id is not None else None

    def _share(self, text: str) -> str:
        return self._strings.setdefault(text, text)

    def _note_first(self, kind: str, names: Any, where: tuple[float, float, int]) -> None:
        first = self._first[kind]
        for position, name in enumerate(names):
            at = (*where, position)
            if name not in first or at < first[name]:
                first[name] = at

    def add(self, record: RunRecord | Run, run_dir: str) -> None:
        """One run (its record read from ``run_dir``, or its index row); only completed runs enter
        the table."""
        sort_key = (float(record.job_num) if record.job_num is not None else _NO_JOB,
                    record.start or 0.0)
        where = (*sort_key, self._seen)
        self._seen += 1
        self.counts[record.status] = self.counts.get(record.status, 0) + 1
        if self._first_id is None or where < self._first_id[0]:
            self._first_id = (where, record.sweep_id)
        if record.status in ("failed", "killed"):
            self.failures.append((where, record.job_num, record.status,
                                  " ".join(record.overrides), record.error))
        if record.status != "completed":
            return
        row = self.size
        self.size += 1
        self._note_dir(row, record.sweep_dir, record.job_num, run_dir)
        for key, value in record.params.items():
            column = self._params.get(key)
            if column is None:
                column = self._params[self._share(key)] = [None] * row
            column.append(self._share(value))
        self._pad(self._params.values(), row, None)
        for name, value in record.metrics.items():
            values = self._metrics.get(name)
            if values is None:
                values = self._metrics[self._share(name)] = array("d", [math.nan]) * row
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            values.append(float(value) if numeric else math.nan)
        self._pad(self._metrics.values(), row, math.nan)
        choices: Mapping[str, Any] = dict(record.choices)
        try:
            choices = self._choice_maps.setdefault(tuple(choices.items()), choices)
        except TypeError:  # a list-valued choice: not hashable, not shared
            pass
        self._choices.append(choices)
        self._note_first("param", record.params, where[:3])
        self._note_first("metric", record.metrics, where[:3])
        self._note_first("choice", choices, where[:3])

    def _note_dir(self, row: int, sweep_dir: str | None, num: int | None, run_dir: str) -> None:
        self._nums.append(num if num is not None else -1)
        self._sweep_dirs.append(self._share(sweep_dir) if sweep_dir is not None else None)
        if sweep_dir is None or num is None or run_dir != os.path.join(sweep_dir, str(num)):
            self._odd_dirs[row] = run_dir

    def _run_dir(self, row: int) -> str:
        if row in self._odd_dirs:
            return self._odd_dirs[row]
        sweep_dir = self._sweep_dirs[row]
        assert sweep_dir is not None  # noted as odd otherwise
        return os.path.join(sweep_dir, str(self._nums[row]))

    @staticmethod
    def _pad(columns: Any, row: int, filler: Any) -> None:
        for column in columns:
            if len(column) == row:
                column.append(filler)

    def _names(self, kind: str) -> list[str]:
        first = self._first[kind]
        return sorted(first, key=first.__getitem__)

    def metric_names(self) -> list[str]:
        """Metric names of the completed runs, in first-seen job order (as ``pick_metric``)."""
        return self._names("metric")

    def candidate_keys(self) -> list[str]:
        """Param keys, then group choices not among them, in first-seen job order."""
        keys = dict.fromkeys(self._names("param"))
        for key in self._names("choice"):
            keys.setdefault(key, None)
        return list(keys)

    def values(self, key: str) -> list[str | None]:
        """Each completed run's value of ``key`` as ``Run.param`` gives it (None: nowhere)."""
        column = self._params.get(key)
        configs: dict[int, Mapping[str, Any]] = {}
        found: list[str | None] = []
        for row in range(self.size):
            value = column[row] if column is not None else None
            found.append(value if value is not None else self._fallback(row, key, configs))
        return found

    def _fallback(self, row: int, key: str, configs: dict[int, Mapping[str, Any]]) -> str | None:
        choice = self._choices[row].get(key)
        if choice is not None:
            return str(choice)
        if row not in configs:
            record = read_record(self._run_dir(row))
            configs[row] = record.config_flat if record is not None else {}
        if key not in configs[row]:
            return None
        from runlab.tracking.model import _as_text

        return _as_text(configs[row][key])

    def varying(self) -> list[str]:
        """Keys whose value differs between completed runs (as ``varying_params``)."""
        return [key for key in self.candidate_keys() if len(set(self.values(key))) > 1]

    def group_items(
        self, by: tuple[str, ...], metric: str
    ) -> Iterator[tuple[tuple[str, ...], str, float]]:
        """``(group key, "", value)`` per completed run, for ``compare.aggregate``; the table does not
        show run ids, so none are kept."""
        columns: list[list[str]] = []
        for key in by:
            own = self._params.get(key)
            found = self.values(key)
            columns.append([
                value if value is not None and own is not None and own[row] is not None
                else (value or MISSING)
                for row, value in enumerate(found)
            ])
        values = self._metrics.get(metric, array("d", [math.nan]) * self.size)
        for row in range(self.size):
            yield tuple(column[row] for column in columns), "", values[row]

    def failures_in_job_order(self) -> list[tuple[int | None, str, str, str | None]]:
        """``(job number, status, overrides, error)`` of each failed or killed run."""
        return [failure[1:] for failure in sorted(self.failures, key=lambda f: f[0])]

    def choose_keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(by, over)`` as ``compare_runs`` chooses them when the user names neither."""
        return choose_keys(self.varying(), None, None)
