from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from run_factory import make_run, make_sweep

from runlab.tracking.migrations import MIGRATIONS, Migration, applied_migrations, migrate
from runlab.tracking.records import read_record, write_record
from runlab.tracking.store import RunIndex


def _rows(index: RunIndex) -> list[tuple[object, ...]]:
    columns = ("run_id, run_dir, sweep_id, sweep_dir, job_num, status, start, end, duration, host, "
               "pid, overrides, listing, error, git_commit, git_dirty, config_flat")
    return index.db.execute(f"SELECT {columns} FROM runs ORDER BY run_id").fetchall()


def _grid_sweep(root: Path, index_path: Path | str) -> list[object]:
    return make_sweep(root, {"db": ["mysql", "pg"], "lr": [0.1, 0.01], "seed": [1, 2]},
                      lambda p: p["lr"] * p["seed"], groups=["db"], index_path=index_path,
                      fail=lambda p: p["seed"] == 2 and p["lr"] == 0.1 and p["db"] == "pg")


def test_migrations_are_named_ordered_and_recorded(tmp_path: Path) -> None:
    with RunIndex(tmp_path / "i.db") as index:
        assert applied_migrations(index.db) == [m.name for m in MIGRATIONS]
        assert migrate(index.db) == []  # idempotent
        columns = {row[1] for row in index.db.execute("PRAGMA table_info(runs)")}
        assert {"run_id", "listing", "overrides", "config_flat"} <= columns
        assert not {"params", "choices", "metrics"} & columns  # folded into listing by 0003/0004
        assert index.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_listing_migration_backfills_rows_of_an_older_index(tmp_path: Path) -> None:
    old = RunIndex(tmp_path / "i.db", migrations=MIGRATIONS[:2])
    old.db.execute(
        "INSERT INTO runs (run_id, run_dir, status, overrides, params, choices, metrics) "
        "VALUES ('a', '/a', 'completed', '[\"lr=1\"]', '{\"lr\": \"1\"}', '{\"db\": \"x\"}', "
        "'{\"loss\": 0.5}'), ('b', '/b', 'completed', '[]', '{}', '{}', '{\"loss\": NaN}')")
    old.close()
    with RunIndex(tmp_path / "i.db") as index:
        runs = {r.run_id: r for r in index.query()}
    assert (runs["a"].params, runs["a"].choices, runs["a"].metrics) == (
        {"lr": "1"}, {"db": "x"}, {"loss": 0.5})
    assert runs["a"].overrides == ("lr=1",)
    assert runs["b"].metrics == {}  # unreadable by SQLite's JSON: `runlab index` restores it


def test_a_failing_migration_rolls_back_completely(tmp_path: Path) -> None:
    def half_then_fail(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        raise RuntimeError("boom")

    extra = (*MIGRATIONS, Migration("0099_broken", half_then_fail))
    with pytest.raises(RuntimeError, match="boom"):
        RunIndex(tmp_path / "i.db", migrations=extra)
    db = sqlite3.connect(tmp_path / "i.db", isolation_level=None)
    assert applied_migrations(db) == [m.name for m in MIGRATIONS]
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'half'").fetchone() is None
    db.close()


def test_an_index_from_a_newer_runlab_is_refused(tmp_path: Path) -> None:
    newer = (*MIGRATIONS, Migration("0100_future", lambda db: None))
    RunIndex(tmp_path / "i.db", migrations=newer).close()
    with pytest.raises(RuntimeError, match="newer runlab"):
        RunIndex(tmp_path / "i.db")


def test_duplicate_migration_names_are_a_bug(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
    with pytest.raises(ValueError, match="duplicate"):
        migrate(db, (MIGRATIONS[0], MIGRATIONS[0]))
    db.close()


def test_rebuild_equals_the_live_index(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    _grid_sweep(tmp_path / "multirun", live)
    make_run(tmp_path / "outputs" / "single", overrides=["lr=3"], result=0.5, index_path=live)
    rebuilt = tmp_path / "rebuilt.db"
    with RunIndex(rebuilt) as index:
        stats = index.index_paths([tmp_path])
    assert (stats.scanned, stats.indexed, stats.killed) == (9, 9, 0)
    with RunIndex(live) as a, RunIndex(rebuilt) as b:
        assert _rows(a) == _rows(b)
        assert len(_rows(a)) == 9


def test_deleting_the_index_loses_nothing_and_reindex_skips_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    _grid_sweep(tmp_path / "m", path)
    with RunIndex(path) as index:
        before = _rows(index)
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with RunIndex(path) as index:
        assert index.index_paths([tmp_path / "m"]).indexed == 8
        assert _rows(index) == before
        again = index.index_paths([tmp_path / "m"])
        assert (again.indexed, again.unchanged) == (0, 8)
        forced = index.index_paths([tmp_path / "m"], rebuild=True)
        assert forced.indexed == 8 and _rows(index) == before


def test_run_dirs_from_another_machine_are_indexed_as_recorded(tmp_path: Path) -> None:
    records = _grid_sweep(tmp_path / "remote", "")
    for record in records:
        moved = read_record(record.run_dir)  # type: ignore[attr-defined]
        assert moved is not None
        write_record(replace(moved, host="gpu-node-7", status="running", pid=1, end=None))
    copy = tmp_path / "copied"
    shutil.copytree(tmp_path / "remote", copy)
    with RunIndex(tmp_path / "i.db") as index:
        stats = index.index_paths([copy])
        assert stats.indexed == 8 and stats.killed == 0  # another host's pid says nothing here
        runs = index.query()
        assert {r.host for r in runs} == {"gpu-node-7"}
        assert all(r.run_dir.startswith(str(copy)) for r in runs)
        stale = index.index_paths([copy], stale_after=0.0, rebuild=True)
        assert stale.killed == 8
        assert {r.status for r in index.query()} == {"killed"}


def test_prune_drops_rows_of_deleted_dirs(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    make_run(tmp_path / "keep", result=1.0, index_path=path)
    make_run(tmp_path / "gone", result=2.0, index_path=path)
    RunIndex(path).close()  # both runs indexed (they waited in the pending file until a reader)
    shutil.rmtree(tmp_path / "gone")
    with RunIndex(path) as index:
        assert index.index_paths([tmp_path], prune=True).removed == 1
        assert [Path(r.run_dir).name for r in index.query()] == ["keep"]


def test_a_reused_run_dir_replaces_the_older_row(tmp_path: Path) -> None:
    path = tmp_path / "i.db"
    make_run(tmp_path / "same", result=1.0, index_path=path)
    make_run(tmp_path / "same", result=2.0, index_path=path)
    with RunIndex(path) as index:
        assert [r.metrics for r in index.query()] == [{"value": 2.0}]


def test_concurrent_writers_from_several_processes_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    code = textwrap.dedent(f"""
        import sys
        from runlab.tracking.recorder import RunRecorder
        from runlab.tracking.metrics import log_metric
        worker = int(sys.argv[1])
        for job in range(6):
            rec = RunRecorder.start({str(tmp_path)!r} + f"/sweep/w{{worker}}-{{job}}",
                                    sweep_dir={str(tmp_path / "sweep")!r}, job_num=worker * 10 + job,
                                    overrides=[f"w={{worker}}", f"j={{job}}"], choices={{}},
                                    config_yaml="", resolved_yaml=None, origins={{}},
                                    command_line=[], app_dir=None, index_path={str(path)!r})
            for step in range(200):
                log_metric("loss", float(step), step=step)
            rec.finish("completed", return_value={{"worker": worker}})
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)]) for n in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with RunIndex(path) as index:
        runs = index.query()
    assert len(runs) == 24
    assert {r.status for r in runs} == {"completed"}
    assert all(r.metrics["loss"] == 199.0 for r in runs)
    assert sorted(r.job_num for r in runs if r.job_num is not None) == sorted(
        w * 10 + j for w in range(4) for j in range(6))
    for run in runs:
        record = read_record(run.run_dir)
        assert record is not None and record.metric_summaries["loss"]["count"] == 200


def _statuses(path: Path) -> dict[str, str]:
    """What another process reading the index sees (it indexes the runs waiting first)."""
    if not path.exists() and not Path(f"{path}.pending").exists():
        return {}
    with RunIndex(path) as index:
        return dict(index.db.execute("SELECT run_id, status FROM runs").fetchall())


def test_deferred_updates_are_batched_until_the_block_ends(tmp_path: Path) -> None:
    import os
    import time

    from runlab.tracking.recorder import RunRecorder
    from runlab.tracking.store import close_shared, deferred_index_updates

    path = tmp_path / "i.db"
    try:
        with deferred_index_updates(max_delay=60):
            first = RunRecorder.start(tmp_path / "a", sweep_dir=tmp_path, job_num=0, index_path=path)
            record = first.finish("completed", return_value=1.0)
            assert _statuses(path) == {}  # waiting: start and end are one row write
            pid = os.fork()
            if pid == 0:  # a worker forked inside the block: its run waits for the next reader
                child = RunRecorder.start(tmp_path / "b", sweep_dir=tmp_path, job_num=1,
                                          index_path=path)
                os._exit(0 if _statuses(path).get(child.record.run_id) == "running" else 1)
            assert os.waitpid(pid, 0)[1] == 0
        assert _statuses(path)[record.run_id] == "completed"
        with deferred_index_updates(max_delay=0.05):
            late = RunRecorder.start(tmp_path / "c", sweep_dir=tmp_path, job_num=2, index_path=path)
            deadline = time.monotonic() + 10
            while late.record.run_id not in _statuses(path) and time.monotonic() < deadline:
                time.sleep(0.02)  # a long job's start reaches the index by the timer
            assert _statuses(path)[late.record.run_id] == "running"
            late.finish("completed")
        assert _statuses(path)[late.record.run_id] == "completed"
    finally:
        close_shared()


def test_a_connection_keeps_a_small_page_cache(tmp_path: Path) -> None:
    """A sweep holds one connection for thousands of writes: SQLite's default 2 MiB cache would
    grow the sweep's memory with its table."""
    from runlab.tracking.store import _PAGE_CACHE_KIB, RunIndex

    index = RunIndex(tmp_path / "index.db")
    try:
        assert index.db.execute("PRAGMA cache_size").fetchone()[0] == -_PAGE_CACHE_KIB
        assert _PAGE_CACHE_KIB <= 512
    finally:
        index.close()
