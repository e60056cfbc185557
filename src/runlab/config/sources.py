"""Config sources: one place configs can come from (a directory, a Python package, the ConfigStore).

A search path is a list of sources; each answers the same four questions ("is this a group?", "is
this a config?", "what is in this group?", "load it") so the repository can treat a directory, a
package inside a wheel or zip, and ConfigStore nodes alike.  Names, schemes and messages follow
Hydra's ``ConfigSource`` plugins, because users write ``pkg://`` and ``file://`` paths in their
configs and custom sources subclass :class:`ConfigSource` exactly as they would Hydra's.
"""

from __future__ import annotations

import builtins
import os
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runlab._values import frozen
from runlab.config import _observed
from runlab.errors import ConfigLoadError, HydraDeprecationError

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from omegaconf import DictConfig, ListConfig

    from runlab.config.store import ConfigStore

__all__ = [
    "ConfigHeaderError",
    "ConfigResult",
    "ConfigSource",
    "FileConfigSource",
    "ObjectType",
    "PackageConfigSource",
    "SearchPathEntry",
    "StructuredConfigSource",
    "create_config_source",
    "normalize_config_file_name",
    "parse_header",
    "source_types",
]

HEADER_SIZE = 512
"""``yamlfiles.HEAD_SIZE``: the YAML machinery is imported only when a config is read (a start
served by the composition cache reads none)."""
"""Only the first 512 characters of a file may hold ``# @key value`` header lines (as in Hydra)."""

_EXCLUDED_NAMES = frozenset({"__init__.py", "__pycache__"})
_OWN_PACKAGE = "runlab.conf"
_YML_DEPRECATION = "Support for .yml files is deprecated. Use .yaml extension for Hydra config files"


class ObjectType(Enum):
    """What a config path names inside a source."""

    NOT_FOUND = 0
    CONFIG = 1
    GROUP = 2


@frozen
class SearchPathEntry:
    """One entry of the config search path: who added it and where it points.

    ``path`` is written as users write it: ``pkg://runlab.conf``, ``file:///abs/conf``,
    ``structured://``; a path without ``://`` is a filesystem path.
    """

    provider: str
    path: str

    @property
    def scheme(self) -> str:
        """``file``, ``pkg``, ``structured`` (or whatever a custom source registered)."""
        index = self.path.find("://")
        return "file" if index == -1 else self.path[:index]

    @property
    def location(self) -> str:
        """The path without its scheme, as ``hydra.runtime.config_sources`` records it."""
        index = self.path.find("://")
        location = self.path if index == -1 else self.path[index + 3 :]
        if self.scheme == "pkg":
            location = location.replace("/", ".").rstrip(".")
        return location

    @property
    def url(self) -> str:
        """``scheme://location``, the form ``--info searchpath`` and error messages print."""
        return f"{self.scheme}://{self.location}"

    def __str__(self) -> str:
        return f"provider={self.provider}, path={self.path}"


@frozen(kw_only=True)
class ConfigResult:
    """A loaded config and where it came from.

    ``config`` is a fresh object that the caller may mutate.  ``header`` always has a ``package`` key
    (``None`` when the file has no ``# @package`` line and the stored node no package).
    """

    provider: str
    path: str
    config: DictConfig | ListConfig
    header: Mapping[str, str | None] = field(default_factory=lambda: {"package": None})
    config_path: str = ""
    is_schema_source: bool = False


class ConfigHeaderError(ConfigLoadError, ValueError):
    """A malformed ``# @key value`` line: a ValueError as in Hydra, reported compactly with its file."""


def parse_header(text: str, filename: str | None = None) -> dict[str, str | None]:
    """The ``# @key value`` lines at the top of a config file (empty lines skipped).

    Parsing stops at the first line that is neither empty nor a header line, so a plain comment
    before ``# @package`` hides it, as in Hydra.  ``filename`` only names the file in errors.
    """
    where = f"In '{filename}': " if filename else ""
    header: dict[str, str | None] = {}
    for raw_line in text[:HEADER_SIZE].splitlines():
        line = raw_line.strip()
        if not line:
            continue
        if not re.match(r"#\s*@", line):
            break
        parts = line.lstrip("#").strip().split()
        if len(parts) < 2:
            raise ConfigHeaderError(
                f"{where}Expected header format: KEY VALUE, got '{line.lstrip('#').strip()}'"
            )
        if len(parts) > 2:
            raise ConfigHeaderError(f"{where}Too many components in '{line.lstrip('#').strip()}'")
        key, value = parts
        if key.startswith("@"):
            header[key[1:]] = value
    header.setdefault("package", None)
    return header


def _deprecation_warning(message: str) -> None:
    if os.environ.get("HYDRA_DEPRECATION_WARNINGS_AS_ERRORS"):
        raise HydraDeprecationError(message)
    warnings.warn(message, UserWarning, stacklevel=4)


def normalize_config_file_name(name: str, *, allow_yml: bool = False) -> str:
    """``db/mysql`` -> ``db/mysql.yaml``; with ``allow_yml`` (version_base 1.1) ``x.yml`` is kept.

    Only a name that explicitly ends in ``.yml`` can load a ``.yml`` file, and doing so warns.
    """
    if name.endswith(".yaml"):
        return name
    if allow_yml and name.endswith(".yml"):
        _deprecation_warning(_YML_DEPRECATION)
        return name
    return f"{name}.yaml"


def _config_name(file_name: str) -> str:
    dot = file_name.rfind(".")
    return file_name[:dot] if dot != -1 else file_name


class ConfigSource(ABC):
    """A place configs come from.  Subclasses implement one URL scheme.

    ``path`` holds the location without the scheme; ``allow_yml`` is set for version_base 1.1, where
    configs named ``x.yml`` explicitly may be loaded.
    """

    provider: str
    path: str
    allow_yml: bool

    def __init__(self, provider: str, path: str, *, allow_yml: bool = False) -> None:
        prefix = f"{self.scheme()}://"
        if not path.startswith(prefix):
            raise ValueError("Invalid path")
        self.provider = provider
        self.path = path[len(prefix) :]
        self.allow_yml = allow_yml

    @staticmethod
    @abstractmethod
    def scheme() -> str:
        """The URL scheme this source serves, e.g. ``file`` or ``pkg``."""

    @abstractmethod
    def load_config(self, config_path: str) -> ConfigResult:
        """Load ``config_path`` (a name without extension); raise ConfigLoadError when missing."""

    @abstractmethod
    def is_group(self, config_path: str) -> bool:
        """Whether ``config_path`` is a group (a directory of options)."""

    @abstractmethod
    def is_config(self, config_path: str) -> bool:
        """Whether ``config_path`` names a loadable config."""

    @abstractmethod
    def available(self) -> bool:
        """Whether the location exists at all (missing entries only warn)."""

    @abstractmethod
    def list(self, config_path: str, results_filter: ObjectType | None) -> builtins.list[str]:
        """Sorted unique names in group ``config_path``: configs (without extension) and/or groups."""

    def exists(self, config_path: str) -> bool:
        return self.is_group(config_path) or self.is_config(config_path)

    def full_path(self) -> str:
        return f"{self.scheme()}://{self.path}"

    def file_name(self, config_path: str) -> str:
        """The file a config path maps to in this source (``.yaml`` appended)."""
        return normalize_config_file_name(config_path, allow_yml=self.allow_yml)

    def _normalize_file_name(self, filename: str) -> str:
        # Hydra's name, kept for ConfigSource subclasses written against Hydra.
        return self.file_name(filename)

    _get_header_dict = staticmethod(parse_header)

    def _list_add_result(
        self, files: builtins.list[str], file_path: str, file_name: str, results_filter: ObjectType | None
    ) -> None:
        if file_name in _EXCLUDED_NAMES:
            return
        if results_filter in (None, ObjectType.GROUP) and self.is_group(file_path):
            files.append(file_name)
        if results_filter in (None, ObjectType.CONFIG) and self.is_config(file_path):
            files.append(_config_name(file_name))

    def __repr__(self) -> str:
        return f"provider={self.provider}, path={self.full_path()}"

    __str__ = __repr__


class FileConfigSource(ConfigSource):
    """A directory; relative locations are relative to the current working directory."""

    def __init__(self, provider: str, path: str, *, allow_yml: bool = False) -> None:
        if "://" not in path:
            path = f"file://{path}"
        super().__init__(provider, path, allow_yml=allow_yml)

    @staticmethod
    def scheme() -> str:
        return "file"

    def _full(self, config_path: str, fact: str | None = None) -> str:
        joined = os.path.join(self.path, config_path)
        if fact is not None:
            _observed.note(fact, joined)  # as spelled: a retargeted link changes the fact
        return os.path.realpath(joined)

    def load_config(self, config_path: str) -> ConfigResult:
        full_path = self._full(self.file_name(config_path), _observed.FILE)
        if not os.path.isfile(full_path):
            raise ConfigLoadError(f"Config not found : {full_path}")
        from runlab.config.yamlfiles import config_from_data, read_yaml_file

        head, data = read_yaml_file(full_path)
        return ConfigResult(
            provider=self.provider,
            path=self.full_path(),
            config_path=config_path,
            config=config_from_data(data, filename=full_path),
            header=parse_header(head, full_path),
        )

    def available(self) -> bool:
        return self.is_group("")

    def is_group(self, config_path: str) -> bool:
        return os.path.isdir(self._full(config_path, _observed.GROUP))

    def is_config(self, config_path: str) -> bool:
        return os.path.isfile(self._full(self.file_name(config_path), _observed.FILE))

    def list(self, config_path: str, results_filter: ObjectType | None) -> builtins.list[str]:
        files: builtins.list[str] = []
        for name in os.listdir(self._full(config_path, _observed.LISTING)):
            self._list_add_result(files, os.path.join(config_path, name), name, results_filter)
        return sorted(set(files))


def _package_directory(name: str) -> Traversable:
    """``importlib.resources.files(name)``, without importing ``importlib.resources`` (~10 ms with
    the ``tempfile`` and ``shutil`` it pulls in) for the usual case: a regular package in a
    directory, such as ``runlab.conf`` on every run."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None:
        raise ModuleNotFoundError(name)
    locations = list(spec.submodule_search_locations or [])
    origin = spec.origin
    if (
        len(locations) == 1
        and origin is not None
        and os.path.basename(origin) == "__init__.py"
        and os.path.isfile(origin)
        and os.path.dirname(origin) == locations[0]
    ):
        return Path(locations[0])
    from importlib import resources

    return resources.files(name)


class PackageConfigSource(ConfigSource):
    """Configs shipped inside an importable package (``pkg://a.b``; ``a/b`` is accepted too).

    The package must be a regular package (with ``__init__.py``); zip-imported packages work through
    ``importlib.resources``.  Files on a real filesystem go through the parse cache.
    """

    def __init__(self, provider: str, path: str, *, allow_yml: bool = False) -> None:
        super().__init__(provider, path, allow_yml=allow_yml)
        self.path = self.path.replace("/", ".").rstrip(".")
        self._root: Traversable | None = None

    @staticmethod
    def scheme() -> str:
        return "pkg"

    def _files(self) -> Traversable | None:
        if self._root is None:
            try:
                self._root = _package_directory(self.path)
            except (ValueError, ModuleNotFoundError, TypeError):
                return None
        return self._root

    def _resource(self, config_path: str, fact: str = _observed.FILE) -> Traversable | None:
        root = self._files()
        resource = None if root is None else root.joinpath(config_path) if config_path else root
        if self.path != _OWN_PACKAGE:  # runlab's own configs change only with runlab
            if isinstance(resource, Path):
                _observed.note(fact, str(resource))
            else:
                _observed.note(_observed.UNCHECKABLE, f"{self.path}/{config_path}")
        return resource

    def load_config(self, config_path: str) -> ConfigResult:
        file_name = self.file_name(config_path)
        resource = self._resource(file_name)
        if resource is None or not resource.is_file():
            raise ConfigLoadError(f"Config not found : {file_name}")
        label = f"{self.full_path()}/{file_name}"
        from runlab.config.yamlfiles import config_from_data, load_config_text, read_yaml_file

        if isinstance(resource, Path):
            head, data = read_yaml_file(resource)
            header = parse_header(head, str(resource))
            config = config_from_data(data, filename=str(resource))
        else:
            text = resource.read_bytes().decode("utf-8")
            header = parse_header(text, label)
            config = load_config_text(text, filename=label)
        return ConfigResult(
            provider=self.provider,
            path=self.full_path(),
            config_path=config_path,
            config=config,
            header=header,
        )

    def available(self) -> bool:
        root = self._files()
        if root is None:
            return False
        try:
            return any(item.name == "__init__.py" and item.is_file() for item in root.iterdir())
        except (OSError, ValueError):
            return False

    def is_group(self, config_path: str) -> bool:
        resource = self._resource(config_path, _observed.GROUP)
        return resource is not None and resource.is_dir()

    def is_config(self, config_path: str) -> bool:
        resource = self._resource(self.file_name(config_path))
        return resource is not None and resource.is_file()

    def list(self, config_path: str, results_filter: ObjectType | None) -> builtins.list[str]:
        resource = self._resource(config_path, _observed.LISTING)
        if resource is None:
            return []
        files: builtins.list[str] = []
        for item in resource.iterdir():
            path = f"{config_path}/{item.name}" if config_path else item.name
            self._list_add_result(files, path, item.name, results_filter)
        return sorted(set(files))


class StructuredConfigSource(ConfigSource):
    """The ConfigStore (``structured://``); ``structured://a.b`` imports module ``a.b`` first.

    Importing the module is how a library registers its configs; a failure warns, then re-raises.
    """

    def __init__(
        self,
        provider: str,
        path: str,
        *,
        allow_yml: bool = False,
        store: ConfigStore | None = None,
    ) -> None:
        super().__init__(provider, path, allow_yml=allow_yml)
        if store is None:
            from runlab.config.store import ConfigStore

            store = ConfigStore.instance()
        self.store = store
        if self.path:
            import importlib

            try:
                importlib.import_module(self.path)
            except Exception as error:
                warnings.warn(
                    f"Error importing {self.path} : some configs may not be available\n\n"
                    f"\tRoot cause: {error}\n",
                    UserWarning,
                    stacklevel=2,
                )
                raise

    @staticmethod
    def scheme() -> str:
        return "structured"

    def load_config(self, config_path: str) -> ConfigResult:
        stored = self.store.load(self.file_name(config_path))
        return ConfigResult(
            provider=stored.provider if stored.provider is not None else self.provider,
            path=self.full_path(),
            config_path=config_path,
            config=stored.node,
            header={"package": stored.package},
        )

    def available(self) -> bool:
        return True

    def is_group(self, config_path: str) -> bool:
        return self.store.get_type(config_path.rstrip("/")) is ObjectType.GROUP

    def is_config(self, config_path: str) -> bool:
        return self.store.get_type(self.file_name(config_path.rstrip("/"))) is ObjectType.CONFIG

    def list(self, config_path: str, results_filter: ObjectType | None) -> builtins.list[str]:
        files: builtins.list[str] = []
        for name in self.store.list(config_path):
            self._list_add_result(files, f"{config_path}/{name}", name, results_filter)
        return sorted(set(files))


_SOURCE_TYPES: dict[str, type[ConfigSource]] = {
    "file": FileConfigSource,
    "pkg": PackageConfigSource,
    "structured": StructuredConfigSource,
}


def source_types() -> dict[str, type[ConfigSource]]:
    """Scheme -> source class.  The returned dict is live: registering a scheme is adding a key."""
    return _SOURCE_TYPES


def create_config_source(
    entry: SearchPathEntry, *, allow_yml: bool = False, **options: Any
) -> ConfigSource:
    """The source serving a search path entry; an unknown scheme is Hydra's ValueError."""
    scheme = entry.scheme
    source_type = _SOURCE_TYPES.get(scheme)
    if source_type is None:
        supported = ", ".join(sorted(_SOURCE_TYPES))
        raise ValueError(
            f"No config source registered for schema {scheme}, supported types : [{supported}]"
        )
    if source_type is StructuredConfigSource:
        return StructuredConfigSource(entry.provider, entry.path, allow_yml=allow_yml, **options)
    # Sources written for Hydra take (provider, path) only; the flag is set afterwards.
    path = entry.path if "://" in entry.path else f"{scheme}://{entry.path}"
    source = source_type(entry.provider, path)
    source.allow_yml = allow_yml
    return source
