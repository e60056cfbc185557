"""Single runs reach the index through its pending file: cheap to write, never lost, indexed once read."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from run_factory import make_run

from runlab.tracking import index_journal
from runlab.tracking.index_journal import append_pending, index_exists, take_pending
from runlab.tracking.store import RunIndex


def test_a_single_run_waits_in_the_pending_file_and_the_next_reader_indexes_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".runlab" / "index.db"
    record = make_run(tmp_path / "a", result=1.0, index_path=path)
    assert not path.exists() and index_exists(path)  # no SQLite on the run's path
    with RunIndex(path) as index:
        assert [(r.run_id, r.status) for r in index.query()] == [(record.run_id, "completed")]
    assert not any(p.name.startswith("index.db.pending") for p in path.parent.iterdir())
    with RunIndex(path) as index:  # read again: nothing waits, nothing doubles
        assert len(index.query()) == 1


def _append_many(path: str, worker: int, count: int) -> None:
    for i in range(count):
        assert append_pending(path, f"/runs/{worker}/{i}")


def test_no_line_is_lost_while_readers_take_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "index.db")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_append_many, args=(path, w, 300)) for w in range(4)]
    for writer in writers:
        writer.start()
    taken: list[str] = []
    while any(w.is_alive() for w in writers):
        run_dirs, files = take_pending(path)
        taken.extend(run_dirs)
        for name in files:
            os.unlink(name)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    run_dirs, files = take_pending(path)
    taken.extend(run_dirs)
    expected = [f"/runs/{w}/{i}" for w in range(4) for i in range(300)]
    assert sorted(taken) == sorted(expected)  # each line exactly once


def test_a_file_a_dead_reader_claimed_is_taken_by_the_next(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    append_pending(path, "/runs/a")
    take_pending(path)  # claimed, then the reader "dies" before indexing and deleting
    append_pending(path, "/runs/b")
    run_dirs, files = take_pending(path)
    assert sorted(run_dirs) == ["/runs/a", "/runs/b"] and len(files) == 2


def test_without_file_locks_runs_are_written_to_the_index_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_journal, "fcntl", None)
    path = tmp_path / "index.db"
    record = make_run(tmp_path / "a", result=1.0, index_path=path)
    from runlab.tracking.store import close_shared

    close_shared()
    assert path.is_file() and not Path(f"{path}.pending").exists()
    with RunIndex(path) as index:
        assert [r.run_id for r in index.query()] == [record.run_id]


def test_a_dashboard_shows_runs_that_finish_after_it_opened_the_index(tmp_path: Path) -> None:
    from runlab.web.data import Dashboard

    path = tmp_path / "index.db"
    first = make_run(tmp_path / "a", result=1.0, index_path=path)
    dashboard = Dashboard(path)
    store = dashboard.index()
    assert store is not None and [r.run_id for r in store.query()] == [first.run_id]
    second = make_run(tmp_path / "b", result=2.0, index_path=path)
    store = dashboard.index()  # a poll: the waiting run is indexed first
    assert store is not None
    assert {r.run_id for r in store.query()} == {first.run_id, second.run_id}
