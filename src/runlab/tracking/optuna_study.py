"""Figures of an Optuna study kept by the Optuna sweeper: history, importances, parallel coordinates, slices.

They live in the tracker (not next to the sweeper, :mod:`runlab.plugins.optuna_plots` re-exports
them) because ``runlab report`` and the dashboard draw them, and the tracker must not depend on the
plugins.  Most figures are described as runlab's library-neutral :class:`runlab.tracking.plots.Figure`,
so the report draws them with whichever of matplotlib/plotly is installed, exactly like its other
figures, and the dashboard turns them into plotly.js specs.  A contour plot has no such description;
:func:`plotly_figures` returns Optuna's own plotly figures (history, importances, contour, slice)
for interactive HTML when plotly is there.

A study is found through the record the sweeper leaves in ``<sweep_dir>/.runlab/optuna_study.json``
(the study's name and its storage as an absolute URL: the sweep dir's journal, or a ``storage`` the
user chose -- a database or a journal elsewhere), or, for sweeps older than that record,
``<sweep_dir>/optuna.journal`` (the sweeper's default storage); optuna is imported only when a study
is opened.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from runlab.tracking.plots import Figure, Series

__all__ = [
    "STUDY_RECORD",
    "find_study_dirs",
    "history_figure",
    "importance_figure",
    "open_sweep_study",
    "parallel_figure",
    "plotly_figures",
    "read_study_record",
    "record_sweep_study",
    "slice_figures",
    "storage_file",
    "study_figures",
]

_JOURNAL = "optuna.journal"
_JOURNAL_PREFIX = "journal:///"
STUDY_RECORD = os.path.join(".runlab", "optuna_study.json")
"""Where an Optuna sweep records which study it ran and where that study is stored."""


def record_sweep_study(sweep_dir: str, study_name: str, storage_url: str) -> None:
    """Write the sweep's study record (once a sweep, by the sweeper; replaced atomically)."""
    path = os.path.join(sweep_dir, STUDY_RECORD)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = f"{path}.{os.getpid()}.tmp"
    with open(partial, "w", encoding="utf-8") as file:
        json.dump({"study_name": study_name, "storage": storage_url}, file)
    os.replace(partial, path)


def read_study_record(sweep_dir: str) -> dict[str, str] | None:
    """``{"study_name", "storage"}`` the sweeper recorded in ``sweep_dir``; None without (or with an
    unreadable) record."""
    try:
        with open(os.path.join(sweep_dir, STUDY_RECORD), encoding="utf-8") as file:
            record = json.load(file)
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("storage"), str):
        return None
    name = record.get("study_name")
    return {"study_name": str(name) if name is not None else "", "storage": record["storage"]}


def storage_file(sweep_dir: str) -> str | None:
    """The local file holding ``sweep_dir``'s study (a journal or an SQLite database), whose changes
    tell a cache that the study changed; None when it lives in a database server or nowhere."""
    record = read_study_record(sweep_dir)
    if record is None:
        journal = os.path.join(sweep_dir, _JOURNAL)
        return journal if os.path.isfile(journal) else None
    url = record["storage"]
    for prefix in (_JOURNAL_PREFIX, "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :].split("?", 1)[0]
            return path if os.path.isfile(path) else None
    return None


def find_study_dirs(run_dirs: Iterable[str], sweep_dirs: Iterable[str | None] = ()) -> list[str]:
    """The sweep dirs that hold (or recorded) an Optuna study kept by the sweeper: the runs' recorded
    sweep dirs, and the parents of their run dirs (a nested ``hydra.sweep.subdir`` is found through
    the former)."""
    found: list[str] = []
    candidates = [*(d for d in sweep_dirs if d), *(os.path.dirname(os.path.abspath(r)) for r in run_dirs)]
    for candidate in candidates:
        where = os.path.abspath(candidate)
        if where not in found and (
            os.path.exists(os.path.join(where, STUDY_RECORD)) or os.path.exists(os.path.join(where, _JOURNAL))
        ):
            found.append(where)
    return found


def _open_storage(url: str) -> Any:
    if url.startswith(_JOURNAL_PREFIX):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        path = url[len(_JOURNAL_PREFIX) :]
        if not os.path.isfile(path):  # the backend would create an empty one
            raise ValueError(f"the study's journal {path} does not exist")
        return JournalStorage(JournalFileBackend(path))
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :].split("?", 1)[0]
        if not path.startswith(":memory:") and not os.path.isfile(path):  # SQLAlchemy would create it
            raise ValueError(f"the study's database {path} does not exist")
    return url


def open_sweep_study(sweep_dir: str, study_name: str | None = None) -> Any:
    """The study an ``hydra/sweeper=optuna`` sweep ran in ``sweep_dir``: the one its record names
    (in whichever storage), else the sweep dir journal's only one -- unless ``study_name`` is given."""
    import optuna

    record = read_study_record(sweep_dir)
    if record is not None:
        storage = _open_storage(record["storage"])
        study_name = study_name or record["study_name"] or None
    else:
        storage = _open_storage(_JOURNAL_PREFIX + os.path.join(os.path.abspath(sweep_dir), _JOURNAL))
    if study_name is None:
        names = optuna.study.get_all_study_names(storage)
        if len(names) != 1:
            raise ValueError(f"{sweep_dir} holds {len(names)} studies; name one of {names}")
        study_name = names[0]
    return optuna.load_study(study_name=study_name, storage=storage)


def _completed(study: Any) -> list[Any]:
    import optuna

    trials: list[Any] = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    return trials


def _objective(study: Any) -> tuple[str, int]:
    names = getattr(study, "metric_names", None) or []
    return (str(names[0]) if names else "objective"), 0


def history_figure(study: Any) -> Figure:
    """Objective value per trial and the best value so far (the first objective of several)."""
    import optuna

    label, index = _objective(study)
    trials = sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    numbers = tuple(t.number for t in trials)
    values = tuple(
        t.values[index] if t.state == optuna.trial.TrialState.COMPLETE and t.values else None for t in trials
    )
    maximize = study.directions[index] == optuna.study.StudyDirection.MAXIMIZE
    best: list[float | None] = []
    current: float | None = None
    for value in values:
        if value is not None and (current is None or (value > current if maximize else value < current)):
            current = value
        best.append(current)
    return Figure(
        kind="lines",
        title=f"Optimization history of {study.study_name}",
        x_label="trial",
        y_label=label,
        series=(Series("value", numbers, values), Series("best so far", numbers, tuple(best))),
        notes=(f"{failed} trials failed or were cut short",) if (failed := values.count(None)) else (),
    )


def importance_figure(study: Any) -> Figure | None:
    """Parameter importances (``optuna.importance``, fANOVA); None with fewer than two completed trials
    or nothing that varied."""
    import optuna

    completed = _completed(study)
    if len(completed) < 2:
        return None
    target = (lambda t: t.values[0]) if len(study.directions) > 1 else None
    try:
        importances = optuna.importance.get_param_importances(study, target=target)
    except (RuntimeError, ValueError):
        return None
    if not importances:
        return None
    names = tuple(importances)
    return Figure(
        kind="errorbars",
        title=f"Parameter importances of {study.study_name}",
        x_label="parameter",
        y_label="importance",
        series=(Series("importance", names, tuple(float(importances[n]) for n in names)),),
    )


def slice_figures(study: Any) -> list[Figure]:
    """The objective against each parameter, one figure per parameter."""
    label, index = _objective(study)
    completed = _completed(study)
    figures = []
    names = sorted({name for t in completed for name in t.params})
    for name in names:
        points = sorted(
            ((t.params[name], t.values[index]) for t in completed if name in t.params),
            key=lambda p: (isinstance(p[0], str), p[0]),
        )
        numeric = all(isinstance(x, (int, float)) for x, _ in points)
        figures.append(
            Figure(
                kind="errorbars",
                title=f"{label} vs {name}",
                x_label=name,
                y_label=label,
                series=(Series(name, tuple(x if numeric else str(x) for x, _ in points), tuple(y for _, y in points)),),
            )
        )
    return figures


def parallel_figure(study: Any) -> Figure:
    """Parallel coordinates of every completed trial's params, coloured by the objective."""
    _, index = _objective(study)
    completed = _completed(study)
    names = sorted({name for t in completed for name in t.params})
    return Figure(
        kind="parallel",
        title=f"Parallel coordinates of {study.study_name}",
        x_label="",
        y_label="",
        dimensions=tuple((n, tuple(t.params.get(n) for t in completed)) for n in names),
        color=tuple(t.values[index] for t in completed),
    )


def study_figures(study: Any) -> list[Figure]:
    """Everything the report shows for a study, in reading order."""
    figures = [history_figure(study)]
    importance = importance_figure(study)
    if importance is not None:
        figures.append(importance)
    if len(_completed(study)) >= 2:
        figures.append(parallel_figure(study))
    figures.extend(slice_figures(study)[:6])
    return figures


def plotly_figures(study: Any) -> dict[str, Any]:
    """Optuna's own interactive figures (need plotly): history, importances, contour, slice."""
    from optuna import visualization

    single = len(study.directions) == 1
    target = None if single else (lambda t: t.values[0])
    figures: dict[str, Any] = {"history": visualization.plot_optimization_history(study, target=target)}
    if len(_completed(study)) >= 2:
        figures["importances"] = visualization.plot_param_importances(study, target=target)
        figures["slice"] = visualization.plot_slice(study, target=target)
        figures["contour"] = visualization.plot_contour(study, target=target)
    return figures
