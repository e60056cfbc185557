"""JSON endpoints the pages' scripts fetch: live sweep progress and chart data.

Chart data is fetched after the page is shown rather than embedded in it, so a 10,000-run sweep page
arrives (and becomes usable) before its charts are computed.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from runlab.web import charts as chart_data
from runlab.web.charts import clean_json, run_curves
from runlab.web.data import Dashboard
from runlab.web.pages import live_status, run_version, sweep_view

__all__ = ["run_metrics", "run_status", "sweep_charts", "sweep_status"]

CURVE_ROWS = 5


def _dashboard(request: Request) -> Dashboard:
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


def _json(data: object) -> Response:
    return JSONResponse(clean_json(data), headers={"Cache-Control": "no-store"})


def sweep_status(request: Request) -> Response:
    """Progress of a sweep; ``version`` changes whenever any of its runs is (re)indexed."""
    sweep_id = request.path_params["sweep_id"]
    summary = _dashboard(request).sweep(sweep_id)
    if summary is None:
        raise HTTPException(404, f"no sweep {sweep_id!r} in the index")
    counts = {status: summary.counts.get(status, 0)
              for status in ("running", "completed", "failed", "killed")}
    version = summary.version
    return _json({"sweep_id": sweep_id, "total": summary.total, "counts": counts,
                  "running": summary.running, "last_update": summary.last_update,
                  "version": version})


def sweep_charts(request: Request) -> Response:
    """Chart data of a sweep page (same query parameters as the page)."""
    view = sweep_view(request, request.path_params["sweep_id"])
    metric = view["metric"]
    if metric is None:
        return _json({"metric": None, "param": [], "parallel": None, "curves": None})
    dashboard = _dashboard(request)
    summary = view["summary"]

    def compute() -> dict[str, object]:
        wanted = {run_id for row in view["best_rows"][:CURVE_ROWS] for run_id in row.run_ids}
        curve_runs = dashboard.with_overrides(
            [r for r in view["completed"] if r.run_id in wanted][:chart_data.MAX_CURVE_RUNS])
        return chart_data.sweep_charts(view["completed"], metric, mode=view["mode"],
                                       curve_runs=curve_runs)

    key = ("charts", summary.sweep_id, summary.version, metric, view["mode"],
           request.query_params.get("by"), request.query_params.get("over"))
    return _json({"metric": metric, **dashboard.cached(key, compute)})


def run_metrics(request: Request) -> Response:
    """Every metric series of a run, one chart each."""
    run_id = request.path_params["run_id"]
    run = _dashboard(request).run(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id!r} in the index")
    names = run.metric_names()
    return _json({"run_id": run_id, "charts": run_curves(run, names)})


def run_status(request: Request) -> Response:
    """A run's status and a ``version`` that changes whenever its record, metrics or log change.

    Read from the run's files, not the index: the index learns of a run at its start and end
    only, the files as it goes.
    """
    run_id = request.path_params["run_id"]
    record = _dashboard(request).record(run_id)
    if record is None:
        raise HTTPException(404, f"no run {run_id!r} in the index")
    status = live_status(record)
    version = run_version(record, status)
    return _json({"run_id": run_id, "status": status, "running": status == "running",
                  "version": version})
