"""Hydra's ``hydra.utils`` surface: instantiate, dotted-path lookup and the original working directory.

Importing this module stays cheap (no OmegaConf): ``instantiate``/``call`` import the implementation on
first use, and ``get_original_cwd``/``to_absolute_path`` look up the current job's ``HydraConfig`` only
when called, because the job context belongs to the runtime layer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runlab.config.locate import get_class, get_method, get_object, get_static_method
from runlab.types import ConvertMode

__all__ = [
    "ConvertMode",
    "call",
    "get_class",
    "get_method",
    "get_object",
    "get_original_cwd",
    "get_static_method",
    "instantiate",
    "to_absolute_path",
]


def instantiate(config: Any, *args: Any, **kwargs: Any) -> Any:
    """Build the object ``config`` describes (see ``runlab.config.instantiate``)."""
    from runlab.config.instantiate import instantiate as build

    return build(config, *args, **kwargs)


call = instantiate
"""Hydra's alias: calling a function and constructing an object are the same operation."""


def get_original_cwd() -> str:
    """The directory the app was launched from, even after the job changed into its output dir."""
    from runlab.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        raise ValueError("get_original_cwd() must only be used after HydraConfig is initialized")
    cwd = HydraConfig.get().runtime.cwd
    if not isinstance(cwd, str):
        raise TypeError(f"hydra.runtime.cwd must be a string, got {cwd!r}")
    return cwd


def to_absolute_path(path: str) -> str:
    """``path`` made absolute against the launch directory (inside a job) or the current one."""
    from runlab.core.hydra_config import HydraConfig

    candidate = Path(path)
    if candidate.is_absolute():
        return str(candidate)
    base = Path(get_original_cwd()) if HydraConfig.initialized() else Path(os.getcwd())
    return str(base / candidate)
