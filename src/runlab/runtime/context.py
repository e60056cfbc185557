"""The current job's ``hydra`` node, and the resolvers that read it (``now``, ``hydra``, ``python_version``).

Hydra keeps the current ``hydra`` node in a process-wide singleton, and user code relies on that:
``HydraConfig.get()`` is called from helper threads, from callbacks and from code running after a
compose-API call.  A context variable would hide the value from threads the task starts, so this is a
plain module-level holder that ``run_job`` sets and restores around each job.

Resolvers are registered by ``register_resolvers()`` (called when an app starts or the compose API
initializes), never at import, so importing runlab leaves OmegaConf untouched.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

__all__ = [
    "current_hydra_config",
    "get_hydra_node",
    "get_original_cwd",
    "hydra_config_is_set",
    "register_resolvers",
    "restore_hydra_config",
    "set_hydra_config",
    "to_absolute_path",
]

_NOT_SET_MESSAGE = "HydraConfig was not set"

# The full config of the current job (None outside a job); ``get_hydra_node`` returns its ``hydra``.
_current: DictConfig | None = None


def set_hydra_config(config: DictConfig) -> None:
    """Make ``config.hydra`` the current job's node and mark it read-only.

    Hydra stores a masked copy of the ``hydra`` node parented to ``config``; runlab keeps a reference
    to ``config`` itself, which resolves the same interpolations without deep-copying the (large)
    ``hydra`` node several times per job.  ``HydraConfig.instance().cfg`` still builds Hydra's
    ``{hydra: ...}`` view on demand.
    """
    from omegaconf import OmegaConf

    global _current
    if config is None:  # pragma: no cover - defensive, Hydra asserts the same
        raise ValueError("HydraConfig.set_config() needs a config")
    from runlab.config._node_values import child

    hydra = child(config, "hydra")
    if hydra._get_node_flag("readonly") is not True:  # setting it again would re-walk the node
        OmegaConf.set_readonly(hydra, True)
    _current = config


def current_hydra_config() -> DictConfig | None:
    """The full config of the current job (used to save and restore around jobs)."""
    return _current


def restore_hydra_config(saved: DictConfig | None) -> None:
    global _current
    _current = saved


def hydra_config_is_set() -> bool:
    return _current is not None


def get_hydra_node() -> DictConfig:
    """``HydraConfig.get()``: the ``hydra`` node of the current job; ValueError outside a job."""
    if _current is None:
        raise ValueError(_NOT_SET_MESSAGE)
    node = _current.hydra
    return node  # type: ignore[no-any-return]


def get_original_cwd() -> str:
    """The directory the app was launched from (``hydra.runtime.cwd``)."""
    if _current is None:
        raise ValueError("get_original_cwd() must only be used after HydraConfig is initialized")
    cwd = _current.hydra.runtime.cwd
    assert isinstance(cwd, str)
    return cwd


def to_absolute_path(path: str) -> str:
    """``path`` made absolute against the launch directory (or the cwd outside a job)."""
    from pathlib import Path

    candidate = Path(path)
    if candidate.is_absolute():
        return str(candidate)
    base = Path(get_original_cwd()) if hydra_config_is_set() else Path(os.getcwd())
    return str(base / candidate)


def _hydra_resolver(path: str) -> Any:
    from omegaconf import OmegaConf

    return OmegaConf.select(get_hydra_node(), path)


def _now_resolver(pattern: str) -> str:
    from datetime import datetime

    return datetime.now().strftime(pattern)


def _python_version_resolver(level: str = "minor") -> str:
    info = sys.version_info
    parts = {"major": 1, "minor": 2, "micro": 3}
    if level not in parts:
        raise ValueError(f"python_version: unknown level {level!r}, expected major, minor or micro")
    return ".".join(str(part) for part in (info.major, info.minor, info.micro)[: parts[level]])


def register_resolvers() -> None:
    """(Re-)register Hydra's resolvers; ``now`` is cached per config so a run sees one start time."""
    import omegaconf
    from omegaconf import OmegaConf

    if omegaconf.__version__.startswith("2.3"):  # its register_resolver is the legacy one
        OmegaConf.register_new_resolver("now", _now_resolver, use_cache=True, replace=True)
        OmegaConf.register_new_resolver("hydra", _hydra_resolver, replace=True)
        OmegaConf.register_new_resolver("python_version", _python_version_resolver, replace=True)
        return
    # OmegaConf 2.4 deprecates register_new_resolver; values are checked by the resolvers themselves.
    register = OmegaConf.register_resolver
    register("now", _now_resolver, use_cache=True, replace=True, annotation_validation="off")
    register("hydra", _hydra_resolver, replace=True, annotation_validation="off")
    register("python_version", _python_version_resolver, replace=True, annotation_validation="off")
