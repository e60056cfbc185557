"""Runs waiting to enter the run index: a line each, appended without opening SQLite.

A single run writes its record into its own directory (the source of truth) and must also reach
the index; opening the index costs a plain app more than anything else it does after
``import omegaconf`` (``import sqlite3`` alone is 6-9 ms, closing a WAL database checkpoints it).
So a process that is not driving a sweep appends the run's directory to ``<index>.pending``
instead, and whoever opens the index next (``RunIndex``: the CLI, queries, the dashboard, a sweep)
indexes those runs from their records first.  A sweep's own jobs keep writing rows in batches.

No line is lost between writers and a reader taking the file:

* a writer locks the file (``flock``) and appends only if the path still names the file it
  opened, else opens again;
* a reader renames the file to a name of its own (new writers start a new file), then locks
  the renamed file before reading it, so a writer that got there first has finished;
* the renamed file is deleted only after its runs are in the index; one left by a reader that
  died is taken by the next one.  Indexing a run twice writes the same row twice.

Where ``fcntl`` is missing (Windows) or locking fails (some network file systems), runs are
written to SQLite directly, as before.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["append_pending", "has_pending", "index_exists", "take_pending"]

_SUFFIX = ".pending"


def _pending(index_path: str | os.PathLike[str]) -> str:
    return os.fspath(index_path) + _SUFFIX


def append_pending(index_path: str | os.PathLike[str], run_dir: str) -> bool:
    """Add ``run_dir`` to the runs waiting for ``index_path``; False when it could not (write the
    row to the index instead)."""
    if fcntl is None:
        return False
    path = _pending(index_path)
    line = (json.dumps(run_dir) + "\n").encode()
    for _attempt in range(100):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            continue
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                still_there = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                still_there = False
            if still_there:  # else a reader took this file meanwhile: append to the new one
                os.write(fd, line)
                return True
        except OSError:
            return False
        finally:
            os.close(fd)
    return False


def _claimed(path: str) -> list[str]:
    directory = os.path.dirname(path) or "."
    prefix = os.path.basename(path) + "."
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [os.path.join(directory, n) for n in sorted(names) if n.startswith(prefix)]


def has_pending(index_path: str | os.PathLike[str]) -> bool:
    """Are runs waiting for ``index_path`` (cheap: one ``stat``, for polling readers)?"""
    return os.path.exists(_pending(index_path))


def index_exists(index_path: str | os.PathLike[str]) -> bool:
    """Is there an index at ``index_path``, or runs waiting to make one?"""
    path = os.fspath(index_path)
    return os.path.isfile(path) or has_pending(path) or bool(_claimed(_pending(path)))


def take_pending(index_path: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """The run dirs waiting for ``index_path``, and the files to delete once they are indexed."""
    if fcntl is None:
        return [], []
    path = _pending(index_path)
    try:
        os.rename(path, f"{path}.{os.getpid()}.{time.monotonic_ns()}")
    except OSError:  # nothing new; files claimed earlier are still taken below
        pass
    run_dirs: list[str] = []
    files: list[str] = []
    for claimed in _claimed(path):
        try:
            fd = os.open(claimed, os.O_RDONLY)
        except OSError:  # another reader indexed and deleted it
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a writer that had it locked has written its line
            data = _read_all(fd)
        except OSError:
            continue
        finally:
            os.close(fd)
        for raw in data.splitlines():
            try:
                found: Any = json.loads(raw)
            except ValueError:
                continue
            if isinstance(found, str):
                run_dirs.append(found)
        files.append(claimed)
    return run_dirs, files


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)
