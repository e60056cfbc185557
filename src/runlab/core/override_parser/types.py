"""Hydra's ``hydra.core.override_parser.types`` path: the override value types, re-exported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runlab.config._override_values import Quote, QuotedString
from runlab.config.overrides import Key, Override, OverrideType, Transformer, ValueType
from runlab.config.sweeps import ChoiceSweep, Glob, IntervalSweep, RangeSweep, Sweep

__all__ = [
    "ChoiceSweep",
    "ElementType",
    "Glob",
    "IntervalSweep",
    "Key",
    "Override",
    "OverrideType",
    "ParsedElementType",
    "Quote",
    "QuotedString",
    "RangeSweep",
    "Sweep",
    "Transformer",
    "TransformerType",
    "ValueType",
]

# Hydra's type aliases, for plugins that annotate with them.
ElementType = str | int | float | bool | list[Any] | dict[str, Any]
ParsedElementType = ElementType | QuotedString | None
TransformerType = Callable[[ParsedElementType], Any]
