"""Structured configs for the ``structured`` scenarios; executed with ``ConfigStore`` provided.

Run by the recorder under hydra-core and under runlab alike, so class names (which appear in
OmegaConf's messages) are the same on both sides.
"""

from dataclasses import dataclass, field
from typing import Any, List

from omegaconf import MISSING


@dataclass
class SDBConfig:
    driver: str = MISSING
    host: str = "localhost"
    port: int = MISSING


@dataclass
class MySQLConfig(SDBConfig):
    driver: str = "mysql"
    port: int = 3306


@dataclass
class PostgreSQLConfig(SDBConfig):
    driver: str = "postgresql"
    port: int = 5432
    timeout: int = 10


@dataclass(frozen=True)
class FrozenConfig:
    baud: int = 9600


@dataclass
class StructuredPrimary:
    defaults: List[Any] = field(default_factory=lambda: [{"sdb": "mysql"}, "_self_"])
    debug: bool = False
    sdb: SDBConfig = MISSING


@dataclass
class AutoSchema:
    name: str = "auto"
    size: int = 1


def register(ConfigStore: Any) -> None:
    cs = ConfigStore.instance()
    cs.store(group="sdb", name="mysql", node=MySQLConfig)
    cs.store(group="sdb", name="postgresql", node=PostgreSQLConfig)
    cs.store(group="sdb", name="base_mysql", node=MySQLConfig)
    cs.store(group="sdb", name="relocated", node=PostgreSQLConfig, package="some.where")
    cs.store(name="structured_primary", node=StructuredPrimary)
    cs.store(name="frozen_primary", node={"serial": FrozenConfig()})
    cs.store(group="sauto", name="auto", node=AutoSchema)
    cs.store(name="dict_primary", node={"a": 1, "b": {"c": [1, 2]}})
