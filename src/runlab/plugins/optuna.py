"""``hydra/sweeper=optuna``: hyperparameter search with Optuna, driven by runlab's sweep loop.

The sweeper only asks Optuna for trials and tells it how they went; composing, launching (in this
process, a process pool, a cluster) and recording each trial as a run is the runtime's job, so every
launcher works and every trial is an ordinary run.  Options and console lines follow Hydra's Optuna
sweeper plugin (spec section 12.5); runlab adds:

* **Resume by default.**  Without ``storage`` the study lives in ``<sweep_dir>/optuna.journal`` (an
  Optuna journal file), not in memory, and ``<sweep_dir>/.runlab/optuna_trials.jsonl`` maps job numbers
  to trials and their overrides.  Re-running the same sweep into the same directory (same
  ``hydra.sweep.dir``, or ``runlab resume SWEEP_DIR``) first *replays* the trials it
  already has -- the sweep loop finds their completion records and does not run them again -- marks
  the trials a kill interrupted as ``FAIL``, and then asks only for the trials still missing, so
  ``n_trials`` counts the whole sweep and the best value carries on.  ``hydra.sweeper.resume=false``
  (or ``RUNLAB_SWEEP_RESUME=0``) starts a new study instead: the sweep dir's previous journal and
  trial map are set aside as ``optuna.journal.N`` / ``optuna_trials.jsonl.N``, never continued nor
  deleted (see :meth:`OptunaSweeper._set_aside_previous_study`).
* ``objective_key``: when the task returns a mapping, the key (or, for several objectives, the list of
  keys) holding the objective(s).
* A result line per trial in ``<sweep_dir>/.runlab/optuna_trials.jsonl`` (study, trial number, run
  dir, params, value(s), state, error; :func:`read_trial_records`; :mod:`runlab.plugins.optuna_trials`):
  a file per trial would cost a file creation per trial, the largest thing runlab would add to
  Optuna's own per-trial cost.
* ``<sweep_dir>/.runlab/optuna_study.json`` names the study and its storage (an absolute URL), so that
  ``runlab report`` and the dashboard find a study kept in another ``storage`` too
  (:mod:`runlab.tracking.optuna_study`).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runlab.errors import CompactHydraException, HydraException
from runlab.plugins import JobResult, SweepContext
from runlab.plugins.optuna_space import SearchSpace, build_search_space, legacy_search_space
from runlab.plugins.optuna_trials import (
    RESULT_KIND,
    TRIALS_FILE,
    TrialMapWriter,
    read_trial_map,
    read_trial_records,
)

__all__ = ["OptunaSweeper", "TooManyFailedTrialsError", "objective_values", "read_trial_records"]

log = logging.getLogger(__name__)

STORAGE_FILE = "optuna.journal"
"""The study's file in the sweep dir when no ``storage`` is configured: an Optuna journal file (no
database engine to import or migrate, appends only, safe for several processes)."""
JOURNAL_PREFIX = "journal:///"
"""``storage: journal:///path/to/file`` selects a journal file instead of a database URL."""
_RETRY_ATTR = "runlab_retry_of"
_RESUME_ENV = "RUNLAB_SWEEP_RESUME"
"""``RUNLAB_SWEEP_RESUME=0``: the runtime re-runs every job, so the sweeper starts a new study too."""


def absolute_storage_url(url: str) -> str:
    """``url`` with a relative file path made absolute (``journal:///f``, ``sqlite:///f``), so the
    study can be opened again from any directory; other URLs unchanged."""
    for prefix in (JOURNAL_PREFIX, "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :]
            if path and not path.startswith("/") and not path.startswith(":memory:"):
                return prefix + os.path.abspath(path)
    return url


class TooManyFailedTrialsError(CompactHydraException):
    """More trials of a batch failed than ``max_failure_rate`` allows (compact: the message names the
    rate and the first failure; each failure's traceback is already in its job's log)."""


def objective_values(return_value: Any, n_objectives: int, key: str | Sequence[str] | None) -> list[float]:
    """The objective value(s) a task returned, as floats -- with Hydra's messages when they are not.

    A mapping is read through ``key`` (``objective_key``): one key, or one per objective.
    """
    if key is not None and isinstance(return_value, Mapping):
        keys = [key] if isinstance(key, str) else list(key)
        missing = [k for k in keys if k not in return_value]
        if missing:
            raise ValueError(
                f"The task's return value has no key {missing[0]!r} (hydra.sweeper.objective_key); "
                f"keys: {sorted(map(str, return_value))}"
            )
        return_value = return_value[keys[0]] if len(keys) == 1 else [return_value[k] for k in keys]
    if n_objectives == 1:
        try:
            return [float(return_value)]
        except (ValueError, TypeError):
            raise ValueError(f"Return value must be float-castable. Got '{return_value}'.") from None
    try:
        values = [float(v) for v in return_value]
    except (ValueError, TypeError):
        raise ValueError(
            "Return value must be a list or tuple of float-castable values."
            f" Got '{return_value}'."
        ) from None
    if len(values) != n_objectives:
        raise ValueError(
            "The number of the values and the number of the objectives are"
            f" mismatched. Expect {n_objectives}, but actually {len(values)}."
        )
    return values


@dataclass(frozen=True)
class _AskedTrial:
    """A trial handed to the sweep loop: the Optuna trial (None when replayed) and its overrides."""

    num: int
    trial: Any
    overrides: tuple[str, ...]
    replayed: Any = None  # the FrozenTrial a resumed sweep already has for this job


class OptunaSweeper:
    """Optuna sweeper (``hydra/sweeper=optuna``); the constructor takes ``hydra.sweeper``'s keys."""

    def __init__(
        self,
        sampler: Any = None,
        direction: str | Sequence[str] = "minimize",
        storage: str | None = None,
        study_name: str | None = None,
        n_trials: int = 20,
        n_jobs: int = 2,
        max_failure_rate: float = 0.0,
        search_space: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        custom_search_space: str | Callable[[Any, Any], Any] | None = None,
        objective_key: str | Sequence[str] | None = None,
        fail_fast: bool = False,
        resume: bool = True,
        summary: bool = True,
    ) -> None:
        if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 0:
            raise CompactHydraException(f"hydra.sweeper.n_trials must be a non-negative integer, got {n_trials!r}")
        if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs <= 0:
            raise CompactHydraException(f"hydra.sweeper.n_jobs must be a positive integer, got {n_jobs!r}")
        if not 0.0 <= float(max_failure_rate) <= 1.0:
            raise CompactHydraException(
                f"hydra.sweeper.max_failure_rate must be between 0 and 1, got {max_failure_rate!r}"
            )
        self.sampler = sampler
        self.directions = [direction] if isinstance(direction, str) else [str(d) for d in direction]
        for item in self.directions:
            if item not in ("minimize", "maximize"):
                raise CompactHydraException(
                    f"hydra.sweeper.direction must be minimize or maximize (or a list of them), got {item!r}"
                )
        self.storage = storage
        self.study_name = study_name
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.max_failure_rate = float(max_failure_rate)
        self.legacy_search_space = dict(search_space or {})
        self.params = dict(params or {})
        self.custom_search_space = custom_search_space
        self.objective_key = objective_key
        self.fail_fast = bool(fail_fast)
        self.resume = bool(resume)
        # fail_fast/summary: runlab's loop keys, read by the runtime.  resume: read by the runtime
        # (re-run completed jobs) and here (start a new study); the registry passes it because this
        # constructor names it.
        self.summary = bool(summary)
        self.study: Any = None
        self.space = SearchSpace({}, {})
        self.sweep_dir = ""
        self._config: Any = None
        self._extender: Callable[[Any, Any], Any] | None = None
        self._replay: list[tuple[Any, tuple[str, ...]]] = []
        self._recorded: set[int] = set()  # replayed jobs whose result line is in the trial map
        self._next_replay = 0
        self._to_go = 0
        self._next_job = 0
        self._asked: list[_AskedTrial] = []
        self._trial_map = TrialMapWriter("")
        self._total = 0
        self._finished = False
        # Per-trial constants, computed once in ``begin`` (not once per trial).
        self._distributions: dict[str, Any] = {}
        self._fixed_overrides: tuple[str, ...] = ()
        self._study_json = '""'

    # -- setup ---------------------------------------------------------------------------------

    def arguments(self, overrides: Sequence[str]) -> list[str]:
        """``params`` as ``key=value`` strings, then the command line (which wins), like Hydra."""
        return [f"{key}={value}" for key, value in self.params.items()] + list(overrides)

    def _search_space(self, overrides: Sequence[str]) -> SearchSpace:
        space = build_search_space(self.arguments(overrides))
        if not self.legacy_search_space:
            return space
        import warnings

        warnings.warn(
            "hydra.sweeper.search_space is the deprecated (Hydra 1.1) format; use hydra.sweeper.params",
            DeprecationWarning,
            stacklevel=2,
        )
        return SearchSpace({**legacy_search_space(self.legacy_search_space), **space.distributions}, space.fixed)

    def _build_sampler(self) -> Any:
        sampler = self.sampler
        if isinstance(sampler, functools.partial):  # grid: the grid is the search space
            sampler = sampler(self.space.grid())
            size = math.prod(len(v) for v in self.space.grid().values())
            self.n_trials = min(self.n_trials, size)
            log.info(f"Updating num of trials to {self.n_trials} due to using GridSampler.")
        return sampler

    def _open_storage(self) -> tuple[Any, str]:
        """The storage to hand Optuna and how to name it on the console."""
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        if self.storage is None:
            os.makedirs(self.sweep_dir, exist_ok=True)
            path = os.path.join(self.sweep_dir, STORAGE_FILE)
            return JournalStorage(JournalFileBackend(path)), f"{JOURNAL_PREFIX}{path}"
        if self.storage.startswith(JOURNAL_PREFIX):
            path = self.storage[len(JOURNAL_PREFIX) :]
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            return JournalStorage(JournalFileBackend(path)), self.storage
        return self.storage, self.storage

    def _resume_wanted(self) -> bool:
        """``hydra.sweeper.resume`` (this constructor's ``resume``) and ``RUNLAB_SWEEP_RESUME=0``: the
        same switches that make the runtime re-run completed jobs."""
        return self.resume and os.environ.get(_RESUME_ENV, "1") != "0"

    def _set_aside_previous_study(self) -> None:
        """``resume=false``: keep what a previous run of this sweep dir left, under another name.

        The sweep dir's own journal (``storage`` unset), its trial map and its study record become
        ``<name>.N`` (the first N free for all three), so the new study starts empty and under the
        usual names -- which is what ``runlab report`` and the dashboard show -- while the old one can
        still be opened.  A ``storage`` of the user's is never moved: a new study goes into it next
        to the old one (see ``begin``).
        """
        from runlab.tracking.optuna_study import STUDY_RECORD

        journal = os.path.join(self.sweep_dir, STORAGE_FILE)
        trial_map = os.path.join(self.sweep_dir, TRIALS_FILE)
        names = [trial_map, os.path.join(self.sweep_dir, STUDY_RECORD)]
        if self.storage is None:
            names.insert(0, journal)
        present = [name for name in names if os.path.exists(name)]
        if not present:
            return
        number = 1
        while any(os.path.exists(f"{name}.{number}") for name in names):
            number += 1
        for name in present:
            os.replace(name, f"{name}.{number}")
        if journal in present:
            kept = f"the previous one is kept as {journal}.{number}"
        else:  # the user's storage keeps its studies; only this sweep dir's files were renamed
            kept = f"the previous sweep's trial map is kept as {trial_map}.{number}"
        log.info(f"hydra.sweeper.resume=false: a new study; {kept}")

    def begin(self, context: SweepContext) -> None:
        import optuna
        from omegaconf import OmegaConf

        from runlab.tracking.optuna_study import record_sweep_study

        self._config = context.config
        # The loop's own sweep dir (right under ``runlab resume`` too); older loops: the config's.
        given = getattr(context, "sweep_dir", "") or OmegaConf.select(context.config, "hydra.sweep.dir")
        self.sweep_dir = os.path.abspath(str(given))
        resume = self._resume_wanted()
        self._trial_map.close()
        if not resume:
            self._set_aside_previous_study()
        self._trial_map = TrialMapWriter(self.sweep_dir)
        self.space = self._search_space(context.overrides)
        self._distributions = dict(self.space.distributions)
        self._fixed_overrides = tuple(f"{name}={value}" for name, value in self.space.fixed.items())
        if self.custom_search_space is not None:
            self._extender = _locate_function(self.custom_search_space)
        sampler = self._build_sampler()
        storage, storage_name = self._open_storage()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study_name = self.study_name
        if study_name is None and self.storage is None and resume:
            # An unnamed study gets a random name: find the one this sweep dir already holds.
            existing = optuna.study.get_all_study_names(storage)
            study_name = existing[0] if len(existing) == 1 else None
        try:
            self.study = optuna.create_study(
                study_name=study_name,
                storage=storage,
                sampler=sampler,
                directions=self.directions,  # type: ignore[arg-type]  # validated strings
                load_if_exists=resume,
            )
        except optuna.exceptions.DuplicatedStudyError:
            raise CompactHydraException(
                f"hydra.sweeper.resume=false starts a new study, but the storage {self.storage} already "
                f"holds a study named '{study_name}': set another hydra.sweeper.study_name, or resume it"
            ) from None
        record_sweep_study(self.sweep_dir, self.study.study_name, absolute_storage_url(storage_name))
        self._study_json = json.dumps(self.study.study_name)
        if log.isEnabledFor(logging.INFO):
            log.info(f"Study name: {self.study.study_name}")
            log.info(f"Storage: {storage_name}")
            log.info(f"Sampler: {type(self.study.sampler).__name__}")
            log.info(f"Directions: {self.directions}")
        self._replay = self._trials_to_replay() if resume else []
        self._next_replay = 0
        self._next_job = len(self._replay)
        self._to_go = max(self.n_trials - len(self._replay), 0)
        self._total = len(self._replay) + self._to_go
        self._finished = False
        if self._replay:
            log.info(
                f"Resuming study {self.study.study_name}: {len(self._replay)} trials of this sweep "
                f"already exist, {self._to_go} to go"
            )

    def _trials_to_replay(self) -> list[tuple[Any, tuple[str, ...]]]:
        """This sweep dir's trials, by job number; those a kill interrupted are marked FAIL first.

        Replaying them keeps job numbers and run dirs aligned with trial numbers: the sweep loop skips
        every replayed job that completed, and re-runs those that failed or were killed.
        """
        import optuna

        stale = (optuna.trial.TrialState.RUNNING, optuna.trial.TrialState.WAITING)
        mapping, records = read_trial_map(self.sweep_dir, self.study.study_name)
        self._recorded = set(records)
        by_number = {t.number: t for t in self.study.get_trials(deepcopy=False)}
        mine = {int(e["trial"]) for e in mapping.values()}
        # In the sweep dir's own storage every trial is this sweep's, even one a kill caught before
        # it was written down; in a shared storage others' running trials are left alone.
        for number, trial in by_number.items():
            if trial.state in stale and (self.storage is None or number in mine):
                self.study._storage.set_trial_state_values(
                    trial._trial_id, optuna.trial.TrialState.FAIL
                )
        replay = []
        for num in range(len(mapping)):
            entry = mapping.get(num)
            if entry is None or int(entry["trial"]) not in by_number:
                break  # a gap: the rest are new trials
            trial = self.study._storage.get_trial(by_number[int(entry["trial"])]._trial_id)
            replay.append((trial, tuple(entry["overrides"])))
        return replay

    # -- ask / tell ----------------------------------------------------------------------------

    @property
    def total_jobs(self) -> int:
        """How many jobs this invocation plans (replayed ones included), for the progress line."""
        return self._total

    def ask(self) -> list[list[str]] | None:
        if self._replay:
            self._asked = self._next_replayed_batch()
            return [list(a.overrides) for a in self._asked]
        if self._to_go <= 0:
            if not self._finished:
                self._finished = True
                self._trial_map.close()
                self.finish()
            return None
        size = min(self.n_jobs, self._to_go)
        self._to_go -= size
        self._asked = [self._ask_one() for _ in range(size)]
        # Built by hand: the only part that needs encoding is the overrides (the study name's JSON
        # is computed once); the result lines of the last batch go out with these, in one write.
        self._trial_map.append_text(
            "".join(
                f'{{"job": {a.num}, "study": {self._study_json}, "trial": {a.trial.number}, '
                f'"overrides": {json.dumps(a.overrides)}}}\n'
                for a in self._asked
            )
        )
        return [list(a.overrides) for a in self._asked]

    def _next_replayed_batch(self) -> list[_AskedTrial]:
        """The next batch of a resumed sweep's replay: at most ``n_jobs`` trials that will run again
        (not complete), like any batch; complete ones ride along, since the loop finds their
        completion records and skips them (so a replay of finished trials is one batch, and the
        loop says so once)."""
        import optuna

        start = self._next_replay
        taken = 0
        to_run = 0
        for trial, _ in self._replay:
            if trial.state != optuna.trial.TrialState.COMPLETE:
                if to_run == self.n_jobs:
                    break
                to_run += 1
            taken += 1
        batch, self._replay = self._replay[:taken], self._replay[taken:]
        self._next_replay = start + taken
        return [
            _AskedTrial(start + i, None, overrides, replayed=trial) for i, (trial, overrides) in enumerate(batch)
        ]

    def _ask_one(self) -> _AskedTrial:
        trial = self.study.ask()
        # What ``study.ask(fixed_distributions=...)`` does, keeping the sampled values: reading
        # ``trial.params`` afterwards would deep-copy them.
        suggest = trial._suggest
        params = {name: suggest(name, distribution) for name, distribution in self._distributions.items()}
        for name, value in self.space.fixed.items():
            trial.set_user_attr(name, value)
        if self._extender is not None:
            self._extender(self._config, trial)
            params = trial.params  # the extender may have suggested more
            overlap = set(self.space.fixed) & set(params)
            if overlap:
                raise HydraException(
                    "Overlapping fixed parameters and search space parameters found!"
                    f"Overlapping parameters: {sorted(overlap)}"
                )
        overrides = tuple([f"{name}={value}" for name, value in params.items()]) + self._fixed_overrides
        self._next_job += 1
        return _AskedTrial(self._next_job - 1, trial, overrides)

    def tell(self, results: Sequence[JobResult]) -> None:
        import optuna

        failures: list[str] = []
        records: list[dict[str, Any]] = []
        by_num = {result.num: result for result in results}
        complete = optuna.trial.TrialState.COMPLETE
        for asked in self._asked:
            result = by_num.get(asked.num)
            if result is None:  # the loop stopped before running it (fail_fast)
                if asked.trial is not None:
                    self._tell_study(asked.trial, None, optuna.trial.TrialState.FAIL)
                continue
            if asked.trial is None:
                records.extend(self._tell_replayed(asked, result))
                continue
            values: list[float] | None = None
            state = complete
            error: str | None = None
            if not result.ok:
                error = result.error or "the job failed"
            else:
                try:
                    values = objective_values(result.return_value, len(self.directions), self.objective_key)
                except ValueError as exc:
                    error = str(exc)
            if error is not None:
                state, values = optuna.trial.TrialState.FAIL, None
                log.warning(f"Failed experiment: {error}")
                failures.append(error)
            frozen = self._tell_study(asked.trial, values, state)
            records.append(_result_entry(result, self.study.study_name, frozen, error))
        stopped = len(by_num) < len(self._asked)
        self._asked = []
        if records:
            # A batch without trouble is followed by the next ask, whose lines flush these (one
            # write a batch); after a failure the loop may stop here (fail_fast): flushed now.
            self._trial_map.append(records, flush=bool(failures) or stopped)
        if results and len(failures) / len(results) > self.max_failure_rate:
            message = (
                f"Failed {len(failures)} times out of {len(results)} "
                f"with max_failure_rate={self.max_failure_rate}."
            )
            log.error(message)
            raise TooManyFailedTrialsError(f"{message} First failure: {failures[0]}")

    def _tell_study(self, trial: Any, values: list[float] | None, state: Any) -> Any:
        """``study.tell``; a grid sampler asks the study to stop once its grid is covered, which Optuna
        refuses outside ``optimize`` -- the trial is recorded all the same (Hydra ignores it too)."""
        try:
            return self.study.tell(trial, values=values, state=state, skip_if_finished=True)
        except RuntimeError as error:
            if "Study.stop" not in str(error):
                raise
            return self.study._storage.get_trial(trial._trial_id)

    def _tell_replayed(self, asked: _AskedTrial, result: JobResult) -> list[dict[str, Any]]:
        """A replayed job ran again (it had failed or been killed): its result becomes a new trial.

        Returns the trial-map lines to append (the job's new trial, then its result; for a complete
        trial whose result line a kill lost, that line)."""
        import optuna

        previous = asked.replayed
        if previous.state == optuna.trial.TrialState.COMPLETE:
            if result.num in self._recorded:
                return []
            return [_result_entry(result, self.study.study_name, previous, None)]
        if not result.ok:
            return []
        try:
            values = objective_values(result.return_value, len(self.directions), self.objective_key)
        except ValueError as exc:
            log.warning(f"Failed experiment: {exc}")
            return []
        trial = optuna.trial.create_trial(
            params=previous.params,
            distributions=previous.distributions,
            values=values,
            user_attrs={**previous.user_attrs, _RETRY_ATTR: previous.number},
        )
        self.study.add_trial(trial)
        frozen = self.study.get_trials(deepcopy=False)[-1]
        return [
            {"job": result.num, "study": self.study.study_name, "trial": frozen.number,
             "overrides": list(asked.overrides)},
            _result_entry(result, self.study.study_name, frozen, None),
        ]

    # -- end -----------------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        """Log the best trial(s) and write ``optimization_results.yaml``; returns what was written."""
        import optuna

        completed = self.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if not completed:
            log.warning("No trial completed: no best parameters")
            return {}
        if len(self.directions) < 2:
            best = self.study.best_trial
            results: dict[str, Any] = {
                "name": "optuna",
                "best_params": best.params,
                "best_value": best.value,
            }
            log.info(f"Best parameters: {best.params}")
            log.info(f"Best value: {best.value}")
        else:
            best_trials = self.study.best_trials
            results = {
                "name": "optuna",
                "solutions": [{"params": t.params, "values": t.values} for t in best_trials],
            }
            log.info(f"Number of Pareto solutions: {len(best_trials)}")
            for trial in best_trials:
                log.info(f"    Values: {trial.values}, Params: {trial.params}")
        with open(os.path.join(self.sweep_dir, "optimization_results.yaml"), "w", encoding="utf-8") as file:
            file.write(_results_yaml(results))
        return results


def _results_yaml(results: Mapping[str, Any]) -> str:
    """``OmegaConf.to_yaml(OmegaConf.create(results))`` for plain values, without building a config
    (which costs more than the rest of the sweep's wrap-up): OmegaConf's own YAML dumper."""
    import yaml

    try:
        from omegaconf._utils import get_omega_conf_dumper
    except ImportError:  # pragma: no cover - an OmegaConf without it: the public way
        from omegaconf import OmegaConf

        return OmegaConf.to_yaml(OmegaConf.create(dict(results)))
    text: str = yaml.dump(
        dict(results), default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=get_omega_conf_dumper()
    )
    return text


def _locate_function(target: str | Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    if callable(target):
        return target
    from runlab.config.locate import get_method

    function: Callable[[Any, Any], Any] = get_method(target)
    return function


def _result_entry(result: JobResult, study_name: str, trial: Any, error: str | None) -> dict[str, Any]:
    """A trial-map line with what ``runlab`` shows about this job as a trial."""
    values = list(trial.values) if trial.values else None
    return {
        "kind": RESULT_KIND,
        "job": result.num,
        "study": study_name,
        "study_name": study_name,
        "number": trial.number,
        "run_dir": result.output_dir,
        "state": trial.state.name,
        "params": trial.params,
        "values": values,
        "value": values[0] if values and len(values) == 1 else None,
        "fixed_params": {k: v for k, v in trial.user_attrs.items() if k != _RETRY_ATTR},
        "error": error,
    }
