"""Applying value overrides (``k=v``, ``+k=v``, ``++k=v``, ``~k``, ``~k=v``) to a composed config.

The root is already in struct mode, so a plain ``k=v`` can only change existing keys; ``+`` adds,
``++`` adds or replaces, ``~`` deletes.  Every failure is a :class:`ConfigCompositionException` with
Hydra's wording, chained to the OmegaConf error that explains it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from runlab.errors import ConfigCompositionException

if TYPE_CHECKING:
    from runlab.config.overrides import Override

__all__ = ["apply_value_overrides"]


def apply_value_overrides(config: DictConfig, overrides: Sequence[Override]) -> None:
    """Apply overrides in command-line order; the first failing one stops composition."""
    for override in overrides:
        if override.package is not None:
            raise ConfigCompositionException(
                f"Override {override.input_line} looks like a config group override, but config "
                f"group '{override.key_or_group}' does not exist."
            )
        try:
            _apply_one(config, override)
        except ConfigCompositionException:
            raise
        except OmegaConfBaseException as error:
            raise ConfigCompositionException(
                f"Error merging override {override.input_line}"
            ).with_traceback(error.__traceback__) from error


def _apply_one(config: DictConfig, override: Override) -> None:
    key = override.key_or_group
    value = override.value()
    if override.is_delete():
        current = OmegaConf.select(config, key, throw_on_missing=False)
        if current is None:
            raise ConfigCompositionException(
                f"Could not delete from config. '{key}' does not exist."
            )
        if value is not None and value != current:
            raise ConfigCompositionException(
                f"Could not delete from config. The value of '{key}' is {current} and not {value}."
            )
        dot = key.rfind(".")
        with open_dict(config):
            if dot == -1:
                del config[key]
            else:
                node = OmegaConf.select(config, key[:dot])
                del node[key[dot + 1 :]]
    elif override.is_add():
        if OmegaConf.select(config, key, throw_on_missing=False) is None or isinstance(
            value, (dict, list)
        ):
            OmegaConf.update(config, key, value, merge=True, force_add=True)
        else:
            line = override.input_line or ""
            raise ConfigCompositionException(
                f"Could not append to config. An item is already at '{key}'.\n"
                f"Either remove + prefix: '{line[1:]}'\n"
                f"Or add a second + to add or override '{key}': '+{line}'\n"
            )
    elif override.is_force_add():
        OmegaConf.update(config, key, value, merge=True, force_add=True)
    else:
        try:
            OmegaConf.update(config, key, value, merge=True)
        except (ConfigAttributeError, ConfigKeyError) as error:
            raise ConfigCompositionException(
                f"Could not override '{key}'.\nTo append to your config use +{override.input_line}"
            ) from error
