"""The compare table the runtime prints at the end of every multirun."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, TextIO

from runlab.tracking.compare import compare_runs, pick_metric
from runlab.tracking.model import (
    Run,
    RunList,
    records_to_runs,
    run_from_record,
    runs_in_job_order,
)
from runlab.tracking.records import RunRecord, find_run_dirs, read_record
from runlab.tracking.tables import comparison_table

__all__ = ["load_sweep", "print_sweep_summary", "sweep_summary"]


def load_sweep(
    sweep_dir_or_id: str | os.PathLike[str],
    run_dirs: Iterable[str] | None = None,
    *,
    for_table: bool = False,
) -> RunList:
    """The runs of a sweep, read from its directory (no index needed) or looked up by id.

    ``run_dirs`` keeps only those directories: a sweep started into a directory an earlier sweep
    used (two multiruns in the same second share Hydra's default timestamped directory) reports
    its own jobs, not the other's leftovers.  ``for_table`` keeps only what a compare table needs
    (see :func:`_table_runs`).
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
        return _table_runs(records) if for_table else records_to_runs(records)
    from runlab.tracking.query import runs

    return runs(target)


def _table_runs(records: Iterable[RunRecord]) -> RunList:
    """Run views trimmed for a compare table, so that summarising a big sweep stays small.

    A table needs each run's params, group choices and metrics, not its flattened config, which is
    only asked for a param a run did not override while others did.  Runs of a sweep nearly always
    override the same keys; those that do not get their full view back at the end.  Equal choices
    (the ``hydra/*`` groups of every job, say) are one shared mapping.
    """
    shared: dict[Any, Mapping[str, Any]] = {}
    runs: list[Run] = []
    for record in records:
        run = run_from_record(record)
        try:
            choices = shared.setdefault(tuple(run.choices.items()), run.choices)
        except TypeError:  # a list-valued choice: not hashable, not shared
            choices = run.choices
        runs.append(replace(run, config_flat=None, choices=choices))
    keys = RunList(runs).param_keys()
    for i, run in enumerate(runs):
        if any(key not in run.params for key in keys):
            full = read_record(run.run_dir)
            if full is not None:
                runs[i] = run_from_record(full)
    return runs_in_job_order(runs)


def sweep_summary(
    sweep_dir_or_id: str | os.PathLike[str], run_dirs: Iterable[str] | None = None
) -> str:
    """The text :func:`print_sweep_summary` prints."""
    found = load_sweep(sweep_dir_or_id, run_dirs, for_table=True)
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
