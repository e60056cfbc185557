"""Hydra's ``hydra.types`` names: run modes, instantiate's convert modes, the task function type."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from runlab._values import mutable

__all__ = ["ConvertMode", "HydraContext", "RunMode", "TaskFunction"]

TaskFunction = Callable[[Any], Any]


class RunMode(Enum):
    """Whether the command runs one job or a sweep of jobs."""

    RUN = 1
    MULTIRUN = 2


class ConvertMode(Enum):
    """How ``instantiate`` hands config containers to targets (the ``_convert_`` key)."""

    NONE = "none"
    PARTIAL = "partial"
    OBJECT = "object"
    ALL = "all"

    def __eq__(self, other: object) -> bool:
        # Hydra compares modes with plain strings from configs ("all", "ALL", ...).
        if isinstance(other, ConvertMode):
            return other.value == self.value
        if isinstance(other, str):
            return other.lower() == self.value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)


@mutable
class HydraContext:
    """What a Hydra-style sweeper or launcher plugin receives in ``setup``."""

    config_loader: Any
    callbacks: Any
