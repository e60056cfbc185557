"""Hydra's ``compose()``: a config from the initialized compose API, without running anything.

No output directory, logging, working-directory change or callbacks: a RUN-mode composition with
``from_shell=False`` (so quoting hints are shown without shell escapes).
"""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig, OmegaConf, open_dict

__all__ = ["compose"]


def compose(
    config_name: str | None = None,
    overrides: Sequence[str] | None = None,
    return_hydra_config: bool = False,
    strict: bool | None = None,
) -> DictConfig:
    """Compose ``config_name`` with ``overrides``; the ``hydra`` node is dropped unless asked for."""
    from runlab.config.versions import base_at_least, deprecation_warning, get_base
    from runlab.core.global_hydra import GlobalHydra
    from runlab.types import RunMode

    global_hydra = GlobalHydra.instance()
    if not global_hydra.is_initialized():
        raise AssertionError(
            "GlobalHydra is not initialized, use @hydra.main() or call one of the hydra "
            "initialization methods first"
        )
    assert global_hydra.hydra is not None
    config = global_hydra.hydra.config_loader.compose(
        config_name,
        list(overrides or []),
        RunMode.RUN,
        from_shell=False,
        with_hydra=return_hydra_config,
    ).config
    # ``keys()``: a missing key tested with ``in`` on a struct config costs an exception in OmegaConf.
    if not return_hydra_config and "hydra" in config.keys():  # noqa: SIM118
        with open_dict(config):
            del config["hydra"]
    if strict is not None:
        if base_at_least(get_base() or global_hydra.hydra.config_loader.version_base, "1.2"):
            raise TypeError("got an unexpected 'strict' argument")
        deprecation_warning(
            "\nThe strict flag in the compose API is deprecated.\n"
            "See https://hydra.cc/docs/1.2/upgrades/0.11_to_1.0/strict_mode_flag_deprecated for "
            "more info.\n"
        )
        OmegaConf.set_struct(config, strict)
    return config
