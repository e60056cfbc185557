"""What queries return: ``Run`` values and ``RunList``, a list that converts itself to a DataFrame."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from runlab._values import frozen
from runlab.tracking.records import METRICS_FILE, RECORD_DIR, RunRecord, read_record

if TYPE_CHECKING:
    import pandas

__all__ = ["Run", "RunList", "run_from_record"]

_FIELDS = ("run_id", "sweep_id", "job_num", "status", "start", "end", "duration", "host", "run_dir")


@frozen
class Run:
    """One run as the index knows it: identity, status, swept params and final metrics."""

    run_id: str
    run_dir: str
    status: str
    start: float | None = None
    end: float | None = None
    duration: float | None = None
    sweep_id: str | None = None
    sweep_dir: str | None = None
    job_num: int | None = None
    host: str | None = None
    pid: int | None = None
    overrides: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    choices: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    error: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    config_flat: Mapping[str, Any] | None = None

    def value(self, key: str) -> Any:
        """The value of ``key`` for filters and tables: a param, metric, group choice, config key or
        a run field (``status``, ``sweep``...); None when the run has no such key."""
        if key in self.params:
            return self.params[key]
        if key in self.metrics:
            return self.metrics[key]
        if key in self.choices:
            return self.choices[key]
        if self.config_flat is not None and key in self.config_flat:
            return self.config_flat[key]
        if key == "sweep":
            return self.sweep_id
        if key == "job":
            return self.job_num
        if key in _FIELDS:
            return getattr(self, key)
        return None

    def param(self, key: str) -> str | None:
        """A parameter as the compare table groups it: the override text, else the group choice."""
        if key in self.params:
            return self.params[key]
        choice = self.choices.get(key)
        if choice is not None:
            return str(choice)
        if self.config_flat is not None and key in self.config_flat:
            return _as_text(self.config_flat[key])
        return None

    def record(self) -> RunRecord | None:
        """The full record from the run directory (config, origins, traceback, environment...)."""
        return read_record(self.run_dir)

    def metric_history(self, name: str) -> list[tuple[Any, float, float | None]]:
        """Every logged point of metric ``name`` as ``(step, time, value)``, in logging order."""
        from runlab.tracking.metrics import read_metric_points

        path = os.path.join(self.run_dir, RECORD_DIR, METRICS_FILE)
        return [(s, t, v) for n, s, t, v in read_metric_points(path) if n == name]

    def metric_names(self) -> list[str]:
        """Names of every metric logged into the metrics file (sorted)."""
        from runlab.tracking.metrics import read_metric_points

        path = os.path.join(self.run_dir, RECORD_DIR, METRICS_FILE)
        return sorted({n for n, _s, _t, _v in read_metric_points(path)})


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value)


def run_from_record(record: RunRecord) -> Run:
    """The ``Run`` view of a record read straight from a directory (no index involved)."""
    git = record.git or {}
    return Run(
        run_id=record.run_id, run_dir=record.run_dir, status=record.status, start=record.start,
        end=record.end, duration=record.duration, sweep_id=record.sweep_id,
        sweep_dir=record.sweep_dir, job_num=record.job_num, host=record.host, pid=record.pid,
        overrides=tuple(record.overrides), params=dict(record.params),
        choices=dict(record.choices), metrics=dict(record.metrics), error=record.error,
        git_commit=git.get("commit"), git_dirty=git.get("dirty"),
        config_flat=dict(record.config_flat),
    )


class RunList(list[Run]):
    """A list of runs with table conversions (pandas is imported only when asked for)."""

    def __init__(self, runs: Iterable[Run] = ()) -> None:
        super().__init__(runs)

    def param_keys(self) -> list[str]:
        """Every override key any run has, in first-seen order."""
        seen: dict[str, None] = {}
        for run in self:
            seen.update(dict.fromkeys(run.params))
        return list(seen)

    def metric_keys(self) -> list[str]:
        """Every final metric any run has, in first-seen order."""
        seen: dict[str, None] = {}
        for run in self:
            seen.update(dict.fromkeys(run.metrics))
        return list(seen)

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per run: fields, then params, then metrics (a metric named like a param
        gets a ``metric.`` prefix)."""
        params, metrics = self.param_keys(), self.metric_keys()
        rows = []
        for run in self:
            row: dict[str, Any] = {name: getattr(run, name) for name in _FIELDS}
            for key in params:
                row[key] = run.params.get(key)
            for key in metrics:
                row[key if key not in row else f"metric.{key}"] = run.metrics.get(key)
            rows.append(row)
        return rows

    def to_pandas(self) -> pandas.DataFrame:
        """A DataFrame with one row per run (needs ``pip install pandas``)."""
        try:
            import pandas
        except ImportError as error:  # pragma: no cover - exercised by the missing-extra test
            raise ImportError("RunList.to_pandas() needs pandas: pip install 'runlab[pandas]'") from error
        frame = pandas.DataFrame.from_records(self.to_records())
        for column in ("start", "end"):
            if column in frame:
                frame[column] = pandas.to_datetime(frame[column], unit="s")
        return frame

    DataFrame = to_pandas


def records_to_runs(records: Iterable[RunRecord]) -> RunList:
    """Runs of records read from directories, in job order."""
    return runs_in_job_order(run_from_record(r) for r in records)


def runs_in_job_order(runs: Iterable[Run]) -> RunList:
    """``runs`` sorted by job number (runs outside a sweep last), then start time."""
    ordered = list(runs)
    ordered.sort(key=lambda r: (r.job_num if r.job_num is not None else 1 << 62, r.start or 0.0))
    return RunList(ordered)
