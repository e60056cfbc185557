"""The compare table the runtime prints at the end of every multirun."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TextIO

from runlab.tracking.compare import compare_runs, pick_metric
from runlab.tracking.model import RunList, records_to_runs
from runlab.tracking.records import find_run_dirs, read_record
from runlab.tracking.tables import comparison_table

__all__ = ["load_sweep", "print_sweep_summary", "sweep_summary"]


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
        found_dirs: Iterable[str] = find_run_dirs(target)
        if run_dirs is not None:
            wanted = {os.path.abspath(d) for d in run_dirs}
            found_dirs = [d for d in found_dirs if os.path.abspath(d) in wanted]
        # A generator: each full record (config text, origins, environment) becomes its small
        # Run view at once, so a 10,000-job sweep never holds all its records in memory.
        records = (r for r in (read_record(d) for d in found_dirs) if r is not None)
        return records_to_runs(records)
    from runlab.tracking.query import runs

    return runs(target)


def sweep_summary(
    sweep_dir_or_id: str | os.PathLike[str], run_dirs: Iterable[str] | None = None
) -> str:
    """The text :func:`print_sweep_summary` prints."""
    found = load_sweep(sweep_dir_or_id, run_dirs)
    if not found:
        return f"[runlab] no run records under {os.fspath(sweep_dir_or_id)}"
    counts: dict[str, int] = {}
    for run in found:
        counts[run.status] = counts.get(run.status, 0) + 1
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    sweep_id = found[0].sweep_id or os.fspath(sweep_dir_or_id)
    lines = [f"[runlab] sweep {sweep_id}: {len(found)} runs ({status_text})"]
    completed = RunList(r for r in found if r.status == "completed")
    metric = pick_metric(completed)
    if metric is None:
        lines.append("[runlab] no metrics recorded (return a number or a dict, or call "
                     "runlab.log_metrics)")
    else:
        comparison = compare_runs(completed, metric)
        over = f", aggregated over {', '.join(comparison.over)}" if comparison.over else ""
        lines.append(f"[runlab] {metric} ({comparison.mode}){over}")
        lines.append(comparison_table(comparison))
    for run in found:
        if run.status in ("failed", "killed"):
            overrides = " ".join(run.overrides)
            lines.append(f"[runlab] job {run.job_num} {run.status} ({overrides}): {run.error}")
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
