"""Hydra's ``hydra.core.global_hydra``: the process-wide state of the compose API.

``initialize*`` put a :class:`HydraSession` (search path, job name, version base) here and
``compose()`` reads it.  ``runlab.config.compose_config`` itself never touches this module, so
libraries that pass their search path explicitly need no global state at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from runlab._values import frozen

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from runlab.config.compose import Composed
    from runlab.config.repository import ConfigRepository
    from runlab.config.sources import ConfigSource, ObjectType, SearchPathEntry
    from runlab.types import RunMode

__all__ = ["ConfigLoader", "GlobalHydra", "HydraSession"]


@frozen
class ConfigLoader:
    """What Hydra plugins call ``config_loader``: composition over one search path."""

    search_path: tuple[SearchPathEntry, ...]
    job_name: str
    version_base: str

    def compose(
        self,
        config_name: str | None,
        overrides: Sequence[str],
        run_mode: RunMode,
        *,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
        with_hydra: bool = True,
    ) -> Composed:
        import os

        from runlab.config.compose import ComposeContext, compose_config

        return compose_config(
            search_path=self.search_path,
            config_name=config_name,
            overrides=list(overrides),
            run_mode=run_mode,
            context=ComposeContext(
                job_name=self.job_name,
                version_base=self.version_base,
                cwd=os.getcwd(),
                config_name=config_name,
            ),
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
            with_hydra=with_hydra,
        )

    def load_configuration(
        self,
        config_name: str | None,
        overrides: Sequence[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        return self.compose(
            config_name,
            overrides,
            run_mode,
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
        ).config

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: Sequence[str]) -> DictConfig:
        """A job's config: the master's Hydra overrides plus the job's, composed in RUN mode."""
        from omegaconf import OmegaConf

        from runlab.types import RunMode

        overrides = [str(x) for x in master_config.hydra.overrides.hydra] + list(sweep_overrides)
        config = self.load_configuration(
            master_config.hydra.job.config_name, overrides, RunMode.RUN
        )
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config

    @property
    def repository(self) -> ConfigRepository:
        from runlab.config.repository import ConfigRepository

        return ConfigRepository(self.search_path)

    def get_search_path(self) -> tuple[SearchPathEntry, ...]:
        return self.search_path

    def get_sources(self) -> list[ConfigSource]:
        return self.repository.get_sources()

    def get_group_options(
        self, group_name: str, results_filter: ObjectType | None = None
    ) -> list[str]:
        from runlab.config.sources import ObjectType

        kind = ObjectType.CONFIG if results_filter is None else results_filter
        return self.repository.get_group_options(group_name, kind)

    def list_groups(self, parent_name: str = "") -> list[str]:
        from runlab.config.sources import ObjectType

        return self.repository.get_group_options(parent_name, ObjectType.GROUP)


@frozen
class HydraSession:
    """The initialized compose API: Hydra calls this object ``GlobalHydra.instance().hydra``."""

    config_loader: ConfigLoader

    @property
    def task_name(self) -> str:
        return self.config_loader.job_name

    def compose_config(
        self,
        config_name: str | None,
        overrides: Sequence[str],
        run_mode: RunMode,
        with_log_configuration: bool = False,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        del with_log_configuration  # the compose API never configures logging
        return self.config_loader.load_configuration(
            config_name,
            overrides,
            run_mode,
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
        )


class GlobalHydra:
    """A singleton: ``GlobalHydra()`` and ``GlobalHydra.instance()`` are the same object."""

    _instance: GlobalHydra | None = None
    hydra: HydraSession | None

    def __new__(cls) -> GlobalHydra:  # noqa: PYI034 - a singleton, never subclassed
        if cls._instance is None:
            instance = super().__new__(cls)
            instance.hydra = None
            cls._instance = instance
        return cls._instance

    @classmethod
    def instance(cls, *args: Any, **kwargs: Any) -> GlobalHydra:
        return cls()

    def initialize(self, hydra: HydraSession) -> None:
        if self.hydra is not None:
            raise ValueError(
                "GlobalHydra is already initialized, call GlobalHydra.instance().clear() if you "
                "want to re-initialize"
            )
        self.hydra = hydra

    def config_loader(self) -> ConfigLoader:
        assert self.hydra is not None, "GlobalHydra is not initialized"
        return self.hydra.config_loader

    def is_initialized(self) -> bool:
        return self.hydra is not None

    def clear(self) -> None:
        self.hydra = None
