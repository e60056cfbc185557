"""The ConfigStore: store/load/list/get_type, copies on load, validation at store time."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field

import pytest
from omegaconf import DictConfig, ListConfig, OmegaConf, ValidationError

from runlab.config.sources import ObjectType
from runlab.config.store import ConfigNode, ConfigStore
from runlab.core.config_store import ConfigStore as CoreConfigStore
from runlab.core.config_store import ConfigStoreWithProvider
from runlab.errors import ConfigLoadError


@dataclass
class MySQLConfig:
    host: str = "localhost"
    port: int = 3306
    tags: list[str] = field(default_factory=list)


@pytest.fixture
def store() -> ConfigStore:
    return ConfigStore()


def test_instance_is_shared_and_reexported() -> None:
    assert ConfigStore.instance() is ConfigStore.instance()
    assert CoreConfigStore is ConfigStore


def test_store_appends_yaml_and_converts_with_structured(store: ConfigStore) -> None:
    store.store(name="mysql", node=MySQLConfig, group="db", package="backend.db", provider="app")
    node = store.repo["db"]["mysql.yaml"]
    assert isinstance(node, ConfigNode)
    assert (node.name, node.group, node.package, node.provider) == (
        "mysql.yaml", "db", "backend.db", "app",
    )
    assert OmegaConf.get_type(node.node) is MySQLConfig


@pytest.mark.parametrize(
    ("node", "kind"),
    [
        (MySQLConfig(port=1), DictConfig),
        ({"a": 1}, DictConfig),
        ([1, 2], ListConfig),
        (OmegaConf.create({"a": 1}), DictConfig),
    ],
)
def test_any_node_kind_can_be_stored(store: ConfigStore, node: object, kind: type) -> None:
    store.store(name="n", node=node)
    assert isinstance(store.load("n.yaml").node, kind)


def test_an_invalid_instance_fails_at_store_time(store: ConfigStore) -> None:
    with pytest.raises(ValidationError):
        store.store(name="bad", node=MySQLConfig(port="not a port"))  # type: ignore[arg-type]


def test_load_returns_a_deep_copy(store: ConfigStore) -> None:
    store.store(name="mysql", node=MySQLConfig, group="db")
    first = store.load("db/mysql.yaml")
    first.node.port = 1
    first.node.tags.append("x")
    second = store.load("db/mysql.yaml")
    assert second.node.port == 3306
    assert second.node.tags == []
    assert second.name == "mysql.yaml"


def test_storing_again_replaces(store: ConfigStore) -> None:
    store.store(name="a", node={"v": 1}, group="g")
    store.store(name="a.yaml", node={"v": 2}, group="g")
    assert store.load("g/a.yaml").node == {"v": 2}
    assert store.list("g") == ["a.yaml"]


def test_nested_groups_get_type_and_list(store: ConfigStore) -> None:
    store.store(name="basic", node={"x": 1}, group="hydra/launcher")
    store.store(name="root_cfg", node={"y": 1})
    assert store.get_type("hydra") is ObjectType.GROUP
    assert store.get_type("hydra/launcher") is ObjectType.GROUP
    assert store.get_type("hydra/launcher/basic.yaml") is ObjectType.CONFIG
    assert store.get_type("hydra/launcher/basic") is ObjectType.NOT_FOUND
    assert store.get_type("nope") is ObjectType.NOT_FOUND
    assert store.get_type("") is ObjectType.GROUP
    assert store.list("") == ["hydra", "root_cfg.yaml"]
    assert store.list("hydra") == ["launcher"]
    assert store.load("root_cfg.yaml").node == {"y": 1}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nope.yaml", "Structured config not found nope.yaml"),
        ("g/nope.yaml", "Structured config nope.yaml not found in g/nope.yaml"),
        ("missing/x.yaml", "Structured config not found missing/x.yaml"),
        ("g", "Structured config not found g"),
    ],
)
def test_load_errors(store: ConfigStore, path: str, message: str) -> None:
    store.store(name="a", node={}, group="g")
    with pytest.raises(ConfigLoadError) as error:
        store.load(path)
    assert str(error.value) == message


def test_list_errors(store: ConfigStore) -> None:
    store.store(name="a", node={}, group="g")
    with pytest.raises(OSError, match="Path not found nope"):
        store.list("nope")
    with pytest.raises(OSError, match="Path points to a file : g/a.yaml"):
        store.list("g/a.yaml")


def test_store_with_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = ConfigStore()
    monkeypatch.setattr(ConfigStore, "_instance", fresh)
    with ConfigStoreWithProvider("my_lib") as lib_store:
        lib_store.store(name="base", node={"a": 1}, group="db", package="x")
    stored = fresh.load("db/base.yaml")
    assert (stored.provider, stored.package) == ("my_lib", "x")


def test_importing_runlab_registers_nothing() -> None:
    """Registration is lazy: a fresh interpreter importing every config module has an empty store."""
    code = (
        "import runlab.conf, runlab.config.settings, runlab.config.repository, "
        "runlab.config.searchpath, runlab.core.config_store\n"
        "from runlab.config.store import ConfigStore\n"
        "assert ConfigStore.instance().repo == {}, ConfigStore.instance().repo\n"
        "print('empty')\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert finished.stdout.strip() == "empty", finished.stderr


def test_building_a_repository_registers_the_hydra_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import HYDRA_ENTRY, SCHEMA_ENTRY
    from runlab.config.settings import HydraConf

    fresh = ConfigStore()
    ConfigRepository([HYDRA_ENTRY, SCHEMA_ENTRY], store=fresh)
    first = fresh.repo["hydra"]["config.yaml"]
    ConfigRepository([HYDRA_ENTRY, SCHEMA_ENTRY], store=fresh)
    assert fresh.repo["hydra"]["config.yaml"] is first
    assert first.provider == "hydra"
    assert OmegaConf.get_type(first.node) is HydraConf
