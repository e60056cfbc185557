"""Building the config search path, in Hydra's order and with Hydra's messages.

Priority order (first match wins): runlab's own configs (``pkg://runlab.conf``, provider ``hydra``),
the app's config dir (``main``), entries added by search path plugins, ``--config-dir``
(``command-line``), ``hydra.searchpath`` entries, and the ConfigStore (``schema``) last.  Keeping
Hydra's order matters beyond taste: it decides which of two same-named configs a user gets.

:class:`ConfigSearchPath` is the mutable builder handed to ``SearchPathPlugin.manipulate_search_path``
(Hydra's ``append``/``prepend`` with anchors); composition itself takes the finished, immutable
``tuple[SearchPathEntry, ...]``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, MutableSequence, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from runlab._values import frozen
from runlab.config.sources import SearchPathEntry, create_config_source
from runlab.errors import ConfigCompositionException, MissingConfigException, SearchPathException

if TYPE_CHECKING:
    from runlab.config.settings import ConfigSourceInfo

__all__ = [
    "HYDRA_ENTRY",
    "SCHEMA_ENTRY",
    "ConfigPathError",
    "ConfigSearchPath",
    "SearchPathElement",
    "SearchPathQuery",
    "add_config_dir",
    "apply_searchpath_setting",
    "check_main_source_available",
    "config_source_infos",
    "create_search_path",
    "discover_search_path_plugins",
    "main_search_path_dir",
    "validate_config_path",
]

HYDRA_ENTRY = SearchPathEntry("hydra", "pkg://runlab.conf")
SCHEMA_ENTRY = SearchPathEntry("schema", "structured://")
SEARCHPATH_IN_MAIN = "hydra.searchpath in main"
SEARCHPATH_IN_COMMAND_LINE = "hydra.searchpath in command-line"

SearchPathElement = SearchPathEntry
"""Hydra's name for a search path entry (``provider``, ``path``)."""


@frozen
class SearchPathQuery:
    """An anchor for :meth:`ConfigSearchPath.append`/``prepend``: match by provider and/or path."""

    provider: str | None = None
    path: str | None = None

    def matches(self, entry: SearchPathEntry) -> bool:
        if self.provider is None and self.path is None:
            raise ValueError("SearchPathQuery needs a provider or a path")
        return (self.provider is None or self.provider == entry.provider) and (
            self.path is None or self.path == entry.path
        )


class SearchPathPlugin(Protocol):
    """What a search path plugin offers (Hydra's ``SearchPathPlugin`` has this one method)."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None: ...


class ConfigSearchPath:
    """An ordered, editable list of search path entries (the object plugins manipulate)."""

    def __init__(self, entries: Iterable[SearchPathEntry] = ()) -> None:
        self._entries: list[SearchPathEntry] = list(entries)

    def get_path(self) -> MutableSequence[SearchPathEntry]:
        """The live list of entries; editing it edits the search path."""
        return self._entries

    @property
    def entries(self) -> tuple[SearchPathEntry, ...]:
        """A snapshot, what composition takes."""
        return tuple(self._entries)

    def find_first_match(self, reference: SearchPathQuery) -> int:
        return next((i for i, e in enumerate(self._entries) if reference.matches(e)), -1)

    def find_last_match(self, reference: SearchPathQuery) -> int:
        for index in range(len(self._entries) - 1, -1, -1):
            if reference.matches(self._entries[index]):
                return index
        return -1

    def append(
        self, provider: str, path: str, anchor: SearchPathQuery | str | None = None
    ) -> None:
        """Add an entry after the last entry matching ``anchor`` (a provider name or a query), or at
        the end when there is no anchor or nothing matches."""
        entry = SearchPathEntry(provider, path)
        index = -1 if anchor is None else self.find_last_match(_as_query(anchor))
        if index == -1:
            self._entries.append(entry)
        else:
            self._entries.insert(index + 1, entry)

    def prepend(
        self, provider: str, path: str, anchor: SearchPathQuery | str | None = None
    ) -> None:
        """Add an entry before the first entry matching ``anchor``, or at the front."""
        entry = SearchPathEntry(provider, path)
        index = -1 if anchor is None else self.find_first_match(_as_query(anchor))
        self._entries.insert(max(index, 0), entry)

    def __iter__(self) -> Iterator[SearchPathEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __str__(self) -> str:
        return str([str(entry) for entry in self._entries])

    __repr__ = __str__


def _as_query(anchor: SearchPathQuery | str) -> SearchPathQuery:
    """A provider name, our query, or any object with ``provider``/``path`` (hydra-core's own
    ``SearchPathQuery``, from a plugin written against hydra-core installed next to runlab)."""
    if isinstance(anchor, str):
        return SearchPathQuery(provider=anchor)
    if isinstance(anchor, SearchPathQuery):
        return anchor
    return SearchPathQuery(
        provider=getattr(anchor, "provider", None), path=getattr(anchor, "path", None)
    )


class ConfigPathError(SearchPathException, ValueError):
    """``config_path`` names a file: a ValueError as in Hydra, reported without a traceback."""


def validate_config_path(config_path: str | None) -> None:
    """Refuse a ``config_path`` that names a file: the file is ``config_name``'s job."""
    if config_path is not None and os.path.splitext(config_path)[1] in (".yaml", ".yml"):
        raise ConfigPathError(
            "Using config_path to specify the config name is not supported, specify the config"
            " name via config_name.\n"
            "See https://hydra.cc/docs/1.2/upgrades/0.11_to_1.0/config_path_changes\n"
        )


def main_search_path_dir(
    config_path: str | None,
    *,
    calling_file: str | None = None,
    calling_module: str | None = None,
) -> str | None:
    """The ``main`` search path entry for an app's ``config_path`` (None: no main entry).

    * absolute path -> ``file://<path>``; ``pkg://...`` -> as given;
    * file mode (a script): relative to the script's real directory, never to the cwd;
    * module mode: relative to the calling module's package, each leading ``../`` going one package
      up (``mypkg.sub.app`` + ``../conf`` -> ``pkg://mypkg/conf``).  As in Hydra, module mode without
      a ``config_path`` still yields the module's package.
    """
    if config_path is not None:
        if os.path.isabs(config_path):
            return f"file://{config_path}"
        if config_path.startswith("pkg://"):
            return config_path
    if calling_file is not None:
        if config_path is None:
            return None
        base = os.path.realpath(os.path.dirname(calling_file))
        return "file://" + os.path.normpath(os.path.join(base, config_path))
    if calling_module is None:
        raise ValueError("main_search_path_dir needs a calling file or a calling module")
    package = calling_module.rpartition(".")[0]
    if config_path is None:
        return f"pkg://{package}"
    relative = config_path.replace(os.path.sep, "/")
    while relative.startswith("../"):
        relative = relative[3:]
        package = package.rpartition(".")[0]
    return f"pkg://{package}/{relative}" if package else f"pkg://{relative}"


def create_search_path(
    main_dir: str | None, *, plugins: Sequence[SearchPathPlugin] | None = None
) -> ConfigSearchPath:
    """``hydra`` entry, ``main`` entry (if any), what each plugin adds, then ``schema`` last.

    ``plugins`` None means the plugins found in the ``hydra_plugins`` namespace package
    (:func:`discover_search_path_plugins`), as Hydra does for every search path it builds.
    """
    search_path = ConfigSearchPath([HYDRA_ENTRY])
    if main_dir is not None:
        search_path.append("main", main_dir)
    for plugin in discover_search_path_plugins() if plugins is None else plugins:
        plugin.manipulate_search_path(search_path)
    search_path.append(SCHEMA_ENTRY.provider, SCHEMA_ENTRY.path)
    return search_path


def add_config_dir(search_path: ConfigSearchPath, config_dir: str, *, cwd: str | None = None) -> None:
    """Add ``--config-dir``: relative to the cwd, placed just before the ``schema`` entry (so below
    the app's own config dir), provider ``command-line``."""
    base = os.getcwd() if cwd is None else cwd
    absolute = os.path.abspath(os.path.join(base, config_dir))
    if not os.path.isdir(absolute):
        raise SearchPathException(f"Additional config directory '{absolute}' not found")
    search_path.prepend("command-line", f"file://{absolute}", anchor=SearchPathQuery(provider="schema"))


class _OverrideLike(Protocol):
    def get_key_element(self) -> str: ...

    def value(self) -> Any: ...


def apply_searchpath_setting(
    entries: Sequence[SearchPathEntry],
    primary_config: Any,
    overrides: Sequence[_OverrideLike] = (),
) -> tuple[SearchPathEntry, ...]:
    """The search path extended by ``hydra.searchpath``, as composition must use it.

    The command line's plain ``hydra.searchpath=[...]`` wins over the primary config's value.  New
    entries go just before ``schema``; when there are any, every entry that is not available is
    reported with a ``UserWarning`` (composition continues).  ``primary_config`` is the loaded
    primary config (a DictConfig) or None.
    """
    from omegaconf import DictConfig, ListConfig, OmegaConf

    override = next(
        (o.value() for o in overrides if o.get_key_element() == "hydra.searchpath"), None
    )
    if override is not None:
        searchpath: Any = override
        provider = SEARCHPATH_IN_COMMAND_LINE
    else:
        provider = SEARCHPATH_IN_MAIN
        searchpath = (
            OmegaConf.select(primary_config, "hydra.searchpath")
            if isinstance(primary_config, DictConfig)
            else None
        )
    if searchpath is None:
        return tuple(entries)
    if not isinstance(searchpath, (list, tuple, ListConfig)) or not all(
        isinstance(item, str) for item in searchpath
    ):
        raise ConfigCompositionException(
            f"hydra.searchpath must be a list of strings. Got: {searchpath}"
        )
    body = [entry for entry in entries if entry != SCHEMA_ENTRY]
    result = (*body, *(SearchPathEntry(provider, item) for item in searchpath), SCHEMA_ENTRY)
    for entry in result:
        source = create_config_source(entry)
        if not source.available():
            warnings.warn(
                f"provider={source.provider}, path={source.path} is not available.",
                UserWarning,
                stacklevel=2,
            )
    return result


def check_main_source_available(entries: Sequence[SearchPathEntry]) -> None:
    """Fail with Hydra's message when the ``main`` config dir or module does not exist."""
    for entry in entries:
        if entry.provider != "main":
            continue
        source = create_config_source(entry)
        if source.available():
            continue
        if source.scheme() == "pkg":
            if source.path == "":
                message = (
                    "Primary config module is empty.\nPython requires resources to be in a module"
                    " with an __init__.py file"
                )
            else:
                message = (
                    f"Primary config module '{source.path}' not found.\nCheck that it's correct"
                    " and contains an __init__.py file"
                )
        else:
            message = (
                "Primary config directory not found.\nCheck that the config directory"
                f" '{source.path}' exists and readable"
            )
        raise MissingConfigException(message, missing_cfg_file=None)


def config_source_infos(entries: Sequence[SearchPathEntry]) -> list[ConfigSourceInfo]:
    """``hydra.runtime.config_sources``: one ``{path, schema, provider}`` per entry, in order.

    Dataclass instances rather than dicts, because the schema types the list as
    ``List[ConfigSourceInfo]`` and newer OmegaConf refuses plain dicts there.
    """
    from runlab.config.settings import ConfigSourceInfo

    return [
        ConfigSourceInfo(path=entry.location, schema=entry.scheme, provider=entry.provider)
        for entry in entries
    ]


def discover_search_path_plugins() -> list[SearchPathPlugin]:
    """A fresh instance of every ``SearchPathPlugin`` found in the ``hydra_plugins`` namespace package.

    Hydra creates the plugins anew for each search path it builds; so does runlab (the classes are
    found once per process and ``sys.path``).  Without a ``hydra_plugins`` package this costs one
    failed import.
    """
    import importlib

    try:
        importlib.import_module("hydra_plugins")
    except ImportError:
        return []  # the common case: nothing to scan, and the scanner is not even imported
    from runlab.config._searchpath_plugins import search_path_plugin_classes

    return [plugin_class() for plugin_class in search_path_plugin_classes()]
