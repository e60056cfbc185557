"""runlab's pure core: overrides, config sources, defaults lists and composition.

Importing this package imports nothing else; the names below are loaded on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Override", "parse_override", "parse_overrides"]

_LAZY_EXPORTS = {
    "Override": "runlab.config.overrides",
    "parse_override": "runlab.config.overrides",
    "parse_overrides": "runlab.config.overrides",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module_name), name)
