from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from run_factory import make_run

from runlab.tracking.records import (
    RunRecord,
    dump_json_lines,
    find_run_dirs,
    format_log_entry,
    read_log_tail,
    read_record,
    write_json_atomic,
)


def test_find_run_dirs_skips_bookkeeping_and_tolerates_junk(tmp_path: Path) -> None:
    make_run(tmp_path / "multirun" / "a" / "0")
    make_run(tmp_path / "outputs" / "b")
    (tmp_path / ".venv" / "x" / ".runlab").mkdir(parents=True)
    (tmp_path / ".venv" / "x" / ".runlab" / "run.json").write_text("{}")
    (tmp_path / "multirun" / "a" / ".runlab").mkdir()  # a sweep dir's own bookkeeping: not a run
    (tmp_path / "file.txt").write_text("x")
    found = sorted(Path(d).relative_to(tmp_path).as_posix() for d in find_run_dirs(tmp_path))
    assert found == ["multirun/a/0", "outputs/b"]
    assert list(find_run_dirs(tmp_path / "missing")) == []


def test_unreadable_records_are_skipped_and_unknown_keys_ignored(tmp_path: Path) -> None:
    (tmp_path / "bad" / ".runlab").mkdir(parents=True)
    (tmp_path / "bad" / ".runlab" / "run.json").write_text("{not json")
    assert read_record(tmp_path / "bad") is None
    (tmp_path / "new" / ".runlab").mkdir(parents=True)
    (tmp_path / "new" / ".runlab" / "run.json").write_text(json.dumps(
        {"run_id": "x", "status": "completed", "start": 1.0, "from_the_future": 1}))
    record = read_record(tmp_path / "new")
    assert record is not None and record.run_id == "x"
    assert record.run_dir == str(tmp_path / "new")


def test_atomic_write_is_readable_and_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "d" / "run.json"
    write_json_atomic(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o644

    class Exploding:
        def __repr__(self) -> str:
            raise RuntimeError("cannot")

    with pytest.raises(RuntimeError):
        write_json_atomic(target, {"a": Exploding()})
    assert json.loads(target.read_text()) == {"a": 1}  # the old record survives
    assert [p.name for p in target.parent.iterdir()] == ["run.json"]


def test_json_lines_are_json_with_one_item_per_line() -> None:
    data = {"a": 1, "é": {"nested": [1, 2.5, None, "ü, x"]}, "obj": Path("x"), "empty": {}}
    text = dump_json_lines(data)
    assert json.loads(text) == {**data, "obj": repr(Path("x"))}
    assert text.splitlines() == [
        '{"a": 1,', ' "é": {"nested": [1,', ' 2.5,', ' null,', ' "ü, x"]},',
        f' "obj": {json.dumps(repr(Path("x")))},', ' "empty": {}}',
    ]
    assert json.loads(dump_json_lines({})) == {} and json.loads(dump_json_lines([1, "x"])) == [1, "x"]


def test_record_round_trips_through_json(tmp_path: Path) -> None:
    record = make_run(tmp_path / "r", overrides=["a=1"], result={"m": 2.0})
    again = RunRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert again == record


def test_log_tail_reads_json_lines_and_keeps_other_lines(tmp_path: Path) -> None:
    log = tmp_path / ".runlab" / "log.jsonl"
    log.parent.mkdir()
    lines = [json.dumps({"time": f"t{i}", "levelname": "INFO", "name": "app", "msg": f"m{i}"})
             for i in range(30)]
    log.write_text("\n".join([*lines, "not json", ""]) + "\n")
    tail = read_log_tail(tmp_path, 5)
    assert [e.get("msg", e.get("message")) for e in tail] == ["m26", "m27", "m28", "m29",
                                                             "not json"]
    assert format_log_entry(tail[0]) == "t26 INFO [app] m26"
    assert format_log_entry({"message": "boom", "exc_info": "Traceback..."}) == \
        "boom\nTraceback..."
    assert read_log_tail(tmp_path / "nowhere") == []
