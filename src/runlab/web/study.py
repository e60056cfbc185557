"""The Optuna study of a sweep on the dashboard's sweep page.

A sweep run by the Optuna sweeper records its study in ``<sweep_dir>/.runlab/optuna_study.json``
(name and storage: the sweep dir's ``optuna.journal`` by default, or the ``storage`` the sweep was
given -- a database, a journal elsewhere); older sweeps only have the journal.  Its sweep page then gets an "Optuna study" section (``templates/_study.html``) whose figures -- optimization
history, parameter importances, parallel coordinates, objective vs each parameter, the same as
``runlab report`` (:mod:`runlab.tracking.optuna_study`) -- are fetched from
``/api/sweeps/{sweep_id}/study`` as plotly.js specs and drawn by ``static/study.js``, after the page
is shown: opening a study and computing importances takes a moment, the page should not wait for it.

The page only checks that the record or the journal exists (a ``stat`` or two); optuna is imported by
the API call, and its answer is cached until the study's file (journal or SQLite database) changes (a
running study gets new trials) -- a study in a database server is cached for a few seconds.
"""

from __future__ import annotations

import os
import time
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from runlab.tracking.optuna_study import STUDY_RECORD, storage_file
from runlab.web.charts import clean_json, figure_spec
from runlab.web.data import Dashboard

__all__ = ["install_study_views", "study_charts", "study_dir"]

JOURNAL = "optuna.journal"
_SERVER_CACHE_SECONDS = 5.0


def study_dir(sweep_dir: str | None) -> str | None:
    """``sweep_dir`` when the Optuna sweeper recorded a study there, or kept one in its default
    journal (the template's test)."""
    if sweep_dir and (
        os.path.isfile(os.path.join(sweep_dir, STUDY_RECORD)) or os.path.isfile(os.path.join(sweep_dir, JOURNAL))
    ):
        return sweep_dir
    return None


def _version(sweep_dir: str) -> tuple[Any, ...]:
    """What changes when the study does: its file's mtime and size (a database server's study: the
    record's, and a time slot)."""
    try:
        recorded = os.stat(os.path.join(sweep_dir, STUDY_RECORD)).st_mtime_ns
    except OSError:
        recorded = 0  # a sweep older than the record: its journal
    path = storage_file(sweep_dir)
    if path is not None:
        stat = os.stat(path)
        return recorded, path, stat.st_mtime_ns, stat.st_size
    return recorded, int(time.monotonic() // _SERVER_CACHE_SECONDS)


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
    try:
        data = dashboard.cached(("optuna-study", where, *_version(where)), lambda: _study_figures(where))
    except ImportError as error:
        return JSONResponse({"error": f"the study figures need optuna: {error}"}, status_code=501)
    except Exception as error:  # noqa: BLE001 - several studies in one journal, a missing database, ...
        return JSONResponse({"error": f"the study cannot be opened: {error}"}, status_code=409)
    return JSONResponse(clean_json(data), headers={"Cache-Control": "no-store"})


def install_study_views(app: Starlette) -> None:
    """Add the study API route and the template's ``optuna_study_dir`` test to the dashboard."""
    app.router.routes.append(Route("/api/sweeps/{sweep_id}/study", study_charts, methods=["GET"]))
    app.state.templates.env.globals["optuna_study_dir"] = study_dir
