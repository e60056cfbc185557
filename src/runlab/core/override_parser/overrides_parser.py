"""Hydra's ``hydra.core.override_parser.overrides_parser`` path.

``OverridesParser.create().parse_overrides(overrides=[...])`` is how Hydra plugins parse overrides;
here it delegates to :func:`runlab.config.overrides.parse_override`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from runlab.config.overrides import Override, parse_override

__all__ = ["OverridesParser"]


class OverridesParser:
    """Parses override strings; holds nothing but the config loader Hydra's API passes around."""

    def __init__(self, config_loader: Any = None) -> None:
        self.config_loader = config_loader

    @classmethod
    def create(cls, config_loader: Any = None) -> OverridesParser:
        return cls(config_loader=config_loader)

    def parse_override(self, s: str) -> Override:
        override = parse_override(s)
        if self.config_loader is not None:
            # Only globs need it (to list group options); equality ignores it.
            override = replace(override, config_loader=self.config_loader)
        return override

    def parse_overrides(self, overrides: Iterable[str]) -> list[Override]:
        return [self.parse_override(s) for s in overrides]
