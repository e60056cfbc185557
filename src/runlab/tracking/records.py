"""The files a run leaves in its directory: the source of truth every index is rebuilt from.

``<run_dir>/.runlab/run.json`` is the record (rewritten atomically: temp file then rename, so a
reader sees the old or the new record, never half of one); ``metrics.jsonl`` holds the metric series
(see :mod:`runlab.tracking.metrics`); ``log.jsonl`` is the job's JSON-lines log written by the runtime.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import field, fields, replace
from pathlib import Path
from typing import Any

from runlab._values import frozen

RECORD_DIR = ".runlab"
RECORD_FILE = "run.json"
METRICS_FILE = "metrics.jsonl"
LOG_FILE = "log.jsonl"
RECORD_FORMAT = 1

STATUSES = ("running", "completed", "failed", "killed")

__all__ = [
    "LOG_FILE",
    "METRICS_FILE",
    "RECORD_DIR",
    "RECORD_FILE",
    "STATUSES",
    "RunRecord",
    "dump_json_lines",
    "find_run_dirs",
    "read_log_tail",
    "read_record",
    "record_path",
    "write_json_atomic",
    "write_record",
]


@frozen
class RunRecord:
    """Everything known about one run (one job of a sweep, or a single run)."""

    run_id: str
    run_dir: str
    status: str
    start: float
    sweep_id: str | None = None
    sweep_dir: str | None = None
    job_num: int | None = None
    end: float | None = None
    duration: float | None = None
    overrides: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    choices: Mapping[str, Any] = field(default_factory=dict)
    config_yaml: str | None = None
    resolved_yaml: str | None = None
    config_flat: Mapping[str, Any] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)
    return_value: Any = None
    error: str | None = None
    traceback: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    metric_summaries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    host: str | None = None
    pid: int | None = None
    pid_started: float | None = None
    python: Mapping[str, Any] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)
    command_line: tuple[str, ...] = ()
    cwd: str | None = None
    app_dir: str | None = None
    git: Mapping[str, Any] | None = None
    format: int = RECORD_FORMAT

    def to_json(self) -> dict[str, Any]:
        """The record as written to ``run.json`` (tuples become lists)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["overrides"] = list(self.overrides)
        data["command_line"] = list(self.command_line)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], run_dir: str | None = None) -> RunRecord:
        """Read a record; unknown keys (newer writers) are ignored, ``run_dir`` wins if given."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["overrides"] = tuple(values.get("overrides") or ())
        values["command_line"] = tuple(values.get("command_line") or ())
        for name in ("params", "choices", "config_flat", "origins", "metrics",
                     "metric_summaries", "python", "packages"):
            values[name] = dict(values.get(name) or {})
        if run_dir is not None:
            values["run_dir"] = run_dir
        if "run_id" not in values:
            values["run_id"] = os.path.basename(values.get("run_dir") or "run")
        values.setdefault("run_dir", run_dir or "")
        values.setdefault("status", "running")
        values.setdefault("start", 0.0)
        # Frozen dataclass: filling __dict__ skips 30 object.__setattr__ calls (index rebuilds
        # read 10,000 records); the defaults come from a pristine instance's fields.
        record = object.__new__(cls)
        record.__dict__.update(_DEFAULTS, **values)
        return record

    def with_changes(self, **changes: Any) -> RunRecord:
        """A copy with ``changes`` applied (records are values, never mutated)."""
        return replace(self, **changes)


_DEFAULTS: dict[str, Any] = {}


def record_path(run_dir: str | os.PathLike[str]) -> Path:
    """Where the record of ``run_dir`` lives."""
    return Path(run_dir) / RECORD_DIR / RECORD_FILE


_temporary_numbers = itertools.count()


def _create_temporary(path: Path) -> tuple[int, str]:
    """A new hidden file next to ``path``, unique per process, thread and call (``tempfile`` would
    cost more to import than a whole run record takes to write)."""
    while True:
        name = f".{path.name}.{os.getpid()}.{threading.get_ident()}.{next(_temporary_numbers)}.tmp"
        tmp = str(path.parent / name)
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:  # left by a dead process with the same pid
            continue


_encode_lines = json.JSONEncoder(
    ensure_ascii=False, default=repr, separators=(",\n ", ": ")
).encode


def dump_json_lines(data: Any) -> str:
    """JSON with a line break after every item: readable with ``cat`` and ``grep``, yet written by
    the C encoder in one call (``indent`` switches ``json`` to its pure-Python encoder, which costs
    as much as the rest of writing a run record, and every job writes its record twice)."""
    return _encode_lines(data)


def write_json_atomic(path: Path, data: Any, *, fsync: bool | None = None) -> None:
    """Replace ``path`` with ``data`` as JSON so that readers never see a partial file.

    The rename is what makes it atomic for readers; ``fsync`` (default: ``$RUNLAB_FSYNC``) adds
    durability across a power loss at ~10 ms per write, too much for every job of a big sweep.
    """
    if fsync is None:
        fsync = bool(os.environ.get("RUNLAB_FSYNC"))
    text = dump_json_lines(data)
    try:
        fd, tmp = _create_temporary(path)
    except FileNotFoundError:  # the first write into this directory (not every write: a syscall)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(path)
    os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide records from other users of a shared dir
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_record(record: RunRecord) -> Path:
    """Write ``record`` into its run directory; returns the file written."""
    path = record_path(record.run_dir)
    write_json_atomic(path, record.to_json())
    return path


def read_record(run_dir: str | os.PathLike[str]) -> RunRecord | None:
    """The record of ``run_dir``, or None when it has none (or it is unreadable)."""
    path = os.path.join(run_dir, RECORD_DIR, RECORD_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return RunRecord.from_json(data, run_dir=os.path.abspath(run_dir))


def _pristine_defaults() -> dict[str, Any]:
    sample = RunRecord(run_id="", run_dir="", status="running", start=0.0)
    return {f.name: getattr(sample, f.name) for f in fields(RunRecord)}


_DEFAULTS.update(_pristine_defaults())


_SKIP_DIRS = frozenset({RECORD_DIR, ".hydra", ".git", ".venv", "node_modules", "__pycache__",
                        ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages"})


def find_run_dirs(root: str | os.PathLike[str]) -> Iterator[str]:
    """Every directory under ``root`` (itself included) that holds a run record.

    Walks with ``os.scandir`` and skips the bookkeeping folders of run dirs, VCS and venvs: rebuilding an
    index of 10,000 runs is dominated by this walk.
    """
    stack = [os.path.abspath(root)]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if name == RECORD_DIR:
                if os.path.isfile(os.path.join(entry.path, RECORD_FILE)):
                    yield current
                continue
            if name in _SKIP_DIRS:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.path)
            except OSError:
                continue
        stack.extend(sorted(subdirs, reverse=True))


def read_log_tail(run_dir: str | os.PathLike[str], lines: int = 20) -> list[dict[str, Any]]:
    """The last ``lines`` entries of the job's JSON-lines log (non-JSON lines kept as messages)."""
    path = Path(run_dir) / RECORD_DIR / LOG_FILE
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 256 * 1024))
            raw = handle.read().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in [text for text in raw if text.strip()][-lines:]:
        try:
            entry = json.loads(line)
        except ValueError:
            entry = {"message": line}
        entries.append(entry if isinstance(entry, dict) else {"message": str(entry)})
    return entries


def format_log_entry(entry: Mapping[str, Any]) -> str:
    """One human line for a JSON log entry, whatever field names the writer used."""
    when = entry.get("time") or entry.get("asctime") or entry.get("ts") or ""
    level = entry.get("level") or entry.get("levelname") or ""
    name = entry.get("logger") or entry.get("name") or ""
    message = entry.get("message") or entry.get("msg") or ""
    parts = [str(p) for p in (when, level, f"[{name}]" if name else "", message) if p != ""]
    text = " ".join(parts)
    exc = entry.get("exc_info") or entry.get("exception")
    if exc:
        text += "\n" + str(exc)
    return text
