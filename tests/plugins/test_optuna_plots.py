"""Study figures for the report: described as runlab figures, drawn by the report's writers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

from runlab.plugins.optuna_plots import (
    find_study_dirs,
    history_figure,
    importance_figure,
    open_sweep_study,
    plotly_figures,
    study_figures,
)
from runlab.tracking.plots import figure_html, figure_png


def _study(tmp_path: Path, directions: list[str] | None = None) -> object:
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    sweep = tmp_path / "sweep"
    (sweep / "0").mkdir(parents=True)
    storage = JournalStorage(JournalFileBackend(str(sweep / "optuna.journal")))
    study = optuna.create_study(
        study_name="s", storage=storage, directions=directions or ["minimize"],
        sampler=optuna.samplers.RandomSampler(seed=0),
    )
    space = {
        "x": optuna.distributions.FloatDistribution(-3, 3),
        "opt": optuna.distributions.CategoricalDistribution(["a", "b"]),
    }
    for i in range(12):
        trial = study.ask(space)
        if i == 3:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            continue
        value = trial.params["x"] ** 2 + (0.1 if trial.params["opt"] == "a" else 0.0)
        study.tell(trial, [value, -value] if directions else value)
    return study


def test_history_tracks_the_best_value_and_notes_failures(tmp_path: Path) -> None:
    study = _study(tmp_path)
    figure = history_figure(study)
    values, best = figure.series
    assert values.y[3] is None and figure.notes == ("1 trials failed or were cut short",)
    completed = [v for v in values.y if v is not None]
    assert best.y[-1] == min(completed) == study.best_value
    assert [b for b in best.y if b is not None] == sorted([b for b in best.y if b is not None], reverse=True)


def test_importances_rank_the_parameter_that_matters(tmp_path: Path) -> None:
    figure = importance_figure(_study(tmp_path))
    assert figure is not None
    (series,) = figure.series
    assert series.x[0] == "x" and series.y[0] > series.y[1]


def test_study_figures_draw_with_the_reports_writers(tmp_path: Path) -> None:
    study = _study(tmp_path)
    assert find_study_dirs([str(tmp_path / "sweep" / "0")]) == [str(tmp_path / "sweep")]
    nested = str(tmp_path / "sweep" / "lr=0.1" / "seed=0")  # hydra.sweep.subdir with a /
    assert find_study_dirs([nested]) == []
    assert find_study_dirs([nested], [str(tmp_path / "sweep"), None]) == [str(tmp_path / "sweep")]
    reopened = open_sweep_study(str(tmp_path / "sweep"))
    figures = study_figures(reopened)
    assert [f.kind for f in figures][:3] == ["lines", "errorbars", "parallel"]
    assert len(figures) == 5  # + one slice per parameter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # matplotlib/plotly notices about their own internals
        assert figure_png(figures[0]).startswith(b"\x89PNG")
        assert "Parameter importances of s" in figure_html(figures[1], include_plotlyjs=False)
    assert reopened.study_name == study.study_name


def test_multi_objective_studies_plot_the_first_objective(tmp_path: Path) -> None:
    study = _study(tmp_path, ["minimize", "maximize"])
    assert history_figure(study).series[1].y[-1] == min(t.values[0] for t in study.best_trials)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figures = plotly_figures(study)
    assert set(figures) == {"history", "importances", "slice", "contour"}
