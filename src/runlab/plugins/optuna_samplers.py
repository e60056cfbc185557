"""Optuna samplers built from Hydra's sampler configs without the noise of a newer Optuna.

Hydra's sampler configs (``hydra/sweeper/sampler/*.yaml``) list every option with its default value.
Optuna 4.3+ deprecates several of those options (``consider_prior``, ``restart_strategy``, ...) and
warns whenever they are *passed*, even at their defaults -- so every sweep would print warnings the
user never asked for.  These factories pass only the options whose value differs from the installed
Optuna's default: the behaviour is the same, and a user who really sets a deprecated option still
hears about it.  ``MOTPESampler`` left Optuna in 4.0; on such an Optuna ``motpe`` builds a
``TPESampler``, which handles several objectives itself.

The built-in sampler configs (``hydra/sweeper/sampler=tpe|random|cmaes|nsgaii|motpe|qmc|grid``) all
target these factories, so every one of them works on the installed Optuna; a config that names
Optuna's class itself (``_target_: optuna.samplers.TPESampler``, as Hydra's plugin does) still works,
with whatever warnings that Optuna prints.  ``qmc`` is not in Hydra's plugin: its factory also keeps
Optuna's "experimental" notice off the console (the config group chose it, not the user's code).

Config use: ``_target_: runlab.plugins.optuna_samplers.TPESampler`` (same keys as Optuna's class).
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

__all__ = [
    "CmaEsSampler",
    "GridSampler",
    "MOTPESampler",
    "NSGAIISampler",
    "QMCSampler",
    "RandomSampler",
    "TPESampler",
]

log = logging.getLogger(__name__)

_UNSET = inspect.Parameter.empty

# The values Hydra's configs give, which were Optuna's defaults when those options were plain
# arguments.  Newer Optuna declares them ``None`` ("the default") and warns when they are passed.
_HYDRA_DEFAULTS: dict[str, dict[str, Any]] = {
    "TPESampler": {
        "consider_prior": True,
        "prior_weight": 1.0,
        "consider_magic_clip": True,
        "consider_endpoints": False,
        "multivariate": False,
        "warn_independent_sampling": True,
    },
    "CmaEsSampler": {"restart_strategy": None, "inc_popsize": 2},  # both only matter for restarts
    "QMCSampler": {"warn_asynchronous_seeding": True, "warn_independent_sampling": True},
}


def _build(class_name: str, options: dict[str, Any]) -> Any:
    import optuna

    cls = getattr(optuna.samplers, class_name)
    parameters = inspect.signature(cls).parameters
    unknown = sorted(set(options) - set(parameters))
    if unknown:
        raise TypeError(f"optuna.samplers.{class_name} has no option {unknown[0]!r} (hydra.sweeper.sampler)")
    hydra_defaults = _HYDRA_DEFAULTS.get(class_name, {})

    def is_default(name: str, value: Any) -> bool:
        default = parameters[name].default
        if default is _UNSET:
            return False
        if default == value:
            return True
        # Hydra's default for an option Optuna deprecated: leaving it out keeps Optuna's behaviour.
        return name in hydra_defaults and hydra_defaults[name] == value

    passed = {name: value for name, value in options.items() if not is_default(name, value)}
    return cls(**passed)


def TPESampler(**options: Any) -> Any:
    return _build("TPESampler", options)


def RandomSampler(**options: Any) -> Any:
    return _build("RandomSampler", options)


def CmaEsSampler(**options: Any) -> Any:
    return _build("CmaEsSampler", options)


def NSGAIISampler(**options: Any) -> Any:
    return _build("NSGAIISampler", options)


def QMCSampler(**options: Any) -> Any:
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _build("QMCSampler", options)


def GridSampler(search_space: Any, **options: Any) -> Any:
    """Called by the sweeper with the grid of the search space (the config is a ``_partial_``)."""
    return _build("GridSampler", {"search_space": search_space, **options})


def MOTPESampler(**options: Any) -> Any:
    import optuna

    if hasattr(optuna.samplers, "MOTPESampler"):
        return _build("MOTPESampler", options)
    options.pop("n_ehvi_candidates", None)
    log.info(f"Optuna {optuna.__version__} has no MOTPESampler: using TPESampler (it handles several objectives)")
    return _build("TPESampler", options)
