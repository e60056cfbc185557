"""Code runlab generates at run time (value classes' ``__init__``), compiled once and kept on disk.

``runlab._values`` generates each value class's ``__init__`` from its fields, as ``dataclasses``
does; compiling that source costs ~0.3 ms a class, ~6 ms of every app's start-up.  The compiled code
objects are kept in one ``marshal`` file in the cache directory, keyed by their exact source text,
so a stale entry cannot be used: changed fields make a different source.  The file is read once per
process, on the first class instantiated, and rewritten at exit only when the process compiled
something new (atomically, so concurrent processes cannot leave it half-written; the last one
wins).  Anything unreadable is ignored.
"""

from __future__ import annotations

import atexit
import marshal
from types import CodeType
from typing import Any

from runlab._cache_dir import cache_file, write_cache_file

__all__ = ["compiled"]

_MAX_ENTRIES = 1024
"""Sources kept in the file: runlab's own classes need ~60; tests and user classes add more."""

_FILENAME = "<runlab generated>"

_state: dict[str, Any] = {"table": None, "used": None, "dirty": False}


def compiled(source: str) -> CodeType:
    """``compile(source)`` for ``exec``, from the on-disk cache when it holds that exact source."""
    table, used = _tables()
    code = table.get(source)
    if code is None:
        code = compile(source, _FILENAME, "exec")
        table[source] = code
        if not _state["dirty"]:
            _state["dirty"] = True
            atexit.register(_save)
    used.add(source)
    return code


def _tables() -> tuple[dict[str, CodeType], set[str]]:
    if _state["table"] is None:
        _state["table"], _state["used"] = _load(), set()
    return _state["table"], _state["used"]


def _load() -> dict[str, CodeType]:
    path = cache_file("generated-code", ".marshal")
    if path is None:
        return {}
    try:
        with open(path, "rb") as stream:
            table = marshal.loads(stream.read())
    except Exception:  # noqa: BLE001 - missing or damaged: compile afresh
        return {}
    if not isinstance(table, dict):
        return {}
    return {k: v for k, v in table.items() if isinstance(k, str) and isinstance(v, CodeType)}


def _save() -> None:
    """Write the table, this process's sources first when it has grown past its bound."""
    path = cache_file("generated-code", ".marshal")
    table, used = _tables()
    if path is None:
        return
    if len(table) > _MAX_ENTRIES:
        keep = [s for s in table if s in used] + [s for s in table if s not in used]
        table = {s: table[s] for s in keep[:_MAX_ENTRIES]}
    data = marshal.dumps(table)
    write_cache_file(path, lambda stream: stream.write(data))
