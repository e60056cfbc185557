"""``Composed.origins``: where each leaf value of a composed config came from."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

if TYPE_CHECKING:
    from runlab.config._merge import Merged
    from runlab.config.overrides import Override

__all__ = ["LazyOrigins"]


class LazyOrigins(Mapping[str, str]):
    """Dotted leaf key -> the config path (or ``override <text>``) that last set it.

    Computed on first access by replaying the merge order over the loaded contents, so a composition
    that never asks pays nothing.
    """

    def __init__(
        self, merged: Sequence[Merged], overrides: Sequence[Override], config: DictConfig
    ) -> None:
        self._merged = merged
        self._overrides = tuple(overrides)
        self._config = config
        self._table: dict[str, str] | None = None

    def _compute(self) -> dict[str, str]:
        if self._table is None:
            table: dict[str, str] = {}
            for item in self._merged:
                for key in _leaf_keys(item.content, item.package):
                    table[key] = item.config_path
            for override in self._overrides:
                if override.is_delete():
                    continue
                key = override.key_or_group
                source = f"override {override.input_line}"
                value = override.value()
                table[key] = source
                if isinstance(value, dict):
                    for leaf in _leaf_keys(OmegaConf.create(value), key):
                        table[leaf] = source
            self._table = {
                key: table[key] for key in _leaf_keys(self._config, "") if key in table
            }
        return self._table

    def without_hydra(self) -> dict[str, str]:
        """The table for the task's keys only (no ``hydra.*``): what a run record keeps.

        Skips the ``hydra`` node's files and leaves, which are most of a composed config, so a
        job's record pays for its own config's size only (a fraction of a millisecond when small).
        """
        if self._table is not None:
            return {k: v for k, v in self._table.items() if not _is_hydra_key(k)}
        table: dict[str, str] = {}
        for item in self._merged:
            if _is_hydra_key(item.package):
                continue
            for key in _leaf_keys(item.content, item.package):
                table[key] = item.config_path
        for override in self._overrides:
            if override.is_delete() or _is_hydra_key(override.key_or_group):
                continue
            source = f"override {override.input_line}"
            table[override.key_or_group] = source
            value = override.value()
            if isinstance(value, dict):
                for leaf in _leaf_keys(OmegaConf.create(value), override.key_or_group):
                    table[leaf] = source
        result: dict[str, str] = {}
        for name in self._config:
            if name == "hydra":
                continue
            for key in _leaf_keys(self._config._get_node(name), str(name)):
                if key in table:
                    result[key] = table[key]
        return result

    def __getitem__(self, key: str) -> str:
        return self._compute()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._compute())

    def __len__(self) -> int:
        return len(self._compute())

    def __repr__(self) -> str:
        return f"Origins({self._compute()!r})"


def _is_hydra_key(key: str) -> bool:
    return key == "hydra" or key.startswith("hydra.")


def _leaf_keys(node: Any, prefix: str) -> Iterator[str]:
    if isinstance(node, DictConfig) and not node._is_missing() and not node._is_none():
        keys = list(node.keys())
        if not keys and prefix:
            yield prefix
        for key in keys:
            if key == "defaults" and not prefix:
                continue
            child = node._get_node(key)
            name = str(key)
            yield from _leaf_keys(child, f"{prefix}.{name}" if prefix else name)
    elif prefix:
        yield prefix
