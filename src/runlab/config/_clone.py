"""A deep copy of a config tree, several times faster than ``copy.deepcopy`` or a pickle round trip.

A sweep gives every job its own config copied from a template, and every job's task its own copy
of the config without the ``hydra`` node; those copies were a large share of the per-job cost.
OmegaConf's ``__deepcopy__`` goes through ``copy.deepcopy`` for every node's metadata, and
unpickling rebuilds each metadata object and type annotation through ``__reduce__``.

What is copied here, node by node, is exactly what makes two trees independent:

* the node object and its attribute dict (so setting a value on one tree never shows in the other);
* its metadata object with its own ``flags`` dict and its own resolver cache (copied one level deep,
  as the cache is a dict of dicts);
* the children, re-parented to the copy.

Everything else is shared as ``copy.deepcopy`` would share it: a value node's value (OmegaConf's own
deepcopy does the same), types and annotations, keys, and the extra attributes runlab keeps on a
root.  A node of a class this module does not know (a future OmegaConf node type, a user's subclass)
makes the whole copy fall back to a pickle round trip.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, TypeVar

from omegaconf import Node
from omegaconf.base import Metadata

__all__ = ["clone_tree"]

_NodeT = TypeVar("_NodeT", bound=Node)

_new = object.__new__


class _UnknownNode(Exception):
    """A node whose attributes this module cannot vouch for: deep-copy the whole tree instead."""


def clone_tree(node: _NodeT, *, omit: str | None = None, extras: bool = True) -> _NodeT:
    """An independent copy of ``node`` and everything under it.

    The copy keeps ``node``'s parent, as ``copy.deepcopy`` of a node does.  ``omit`` leaves that key
    of the root mapping out (the task's config is the job's minus ``hydra``).  ``extras`` False drops
    the attributes runlab keeps in the root's ``__dict__`` (origins, the sweep template key), which
    belong to the job and not to what the user's task receives.
    """
    root: _NodeT
    try:
        root = _clone_root(node, omit)
    except _UnknownNode:
        root = _copy_slowly(node, omit)
    if not extras:
        state = root.__dict__
        for name in [name for name in state if name not in _NODE_STATE]:
            del state[name]
    return root


_NODE_STATE = frozenset({"_metadata", "_parent", "_flags_cache", "_content", "_val"})


def _clone_root(node: Any, omit: str | None) -> Any:
    if omit is None:
        return _clone(node, node.__dict__["_parent"])
    content = node.__dict__.get("_content")
    if not isinstance(content, dict) or omit not in content:
        return _clone(node, node.__dict__["_parent"])
    node.__dict__["_content"] = {key: child for key, child in content.items() if key != omit}
    try:
        return _clone(node, node.__dict__["_parent"])
    finally:
        node.__dict__["_content"] = content


def _copy_slowly(node: Any, omit: str | None) -> Any:
    """The generic way, for trees with a node class this module does not know."""
    import pickle

    content = node.__dict__.get("_content")
    if omit is not None and isinstance(content, dict) and omit in content:
        node.__dict__["_content"] = {key: child for key, child in content.items() if key != omit}
    try:
        if node.__dict__["_parent"] is None:
            return pickle.loads(pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL))
        return copy.deepcopy(node)
    finally:
        node.__dict__["_content"] = content


_set_state = object.__setattr__


def _clone_metadata(metadata: Metadata) -> Metadata:
    new = _new(type(metadata))
    state = metadata.__dict__.copy()
    state["flags"] = dict(state["flags"] or ())
    cache = state["resolver_cache"]
    fresh: defaultdict[str, Any] = defaultdict(dict)
    if cache:
        for name, values in cache.items():
            fresh[name] = dict(values)
    state["resolver_cache"] = fresh
    _set_state(new, "__dict__", state)
    return new


_KNOWN: dict[type, bool] = {}
"""Node classes checked once: True for OmegaConf's own (their instance attributes are the four
every node has plus immutable extras such as an enum node's type)."""


def _known(cls: type) -> bool:
    known = _KNOWN.get(cls)
    if known is None:
        module = cls.__module__ or ""
        known = _KNOWN[cls] = module.startswith("omegaconf.") and issubclass(cls, Node)
    return known


def _clone(node: Any, parent: Any) -> Any:
    cls = type(node)
    if not (_KNOWN.get(cls) or _known(cls)):
        raise _UnknownNode(cls)
    new = _new(cls)
    state = node.__dict__.copy()
    state["_metadata"] = _clone_metadata(state["_metadata"])
    state["_parent"] = parent
    state["_flags_cache"] = None
    content = state.get("_content")
    if content is not None:
        if type(content) is dict:
            state["_content"] = {key: _clone(child, new) for key, child in content.items()}
        elif type(content) is list:
            state["_content"] = [_clone(child, new) for child in content]
        elif isinstance(content, Node):
            state["_content"] = _clone(content, new)
    _set_state(new, "__dict__", state)
    return new
