"""A real Optuna study (8 trials of a quadratic, fixed seed) seen through ``runlab report`` and the
dashboard's sweep page: the study's figures are there, with their titles and their data drawn."""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import re
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

optuna = pytest.importorskip("optuna")

APP = """
import runlab as hydra

@hydra.main(version_base=None, config_path=".", config_name="config")
def main(cfg):
    return (cfg.x - 1.0) ** 2 + cfg.y

if __name__ == "__main__":
    main()
"""

CONFIG = """
defaults:
  - override hydra/sweeper: optuna
  - override hydra/sweeper/sampler: tpe
  - _self_
x: 0.0
y: 0
hydra:
  sweeper:
    n_trials: 8
    n_jobs: 4
    study_name: quad
    sampler:
      seed: 3
    params:
      x: interval(-5, 5)
      y: choice(-1, 0, 1)
"""

STUDY_TITLES = [
    "Optimization history of quad",
    "Parameter importances of quad",
    "Parallel coordinates of quad",
    "objective vs x",
    "objective vs y",
]


class Study:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sweep = root / "sw"
        self.index = root / "index.db"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    root = tmp_path_factory.mktemp("optuna_report")
    (root / "app.py").write_text(APP)
    (root / "config.yaml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env["RUNLAB_INDEX"] = str(root / "index.db")
    proc = subprocess.run(
        [sys.executable, "app.py", "-m", "hydra.sweep.dir=sw", "+hydra.sweeper.summary=false"],
        cwd=root, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / "sw" / "optuna.journal").is_file()
    return Study(root)


def _plotly_figures(html: str) -> dict[str, dict[str, Any]]:
    """``title -> {data, layout}`` of every ``Plotly.newPlot`` call in ``html``."""
    decoder = json.JSONDecoder()
    figures = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', html):
        data, end = decoder.raw_decode(html, match.end())
        end = re.compile(r"\s*,\s*").match(html, end).end()  # type: ignore[union-attr]
        layout, _ = decoder.raw_decode(html, end)
        figures[layout["title"]["text"]] = {"data": data, "layout": layout}
    return figures


def _study_part(html: str) -> str:
    start = html.index('<h2 id="optuna-study">')
    return html[start : html.index("<h2>Failed jobs</h2>", start)]


def _check_figure_data(figures: dict[str, dict[str, Any]], best_value: float) -> None:
    """What each study figure shows, checked against the study itself."""
    history = figures["Optimization history of quad"]["data"]
    values, best = history[0]["y"], history[1]["y"]
    assert history[0]["x"] == list(range(8)) and len(values) == 8 and None not in values
    assert best[-1] == min(values) == best_value
    assert all(a >= b for a, b in itertools.pairwise(best))
    (importances,) = figures["Parameter importances of quad"]["data"]
    assert sorted(importances["x"]) == ["x", "y"] and abs(sum(importances["y"]) - 1.0) < 1e-6
    (parallel,) = figures["Parallel coordinates of quad"]["data"]
    assert parallel["type"] == "parcoords"
    assert [d["label"] for d in parallel["dimensions"]] == ["x", "y"]
    assert all(len(d["values"]) == 8 for d in parallel["dimensions"]) and len(parallel["line"]["color"]) == 8
    (slice_x,) = figures["objective vs x"]["data"]
    assert len(slice_x["x"]) == len(slice_x["y"]) == 8 and min(slice_x["y"]) == best_value


def _best_value(study: Study) -> float:
    from runlab.plugins.optuna_plots import open_sweep_study

    return float(open_sweep_study(str(study.sweep)).best_value)


def test_runlab_report_of_an_optuna_sweep_shows_the_study_figures(
    study: Study, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from runlab.cli import main

    out = tmp_path / "report.html"
    assert main(["report", str(study.sweep), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    html = out.read_text()
    part = _study_part(html)
    assert "Optuna study: quad" in part
    figures = _plotly_figures(part)
    assert list(figures) == STUDY_TITLES
    _check_figure_data(figures, _best_value(study))
    # the sweep's own figures are still there, before the study's
    assert html.index("<h2>Plots</h2>") < html.index('id="optuna-study"')


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "img" and found.get("alt"):
            self.images[str(found["alt"])] = str(found.get("src"))


def test_without_plotly_the_report_draws_the_study_as_images(
    study: Study, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.image import imread

    from runlab.tracking import report
    from runlab.tracking.summary import load_sweep

    monkeypatch.setattr(report._FigureWriter, "_pick_backend", staticmethod(lambda: "matplotlib"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib's notices about its own internals
        html = report.render_report(load_sweep(str(study.sweep)))
    parser = _Images()
    parser.feed(_study_part(html))
    assert list(parser.images) == STUDY_TITLES
    for title, src in parser.images.items():
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix), title
        pixels = imread(io.BytesIO(base64.b64decode(src[len(prefix) :])), format="png")
        assert pixels.shape[0] >= 300 and pixels.shape[1] >= 500, title
        # drawn: not a blank canvas -- many pixels differ from the background
        background = pixels[0, 0]
        assert (abs(pixels - background).sum(axis=-1) > 0.1).mean() > 0.01, title


def test_a_sweep_without_a_study_has_no_study_section(tmp_path: Path) -> None:
    from runlab.tracking.report import render_report
    from runlab.web.study import study_dir

    assert 'id="optuna-study"' not in render_report([])
    assert study_dir(str(tmp_path)) is None and study_dir(None) is None
    (tmp_path / "optuna.journal").write_text("")
    assert study_dir(str(tmp_path)) == str(tmp_path)


def test_the_dashboards_sweep_page_shows_the_study(study: Study) -> None:
    from starlette.testclient import TestClient

    from runlab.web.app import create_app

    client = TestClient(create_app(study.index))
    (sweep_id,) = set(re.findall(r'href="/sweeps/([^"?/]+)"', client.get("/").text))
    page = client.get(f"/sweeps/{sweep_id}")
    assert page.status_code == 200
    assert f'data-study-url="/api/sweeps/{sweep_id}/study"' in page.text
    assert '<script src="/static/study.js" defer></script>' in page.text
    script = client.get("/static/study.js")
    assert script.status_code == 200 and "studyUrl" in script.text
    answer = client.get(f"/api/sweeps/{sweep_id}/study")
    assert answer.status_code == 200
    body = answer.json()
    assert body["study"] == "quad"
    figures = {f["layout"]["title"]["text"]: f for f in body["figures"]}
    assert list(figures) == STUDY_TITLES
    _check_figure_data(figures, _best_value(study))
    assert client.get("/api/sweeps/nope/study").status_code == 404


def test_the_study_figures_are_drawn_in_a_browser(study: Study) -> None:
    """The sweep page under its real Content-Security-Policy: study.js draws every figure."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
    from web_support import CHROMIUM, CHROMIUM_ARGS, PageWatch, Served

    if not os.path.isfile(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: apt-get install -y chromium (or set RUNLAB_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    served = Served(study.index)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                watch = PageWatch(page)
                page.goto(f"{served.url}/")
                page.click("a[href^='/sweeps/']")
                page.wait_for_selector("body[data-study-drawn='5']", timeout=60_000)
                charts = page.locator("#study-charts > .study-chart")
                assert charts.count() == 5
                titles = [charts.nth(i).locator(".gtitle").first.text_content() for i in (0, 1, 3, 4)]
                assert titles == [STUDY_TITLES[i] for i in (0, 1, 3, 4)]
                assert charts.nth(0).locator(".scatterlayer .trace").count() == 2  # value, best so far
                parallel = charts.nth(2)  # drawn as SVG by parallel.js: one line a trial
                assert parallel.locator("path.run-line").count() == 8
                assert parallel.locator(".parallel-title").text_content() == STUDY_TITLES[2]
                assert page.locator("#study-state").inner_text() == "study quad"
                assert watch.errors == [] and watch.failed == [] and watch.dialogs == []
            finally:
                browser.close()
    finally:
        served.stop()


STORAGES = {
    # a database and a journal outside the sweep dir, both given relative to the app's directory
    "sqlite": ("sqlite:///studies/quad.db", "studies/quad.db"),
    "journal": ("journal:///studies/quad.journal", "studies/quad.journal"),
}


@pytest.fixture(scope="module", params=sorted(STORAGES))
def elsewhere(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Study:
    """The same sweep with its study kept in a ``storage`` outside the sweep dir."""
    url, path = STORAGES[request.param]
    root = tmp_path_factory.mktemp(f"optuna_elsewhere_{request.param}")
    (root / "app.py").write_text(APP)
    (root / "config.yaml").write_text(CONFIG)
    (root / "studies").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env["RUNLAB_INDEX"] = str(root / "index.db")
    proc = subprocess.run(
        [sys.executable, "app.py", "-m", "hydra.sweep.dir=sw", "+hydra.sweeper.summary=false",
         f"hydra.sweeper.storage={url}"],
        cwd=root, env=env, capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / path).is_file() and not (root / "sw" / "optuna.journal").exists()
    return Study(root)


def test_runlab_report_finds_a_study_kept_in_another_storage(
    elsewhere: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from runlab.cli import main

    monkeypatch.chdir(tmp_path)  # not where the sweep ran: the recorded storage URL is absolute
    out = tmp_path / "report.html"
    assert main(["report", str(elsewhere.sweep), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    part = _study_part(out.read_text())
    assert "Optuna study: quad" in part
    figures = _plotly_figures(part)
    assert list(figures) == STUDY_TITLES
    _check_figure_data(figures, _best_value(elsewhere))


def test_the_dashboard_shows_a_study_kept_in_another_storage(
    elsewhere: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.testclient import TestClient

    from runlab.web.app import create_app

    monkeypatch.chdir(tmp_path)
    client = TestClient(create_app(elsewhere.index))
    (sweep_id,) = set(re.findall(r'href="/sweeps/([^"?/]+)"', client.get("/").text))
    page = client.get(f"/sweeps/{sweep_id}")
    assert page.status_code == 200 and f'data-study-url="/api/sweeps/{sweep_id}/study"' in page.text
    answer = client.get(f"/api/sweeps/{sweep_id}/study")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["study"] == "quad"
    figures = {f["layout"]["title"]["text"]: f for f in body["figures"]}
    assert list(figures) == STUDY_TITLES
    _check_figure_data(figures, _best_value(elsewhere))


def test_a_recorded_study_whose_storage_is_gone_is_reported_not_fatal(tmp_path: Path) -> None:
    from runlab.tracking.optuna_study import open_sweep_study, record_sweep_study
    from runlab.web.study import study_dir

    record_sweep_study(str(tmp_path), "quad", f"sqlite:///{tmp_path / 'gone.db'}")
    assert study_dir(str(tmp_path)) == str(tmp_path)  # the page offers the section
    with pytest.raises(ValueError, match="gone.db does not exist"):
        open_sweep_study(str(tmp_path))
    assert not (tmp_path / "gone.db").exists()  # opening it did not create an empty database
