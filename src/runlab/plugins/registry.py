"""Finding and building the launcher and sweeper a config selects -- importing only that one.

A plugin is named either by the ``_target_`` of ``hydra.launcher`` / ``hydra.sweeper`` (a dotted class
path, as Hydra configs have it) or by a short name registered under the entry-point groups
``runlab.launchers`` / ``runlab.sweepers`` (``basic``, ``processes``, ``joblib``; third-party
packages add theirs the same way).  Hydra's class paths for its built-ins and the joblib launcher are
accepted as aliases so configs written for Hydra select runlab's equivalents.

Nothing is scanned or imported up front: an unselected plugin costs nothing, and a selected plugin
whose optional dependency is missing fails with the ``pip install`` line that fixes it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from runlab.errors import CompactHydraException, InstantiationException

__all__ = [
    "ALIASES",
    "PluginNotFoundError",
    "create_launcher",
    "create_sweeper",
    "load_plugin_class",
]

LAUNCHER_GROUP = "runlab.launchers"
SWEEPER_GROUP = "runlab.sweepers"

_JOBLIB_TARGET = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"

ALIASES: Mapping[str, str] = {
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher": "runlab.plugins.serial.BasicLauncher",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper": "runlab.plugins.grid.BasicSweeper",
    _JOBLIB_TARGET: "runlab.plugins.processes.ProcessLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher": "runlab.plugins.ray.RayLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher":
        "runlab.plugins.submitit.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher":
        "runlab.plugins.submitit.SlurmLauncher",
    "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper": "runlab.plugins.optuna.OptunaSweeper",
}
"""Hydra's class paths -> runlab's classes that replace them."""

# Top-level module a plugin needs -> what to install.  Checked only after an import failed.
_EXTRA_PACKAGES: Mapping[str, str] = {
    "optuna": "optuna",
    "ax": "ax-platform",
    "ray": "ray",
    "submitit": "submitit",
    "joblib": "joblib",
    "nevergrad": "nevergrad",
    "redis": "rq",
    "rq": "rq",
}


class PluginNotFoundError(CompactHydraException):
    """The selected launcher/sweeper cannot be found or imported (a setup mistake: reported without
    a traceback, with the install command when it is known)."""


def _entry_point_target(group: str, name: str) -> str | None:
    from importlib.metadata import entry_points

    for entry in entry_points(group=group):
        if entry.name == name:
            module, _, attribute = entry.value.partition(":")
            return f"{module}.{attribute}" if attribute else module
    return None


def _known_names(group: str) -> list[str]:
    from importlib.metadata import entry_points

    return sorted({entry.name for entry in entry_points(group=group)})


def _install_hint(error: ImportError) -> str:
    missing = (getattr(error, "name", None) or "").split(".")[0]
    package = _EXTRA_PACKAGES.get(missing)
    return f"\nInstall it with: pip install {package}" if package else ""


def load_plugin_class(kind: str, target_or_name: str) -> type:
    """The class a ``_target_`` (or entry-point name) designates; ``kind`` is launcher or sweeper."""
    group = LAUNCHER_GROUP if kind == "launcher" else SWEEPER_GROUP
    target = ALIASES.get(target_or_name, target_or_name)
    if "." not in target:
        found = _entry_point_target(group, target)
        if found is None:
            raise PluginNotFoundError(
                f"Unknown {kind} '{target_or_name}'. Available: {', '.join(_known_names(group))}"
            )
        target = ALIASES.get(found, found)
    module_name, _, class_name = target.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise PluginNotFoundError(
            f"Could not instantiate plugin {target_or_name} : {error}\n\n\tIS THE PLUGIN INSTALLED?\n"
            + _install_hint(error)
        ) from error
    try:
        cls = getattr(module, class_name)
    except AttributeError:
        raise PluginNotFoundError(f"Unknown plugin class : '{target_or_name}'") from None
    if not isinstance(cls, type):
        raise PluginNotFoundError(f"Invalid plugin '{target_or_name}': not a class")
    return cls


def _options(node: Any) -> tuple[str, dict[str, Any]]:
    """``_target_`` and the constructor options of a ``hydra.launcher``/``hydra.sweeper`` node."""
    from omegaconf import DictConfig, OmegaConf

    if isinstance(node, DictConfig):
        plain = OmegaConf.to_container(node, resolve=True)
    else:
        plain = dict(node)
    assert isinstance(plain, dict)
    target = plain.pop("_target_", None)
    if not isinstance(target, str) or not target:
        raise PluginNotFoundError(f"The plugin config has no _target_: {plain}")
    return target, {str(k): v for k, v in plain.items()}


def _instantiate(cls: type, kind: str, target: str, options: dict[str, Any]) -> Any:
    from runlab.config.instantiate import instantiate

    nested = any(isinstance(v, Mapping) and "_target_" in v for v in options.values())
    try:
        if nested:  # e.g. optuna's sampler: built like Hydra builds it, recursively
            return instantiate({"_target_": f"{cls.__module__}.{cls.__qualname__}", **options})
        return cls(**options)
    except InstantiationException as error:
        if isinstance(error.__cause__, CompactHydraException):
            # The plugin rejected a setting and its message names it: not instantiate's wrapper.
            raise error.__cause__ from None
        raise
    except (TypeError, ValueError) as error:  # an unknown or out-of-range option of hydra.<kind>
        raise PluginNotFoundError(
            f"Could not create the {kind} {target} from hydra.{kind}: {error}"
        ) from error


def create_launcher(node: Any) -> Any:
    """Build the launcher ``hydra.launcher`` selects (``None`` -> the basic launcher)."""
    if node is None:
        from runlab.plugins.serial import BasicLauncher

        return BasicLauncher()
    target, options = _options(node)
    cls = load_plugin_class("launcher", target)
    from runlab.plugins.processes import ProcessLauncher

    if cls is ProcessLauncher and "job_id_style" not in options:
        # Configs written for Hydra's joblib launcher get its job ids (<job name>_<num>).
        joblib_style = target in ("joblib", _JOBLIB_TARGET) or "pre_dispatch" in options
        options["job_id_style"] = "joblib" if joblib_style else "num"
    return _instantiate(cls, "launcher", target, options)


RUNTIME_SWEEPER_KEYS = frozenset({"fail_fast", "resume", "summary"})
"""runlab's own keys under ``hydra.sweeper``: the sweep loop reads them.  A sweeper gets one only when
its constructor names it as a parameter (e.g. the Optuna sweeper's ``resume``, which decides whether
it continues the sweep dir's study); any other sweeper -- a third-party class written for Hydra -- is
built without them, as before."""


def _accepted_runtime_keys(cls: type) -> frozenset[str]:
    """The runtime keys ``cls``'s constructor names explicitly (not through ``**kwargs``)."""
    import inspect

    try:
        parameters = inspect.signature(cls).parameters
    except (TypeError, ValueError):  # no introspectable signature: pass none
        return frozenset()
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(
        name for name, parameter in parameters.items() if name in RUNTIME_SWEEPER_KEYS and parameter.kind in named
    )


def create_sweeper(node: Any) -> Any:
    """Build the sweeper ``hydra.sweeper`` selects (Hydra: "Hydra sweeper is not configured")."""
    if node is None:
        raise RuntimeError("Hydra sweeper is not configured")
    target, options = _options(node)
    cls = load_plugin_class("sweeper", target)
    dropped = RUNTIME_SWEEPER_KEYS - _accepted_runtime_keys(cls)
    options = {key: value for key, value in options.items() if key not in dropped}
    return _instantiate(cls, "sweeper", target, options)
