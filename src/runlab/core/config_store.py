"""Hydra's ``hydra.core.config_store`` path: the ConfigStore and a provider-fixing helper."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runlab.config.store import ConfigNode, ConfigStore

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ConfigNode", "ConfigStore", "ConfigStoreWithProvider"]


class ConfigStoreWithProvider:
    """Stores into the shared ConfigStore with one provider name, so a library's configs say who
    registered them (``hydra.runtime.config_sources``, debugging)::

        with ConfigStoreWithProvider("my_lib") as store:
            store.store(name="base", node=BaseConfig, group="db")
    """

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def __enter__(self) -> Self:
        return self

    def store(
        self, name: str, node: Any, group: str | None = None, package: str | None = None
    ) -> None:
        ConfigStore.instance().store(
            name=name, node=node, group=group, package=package, provider=self.provider
        )

    def __exit__(self, *exc_info: object) -> None:
        return None
