"""The SQLite index of runs: a cache over run directories that makes listing and comparing fast.

Nothing here is the source of truth: every row is derived from a ``run.json`` and :meth:`RunIndex.
index_paths` recreates it, so deleting the database or copying run dirs from another machine loses
nothing.  The database runs in WAL mode with a long busy timeout because every job of a parallel sweep
writes to it twice (start, end).

Inside :func:`deferred_index_updates` (the process driving a sweep runs its in-process jobs in one)
a run's updates are batched: written by a timer at most half a second after they were made, and
all of them when the block ends or the process exits -- one transaction for many jobs instead of
two per job.  A start and an end that meet in one batch are one row write.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runlab._values import frozen
from runlab.tracking.environment import host_name, pid_alive
from runlab.tracking.index_journal import take_pending
from runlab.tracking.migrations import MIGRATIONS, Migration, migrate
from runlab.tracking.records import (
    LOG_FILE,
    METRICS_FILE,
    RECORD_DIR,
    RunRecord,
    find_run_dirs,
    read_record,
    record_path,
    write_record,
)

if TYPE_CHECKING:  # pragma: no cover - imported by query(): a run only writes its row
    from runlab.tracking.model import RunList

__all__ = [
    "INDEX_ENV",
    "IndexStats",
    "RunIndex",
    "default_index_path",
    "deferred_index_updates",
    "mark_if_dead",
]

INDEX_ENV = "RUNLAB_INDEX"
_DECODER = json.JSONDecoder()
_log = logging.getLogger(__name__)

_PAGE_CACHE_KIB = 256
"""SQLite's page cache per connection (its default is 2 MiB).  A sweep keeps one connection open while it
writes thousands of rows, and the default cache grows with the table until it is full: 2 MiB more
memory at the end of a 5,000-job sweep than at its start.  Rows are written by key and read back
by the CLI and dashboard in scans the operating system's file cache serves, so a small cache costs
no measurable time (``benchmarks/bench_tracking.py``)."""

_COLUMNS = (
    "run_id", "run_dir", "sweep_id", "sweep_dir", "job_num", "status", "start", "end", "duration",
    "host", "pid", "pid_started", "overrides", "error",
    "git_commit", "git_dirty", "record_mtime", "indexed_at", "config_flat", "listing",
)
_UPSERT = (
    f"INSERT OR REPLACE INTO runs ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)
_LIST_COLUMNS = (
    "run_id, run_dir, status, start, end, duration, sweep_id, sweep_dir, job_num, host, pid, "
    "listing, error, git_commit, git_dirty, overrides"
)


def default_index_path(launch_dir: str | os.PathLike[str] | None = None) -> Path:
    """``$RUNLAB_INDEX`` if set, else ``<launch_dir or cwd>/.runlab/index.db``."""
    env = os.environ.get(INDEX_ENV)
    if env:
        return Path(env).expanduser()
    return Path(launch_dir or os.getcwd()) / RECORD_DIR / "index.db"


@frozen
class IndexStats:
    """What an indexing pass did."""

    scanned: int
    indexed: int
    unchanged: int
    killed: int
    removed: int
    seconds: float


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


def _row_of(record: RunRecord, mtime: float | None) -> tuple[Any, ...]:
    git = record.git or {}
    dirty = git.get("dirty")
    listing = {"params": record.params, "choices": record.choices, "metrics": record.metrics}
    return (
        record.run_id, record.run_dir, record.sweep_id, record.sweep_dir, record.job_num,
        record.status, record.start, record.end, record.duration, record.host, record.pid,
        record.pid_started, _dumps(list(record.overrides)), record.error, git.get("commit"),
        None if dirty is None else int(bool(dirty)), mtime, time.time(), _dumps(record.config_flat),
        _dumps(listing),
    )


def _last_activity(run_dir: str) -> float | None:
    times = []
    for name in ("run.json", METRICS_FILE, LOG_FILE):
        try:
            times.append(os.stat(os.path.join(run_dir, RECORD_DIR, name)).st_mtime)
        except OSError:
            continue
    return max(times) if times else None


def mark_if_dead(record: RunRecord, *, stale_after: float | None = None) -> RunRecord | None:
    """Rewrite a ``running`` record as ``killed`` when its process is gone; returns the new record.

    On this host the pid (and its start time) decides.  Runs of other hosts are only judged when
    ``stale_after`` is given: no record, metric or log write for that many seconds means killed.
    """
    if record.status != "running":
        return None
    last = _last_activity(record.run_dir)
    if record.host == host_name():
        if record.pid is not None and pid_alive(record.pid, record.pid_started):
            return None
        reason = f"process {record.pid} on {record.host} ended without finishing the run"
    elif stale_after is not None and last is not None and time.time() - last > stale_after:
        reason = f"no activity from {record.host} for {stale_after:.0f}s"
    else:
        return None
    end = max(last or record.start, record.start)
    from dataclasses import asdict

    from runlab.tracking.metrics import summarize_metrics_file

    # the points it flushed before dying are its metrics: a killed run still compares
    summaries = summarize_metrics_file(os.path.join(record.run_dir, RECORD_DIR, METRICS_FILE))
    killed = record.with_changes(
        status="killed", end=end, duration=end - record.start, error=f"killed: {reason}",
        metric_summaries={name: asdict(s) for name, s in summaries.items()},
        metrics={name: s.last for name, s in summaries.items()},
    )
    try:
        write_record(killed)
    except OSError as error:
        _log.warning("could not mark %s killed: %s", record.run_dir, error)
    return killed


class RunIndex:
    """A connection to one index database (created and migrated on open)."""

    def __init__(self, path: str | os.PathLike[str],
                 migrations: Sequence[Migration] = MIGRATIONS) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None,
                                  check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 60000")
        mode = self.db.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            self._retry(lambda: self.db.execute("PRAGMA journal_mode = WAL"))
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute(f"PRAGMA cache_size = -{_PAGE_CACHE_KIB}")
        self._retry(lambda: migrate(self.db, migrations))
        self._lock = threading.RLock()
        self._pending: dict[str, tuple[RunRecord, float | None]] = {}
        self._timer: threading.Timer | None = None
        self.ingest_pending()

    def ingest_pending(self) -> int:
        """Index the runs single processes left waiting (``tracking.index_journal``); returns how
        many rows were written.  Called on open; a long-lived reader calls it when polling."""
        run_dirs, files = take_pending(self.path)
        records: list[RunRecord] = []
        mtimes: list[float | None] = []
        for run_dir in dict.fromkeys(run_dirs):
            record = read_record(run_dir)  # the record on disk now: its latest state
            if record is not None:
                records.append(record)
                mtimes.append(_mtime(run_dir))
        if records:
            with self._lock:
                self._retry(lambda: self.upsert(records, mtimes))
                self.mark_dead_runs()
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(name)
        return len(records)

    def _retry(self, action: Any) -> Any:
        for attempt in range(50):
            try:
                return action()
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 49:
                    raise
                time.sleep(0.05 * (attempt + 1))
        return None

    def close(self) -> None:
        self._flush_logged()
        self.db.close()

    def submit(self, record: RunRecord, mtime: float | None) -> None:
        """Write ``record``'s row now, or, inside :func:`deferred_index_updates`, soon (batched)."""
        delay = _deferring.get(os.getpid())
        with self._lock:
            if delay is None:
                self.upsert([record], [mtime])
                self.mark_dead_runs()  # cheap: live rows are settled without reading records
                return
            self._pending[record.run_id] = (record, mtime)
            if self._timer is None:
                self._timer = threading.Timer(delay, self._flush_logged)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Write the batched rows (a no-op when none are waiting)."""
        with self._lock:
            timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
            if not self._pending:
                return
            waiting = list(self._pending.values())
            self._pending.clear()
            self.upsert([record for record, _ in waiting], [mtime for _, mtime in waiting])
            self.mark_dead_runs()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception as problem:  # noqa: BLE001 - the index is a cache; the records are on disk
            _log.warning("run index %s not updated (%s); run `runlab index` to catch up",
                         self.path, problem)

    def __enter__(self) -> RunIndex:  # noqa: PYI034 - py3.10 has no typing.Self
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------
    def upsert(self, records: Iterable[RunRecord], mtimes: Sequence[float | None] | None = None
               ) -> int:
        """Insert or replace the rows of ``records`` in one transaction; returns how many."""
        rows = [_row_of(r, mtimes[i] if mtimes else None) for i, r in enumerate(records)]
        if not rows:
            return 0

        def write() -> None:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                # a reused run dir (same second, same dir) replaces the older run's row
                self.db.executemany(
                    "DELETE FROM runs WHERE run_dir = ? AND run_id != ?",
                    [(row[1], row[0]) for row in rows],
                )
                self.db.executemany(_UPSERT, rows)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

        self._retry(write)
        return len(rows)

    def clear(self) -> None:
        """Forget every run (the directories are untouched)."""
        self.db.execute("DELETE FROM runs")

    def mark_dead_runs(self, *, stale_after: float | None = None) -> list[str]:
        """Find ``running`` rows whose process died, mark record and row ``killed``; their ids.

        Rows of live processes on this host are settled from the row alone (pid and its start
        time), so a big parallel sweep does not re-read every running job's record on each update.
        """
        rows = self.db.execute(
            "SELECT run_dir, host, pid, pid_started FROM runs WHERE status = 'running'"
        ).fetchall()
        here = host_name()
        killed = []
        for run_dir, host, pid, pid_started in rows:
            if host == here and pid is not None and pid_alive(pid, pid_started):
                continue
            if host != here and stale_after is None:
                continue
            record = read_record(run_dir)
            if record is None:
                continue
            changed = mark_if_dead(record, stale_after=stale_after)
            if changed is None and record.status != "running":
                changed = record  # finished, but the end update never reached this index
            if changed is not None:
                self.upsert([changed], [_mtime(run_dir)])
                if changed.status == "killed":
                    killed.append(changed.run_id)
        return killed

    def index_paths(self, paths: Iterable[str | os.PathLike[str]], *, rebuild: bool = False,
                    prune: bool = False, stale_after: float | None = None) -> IndexStats:
        """Index every run directory under ``paths``; ``rebuild`` empties the index first.

        Unchanged records (same ``run.json`` mtime as indexed) are skipped unless rebuilding.
        """
        began = time.perf_counter()
        known: dict[str, float | None] = {}
        if rebuild:
            self._retry(self.clear)
        else:
            known = dict(self.db.execute("SELECT run_dir, record_mtime FROM runs").fetchall())
        scanned = unchanged = killed = 0
        batch: list[RunRecord] = []
        mtimes: list[float | None] = []
        for root in paths:
            for run_dir in find_run_dirs(root):
                scanned += 1
                mtime = _mtime(run_dir)
                if not rebuild and run_dir in known and known[run_dir] == mtime:
                    unchanged += 1
                    continue
                record = read_record(run_dir)
                if record is None:
                    continue
                dead = mark_if_dead(record, stale_after=stale_after)
                if dead is not None:
                    record, mtime = dead, _mtime(run_dir)
                    killed += 1
                batch.append(record)
                mtimes.append(mtime)
                if len(batch) >= 2000:
                    self.upsert(batch, mtimes)
                    batch, mtimes = [], []
        self.upsert(batch, mtimes)
        indexed = scanned - unchanged
        removed = self.prune() if prune else 0
        killed += len(self.mark_dead_runs(stale_after=stale_after))
        return IndexStats(scanned=scanned, indexed=indexed, unchanged=unchanged, killed=killed,
                          removed=removed, seconds=time.perf_counter() - began)

    def prune(self) -> int:
        """Drop rows whose run directory (or record) no longer exists; returns how many."""
        gone = [
            (run_id,) for run_id, run_dir in self.db.execute("SELECT run_id, run_dir FROM runs")
            if not record_path(run_dir).is_file()
        ]
        if gone:
            self._retry(lambda: self.db.executemany("DELETE FROM runs WHERE run_id = ?", gone))
        return len(gone)

    # -- reading ---------------------------------------------------------------------------------
    @staticmethod
    def filter_sql(*, sweep_ids: Sequence[str] | None = None,
                   statuses: Sequence[str] | None = None, since: float | None = None,
                   run_ids: Sequence[str] | None = None) -> tuple[str, list[Any]]:
        """`` WHERE ...`` (or ``""``) and its arguments for the indexed-column filters."""
        clauses: list[str] = []
        args: list[Any] = []
        for column, values in (("sweep_id", sweep_ids), ("status", statuses), ("run_id", run_ids)):
            if values is not None:
                clauses.append(f"{column} IN ({', '.join('?' for _ in values)})")
                args.extend(values)
        if since is not None:
            clauses.append("start >= ?")
            args.append(since)
        return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), args

    def query(self, *, sweep_ids: Sequence[str] | None = None, statuses: Sequence[str] | None = None,
              since: float | None = None, run_ids: Sequence[str] | None = None,
              with_config: bool = False, with_overrides: bool = True) -> RunList:
        """Runs matching the indexed-column filters, in start order (params/metrics filters are
        applied by :mod:`runlab.tracking.query`).  ``with_overrides=False`` leaves
        ``Run.overrides`` empty, which saves a third of the parsing when comparing 10,000 runs."""
        from runlab.tracking.model import Run, RunList

        where, args = self.filter_sql(sweep_ids=sweep_ids, statuses=statuses, since=since,
                                      run_ids=run_ids)
        columns = _LIST_COLUMNS + (", config_flat" if with_config else "")
        sql = f"SELECT {columns} FROM runs{where} ORDER BY start, job_num"
        loads = _DECODER.raw_decode  # json.loads minus its two whitespace regex matches per call
        new = object.__new__
        no_overrides: tuple[str, ...] = ()
        runs = RunList()
        append = runs.append
        for row in self.db.execute(sql, args):
            listing = loads(row[11])[0]
            # Run is frozen; filling __dict__ directly skips 19 object.__setattr__ calls per row,
            # which is most of the cost of listing 10,000 runs.
            run = new(Run)
            run.__dict__.update(
                run_id=row[0], run_dir=row[1], status=row[2], start=row[3], end=row[4],
                duration=row[5], sweep_id=row[6], sweep_dir=row[7], job_num=row[8], host=row[9],
                pid=row[10],
                overrides=tuple(loads(row[15])[0]) if with_overrides else no_overrides,
                params=listing["params"],
                choices=listing["choices"], metrics=listing["metrics"], error=row[12],
                git_commit=row[13], git_dirty=None if row[14] is None else bool(row[14]),
                config_flat=loads(row[16])[0] if with_config else None,
            )
            append(run)
        return runs

    def sweeps(self) -> list[tuple[str, str | None, float | None, int]]:
        """``(sweep_id, sweep_dir, first start, job count)`` of every sweep, oldest first."""
        return self.db.execute(
            "SELECT sweep_id, MIN(sweep_dir), MIN(start), COUNT(*) FROM runs "
            "WHERE sweep_id IS NOT NULL GROUP BY sweep_id ORDER BY MIN(start)"
        ).fetchall()

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])

    def run_ids_like(self, prefix: str) -> list[str]:
        """Run ids starting with ``prefix`` (for unique-prefix lookups)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [r[0] for r in self.db.execute(
            "SELECT run_id FROM runs WHERE run_id LIKE ? ESCAPE '\\'", (escaped + "%",))]

    def run_dir_of(self, run_id: str) -> str | None:
        row = self.db.execute("SELECT run_dir FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return row[0] if row else None

    def run_id_of_dir(self, run_dir: str) -> str | None:
        row = self.db.execute("SELECT run_id FROM runs WHERE run_dir = ?", (run_dir,)).fetchone()
        return row[0] if row else None


_shared: dict[tuple[str, int], RunIndex] = {}
_shared_lock = threading.Lock()


def shared_index(path: str | os.PathLike[str]) -> RunIndex:
    """This process's long-lived connection to ``path`` (opened and migrated once).

    Closing a WAL database checkpoints it (~15 ms): jobs of a sweep share one connection instead.
    Keyed by pid so a forked worker never uses its parent's connection.
    """
    key = (os.path.abspath(path), os.getpid())
    with _shared_lock:
        index = _shared.get(key)
        if index is None:
            index = _shared[key] = RunIndex(path)
        return index


_deferring: dict[int, float] = {}
"""pid -> how long an update may wait, while that process is inside ``deferred_index_updates``."""


def deferring() -> bool:
    """Is this process inside ``deferred_index_updates`` (a sweep writing its jobs' rows)?"""
    return os.getpid() in _deferring


@contextlib.contextmanager
def deferred_index_updates(max_delay: float = 0.5) -> Iterator[None]:
    """Batch this process's index updates within the block (see the module docstring).

    Keyed by process: a worker forked inside the block writes its rows at once, as before.
    """
    pid = os.getpid()
    outer = _deferring.get(pid)
    _deferring[pid] = max_delay
    try:
        yield
    finally:
        if outer is None:
            _deferring.pop(pid, None)
        else:
            _deferring[pid] = outer
        flush_shared()


def flush_shared() -> None:
    """Write the batched rows of this process's shared connections."""
    with _shared_lock:
        mine = [index for (_path, pid), index in _shared.items() if pid == os.getpid()]
    for index in mine:
        try:
            index.flush()
        except Exception as problem:  # noqa: BLE001 - the index is a cache; the records are on disk
            _log.warning("run index %s not updated (%s); run `runlab index` to catch up",
                         index.path, problem)


def close_shared() -> None:
    """Close this process's shared connections (at exit, and in tests)."""
    with _shared_lock:
        for (_path, pid), index in list(_shared.items()):
            if pid == os.getpid():
                index.close()
        _shared.clear()


atexit.register(close_shared)


def _mtime(run_dir: str) -> float | None:
    try:
        return os.stat(os.path.join(run_dir, RECORD_DIR, "run.json")).st_mtime
    except OSError:
        return None
