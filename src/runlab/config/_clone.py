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

__all__ = ["clone_tree", "copy_resolver_cache"]

_NodeT = TypeVar("_NodeT", bound=Node)

_new = object.__new__


class _UnknownNode(Exception):
    """A node whose attributes this module cannot vouch for: copy the whole tree the generic way."""


def clone_tree(node: _NodeT, *, omit: str | None = None, extras: bool = True) -> _NodeT:
    """An independent copy of ``node`` and everything under it.

    The copy keeps ``node``'s parent, as ``copy.deepcopy`` of a node does.  ``omit`` leaves that key
    of the root mapping out (the task's config is the job's minus ``hydra``).  ``extras`` False drops
    the attributes runlab keeps in the root's ``__dict__`` (origins, the sweep template key), which
    belong to the job and not to what the user's task receives.
    """
    state = node.__dict__
    content = state.get("_content")
    kept = (
        {key: child for key, child in content.items() if key != omit}
        if isinstance(content, dict) and omit in content
        else None
    )
    if kept is not None:  # swapped for the copy and back: nothing else runs meanwhile
        state["_content"] = kept
    root: _NodeT
    try:
        try:
            root = _clone(node, state["_parent"])
        except _UnknownNode:
            root = _copy_slowly(node)
    finally:
        if kept is not None:
            state["_content"] = content
    if not extras:
        copied = root.__dict__
        for name in [name for name in copied if name not in _NODE_STATE]:
            del copied[name]
    return root


_NODE_STATE = frozenset({"_metadata", "_parent", "_flags_cache", "_content", "_val"})


def _copy_slowly(node: Any) -> Any:
    """The generic way, for trees with a node class this module does not know: a pickle round
    trip for a root (it keeps runlab's extra attributes), ``copy.deepcopy`` below one (pickling would
    take the parents along)."""
    import pickle

    if node.__dict__["_parent"] is None:
        return pickle.loads(pickle.dumps(node, protocol=pickle.HIGHEST_PROTOCOL))
    return copy.deepcopy(node)


_set_state = object.__setattr__


def _clone_metadata(metadata: Metadata) -> Metadata:
    new = _new(type(metadata))
    state = metadata.__dict__.copy()
    state["flags"] = dict(state["flags"] or ())
    state["resolver_cache"] = copy_resolver_cache(state["resolver_cache"])
    _set_state(new, "__dict__", state)
    return new


def copy_resolver_cache(cache: Any) -> defaultdict[str, Any]:
    """A resolver cache (resolver name -> {arguments: value}) copied one level deep, as a
    ``defaultdict(dict)`` like OmegaConf's own (a resolver cached for the first time adds its name)."""
    fresh: defaultdict[str, Any] = defaultdict(dict)
    if cache:
        for name, values in cache.items():
            fresh[name] = dict(values)
    return fresh


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
