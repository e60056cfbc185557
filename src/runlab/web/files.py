"""The files of a run directory, and the only way the dashboard reads a path a URL names.

A URL path is untrusted: ``..`` segments, absolute paths, encoded separators and symlinks pointing
elsewhere must never reach a file outside the run directory.  So every path is resolved (symlinks
followed) and accepted only when the result is still inside the resolved run directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["RunFile", "list_files", "safe_path"]

MAX_LISTED = 300
_SKIPPED_DIRS = frozenset({"__pycache__", ".git"})


@dataclass(frozen=True)
class RunFile:
    """A file of a run directory: its path relative to the directory and its size."""

    path: str
    size: int


def safe_path(run_dir: str, relative: str) -> Path | None:
    """The file ``relative`` names inside ``run_dir``, or None when it is missing or outside."""
    if not relative or "\x00" in relative or os.path.isabs(relative):
        return None
    root = Path(os.path.realpath(run_dir))
    candidate = Path(os.path.realpath(root / relative))
    try:
        candidate.relative_to(root)
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def list_files(run_dir: str) -> tuple[list[RunFile], bool]:
    """Files under ``run_dir`` (at most MAX_LISTED; the flag says whether some were left out).

    Symlinks are not followed: what they point to may lie outside the run directory.
    """
    found: list[RunFile] = []
    root = os.path.realpath(run_dir)
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            full = os.path.join(current, name)
            if os.path.islink(full):
                continue
            try:
                size = os.stat(full).st_size
            except OSError:
                continue
            found.append(RunFile(path=os.path.relpath(full, root), size=size))
            if len(found) >= MAX_LISTED:
                return found, True
    return found, False
