"""A sweep's runs as columns in a scratch SQLite file: the end-of-sweep table in bounded memory.

The summary printed after a multirun groups the completed runs by the params that vary and
aggregates one metric.  When every job is its own parameter combination (``seed=range(0,20000)``),
anything held in Python per run or per combination grows with the sweep: a ``Run`` view per job
cost ~2 KB, and even columns of shared strings and one group per combination cost ~0.4 KB.  Here
each record read from disk leaves its params, group choices and metric values as rows of a private
temporary database (SQLite's ``""`` file: its pages beyond a small cache go to a temporary file,
deleted on close), and the table is made from queries that stream: distinct values per key, then
the runs sorted by group key, one group at a time (``compare.best_rows`` keeps only the best rows).
What stays in Python is per key and per failure, not per run.

A run that did not set a param others did gets the value ``Run.param`` would give it: its group
choice, else its config's value, read again from its directory (found from its job number when it
is ``<sweep dir>/<num>``, which is the common case, so directories are stored only when odd).

Orders follow the runs sorted by job number then start time, as ``runs_in_job_order`` sorts them,
so the table is the one ``compare_runs`` makes from ``Run`` views: a key or metric name is ordered
by the first run (in that order) that has it.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from runlab.tracking.compare import MISSING, choose_keys
from runlab.tracking.records import read_record

if TYPE_CHECKING:
    from runlab.tracking.model import Run
    from runlab.tracking.records import RunRecord

__all__ = ["SweepColumns"]

_NO_JOB = float(1 << 62)
"""The sort position of a run outside any sweep (after every job), as ``runs_in_job_order``."""

_CACHE_KIB = 256
"""SQLite's page cache for the scratch file: what the table may hold in memory, however big."""

_FETCH = 512

Position = tuple[float, float, int, int]
"""(job number, start time, row, position within the run's mapping): orders first appearances."""

_SCHEMA = """
CREATE TABLE runs (row INTEGER PRIMARY KEY, num INTEGER, sweep_dir TEXT, odd_dir TEXT);
CREATE TABLE params (key TEXT, row INTEGER, value, PRIMARY KEY (key, row)) WITHOUT ROWID;
CREATE TABLE choices (key TEXT, row INTEGER, value TEXT, PRIMARY KEY (key, row)) WITHOUT ROWID;
CREATE TABLE metrics (name TEXT, row INTEGER, value REAL, PRIMARY KEY (name, row)) WITHOUT ROWID;
"""


class SweepColumns:
    """The completed runs of a sweep as columns, plus its status counts and failures.

    Close it (or use it in a ``with`` block) to delete its scratch file.
    """

    def __init__(self) -> None:
        self.size = 0
        self.counts: dict[str, int] = {}
        self.failures: list[tuple[tuple[float, float, int], int | None, str, str, str | None]] = []
        self._seen = 0
        self._first_id: tuple[tuple[float, float, int], str | None] | None = None
        self._first: dict[str, dict[str, Position]] = {"param": {}, "metric": {}, "choice": {}}
        self._db = sqlite3.connect("", isolation_level=None)
        self._db.execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SweepColumns:  # noqa: PYI034 - py3.10 has no typing.Self
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def sweep_id(self) -> str | None:
        """The sweep id of the first run in job order (every job of a sweep has the same)."""
        return self._first_id[1] if self._first_id is not None else None

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
        sweep_dir, num = record.sweep_dir, record.job_num
        odd = sweep_dir is None or num is None or run_dir != os.path.join(sweep_dir, str(num))
        db = self._db
        db.execute("INSERT INTO runs VALUES (?, ?, ?, ?)",
                   (row, num, sweep_dir, run_dir if odd else None))
        db.executemany("INSERT INTO params VALUES (?, ?, ?)",
                       [(key, row, value) for key, value in record.params.items()])
        choices = record.choices
        db.executemany("INSERT INTO choices VALUES (?, ?, ?)",
                       [(key, row, str(value)) for key, value in choices.items()
                        if value is not None])
        db.executemany("INSERT INTO metrics VALUES (?, ?, ?)",
                       [(name, row, float(value) if _is_numeric(value) else None)
                        for name, value in record.metrics.items()])
        self._note_first("param", record.params, where[:3])
        self._note_first("metric", record.metrics, where[:3])
        self._note_first("choice", choices, where[:3])

    def _run_dir(self, row: int) -> str:
        num, sweep_dir, odd_dir = self._db.execute(
            "SELECT num, sweep_dir, odd_dir FROM runs WHERE row = ?", (row,)).fetchone()
        return odd_dir if odd_dir is not None else os.path.join(sweep_dir, str(num))

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

    def _fallback(self, row: int, key: str) -> str | None:
        """``Run.param``'s value of ``key`` for a run that did not set it: its choice, else its
        config's value."""
        choice = self._db.execute(
            "SELECT value FROM choices WHERE key = ? AND row = ?", (key, row)).fetchone()
        if choice is not None:
            return str(choice[0])
        record = read_record(self._run_dir(row))
        config = record.config_flat if record is not None else {}
        if key not in config:
            return None
        from runlab.tracking.model import _as_text

        return _as_text(config[key])

    def _rows_without(self, key: str) -> Iterator[int]:
        cursor = self._db.execute(
            "SELECT row FROM runs WHERE NOT EXISTS "
            "(SELECT 1 FROM params WHERE params.key = ? AND params.row = runs.row) ORDER BY row",
            (key,))
        while chunk := cursor.fetchmany(_FETCH):
            yield from (row for (row,) in chunk)

    def _varies(self, key: str) -> bool:
        """Whether ``key``'s value (as ``Run.param`` gives it) differs between completed runs."""
        own = self._db.execute(
            "SELECT value FROM params WHERE key = ? GROUP BY value LIMIT 2", (key,)).fetchall()
        if len(own) > 1:
            return True
        seen = {value for (value,) in own}
        for row in self._rows_without(key):
            seen.add(self._fallback(row, key))
            if len(seen) > 1:
                return True
        return False

    def varying(self) -> list[str]:
        """Keys whose value differs between completed runs (as ``varying_params``)."""
        return [key for key in self.candidate_keys() if self._varies(key)]

    def groups(
        self, by: tuple[str, ...], metric: str
    ) -> Iterator[tuple[tuple[str, ...], Iterator[float | None]]]:
        """Each group key once, with its runs' values of ``metric`` (None: missing), for
        ``compare.best_rows``; groups come sorted by key text, one at a time."""
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS grouped (key TEXT, value REAL)")
        db.execute("DELETE FROM grouped")
        joins = "".join(
            f" LEFT JOIN params p{i} ON p{i}.key = ? AND p{i}.row = runs.row"
            for i in range(len(by))
        )
        columns = "".join(f", p{i}.value" for i in range(len(by)))
        reader = db.execute(
            f"SELECT runs.row, m.value{columns} FROM runs{joins}"
            " LEFT JOIN metrics m ON m.name = ? AND m.row = runs.row",
            (*by, metric),
        )
        while chunk := reader.fetchmany(_FETCH):
            db.executemany("INSERT INTO grouped VALUES (?, ?)",
                           [(self._group_key(by, found), found[1]) for found in chunk])
        ordered = db.execute("SELECT key, value FROM grouped ORDER BY key, rowid")

        def stream() -> Iterator[tuple[str, float | None]]:
            while chunk := ordered.fetchmany(_FETCH):
                yield from chunk

        for text, members in itertools.groupby(stream(), key=lambda found: found[0]):
            yield tuple(json.loads(text)), (value for _key, value in members)

    def _group_key(self, by: tuple[str, ...], found: tuple[Any, ...]) -> str:
        """A run's group key as JSON text: its own value of each key, else its fallback or
        :data:`MISSING` (as ``compare_runs`` does)."""
        row, own = found[0], found[2:]
        key = [value if value is not None else (self._fallback(row, name) or MISSING)
               for name, value in zip(by, own)]
        return json.dumps(key)

    def failures_in_job_order(self) -> list[tuple[int | None, str, str, str | None]]:
        """``(job number, status, overrides, error)`` of each failed or killed run."""
        return [failure[1:] for failure in sorted(self.failures, key=lambda f: f[0])]

    def choose_keys(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(by, over)`` as ``compare_runs`` chooses them when the user names neither."""
        return choose_keys(self.varying(), None, None)


def _is_numeric(value: object) -> bool:
    """A metric value the table counts (NaN is stored as SQL NULL, which counts as missing too)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))
