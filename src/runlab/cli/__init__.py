"""The ``runlab`` command: list, inspect, compare, plot and report runs.

Only argparse is imported here so ``runlab --help`` stays fast; each command's module is imported
when the command runs.  Exit codes: 0 success, 1 nothing matched, 2 usage error, 3 no index or
unreadable data, 4 an optional package is missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["EXIT_EMPTY", "EXIT_MISSING_EXTRA", "EXIT_NO_DATA", "EXIT_OK", "EXIT_USAGE", "build_parser",
           "main"]

EXIT_OK = 0
EXIT_EMPTY = 1
EXIT_USAGE = 2
EXIT_NO_DATA = 3
EXIT_MISSING_EXTRA = 4

_EPILOG = """exit codes: 0 ok, 1 nothing matched, 2 usage error, 3 no index / unreadable run data,
4 optional package missing (rich, matplotlib, plotly, pandas)"""


def _add_output(parser: argparse.ArgumentParser, *, csv: bool = True) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", dest="output", action="store_const", const="json",
                       help="print JSON instead of a table")
    if csv:
        group.add_argument("--csv", dest="output", action="store_const", const="csv",
                           help="print CSV instead of a table")
    group.add_argument("--plain", dest="output", action="store_const", const="plain",
                       help="plain-text table even when rich is installed")
    parser.set_defaults(output="table")


def _add_filters(parser: argparse.ArgumentParser, *, default_status: Sequence[str] | None = None
                 ) -> None:
    parser.add_argument("--sweep", metavar="S", help="only this sweep (id, unique prefix, "
                        "sweep directory or 'last')")
    parser.add_argument("--where", nargs="+", default=[], metavar="EXPR",
                        help="filters like 'db=mysql' 'loss<0.3' 'lr>=1e-3' 'db=mysql,sqlite' "
                        "(operators = == != < <= > >= ~regex); keys are params, metrics, group "
                        "choices or config keys")
    parser.add_argument("--status", action="append", choices=["running", "completed", "failed",
                        "killed"], default=None,
                        help="only runs with this status (repeatable)"
                        + (f"; default: {', '.join(default_status)}" if default_status else ""))
    parser.add_argument("--since", metavar="AGE", help="only runs started within AGE (30m, 3h, "
                        "2d, 1w) or since an ISO date")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``runlab`` command (tests check each has help)."""
    parser = argparse.ArgumentParser(
        prog="runlab", description="Inspect and compare runs recorded by runlab apps.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--index", metavar="PATH",
                        help="run index database (default: $RUNLAB_INDEX or ./.runlab/index.db)")
    parser.add_argument("--version", action="store_true", help="print runlab's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    runs = sub.add_parser("runs", help="list runs with their swept params and final metrics",
                          description="List runs: one row per run, swept params and final "
                          "metrics as columns.", epilog=_EPILOG)
    _add_filters(runs)
    runs.add_argument("--sort", metavar="KEY", help="sort by a param, metric or field "
                      "(prefix - for descending); default: newest first (job order with --sweep)")
    runs.add_argument("--limit", type=int, metavar="N", help="show at most N runs")
    _add_output(runs)

    show = sub.add_parser("show", help="one run: config with origins, overrides, status, "
                          "metrics, log tail", description="Show everything recorded about a "
                          "run.", epilog=_EPILOG)
    show.add_argument("run", metavar="RUN", help="run id, unique id prefix or run directory")
    show.add_argument("--log-lines", type=int, default=20, metavar="N",
                      help="lines of the job log to show (default 20)")
    _add_output(show, csv=False)

    compare = sub.add_parser(
        "compare", help="aggregate a metric per parameter combination",
        description="One row per parameter combination, the metric aggregated over the other "
        "params (mean, std, min, max, n), best first. Without --by, the params that vary are "
        "found automatically; params named *seed are aggregated over by default.",
        epilog=_EPILOG)
    compare.add_argument("target", nargs="?", metavar="SWEEP",
                         help="sweep id, unique prefix, sweep directory or 'last' (default: all "
                         "runs matching the filters)")
    _add_filters(compare, default_status=["completed"])
    compare.add_argument("--metric", help="metric to compare (default: 'value' or the first "
                         "metric)")
    compare.add_argument("--by", metavar="P1,P2", help="group by these params")
    compare.add_argument("--over", metavar="P1,P2", help="aggregate over these params")
    compare.add_argument("--mode", choices=["min", "max"], help="which end is best (default: "
                         "max for acc/score/reward-like names, else min)")
    _add_output(compare)

    diff = sub.add_parser("diff", help="config differences between two runs",
                          description="Config differences of two runs; a changed config group "
                          "choice is shown as one group change.", epilog=_EPILOG)
    diff.add_argument("left", metavar="A", help="run id, prefix or directory")
    diff.add_argument("right", metavar="B", help="run id, prefix or directory")
    _add_output(diff)

    plot = sub.add_parser(
        "plot", help="plot metrics: over steps, against a param, parallel coordinates",
        description="Write a plot: PNG (matplotlib) or self-contained interactive HTML (plotly, "
        "plotly.js embedded, works offline), chosen by the -o suffix.", epilog=_EPILOG)
    plot.add_argument("kind", choices=["steps", "param", "parallel"],
                      help="steps: metric over steps per run; param: metric vs a param with "
                      "error bars over the other params; parallel: parallel coordinates")
    plot.add_argument("targets", nargs="*", metavar="RUN_OR_SWEEP",
                      help="runs (for steps) or a sweep (param, parallel)")
    _add_filters(plot)
    plot.add_argument("--metric", help="metric to plot (default: the first one)")
    plot.add_argument("--param", help="x axis for 'param' plots (default: first varying param)")
    plot.add_argument("--over", metavar="P1,P2", help="params averaged in 'param' plots "
                      "(default: the seeds)")
    plot.add_argument("--mode", choices=["min", "max"], help="which end is best")
    plot.add_argument("-o", "--output-file", required=True, metavar="FILE",
                      help="output file: .png or .html")

    report = sub.add_parser("report", help="one self-contained HTML report of a sweep",
                            description="Write an offline HTML report: compare table, plots, "
                            "failed jobs with their errors.", epilog=_EPILOG)
    report.add_argument("target", metavar="SWEEP", help="sweep id, prefix, directory or 'last'")
    report.add_argument("-o", "--output-file", default="report.html", metavar="FILE",
                        help="output file (default report.html)")
    report.add_argument("--metric", help="metric to compare (default: the first one)")
    report.add_argument("--mode", choices=["min", "max"], help="which end is best")

    index = sub.add_parser("index", help="(re)build the run index from run directories",
                           description="Index every run directory under PATHS (records in "
                           ".runlab/run.json); marks runs whose process died as killed.",
                           epilog=_EPILOG)
    index.add_argument("paths", nargs="*", metavar="PATH", help="directories to scan "
                       "(default: the current directory)")
    index.add_argument("--rebuild", action="store_true", help="empty the index first")
    index.add_argument("--prune", action="store_true", help="drop runs whose directory is gone")
    index.add_argument("--stale-after", metavar="AGE", help="mark runs of other hosts killed "
                       "when silent this long (e.g. 6h)")
    _add_output(index, csv=False)

    resume = sub.add_parser(
        "resume", help="finish an interrupted multirun in place",
        description="Re-run the command that started SWEEP_DIR's multirun: only the jobs without a "
        "completed record run, with the same numbers and directories; completed jobs are left "
        "untouched.", epilog=_EPILOG)
    resume.add_argument("sweep_dir", metavar="SWEEP_DIR", help="the sweep directory "
                        "(hydra.sweep.dir of the multirun)")

    status = sub.add_parser(
        "status", help="progress of a sweep, also one submitted with detach",
        description="How far a sweep is: jobs completed, failed, running and pending, read from "
        "the sweep directory (and Slurm's accounting for Slurm jobs). Exit 0 when all completed "
        "or still going, 1 when some failed or were killed, 3 when SWEEP_DIR is not a sweep.",
        epilog=_EPILOG)
    status.add_argument("sweep_dir", metavar="SWEEP_DIR", help="the sweep directory")
    status.add_argument("--json", action="store_true", help="print JSON instead of text")

    try:  # the dashboard registers itself (argparse only; its server loads when it runs)
        from runlab.web.cli import add_ui_command
    except ImportError:
        pass
    else:
        add_ui_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``runlab`` script; returns (and exits with) the exit code."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.version:
        from runlab.version import __version__

        print(f"runlab {__version__}")
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from runlab.cli.commands import run_command

    return run_command(args)
