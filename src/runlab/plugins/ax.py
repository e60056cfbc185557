"""``hydra/sweeper=ax``: Bayesian optimization with Ax, driven by runlab's sweep loop.

Options, parameter mapping and console lines follow Hydra's Ax sweeper plugin (spec section 12.6):

* config params are Ax parameter dicts keyed by name (``{type: range, bounds: [lo, hi]}``,
  ``{type: choice, values: [...]}``, ``{type: fixed, value: x}``); int bounds give an int range;
* on the command line ``interval(a, b)`` is a float range parameter (``int(interval(...))`` an int one),
  ``tag(log, interval(...))`` log-scaled, ``choice(...)``/``a,b``/``range(...)`` a choice parameter and a
  plain value a fixed one; the command line overrides config params of the same name;
* the task returns a number or ``(mean, sem)``; with ``is_noisy: true`` a bare number means unknown
  noise, with ``false`` zero noise;
* early stopping after ``max_epochs_without_improvement`` batches without an improvement larger than
  ``epsilon``; ``optimization_results.yaml`` holds ``optimizer: ax`` and the best parameters.

ax-platform (and torch under it) is heavy: it is imported only when this sweeper begins, so selecting
another sweeper never pays for it.  ``objective_key`` (runlab) reads the objective from a returned mapping.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runlab.errors import HydraException
from runlab.plugins import JobResult, SweepContext

__all__ = ["AxSweeper", "EarlyStopper", "ax_parameters"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Ax and the libraries under it (pandas, torch, botorch) warn about their own internals on
    almost every call; those are not the user's to act on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _import_ax_client() -> tuple[Any, Any]:
    """``AxClient`` and ``ObjectiveProperties``; the deprecation noise torch prints on import is
    torch's business, not the user's, so it is silenced for the import only."""
    with _quiet():
        from ax.service.ax_client import AxClient, ObjectiveProperties  # type: ignore[attr-defined,unused-ignore]
    return AxClient, ObjectiveProperties


@dataclass
class EarlyStopper:
    """Stops the sweep once the best value has not improved by ``epsilon`` for N batches."""

    max_epochs_without_improvement: int = 10
    epsilon: float = 1e-5
    minimize: bool = True
    best: float | None = None
    epochs_without_improvement: int = 0

    def should_stop(self, value: float, parameters: Mapping[str, Any]) -> bool:
        improved = self.best is None or (
            self.best - value > self.epsilon if self.minimize else value - self.best > self.epsilon
        )
        if improved:
            self.best = value
            self.epochs_without_improvement = 0
            log.info(f"New best value: {value}, best parameters: {dict(parameters)}")
            return False
        self.epochs_without_improvement += 1
        if self.epochs_without_improvement >= self.max_epochs_without_improvement:
            log.info(
                f"Early stopping, best known value {self.best} did not improve for "
                f"{self.epochs_without_improvement} epochs"
            )
            return True
        return False


def _cli_parameter(override: Any) -> dict[str, Any]:
    from runlab.config.overrides import Transformer
    from runlab.config.sweeps import IntervalSweep

    name = override.get_key_element()
    if not override.is_sweep_override():
        return {"name": name, "type": "fixed", "value": override.value()}
    if override.is_interval_sweep():
        value = override.value()
        assert isinstance(value, IntervalSweep)
        param: dict[str, Any] = {"name": name, "type": "range", "bounds": [value.start, value.end]}
        if isinstance(value.start, int) and isinstance(value.end, int):
            param["value_type"] = "int"
        if "log" in value.tags:
            param["log_scale"] = True
        return param
    values = list(override.sweep_iterator(Transformer.identity))
    return {"name": name, "type": "choice", "values": values}


def ax_parameters(config_params: Mapping[str, Mapping[str, Any]], overrides: Sequence[str]) -> list[dict[str, Any]]:
    """Ax parameter dicts: config params (name -> dict), then the command line's, which win."""
    from runlab.config.overrides import parse_override

    params: dict[str, dict[str, Any]] = {}
    for name, spec in config_params.items():
        param = {"name": str(name), **dict(spec)}
        bounds = param.get("bounds")
        if param.get("type") == "range" and bounds and all(isinstance(b, int) for b in bounds):
            param.setdefault("value_type", "int")
        params[str(name)] = param
    for text in overrides:
        override = parse_override(text)
        if override.is_hydra_override():
            continue
        param = _cli_parameter(override)
        params[param["name"]] = param
    for param in params.values():
        if param.get("type") == "choice" and "is_ordered" not in param:
            param["is_ordered"] = False
        if param.get("type") == "choice" and "sort_values" not in param:
            param["sort_values"] = False
    return list(params.values())


def _render(value: Any) -> str:
    if isinstance(value, str):
        from runlab.config.overrides import Transformer

        return str(Transformer.encode(value))
    return str(value)


class AxSweeper:
    """Ax sweeper (``hydra/sweeper=ax``); the constructor takes ``hydra.sweeper``'s keys."""

    def __init__(
        self,
        ax_config: Mapping[str, Any] | None = None,
        max_batch_size: int | None = None,
        objective_key: str | None = None,
        fail_fast: bool = False,
        resume: bool = True,
        summary: bool = True,
    ) -> None:
        config = dict(ax_config or {})
        self.max_trials = int(config.get("max_trials", 10))
        self.early_stop = dict(config.get("early_stop") or {})
        self.experiment = dict(config.get("experiment") or {})
        self.client = dict(config.get("client") or {})
        self.params = dict(config.get("params") or {})
        self.is_noisy = bool(config.get("is_noisy", True))
        if max_batch_size is not None and (not isinstance(max_batch_size, int) or max_batch_size <= 0):
            raise HydraException(
                f"hydra.sweeper.max_batch_size must be a positive integer or null, got {max_batch_size!r}"
            )
        self.max_batch_size = max_batch_size
        self.objective_key = objective_key
        self.fail_fast = bool(fail_fast)
        self.resume = bool(resume)
        self.summary = bool(summary)  # fail_fast/resume/summary: runlab's loop keys, read by the runtime
        self.objective_name = str(self.experiment.get("objective_name") or "objective")
        self.minimize = bool(self.experiment.get("minimize", True))
        self.ax_client: Any = None
        self.sweep_dir = ""
        self.stopper = EarlyStopper(
            max_epochs_without_improvement=int(self.early_stop.get("max_epochs_without_improvement", 10)),
            epsilon=float(self.early_stop.get("epsilon", 1e-5)),
            minimize=bool(self.early_stop.get("minimize", True)),
        )
        self._trials_left = self.max_trials
        self._pending: dict[int, int] = {}  # job number -> Ax trial index
        self._next_job = 0
        self._stopped = False
        self._finished = False

    @property
    def total_jobs(self) -> int:
        return self.max_trials

    def begin(self, context: SweepContext) -> None:
        from omegaconf import OmegaConf

        ax_client_class, objective_properties = _import_ax_client()
        # The loop's own sweep dir (right under ``runlab resume`` too); older loops: the config's.
        given = getattr(context, "sweep_dir", "") or OmegaConf.select(context.config, "hydra.sweep.dir")
        self.sweep_dir = os.path.abspath(str(given))
        parameters = ax_parameters(self.params, context.overrides)
        with warnings.catch_warnings():
            # AxClient is deprecated in Ax 1.3 (removed in 1.4, hence the ``ax-platform<1.4`` pin):
            # Hydra's plugin is built on it and its options map one to one.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.ax_client = ax_client_class(
                verbose_logging=bool(self.client.get("verbose_logging", False)),
                random_seed=self.client.get("random_seed"),
            )
        with _quiet():
            self.ax_client.create_experiment(
                name=self.experiment.get("name"),
                parameters=parameters,
                objectives={self.objective_name: objective_properties(minimize=self.minimize)},
                parameter_constraints=self.experiment.get("parameter_constraints"),
                outcome_constraints=self.experiment.get("outcome_constraints"),
                status_quo=self.experiment.get("status_quo"),
            )
        described = ", ".join(_describe(p) for p in parameters)
        log.info(f"AxSweeper is optimizing the following parameters: {described}")

    def ask(self) -> list[list[str]] | None:
        if self._trials_left <= 0 or self._stopped:
            if not self._finished:
                self._finished = True
                self.finish()
            return None
        size = self._trials_left if self.max_batch_size is None else min(self.max_batch_size, self._trials_left)
        with _quiet():
            trials, exhausted = self.ax_client.get_next_trials(max_trials=size)
        if not trials:
            self._stopped = True
            return self.ask()
        if exhausted:
            self._trials_left = len(trials)
        self._pending = {self._next_job + i: index for i, index in enumerate(trials)}
        self._next_job += len(trials)
        self._trials_left -= len(trials)
        log.info(f"AxSweeper is launching {len(trials)} jobs")
        return [[f"{name}={_render(value)}" for name, value in trials[i].items()] for i in self._pending.values()]

    def _raw_data(self, value: Any) -> tuple[float, float | None]:
        if self.objective_key is not None and isinstance(value, Mapping):
            value = value[self.objective_key]
        if isinstance(value, tuple):
            mean, sem = value
            return float(mean), None if sem is None else float(sem)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"Return value must be a number or a (mean, sem) tuple. Got '{value}'.")
        return float(value), (None if self.is_noisy else 0.0)

    def tell(self, results: Sequence[JobResult]) -> None:
        by_num = {result.num: result for result in results}
        for num, index in self._pending.items():
            result = by_num.get(num)
            if result is None:  # the loop stopped before running it (fail_fast)
                with _quiet():
                    self.ax_client.log_trial_failure(trial_index=index)
                continue
            try:
                if not result.ok:
                    raise ValueError(result.error or "the job failed")
                raw = self._raw_data(result.return_value)
            except (ValueError, TypeError, KeyError) as error:
                log.warning(f"Failed experiment: {error}")
                with _quiet():
                    self.ax_client.log_trial_failure(trial_index=index)
                continue
            with _quiet():
                self.ax_client.complete_trial(trial_index=index, raw_data={self.objective_name: raw})
        self._pending = {}
        best = self._best()
        if best is not None and self.stopper.should_stop(best[1], best[0]):
            self._stopped = True

    def _best(self) -> tuple[dict[str, Any], float] | None:
        with _quiet():
            best = self.ax_client.get_best_parameters(use_model_predictions=False)
        if best is None or best[1] is None:
            return None
        value = best[1][0].get(self.objective_name)
        if value is None or math.isnan(value):
            return None
        return dict(best[0]), float(value)

    def finish(self) -> dict[str, Any]:
        """Write ``optimization_results.yaml`` and log the best parameters (Hydra's format)."""
        from omegaconf import OmegaConf

        best = self._best()
        parameters = {} if best is None else best[0]
        results = {"optimizer": "ax", "ax": parameters}
        OmegaConf.save(OmegaConf.create(results), os.path.join(self.sweep_dir, "optimization_results.yaml"))
        log.info(f"Best parameters: {parameters}")
        return results


def _describe(param: Mapping[str, Any]) -> str:
    name = param["name"]
    kind = param.get("type")
    if kind == "range":
        return f"{name}: range={list(param['bounds'])}"
    if kind == "choice":
        return f"{name}: choice={list(param['values'])}"
    return f"{name}: fixed={param.get('value')}"
