"""Real run directories for tests, written by runlab's own RunRecorder (no hand-made JSON)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from runlab.tracking.metrics import log_metrics
from runlab.tracking.recorder import RunRecorder
from runlab.tracking.records import RunRecord


def make_run(
    run_dir: Path,
    *,
    overrides: Sequence[str] = (),
    choices: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    origins: Mapping[str, str] | None = None,
    series: Mapping[str, Sequence[float]] | None = None,
    result: Any = None,
    error: BaseException | None = None,
    sweep_dir: Path | None = None,
    job_num: int | None = None,
    index_path: Path | str | None = "",
) -> RunRecord:
    """Record one run: log ``series`` step by step, then finish completed (or failed with error)."""
    recorder = RunRecorder.start(
        run_dir, sweep_dir=sweep_dir, job_num=job_num, overrides=list(overrides),
        choices=dict(choices or {}), config_yaml=yaml.safe_dump(dict(config or {})),
        resolved_yaml=None, origins=dict(origins or {}), command_line=["app.py", *overrides],
        app_dir=None, index_path=index_path,
    )
    for name, values in (series or {}).items():
        for step, value in enumerate(values):
            log_metrics({name: value}, step=step)
    if error is not None:
        try:
            raise error
        except BaseException as raised:  # noqa: BLE001 - we want the real traceback
            return recorder.finish("failed", error=raised)
    return recorder.finish("completed", return_value=result)


def make_sweep(
    sweep_dir: Path,
    grid: Mapping[str, Sequence[Any]],
    loss: Callable[[dict[str, Any]], float],
    *,
    fail: Callable[[dict[str, Any]], bool] = lambda params: False,
    groups: Sequence[str] = (),
    index_path: Path | str | None = "",
    steps: int = 3,
) -> list[RunRecord]:
    """A grid sweep: one job per combination; ``groups`` keys are config group choices."""
    records = []
    keys = list(grid)
    for num, values in enumerate(itertools.product(*(grid[k] for k in keys))):
        params = dict(zip(keys, values))
        overrides = [f"{k}={v}" for k, v in params.items()]
        config: dict[str, Any] = {}
        choices = {}
        for key, value in params.items():
            if key in groups:
                choices[key] = value
                config[key] = {"name": value, "port": 3306 if value == "mysql" else 5432}
            else:
                config[key] = value
        final = loss(params)
        series = {"loss": [final * (steps - i) for i in range(steps)]}
        origins = {}
        for key, value in params.items():
            if key in groups:
                origins.update({f"{key}.name": f"{key}/{value}.yaml",
                                f"{key}.port": f"{key}/{value}.yaml"})
            else:
                origins[key] = f"override {key}={value}"
        records.append(make_run(
            sweep_dir / str(num), overrides=overrides, choices=choices, config=config,
            origins=origins, series=series,
            result={"loss": final, "acc": 1.0 - final},
            error=RuntimeError(f"job {num} exploded") if fail(params) else None,
            sweep_dir=sweep_dir, job_num=num, index_path=index_path,
        ))
    return records
