from __future__ import annotations

import builtins
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from run_factory import make_sweep

from runlab.tracking import plots
from runlab.tracking.model import records_to_runs
from runlab.tracking.report import render_report, write_report


class _Page(HTMLParser):
    """Collects what a test needs to know about a report page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.best_rows: list[list[str]] = []
        self.external: list[str] = []
        self.inline_scripts: list[str] = []
        self.images: list[str] = []
        self._table: str | None = None
        self._row: list[str] | None = None
        self._row_best = False
        self._cell: list[str] | None = None
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            link = values.get(name) or ""
            if link.startswith(("http:", "https:", "//")):
                self.external.append(link)
        if tag == "table":
            self._table = values.get("id") or f"t{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr":
            self._row, self._row_best = [], values.get("class") == "best"
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script":
            self._in_script = True
            self.inline_scripts.append("")
        elif tag == "img":
            self.images.append(values.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            if self._row_best:
                self.best_rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline_scripts[-1] += data
        elif self._cell is not None:
            self._cell.append(data)
        else:
            self.text.append(data)


@pytest.fixture
def sweep_runs(tmp_path: Path) -> Any:
    records = make_sweep(
        tmp_path / "sweep", {"opt": ["adam", "sgd"], "lr": [0.1, 0.001], "seed": [1, 2]},
        lambda p: p["lr"] * (1 if p["opt"] == "adam" else 3) + p["seed"] / 100, steps=4,
        fail=lambda p: p["opt"] == "sgd" and p["lr"] == 0.1 and p["seed"] == 2)
    return records_to_runs(records)


def _assert_png(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    from io import BytesIO

    with Image.open(BytesIO(data)) as image:
        image.verify()
    with Image.open(BytesIO(data)) as image:
        return image.size


def test_figures_render_as_valid_pngs(sweep_runs: Any, tmp_path: Path) -> None:
    figures = [plots.steps_figure(sweep_runs, "loss"),
               plots.param_figure(sweep_runs, "loss", "lr"),
               plots.parallel_figure(sweep_runs, "loss")]
    for number, figure in enumerate(figures):
        path = plots.write_figure(figure, tmp_path / f"f{number}.png")
        assert _assert_png(path.read_bytes()) == (800, 500)


def test_param_figure_averages_over_seeds_per_other_param(sweep_runs: Any) -> None:
    completed = [r for r in sweep_runs if r.status == "completed"]
    figure = plots.param_figure(completed, "loss", "lr")
    assert figure.kind == "errorbars" and figure.log_x  # 0.001..0.1 spans two decades
    series = {s.label: s for s in figure.series}
    assert set(series) == {"opt=adam", "opt=sgd"}
    adam = series["opt=adam"]
    assert adam.x == (0.001, 0.1)
    assert adam.y == pytest.approx((0.001 + 0.015, 0.1 + 0.015))
    assert adam.error == pytest.approx((0.00707107, 0.00707107))
    assert series["opt=sgd"].error[1] == 0.0  # one seed left after the failure


def test_parallel_figure_has_an_axis_per_varying_param_and_the_metric(sweep_runs: Any) -> None:
    figure = plots.parallel_figure(sweep_runs, "loss")
    assert [name for name, _values in figure.dimensions] == ["opt", "lr", "seed", "loss"]
    assert len(figure.color) == len([r for r in sweep_runs if "loss" in r.metrics])


def test_html_plots_embed_plotly_and_need_no_network(sweep_runs: Any, tmp_path: Path) -> None:
    path = plots.write_figure(plots.parallel_figure(sweep_runs, "loss"), tmp_path / "p.html")
    page = _Page()
    page.feed(path.read_text())
    assert page.external == []
    assert any("Plotly" in script and len(script) > 1_000_000 for script in page.inline_scripts)


def test_report_is_self_contained_with_table_plots_and_failures(sweep_runs: Any,
                                                                tmp_path: Path) -> None:
    path = write_report(sweep_runs, tmp_path / "out" / "report.html")
    page = _Page()
    page.feed(path.read_text())
    assert page.external == []
    compare = page.tables["compare"]
    assert compare[0] == ["best", "opt", "lr", "n", "mean", "std", "min", "max"]
    assert len(compare) == 5
    assert page.best_rows == [compare[1]] and compare[1][:4] == ["*", "adam", "0.001", "2"]
    assert len(page.tables["runs"]) == 9
    plotly_sources = [s for s in page.inline_scripts if len(s) > 1_000_000]
    assert len(plotly_sources) == 1  # the library once, however many figures
    assert sum("Plotly.newPlot" in s for s in page.inline_scripts) >= 3
    text = " ".join(page.text)
    assert "RuntimeError: job 5 exploded" in text
    assert "Traceback" in text


def test_report_falls_back_to_png_without_plotly(sweep_runs: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_plotly(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "plotly" or name.startswith("plotly."):
            raise ImportError("no plotly here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_plotly)
    page = _Page()
    page.feed(render_report(sweep_runs))
    assert page.images and all(src.startswith("data:image/png;base64,") for src in page.images)
    assert page.inline_scripts == []


def test_missing_plotting_library_names_the_install(monkeypatch: pytest.MonkeyPatch,
                                                    sweep_runs: Any) -> None:
    real_import = builtins.__import__

    def no_mpl(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError("nope")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_mpl)
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda name: no_mpl(name))
    with pytest.raises(ImportError, match=r"pip install 'runlab\[plots\]'"):
        plots.figure_png(plots.steps_figure(sweep_runs, "loss"))
