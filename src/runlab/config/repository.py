"""The config repository: one view over every source of a search path.

Lookups go through the sources in search path order and the first source that has a config wins,
which is why ``pkg://runlab.conf`` (first) shadows a user's ``hydra/job_logging/default.yaml``, as in
Hydra.  Group listings are the sorted union over all sources, because a group's options may be spread
over a config dir, a plugin package and the ConfigStore.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from runlab.config.sources import (
    ConfigResult,
    ConfigSource,
    ObjectType,
    SearchPathEntry,
    StructuredConfigSource,
    create_config_source,
)
from runlab.config.store import ConfigStore

__all__ = ["ConfigRepository", "register_builtin_configs"]

BUILTIN_PROVIDER = "hydra"
"""The provider name of runlab's own configs in ``hydra.runtime.config_sources``, as in Hydra."""


def register_builtin_configs(store: ConfigStore) -> None:
    """Store the ``hydra/config`` schema (provider ``hydra``) unless the store already has one.

    Called when a repository is built, so merely importing runlab changes nothing.  The schema
    module (two dozen dataclasses) is imported only when the schema is actually converted, which a
    warm on-disk cache of the hydra node avoids (``config/_builtin_cache.py``).
    """
    if store.get_type("hydra/config.yaml") is ObjectType.CONFIG:
        return
    store.store_builtin(
        group="hydra", name="config.yaml", build=_hydra_schema, provider=BUILTIN_PROVIDER
    )


def _hydra_schema() -> type:
    from runlab.config.settings import HydraConf

    return HydraConf


class ConfigRepository:
    """Configs and groups of a search path.

    ``allow_yml`` is for version_base 1.1 (configs named ``x.yml`` explicitly may load).  ``store``
    defaults to the shared ConfigStore; runlab's own ``hydra/config`` schema is registered into it
    here, on first use, rather than when runlab is imported.
    """

    entries: tuple[SearchPathEntry, ...]

    def __init__(
        self,
        entries: Sequence[SearchPathEntry],
        *,
        allow_yml: bool = False,
        store: ConfigStore | None = None,
    ) -> None:
        self.entries = tuple(entries)
        self.store = store if store is not None else ConfigStore.instance()
        if any(entry.scheme == "structured" for entry in self.entries):
            register_builtin_configs(self.store)
        self.sources: tuple[ConfigSource, ...] = tuple(
            create_config_source(entry, allow_yml=allow_yml, store=self.store)
            if entry.scheme == "structured"
            else create_config_source(entry, allow_yml=allow_yml)
            for entry in self.entries
        )

    def load_config(self, config_path: str) -> ConfigResult | None:
        """The config from the first source that has it, or None when no source does."""
        source = self._find_source(config_path, ObjectType.CONFIG)
        if source is None:
            return None
        result = source.load_config(config_path)
        is_schema = isinstance(source, StructuredConfigSource) and source.provider == "schema"
        if result.config_path != config_path or result.is_schema_source != is_schema:
            result = replace(result, config_path=config_path, is_schema_source=is_schema)
        return result

    def group_exists(self, path: str) -> bool:
        return self._find_source(path, ObjectType.GROUP) is not None

    def config_exists(self, path: str) -> bool:
        return self._find_source(path, ObjectType.CONFIG) is not None

    def get_group_options(
        self, group: str, results_filter: ObjectType | None = ObjectType.CONFIG
    ) -> list[str]:
        """Sorted union of the options (or sub-groups, or both) of ``group`` over all sources."""
        options: set[str] = set()
        for source in self.sources:
            if source.is_group(group):
                options.update(source.list(group, results_filter))
        return sorted(options)

    def list_groups(self, parent: str = "") -> list[str]:
        """Names of the groups directly below ``parent`` (Hydra's ``ConfigLoader.list_groups``)."""
        return self.get_group_options(parent, ObjectType.GROUP)

    def list_all_groups(self, parent: str = "") -> list[str]:
        """Every group below ``parent``, recursively as ``a/b`` paths, that holds a config.

        This is what ``--help`` lists as config groups; a group with only sub-groups is skipped.
        """
        found: list[str] = []
        for name in self.list_groups(parent):
            group = f"{parent}/{name}" if parent else name
            if self.get_group_options(group, ObjectType.CONFIG):
                found.append(group)
            found.extend(self.list_all_groups(group))
        return sorted(found)

    def get_schema_source(self) -> ConfigSource:
        """The ``structured://`` entry with provider ``schema`` (always last in a search path)."""
        source = self.sources[-1]
        if not (isinstance(source, StructuredConfigSource) and source.provider == "schema"):
            raise ValueError("schema config source must be last")
        return source

    def get_sources(self) -> list[ConfigSource]:
        return list(self.sources)

    def describe_search_path(self) -> str:
        """One ``\\tprovider=..., path=...`` line per source except the schema, for error texts."""
        return "\n".join(f"\t{source!r}" for source in self.sources if source.provider != "schema")

    def _find_source(self, path: str, object_type: ObjectType) -> ConfigSource | None:
        for source in self.sources:
            if object_type is ObjectType.CONFIG:
                if source.is_config(path):
                    return source
            elif source.is_group(path):
                return source
        return None
