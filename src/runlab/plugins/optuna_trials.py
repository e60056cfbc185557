"""The Optuna sweeper's trial map: which job of a sweep dir ran which trial, and how it went.

``<sweep_dir>/.runlab/optuna_trials.jsonl`` holds two kinds of lines:

* an *asked* line per job (``job``, ``study``, ``trial``, ``overrides``), written before the job
  starts, so that a resumed sweep replays each job with the trial it was asked for;
* a *result* line per job (``"kind": "result"``: study name, trial number, run dir, state, params,
  values, fixed params, error), read by :func:`read_trial_records`.

Kept outside the study so that runlab adds no storage write per trial (each journal/database write is
a locked, synced append -- as costly as the trial's own); a line cut short by a kill is ignored.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Sequence
from typing import Any

__all__ = ["RESULT_KIND", "TRIALS_FILE", "TrialMapWriter", "read_trial_map", "read_trial_records"]

TRIALS_FILE = os.path.join(".runlab", "optuna_trials.jsonl")
RESULT_KIND = "result"
_ENCODER = json.JSONEncoder(default=str)
"""One encoder for every line: ``json.dumps(..., default=str)`` would build one per call."""


def _lines(sweep_dir: str) -> list[dict[str, Any]]:
    """The trial map's well-formed JSON objects, in file order (cut-short lines skipped)."""
    entries: list[dict[str, Any]] = []
    try:
        with open(os.path.join(sweep_dir, TRIALS_FILE), encoding="utf-8") as file:
            for line in file:
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    entries.append(entry)
    except FileNotFoundError:
        pass
    return entries


def read_trial_map(
    sweep_dir: str, study_name: str
) -> tuple[dict[int, dict[str, Any]], dict[int, dict[str, Any]]]:
    """``job number -> {trial, overrides}`` of the jobs this sweep dir has asked ``study_name`` for
    (the last line of a job wins: a retried trial replaces the one that failed), and ``job number ->
    result`` of that study's results (:func:`read_trial_records`) -- one read of the file for both."""
    mapping: dict[int, dict[str, Any]] = {}
    records: dict[int, dict[str, Any]] = {}
    for entry in _lines(sweep_dir):
        try:
            if entry.get("kind") == RESULT_KIND:
                if entry["study_name"] == study_name:
                    records[int(entry["job"])] = entry
            elif entry["study"] == study_name:
                mapping[int(entry["job"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    return mapping, records


def read_trial_records(sweep_dir: str, study_name: str | None = None) -> dict[int, dict[str, Any]]:
    """``job number -> result`` of the trials an Optuna sweep in ``sweep_dir`` ran (the last result of
    a job wins: a re-run replaces the interrupted one).  A result holds ``study_name``, ``number``,
    ``run_dir``, ``state``, ``params``, ``values``, ``value`` (single objective), ``fixed_params`` and
    ``error``; ``study_name`` keeps only that study's trials."""
    records: dict[int, dict[str, Any]] = {}
    for entry in _lines(sweep_dir):
        try:
            if entry.get("kind") == RESULT_KIND and study_name in (None, entry["study_name"]):
                records[int(entry["job"])] = entry
        except (ValueError, KeyError, TypeError):
            continue
    return records


class TrialMapWriter:
    """Appends lines to a sweep dir's trial map, the file opened once per sweep.

    ``append(..., flush=True)`` hands the lines to the OS at once: a killed sweep loses nothing it
    had written (the asked lines must be there before the jobs start).  Result lines may wait in the
    buffer until the next flush -- the next batch's asked lines, ``close``, or the interpreter's exit --
    so a batch costs one write: every write to a file just before the study's next ``fsync`` adds that
    file's inode to the disk's journal commit, which costs Optuna's own syncs wall time.
    """

    def __init__(self, sweep_dir: str) -> None:
        self.path = os.path.join(sweep_dir, TRIALS_FILE)
        self._file: Any = None

    def append(self, entries: Sequence[dict[str, Any]], *, flush: bool = True) -> None:
        self.append_text("".join(_ENCODER.encode(entry) + "\n" for entry in entries), flush=flush)

    def append_text(self, lines: str, *, flush: bool = True) -> None:
        """Append already-encoded lines (each ending with a newline)."""
        if self._file is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
            # A sweep stopped by an error never reaches close(): closed (and flushed) when the
            # writer goes, or at exit.
            weakref.finalize(self, self._file.close)
            # The leading newline ends a line a kill may have cut short (blank lines are skipped).
            lines = "\n" + lines
        self._file.write(lines)
        if flush:
            self._file.flush()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
