"""Hydra's ``HydraConfig``: the current job's ``hydra`` node, at Hydra's module path.

The state lives in :mod:`runlab.runtime.context`; this class is the compatibility surface Hydra users
call (``HydraConfig.get().job.name``, ``HydraConfig.initialized()``, ``instance().set_config(cfg)``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["HydraConfig"]


class HydraConfig:
    """Access to the current job's ``hydra`` node (a process-wide value, as in Hydra)."""

    _instance: HydraConfig | None = None

    @classmethod
    def instance(cls) -> HydraConfig:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    @property
    def cfg(self) -> Any:
        """The stored ``{hydra: ...}`` config (None outside a job), as Hydra's attribute."""
        from omegaconf import OmegaConf

        from runlab.runtime.context import current_hydra_config

        config = current_hydra_config()
        if config is None:
            return None
        view = OmegaConf.masked_copy(config, "hydra")
        view._set_parent(config)
        return view

    def set_config(self, cfg: Any) -> None:
        """Make ``cfg.hydra`` current (read-only); ``${hydra:...}`` then resolves against it."""
        from runlab.runtime.context import set_hydra_config

        set_hydra_config(cfg)

    @staticmethod
    def get() -> Any:
        """The ``hydra`` node of the current job; ``ValueError("HydraConfig was not set")`` outside."""
        from runlab.runtime.context import get_hydra_node

        return get_hydra_node()

    @staticmethod
    def initialized() -> bool:
        from runlab.runtime.context import hydra_config_is_set

        return hydra_config_is_set()
