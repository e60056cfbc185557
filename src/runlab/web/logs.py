"""A run's log as the run page shows it: the JSON-lines log, filtered by level and text.

Only the end of a long log is read (a job that logged for days must not stall the page); the page
says when older lines were left out.
"""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runlab.tracking.records import LOG_FILE, RECORD_DIR

__all__ = ["LEVELS", "LogLine", "LogView", "read_log"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAX_BYTES = 4 * 1024 * 1024
MAX_LINES = 5000


@dataclass(frozen=True)
class LogLine:
    when: str
    level: str
    logger: str
    message: str
    exception: str


@dataclass(frozen=True)
class LogView:
    lines: tuple[LogLine, ...]
    total: int
    truncated: bool


def _when(value: Any) -> str:
    if isinstance(value, (int, float)):
        moment = datetime.datetime.fromtimestamp(value)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return "" if value is None else str(value)


def _line(entry: Mapping[str, Any]) -> LogLine:
    return LogLine(
        when=_when(entry.get("time") or entry.get("asctime")),
        level=str(entry.get("level") or entry.get("levelname") or "").upper(),
        logger=str(entry.get("logger") or entry.get("name") or ""),
        message=str(entry.get("message") or entry.get("msg") or ""),
        exception=str(entry.get("exception") or entry.get("exc_info") or ""),
    )


def read_log(run_dir: str, *, text: str = "", level: str = "") -> LogView:
    """The log lines at ``level`` or above whose message, logger or exception contains ``text``."""
    path = os.path.join(run_dir, RECORD_DIR, LOG_FILE)
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - MAX_BYTES))
            raw = handle.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return LogView(lines=(), total=0, truncated=False)
    truncated = size > MAX_BYTES
    if truncated:
        raw = raw[1:]  # the first line is cut in the middle
    floor = LEVELS.index(level.upper()) if level.upper() in LEVELS else 0
    needle = text.lower()
    kept: list[LogLine] = []
    total = 0
    for raw_line in raw:
        if not raw_line.strip():
            continue
        total += 1
        try:
            entry = json.loads(raw_line)
        except ValueError:
            entry = {"message": raw_line}
        line = _line(entry if isinstance(entry, dict) else {"message": str(entry)})
        rank = LEVELS.index(line.level) if line.level in LEVELS else 0
        if rank < floor:
            continue
        if needle and not any(needle in part.lower()
                              for part in (line.message, line.logger, line.exception)):
            continue
        kept.append(line)
    if len(kept) > MAX_LINES:
        kept, truncated = kept[-MAX_LINES:], True
    return LogView(lines=tuple(kept), total=total, truncated=truncated)
