"""Figures of an Optuna sweep's study (history, importances, parallel coordinates, slices, contour).

Implemented in :mod:`runlab.tracking.optuna_study`, where ``runlab report`` and the dashboard reach
them (the tracker may not import plugins); this module keeps the names next to the sweeper.
"""

from __future__ import annotations

from runlab.tracking.optuna_study import (
    find_study_dirs,
    history_figure,
    importance_figure,
    open_sweep_study,
    parallel_figure,
    plotly_figures,
    slice_figures,
    study_figures,
)

__all__ = [
    "find_study_dirs",
    "history_figure",
    "importance_figure",
    "open_sweep_study",
    "parallel_figure",
    "plotly_figures",
    "slice_figures",
    "study_figures",
]
