"""What a composition looked at on disk, for whoever needs to know when its result goes stale.

The config sources call :func:`note` for each fact they check -- a config file's existence (and so
its content), a group directory's existence, a group's listing -- and :func:`observing` collects
them for one composition.  The composition cache (``runlab.runtime.composition_cache``) stores the
facts with the result and trusts the result again only while every fact still holds, which is
exact where a walk of the config directories would not be: an app whose config dir is its working
directory writes its outputs there on every run.  Paths are kept as the source spelled them
(before resolving links), so a retargeted link is seen too.

Outside :func:`observing` a note costs one global lookup: composition itself stays pure.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["FILE", "GROUP", "LISTING", "UNCHECKABLE", "current_value", "note", "observing"]

FILE = "file"
"""A config file: (inode, size, mtime, ctime) when it is a regular file, else None."""
GROUP = "group"
"""A group directory: whether it is one."""
LISTING = "listing"
"""A group's entries: their sorted names."""
UNCHECKABLE = "uncheckable"
"""Something read without a path to check later (a zipped package): the result cannot be trusted."""

_observed: dict[tuple[str, str], None] | None = None


def note(kind: str, path: str) -> None:
    """Record that the running composition depends on ``kind`` of ``path``."""
    if _observed is not None:
        _observed[(kind, path)] = None


@contextmanager
def observing() -> Iterator[dict[tuple[str, str], None]]:
    """Collect the facts noted while the block runs (ordered, without repeats)."""
    global _observed
    outer, _observed = _observed, {}
    try:
        yield _observed
    finally:
        collected, _observed = _observed, outer
        if outer is not None and collected is not None:
            outer.update(collected)  # an enclosing observer depends on them as well


def current_value(kind: str, path: str) -> Any:
    """The fact as it holds now (compare it with the value taken when the result was stored)."""
    try:
        if kind == FILE:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                return None
            return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
        if kind == GROUP:
            return os.path.isdir(path)
        if kind == LISTING:
            return tuple(sorted(os.listdir(path)))
    except OSError:
        return None
    raise ValueError(f"not a fact that can be checked: {kind}")
