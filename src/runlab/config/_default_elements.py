"""Defaults-list entries and the path/package arithmetic that places them in the tree.

An entry as written in a file (:class:`GroupDefault`, :class:`ConfigDefault`) says little on its own:
its group path, config path, package and override key all depend on *where* it sits — the containing
config's group directory and final package — and on the ``# @package`` header of the file it loads.
:class:`Placed` pairs an entry with that context; every derived value is computed from it, so nothing
is mutated while the tree is built.
"""

from __future__ import annotations

from dataclasses import replace

from runlab._values import frozen

__all__ = ["ConfigDefault", "GroupDefault", "InputDefault", "Placed", "VirtualRoot"]

SELF = "_self_"
MISSING_OPTION = "???"
GLOBAL = "_global_"


@frozen
class GroupDefault:
    """``[optional] [override] GROUP[@PACKAGE]: VALUE`` — an overridable choice from a config group.

    ``value`` is the option name, a tuple of names (multi-select), ``None`` (placeholder) or ``"???"``
    (mandatory).  ``external_append`` marks entries that came from ``+group=opt`` on the command line.
    """

    group: str
    value: str | tuple[str, ...] | None
    package: str | None = None
    optional: bool = False
    override: bool = False
    external_append: bool = False

    def __post_init__(self) -> None:
        if self.package == "_here_":
            object.__setattr__(self, "package", "")

    @property
    def is_self(self) -> bool:
        return False

    @property
    def is_options(self) -> bool:
        return isinstance(self.value, tuple)

    @property
    def name(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def describe(self) -> str:
        """The entry as a user wrote it, for error messages."""
        key = self.group if self.package is None else f"{self.group}@{self.package}"
        return f"{key}: {self.value}"


@frozen
class ConfigDefault:
    """``PATH[@PACKAGE]`` — a plain include (also ``_self_``); not overridable."""

    path: str
    package: str | None = None
    optional: bool = False

    def __post_init__(self) -> None:
        if self.path == SELF and self.package is not None:
            raise ValueError("_self_@PACKAGE is not supported")
        if self.package == "_here_":
            object.__setattr__(self, "package", "")

    @property
    def is_self(self) -> bool:
        return self.path == SELF

    @property
    def override(self) -> bool:
        return False

    @property
    def external_append(self) -> bool:
        return False

    @property
    def name(self) -> str:
        return self.path[self.path.rfind("/") + 1 :]

    def describe(self) -> str:
        return self.path if self.package is None else f"{self.path}@{self.package}"


InputDefault = GroupDefault | ConfigDefault


@frozen
class VirtualRoot:
    """The invisible root whose children are ``hydra/config`` and the primary config."""

    config_path: str = "<root>"


def _strip_slash(path: str) -> tuple[str, bool]:
    return (path[1:], True) if path.startswith("/") else (path, False)


def _join_dir(parent_dir: str, relative: str) -> str:
    if parent_dir == "":
        return relative
    return parent_dir if relative == "" else f"{parent_dir}/{relative}"


@frozen
class Placed:
    """An entry placed under its containing config: everything Hydra derives for it.

    ``parent_dir`` is the containing config's group path, ``parent_package`` its final package and
    ``header`` the absolute ``# @package`` of the file this entry loads (``_global_``-prefixed), once known.
    """

    element: InputDefault
    parent_dir: str
    parent_package: str
    header: str | None = None
    primary: bool = False
    deleted: bool = False
    version_base: str = "1.3"

    # -- construction ------------------------------------------------------------------------
    def with_element(self, element: InputDefault) -> Placed:
        return replace(self, element=element)

    def with_header(self, header: str | None) -> Placed:
        return replace(self, header=header)

    def mark_deleted(self) -> Placed:
        return replace(self, deleted=True)

    # -- identity ------------------------------------------------------------------------------
    @property
    def is_group(self) -> bool:
        return isinstance(self.element, GroupDefault)

    @property
    def is_self(self) -> bool:
        return self.element.is_self

    @property
    def name(self) -> str | None:
        return self.element.name

    @property
    def is_missing(self) -> bool:
        return self.name == MISSING_OPTION

    @property
    def is_interpolation(self) -> bool:
        name = self.name
        return isinstance(name, str) and "${" in name

    @property
    def optional(self) -> bool:
        return self.element.optional

    # -- paths -----------------------------------------------------------------------------------
    def relative_group_path(self) -> str:
        """The group as written (without a leading ``/``); the default package derives from it."""
        element = self.element
        if isinstance(element, GroupDefault):
            return _strip_slash(element.group)[0]
        path = _strip_slash(element.path)[0]
        cut = path.rfind("/")
        return "" if cut == -1 else path[:cut]

    def group_path(self) -> str:
        element = self.element
        if isinstance(element, GroupDefault):
            group, absolute = _strip_slash(element.group)
            return group if absolute else _join_dir(self.parent_dir, group)
        path, absolute = _strip_slash(element.path)
        cut = path.rfind("/")
        group = "" if cut == -1 else path[:cut]
        return group if absolute else _join_dir(self.parent_dir, group)

    def config_path(self) -> str:
        element = self.element
        if isinstance(element, GroupDefault):
            return f"{self.group_path()}/{element.value}"
        path, absolute = _strip_slash(element.path)
        return path if absolute else _join_dir(self.parent_dir, path)

    # -- packages --------------------------------------------------------------------------------
    def default_package(self) -> str:
        return self.group_path().replace("/", ".")

    def _package(self, use_header: bool) -> str | None:
        package = self.element.package
        if package is not None and "_group_" in package:
            # In a defaults list ``_group_`` always names the group's absolute default package.
            package = f"{GLOBAL}." + package.replace("_group_", self.default_package())
        if package is None and use_header:
            return self.header
        return package

    def final_package(self, use_header: bool = True) -> str:
        """The dotted key where this config's content lands (``""`` is the root)."""
        package = self._package(use_header)
        if package is None:
            package = self.relative_group_path().replace("/", ".")
        name = self.name
        if isinstance(name, str) and "_name_" in package and not _at_least_12(self.version_base):
            package = package.replace("_name_", name)
        if self.parent_package == "":
            joined = package
        elif package == "":
            joined = self.parent_package
        else:
            joined = f"{self.parent_package}.{package}"
        cut = joined.rfind(GLOBAL)
        return joined if cut == -1 else joined[cut + len(GLOBAL) + 1 :]

    def override_key(self) -> str | None:
        """``GROUP`` or ``GROUP@FINAL_PACKAGE``: how choices and command-line overrides name a group entry."""
        if not self.is_group:
            return None
        key = self.group_path()
        final = self.final_package(use_header=False)
        if final != self.default_package():
            key = f"{key}@{final or GLOBAL}"
        return key

    def relative_override_key(self) -> str:
        element = self.element
        assert isinstance(element, GroupDefault)
        package = self._package(use_header=False)
        if package is not None and package != self.default_package():
            return f"{element.group}@{element.package}"
        return element.group


def _at_least_12(version_base: str) -> bool:
    from runlab.config.versions import base_at_least

    return base_at_least(version_base, "1.2")
