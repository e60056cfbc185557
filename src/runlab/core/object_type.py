"""Hydra's ``hydra.core.object_type`` path: what a config path names (config, group, nothing)."""

from __future__ import annotations

from runlab.config.sources import ObjectType

__all__ = ["ObjectType"]
