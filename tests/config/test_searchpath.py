"""Search path construction: Hydra's order, plugin API, --config-dir, hydra.searchpath and messages."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from runlab.config.repository import ConfigRepository
from runlab.config.searchpath import (
    HYDRA_ENTRY,
    SCHEMA_ENTRY,
    ConfigSearchPath,
    SearchPathQuery,
    add_config_dir,
    apply_searchpath_setting,
    check_main_source_available,
    config_source_infos,
    create_search_path,
    main_search_path_dir,
    validate_config_path,
)
from runlab.config.sources import SearchPathEntry
from runlab.config.store import ConfigStore
from runlab.core import config_search_path as core_module
from runlab.errors import ConfigCompositionException, MissingConfigException, SearchPathException
from tests.oracle import run_oracle_script


@dataclass(frozen=True)
class FakeOverride:
    """The two methods of ``Override`` the search path code reads."""

    key: str
    val: Any

    def get_key_element(self) -> str:
        return self.key

    def value(self) -> Any:
        return self.val


def _providers(path: ConfigSearchPath) -> list[str]:
    return [entry.provider for entry in path.get_path()]


# ---------------------------------------------------------------- the plugin-facing API


def test_core_module_reexports_the_api() -> None:
    assert core_module.ConfigSearchPath is ConfigSearchPath
    assert core_module.SearchPathQuery is SearchPathQuery
    assert core_module.SearchPathElement("p", "x").path == "x"


def test_append_without_anchor_goes_last() -> None:
    path = ConfigSearchPath([SearchPathEntry("a", "1")])
    path.append("b", "2")
    assert _providers(path) == ["a", "b"]


def test_append_after_the_last_match() -> None:
    path = ConfigSearchPath(
        [SearchPathEntry("a", "1"), SearchPathEntry("b", "2"), SearchPathEntry("a", "3")]
    )
    path.append("new", "x", anchor="a")
    assert _providers(path) == ["a", "b", "a", "new"]
    path.append("new2", "y", anchor=SearchPathQuery(path="2"))
    assert _providers(path) == ["a", "b", "new2", "a", "new"]
    path.append("new3", "z", anchor="nobody")
    assert _providers(path)[-1] == "new3"


def test_prepend_before_the_first_match() -> None:
    path = ConfigSearchPath(
        [SearchPathEntry("a", "1"), SearchPathEntry("b", "2"), SearchPathEntry("b", "3")]
    )
    path.prepend("new", "x", anchor="b")
    assert _providers(path) == ["a", "new", "b", "b"]
    path.prepend("front", "y", anchor="a")
    assert _providers(path)[0] == "front"
    path.prepend("nomatch", "z", anchor=SearchPathQuery(provider="b", path="nope"))
    assert _providers(path)[0] == "nomatch"
    path.prepend("plain", "w")
    assert _providers(path)[0] == "plain"


def test_query_matches_provider_and_path_together() -> None:
    path = ConfigSearchPath([SearchPathEntry("a", "1"), SearchPathEntry("a", "2")])
    assert path.find_first_match(SearchPathQuery("a", "2")) == 1
    assert path.find_last_match(SearchPathQuery("a")) == 1
    assert path.find_first_match(SearchPathQuery(path="1")) == 0
    assert path.find_first_match(SearchPathQuery("b")) == -1


def test_get_path_is_live_and_entries_is_a_snapshot() -> None:
    path = ConfigSearchPath([HYDRA_ENTRY, SCHEMA_ENTRY])
    snapshot = path.entries
    del path.get_path()[0]
    assert path.entries == (SCHEMA_ENTRY,)
    assert snapshot == (HYDRA_ENTRY, SCHEMA_ENTRY)
    assert len(path) == 1
    assert str(path) == "['provider=schema, path=structured://']"


class AppendingPlugin:
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append("my-plugin", "pkg://my_plugin.conf")
        search_path.prepend("early-plugin", "pkg://early.conf", anchor="main")


def test_create_search_path_order() -> None:
    path = create_search_path("file:///app/conf", plugins=[AppendingPlugin()])
    assert [(e.provider, e.path) for e in path] == [
        ("hydra", "pkg://runlab.conf"),
        ("early-plugin", "pkg://early.conf"),
        ("main", "file:///app/conf"),
        ("my-plugin", "pkg://my_plugin.conf"),
        ("schema", "structured://"),
    ]
    assert create_search_path(None).entries == (HYDRA_ENTRY, SCHEMA_ENTRY)


# ---------------------------------------------------------------- config_path -> main entry


def test_file_mode_is_relative_to_the_real_script_dir(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "app.py").write_text("", encoding="utf-8")
    (tmp_path / "link").symlink_to(real)
    script = str(tmp_path / "link" / "app.py")
    assert main_search_path_dir("conf", calling_file=script) == f"file://{real}/conf"
    assert main_search_path_dir("../conf", calling_file=script) == f"file://{tmp_path}/conf"
    assert main_search_path_dir(".", calling_file=script) == f"file://{real}"
    assert main_search_path_dir(None, calling_file=script) is None


@pytest.mark.parametrize(
    ("config_path", "module", "expected"),
    [
        ("conf", "mypkg.sub.app", "pkg://mypkg.sub/conf"),
        ("../conf", "mypkg.sub.app", "pkg://mypkg/conf"),
        ("../../conf", "mypkg.sub.app", "pkg://conf"),
        ("conf", "app", "pkg://conf"),
        (None, "mypkg.sub.app", "pkg://mypkg.sub"),
        ("pkg://other.conf", "mypkg.app", "pkg://other.conf"),
        ("/abs/conf", "mypkg.app", "file:///abs/conf"),
    ],
)
def test_module_mode(config_path: str | None, module: str, expected: str) -> None:
    assert main_search_path_dir(config_path, calling_module=module) == expected


def test_absolute_and_pkg_config_paths_in_file_mode() -> None:
    assert main_search_path_dir("/abs/conf", calling_file="/x/app.py") == "file:///abs/conf"
    assert main_search_path_dir("pkg://a.b", calling_file="/x/app.py") == "pkg://a.b"


@pytest.mark.parametrize("config_path", ["conf/config.yaml", "config.yml"])
def test_config_path_naming_a_file_is_refused(config_path: str) -> None:
    with pytest.raises(ValueError) as error:
        validate_config_path(config_path)
    assert str(error.value) == (
        "Using config_path to specify the config name is not supported, specify the config name via"
        " config_name.\nSee https://hydra.cc/docs/1.2/upgrades/0.11_to_1.0/config_path_changes\n"
    )
    validate_config_path("conf")
    validate_config_path(None)


# ---------------------------------------------------------------- --config-dir


def test_config_dir_goes_just_before_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "extra").mkdir()
    monkeypatch.chdir(tmp_path)
    path = create_search_path("file:///app/conf", plugins=[AppendingPlugin()])
    add_config_dir(path, "extra")
    assert _providers(path) == [
        "hydra",
        "early-plugin",
        "main",
        "my-plugin",
        "command-line",
        "schema",
    ]
    assert path.get_path()[-2].path == f"file://{tmp_path / 'extra'}"


def test_missing_config_dir(tmp_path: Path) -> None:
    with pytest.raises(SearchPathException) as error:
        add_config_dir(create_search_path(None), "nope", cwd=str(tmp_path))
    assert str(error.value) == f"Additional config directory '{tmp_path / 'nope'}' not found"


# ---------------------------------------------------------------- hydra.searchpath


def _base(tmp_path: Path) -> tuple[SearchPathEntry, ...]:
    conf = tmp_path / "conf"
    conf.mkdir(exist_ok=True)
    return (HYDRA_ENTRY, SearchPathEntry("main", f"file://{conf}"), SCHEMA_ENTRY)


def test_no_setting_keeps_the_search_path(tmp_path: Path) -> None:
    base = _base(tmp_path)
    assert apply_searchpath_setting(base, OmegaConf.create({"a": 1})) == base
    assert apply_searchpath_setting(base, None) == base


def test_setting_from_the_primary_config(tmp_path: Path) -> None:
    (tmp_path / "more").mkdir()
    primary = OmegaConf.create(
        {"hydra": {"searchpath": [f"file://{tmp_path / 'more'}", "pkg://runlab.conf"]}}
    )
    result = apply_searchpath_setting(_base(tmp_path), primary)
    assert [(e.provider, e.path) for e in result[2:]] == [
        ("hydra.searchpath in main", f"file://{tmp_path / 'more'}"),
        ("hydra.searchpath in main", "pkg://runlab.conf"),
        ("schema", "structured://"),
    ]


def test_command_line_setting_wins(tmp_path: Path) -> None:
    (tmp_path / "cli").mkdir()
    primary = OmegaConf.create({"hydra": {"searchpath": ["pkg://runlab.conf"]}})
    overrides = [FakeOverride("db", "x"), FakeOverride("hydra.searchpath", [str(tmp_path / "cli")])]
    result = apply_searchpath_setting(_base(tmp_path), primary, overrides)
    assert result[2:] == (
        SearchPathEntry("hydra.searchpath in command-line", str(tmp_path / "cli")),
        SCHEMA_ENTRY,
    )


def test_setting_may_use_resolvers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "home_conf").mkdir()
    monkeypatch.setenv("MY_CONF_HOME", str(tmp_path))
    primary = OmegaConf.create(
        {"hydra": {"searchpath": ["file://${oc.env:MY_CONF_HOME}/home_conf"]}}
    )
    result = apply_searchpath_setting(_base(tmp_path), primary)
    assert result[2].path == f"file://{tmp_path}/home_conf"


@pytest.mark.parametrize("value", ["foo", [1, 2], {"a": "b"}])
def test_setting_must_be_a_list_of_strings(tmp_path: Path, value: Any) -> None:
    with pytest.raises(ConfigCompositionException) as error:
        apply_searchpath_setting(_base(tmp_path), None, [FakeOverride("hydra.searchpath", value)])
    assert str(error.value) == f"hydra.searchpath must be a list of strings. Got: {value}"


def test_unavailable_entries_warn(tmp_path: Path) -> None:
    overrides = [FakeOverride("hydra.searchpath", ["nope", "pkg://nope.mod", "pkg://foo/bar/"])]
    with pytest.warns(UserWarning) as record:
        apply_searchpath_setting(_base(tmp_path), None, overrides)
    assert [str(w.message) for w in record] == [
        "provider=hydra.searchpath in command-line, path=nope is not available.",
        "provider=hydra.searchpath in command-line, path=nope.mod is not available.",
        "provider=hydra.searchpath in command-line, path=foo.bar is not available.",
    ]


def test_unknown_scheme_in_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="No config source registered for schema zzz"):
        apply_searchpath_setting(
            _base(tmp_path), None, [FakeOverride("hydra.searchpath", ["zzz://x"])]
        )


# ---------------------------------------------------------------- main source availability


def test_available_main_source_passes(tmp_path: Path) -> None:
    check_main_source_available(_base(tmp_path))
    check_main_source_available((HYDRA_ENTRY, SCHEMA_ENTRY))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "file:///no/such/conf",
            (
                "Primary config directory not found.\nCheck that the config directory '/no/such/conf'"
                " exists and readable"
            ),
        ),
        (
            "pkg://no_such_pkg.conf",
            (
                "Primary config module 'no_such_pkg.conf' not found.\nCheck that it's correct and"
                " contains an __init__.py file"
            ),
        ),
        (
            "pkg://",
            (
                "Primary config module is empty.\nPython requires resources to be in a module with an"
                " __init__.py file"
            ),
        ),
    ],
)
def test_missing_main_source(path: str, message: str) -> None:
    with pytest.raises(MissingConfigException) as error:
        check_main_source_available((HYDRA_ENTRY, SearchPathEntry("main", path), SCHEMA_ENTRY))
    assert str(error.value) == message
    assert error.value.missing_cfg_file is None


def test_config_source_infos() -> None:
    entries = (
        HYDRA_ENTRY,
        SearchPathEntry("main", "file:///app/conf"),
        SearchPathEntry("x", "pkg://a/b/"),
        SCHEMA_ENTRY,
    )
    assert [vars(info) for info in config_source_infos(entries)] == [
        {"path": "runlab.conf", "schema": "pkg", "provider": "hydra"},
        {"path": "/app/conf", "schema": "file", "provider": "main"},
        {"path": "a.b", "schema": "pkg", "provider": "x"},
        {"path": "", "schema": "structured", "provider": "schema"},
    ]


# ---------------------------------------------------------------- against hydra-core

APP = textwrap.dedent(
    """
    import hydra
    from omegaconf import OmegaConf

    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def main(cfg):
        pass

    if __name__ == "__main__":
        main()
    """
)


@pytest.mark.oracle
def test_search_path_matches_hydra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same app, --config-dir and hydra.searchpath give Hydra's config_sources and warnings."""
    app_dir = tmp_path / "app"
    (app_dir / "conf").mkdir(parents=True)
    (app_dir / "extra").mkdir()
    (app_dir / "more").mkdir()
    (app_dir / "my_app.py").write_text(APP, encoding="utf-8")
    (app_dir / "conf" / "config.yaml").write_text(
        "hydra:\n  searchpath:\n    - file://more\n    - pkg://nope.mod\n    - missing_dir\na: 1\n",
        encoding="utf-8",
    )
    finished = run_oracle_script(
        app_dir / "my_app.py", ["--cfg", "hydra", "--config-dir", "extra"], cwd=app_dir
    )
    assert finished.returncode == 0, finished.stderr
    oracle_sources = OmegaConf.to_container(
        OmegaConf.create(finished.stdout).hydra.runtime.config_sources
    )
    oracle_warnings = [
        line.split("UserWarning: ", 1)[1]
        for line in finished.stderr.splitlines()
        if "UserWarning" in line
    ]

    search_path = create_search_path(
        main_search_path_dir("conf", calling_file=str(app_dir / "my_app.py"))
    )
    add_config_dir(search_path, "extra", cwd=str(app_dir))
    repo = ConfigRepository(search_path.entries, store=ConfigStore())
    loaded = repo.load_config("config")
    assert loaded is not None
    monkeypatch.chdir(app_dir)  # relative hydra.searchpath entries are relative to the cwd
    with pytest.warns(UserWarning) as record:
        entries = apply_searchpath_setting(search_path.entries, loaded.config)
    infos = [vars(info) for info in config_source_infos(entries)]
    ours = json.loads(json.dumps(infos).replace("runlab.conf", "hydra.conf"))
    assert ours == oracle_sources
    # Hydra warns twice (it composes twice); each distinct message must match, in order.
    assert [str(w.message) for w in record] == list(dict.fromkeys(oracle_warnings))


# ------------------------------------------------------------------ SearchPathPlugin discovery (hydra_plugins)

_PLUGIN_SOURCE = """
from runlab.core.config_search_path import ConfigSearchPath, SearchPathQuery
from runlab.plugins.search_path_plugin import SearchPathPlugin


class {name}(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.{method}("{provider}", "{path}"{anchor})
"""


@pytest.fixture
def plugin_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ``hydra_plugins`` namespace package on ``sys.path``, forgotten again after the test."""
    import sys

    root = tmp_path / "site"
    (root / "hydra_plugins").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(root))
    for name in [m for m in sys.modules if m == "hydra_plugins" or m.startswith("hydra_plugins.")]:
        monkeypatch.delitem(sys.modules, name)
    yield root
    for name in [m for m in sys.modules if m == "hydra_plugins" or m.startswith("hydra_plugins.")]:
        del sys.modules[name]


def _write_plugin(
    root: Path, module: str, name: str, method: str, provider: str, path: str, anchor: str = ""
) -> None:
    target = root / "hydra_plugins" / module
    target.parent.mkdir(parents=True, exist_ok=True)
    source = _PLUGIN_SOURCE.format(
        name=name, method=method, provider=provider, path=path, anchor=anchor
    )
    target.write_text(textwrap.dedent(source), encoding="utf-8")


def test_plugins_in_hydra_plugins_edit_every_new_search_path(plugin_root: Path) -> None:
    _write_plugin(plugin_root, "lib_a/__init__.py", "AddLib", "append", "lib-a", "pkg://lib_a.conf")
    _write_plugin(
        plugin_root,
        "lib_b.py",
        "FirstDir",
        "prepend",
        "lib-b",
        "file://b",
        anchor=', anchor=SearchPathQuery(provider="main")',
    )
    entries = create_search_path("file:///app/conf").entries
    assert [(e.provider, e.path) for e in entries] == [
        ("hydra", "pkg://runlab.conf"),
        ("lib-b", "file://b"),
        ("main", "file:///app/conf"),
        ("lib-a", "pkg://lib_a.conf"),
        ("schema", "structured://"),
    ]
    # a new instance per search path: a second build gives the same entries, not doubled ones
    assert create_search_path("file:///app/conf").entries == entries


def test_private_modules_and_abstract_classes_are_skipped(plugin_root: Path) -> None:
    (plugin_root / "hydra_plugins" / "_private.py").write_text("raise RuntimeError('imported')\n")
    (plugin_root / "hydra_plugins" / "abstract.py").write_text(
        "from runlab.plugins.search_path_plugin import SearchPathPlugin\n\n"
        "class StillAbstract(SearchPathPlugin):\n    pass\n"
    )
    assert create_search_path(None).entries == (HYDRA_ENTRY, SCHEMA_ENTRY)


def test_a_plugin_module_that_fails_to_import_is_a_warning(plugin_root: Path) -> None:
    (plugin_root / "hydra_plugins" / "broken.py").write_text("import no_such_module_here\n")
    _write_plugin(plugin_root, "good.py", "Good", "append", "good", "file://g")
    with pytest.warns(UserWarning, match=r"Error importing 'hydra_plugins.broken'"):
        entries = create_search_path(None).entries
    assert SearchPathEntry("good", "file://g") in entries


def test_explicit_plugins_replace_discovery(plugin_root: Path) -> None:
    _write_plugin(plugin_root, "found.py", "Found", "append", "found", "file://f")
    assert create_search_path(None, plugins=()).entries == (HYDRA_ENTRY, SCHEMA_ENTRY)


def test_no_hydra_plugins_package_means_no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.delitem(sys.modules, "pkgutil", raising=False)
    assert create_search_path(None).entries == (HYDRA_ENTRY, SCHEMA_ENTRY)
    assert "pkgutil" not in sys.modules  # the walk never started


def test_search_path_plugin_lives_at_hydras_module_path() -> None:
    import inspect

    from runlab.plugins.plugin import Plugin
    from runlab.plugins.search_path_plugin import SearchPathPlugin

    assert issubclass(SearchPathPlugin, Plugin) and inspect.isabstract(SearchPathPlugin)
    assert core_module.ConfigSearchPath is ConfigSearchPath


def test_plugins_written_against_hydra_core_count_too() -> None:
    """A subclass of hydra-core's own base class (installed next to runlab) is recognised by its MRO."""
    from abc import ABC, abstractmethod

    from runlab.config._searchpath_plugins import is_search_path_plugin

    class SearchPathPlugin(ABC):  # stands in for hydra.plugins.search_path_plugin.SearchPathPlugin
        @abstractmethod
        def manipulate_search_path(self, search_path: Any) -> None: ...

    SearchPathPlugin.__module__ = "hydra.plugins.search_path_plugin"

    class Concrete(SearchPathPlugin):
        def manipulate_search_path(self, search_path: Any) -> None:
            search_path.append("x", "file://x")

    class Unrelated:
        def manipulate_search_path(self, search_path: Any) -> None: ...

    assert is_search_path_plugin(Concrete)
    assert not is_search_path_plugin(SearchPathPlugin)  # abstract
    assert not is_search_path_plugin(Unrelated)  # duck typing is not enough, as in Hydra


def test_anchors_may_be_hydra_cores_own_query_objects() -> None:
    @dataclass
    class ForeignQuery:  # hydra.core.config_search_path.SearchPathQuery: fields only, no methods
        provider: str | None = None
        path: str | None = None

    search_path = create_search_path("file:///app/conf", plugins=())
    search_path.append("after-main", "file://a", anchor=ForeignQuery(provider="main"))  # type: ignore[arg-type]
    search_path.prepend("first", "file://f", anchor=ForeignQuery(path="pkg://runlab.conf"))  # type: ignore[arg-type]
    assert [e.provider for e in search_path] == ["first", "hydra", "main", "after-main", "schema"]


def test_info_plugins_lists_search_path_plugins(plugin_root: Path) -> None:
    from runlab.runtime.info import _plugins

    _write_plugin(plugin_root, "lib_a/__init__.py", "AddLib", "append", "lib-a", "pkg://lib_a.conf")
    lines = _plugins()
    assert "\tSearchPathPlugin:" in lines
    assert "\t\tAddLib (hydra_plugins.lib_a)" in lines
