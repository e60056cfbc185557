"""The dashboard's HTML pages: sweeps, runs, one sweep, one run, a diff, a run's files.

Handlers are synchronous on purpose: they read SQLite and files, and Starlette runs sync handlers in
its thread pool, so a slow disk never blocks the event loop.  Every id in a URL is looked up in the
index; an unknown one is a 404 page, never a traceback.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from runlab.tracking.compare import CompareRow, Comparison, compare_runs, pick_metric
from runlab.tracking.diff import diff_records
from runlab.tracking.environment import host_name, pid_alive
from runlab.tracking.model import Run, RunList
from runlab.tracking.query import QueryError
from runlab.tracking.records import STATUSES, RunRecord
from runlab.web.data import Dashboard, RunFilter
from runlab.web.files import list_files, safe_path
from runlab.web.logs import LEVELS, read_log

__all__ = ["diff_page", "live_status", "run_file", "run_live", "run_page", "runs_page",
           "sweep_live", "sweep_page", "sweeps_page"]

PAGE_SIZE = 50
MAX_COMPARE_ROWS = 100
MAX_LINKED_RUNS = 6
MAX_LISTED_JOBS = 500
MAX_COLUMNS = 8
_ROW_SORTS = ("mean", "std", "min", "max", "n", "missing")


def _dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, name, context, status_code=status)
    return response


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _split(text: str | None) -> list[str] | None:
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    return parts or None


# -- listings ------------------------------------------------------------------------------------
def sweeps_page(request: Request) -> Response:
    flt = _run_filter(request)
    error = None
    try:
        page = _dashboard(request).sweeps(
            text=flt.text, since=flt.since, until=flt.until, statuses=flt.statuses,
            where=flt.where, page=_page_number(request), size=PAGE_SIZE)
    except QueryError as exc:
        error, page = str(exc), None
    return _render(request, "sweeps.html", {
        "page": page, "flt": flt, "where_text": "; ".join(flt.where), "statuses": STATUSES,
        "filtered": bool(flt.text or flt.since or flt.until or flt.statuses or flt.where),
        "error": error, "nav": "sweeps"}, status=400 if error else 200)


def _run_filter(request: Request) -> RunFilter:
    query = request.query_params
    where = tuple(w.strip() for w in query.getlist("where") for w in w.split(";") if w.strip())
    return RunFilter(
        text=query.get("q", "").strip(),
        statuses=tuple(s for s in query.getlist("status") if s),
        where=where,
        since=query.get("since", "").strip(),
        until=query.get("until", "").strip(),
        sweep=query.get("sweep", "").strip(),
        sort=query.get("sort", "").strip(),
    )


def _columns(runs: Sequence[Run]) -> tuple[list[str], list[str]]:
    listed = RunList(runs)
    return listed.param_keys()[:MAX_COLUMNS], listed.metric_keys()[:MAX_COLUMNS]


def runs_page(request: Request) -> Response:
    flt = _run_filter(request)
    error = None
    try:
        page = _dashboard(request).runs(flt, page=_page_number(request), size=PAGE_SIZE)
    except QueryError as exc:
        error, page = str(exc), None
    params, metrics = _columns(page.items if page else [])
    return _render(request, "runs.html", {
        "page": page, "flt": flt, "where_text": "; ".join(flt.where), "statuses": STATUSES,
        "params": params, "metrics": metrics, "error": error, "nav": "runs",
    }, status=400 if error else 200)


# -- one sweep -----------------------------------------------------------------------------------
def _sorted_rows(comparison: Comparison, key: str, descending: bool) -> list[CompareRow]:
    rows = list(comparison.rows)
    if key in _ROW_SORTS:
        present = [r for r in rows if getattr(r, key) is not None]
        absent = [r for r in rows if getattr(r, key) is None]
        present.sort(key=lambda r: getattr(r, key), reverse=descending)
        return present + absent
    if key in comparison.by:
        def as_key(row: CompareRow) -> tuple[int, float, str]:
            text = row.param(key)
            try:
                return (0, float(text), "")
            except ValueError:
                return (1, 0.0, text)

        rows.sort(key=as_key, reverse=descending)
    return rows


@dataclass(frozen=True)
class RowView:
    """A compare row as the template prints it (cells computed once, not per Jinja call)."""

    cells: tuple[str, ...]
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    n: int
    missing: int
    run_ids: tuple[str, ...]
    best: bool


def _row_view(row: CompareRow, by: Sequence[str]) -> RowView:
    values = dict(row.params)
    return RowView(cells=tuple(values.get(k, "-") for k in by), mean=row.mean, std=row.std,
                   min=row.min, max=row.max, n=row.n, missing=row.missing,
                   run_ids=row.run_ids[:MAX_LINKED_RUNS + 1], best=row.best)


def sweep_view(request: Request, sweep_id: str) -> dict[str, Any]:
    """Everything the sweep page and its live fragment show (404 for an unknown sweep)."""
    dashboard = _dashboard(request)
    summary = dashboard.sweep(sweep_id)
    if summary is None:
        raise HTTPException(404, f"no sweep {sweep_id!r} in the index")
    query = request.query_params
    runs = dashboard.sweep_runs(sweep_id, summary.version)
    completed = [r for r in runs if r.status == "completed"]
    metrics = RunList(completed).metric_keys()
    wanted = query.get("metric", "")
    metric = wanted if wanted in metrics else pick_metric(completed)
    mode = query.get("mode") if query.get("mode") in ("min", "max") else None
    by, over = _split(query.get("by")), _split(query.get("over"))
    comparison = dashboard.cached(
        ("compare", sweep_id, summary.version, metric, mode, tuple(by or ()) if by else None,
         tuple(over) if over else None),
        lambda: compare_runs(completed, metric, by=by, over=over, mode=mode) if metric else None)
    sort_key = query.get("sort", "")
    descending = query.get("desc") == "1"
    rows = _sorted_rows(comparison, sort_key, descending) if comparison else []
    show_all = query.get("rows") == "all"
    shown = rows if show_all else rows[:MAX_COMPARE_ROWS]
    by_keys = comparison.by if comparison else ()
    return {
        "summary": summary, "sweep_id": sweep_id, "completed": completed, "metric": metric,
        "metrics": metrics, "metric_missing": bool(wanted) and wanted not in metrics,
        "wanted_metric": wanted, "mode": mode, "by_text": query.get("by", ""),
        "over_text": query.get("over", ""), "comparison": comparison,
        "best_rows": comparison.rows[:5] if comparison else (),
        "rows": [_row_view(row, by_keys) for row in shown],
        "rows_hidden": len(rows) - len(shown), "sort": sort_key, "desc": descending,
        "max_linked": MAX_LINKED_RUNS,
        "failed": dashboard.with_overrides(
            [r for r in runs if r.status in ("failed", "killed")][:MAX_LISTED_JOBS]),
        "failed_count": sum(1 for r in runs if r.status in ("failed", "killed")),
        "running": dashboard.with_overrides(
            [r for r in runs if r.status == "running"][:MAX_LISTED_JOBS]),
        "nav": "sweeps",
    }


def sweep_page(request: Request) -> Response:
    return _render(request, "sweep.html", sweep_view(request, request.path_params["sweep_id"]))


def sweep_live(request: Request) -> Response:
    """The part of the sweep page that changes while it runs (fetched by the page's poller)."""
    return _render(request, "sweep_live.html",
                   sweep_view(request, request.path_params["sweep_id"]))


# -- one run -------------------------------------------------------------------------------------
def _run_and_record(request: Request, run_id: str) -> tuple[Run, RunRecord]:
    dashboard = _dashboard(request)
    run = dashboard.run(run_id)
    record = dashboard.record(run_id) if run is not None else None
    if run is None or record is None:
        raise HTTPException(404, f"no run {run_id!r} in the index")
    return run, record


def live_status(record: RunRecord) -> str:
    """The status to show: a ``running`` record whose process is gone from this host is ``killed``.

    Read-only on purpose (the dashboard never rewrites a record); ``runlab index`` settles it.
    """
    if record.status != "running" or not record.pid or record.host != host_name():
        return record.status
    return "running" if pid_alive(record.pid, record.pid_started) else "killed"


def run_version(record: RunRecord, status: str) -> str:
    """Changes whenever the run's record, metrics or log file changes (size or mtime), or its status.

    The page carries the version it was built from, so its poller misses nothing written between
    the page and its first poll.
    """
    from runlab.tracking.records import LOG_FILE, METRICS_FILE, RECORD_DIR, RECORD_FILE

    stamps = [status]
    for name in (RECORD_FILE, METRICS_FILE, LOG_FILE):
        try:
            stat = os.stat(os.path.join(record.run_dir, RECORD_DIR, name))
            stamps.append(f"{stat.st_size}.{stat.st_mtime_ns}")
        except OSError:
            stamps.append("-")
    return ":".join(stamps)


def _metric_summaries(record: RunRecord) -> dict[str, Any]:
    """The record's summaries, or -- while it runs, or if it died -- those of its metrics file."""
    if record.metric_summaries:
        return dict(record.metric_summaries)
    from dataclasses import asdict

    from runlab.tracking.metrics import summarize_metrics_file
    from runlab.tracking.records import METRICS_FILE, RECORD_DIR

    path = os.path.join(record.run_dir, RECORD_DIR, METRICS_FILE)
    if not os.path.isfile(path):
        return {}
    return {name: asdict(s) for name, s in summarize_metrics_file(path).items()}


def _run_parts(request: Request, record: RunRecord) -> dict[str, Any]:
    """What the parts that change while a run runs need (the page and its live fragment)."""
    query = request.query_params
    log_text, log_level = query.get("log_q", ""), query.get("level", "").upper()
    status = live_status(record)
    return {
        "record": record, "status": status, "version": run_version(record, status),
        "summaries": _metric_summaries(record),
        "log": read_log(record.run_dir, text=log_text, level=log_level),
        "log_q": log_text, "level": log_level if log_level in LEVELS else "", "levels": LEVELS,
    }


def run_page(request: Request) -> Response:
    run_id = request.path_params["run_id"]
    run, record = _run_and_record(request, run_id)
    dashboard = _dashboard(request)
    summary = dashboard.sweep(run.sweep_id) if run.sweep_id else None
    siblings = dashboard.sweep_runs(summary.sweep_id, summary.version) if summary else []
    files, files_truncated = list_files(record.run_dir)
    return _render(request, "run.html", {
        "run": run, **_run_parts(request, record),
        "siblings": [r for r in siblings if r.run_id != run.run_id][:500],
        "files": files, "files_truncated": files_truncated, "nav": "runs",
    })


def run_live(request: Request) -> Response:
    """The parts of the run page that change while it runs (fetched by the page's poller)."""
    _run, record = _run_and_record(request, request.path_params["run_id"])
    return _render(request, "run_live.html", _run_parts(request, record))


def diff_page(request: Request) -> Response:
    run_id = request.path_params["run_id"]
    _run, left = _run_and_record(request, run_id)
    other = request.query_params.get("other", "").strip()
    if not other:
        raise HTTPException(404, "choose a run to compare with (?other=RUN_ID)")
    _other_run, right = _run_and_record(request, other)
    return _render(request, "diff.html", {"left": left, "right": right,
                                          "diff": diff_records(left, right), "nav": "runs"})


def run_file(request: Request) -> Response:
    """A file of a run directory, as plain text or a download, never anything outside it."""
    run_id = request.path_params["run_id"]
    run_dir = _dashboard(request).run_dir(run_id)
    if run_dir is None:
        raise HTTPException(404, f"no run {run_id!r} in the index")
    path = safe_path(run_dir, request.path_params["path"])
    if path is None:
        raise HTTPException(404, "no such file in this run's directory")
    guessed = mimetypes.guess_type(path.name)[0] or ""
    textual = guessed.startswith("text/") or path.suffix in (".yaml", ".yml", ".json", ".jsonl",
                                                             ".log", ".txt", ".csv", ".py", "")
    if textual:
        return FileResponse(path, media_type="text/plain; charset=utf-8")
    return FileResponse(path, media_type="application/octet-stream", filename=path.name)
