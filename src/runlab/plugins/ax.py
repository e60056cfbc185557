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
another sweeper never pays for it.  runlab adds:

* ``objective_key``: reads the objective from a returned mapping;
* other keys of ``experiment`` go to ``AxClient.create_experiment`` as they are (as in Hydra's plugin),
  e.g. ``choose_generation_strategy_kwargs: {num_initialization_trials: 3}``;
* **resume by default**: ``<sweep_dir>/.runlab/ax_state.json`` holds the Ax client (experiment and
  generation strategy, as Ax's JSON snapshot), the job -> trial map and the early-stopping counters,
  rewritten atomically when a batch is asked and when it is told.  Re-running the sweep into the same
  directory replays the jobs it has -- the sweep loop skips those that completed, re-runs those that
  failed or a kill interrupted -- then asks Ax only for the trials still missing, so ``max_trials``
  counts the whole sweep and trial numbers continue.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runlab.errors import HydraException
from runlab.plugins import JobResult, SweepContext

__all__ = ["STATE_FILE", "AxSweeper", "EarlyStopper", "ax_parameters"]

log = logging.getLogger(__name__)

STATE_FILE = os.path.join(".runlab", "ax_state.json")
"""The sweep's Ax state, relative to the sweep dir (see the module docstring)."""
_STATE_FORMAT = 1
_EXPERIMENT_KEYS = (
    "objective_name", "minimize", "name", "parameter_constraints", "outcome_constraints", "status_quo"
)
"""``experiment`` keys the sweeper maps itself; any other goes to ``create_experiment`` as it is."""


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


def _plain(value: Any) -> Any:
    """Config values as plain Python (the parameters are compared with, and stored as, JSON)."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _write_atomically(path: str, text: str) -> None:
    """A kill leaves the previous state or the new one, never half of either."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(tmp, path)


@dataclass(frozen=True)
class _Job:
    """A job of this sweep: its number, its Ax trial and the overrides it runs with."""

    num: int
    trial: int
    overrides: tuple[str, ...]


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
        self.parameters: list[dict[str, Any]] = []
        self.jobs: dict[int, _Job] = {}  # every job of this sweep (replayed ones too), by number
        self._replay: list[_Job] = []
        self._asked: list[_Job] = []
        self._trials_left = self.max_trials
        self._total = self.max_trials
        self._next_job = 0
        self._stopped = False
        self._finished = False

    @property
    def total_jobs(self) -> int:
        """Jobs of the whole sweep (replayed ones included), for the progress line."""
        return self._total

    @property
    def state_path(self) -> str:
        return os.path.join(self.sweep_dir, STATE_FILE)

    def begin(self, context: SweepContext) -> None:
        from omegaconf import OmegaConf

        ax_client_class, objective_properties = _import_ax_client()
        # The loop's own sweep dir (right under ``runlab resume`` too); older loops: the config's.
        given = getattr(context, "sweep_dir", "") or OmegaConf.select(context.config, "hydra.sweep.dir")
        self.sweep_dir = os.path.abspath(str(given))
        self.parameters = _plain(ax_parameters(self.params, context.overrides))
        verbose = bool(self.client.get("verbose_logging", False))
        if not verbose:
            _quiet_ax_info_lines()
        client_options = {"verbose_logging": verbose, "random_seed": self.client.get("random_seed")}
        state = self._load_state() if self._resume_wanted(context) else None
        with warnings.catch_warnings():
            # AxClient is deprecated in Ax 1.3 (removed in 1.4, hence the ``ax-platform<1.4`` pin):
            # Hydra's plugin is built on it and its options map one to one.
            warnings.simplefilter("ignore", DeprecationWarning)
            if state is None:
                self.ax_client = ax_client_class(**client_options)
            else:
                with _quiet():
                    self.ax_client = ax_client_class.from_json_snapshot(state["client"], **client_options)
        if state is None:
            self._create_experiment(objective_properties)
        else:
            self._restore(state)
        self._next_job = len(self._replay)
        self._trials_left = max(self.max_trials - len(self._replay), 0)
        self._total = len(self._replay) + self._trials_left
        described = ", ".join(_describe(p) for p in self.parameters)
        log.info(f"AxSweeper is optimizing the following parameters: {described}")
        if self._replay:
            log.info(
                f"Resuming the Ax experiment of {self.sweep_dir}: {len(self._replay)} trials of this "
                f"sweep already exist, {self._trials_left} to go"
            )

    def _create_experiment(self, objective_properties: Any) -> None:
        extra = {key: _plain(value) for key, value in self.experiment.items() if key not in _EXPERIMENT_KEYS}
        with _quiet():
            self.ax_client.create_experiment(
                name=self.experiment.get("name"),
                parameters=self.parameters,
                objectives={self.objective_name: objective_properties(minimize=self.minimize)},
                parameter_constraints=_plain(self.experiment.get("parameter_constraints")),
                outcome_constraints=_plain(self.experiment.get("outcome_constraints")),
                status_quo=_plain(self.experiment.get("status_quo")),
                **extra,
            )

    # -- resume -------------------------------------------------------------------------------

    def _resume_wanted(self, context: SweepContext) -> bool:
        """The loop's own switch: ``hydra.sweeper.resume`` (the constructor's ``resume``, which the
        registry passes, or the config's) and ``RUNLAB_SWEEP_RESUME=0``; replaying trials the loop
        re-runs would be wrong."""
        from omegaconf import OmegaConf

        if not self.resume or os.environ.get("RUNLAB_SWEEP_RESUME", "1") == "0":
            return False
        return bool(OmegaConf.select(context.config, "hydra.sweeper.resume", default=True))

    def _load_state(self) -> dict[str, Any] | None:
        """The state a previous run of this sweep left, or None to start a new experiment."""
        try:
            with open(self.state_path, encoding="utf-8") as file:
                state = json.load(file)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as error:
            log.warning(f"Ignoring the unreadable Ax state {self.state_path} ({error}): a new experiment")
            return None
        if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT:
            log.warning(f"Ignoring the Ax state {self.state_path} of another runlab version: a new experiment")
            return None
        if state.get("parameters") != self.parameters:
            raise HydraException(
                f"The sweep dir '{self.sweep_dir}' holds an Ax experiment over other parameters "
                f"({', '.join(_describe(p) for p in state.get('parameters') or [])}); sweep into "
                "another hydra.sweep.dir, or set hydra.sweeper.resume=false to start it anew"
            )
        return state

    def _restore(self, state: Mapping[str, Any]) -> None:
        """Take back the jobs, trials and early-stopping counters of the run that was stopped."""
        jobs = {int(j["job"]): _Job(int(j["job"]), int(j["trial"]), tuple(j["overrides"])) for j in state["jobs"]}
        trials = self.ax_client.experiment.trials
        for num in range(len(jobs)):
            job = jobs.get(num)
            if job is None or job.trial not in trials:
                break  # a gap: the rest are new trials
            self._replay.append(job)
            self.jobs[num] = job
        replayed = {job.trial for job in self._replay}
        for index, trial in trials.items():
            if not trial.status.is_terminal and index not in replayed:
                with _quiet():
                    self.ax_client.log_trial_failure(trial_index=index)
        stopper = state.get("stopper") or {}
        self.stopper.best = stopper.get("best")
        self.stopper.epochs_without_improvement = int(stopper.get("epochs_without_improvement", 0))
        if self.stopper.epochs_without_improvement >= self.stopper.max_epochs_without_improvement:
            self._stopped = True

    def _save_state(self) -> None:
        with _quiet():
            snapshot = self.ax_client.to_json_snapshot()
        state = {
            "format": _STATE_FORMAT,
            "parameters": self.parameters,
            "client": snapshot,
            "jobs": [
                {"job": job.num, "trial": job.trial, "overrides": list(job.overrides)}
                for job in sorted(self.jobs.values(), key=lambda j: j.num)
            ],
            "stopper": {
                "best": self.stopper.best,
                "epochs_without_improvement": self.stopper.epochs_without_improvement,
            },
        }
        _write_atomically(self.state_path, json.dumps(state))

    # -- ask / tell ----------------------------------------------------------------------------

    def ask(self) -> list[list[str]] | None:
        if self._replay:
            self._asked = self._next_replayed_batch()
            return [list(job.overrides) for job in self._asked]
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
        self._asked = [
            _Job(self._next_job + i, index, tuple(f"{name}={_render(v)}" for name, v in params.items()))
            for i, (index, params) in enumerate(trials.items())
        ]
        self.jobs.update((job.num, job) for job in self._asked)
        self._next_job += len(trials)
        self._trials_left -= len(trials)
        self._total = max(self._total, self._next_job + self._trials_left)
        self._save_state()  # before any of them runs: a kill from here on is resumable
        log.info(f"AxSweeper is launching {len(trials)} jobs")
        return [list(job.overrides) for job in self._asked]

    def _next_replayed_batch(self) -> list[_Job]:
        """The next batch of a resumed sweep's replay: at most ``max_batch_size`` jobs whose trial did
        not complete (they run again), like any batch; completed ones ride along, since the loop finds
        their completion records and skips them (a replay of finished jobs is one batch)."""
        taken = 0
        to_run = 0
        trials = self.ax_client.experiment.trials
        for job in self._replay:
            if not trials[job.trial].status.is_completed:
                if to_run == self.max_batch_size:
                    break
                to_run += 1
            taken += 1
        batch, self._replay = self._replay[:taken], self._replay[taken:]
        return batch

    def _raw_data(self, value: Any) -> tuple[float, float | None]:
        if self.objective_key is not None and isinstance(value, Mapping):
            value = value[self.objective_key]
        if isinstance(value, tuple):
            mean, sem = value
            return float(mean), None if sem is None else float(sem)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"Return value must be a number or a (mean, sem) tuple. Got '{value}'.")
        return float(value), (None if self.is_noisy else 0.0)

    def _outcome(self, result: JobResult) -> tuple[float, float | None] | None:
        """The trial's data, or None (with Hydra's warning) when the job failed or returned junk."""
        try:
            if not result.ok:
                raise ValueError(result.error or "the job failed")
            return self._raw_data(result.return_value)
        except (ValueError, TypeError, KeyError) as error:
            log.warning(f"Failed experiment: {error}")
            return None

    def tell(self, results: Sequence[JobResult]) -> None:
        by_num = {result.num: result for result in results}
        told = False
        for job in self._asked:
            result = by_num.get(job.num)
            trial = self.ax_client.experiment.trials[job.trial]
            if trial.status.is_terminal:  # a replayed job whose trial ended before the stop
                if result is not None and trial.status.is_failed:
                    told = self._retry(job, result) or told
                continue
            told = True
            raw = None if result is None else self._outcome(result)  # None: fail_fast never ran it
            with _quiet():
                if raw is None:
                    self.ax_client.log_trial_failure(trial_index=job.trial)
                else:
                    self.ax_client.complete_trial(trial_index=job.trial, raw_data={self.objective_name: raw})
        self._asked = []
        if told:
            best = self._best()
            if best is not None and self.stopper.should_stop(best[1], best[0]):
                self._stopped = True
            self._save_state()

    def _retry(self, job: _Job, result: JobResult) -> bool:
        """A replayed job whose trial had failed ran again: a success becomes a new trial of the same
        parameters (Ax never completes a failed trial); the job now stands for that one."""
        if not result.ok:
            return False
        raw = self._outcome(result)
        if raw is None:
            return False
        parameters = dict(self.ax_client.experiment.trials[job.trial].arm.parameters)
        with _quiet():
            _, index = self.ax_client.attach_trial(parameters=parameters)
            self.ax_client.complete_trial(trial_index=index, raw_data={self.objective_name: raw})
        self.jobs[job.num] = _Job(job.num, index, job.overrides)
        return True

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


def _quiet_ax_info_lines() -> None:
    """``verbose_logging: false`` keeps Ax's INFO lines (strategy choice, inferred types) off the
    console; AxClient itself only quiets its own logger."""
    try:
        from ax.utils.common.logger import set_stderr_log_level
    except ImportError:  # pragma: no cover - moved in another Ax release: the lines stay
        return
    set_stderr_log_level(logging.WARNING)


def _describe(param: Mapping[str, Any]) -> str:
    name = param["name"]
    kind = param.get("type")
    if kind == "range":
        return f"{name}: range={list(param['bounds'])}"
    if kind == "choice":
        return f"{name}: choice={list(param['values'])}"
    return f"{name}: fixed={param.get('value')}"
