"""The compare table the runtime prints at the end of every multirun."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TextIO

from runlab.tracking.compare import best_rows, default_mode, pick_metric_name
from runlab.tracking.model import RunList, records_to_runs
from runlab.tracking.records import RunRecord, find_run_dirs, read_record
from runlab.tracking.sweep_columns import SweepColumns
from runlab.tracking.tables import comparison_table

__all__ = ["SHOWN_ROWS", "load_sweep", "print_sweep_summary", "sweep_summary"]

SHOWN_ROWS = 30
"""Rows of the compare table printed after a sweep (the best ones; ``runlab compare`` shows all)."""


def load_sweep(
    sweep_dir_or_id: str | os.PathLike[str], run_dirs: Iterable[str] | None = None
) -> RunList:
    """The runs of a sweep, read from its directory (no index needed) or looked up by id.

    ``run_dirs`` keeps only those directories: a sweep started into a directory an earlier sweep
    used (two multiruns in the same second share Hydra's default timestamped directory) reports
    its own jobs, not the other's leftovers.
    """
    target = os.fspath(sweep_dir_or_id)
    if os.path.isdir(target):
        # A generator: each full record (config text, origins, environment) becomes its small
        # Run view at once, so the records of a big sweep are never all in memory.
        return records_to_runs(record for _run_dir, record in _records(target, run_dirs))
    from runlab.tracking.query import runs

    return runs(target)


_MAX_NUM_SEEN = 1 << 24
"""Job numbers remembered when reading a sweep's own job dirs (a byte each): past that, a number is
not checked for repeats."""


def _records(target: str, run_dirs: Iterable[str] | None) -> Iterator[tuple[str, RunRecord]]:
    """``(run dir, record)`` of every run under ``target``, or of the sweep's own jobs when their
    directories are given: those are read as they come, so neither a listing of the sweep dir nor
    a set of its jobs is held.  Jobs that shared a directory (a ``hydra.sweep.subdir`` without the
    job number) left one record there, shown once as a walk of the sweep dir shows it: a byte per
    job number remembers which were read."""
    if run_dirs is None:
        for run_dir in find_run_dirs(target):
            record = read_record(run_dir)
            if record is not None:
                yield run_dir, record
        return
    seen = bytearray()
    for given in run_dirs:
        run_dir = os.path.abspath(given)
        record = read_record(run_dir)
        if record is None:
            continue
        num = record.job_num
        if num is not None and 0 <= num < _MAX_NUM_SEEN:
            if num < len(seen) and seen[num]:
                continue
            if num >= len(seen):
                seen.extend(bytes(num + 1 - len(seen)))
            seen[num] = 1
        yield run_dir, record


def _columns(sweep_dir_or_id: str | os.PathLike[str], run_dirs: Iterable[str] | None
             ) -> SweepColumns:
    """The sweep's runs as columns, one record in memory at a time (see ``sweep_columns``)."""
    target = os.fspath(sweep_dir_or_id)
    columns = SweepColumns()
    try:
        if os.path.isdir(target):
            for run_dir, record in _records(target, run_dirs):
                columns.add(record, run_dir)
            return columns
        from runlab.tracking.query import runs

        for run in runs(target):
            columns.add(run, run.run_dir)
        return columns
    except BaseException:
        columns.close()
        raise


def sweep_summary(
    sweep_dir_or_id: str | os.PathLike[str], run_dirs: Iterable[str] | None = None
) -> str:
    """The text :func:`print_sweep_summary` prints.

    The table is the one ``runlab compare`` shows (``compare_runs`` over the completed runs), cut
    to its :data:`SHOWN_ROWS` best rows: the rest is one command away, and a 5,000-job sweep
    should not end with 5,000 lines.  Memory stays the same however big the sweep: the runs are
    read one at a time into a scratch database (``SweepColumns``).
    """
    with _columns(sweep_dir_or_id, run_dirs) as columns:
        return _summary_text(sweep_dir_or_id, columns)


def _summary_text(sweep_dir_or_id: str | os.PathLike[str], columns: SweepColumns) -> str:
    total = sum(columns.counts.values())
    if not total:
        return f"[runlab] no run records under {os.fspath(sweep_dir_or_id)}"
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(columns.counts.items()))
    sweep_id = columns.sweep_id or os.fspath(sweep_dir_or_id)
    lines = [f"[runlab] sweep {sweep_id}: {total} runs ({status_text})"]
    metric = pick_metric_name(columns.metric_names())
    if metric is None:
        lines.append("[runlab] no metrics recorded (return a number or a dict, or call "
                     "runlab.log_metrics)")
    else:
        by, over = columns.choose_keys()
        shown, all_rows = best_rows(columns.groups(by, metric), metric=metric,
                                    mode=default_mode(metric), by=by, over=over, limit=SHOWN_ROWS)
        over_text = f", aggregated over {', '.join(shown.over)}" if shown.over else ""
        lines.append(f"[runlab] {metric} ({shown.mode}){over_text}")
        lines.append(comparison_table(shown))
        hidden = all_rows - len(shown.rows)
        if hidden > 0:
            lines.append(f"[runlab] {hidden} more rows (best first): runlab compare {sweep_id}")
    for job_num, status, overrides, error in columns.failures_in_job_order():
        lines.append(f"[runlab] job {job_num} {status} ({overrides}): {error}")
    lines.append(f"[runlab] details: runlab compare {sweep_id}")
    return "\n".join(lines)


def print_sweep_summary(
    sweep_dir_or_id: str | os.PathLike[str],
    stream: TextIO,
    run_dirs: Iterable[str] | None = None,
) -> None:
    """Print the sweep's compare table to ``stream``; never raises (a summary must not fail a sweep)."""
    try:
        text = sweep_summary(sweep_dir_or_id, run_dirs)
    except Exception as error:  # noqa: BLE001 - the sweep already ran; report and move on
        text = f"[runlab] could not summarise sweep {os.fspath(sweep_dir_or_id)}: {error}"
    stream.write(text + "\n")
    stream.flush()
