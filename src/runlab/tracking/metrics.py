"""``runlab.log_metrics``: buffered, thread-safe metric logging into the active run's directory.

Why columns: the goal is a million scalar points per second in one process, which rules out building a
JSON object per point.  Points are buffered per metric name as ``(step, time, value)`` tuples and each
flush appends one JSON line per metric, ``{"name": n, "step": [...], "time": [...], "value": [...]}``,
serialised by the C encoder in one call.  Each line is written with a single ``write`` on an
``O_APPEND`` descriptor, so several processes may append to the same file without interleaving.

Where points go: the run activated in this context (a contextvar, so concurrent jobs in threads stay
apart), else the run activated last in this process (threads the task starts do not inherit
contextvars), else the run directory named by ``RUNLAB_RUN_DIR`` (set while a run is active, so child
processes started by the task log into their parent's run).
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import os
import sys
import threading
import time
import weakref
from array import array
from base64 import b64decode, b64encode
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar, Token
from operator import itemgetter
from pathlib import Path
from typing import Any

from runlab._values import frozen
from runlab.tracking.records import METRICS_FILE, RECORD_DIR
from runlab.tracking.serialize import as_number

__all__ = [
    "RUN_DIR_ENV",
    "MetricSummary",
    "MetricsSink",
    "NoActiveRunError",
    "flush_metrics",
    "log_metric",
    "log_metrics",
    "read_metric_batches",
    "read_metric_points",
    "summarize_metrics_file",
]

RUN_DIR_ENV = "RUNLAB_RUN_DIR"
FLUSH_EVERY_POINTS = 100_000
FLUSH_EVERY_SECONDS = 5.0

_log = logging.getLogger(__name__)
_time = time.time


class NoActiveRunError(RuntimeError):
    """``log_metrics`` was called while no run is active (outside ``@runlab.main``)."""


@frozen
class MetricSummary:
    """What the record keeps about one metric's series: enough to compare runs without the file."""

    last: float
    min: float
    max: float
    count: int
    last_step: int | None

    def merged(self, other: MetricSummary) -> MetricSummary:
        """The summary of both series, ``other`` being the later one."""
        return MetricSummary(
            last=other.last,
            min=min(self.min, other.min),
            max=max(self.max, other.max),
            count=self.count + other.count,
            last_step=other.last_step if other.last_step is not None else self.last_step,
        )


class MetricsSink:
    """The buffer and file of one run's metrics in this process.

    Lock-free on the hot path, with one buffer per form:

    * ``log_metrics(dict)`` appends ``(step, copy of the dict)`` to ``_calls``: one C-level copy and
      append per call, whatever the number of metrics.  The flush transposes runs of calls with the
      same keys with ``zip(*values)``, so the per-point work happens in C.
    * ``log_metric(name, value)`` extends the name's flat list ``[step, value, step, value, ...]``
      with ``column += (step, value)``.

    Appends and ``+=`` are single atomic operations under the GIL; :meth:`flush` copies a prefix of
    each buffer and deletes exactly that prefix, so points added concurrently stay buffered.
    """

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / RECORD_DIR / METRICS_FILE
        self._columns: dict[str, list[Any]] = {}
        self._calls: list[tuple[Any, dict[str, Any]]] = []
        self._flush_lock = threading.Lock()
        self._last_flush = _time()
        self._fd: int | None = None
        self.summaries: dict[str, MetricSummary] = {}
        self.bytes_written = 0
        _SINKS.add(self)

    def add(self, metrics: Mapping[str, Any], step: Any) -> None:
        """Buffer one point per metric; flushes when the buffer is large or old."""
        calls = self._calls
        calls.append((step, dict(metrics)))
        if not len(calls) & _CALLS_CHECK_MASK:
            self._maybe_flush(2 * len(calls) * len(metrics))

    def add_one(self, name: str, value: Any, step: Any) -> None:
        """Buffer a single point (the ``log_metric`` fast path)."""
        column = self._columns.get(name)
        if column is None:
            column = self._columns.setdefault(name, [])
        column += (step, value)
        if not len(column) & _CHECK_MASK:
            self._maybe_flush(len(column))

    def _maybe_flush(self, size: int) -> None:
        if size >= 2 * FLUSH_EVERY_POINTS or _time() - self._last_flush > FLUSH_EVERY_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Append everything buffered to the metrics file (one line per metric name)."""
        with self._flush_lock:
            since, now = self._last_flush, _time()
            self._last_flush = now
            lines = []
            batches = self._take_calls()
            for name, column in list(self._columns.items()):
                size = len(column)
                if not size:
                    continue
                chunk = column[:size]
                del column[:size]
                single = (chunk[0::2], chunk[1::2])
                batches[name] = _merged(batches[name], single) if name in batches else single
            for name, (steps, values) in batches.items():
                line, numbers = _encode_batch(name, steps, values, since, now)
                lines.append(line)
                self._summarize(name, steps, numbers)
            if lines:
                self._write(("\n".join(lines) + "\n").encode())

    def _take_calls(self) -> dict[str, tuple[list[Any], list[Any]]]:
        """Move the buffered ``log_metrics`` calls into per-metric ``(steps, values)`` columns."""
        size = len(self._calls)
        calls = self._calls[:size]
        del self._calls[:size]
        columns: dict[str, tuple[list[Any], list[Any]]] = {}
        start = 0
        while start < size:
            keys = calls[start][1].keys()
            end = start + 1
            while end < size and calls[end][1].keys() == keys:
                end += 1
            block = calls[start:end]
            steps = [step for step, _metrics in block]
            names = list(keys)
            # keys views compare like sets: fetch values by name, not by each dict's own order
            dicts = [metrics for _step, metrics in block]
            if len(names) == 1:
                transposed: Iterable[Iterable[Any]] = [list(map(itemgetter(names[0]), dicts))]
            else:
                transposed = zip(*map(itemgetter(*names), dicts))
            for name, values in zip(names, transposed):
                column = columns.get(name)
                if column is None:
                    columns[name] = (list(steps), list(values))
                else:
                    column[0].extend(steps)
                    column[1].extend(values)
            start = end
        return columns

    def _summarize(self, name: str, steps: Sequence[Any], values: Sequence[float | None]) -> None:
        summary = summary_of(steps, values)
        if summary is None:
            return
        previous = self.summaries.get(name)
        self.summaries[name] = previous.merged(summary) if previous else summary

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self.bytes_written += len(data)

    def close(self) -> None:
        """Flush and release the file; the sink stays usable (it reopens on the next flush)."""
        self.flush()
        with self._flush_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _after_fork_in_child(self) -> None:
        # The parent owns the points buffered before the fork: dropping them here avoids duplicates.
        self._columns = {}
        self._calls = []
        self._flush_lock = threading.Lock()


def summary_of(steps: Sequence[Any], values: Sequence[float | None]) -> MetricSummary | None:
    """The summary of one batch (None when it holds no number); NaN is skipped by min/max."""
    present: Sequence[float] = (
        values if isinstance(values, array) or None not in values  # type: ignore[assignment]
        else [v for v in values if v is not None])
    if not present:
        return None
    finite = present if not math.isnan(sum(present)) else [
        v for v in present if not math.isnan(v)]
    last_step = steps[-1] if steps and isinstance(steps[-1], int) else None
    return MetricSummary(
        last=float(present[-1]),
        min=float(min(finite)) if finite else float("nan"),
        max=float(max(finite)) if finite else float("nan"),
        count=len(present),
        last_step=last_step,
    )


_CHECK_MASK = 0xF  # look at the clock every 8 points of a column ...
_CALLS_CHECK_MASK = 0x7  # ... and every 8 log_metrics calls (a slow loop still flushes)


def _merged(first: tuple[list[Any], list[Any]], second: tuple[list[Any], list[Any]]
            ) -> tuple[list[Any], list[Any]]:
    """One metric logged through both forms in one flush window: ordered by step when it can be."""
    steps, values = first[0] + second[0], first[1] + second[1]
    if all(type(s) is int for s in steps):
        order = sorted(range(len(steps)), key=steps.__getitem__)
        return [steps[i] for i in order], [values[i] for i in order]
    return steps, values
_BINARY_FROM = 2048  # batches this large are stored as base64 arrays (JSON floats are too slow)


def _encode_batch(name: str, steps: list[Any], values: list[Any], since: float, now: float
                  ) -> tuple[str, Sequence[float | None]]:
    """One JSON line for a batch of points, and the values as numbers (None = not a number).

    Small batches are plain JSON lists a human can read; large ones pack values as little-endian
    float64 (and integer steps as int64) in base64, which costs ~10x less than printing floats.
    """
    numbers: Sequence[float | None]
    packed: array[float] | None
    try:
        packed = array("d", values)
    except (TypeError, OverflowError):
        numbers = _numeric_values(name, values)
        packed = None
    else:
        numbers = packed
    binary = packed is not None and len(values) >= _BINARY_FROM
    # base64 text needs no escaping: it is spliced in rather than scanned by the JSON encoder
    if steps.count(None) == len(steps):
        step_text = "null"
    elif binary:
        try:
            step_text = '{"i64": "%s"}' % _b64(array("q", steps))  # noqa: UP031
        except (TypeError, OverflowError):
            step_text = json.dumps([_jsonable_step(s) for s in steps])
    else:
        step_text = json.dumps(steps if all(type(s) is int for s in steps) else [
            _jsonable_step(s) for s in steps])
    if binary:
        assert packed is not None
        value_text = '{"f64": "%s"}' % _b64(packed)  # noqa: UP031
    else:
        value_text = json.dumps(list(numbers))
    line = (f'{{"name": {json.dumps(name)}, "time": {json.dumps([since, now])}, '
            f'"step": {step_text}, "value": {value_text}}}')
    return line, numbers


def _b64(packed: array[Any]) -> str:
    """Little-endian base64 of an array (the file format is the same on every machine)."""
    if sys.byteorder != "little":
        packed = array(packed.typecode, packed)
        packed.byteswap()
    return b64encode(packed).decode("ascii")


def _jsonable_step(value: Any) -> Any:
    number = as_number(value)
    if number is not None:
        return int(number) if number.is_integer() else number
    return repr(value)


def _numeric_values(name: str, values: list[Any]) -> list[float | None]:
    converted = [as_number(v) for v in values]
    dropped = sum(1 for v in converted if v is None)
    if dropped:
        _log.warning("metric %r: %d non-numeric value(s) recorded as null", name, dropped)
    return converted


_SINKS: weakref.WeakSet[MetricsSink] = weakref.WeakSet()
_ACTIVE: ContextVar[MetricsSink | None] = ContextVar("runlab_active_metrics", default=None)
_process_sink: MetricsSink | None = None
_env_sinks: dict[str, MetricsSink] = {}


def activate(sink: MetricsSink) -> Token[MetricsSink | None]:
    """Make ``sink`` the target of ``log_metrics`` in this context and, as a fallback, this process."""
    global _process_sink
    _process_sink = sink
    return _ACTIVE.set(sink)


def deactivate(sink: MetricsSink, token: Token[MetricsSink | None] | None) -> None:
    """Undo :func:`activate`; tolerant of being called from another context than the one that set."""
    global _process_sink
    if token is not None:
        try:
            _ACTIVE.reset(token)
        except ValueError:  # token created in another context (e.g. finish() from another thread)
            if _ACTIVE.get() is sink:
                _ACTIVE.set(None)
    if _process_sink is sink:
        _process_sink = None


def active_sink() -> MetricsSink | None:
    """The sink ``log_metrics`` would write to now, or None outside any run."""
    sink = _ACTIVE.get()
    if sink is not None:
        return sink
    if _process_sink is not None:
        return _process_sink
    run_dir = os.environ.get(RUN_DIR_ENV)
    if not run_dir:
        return None
    sink = _env_sinks.get(run_dir)
    if sink is None:
        sink = _env_sinks.setdefault(run_dir, MetricsSink(run_dir))
    return sink


class _DroppingSink(MetricsSink):
    """Where points go outside any run: nowhere, after one warning in the log.

    Code that logs metrics (a training library, a task called directly from a unit test) must keep
    working outside ``@runlab.main``; losing those points silently would hide a real mistake, so the
    first call is reported.  ``RUNLAB_STRICT_METRICS=1`` raises :class:`NoActiveRunError` instead.
    """

    def __init__(self) -> None:  # no file, not registered for flushing
        self._columns = {}
        self._calls = []
        self._flush_lock = threading.Lock()
        self._last_flush = _time()
        self.warned = False

    def flush(self) -> None:
        self._columns.clear()
        self._calls.clear()

    def _maybe_flush(self, size: int) -> None:
        self.flush()


_DROP = _DroppingSink()


def _require_sink() -> MetricsSink:
    """The active sink; outside any run the dropping sink (or an error in strict mode)."""
    sink = active_sink()
    if sink is not None:
        return sink
    if os.environ.get("RUNLAB_STRICT_METRICS"):
        raise NoActiveRunError(
            "runlab.log_metrics() needs an active run: call it from a task decorated with "
            "@runlab.main (or set RUNLAB_RUN_DIR to a run directory)."
        )
    if not _DROP.warned:
        _DROP.warned = True
        _log.warning(
            "runlab.log_metrics() called outside a run: points are dropped (log from a task "
            "decorated with @runlab.main, or set %s to a run directory)", RUN_DIR_ENV)
    _DROP._columns.clear()
    _DROP._calls.clear()
    return _DROP


def log_metrics(metrics: Mapping[str, Any], step: int | None = None) -> None:
    """Record several scalar metrics at ``step`` in the active run (buffered; flushed at exit)."""
    sink = _ACTIVE.get() or _process_sink or _require_sink()
    calls = sink._calls  # inlined MetricsSink.add: a call less on the hot path
    calls.append((step, dict(metrics)))
    if not len(calls) & _CALLS_CHECK_MASK:
        sink._maybe_flush(2 * len(calls) * len(metrics))


def log_metric(name: str, value: Any, step: int | None = None) -> None:
    """Record one scalar metric at ``step`` in the active run (buffered; flushed at exit)."""
    sink = _ACTIVE.get() or _process_sink or _require_sink()
    column = sink._columns.get(name)  # inlined MetricsSink.add_one
    if column is None:
        column = sink._columns.setdefault(name, [])
    column += (step, value)
    if not len(column) & _CHECK_MASK:
        sink._maybe_flush(len(column))


def flush_metrics() -> None:
    """Write every buffered point of every run in this process to disk now."""
    for sink in list(_SINKS):
        try:
            sink.flush()
        except OSError as error:  # a vanished run dir must not hide the other runs' points
            _log.warning("could not flush metrics to %s: %s", sink.path, error)


def _after_fork_in_child() -> None:
    for sink in list(_SINKS):
        sink._after_fork_in_child()


atexit.register(flush_metrics)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _decode_array(field: Any, code: str, size: int | None = None) -> list[Any]:
    if field is None:
        return [None] * (size or 0)
    if isinstance(field, list):
        return field
    key = "f64" if code == "d" else "i64"
    packed = array(code, b64decode(field[key]))
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tolist()


def read_metric_batches(path: str | os.PathLike[str]
                        ) -> Iterator[tuple[str, list[Any], list[float | None], list[float]]]:
    """Yield ``(name, steps, values, [since, until])`` per stored batch, in file order.

    A torn last line (a process killed mid-write) is skipped rather than failing the whole read.
    """
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                batch = json.loads(line)
                values = _decode_array(batch["value"], "d")
                steps = _decode_array(batch.get("step"), "q", len(values))
                yield batch["name"], steps, values, batch.get("time") or []
            except (ValueError, KeyError, TypeError):
                continue


def read_metric_points(path: str | os.PathLike[str]) -> Iterator[tuple[str, Any, float, float | None]]:
    """Yield ``(name, step, time, value)`` per point; ``time`` is when its batch was flushed."""
    for name, steps, values, window in read_metric_batches(path):
        when = window[-1] if window else 0.0
        for step, value in zip(steps, values):
            yield name, step, when, value


def summarize_metrics_file(path: str | os.PathLike[str]) -> dict[str, MetricSummary]:
    """Summaries of every metric in a file (used when a record has none: killed or foreign runs)."""
    series: dict[str, tuple[list[Any], list[float | None]]] = {}
    for name, steps, values, _window in read_metric_batches(path):
        all_steps, all_values = series.setdefault(name, ([], []))
        all_steps.extend(steps)
        all_values.extend(values)
    summaries = {}
    for name, (steps, values) in series.items():
        summary = summary_of(steps, values)
        if summary is not None:
            summaries[name] = summary
    return summaries
