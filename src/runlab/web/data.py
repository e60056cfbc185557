"""What the dashboard reads: paginated run and sweep listings over the tracker's index.

The tracker's :mod:`runlab.tracking.query` loads every matching run, which is right for a CLI table but
not for a page showing 50 rows of 10,000.  So the plain listing (newest first, filters on indexed
columns) pages in SQL here and only the page's rows are parsed, through ``RunIndex.query``.  Filters the
index cannot express (``loss<0.3`` on params/metrics/config, or sorting by a metric) fall back to the
tracker's own ``select``, so the dashboard and ``runlab runs`` agree on what a filter means.

Nothing here writes: the dashboard is a reader of run directories and the index.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Generic, TypeVar

from runlab.tracking.index_journal import has_pending, index_exists
from runlab.tracking.model import Run, RunList
from runlab.tracking.query import parse_since, parse_where, select
from runlab.tracking.records import STATUSES, RunRecord, read_record
from runlab.tracking.store import RunIndex

__all__ = ["Dashboard", "Page", "RunFilter", "SweepSummary"]

T = TypeVar("T")
CACHE_ENTRIES = 16


@dataclass(frozen=True)
class RunFilter:
    """The filters of the runs list as the user typed them (validated when applied)."""

    text: str = ""
    statuses: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    since: str = ""
    until: str = ""
    sweep: str = ""
    sort: str = ""

    def needs_full_scan(self) -> bool:
        """Params/metrics filters and custom sorts are evaluated in Python over every run."""
        return bool(self.where or self.sort)


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and how many items match in all."""

    items: Sequence[T]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class SweepSummary:
    """A sweep as its listing row and live progress show it."""

    sweep_id: str
    sweep_dir: str | None
    start: float | None
    last_update: float | None
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    indexed_at: float | None = None

    @property
    def version(self) -> str:
        """Changes whenever a run of the sweep is added or re-indexed (start, end, kill)."""
        return f"{self.total}:{sorted(self.counts.items())}:{self.indexed_at}"

    @property
    def running(self) -> int:
        return self.counts.get("running", 0)

    @property
    def done(self) -> int:
        return self.total - self.running


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matches_text(run: Run, text: str) -> bool:
    needle = text.lower()
    fields = [run.run_id, run.sweep_id or "", run.run_dir, " ".join(run.overrides)]
    fields.extend(f"{k}={v}" for k, v in run.params.items())
    return any(needle in f.lower() for f in fields)


class Dashboard:
    """Read access to one index for the web routes (one SQLite connection per server thread)."""

    def __init__(self, index_path: str | os.PathLike[str]) -> None:
        self.index_path = Path(index_path)
        self._local = threading.local()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    # -- connection --------------------------------------------------------------------------
    def index(self) -> RunIndex | None:
        """This thread's connection, or None while no index exists (the page then shows none)."""
        store: RunIndex | None = getattr(self._local, "store", None)
        if store is None:
            if not index_exists(self.index_path):
                return None
            store = RunIndex(self.index_path)  # indexes the runs waiting, if any
            self._local.store = store
        elif has_pending(self.index_path):  # single runs finished since: show them
            store.ingest_pending()
        return store

    # -- runs ----------------------------------------------------------------------------------
    def validate(self, flt: RunFilter) -> None:
        """Raise QueryError (a ValueError) naming the filter that cannot be read."""
        for expression in flt.where:
            parse_where(expression)
        for text in (flt.since, flt.until):
            if text:
                parse_since(text)
        for status in flt.statuses:
            if status not in STATUSES:
                from runlab.tracking.query import QueryError

                raise QueryError(f"unknown status {status!r}: expected one of {', '.join(STATUSES)}")

    def runs(self, flt: RunFilter, *, page: int = 1, size: int = 50) -> Page[Run]:
        """The runs matching ``flt``, newest first unless sorted; only page ``page`` is parsed."""
        self.validate(flt)
        page = max(1, page)
        store = self.index()
        if store is None:
            return Page(items=[], total=0, number=1, size=size)
        if flt.needs_full_scan():
            everything = self._select(store, flt)
            start = (page - 1) * size
            return Page(items=everything[start:start + size], total=len(everything),
                        number=page, size=size)
        where, args = self._sql_filter(store, flt)
        total = int(store.db.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0])
        ids = [row[0] for row in store.db.execute(
            f"SELECT run_id FROM runs{where} ORDER BY start DESC, job_num DESC LIMIT ? OFFSET ?",
            [*args, size, (page - 1) * size])]
        by_id = {run.run_id: run for run in store.query(run_ids=ids)} if ids else {}
        return Page(items=[by_id[i] for i in ids if i in by_id], total=total, number=page,
                    size=size)

    def _sweep_ids(self, flt: RunFilter) -> list[str] | None:
        return [flt.sweep] if flt.sweep else None

    def _sql_filter(self, store: RunIndex, flt: RunFilter) -> tuple[str, list[Any]]:
        where, args = store.filter_sql(
            sweep_ids=self._sweep_ids(flt), statuses=list(flt.statuses) or None,
            since=parse_since(flt.since) if flt.since else None)
        clauses = [where[len(" WHERE "):]] if where else []
        if flt.until:
            clauses.append("start <= ?")
            args.append(parse_since(flt.until))
        if flt.text:
            clauses.append("(run_id LIKE ? ESCAPE '\\' OR overrides LIKE ? ESCAPE '\\' "
                           "OR sweep_id LIKE ? ESCAPE '\\' OR run_dir LIKE ? ESCAPE '\\')")
            args.extend([_like(flt.text)] * 4)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), args

    def _select(self, store: RunIndex, flt: RunFilter) -> list[Run]:
        found = select(partial(store.query, with_overrides=True), sweep_ids=self._sweep_ids(flt),
                       where=list(flt.where), status=list(flt.statuses) or None,
                       since=flt.since or None, sort=flt.sort or None)
        if flt.until:
            cutoff = parse_since(flt.until)
            found = RunList(r for r in found if (r.start or 0.0) <= cutoff)
        if flt.text:
            found = RunList(r for r in found if _matches_text(r, flt.text))
        return found

    def run(self, run_id: str) -> Run | None:
        store = self.index()
        if store is None:
            return None
        found = store.query(run_ids=[run_id])
        return found[0] if found else None

    def record(self, run_id: str) -> RunRecord | None:
        """The full record of an indexed run (the index decides which directories are runs)."""
        store = self.index()
        run_dir = store.run_dir_of(run_id) if store is not None else None
        return read_record(run_dir) if run_dir else None

    def run_dir(self, run_id: str) -> str | None:
        store = self.index()
        return store.run_dir_of(run_id) if store is not None else None

    # -- sweeps --------------------------------------------------------------------------------
    def sweeps(self, *, text: str = "", since: str = "", until: str = "",
               statuses: Sequence[str] = (), where: Sequence[str] = (), page: int = 1,
               size: int = 50) -> Page[SweepSummary]:
        """Sweeps newest first, with per-status job counts.

        ``statuses`` keeps sweeps with at least one job in one of them (``running``: the sweeps
        in progress); ``where`` keeps sweeps with at least one job matching every expression.
        """
        self.validate(RunFilter(statuses=tuple(statuses), where=tuple(where), since=since,
                                until=until))
        page = max(1, page)
        store = self.index()
        if store is None:
            return Page(items=[], total=0, number=1, size=size)
        clauses = ["sweep_id IS NOT NULL"]
        args: list[Any] = []
        if text:
            clauses.append("(sweep_id LIKE ? ESCAPE '\\' OR sweep_dir LIKE ? ESCAPE '\\')")
            args.extend([_like(text)] * 2)
        if statuses:
            clauses.append("sweep_id IN (SELECT sweep_id FROM runs WHERE status IN "
                           f"({', '.join('?' for _ in statuses)}))")
            args.extend(statuses)
        if where:
            matching = sorted({r.sweep_id for r in select(
                partial(store.query, with_overrides=False), where=list(where)) if r.sweep_id})
            clauses.append(f"sweep_id IN ({', '.join('?' for _ in matching)})")
            args.extend(matching)
        bounds = []
        if since:
            bounds.append("MIN(start) >= ?")
            args.append(parse_since(since))
        if until:
            bounds.append("MIN(start) <= ?")
            args.append(parse_since(until))
        having = f" HAVING {' AND '.join(bounds)}" if bounds else ""
        where = " WHERE " + " AND ".join(clauses)
        total = int(store.db.execute(
            f"SELECT COUNT(*) FROM (SELECT sweep_id FROM runs{where} GROUP BY sweep_id{having})",
            args).fetchone()[0])
        rows = store.db.execute(
            f"SELECT sweep_id, MIN(sweep_dir), MIN(start), MAX(COALESCE(end, start)), COUNT(*) "
            f"FROM runs{where} GROUP BY sweep_id{having} ORDER BY MIN(start) DESC "
            "LIMIT ? OFFSET ?", [*args, size, (page - 1) * size]).fetchall()
        counts = self._status_counts(store, [r[0] for r in rows])
        items = [SweepSummary(sweep_id=r[0], sweep_dir=r[1], start=r[2], last_update=r[3],
                              total=r[4], counts=counts.get(r[0], {})) for r in rows]
        return Page(items=items, total=total, number=page, size=size)

    @staticmethod
    def _status_counts(store: RunIndex, sweep_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        if not sweep_ids:
            return {}
        marks = ", ".join("?" for _ in sweep_ids)
        counts: dict[str, dict[str, int]] = {}
        for sweep_id, status, count in store.db.execute(
                f"SELECT sweep_id, status, COUNT(*) FROM runs WHERE sweep_id IN ({marks}) "
                "GROUP BY sweep_id, status", list(sweep_ids)):
            counts.setdefault(sweep_id, {})[status] = count
        return counts

    def sweep(self, sweep_id: str) -> SweepSummary | None:
        """One sweep's progress (cheap: what the live page polls)."""
        store = self.index()
        if store is None:
            return None
        row = store.db.execute(
            "SELECT MIN(sweep_dir), MIN(start), MAX(COALESCE(end, start)), COUNT(*), "
            "MAX(indexed_at) FROM runs WHERE sweep_id = ?", (sweep_id,)).fetchone()
        if row is None or not row[3]:
            return None
        counts = self._status_counts(store, [sweep_id]).get(sweep_id, {})
        last = max(v for v in (row[2], row[4]) if v is not None) if (row[2] or row[4]) else None
        return SweepSummary(sweep_id=sweep_id, sweep_dir=row[0], start=row[1], last_update=last,
                            total=row[3], counts=counts, indexed_at=row[4])

    def sweep_runs(self, sweep_id: str, version: object = None) -> RunList:
        """Every run of a sweep in job order, without overrides (``with_overrides`` adds them for
        the few runs that show them).

        A page view, its chart data and every sort click need the same 10,000 runs: with a
        ``version`` (what :meth:`sweep` reports changes whenever a run of the sweep is indexed)
        the list is loaded once per change instead of once per request.
        """
        return self.cached(("runs", sweep_id, version), lambda: self._load_sweep(sweep_id),
                           enabled=version is not None)

    def _load_sweep(self, sweep_id: str) -> RunList:
        store = self.index()
        if store is None:
            return RunList()
        rows = store.db.execute(
            "SELECT run_id, run_dir, status, start, end, duration, job_num, error, listing "
            "FROM runs WHERE sweep_id = ? ORDER BY job_num, start", (sweep_id,)).fetchall()
        # one C-level parse of all listings instead of 10,000 json calls
        listings = json.loads("[" + ",".join(row[8] for row in rows) + "]") if rows else []
        runs = RunList()
        new = object.__new__
        for row, listing in zip(rows, listings):
            run = new(Run)
            # Run is frozen; filling __dict__ directly is what RunIndex.query does too
            run.__dict__.update(
                run_id=row[0], run_dir=row[1], status=row[2], start=row[3], end=row[4],
                duration=row[5], sweep_id=sweep_id, sweep_dir=None, job_num=row[6], host=None,
                pid=None, overrides=(), params=listing["params"], choices=listing["choices"],
                metrics=listing["metrics"], error=row[7], git_commit=None, git_dirty=None,
                config_flat=None)
            runs.append(run)
        return runs

    def with_overrides(self, runs: Sequence[Run]) -> list[Run]:
        """``runs`` re-read with their overrides (for the failed/running lists, chart labels)."""
        store = self.index()
        if store is None or not runs:
            return list(runs)
        found = {r.run_id: r for r in store.query(run_ids=[r.run_id for r in runs])}
        return [found.get(r.run_id, r) for r in runs]

    def clear_cache(self) -> None:
        """Forget every cached sweep (benchmarks measure first views with it)."""
        with self._lock:
            self._cache.clear()

    def cached(self, key: Hashable, compute: Callable[[], T], *, enabled: bool = True) -> T:
        """``compute()``, remembered under ``key`` (a few entries, most recent kept)."""
        if not enabled:
            return compute()
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return value
