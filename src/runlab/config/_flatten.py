"""Flattening the defaults tree into the final defaults list (depth first, ``_self_`` in place)."""

from __future__ import annotations

from runlab.config._default_elements import Placed, VirtualRoot
from runlab.config._loaded import EMPTY_PRIMARY
from runlab.config.defaults import DefaultsTreeNode, ResultDefault
from runlab.errors import ConfigCompositionException

__all__ = ["ensure_no_duplicates", "flatten"]


def _result(node: Placed, tree: DefaultsTreeNode | None, grandparent: DefaultsTreeNode | None) -> ResultDefault | None:
    if node.deleted or node.is_missing or node.name is None:
        return None
    if node.is_self:
        assert tree is not None and isinstance(tree.node, Placed)
        owner = tree.node
        parent_node = grandparent.node if grandparent is not None else None
        result = ResultDefault(
            config_path=owner.config_path(),
            parent=_path_of(parent_node),
            package=owner.final_package(),
            is_self=True,
            primary=owner.primary,
            override_key=owner.override_key(),
        )
    else:
        result = ResultDefault(
            config_path=node.config_path(),
            parent=_path_of(tree.node) if tree is not None else None,
            package=node.final_package(),
            primary=node.primary,
            override_key=node.override_key(),
        )
    if result.config_path == EMPTY_PRIMARY:
        return None
    return result


def _path_of(node: Placed | VirtualRoot | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, VirtualRoot):
        return node.config_path
    return node.config_path()


def flatten(tree: DefaultsTreeNode) -> list[ResultDefault]:
    """Depth-first walk: a node with children contributes only through its ``_self_`` entry."""
    output: list[ResultDefault] = []

    def visit(node: Placed | VirtualRoot, tree_node: DefaultsTreeNode | None, parent: DefaultsTreeNode | None) -> None:
        if isinstance(node, VirtualRoot):
            return
        result = _result(node, tree_node, parent)
        if result is not None:
            output.append(result)

    def walk(current: DefaultsTreeNode, parent: DefaultsTreeNode | None) -> None:
        if not current.children:
            visit(current.node, parent, None)
            return
        for child in current.children:
            if isinstance(child, DefaultsTreeNode):
                walk(child, current)
            else:
                visit(child, current, parent)

    walk(tree, None)
    return output


def ensure_no_duplicates(defaults: list[ResultDefault]) -> None:
    seen: set[str] = set()
    for item in defaults:
        if item.is_self or item.override_key is None:
            continue
        if item.override_key in seen:
            raise ConfigCompositionException(
                f"{item.override_key} appears more than once in the final defaults list"
            )
        seen.add(item.override_key)
