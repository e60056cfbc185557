"""Group overrides, deletions, appends and recorded choices while the defaults tree is built.

Command-line group overrides are registered first and ``override`` entries as the tree is walked;
the first registration of a key wins, which is what gives the command line top precedence.  The
tree values themselves stay immutable: this object is the one piece of mutable bookkeeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from runlab._values import mutable
from runlab.config._default_elements import GroupDefault, Placed
from runlab.errors import ConfigCompositionException

if TYPE_CHECKING:
    from runlab.config.overrides import Override
    from runlab.config.repository import ConfigRepository

__all__ = ["GroupOverrideValueError", "OverrideState"]


class GroupOverrideValueError(ConfigCompositionException, ValueError):
    """A group override whose value is not an option name (``db=null``, ``db=1``).

    A ValueError as in Hydra (callers may catch that), and compact so the user sees which override is at
    fault instead of a traceback.
    """


@mutable
class _OverrideMeta:
    external: bool
    containing_config: str | None = None
    used: bool = False


@mutable
class _Deletion:
    name: str | None
    used: bool = False


class OverrideState:
    """Group overrides, deletions and appends from the command line and ``override`` entries."""

    def __init__(self, repository: ConfigRepository, overrides: Sequence[Override]) -> None:
        self.choices: dict[str, str | tuple[str, ...] | None] = {}
        self.meta: dict[str, _OverrideMeta] = {}
        self.appends: list[GroupDefault] = []
        self.config_overrides: list[Override] = []
        self.deletions: dict[str, _Deletion] = {}
        self.known_choices: dict[str, str | None] = {}
        self.keys_per_group: dict[str, set[str]] = {}
        for override in overrides:
            if override.is_sweep_override():
                continue
            value = override.value()
            if isinstance(value, dict) or not repository.group_exists(override.key_or_group):
                self.config_overrides.append(override)
            elif override.is_force_add():
                raise ConfigCompositionException(
                    f"force-add of config groups is not supported: '{override.input_line}'"
                )
            elif override.is_delete():
                if value is not None and not isinstance(value, str):
                    raise GroupOverrideValueError(
                        f"Could not delete '{override.key_or_group}' with '{override.input_line}'.\n"
                        f"Config group override deletion value must be a string : {override}"
                    )
                self.deletions[override.get_key_element()[1:]] = _Deletion(name=value)
            elif not isinstance(value, (str, list)):
                raise GroupOverrideValueError(
                    f"Could not override '{override.key_or_group}' with '{override.input_line}'.\n"
                    "Config group override must be a string or a list. "
                    f"Got {type(value).__name__}"
                )
            elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
                odd = next(item for item in value if not isinstance(item, str))
                raise GroupOverrideValueError(
                    f"Could not override '{override.key_or_group}' with '{override.input_line}'.\n"
                    f"Config group override lists must hold option names. Got {type(odd).__name__}"
                )
            elif override.is_add():
                self.appends.append(
                    GroupDefault(
                        group=override.key_or_group,
                        value=tuple(value) if isinstance(value, list) else value,
                        package=override.package,
                        external_append=True,
                    )
                )
            else:
                key = override.get_key_element()
                self.choices[key] = tuple(value) if isinstance(value, list) else value
                self.meta[key] = _OverrideMeta(external=True)

    # -- overrides -----------------------------------------------------------------------------
    def add_override(self, containing_config: str, placed: Placed) -> None:
        key = placed.override_key()
        assert key is not None
        if key not in self.choices:
            assert isinstance(placed.element, GroupDefault)
            self.choices[key] = placed.element.value
            self.meta[key] = _OverrideMeta(external=False, containing_config=containing_config)

    def apply_override(self, placed: Placed) -> Placed:
        key = placed.override_key()
        if key is None or key not in self.choices:
            return placed
        self.meta[key].used = True
        element = placed.element
        assert isinstance(element, GroupDefault)
        return placed.with_element(replace(element, value=self.choices[key]))

    def ensure_overrides_used(self) -> None:
        for key, meta in self.meta.items():
            if meta.used:
                continue
            candidates = sorted(self.keys_per_group.get(key.split("@")[0], set()))
            if len(candidates) > 1:
                message = (
                    f"Could not override '{key}'.\n"
                    f"Did you mean to override one of {', '.join(candidates)}?"
                )
            elif candidates:
                message = f"Could not override '{key}'.\nDid you mean to override {candidates[0]}?"
            else:
                message = f"Could not override '{key}'. No match in the defaults list."
            if meta.containing_config is not None:
                message = f"In '{meta.containing_config}': {message}"
            if meta.external:
                message += f"\nTo append to your default list use +{key}={_show(self.choices[key])}"
            raise ConfigCompositionException(message)

    # -- deletions -----------------------------------------------------------------------------
    def is_deleted(self, placed: Placed) -> bool:
        key = placed.override_key()
        if key is None or key not in self.deletions:
            return False
        deletion = self.deletions[key]
        return deletion.name is None or deletion.name == placed.name

    def mark_deleted(self, placed: Placed) -> Placed:
        key = placed.override_key()
        assert key is not None
        self.deletions[key].used = True
        return placed.mark_deleted()

    def ensure_deletions_used(self) -> None:
        for key, deletion in self.deletions.items():
            if not deletion.used:
                shown = key if deletion.name is None else f"{key}={deletion.name}"
                raise ConfigCompositionException(
                    f"Could not delete '{shown}'. No match in the defaults list"
                )

    # -- choices -------------------------------------------------------------------------------
    def record_choice(self, placed: Placed) -> None:
        key = placed.override_key()
        if key is None:
            return
        name = placed.name
        if key not in self.known_choices:
            self.known_choices[key] = name
        elif self.known_choices[key] != name:
            previous = self.known_choices[key]
            raise ConfigCompositionException(
                f"Multiple values for {key}. To override a value use 'override {key}: {previous}'"
            )
        self.keys_per_group.setdefault(placed.group_path(), set()).add(key)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return str(list(value))
    return str(value)
