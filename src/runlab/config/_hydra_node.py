"""Filling the ``hydra`` node after composition (spec §8.2 steps 10-12).

Hydra records the run in the node it composed: the overrides (split into Hydra's and the task's),
the choices, the runtime facts and the job's name, ``override_dirname`` and config name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from omegaconf import DictConfig, OmegaConf, open_dict

from runlab.errors import ConfigCompositionException

if TYPE_CHECKING:
    from runlab.config._merge import Merged
    from runlab.config.compose import ComposeContext
    from runlab.config.defaults import DefaultsResult
    from runlab.config.overrides import Override
    from runlab.config.repository import ConfigRepository

__all__ = ["fill_hydra_node", "fill_static_runtime", "override_dirname", "touches_runtime"]


def override_dirname(
    overrides: Sequence[Override], *, kv_sep: str, item_sep: str, exclude_keys: Sequence[str]
) -> str:
    """``hydra.job.override_dirname``: sorted override texts joined, every ``=`` made ``kv_sep``."""
    lines = sorted(
        o.input_line or "" for o in overrides if o.key_or_group not in set(exclude_keys)
    )
    return item_sep.join(lines).replace("=", kv_sep)


def fill_static_runtime(hydra: DictConfig, repository: ConfigRepository, version_base: str) -> None:
    """``hydra.runtime`` facts that depend only on the search path and version base (cached)."""
    from runlab.config.searchpath import config_source_infos
    from runlab.config.settings import ConfigSourceInfo
    from runlab.version import __version__

    hydra.runtime.version = __version__
    hydra.runtime.version_base = version_base
    hydra.runtime.config_sources = [
        info if isinstance(info, ConfigSourceInfo) else ConfigSourceInfo(**info)
        for info in config_source_infos(repository.entries)
    ]


def touches_runtime(merged: Sequence[Merged], overrides: Sequence[Override]) -> bool:
    """Did a user config or override write ``hydra.runtime``?  (Then Hydra's values are re-set.)"""
    for override in overrides:
        key = override.key_or_group
        if key in ("hydra", "hydra.runtime") or key.startswith("hydra.runtime."):
            return True
    for item in merged:
        if item.config_path.startswith("hydra/") or not isinstance(item.content, DictConfig):
            continue
        if item.package == "hydra.runtime" or item.package.startswith("hydra.runtime."):
            return True
        inside = {"": "hydra.runtime", "hydra": "runtime"}.get(item.package)
        if inside is not None and OmegaConf.select(item.content, inside, default=None) is not None:
            return True
    return False


def fill_hydra_node(
    config: DictConfig,
    parsed: Sequence[Override],
    defaults: DefaultsResult,
    repository: ConfigRepository,
    context: ComposeContext,
    config_name: str | None,
    static_filled: bool,
) -> None:
    hydra = config.hydra
    task_overrides: list[Override] = []
    hydra_lines: list[str] = []
    task_lines: list[str] = []
    for override in parsed:
        if override.is_hydra_override():
            hydra_lines.append(override.input_line or "")
        else:
            task_lines.append(override.input_line or "")
            task_overrides.append(override)
    hydra.overrides.hydra.extend(hydra_lines)
    hydra.overrides.task.extend(task_lines)
    with open_dict(hydra):
        hydra.runtime.choices.update(defaults.choices)
        for key in hydra.job.env_copy:
            if key not in os.environ:
                raise ConfigCompositionException(
                    f"hydra.job.env_copy: the environment variable '{key}' is not set"
                )
            hydra.job.env_set[key] = os.environ[key]
    if not static_filled:
        fill_static_runtime(hydra, repository, context.version_base)
    hydra.runtime.cwd = context.cwd or os.getcwd()
    if "name" not in hydra.job:
        hydra.job.name = context.job_name
    settings = hydra.job.config.override_dirname
    hydra.job.override_dirname = override_dirname(
        task_overrides,
        kv_sep=settings.kv_sep,
        item_sep=settings.item_sep,
        exclude_keys=list(settings.exclude_keys),
    )
    hydra.job.config_name = config_name
