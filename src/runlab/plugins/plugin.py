"""Hydra's ``hydra.plugins.plugin.Plugin``: the common base of Hydra-style plugin classes."""

from __future__ import annotations

from abc import ABC

__all__ = ["Plugin"]


class Plugin(ABC):
    """Marker base class; runlab finds plugins through entry points, not by scanning subclasses."""
