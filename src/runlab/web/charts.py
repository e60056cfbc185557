"""Chart data for the browser: the tracker's figure descriptions turned into plotly.js traces.

The tracker already decides what a chart shows (:mod:`runlab.tracking.plots` builds library-neutral
``Figure`` values); here they only become the JSON plotly.js wants, so the dashboard's charts and
``runlab plot`` agree.  The plotly Python package is never imported: the browser draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from runlab.tracking.compare import default_over, varying_params
from runlab.tracking.model import Run
from runlab.tracking.plots import (
    Figure,
    parallel_dimensions,
    parallel_figure,
    param_figure,
    steps_figure,
)

__all__ = ["clean_json", "figure_spec", "run_curves", "sweep_charts"]

MAX_CURVE_RUNS = 20
MAX_PARAM_CHARTS = 4


def clean_json(value: Any) -> Any:
    """``value`` with NaN/inf replaced by None: browsers' JSON.parse rejects them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def figure_spec(figure: Figure) -> dict[str, Any]:
    """``{"data": [...], "layout": {...}}`` for ``Plotly.newPlot``."""
    layout: dict[str, Any] = {"title": {"text": figure.title}, "margin": {"t": 50, "r": 20},
                              "template": None, "height": 380}
    if figure.kind == "parallel":
        data = [{"type": "parcoords", "dimensions": parallel_dimensions(figure),
                 "line": {"color": list(figure.color), "colorscale": "Viridis",
                          "showscale": True}}]
        layout["margin"] = {"t": 80, "l": 60, "r": 60}
        spec: dict[str, Any] = clean_json({"data": data, "layout": layout})
        return spec
    traces = []
    for series in figure.series:
        trace: dict[str, Any] = {
            "type": "scatter", "name": series.label,
            "x": [v if isinstance(v, (int, float)) else str(v) for v in series.x],
            "y": list(series.y),
            "mode": "lines+markers" if figure.kind == "errorbars" else "lines",
        }
        if figure.kind == "errorbars" and series.error is not None:
            trace["error_y"] = {"type": "data", "array": [e or 0.0 for e in series.error],
                                "visible": True}
        traces.append(trace)
    layout["xaxis"] = {"title": {"text": figure.x_label}}
    if figure.log_x:
        layout["xaxis"]["type"] = "log"
    layout["yaxis"] = {"title": {"text": figure.y_label}}
    layout["showlegend"] = 0 < len(traces) <= 12
    cleaned: dict[str, Any] = clean_json({"data": traces, "layout": layout})
    return cleaned


def sweep_charts(runs: Sequence[Run], metric: str, *, mode: str | None,
                 curve_runs: Sequence[Run]) -> dict[str, Any]:
    """Every chart of a sweep page: metric vs each varying param, parallel coordinates and the
    curves over steps of ``curve_runs`` (the best rows' runs: reading 10,000 metric files per
    page view would not be usable)."""
    with_metric = [r for r in runs if metric in r.metrics]
    varying = varying_params(with_metric)
    seeds = set(default_over(varying))
    params = [p for p in varying if p not in seeds][:MAX_PARAM_CHARTS]
    charts: dict[str, Any] = {"param": [], "parallel": None, "curves": None}
    if not with_metric:
        return charts
    for param in params:
        charts["param"].append(figure_spec(param_figure(with_metric, metric, param, mode=mode)))
    if varying:
        charts["parallel"] = figure_spec(parallel_figure(with_metric, metric))
    chosen = list(curve_runs[:MAX_CURVE_RUNS])
    if chosen:
        curves = steps_figure(chosen, metric)
        if curves.series:
            charts["curves"] = figure_spec(curves)
    return charts


def run_curves(run: Run, names: Sequence[str]) -> list[dict[str, Any]]:
    """One chart per metric of a run (its series over steps)."""
    specs = []
    for name in names:
        figure = steps_figure([run], name)
        if figure.series:
            spec = figure_spec(figure)
            spec["layout"]["showlegend"] = False
            spec["layout"]["height"] = 300
            specs.append(spec)
    return specs
