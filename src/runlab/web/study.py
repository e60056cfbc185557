"""The Optuna study of a sweep on the dashboard's sweep page.

A sweep run by the Optuna sweeper keeps its study in ``<sweep_dir>/optuna.journal``; its sweep page
then gets an "Optuna study" section (``templates/_study.html``) whose figures -- optimization
history, parameter importances, parallel coordinates, objective vs each parameter, the same as
``runlab report`` (:mod:`runlab.tracking.optuna_study`) -- are fetched from
``/api/sweeps/{sweep_id}/study`` as plotly.js specs and drawn by ``static/study.js``, after the page
is shown: opening a study and computing importances takes a moment, the page should not wait for it.

The page only checks that the journal exists (one ``stat``); optuna is imported by the API call, and
its answer is cached until the journal changes (a running study gets new trials).
"""

from __future__ import annotations

import os
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runlab.web.charts import clean_json, figure_spec
from runlab.web.data import Dashboard

__all__ = ["install_study_views", "study_charts", "study_dir"]

JOURNAL = "optuna.journal"


def study_dir(sweep_dir: str | None) -> str | None:
    """``sweep_dir`` when it holds a study kept by the Optuna sweeper (the template's test)."""
    if sweep_dir and os.path.isfile(os.path.join(sweep_dir, JOURNAL)):
        return sweep_dir
    return None


def _study_figures(sweep_dir: str) -> dict[str, Any]:
    from runlab.tracking.optuna_study import open_sweep_study, study_figures

    study = open_sweep_study(sweep_dir)
    figures = [figure_spec(figure) for figure in study_figures(study)]
    return {"study": study.study_name, "figures": figures}


def study_charts(request: Request) -> Response:
    """``{"study": name, "figures": [plotly spec, ...]}`` of a sweep's Optuna study (404 without one)."""
    sweep_id = request.path_params["sweep_id"]
    dashboard: Dashboard = request.app.state.dashboard
    summary = dashboard.sweep(sweep_id)
    if summary is None:
        raise HTTPException(404, f"no sweep {sweep_id!r} in the index")
    where = study_dir(summary.sweep_dir)
    if where is None:
        raise HTTPException(404, f"sweep {sweep_id!r} has no Optuna study")
    stat = os.stat(os.path.join(where, JOURNAL))
    try:
        data = dashboard.cached(("optuna-study", where, stat.st_mtime_ns, stat.st_size),
                                lambda: _study_figures(where))
    except ImportError as error:
        return JSONResponse({"error": f"the study figures need optuna: {error}"}, status_code=501)
    except ValueError as error:  # several studies in one journal, no trial yet, ...
        return JSONResponse({"error": str(error)}, status_code=409)
    return JSONResponse(clean_json(data), headers={"Cache-Control": "no-store"})


def install_study_views(app: Starlette) -> None:
    """Add the study API route and the template's ``optuna_study_dir`` test to the dashboard."""
    app.router.routes.append(Route("/api/sweeps/{sweep_id}/study", study_charts, methods=["GET"]))
    app.state.templates.env.globals["optuna_study_dir"] = study_dir
