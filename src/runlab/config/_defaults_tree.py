"""Building the defaults tree: recursive expansion with overrides, deletions and interpolation.

The walk follows Hydra's observable order, because users depend on it: children are expanded from
the last entry to the first (so the last-declared override of a group wins over earlier siblings and
``hydra.runtime.choices`` lists choices in that order), command-line group overrides are registered
before anything else (top precedence), and interpolated options are resolved after all their siblings.
The mutable bookkeeping lives in :class:`_OverrideState`; tree values themselves are immutable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from runlab.config._default_elements import (
    SELF,
    ConfigDefault,
    GroupDefault,
    InputDefault,
    Placed,
    VirtualRoot,
)
from runlab.config._flatten import ensure_no_duplicates, flatten
from runlab.config._loaded import EMPTY_PRIMARY, ConfigCache
from runlab.config._override_state import OverrideState
from runlab.config.defaults import DefaultsResult, DefaultsTreeNode, TreeChild
from runlab.config.versions import base_at_least, deprecation_warning
from runlab.errors import ConfigCompositionException, MissingConfigException

if TYPE_CHECKING:
    from runlab.config.overrides import Override
    from runlab.config.repository import ConfigRepository

__all__ = ["DefaultsBuilder", "search_path_lines"]

_LEGACY_INTERPOLATION_PREFIX = "${defaults."
_SELF_WARNING_URL = "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/default_composition_order"


def search_path_lines(repository: ConfigRepository) -> str:
    """``Config search path:`` followed by one tab-indented ``provider=..., path=...`` per entry."""
    lines = [f"\t{source!r}" for source in repository.get_sources()]
    return "Config search path:\n" + "\n".join(lines)


class DefaultsBuilder:
    """Expands a primary config into the defaults tree and final list (one use per composition)."""

    def __init__(
        self,
        repository: ConfigRepository,
        overrides: Sequence[Override],
        *,
        skip_missing: bool,
        version_base: str,
        loader: ConfigCache | None = None,
    ) -> None:
        self.repository = repository
        self.loader = loader or ConfigCache(repository, version_base)
        self.skip_missing = skip_missing
        self.version_base = version_base
        self.state = OverrideState(repository, overrides)
        self._chain: list[str] = []
        self._interpolated = False

    # -- entry point ---------------------------------------------------------------------------
    def build(self, config_name: str | None, *, prepend_hydra: bool = True) -> DefaultsResult:
        primary = Placed(
            ConfigDefault(path=config_name or EMPTY_PRIMARY),
            parent_dir="",
            parent_package="",
            primary=True,
            version_base=self.version_base,
        )
        tree: DefaultsTreeNode
        if prepend_hydra:
            hydra = Placed(
                ConfigDefault(path="hydra/config"),
                parent_dir="",
                parent_package="",
                version_base=self.version_base,
            )
            root = VirtualRoot()
            children: list[TreeChild] = []
            for child, is_primary in ((primary, True), (hydra, False)):
                children.append(self._expand(child, root, is_root_config=is_primary))
            tree = DefaultsTreeNode(node=root, children=tuple(reversed(children)))
        else:
            expanded = self._expand(primary, None, is_root_config=True)
            tree = (
                expanded
                if isinstance(expanded, DefaultsTreeNode)
                else DefaultsTreeNode(node=expanded)
            )
        defaults = flatten(tree)
        ensure_no_duplicates(defaults)
        self.state.ensure_overrides_used()
        self.state.ensure_deletions_used()
        return DefaultsResult(
            defaults=tuple(defaults),
            tree=tree,
            choices=dict(self.state.known_choices),
            config_overrides=tuple(self.state.config_overrides),
            interpolated=self._interpolated,
        )

    # -- recursion -----------------------------------------------------------------------------
    def _expand(
        self,
        placed: Placed,
        parent: Placed | VirtualRoot | None,
        *,
        is_root_config: bool = False,
        interpolated: bool = False,
    ) -> TreeChild:
        config_path = placed.config_path()
        if is_root_config and not self.loader.exists(config_path):
            self._not_found(placed, parent)
        placed = self._with_header(placed)
        state = self.state
        if state.is_deleted(placed):
            return state.mark_deleted(placed)
        state.record_choice(placed)
        if placed.name is None:
            return placed
        if placed.is_missing:
            if self.skip_missing:
                return placed
            self._missing_choice(placed)
        loaded = self.loader.load(config_path)
        if loaded is None:
            if placed.optional:
                return placed.mark_deleted()
            self._not_found(placed, parent)
        assert loaded is not None
        if config_path in self._chain:
            cycle = " -> ".join([*self._chain[self._chain.index(config_path) :], config_path])
            raise ConfigCompositionException(
                f"In '{config_path}': config '{config_path}' includes itself through {cycle}"
            )
        self._chain.append(config_path)
        try:
            return self._expand_children(placed, loaded.defaults, loaded.has_content, is_root_config, interpolated)
        finally:
            self._chain.pop()

    def _expand_children(
        self,
        placed: Placed,
        declared: tuple[InputDefault, ...],
        has_content: bool,
        is_root_config: bool,
        interpolated: bool,
    ) -> TreeChild:
        entries = list(declared)
        self_added = False
        if entries or (is_root_config and self.state.appends):
            self_added = self._ensure_self(placed, entries, has_content)
        if is_root_config:
            entries.extend(self.state.appends)
        entries = self._register_overrides(placed, entries, interpolated)

        group_dir, package = placed.group_path(), placed.final_package()
        children: list[TreeChild] = []
        for entry in reversed(entries):
            if entry.is_self:
                children.append(self._place(entry, placed.parent_dir, placed.parent_package))
                continue
            if entry.override:
                continue
            child = self.state.apply_override(self._place(entry, group_dir, package))
            element = child.element
            if isinstance(element, GroupDefault) and isinstance(element.value, tuple):
                for option in reversed(element.value):
                    if "${" in option:
                        raise ConfigCompositionException(
                            f"In '{placed.config_path()}': Defaults List interpolation is not "
                            "supported in options list items"
                        )
                    item = ConfigDefault(
                        path=f"{element.group}/{option}",
                        package=element.package,
                        optional=element.optional,
                    )
                    children.append(
                        self._expand(self._place(item, group_dir, package), placed, interpolated=interpolated)
                    )
            elif child.is_interpolation:
                children.append(child)
            else:
                children.append(self._expand(child, placed, interpolated=interpolated))

        if any(isinstance(c, Placed) and c.is_interpolation for c in children):
            known = self._interpolation_keys(entries, self_added, group_dir, package)
            for index, pending in enumerate(children):
                if isinstance(pending, Placed) and pending.is_interpolation:
                    resolved = self._resolve_interpolation(pending, known)
                    children[index] = self._expand(resolved, placed, interpolated=True)

        if not children:
            return placed
        return DefaultsTreeNode(node=placed, children=tuple(reversed(children)))

    def _place(self, entry: InputDefault, parent_dir: str, parent_package: str) -> Placed:
        return Placed(
            entry,
            parent_dir=parent_dir,
            parent_package=parent_package,
            version_base=self.version_base,
        )

    def _with_header(self, placed: Placed) -> Placed:
        """Attach the loaded file's ``# @package`` header, made absolute (``_global_``-prefixed)."""
        if placed.is_missing or placed.name is None:
            return placed
        loaded = self.loader.load(placed.config_path())
        if loaded is None or loaded.header_package is None:
            return placed
        header = loaded.header_package
        if not base_at_least(self.version_base, "1.2"):
            if "_group_" in header or "_name_" in header:
                deprecation_warning(
                    f"In '{placed.config_path()}': Usage of deprecated keyword in package header "
                    f"'# @package {header}'.\nSee https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/"
                    "changes_to_package_header for more information"
                )
            if header == "_group_":
                return placed
            header = header.replace("_group_", placed.default_package())
            if placed.name is not None:
                header = header.replace("_name_", placed.name)
        if header == "":
            header = "_global_"
        elif header != "_global_" and not header.startswith("_global_."):
            header = f"_global_.{header}"
        return placed.with_header(header)

    # -- _self_ and overrides in one list --------------------------------------------------------
    def _ensure_self(self, placed: Placed, entries: list[InputDefault], has_content: bool) -> bool:
        """Validate ``_self_`` and append it when absent; returns whether it was added."""
        has_self = False
        has_non_override = False
        for entry in entries:
            if not entry.override:
                has_non_override = True
            if entry.is_self:
                if has_self:
                    raise ConfigCompositionException(
                        f"Duplicate _self_ defined in {placed.config_path()}"
                    )
                has_self = True
        if (not has_self and has_non_override) or not entries:
            if placed.primary and has_content and has_non_override:
                self._warn_missing_self(placed.config_path())
            entries.append(ConfigDefault(path=SELF))
        return not has_self

    @staticmethod
    def _warn_missing_self(config_path: str) -> None:
        import os
        import warnings

        message = (
            f"In '{config_path}': Defaults list is missing `_self_`. "
            f"See {_SELF_WARNING_URL} for more information"
        )
        if os.environ.get("SELF_WARNING_AS_ERROR") == "1":
            raise ConfigCompositionException(message)
        warnings.warn(message, UserWarning, stacklevel=2)

    def _register_overrides(
        self, placed: Placed, entries: list[InputDefault], interpolated: bool
    ) -> list[InputDefault]:
        """Register this list's ``override`` entries; they must follow every other entry."""
        legacy_base = not base_at_least(self.version_base, "1.2")
        group_dir, package = placed.group_path(), placed.final_package()
        config_path = placed.config_path()
        seen_override = False
        last: Placed | None = None
        result: list[InputDefault] = []
        for entry in entries:
            if entry.is_self:
                result.append(entry)
                continue
            legacy = (
                legacy_base
                and isinstance(entry, GroupDefault)
                and not entry.override
                and entry.group.startswith("hydra/")
            )
            child = self._place(entry, group_dir, package)
            if seen_override and not (entry.override or entry.external_append or legacy):
                assert last is not None
                raise ConfigCompositionException(
                    f"In {config_path}: Override '{last.override_key()} : {last.name}' is defined "
                    f"before '{child.override_key() or ''}: {child.name}'.\n"
                    "Overrides must be at the end of the defaults list"
                )
            if isinstance(entry, GroupDefault):
                if legacy:
                    entry = replace(entry, override=True)
                    child = self._place(entry, group_dir, package)
                    deprecation_warning(
                        f"In {config_path}: Invalid overriding of {entry.group}:\n"
                        "Default list overrides requires 'override' keyword.\n"
                        "See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/defaults_list_override "
                        "for more information.\n"
                    )
                if entry.override:
                    if not legacy:
                        seen_override = True
                    last = child
                    if interpolated:
                        raise ConfigCompositionException(
                            f"{config_path}: Default List Overrides are not allowed in the subtree\n"
                            "of an in interpolated config group "
                            f"(override {child.override_key()}={child.name}).\n"
                        )
                    self.state.add_override(config_path, child)
            result.append(entry)
        return result

    # -- interpolation -------------------------------------------------------------------------
    def _interpolation_keys(
        self, entries: list[InputDefault], self_added: bool, group_dir: str, package: str
    ) -> dict[str, Any]:
        known: dict[str, Any] = dict(self.state.known_choices)
        listed: list[Any] = []
        for entry in entries:
            if self_added and entry.is_self:
                continue
            if isinstance(entry, ConfigDefault):
                listed.append(entry.path)
            else:
                key = self._place(entry, group_dir, package).override_key()
                value = list(entry.value) if isinstance(entry.value, tuple) else entry.value
                listed.append({key: value})
        known["defaults"] = listed
        return known

    def _resolve_interpolation(self, placed: Placed, known: dict[str, Any]) -> Placed:
        from omegaconf import OmegaConf
        from omegaconf.errors import InterpolationKeyError

        self._interpolated = True
        element = placed.element
        text = element.value if isinstance(element, GroupDefault) else element.path
        assert isinstance(text, str)
        if _LEGACY_INTERPOLATION_PREFIX in text and any(
            text[i + len(_LEGACY_INTERPOLATION_PREFIX) : i + len(_LEGACY_INTERPOLATION_PREFIX) + 1].isdigit()
            for i in _find_all(text, _LEGACY_INTERPOLATION_PREFIX)
        ):
            message = (
                f"\nDefaults list element '{placed.override_key()}={text}' is using a deprecated "
                "interpolation form.\nSee http://hydra.cc/docs/1.1/upgrades/1.0_to_1.1/"
                "defaults_list_interpolation for migration information."
            )
            if base_at_least(self.version_base, "1.2"):
                raise ConfigCompositionException(message)
            deprecation_warning(message)
        scope = OmegaConf.create({**known, "_dummy_": text})
        try:
            value = scope["_dummy_"]
        except InterpolationKeyError:
            options = [k for k in known if k != "defaults"]
            message = f"Error resolving interpolation '{text}'"
            if options:
                message += f", possible interpolation keys: {', '.join(options)}"
            raise ConfigCompositionException(message) from None
        value = str(value) if value is not None else None
        if isinstance(element, GroupDefault):
            return placed.with_element(replace(element, value=value))
        return placed.with_element(replace(element, path=str(value)))

    # -- errors --------------------------------------------------------------------------------
    def _missing_choice(self, placed: Placed) -> None:
        key = placed.override_key()
        if not placed.is_group:
            raise ValueError(f"Missing ConfigDefault is not supported : {placed.config_path()}")
        options = self.repository.get_group_options(placed.group_path())
        listing = "\n".join(f"\t{option}" for option in options)
        raise ConfigCompositionException(
            f"You must specify '{key}', e.g, {key}=<OPTION>\nAvailable options:\n" + listing
        )

    def _not_found(self, placed: Placed, parent: Placed | VirtualRoot | None) -> None:
        config_path = placed.config_path()
        options: list[str] | None = None
        if placed.primary:
            message = (
                f"Cannot find primary config '{config_path}'. Check that it's in your config "
                "search path.\n"
            )
        else:
            if placed.is_group:
                group = placed.group_path()
                options = self.repository.get_group_options(group)
                message = f"Could not find '{config_path}'\n"
                if options:
                    listing = "\n".join(f"\t{option}" for option in options)
                    message += f"\nAvailable options in '{group}':\n" + listing
            else:
                message = f"Could not load '{config_path}'.\n"
            if parent is not None:
                parent_path = (
                    parent.config_path if isinstance(parent, VirtualRoot) else parent.config_path()
                )
                message = f"In '{parent_path}': " + message
        message += "\n" + search_path_lines(self.repository)
        raise MissingConfigException(message, missing_cfg_file=config_path, options=options)


def _find_all(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start != -1:
        found.append(start)
        start = text.find(needle, start + 1)
    return found
