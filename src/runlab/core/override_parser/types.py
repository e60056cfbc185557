"""Hydra's ``hydra.core.override_parser.types`` path: the override value types, re-exported."""

from __future__ import annotations

from runlab.config._override_values import Quote, QuotedString
from runlab.config.overrides import Key, Override, OverrideType, Transformer, ValueType
from runlab.config.sweeps import ChoiceSweep, Glob, IntervalSweep, RangeSweep, Sweep

__all__ = [
    "ChoiceSweep",
    "Glob",
    "IntervalSweep",
    "Key",
    "Override",
    "OverrideType",
    "Quote",
    "QuotedString",
    "RangeSweep",
    "Sweep",
    "Transformer",
    "ValueType",
]
