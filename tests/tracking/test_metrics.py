from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from runlab import tracking
from runlab.tracking import metrics as metrics_module
from runlab.tracking.metrics import (
    MetricsSink,
    NoActiveRunError,
    log_metric,
    log_metrics,
    read_metric_batches,
    read_metric_points,
    summarize_metrics_file,
)
from runlab.tracking.recorder import RunRecorder


def _start(run_dir: Path) -> RunRecorder:
    return RunRecorder.start(run_dir, overrides=[], choices={}, config_yaml="a: 1\n",
                             resolved_yaml=None, origins={}, command_line=["t"], app_dir=None,
                             index_path="")


def test_logging_outside_a_run_drops_points_with_one_warning(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_module._DROP, "warned", False)
    for step in range(300):
        log_metrics({"loss": 1.0}, step=step)
        log_metric("acc", 1.0)
    warnings = [r for r in caplog.records if "outside a run" in r.getMessage()]
    assert len(warnings) == 1 and "@runlab.main" in warnings[0].getMessage()
    kept = sum(len(column) for column in metrics_module._DROP._columns.values())
    assert kept <= 2  # at most the last point: nothing accumulates
    metrics_module.flush_metrics()
    assert list(Path.cwd().rglob("metrics.jsonl")) == []


def test_strict_mode_raises_outside_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLAB_STRICT_METRICS", "1")
    with pytest.raises(NoActiveRunError, match="@runlab.main"):
        log_metrics({"loss": 1.0})
    with pytest.raises(NoActiveRunError):
        log_metric("loss", 1.0)


def test_both_forms_append_points_with_steps(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run")
    log_metrics({"loss": 0.3, "acc": 0.9}, step=10)
    log_metric("loss", 0.2, step=11)
    log_metric("lr", 0.1)  # no step
    record = recorder.finish("completed")
    points = list(read_metric_points(tmp_path / "run" / ".runlab" / "metrics.jsonl"))
    assert sorted((n, s, v) for n, s, _t, v in points) == [
        ("acc", 10, 0.9), ("loss", 10, 0.3), ("loss", 11, 0.2), ("lr", None, 0.1)]
    assert record.metrics == {"loss": 0.2, "acc": 0.9, "lr": 0.1}
    assert record.metric_summaries["loss"] == {"last": 0.2, "min": 0.2, "max": 0.3, "count": 2,
                                               "last_step": 11}


def test_small_batches_are_readable_json_lines(tmp_path: Path) -> None:
    sink = MetricsSink(tmp_path)
    sink.add({"loss": 1.5}, 0)
    sink.add({"loss": 0.5}, 1)
    sink.flush()
    line = json.loads((tmp_path / ".runlab" / "metrics.jsonl").read_text())
    assert line["name"] == "loss"
    assert line["step"] == [0, 1]
    assert line["value"] == [1.5, 0.5]
    assert len(line["time"]) == 2 and line["time"][0] <= line["time"][1]


def test_large_batches_are_packed_and_read_back_exactly(tmp_path: Path) -> None:
    sink = MetricsSink(tmp_path)
    values = [i / 7 for i in range(5000)]
    for step, value in enumerate(values):
        sink.add_one("x", value, step)
    sink.add_one("x", float("nan"), 5000)
    sink.flush()
    raw = json.loads((tmp_path / ".runlab" / "metrics.jsonl").read_text())
    assert set(raw["value"]) == {"f64"} and set(raw["step"]) == {"i64"}
    [(name, steps, read_values, _window)] = list(read_metric_batches(raw and tmp_path / ".runlab"
                                                                     / "metrics.jsonl"))
    assert name == "x" and steps == list(range(5001))
    assert read_values[:5000] == values and math.isnan(read_values[5000])
    summary = sink.summaries["x"]
    assert (summary.count, summary.min, summary.max) == (5001, 0.0, 4999 / 7)  # NaN skipped


def test_non_numeric_values_become_null_with_a_warning(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    sink = MetricsSink(tmp_path)
    sink.add({"loss": "high", "ok": 1}, 0)
    sink.flush()
    points = {n: v for n, _s, _t, v in read_metric_points(tmp_path / ".runlab" / "metrics.jsonl")}
    assert points == {"loss": None, "ok": 1.0}
    assert "non-numeric" in caplog.text


def test_threads_lose_no_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_module, "FLUSH_EVERY_POINTS", 500)  # flush while others append
    recorder = _start(tmp_path / "run")

    def work(worker: int) -> None:  # new threads see the run through the process-wide fallback
        for i in range(5000):
            log_metric(f"w{worker}", float(i), step=i)
            if i % 1000 == 0:
                metrics_module.flush_metrics()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    record = recorder.finish("completed")
    points = list(read_metric_points(tmp_path / "run" / ".runlab" / "metrics.jsonl"))
    for worker in range(4):
        steps = sorted(s for n, s, _t, _v in points if n == f"w{worker}")
        assert steps == list(range(5000))
        assert record.metric_summaries[f"w{worker}"]["count"] == 5000


def test_metrics_are_flushed_at_exit_and_on_crash(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import os
        from runlab.tracking.recorder import RunRecorder
        import runlab.tracking as t
        RunRecorder.start({str(tmp_path / "run")!r}, overrides=[], choices={{}}, config_yaml="",
                          resolved_yaml=None, origins={{}}, command_line=[], app_dir=None,
                          index_path="")
        for i in range(300):
            t.log_metrics({{"loss": i * 1.0}}, step=i)
        if os.environ.get("CRASH"):
            raise RuntimeError("task crashed")
    """)
    for crash in ("", "1"):
        target = tmp_path / "run" / ".runlab" / "metrics.jsonl"
        if target.exists():
            target.unlink()
        env = {"CRASH": crash, "PATH": "/usr/bin:/bin"}
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=False)
        assert done.returncode == (1 if crash else 0), done.stderr
        steps = [s for _n, s, _t, _v in read_metric_points(target)]
        assert steps == list(range(300))


def test_child_processes_log_into_the_parent_run(tmp_path: Path) -> None:
    recorder = _start(tmp_path / "run")
    log_metric("parent", 1.0, step=0)
    code = ("import runlab.tracking as t\n"
            "for i in range(50): t.log_metric('child', float(i), step=i)\n")
    import os

    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
    record = recorder.finish("completed")
    assert record.metric_summaries["child"]["count"] == 50
    assert record.metrics == {"parent": 1.0, "child": 49.0}


def test_several_processes_appending_lose_no_point(tmp_path: Path) -> None:
    run_dir = tmp_path / "shared"
    code = textwrap.dedent(f"""
        import sys
        from runlab.tracking.metrics import MetricsSink
        sink = MetricsSink({str(run_dir)!r})
        worker = sys.argv[1]
        for i in range(20000):
            sink.add_one("p" + worker, float(i), i)
            if i % 3000 == 0:
                sink.flush()
        sink.close()
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, str(n)]) for n in range(4)]
    assert [p.wait() for p in procs] == [0, 0, 0, 0]
    summaries = summarize_metrics_file(run_dir / ".runlab" / "metrics.jsonl")
    assert {name: s.count for name, s in summaries.items()} == {f"p{n}": 20000 for n in range(4)}


def test_public_names_resolve_lazily() -> None:
    assert tracking.log_metrics is log_metrics
    assert tracking.log_metric is log_metric
    with pytest.raises(AttributeError):
        tracking.nope  # noqa: B018


def test_dict_form_keeps_values_with_their_names_whatever_the_order(tmp_path: Path) -> None:
    sink = MetricsSink(tmp_path)
    sink.add({"a": 1.0, "b": 2.0}, 0)
    sink.add({"b": 20.0, "a": 10.0}, 1)  # same keys, other order
    sink.add({"a": 100.0}, 2)
    mutable = {"a": 5.0, "b": 6.0}
    sink.add(mutable, 3)
    mutable["a"] = -1.0  # the caller may reuse its dict: the logged point must not change
    sink.add_one("a", 1000.0, 4)  # both forms for one metric in one flush: ordered by step
    sink.flush()
    points = {(n, s): v for n, s, _t, v in read_metric_points(tmp_path / ".runlab" / "metrics.jsonl")}
    assert points == {("a", 0): 1.0, ("b", 0): 2.0, ("a", 1): 10.0, ("b", 1): 20.0,
                      ("a", 2): 100.0, ("a", 3): 5.0, ("b", 3): 6.0, ("a", 4): 1000.0}
    assert sink.summaries["a"].last == 1000.0 and sink.summaries["a"].count == 5


def test_a_slow_loop_is_flushed_by_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics_module, "FLUSH_EVERY_SECONDS", 0.0)  # "5 s" have always passed
    recorder = _start(tmp_path / "run")
    target = tmp_path / "run" / ".runlab" / "metrics.jsonl"
    for step in range(8):
        log_metrics({"loss": float(step)}, step=step)
    assert [s for _n, s, _t, _v in read_metric_points(target)] == list(range(8))
    for step in range(8):
        log_metric("acc", float(step), step=step)
    assert sum(1 for n, *_rest in read_metric_points(target) if n == "acc") == 8
    recorder.finish("completed")
