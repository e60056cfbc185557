"""What a composition takes from outside the configs and what it returns: plain values.

Kept apart from the pipeline (``runlab.config.compose``) so that code handing these around -- the
runtime's app setup, a composition read back from the cache -- does not import the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING

from runlab._values import frozen

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from runlab.config._loaded import Snapshots
    from runlab.config.defaults import DefaultsResult
    from runlab.config.repository import ConfigRepository
    from runlab.config.sources import SearchPathEntry

__all__ = ["ComposeContext", "Composed", "Session"]


@frozen
class ComposeContext:
    """Everything composition reads from outside the configs, passed in explicitly."""

    job_name: str | None = None
    version_base: str = "1.3"
    cwd: str = ""
    config_name: str | None = None


@frozen
class Session:
    """What a sweep job's composition can reuse from its master composition."""

    base_search_path: tuple[SearchPathEntry, ...]
    config_name: str | None
    context: ComposeContext
    repository: ConfigRepository
    snapshots: Snapshots = field(default_factory=dict)


@frozen
class Composed:
    """A composed config, the defaults that produced it, and where every value came from."""

    config: DictConfig
    defaults: DefaultsResult
    origins: Mapping[str, str]
    search_path: tuple[SearchPathEntry, ...]
    session: Session | None = field(default=None, repr=False, compare=False)
