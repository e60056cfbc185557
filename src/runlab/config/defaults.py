"""The defaults list: entries as written in configs -> the ordered list of configs to merge.

Parsing (this module) turns a config's ``defaults`` node into immutable entries, with Hydra's syntax
rules and error messages.  Building (:mod:`runlab.config._defaults_tree`) expands them recursively into
the *defaults tree* — the virtual root holds ``hydra/config`` then the primary config — applying
command-line group overrides and ``override`` entries, and flattens it into the *final defaults list*.
Both are kept: the list drives composition, the tree is what ``--info defaults-tree`` shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from runlab._values import frozen
from runlab.config._default_elements import (
    ConfigDefault,
    GroupDefault,
    InputDefault,
    Placed,
    VirtualRoot,
)
from runlab.config.versions import base_at_least, deprecation_warning
from runlab.errors import ConfigCompositionException
from runlab.types import RunMode

if TYPE_CHECKING:
    from runlab.config.overrides import Override
    from runlab.config.repository import ConfigRepository

__all__ = [
    "ConfigDefault",
    "DefaultsListError",
    "DefaultsResult",
    "DefaultsTreeNode",
    "GroupDefault",
    "InputDefault",
    "ResultDefault",
    "RunMode",
    "build_defaults",
    "format_defaults_tree",
    "parse_defaults_list",
]


class DefaultsListError(ConfigCompositionException, ValueError):
    """A malformed ``defaults`` entry: a ValueError as in Hydra, reported without a traceback.

    Every message starts with the config it is written in, so the user knows which file to fix.
    """


@frozen
class ResultDefault:
    """One entry of the final defaults list: a config to load and where its content goes."""

    config_path: str | None = None
    parent: str | None = None
    package: str | None = None
    is_self: bool = False
    primary: bool = False
    override_key: str | None = None


@frozen
class DefaultsTreeNode:
    """A config that has its own defaults list, with the expanded children in merge order.

    Leaves (configs without a defaults list, deleted or missing entries) are bare
    :class:`~runlab.config._default_elements.Placed` values; ``children`` is ``None`` for a node whose
    list expanded to nothing (only ``override`` entries), which then merges as a leaf.
    """

    node: Placed | VirtualRoot
    children: tuple[DefaultsTreeNode | Placed, ...] | None = None


@frozen
class DefaultsResult:
    """The outcome of building the defaults: what to merge, the tree, and the recorded choices."""

    defaults: tuple[ResultDefault, ...]
    tree: DefaultsTreeNode
    choices: Mapping[str, str | None]
    config_overrides: tuple[Override, ...] = ()
    interpolated: bool = False
    """Some default was chosen by an interpolation, resolved with OmegaConf's resolvers: the list
    may then depend on more than the files and the overrides (``${oc.env:...}``)."""


TreeChild = DefaultsTreeNode | Placed

_KEYWORDS = ("optional", "override")


def _split_package(text: str) -> tuple[str, str | None]:
    """``"db/mysql@backup"`` -> ``("db/mysql", "backup")``; a ``:rename`` part is dropped as in Hydra."""
    at = text.find("@")
    if at == -1:
        return text, None
    package = text[at + 1 :]
    colon = package.find(":")
    if colon != -1:
        package = package[:colon]
    return text[:at], package


def _split_keywords(key: str) -> tuple[str, bool, bool]:
    """``"optional override db"`` -> ``("db", True, True)``: the last word is the group."""
    words = key.split(" ")
    leading = words[:-1]
    return words[-1], "optional" in leading, "override" in leading


def _group_entry(
    config_path: str, item: Mapping[Any, Any], version_base: str
) -> GroupDefault:
    entries = dict(item)
    legacy_optional: Any = None
    if not base_at_least(version_base, "1.2") and len(entries) > 1 and "optional" in entries:
        legacy_optional = entries.pop("optional")
    if len(entries) > 1:
        raise DefaultsListError(f"In {config_path}: Too many keys in default item {_show(item)}")
    if not entries:
        raise DefaultsListError(f"In {config_path}: Missing group name in {_show(item)}")
    (key, value), = entries.items()
    if not isinstance(key, str):
        raise DefaultsListError(f"In {config_path}: Unsupported key in defaults : {type(key).__name__}")
    group_text, package = _split_package(key)
    group, optional, override = _split_keywords(group_text)
    if group == "":
        raise DefaultsListError(f"In {config_path}: Missing group name in {_show(item)}")
    if legacy_optional is not None:
        deprecation_warning(
            f"\nIn {config_path}: 'optional: true' is deprecated.\n"
            f"Use 'optional {key}: {value}' instead.\n"
            "Support for the old style is removed for Hydra version_base >= 1.2"
        )
        optional = bool(legacy_optional)
    if value is not None and not isinstance(value, (str, list, tuple)):
        raise DefaultsListError(
            f"In {config_path}: Unsupported item value in defaults : {type(value).__name__}."
            " Supported: string or list"
        )
    if isinstance(value, (list, tuple)):
        for option in value:
            if not isinstance(option, str):
                raise DefaultsListError(
                    f"In {config_path}: Unsupported item value in defaults :"
                    f" {type(option).__name__}, nested list items must be strings"
                )
        value = tuple(value)
    _warn_name_keyword(config_path, package, version_base)
    return GroupDefault(
        group=group, value=value, package=package, optional=optional, override=override
    )


def _warn_name_keyword(config_path: str, package: str | None, version_base: str) -> None:
    if package is not None and "_name_" in package and not base_at_least(version_base, "1.2"):
        deprecation_warning(
            f"In {config_path}: Defaults List contains deprecated keyword _name_, see "
            "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/changes_to_package_header\n"
        )


def _show(item: Mapping[Any, Any]) -> str:
    return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in item.items()) + "}"


def parse_defaults_list(
    config_path: str, raw: Any, version_base: str = "1.3"
) -> tuple[InputDefault, ...]:
    """Turn a config's ``defaults`` value (plain Python, interpolations unresolved) into entries.

    ``raw`` is ``None`` when the config has no defaults list.  Errors name the config at fault with
    Hydra's wording, because users search for those messages.
    """
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        raise DefaultsListError(
            f"Invalid defaults list in '{config_path}', defaults must be a list (got mapping)"
        )
    if not isinstance(raw, (list, tuple)):
        raise DefaultsListError(
            f"Invalid defaults list in '{config_path}', defaults must be a list "
            f"(got {type(raw).__name__})"
        )
    entries: list[InputDefault] = []
    for item in raw:
        if isinstance(item, Mapping):
            entries.append(_group_entry(config_path, item, version_base))
        elif isinstance(item, str):
            path, package = _split_package(item)
            _warn_name_keyword(config_path, package, version_base)
            try:
                entries.append(ConfigDefault(path=path, package=package))
            except ValueError as error:  # _self_@PACKAGE: name the config it is written in
                raise DefaultsListError(f"In {config_path}: {error}") from None
        else:
            raise DefaultsListError(
                f"In {config_path}: Unsupported type in defaults : {type(item).__name__}"
            )
    return tuple(entries)


def build_defaults(
    repository: ConfigRepository,
    config_name: str | None,
    overrides: Sequence[Override],
    *,
    run_mode: RunMode = RunMode.RUN,
    version_base: str = "1.3",
    prepend_hydra: bool = True,
    loader: Any = None,
) -> DefaultsResult:
    """Build the defaults tree and final list for a primary config and the parsed overrides.

    In MULTIRUN, mandatory (``???``) groups are left unresolved and sweep overrides are ignored: the
    master composition only needs what every job shares.
    """
    from runlab.config._defaults_tree import DefaultsBuilder

    builder = DefaultsBuilder(
        repository,
        overrides,
        skip_missing=run_mode is RunMode.MULTIRUN,
        version_base=version_base,
        loader=loader,
    )
    return builder.build(config_name, prepend_hydra=prepend_hydra)


def _describe_node(node: Placed | VirtualRoot) -> str:
    """One tree line as Hydra prints it: ``key: option`` for groups, the config path otherwise."""
    if isinstance(node, VirtualRoot):
        return node.config_path
    if node.is_self:
        return "_self_"
    if node.is_group:
        name = node.name
        return f"{node.override_key()}: {'null' if name is None else name}"
    return node.config_path()


def format_defaults_tree(tree: DefaultsTreeNode) -> str:
    """The tree, indented two spaces per level, for ``--info defaults-tree``."""
    lines: list[str] = []

    def walk(item: TreeChild, depth: int) -> None:
        if isinstance(item, DefaultsTreeNode):
            lines.append("  " * depth + _describe_node(item.node) + ":")
            for child in item.children or ():
                walk(child, depth + 1)
        else:
            lines.append("  " * depth + _describe_node(item))

    walk(tree, 0)
    return "\n".join(lines)
