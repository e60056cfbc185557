"""Configs as the defaults builder and the merger need them: loaded once per composition.

The repository returns a fresh object per call (so callers may mutate it); building the defaults
tree reads each config's defaults list and header and composition merges its content, so one
:class:`ConfigCache` per composition loads every file once and hands out shared, read-only
:class:`LoadedConfig` values.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict, read_write

from runlab._values import frozen
from runlab.config import _builtin_cache
from runlab.config._default_elements import InputDefault
from runlab.config.defaults import parse_defaults_list

if TYPE_CHECKING:
    from runlab.config.repository import ConfigRepository

__all__ = ["EMPTY_PRIMARY", "ConfigCache", "LoadedConfig"]

EMPTY_PRIMARY = "_dummy_empty_config_"
"""The primary config used when ``config_name`` is ``None`` (never shown in the final list)."""


@frozen
class LoadedConfig:
    """One config: its content without ``defaults`` (unless typed), header and parsed defaults.

    ``content`` must not be mutated: merge copies it.  ``typed_defaults`` is set when a structured
    config declares a ``defaults`` field, which OmegaConf would re-create during merge; composition
    removes it afterwards at the config's package.
    """

    config_path: str
    content: DictConfig | ListConfig
    header_package: str | None
    defaults: tuple[InputDefault, ...]
    has_defaults: bool
    has_content: bool
    is_schema_source: bool
    provider: str
    typed_defaults: bool = False
    shared: bool = False
    stable_key: tuple[str, str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _has_real_content(config: DictConfig | ListConfig) -> bool:
    """Does the config set anything besides its defaults list (``???`` values do not count)?"""
    if not isinstance(config, DictConfig):
        return False
    for key in config:
        if key == "defaults":
            continue
        if not OmegaConf.is_missing(config, key):
            return True
    return False


def _extract_defaults(
    config_path: str, config: DictConfig | ListConfig, version_base: str
) -> tuple[tuple[InputDefault, ...], bool, bool]:
    """Split the ``defaults`` node off an untyped config; returns (entries, present, typed)."""
    if not isinstance(config, DictConfig) or "defaults" not in config:
        return (), False, False
    typed = OmegaConf.get_type(config) not in (dict, None)
    node = config._get_node("defaults")
    if isinstance(node, (DictConfig, ListConfig)):
        raw: Any = OmegaConf.to_container(node, resolve=False)
    else:
        raw = node._value() if node is not None else None
    if not typed:
        with open_dict(config), read_write(config):
            del config["defaults"]
    entries = parse_defaults_list(config_path, raw, version_base)
    return entries, True, typed


def _stable_key(repository: ConfigRepository, config_path: str, version_base: str) -> tuple[str, str, str] | None:
    """A process-wide cache key when the winning source is runlab's own (provider ``hydra``).

    runlab's own ``hydra/*`` configs (package files and the built-in schema) never change while a
    process runs, so they are loaded once per process, shared, and kept on disk between processes
    (:mod:`runlab.config._builtin_cache`).  A ``hydra/config`` a user stored is shared within the
    process only (its key names the stored object).
    """
    from runlab.config.sources import PackageConfigSource, StructuredConfigSource

    if not config_path.startswith("hydra/"):
        return None
    for source in repository.get_sources():
        if not source.is_config(config_path):
            continue
        if source.provider == "hydra" and isinstance(source, PackageConfigSource):
            return (f"pkg:{source.path}", config_path, version_base)
        if config_path == "hydra/config" and isinstance(source, StructuredConfigSource):
            file_name = source.file_name(config_path)
            if source.store.is_builtin(file_name):
                return ("builtin-store", config_path, version_base)
            node = source.store._lookup(file_name)
            return (f"store:{id(node)}", config_path, version_base)
        return None
    return None


_REALPATHS: dict[str, str] = {}


def _realpath(path: str) -> str:
    """``os.path.realpath``, remembered: resolving each component costs more than parsing a
    small config, and a config dir's links do not change while a process composes."""
    found = _REALPATHS.get(path)
    if found is None:
        import os

        found = _REALPATHS[path] = os.path.realpath(path)
    return found


def _winning_source(repository: ConfigRepository, config_path: str) -> Any:
    for source in repository.sources:
        if source.is_config(config_path):
            return source
    return None


Snapshots = dict[tuple[Any, str], "tuple[bytes, LoadedConfig] | None"]
"""(search path, config path) -> the loaded config pickled (None: not found), for one sweep's jobs."""


class ConfigCache:
    """Loads configs through a repository, once each, for one composition.

    ``snapshots`` (optional) lets the compositions of one sweep share their loads: the first one
    pickles each config as loaded, later ones unpickle a fresh copy (cheaper than building it from
    YAML again).  A sweep therefore sees its files as they were when its first job was composed.
    """

    def __init__(
        self,
        repository: ConfigRepository,
        version_base: str = "1.3",
        snapshots: Snapshots | None = None,
    ) -> None:
        self.repository = repository
        self.version_base = version_base
        self.snapshots = snapshots
        self._loaded: dict[str, LoadedConfig | None] = {}

    def exists(self, config_path: str) -> bool:
        if config_path == EMPTY_PRIMARY:
            return True
        if config_path in self._loaded:
            return self._loaded[config_path] is not None
        return self.repository.config_exists(config_path)

    def load(self, config_path: str) -> LoadedConfig | None:
        if config_path in self._loaded:
            return self._loaded[config_path]
        snapshots = self.snapshots
        key = (self.repository.entries, config_path)
        if snapshots is not None and key in snapshots:
            snapshot = snapshots[key]
            loaded = (
                None
                if snapshot is None
                else replace(snapshot[1], content=pickle.loads(snapshot[0]))
            )
        else:
            loaded = self._load(config_path)
            if snapshots is not None and (loaded is None or not loaded.shared):
                snapshots[key] = None if loaded is None else (pickle.dumps(loaded.content), loaded)
        self._loaded[config_path] = loaded
        return loaded

    def _load_file(self, config_path: str) -> LoadedConfig | None:
        """A config whose winning source is a plain directory, read without building OmegaConf
        nodes for its ``defaults`` list (the list is only parsed; a 1,000-entry primary would
        otherwise cost more than the configs it selects)."""
        import os

        from runlab.config.sources import FileConfigSource, parse_header
        from runlab.config.yamlfiles import config_from_data, read_yaml_file

        source = _winning_source(self.repository, config_path)
        if type(source) is not FileConfigSource:
            return None
        full_path = _realpath(os.path.join(source.path, source.file_name(config_path)))
        head, data = read_yaml_file(full_path)
        present = isinstance(data, dict) and "defaults" in data
        raw_defaults = data.pop("defaults") if present else None
        config = config_from_data(data, filename=full_path)
        return LoadedConfig(
            config_path=config_path,
            content=config,
            header_package=parse_header(head, full_path).get("package"),
            defaults=parse_defaults_list(config_path, raw_defaults, self.version_base),
            has_defaults=present,
            has_content=_has_real_content(config),
            is_schema_source=False,
            provider=source.provider,
        )

    def _load(self, config_path: str) -> LoadedConfig | None:
        if config_path == EMPTY_PRIMARY:
            return LoadedConfig(
                config_path=config_path,
                content=OmegaConf.create({}),
                header_package=None,
                defaults=(),
                has_defaults=False,
                has_content=False,
                is_schema_source=False,
                provider="hydra",
            )
        key = _stable_key(self.repository, config_path, self.version_base)
        if key is not None:
            _builtin_cache.ensure_restored()
            if key in _builtin_cache.STABLE:
                loaded_before: LoadedConfig = _builtin_cache.STABLE[key]
                return loaded_before
        from_file = self._load_file(config_path)
        if from_file is not None:
            return from_file
        result = self.repository.load_config(config_path)
        if result is None:
            return None
        config = result.config
        entries, present, typed = _extract_defaults(config_path, config, self.version_base)
        loaded = LoadedConfig(
            config_path=config_path,
            content=config,
            header_package=result.header.get("package"),
            defaults=entries,
            has_defaults=present,
            has_content=_has_real_content(config),
            is_schema_source=result.is_schema_source,
            provider=result.provider,
            typed_defaults=typed and present,
            shared=key is not None,
            stable_key=key,
        )
        if key is not None:
            _builtin_cache.STABLE[key] = loaded
        return loaded
