"""Hydra's ``hydra._internal.instantiate._instantiate2`` names, as aliases of runlab's implementation.

Some libraries import ``instantiate`` or the ``_Keys`` enum from here; they keep working.  Nothing in
runlab imports this module.
"""

from __future__ import annotations

from enum import Enum

from runlab.config.instantiate import ARGS, CONVERT, PARTIAL, RECURSIVE, TARGET, instantiate
from runlab.config.instantiate import _instantiate_node as instantiate_node
from runlab.config.locate import locate as _locate

__all__ = ["_Keys", "_locate", "instantiate", "instantiate_node"]


class _Keys(str, Enum):
    """The reserved config keys, under the names Hydra's enum gives them."""

    TARGET = TARGET
    CONVERT = CONVERT
    RECURSIVE = RECURSIVE
    ARGS = ARGS
    PARTIAL = PARTIAL
