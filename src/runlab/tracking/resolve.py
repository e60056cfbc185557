"""Turning what users type (an id, a prefix, a directory, ``last``) into runs and sweeps."""

from __future__ import annotations

import os

from runlab.tracking.query import QueryError
from runlab.tracking.records import read_record
from runlab.tracking.store import RunIndex

__all__ = ["resolve_run", "resolve_sweep"]


def resolve_sweep(index: RunIndex, text: str) -> str:
    """A sweep id from an id, a unique id prefix, a sweep directory or ``last``."""
    sweeps = index.sweeps()
    if not sweeps:
        raise QueryError(f"no sweep matches {text!r}: the index {index.path} has no sweeps")
    if text in ("last", "latest"):
        return str(sweeps[-1][0])
    ids = [s[0] for s in sweeps]
    if text in ids:
        return text
    if os.path.exists(text):
        wanted = os.path.realpath(text)
        for sweep_id, sweep_dir, _start, _count in sweeps:
            if sweep_dir and os.path.realpath(sweep_dir) == wanted:
                return str(sweep_id)
        record = read_record(text)
        if record is not None and record.sweep_id:
            return record.sweep_id
    matches = [i for i in ids if i.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise QueryError(f"sweep {text!r} is ambiguous: {', '.join(matches[:5])}")
    raise QueryError(f"no sweep matches {text!r} (try `runlab runs` to list, or `runlab index DIR`)")


def resolve_run(index: RunIndex, text: str) -> str:
    """A run directory from a run id, a unique id prefix or a run directory."""
    if os.path.isdir(text) and read_record(text) is not None:
        return os.path.abspath(text)
    run_dir = index.run_dir_of(text)
    if run_dir:
        return run_dir
    matches = index.run_ids_like(text)
    if len(matches) == 1:
        found = index.run_dir_of(matches[0])
        if found:
            return found
    if len(matches) > 1:
        raise QueryError(f"run {text!r} is ambiguous: {', '.join(matches[:5])}")
    raise QueryError(f"no run matches {text!r} (give a run id, a unique prefix or a run directory)")
