"""``runlab report``: one self-contained, offline HTML page about a sweep.

Self-contained means no network: plotly.js is embedded once (inline ``<script>``) and matplotlib
fallbacks are ``data:`` URIs.  Without either plotting library the report still has its tables.

A sweep run by the Optuna sweeper also gets its study's figures (optimization history, parameter
importances, parallel coordinates, objective vs each parameter: :mod:`runlab.tracking.optuna_study`),
read from the study the sweeper kept in the sweep dir; optuna is imported only when there is one.
"""

from __future__ import annotations

import datetime
import html
import logging
from collections.abc import Sequence
from pathlib import Path

from runlab.tracking.compare import (
    Comparison,
    compare_runs,
    default_over,
    pick_metric,
    varying_params,
)
from runlab.tracking.model import Run
from runlab.tracking.records import format_log_entry, read_log_tail, read_record
from runlab.tracking.tables import comparison_rows, format_number

__all__ = ["render_report", "write_report"]

_log = logging.getLogger(__name__)

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em} h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:0.9em} th,td{padding:4px 10px;border-bottom:1px solid #eee}
th{text-align:left;background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.best{background:#e8f6e8;font-weight:bold} pre{background:#f8f8f8;padding:8px;overflow:auto}
.failed{border-left:4px solid #c33;padding-left:1em;margin:1em 0} .muted{color:#777}
"""


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], *,
           best: Sequence[bool] = (), table_id: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{html.escape(format_number(v))}</td>'
            if isinstance(v, (int, float)) and not isinstance(v, bool)
            else f"<td>{html.escape(format_number(v))}</td>" for v in row)
        css = ' class="best"' if best and best[i] else ""
        body.append(f"<tr{css}>{cells}</tr>")
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _FigureWriter:
    """Turns figures into HTML: plotly divs (library embedded once) or matplotlib PNGs."""

    def __init__(self) -> None:
        self.plotly_embedded = False
        self.backend = self._pick_backend()

    @staticmethod
    def _pick_backend() -> str | None:
        for module, name in (("plotly", "plotly"), ("matplotlib", "matplotlib")):
            try:
                __import__(module)
            except ImportError:
                continue
            return name
        return None

    def html(self, figure: object) -> str:
        from runlab.tracking import plots

        assert isinstance(figure, plots.Figure)
        if self.backend == "plotly":
            div = plots.figure_html(figure, include_plotlyjs=not self.plotly_embedded,
                                    full_html=False)
            self.plotly_embedded = True
            return f'<div class="figure">{div}</div>'
        if self.backend == "matplotlib":
            uri = plots.png_data_uri(plots.figure_png(figure))
            return f'<div class="figure"><img alt="{html.escape(figure.title)}" src="{uri}"></div>'
        return '<p class="muted">install plotly or matplotlib for plots</p>'


def _figures(runs: Sequence[Run], comparison: Comparison, writer: _FigureWriter) -> list[str]:
    from runlab.tracking import plots

    parts = []
    completed = [r for r in runs if r.status == "completed"]
    varying = varying_params(completed)
    seeds = default_over(varying)
    for param in [k for k in varying if k not in seeds][:4]:
        figure = plots.param_figure(completed, comparison.metric, param, mode=comparison.mode)
        parts.append(writer.html(figure))
    if len(varying) >= 2:
        parts.append(writer.html(plots.parallel_figure(completed, comparison.metric)))
    with_series = [r for r in runs if r.metric_history(comparison.metric)][:30]
    if with_series:
        parts.append(writer.html(plots.steps_figure(with_series, comparison.metric)))
    return parts


def _study_sections(runs: Sequence[Run], writer: _FigureWriter) -> list[str]:
    """An "Optuna study" section per study kept in the sweep dir of ``runs`` (none otherwise)."""
    from runlab.tracking.optuna_study import find_study_dirs

    sections: list[str] = []
    for sweep_dir in find_study_dirs([r.run_dir for r in runs if r.run_dir], [r.sweep_dir for r in runs]):
        try:
            from runlab.tracking.optuna_study import open_sweep_study, study_figures

            study = open_sweep_study(sweep_dir)
            figures = [writer.html(figure) for figure in study_figures(study)]
        except Exception as error:  # noqa: BLE001 - a study problem must not lose the report
            _log.warning("report: study figures of %s skipped: %s", sweep_dir, error)
            sections.append(f'<h2>Optuna study</h2><p class="muted">study figures unavailable: '
                            f"{html.escape(str(error))}</p>")
            continue
        sections.append(f'<h2 id="optuna-study">Optuna study: {html.escape(study.study_name)}</h2>')
        sections.append(f'<div class="study" data-study="{html.escape(study.study_name)}">'
                        + "".join(figures) + "</div>")
    return sections


def _failed_section(runs: Sequence[Run]) -> str:
    failed = [r for r in runs if r.status in ("failed", "killed")]
    if not failed:
        return "<p>No failed jobs.</p>"
    parts = []
    for run in failed:
        record = read_record(run.run_dir)
        trace = record.traceback if record is not None and record.traceback else ""
        tail = "\n".join(format_log_entry(e) for e in read_log_tail(run.run_dir, 15))
        parts.append(
            f'<div class="failed"><h3>job {html.escape(str(run.job_num))} '
            f'<span class="muted">{html.escape(run.run_id)}</span> — '
            f"{html.escape(run.status)}</h3>"
            f"<p><code>{html.escape(' '.join(run.overrides))}</code></p>"
            f'<p class="error">{html.escape(run.error or "")}</p>'
            + (f"<pre>{html.escape(trace)}</pre>" if trace else "")
            + (f"<details><summary>log tail</summary><pre>{html.escape(tail)}</pre></details>"
               if tail else "")
            + "</div>")
    return "".join(parts)


def render_report(runs: Sequence[Run], *, metric: str | None = None, mode: str | None = None,
                  title: str | None = None) -> str:
    """The whole report page as a string."""
    sweep = runs[0].sweep_id if runs else "-"
    completed = [r for r in runs if r.status == "completed"]
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.status] = counts.get(run.status, 0) + 1
    metric = metric or pick_metric(completed or runs)
    writer = _FigureWriter()
    sections = [
        f"<h1>{html.escape(title or f'Sweep {sweep}')}</h1>",
        f'<p class="muted">{len(runs)} runs: '
        + ", ".join(f"{n} {html.escape(s)}" for s, n in sorted(counts.items()))
        + f" — generated {datetime.datetime.now().isoformat(timespec='seconds')}</p>",
    ]
    if metric is not None and completed:
        comparison = compare_runs(completed, metric, mode=mode)
        headers, rows = comparison_rows(comparison)
        over = f", aggregated over {', '.join(comparison.over)}" if comparison.over else ""
        sections.append(f"<h2>Compare: {html.escape(metric)} ({comparison.mode}){html.escape(over)}"
                        "</h2>")
        sections.append(_table(headers, rows, best=[r.best for r in comparison.rows],
                               table_id="compare"))
        sections.append("<h2>Plots</h2>")
        try:
            sections.extend(_figures(runs, comparison, writer))
        except Exception as error:  # noqa: BLE001 - a plot problem must not lose the report
            _log.warning("report plots skipped: %s", error)
            sections.append(f'<p class="muted">plots unavailable: {html.escape(str(error))}</p>')
    else:
        sections.append("<p>No completed run with metrics to compare.</p>")
    sections.extend(_study_sections(runs, writer))
    sections.append("<h2>Failed jobs</h2>")
    sections.append(_failed_section(runs))
    sections.append("<h2>All runs</h2>")
    params = list(dict.fromkeys(k for r in runs for k in r.params))
    metrics = list(dict.fromkeys(k for r in runs for k in r.metrics))
    sections.append(_table(
        ["job", "run_id", "status", "duration", *params, *metrics],
        [[r.job_num, r.run_id, r.status, r.duration, *(r.params.get(p) for p in params),
          *(r.metrics.get(m) for m in metrics)] for r in runs],
        table_id="runs"))
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title or f'runlab report {sweep}')}</title>"
            f"<style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n")


def write_report(runs: Sequence[Run], path: Path, *, metric: str | None = None,
                 mode: str | None = None) -> Path:
    """Write the report of ``runs`` (one sweep) to ``path``."""
    ordered = sorted(runs, key=lambda r: (r.job_num if r.job_num is not None else 1 << 62,
                                          r.start or 0.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ordered, metric=metric, mode=mode), encoding="utf-8")
    return path
