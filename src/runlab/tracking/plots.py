"""Figures of runs: metric over steps, metric vs a param (error bars over seeds), parallel
coordinates.

A figure is first described as plain data (:class:`Figure`), then drawn by matplotlib (PNG) or plotly
(interactive HTML with plotly.js embedded, so it works offline).  Both libraries are optional and
imported only here, when drawing.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

from runlab._values import frozen
from runlab.tracking.compare import compare_runs, default_mode
from runlab.tracking.model import Run

__all__ = [
    "Figure",
    "Series",
    "figure_html",
    "figure_png",
    "parallel_dimensions",
    "parallel_figure",
    "param_figure",
    "steps_figure",
    "write_figure",
]


@frozen
class Series:
    """One line (or set of points with error bars)."""

    label: str
    x: tuple[Any, ...]
    y: tuple[float | None, ...]
    error: tuple[float | None, ...] | None = None


@frozen
class Figure:
    """What to draw, independent of the library drawing it."""

    kind: str  # "lines", "errorbars" or "parallel"
    title: str
    x_label: str
    y_label: str
    series: tuple[Series, ...] = ()
    dimensions: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # parallel: (name, per-run values)
    color: tuple[float | None, ...] = ()  # parallel: the metric per run
    log_x: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this needs {module.split('.')[0]}: pip install 'runlab[{extra}]' "
                          f"(or pip install {module.split('.')[0]})") from None


def steps_figure(runs: Sequence[Run], metric: str) -> Figure:
    """``metric`` over steps, one line per run (point index when no step was given)."""
    series = []
    for run in runs:
        history = run.metric_history(metric)
        if not history:
            continue
        xs = tuple(s if isinstance(s, (int, float)) else i for i, (s, _t, _v) in enumerate(history))
        label = " ".join(run.overrides) or run.run_id
        series.append(Series(label=f"{run.run_id}: {label}"[:80], x=xs,
                             y=tuple(v for _s, _t, v in history)))
    return Figure(kind="lines", title=f"{metric} over steps", x_label="step", y_label=metric,
                  series=tuple(series))


def _numeric(values: Sequence[Any]) -> list[float] | None:
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            return None
    return out


def parallel_dimensions(figure: Figure) -> list[dict[str, Any]]:
    """Plotly ``parcoords`` dimensions of a parallel figure: numbers as they are, anything else as
    sorted categories (plotly draws only numbers), shared by the report and the dashboard."""
    dims: list[dict[str, Any]] = []
    for name, values in figure.dimensions:
        numbers = _numeric(values)
        if numbers is not None:
            dims.append({"label": name, "values": numbers})
        else:
            categories = sorted({str(v) for v in values})
            index = {c: i for i, c in enumerate(categories)}
            dims.append({"label": name, "values": [index[str(v)] for v in values],
                         "tickvals": list(range(len(categories))), "ticktext": categories})
    return dims


def param_figure(runs: Sequence[Run], metric: str, param: str, *, mode: str | None = None
                 ) -> Figure:
    """Mean ``metric`` (error bars: std over the runs aggregated) against ``param``, one series per
    combination of the other varying params that are not seeds."""
    from runlab.tracking.compare import default_over, varying_params

    varying = varying_params(runs)
    over = default_over(varying)
    others = [k for k in varying if k != param and k not in over]
    comparison = compare_runs(runs, metric, by=[param, *others], mode=mode)
    grouped: dict[tuple[tuple[str, str], ...], list[tuple[str, float | None, float | None]]] = {}
    for row in comparison.rows:
        values = dict(row.params)
        key = tuple((k, values[k]) for k in others)
        grouped.setdefault(key, []).append((values[param], row.mean, row.std))
    xs_all = [x for points in grouped.values() for x, _m, _s in points]
    numbers = _numeric(xs_all)
    series = []
    for key, points in grouped.items():
        if numbers is not None:
            points.sort(key=lambda p: float(p[0]))
        else:
            points.sort(key=lambda p: str(p[0]))
        x = tuple(float(p[0]) if numbers is not None else p[0] for p in points)
        label = ", ".join(f"{k}={v}" for k, v in key) or metric
        series.append(Series(label=label, x=x, y=tuple(p[1] for p in points),
                             error=tuple(p[2] for p in points)))
    positive = numbers is not None and all(n > 0 for n in numbers)
    log_x = bool(positive and numbers and max(numbers) / min(numbers) >= 100)
    mode = comparison.mode or default_mode(metric)
    return Figure(kind="errorbars", title=f"{metric} vs {param} (mean ± std, {mode} is best)",
                  x_label=param, y_label=metric, series=tuple(series), log_x=log_x)


def parallel_figure(runs: Sequence[Run], metric: str) -> Figure:
    """Parallel coordinates: one axis per varying param, then the metric; lines colored by it."""
    from runlab.tracking.compare import varying_params

    params = varying_params(runs)
    kept = [r for r in runs if isinstance(r.metrics.get(metric), (int, float))
            and not math.isnan(r.metrics[metric])]
    dims: list[tuple[str, tuple[Any, ...]]] = [
        (p, tuple(r.param(p) or "-" for r in kept)) for p in params]
    color = tuple(float(r.metrics[metric]) for r in kept)
    dims.append((metric, color))
    return Figure(kind="parallel", title=f"parallel coordinates: {metric}", x_label="",
                  y_label=metric, dimensions=tuple(dims), color=color)


# -- matplotlib ----------------------------------------------------------------------------------
def figure_png(figure: Figure) -> bytes:
    """PNG bytes of ``figure`` drawn with matplotlib (headless Agg backend)."""
    _require("matplotlib", "plots")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(figure.title)
    if figure.kind == "parallel":
        _draw_parallel(fig, ax, figure)
    else:
        for series in figure.series:
            ys = [math.nan if v is None else v for v in series.y]
            if figure.kind == "errorbars":
                errors = [0.0 if e is None else e for e in (series.error or ())]
                categorical = bool(series.x) and not all(
                    isinstance(v, (int, float)) for v in series.x)
                xs = [str(v) for v in series.x] if categorical else list(series.x)
                ax.errorbar(xs, ys, yerr=errors or None, marker="o", capsize=4,
                            label=series.label)
            else:
                ax.plot(list(series.x), ys, label=series.label)
        ax.set_xlabel(figure.x_label)
        ax.set_ylabel(figure.y_label)
        if figure.log_x:
            ax.set_xscale("log")
        if 0 < len(figure.series) <= 12:
            ax.legend(fontsize="small")
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _axis_positions(values: Sequence[Any]) -> tuple[list[float], list[float], list[str]]:
    """Values scaled to 0..1, and the tick positions/labels of the axis."""
    numbers = _numeric(values)
    if numbers is not None and numbers:
        low, high = min(numbers), max(numbers)
        span = (high - low) or 1.0
        ticks = sorted(set(numbers))[:8]
        return ([(n - low) / span for n in numbers], [(t - low) / span for t in ticks],
                [f"{t:.4g}" for t in ticks])
    categories = sorted({str(v) for v in values})
    step = 1.0 / max(1, len(categories) - 1)
    where = {c: i * step for i, c in enumerate(categories)}
    return [where[str(v)] for v in values], list(where.values()), categories


def _draw_parallel(fig: Any, ax: Any, figure: Figure) -> None:
    from matplotlib import colormaps

    columns = [_axis_positions(values) for _name, values in figure.dimensions]
    count = len(figure.color)
    colors = [0.0 if c is None else c for c in figure.color]
    low, high = (min(colors), max(colors)) if colors else (0.0, 1.0)
    cmap = colormaps["viridis"]
    for i in range(count):
        ys = [column[0][i] for column in columns]
        shade = (colors[i] - low) / ((high - low) or 1.0)
        ax.plot(range(len(columns)), ys, color=cmap(shade), alpha=0.7)
    for x, (column, (name, _values)) in enumerate(zip(columns, figure.dimensions)):
        ax.axvline(x, color="black", linewidth=0.8)
        for position, label in zip(column[1], column[2]):
            ax.text(x + 0.02, position, label, fontsize=7, va="center")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels([name for name, _v in figure.dimensions])
    ax.set_yticks([])


# -- plotly --------------------------------------------------------------------------------------
def _plotly_figure(figure: Figure) -> Any:
    go = _require("plotly.graph_objects", "plots")
    fig = go.Figure()
    if figure.kind == "parallel":
        fig.add_trace(go.Parcoords(line={"color": list(figure.color), "colorscale": "Viridis",
                                         "showscale": True},
                                   dimensions=parallel_dimensions(figure)))
    else:
        for series in figure.series:
            error = None
            if figure.kind == "errorbars" and series.error is not None:
                error = {"type": "data", "array": [e or 0.0 for e in series.error],
                         "visible": True}
            fig.add_trace(go.Scatter(
                x=[v if isinstance(v, (int, float)) else str(v) for v in series.x],
                y=list(series.y), error_y=error, name=series.label,
                mode="lines+markers" if figure.kind == "errorbars" else "lines"))
        fig.update_xaxes(title_text=figure.x_label, type="log" if figure.log_x else None)
        fig.update_yaxes(title_text=figure.y_label)
    fig.update_layout(title=figure.title, template="plotly_white")
    return fig


def figure_html(figure: Figure, *, include_plotlyjs: bool = True, full_html: bool = True) -> str:
    """Interactive HTML of ``figure``; with ``include_plotlyjs`` the library is embedded inline
    (no CDN), so the file works offline."""
    fig = _plotly_figure(figure)
    return str(fig.to_html(include_plotlyjs=bool(include_plotlyjs), full_html=full_html))


def png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def write_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG or HTML, chosen by the suffix of ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".png":
        path.write_bytes(figure_png(figure))
    else:
        path.write_text(figure_html(figure), encoding="utf-8")
    return path
