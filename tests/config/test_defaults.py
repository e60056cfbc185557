"""Unit tests of the defaults list: parsing rules, package arithmetic, tree building, errors.

The differential suite (test_compose_oracle.py) checks observable behaviour against hydra-core; these
tests pin the pieces runlab does on its own (cycle detection, formatting, immutability) and the
parsing rules one by one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from runlab.config._default_elements import ConfigDefault, GroupDefault, Placed
from runlab.config.defaults import (
    DefaultsResult,
    build_defaults,
    format_defaults_tree,
    parse_defaults_list,
)
from runlab.config.overrides import parse_overrides
from runlab.config.repository import ConfigRepository
from runlab.config.sources import SearchPathEntry
from runlab.errors import ConfigCompositionException, MissingConfigException
from runlab.types import RunMode


def _tree(root: Path, files: dict[str, str]) -> ConfigRepository:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return ConfigRepository(
        [
            SearchPathEntry("hydra", "pkg://runlab.conf"),
            SearchPathEntry("main", f"file://{root}"),
            SearchPathEntry("schema", "structured://"),
        ]
    )


def _build(repo: ConfigRepository, name: str | None, *overrides: str, **kw: object) -> DefaultsResult:
    return build_defaults(repo, name, parse_overrides(list(overrides)), **kw)  # type: ignore[arg-type]


# -- parsing --------------------------------------------------------------------------------------
def test_parse_string_and_group_entries() -> None:
    entries = parse_defaults_list(
        "cfg",
        ["db/mysql@backup", "_self_", {"optional override server@web": "apache"}, {"site": ["a", "b"]}],
    )
    assert entries == (
        ConfigDefault(path="db/mysql", package="backup"),
        ConfigDefault(path="_self_"),
        GroupDefault(group="server", value="apache", package="web", optional=True, override=True),
        GroupDefault(group="site", value=("a", "b")),
    )


@pytest.mark.parametrize(
    ("key", "group", "optional", "override"),
    [
        ("optional", "optional", False, False),
        ("optional optional", "optional", True, False),
        ("override override", "override", False, True),
        ("foo db", "db", False, False),
        ("optional  db", "db", True, False),
    ],
)
def test_keywords_are_the_words_before_the_group(
    key: str, group: str, optional: bool, override: bool
) -> None:
    (entry,) = parse_defaults_list("cfg", [{key: "x"}])
    assert isinstance(entry, GroupDefault)
    assert (entry.group, entry.optional, entry.override) == (group, optional, override)


def test_optional_is_not_a_keyword_in_the_string_form() -> None:
    assert parse_defaults_list("cfg", ["optional foo"]) == (ConfigDefault(path="optional foo"),)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"db": "mysql"}, "Invalid defaults list in 'cfg', defaults must be a list (got mapping)"),
        (5, "Invalid defaults list in 'cfg', defaults must be a list (got int)"),
        ([{"db": "mysql", "x": "y"}], "In cfg: Too many keys in default item"),
        ([{}], "In cfg: Missing group name in {}"),
        ([{"db": 1}], "In cfg: Unsupported item value in defaults : int. Supported: string or list"),
        ([{"db": [1]}], "In cfg: Unsupported item value in defaults : int, nested list items must be strings"),
        ([1.5], "In cfg: Unsupported type in defaults : float"),
        (["_self_@pkg"], "In cfg: _self_@PACKAGE is not supported"),
    ],
)
def test_parse_errors(raw: object, message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")
                       .replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        parse_defaults_list("cfg", raw)


def test_legacy_optional_key_is_accepted_with_a_warning_under_1_1() -> None:
    with pytest.warns(UserWarning, match="'optional: true' is deprecated"):
        (entry,) = parse_defaults_list("cfg", [{"db": "x", "optional": True}], "1.1")
    assert isinstance(entry, GroupDefault) and entry.optional


# -- packages and override keys -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("element", "parent_dir", "parent_package", "final", "key"),
    [
        (GroupDefault("db", "mysql"), "", "", "db", "db"),
        (GroupDefault("db", "mysql", package="backup"), "", "", "backup", "db@backup"),
        (GroupDefault("db", "mysql", package="_here_"), "", "", "", "db@_global_"),
        (GroupDefault("db", "mysql", package="_global_.x"), "srv", "srv", "x", "srv/db@x"),
        (GroupDefault("db", "mysql", package="_group_.x"), "cg", "cg", "cg.db.x", "cg/db@cg.db.x"),
        (GroupDefault("/server/db", "m"), "cg", "cg", "cg.server.db", "server/db@cg.server.db"),
        (GroupDefault("db", "m", package="a._global_.b"), "", "p", "b", "db@b"),
        (ConfigDefault("db/mysql", package="x"), "srv", "srv", "srv.x", None),
    ],
)
def test_final_package_and_override_key(
    element: GroupDefault | ConfigDefault, parent_dir: str, parent_package: str, final: str, key: str | None
) -> None:
    placed = Placed(element, parent_dir=parent_dir, parent_package=parent_package)
    assert placed.final_package() == final
    assert placed.override_key() == key


def test_header_package_is_used_but_not_part_of_the_override_key() -> None:
    placed = Placed(GroupDefault("db", "m"), parent_dir="", parent_package="", header="_global_.top")
    assert placed.final_package() == "top"
    assert placed.override_key() == "db"


# -- building -------------------------------------------------------------------------------------
def test_choices_follow_hydras_order_and_results_are_immutable(tmp_path: Path) -> None:
    repo = _tree(
        tmp_path,
        {
            "config.yaml": "defaults:\n  - db: mysql\n  - server: apache\n  - _self_\n",
            "db/mysql.yaml": "a: 1\n",
            "server/apache.yaml": "b: 1\n",
        },
    )
    result = _build(repo, "config")
    assert list(result.choices)[:2] == ["server", "db"]
    assert list(result.choices)[-1] == "hydra/output"
    assert isinstance(result.defaults, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.defaults[0].package = "x"  # type: ignore[misc]
    paths = [d.config_path for d in result.defaults]
    assert paths[-3:] == ["db/mysql", "server/apache", "config"]
    assert result.defaults[-1].is_self and result.defaults[-1].primary


def test_a_cycle_is_reported_with_its_path(tmp_path: Path) -> None:
    repo = _tree(
        tmp_path,
        {"a.yaml": "defaults:\n  - b\n", "b.yaml": "defaults:\n  - a\n"},
    )
    with pytest.raises(ConfigCompositionException) as caught:
        _build(repo, "a")
    assert str(caught.value) == "In 'a': config 'a' includes itself through a -> b -> a"


def test_a_config_including_itself_is_a_cycle(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"g/x.yaml": "defaults:\n  - /g/x@other\n"})
    with pytest.raises(ConfigCompositionException, match="config 'g/x' includes itself through g/x -> g/x"):
        _build(repo, "g/x")


def test_mandatory_group_is_skipped_in_multirun(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"config.yaml": "defaults:\n  - db: ???\n", "db/a.yaml": "x: 1\n"})
    with pytest.raises(ConfigCompositionException, match="You must specify 'db', e.g, db=<OPTION>"):
        _build(repo, "config")
    result = _build(repo, "config", run_mode=RunMode.MULTIRUN)
    assert result.choices["db"] == "???"
    assert "db/???" not in [d.config_path for d in result.defaults]


def test_sweep_overrides_are_ignored_by_the_defaults(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"config.yaml": "defaults:\n  - db: a\n", "db/a.yaml": "", "db/b.yaml": ""})
    result = _build(repo, "config", "db=a,b", run_mode=RunMode.MULTIRUN)
    assert result.choices["db"] == "a"


def test_unknown_option_lists_the_available_ones_and_the_search_path(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"config.yaml": "defaults:\n  - db: a\n", "db/a.yaml": "", "db/b.yaml": ""})
    with pytest.raises(MissingConfigException) as caught:
        _build(repo, "config", "db=nope")
    message = str(caught.value)
    assert message.startswith("In 'config': Could not find 'db/nope'\n\nAvailable options in 'db':\n\ta\n\tb\n")
    assert "Config search path:\n\tprovider=hydra, path=pkg://runlab.conf" in message
    assert caught.value.options == ["a", "b"]


def test_missing_self_warning_can_be_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _tree(tmp_path, {"config.yaml": "defaults:\n  - db: a\nx: 1\n", "db/a.yaml": ""})
    with pytest.warns(UserWarning, match="Defaults list is missing `_self_`"):
        _build(repo, "config")
    monkeypatch.setenv("SELF_WARNING_AS_ERROR", "1")
    with pytest.raises(ConfigCompositionException, match="In 'config': Defaults list is missing"):
        _build(repo, "config")


def test_without_hydra_the_primary_is_the_root(tmp_path: Path) -> None:
    repo = _tree(tmp_path, {"config.yaml": "x: 1\n"})
    result = _build(repo, "config", prepend_hydra=False)
    assert [d.config_path for d in result.defaults] == ["config"]
    assert dict(result.choices) == {}


def test_tree_formatting_for_info(tmp_path: Path) -> None:
    repo = _tree(
        tmp_path,
        {
            "config.yaml": "defaults:\n  - db: a\n  - srv/x@admin\n  - site: [p]\n  - _self_\n",
            "db/a.yaml": "x: 1\n",
            "srv/x.yaml": "defaults:\n  - /db@inner: a\n  - _self_\n",
            "site/p.yaml": "p: 1\n",
        },
    )
    lines = format_defaults_tree(_build(repo, "config", "~hydra/help").tree).splitlines()
    assert lines[:2] == ["<root>:", "  hydra/config:"]
    assert "    hydra/help: default" in lines  # deleted entries are still listed, as in Hydra
    assert "    hydra/callbacks: null" in lines
    assert lines[lines.index("  config:") :] == [
        "  config:",
        "    db: a",
        "    srv/x:",
        "      db@admin.inner: a",
        "      _self_",
        "    site/p",
        "    _self_",
    ]
