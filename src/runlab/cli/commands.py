"""The ``runlab`` subcommands: thin adapters from parsed arguments to runlab.tracking."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runlab.cli import EXIT_EMPTY, EXIT_MISSING_EXTRA, EXIT_NO_DATA, EXIT_OK, EXIT_USAGE
from runlab.cli.output import emit
from runlab.tracking.index_journal import index_exists
from runlab.tracking.model import RunList
from runlab.tracking.query import QueryError, parse_since, select
from runlab.tracking.store import RunIndex, default_index_path

__all__ = ["run_command"]


class CommandError(Exception):
    """A user-facing failure: message and exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _find_index(args: argparse.Namespace) -> Path:
    """``--index``, ``$RUNLAB_INDEX``, or the nearest ``.runlab/index.db`` from the cwd upwards
    (so ``runlab runs`` works from a subdirectory of the launch dir, as ``git`` does)."""
    if args.index:
        return Path(args.index)
    path = default_index_path()
    if index_exists(path) or os.environ.get("RUNLAB_INDEX"):
        return path
    for parent in Path.cwd().parents:
        candidate = parent / ".runlab" / "index.db"
        if index_exists(candidate):
            return candidate
    return path


def _open_index(args: argparse.Namespace, *, must_exist: bool = True) -> RunIndex:
    path = _find_index(args) if must_exist else (
        Path(args.index) if args.index else default_index_path())
    if must_exist and not index_exists(path):
        raise CommandError(
            f"runlab: no run index at {path}: run `runlab index [DIR]` to build it from run "
            "directories (or set RUNLAB_INDEX / --index)", EXIT_NO_DATA)
    return RunIndex(path)


def _split(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


def _no_runs_match(args: argparse.Namespace, target: str | None,
                   default_status: list[str] | None) -> CommandError:
    """"Nothing matched" naming every selector in force, the implicit status filter included:
    that default (``completed`` for compare and plot) is the usual reason a sweep seems empty."""
    selectors = [f"sweep {target!r}"] if target else []
    selectors += [f"--where {where}" for where in getattr(args, "where", None) or []]
    status = getattr(args, "status", None) or default_status
    if status:
        selectors.append(f"--status {','.join(status)}")
    if getattr(args, "since", None):
        selectors.append(f"--since {args.since}")
    scope = ", ".join(selectors) or "the index"
    return CommandError(f"runlab {args.command}: no runs match {scope}", EXIT_EMPTY)


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def _select(index: RunIndex, args: argparse.Namespace, *, sweep: str | None,
            default_status: list[str] | None = None, sort: str | None = None,
            limit: int | None = None, with_overrides: bool = True) -> RunList:
    from functools import partial

    from runlab.tracking.resolve import resolve_sweep

    sweep_ids = [resolve_sweep(index, sweep)] if sweep else None
    load = index.query if with_overrides else partial(index.query, with_overrides=False)
    return select(load, sweep_ids=sweep_ids, where=args.where,
                  status=args.status or default_status, since=args.since, sort=sort, limit=limit)


# -- runs ----------------------------------------------------------------------------------------
def cmd_runs(args: argparse.Namespace) -> int:
    with _open_index(args) as index:
        found = _select(index, args, sweep=args.sweep, sort=args.sort, limit=args.limit)
    params, metrics = found.param_keys(), found.metric_keys()
    headers = ["run_id", "sweep", "job", "status", "start", "duration", *params,
               *(m if m not in params else f"metric.{m}" for m in metrics)]
    machine = args.output in ("json", "csv")
    rows = []
    for run in found:
        start: Any = run.start if machine else _when(run.start)
        rows.append([run.run_id, run.sweep_id, run.job_num, run.status, start,
                     run.duration, *(run.params.get(p) for p in params),
                     *(run.metrics.get(m) for m in metrics)])
    emit(headers, rows, args.output, title=f"{len(found)} runs")
    return EXIT_OK if found else EXIT_EMPTY


# -- show ----------------------------------------------------------------------------------------
def cmd_show(args: argparse.Namespace) -> int:
    from runlab.tracking.records import format_log_entry, read_log_tail, read_record
    from runlab.tracking.resolve import resolve_run

    run_dir = _resolve_run_dir(args, args.run, resolve_run)
    record = read_record(run_dir)
    if record is None:
        raise CommandError(f"runlab: {run_dir} has no readable .runlab/run.json", EXIT_NO_DATA)
    tail = read_log_tail(run_dir, args.log_lines)
    if args.output == "json":
        data = record.to_json()
        data["log_tail"] = tail
        print(json.dumps(data, indent=2, default=str))
        return EXIT_OK
    out = sys.stdout
    git = record.git or {}
    facts = [
        ("run", record.run_id), ("dir", record.run_dir), ("status", record.status),
        ("sweep", f"{record.sweep_id} job {record.job_num}" if record.sweep_id else "-"),
        ("start", _when(record.start)), ("end", _when(record.end)),
        ("duration", f"{record.duration:.3f}s" if record.duration is not None else "-"),
        ("host", f"{record.host} pid {record.pid}"),
        ("python", record.python.get("version", "-")),
        ("git", (f"{git.get('commit', '-')}" + (" (dirty, diff sha256 "
                 f"{str(git.get('diff_sha256'))[:12]})" if git.get("dirty") else ""))
         if git else "-"),
        ("command", " ".join(record.command_line)),
        ("overrides", " ".join(record.overrides) or "-"),
        ("choices", ", ".join(f"{k}={v}" for k, v in record.choices.items()) or "-"),
    ]
    width = max(len(k) for k, _v in facts)
    for key, value in facts:
        out.write(f"{key.ljust(width)}  {value}\n")
    out.write("\nconfig (key = value  <- origin):\n")
    for key, value in record.config_flat.items():
        origin = record.origins.get(key)
        shown = value if isinstance(value, str) else json.dumps(value)
        out.write(f"  {key} = {shown}" + (f"  <- {origin}" if origin else "") + "\n")
    if record.metric_summaries or record.metrics:
        out.write("\nmetrics:\n")
        rows = []
        for name, final in record.metrics.items():
            summary = record.metric_summaries.get(name, {})
            rows.append([name, final, summary.get("min"), summary.get("max"),
                         summary.get("count"), summary.get("last_step")])
        emit(["metric", "final", "min", "max", "points", "last step"], rows,
             "plain" if args.output == "plain" else args.output)
    if record.error:
        out.write(f"\nerror: {record.error}\n")
        if record.traceback:
            out.write(record.traceback.rstrip() + "\n")
    if tail:
        out.write(f"\nlog (last {len(tail)} lines):\n")
        for entry in tail:
            out.write("  " + format_log_entry(entry) + "\n")
    return EXIT_OK


def _resolve_run_dir(args: argparse.Namespace, text: str, resolve: Callable[..., str]) -> str:
    from runlab.tracking.records import read_record

    if os.path.isdir(text) and read_record(text) is not None:
        return os.path.abspath(text)
    with _open_index(args) as index:
        return resolve(index, text)


# -- compare -------------------------------------------------------------------------------------
def _comparison(args: argparse.Namespace, found: RunList) -> Any:
    from runlab.tracking.compare import compare_runs, pick_metric

    metric = args.metric or pick_metric(found)
    if metric is None:
        raise CommandError(f"runlab {args.command}: the selected runs have no metrics to compare",
                           EXIT_EMPTY)
    if not any(metric in r.metrics for r in found):
        known = sorted({m for r in found for m in r.metrics})
        raise CommandError(f"runlab {args.command}: no selected run has metric {metric!r}; "
                           f"known metrics: {', '.join(known) or 'none'}", EXIT_EMPTY)
    return compare_runs(found, metric, by=_split(args.by), over=_split(args.over),
                        mode=args.mode)


def _sweep_runs(args: argparse.Namespace, target: str | None, default_status: list[str] | None,
                *, with_overrides: bool = True) -> RunList:
    """The runs a command works on: a sweep directory is read directly (the directories are the
    truth, no index needed); anything else goes through the index."""
    if target and os.path.isdir(target):
        # ``report`` has no filter options: its namespace lacks them.
        return select(_directory_loader(target), where=getattr(args, "where", []),
                      status=getattr(args, "status", None) or default_status,
                      since=getattr(args, "since", None), sweep_ids=["(directory)"])
    with _open_index(args) as index:
        return _select(index, args, sweep=target or args.sweep, default_status=default_status,
                       with_overrides=with_overrides)


def _directory_loader(target: str) -> Callable[..., RunList]:
    """A ``RunIndex.query``-shaped loader over the records under ``target``."""
    from runlab.tracking.summary import load_sweep

    runs = load_sweep(target)

    def load(*, statuses: list[str] | None = None, since: float | None = None,
             **_ignored: Any) -> RunList:
        return RunList(r for r in runs if (statuses is None or r.status in statuses)
                       and (since is None or (r.start or 0.0) >= since))

    return load


def cmd_compare(args: argparse.Namespace) -> int:
    from runlab.tracking.tables import comparison_rows

    found = _sweep_runs(args, args.target, ["completed"], with_overrides=False)
    if not found:
        raise _no_runs_match(args, args.target or args.sweep, ["completed"])
    comparison = _comparison(args, found)
    headers, rows = comparison_rows(comparison)
    if args.output in ("json", "csv"):
        headers = [*comparison.by, "n", "mean", "std", "min", "max", "best"]
        rows = [[*(v for _k, v in r.params), r.n, r.mean, r.std, r.min, r.max, r.best]
                for r in comparison.rows]
    over = f", over {', '.join(comparison.over)}" if comparison.over else ""
    title = (f"{comparison.metric} ({comparison.mode}) by {', '.join(comparison.by) or '-'}"
             f"{over}: {comparison.runs} runs")
    emit(headers, rows, args.output, title=title, highlight=[r.best for r in comparison.rows])
    return EXIT_OK


# -- diff ----------------------------------------------------------------------------------------
def cmd_diff(args: argparse.Namespace) -> int:
    from runlab.tracking.diff import diff_records, format_value
    from runlab.tracking.records import read_record
    from runlab.tracking.resolve import resolve_run

    left_dir = _resolve_run_dir(args, args.left, resolve_run)
    right_dir = _resolve_run_dir(args, args.right, resolve_run)
    left, right = read_record(left_dir), read_record(right_dir)
    if left is None or right is None:
        unreadable = left_dir if left is None else right_dir
        raise CommandError(f"runlab diff: {unreadable} has no readable .runlab/run.json",
                           EXIT_NO_DATA)
    diff = diff_records(left, right)
    if args.output == "json":
        print(json.dumps(diff.to_json(), indent=2, default=str))
        return EXIT_OK
    headers = ["key", left.run_id, right.run_id, "kind"]
    rows: list[list[Any]] = [[f"{g.group} (group)", g.left, g.right,
                              f"group change ({len(g.keys)} keys)"] for g in diff.groups]
    rows += [[v.key, format_value(v.left, v.left_present), format_value(v.right, v.right_present),
              "value"] for v in diff.values]
    if args.output == "csv":
        emit(headers, rows, "csv")
    elif diff.empty:
        print("configs are identical")
    else:
        emit(headers, rows, args.output, title=f"diff {left.run_id} -> {right.run_id}")
        for group in diff.groups:
            if group.keys:
                print(f"  {group.group}: {group.left} -> {group.right} changes "
                      f"{', '.join(group.keys)}")
    return EXIT_OK


# -- plot / report -------------------------------------------------------------------------------
def cmd_plot(args: argparse.Namespace) -> int:
    from runlab.tracking import plots
    from runlab.tracking.compare import default_over, pick_metric, varying_params

    output = Path(args.output_file)
    if output.suffix.lower() not in (".png", ".html"):
        raise CommandError(f"runlab plot: -o {output}: expected a .png or .html file", EXIT_USAGE)
    if args.kind == "steps":
        found = _steps_runs(args)
        metric = args.metric or _first_logged_metric(found)
        figure = plots.steps_figure(found, metric)
    else:
        target = args.targets[0] if args.targets else None
        found = _sweep_runs(args, target, ["completed"])
        if not found:
            raise _no_runs_match(args, target or args.sweep, ["completed"])
        metric = args.metric or pick_metric(found)
        if metric is None:
            raise CommandError(f"runlab plot {args.kind}: the selected runs have no metrics",
                               EXIT_EMPTY)
        if args.kind == "param":
            varying = varying_params(found)
            over = _split(args.over) or list(default_over(varying))
            param = args.param or next((k for k in varying if k not in over), None)
            if param is None:
                raise CommandError("runlab plot param: no varying param; pass --param",
                                   EXIT_USAGE)
            figure = plots.param_figure(found, metric, param, mode=args.mode)
        else:
            figure = plots.parallel_figure(found, metric)
    plots.write_figure(figure, output)
    print(f"wrote {output}")
    return EXIT_OK


def _steps_runs(args: argparse.Namespace) -> RunList:
    from runlab.tracking.model import run_from_record
    from runlab.tracking.records import read_record
    from runlab.tracking.resolve import resolve_run

    if args.targets:
        runs = []
        for target in args.targets:
            record = read_record(_resolve_run_dir(args, target, resolve_run))
            if record is not None:
                runs.append(run_from_record(record))
        return RunList(runs)
    found = _sweep_runs(args, args.sweep, None)
    if not found:
        raise _no_runs_match(args, args.sweep, None)
    if len(found) > _MAX_STEP_LINES:  # one line per run: beyond this the plot is unreadable
        print(f"runlab plot steps: {len(found)} runs match, plotting the first "
              f"{_MAX_STEP_LINES} (narrow with --sweep/--where or name runs)", file=sys.stderr)
    return RunList(found[:_MAX_STEP_LINES])


_MAX_STEP_LINES = 50


def _first_logged_metric(found: RunList) -> str:
    for run in found:
        names = run.metric_names()
        if names:
            return names[0]
    raise CommandError("runlab plot steps: the runs logged no metric series", EXIT_EMPTY)


def cmd_report(args: argparse.Namespace) -> int:
    from runlab.tracking.report import write_report

    found = _sweep_runs(args, args.target, None) if os.path.isdir(args.target) else None
    if found is None:
        with _open_index(args) as index:
            from runlab.tracking.resolve import resolve_sweep

            sweep_id = resolve_sweep(index, args.target)
            found = index.query(sweep_ids=[sweep_id])
    if not found:
        raise CommandError(f"runlab report: sweep {args.target!r} has no runs", EXIT_EMPTY)
    path = write_report(found, Path(args.output_file), metric=args.metric, mode=args.mode)
    print(f"wrote {path}")
    return EXIT_OK


# -- index ---------------------------------------------------------------------------------------
def cmd_index(args: argparse.Namespace) -> int:
    stale = None
    if args.stale_after:
        import time

        stale = time.time() - parse_since(args.stale_after, option="--stale-after")
    paths = args.paths or [os.getcwd()]
    missing = [p for p in paths if not os.path.isdir(p)]
    if missing:
        raise CommandError(f"runlab index: not a directory: {', '.join(missing)}", EXIT_USAGE)
    with _open_index(args, must_exist=False) as index:
        stats = index.index_paths(paths, rebuild=args.rebuild, prune=args.prune,
                                  stale_after=stale)
        total = index.count()
        where = index.path
    if args.output == "json":
        print(json.dumps({**stats.__dict__, "total": total, "index": str(where)}, indent=2))
    else:
        print(f"indexed {stats.indexed} run dirs ({stats.unchanged} unchanged, {stats.killed} "
              f"marked killed, {stats.removed} pruned) in {stats.seconds:.2f}s; {total} runs in "
              f"{where}")
    return EXIT_OK


def cmd_resume(args: argparse.Namespace) -> int:
    """``runlab resume SWEEP_DIR``: the sweep's own command, resumed; its exit status is ours."""
    from runlab.runtime.multirun import resume_sweep

    if not os.path.isdir(args.sweep_dir):
        raise CommandError(f"runlab resume: '{args.sweep_dir}' is not a directory", EXIT_NO_DATA)
    return resume_sweep(args.sweep_dir)


def cmd_status(args: argparse.Namespace) -> int:
    """``runlab status SWEEP_DIR``: progress read from the sweep directory (works after detach)."""
    from runlab.plugins.remote_status import run_status_command

    return int(run_status_command(args.sweep_dir, as_json=args.json))


_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "runs": cmd_runs, "show": cmd_show, "compare": cmd_compare, "diff": cmd_diff,
    "plot": cmd_plot, "report": cmd_report, "index": cmd_index, "resume": cmd_resume,
    "status": cmd_status,
}


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; user errors become a one-line message and an exit code."""
    handler = _COMMANDS.get(args.command) or getattr(args, "handler", None)
    if handler is None:
        print(f"runlab: unknown command {args.command!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args))
    except CommandError as error:
        print(str(error), file=sys.stderr)
        return error.code
    except QueryError as error:
        print(f"runlab {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE if "no sweep" not in str(error) and "no run" not in str(error) \
            else EXIT_EMPTY
    except ImportError as error:
        print(f"runlab {args.command}: {error}", file=sys.stderr)
        return EXIT_MISSING_EXTRA
    except sqlite3.DatabaseError as error:
        print(f"runlab {args.command}: cannot read the run index {_find_index(args)}: {error}",
              file=sys.stderr)
        return EXIT_NO_DATA
