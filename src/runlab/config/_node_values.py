"""Reading and setting the values the runtime owns (``hydra.job.num``, ``hydra.runtime.output_dir``)
on their nodes.

Assigning through a DictConfig looks the key up, re-checks the parent's struct and read-only flags
and, on OmegaConf 2.4, goes through the conversion-warning wrapper: ~50 us a value, several times per
sweep job.  The node's own ``_set_value`` validates the value the same way.  Reading goes through
similar layers (~20 us a key); :func:`child` reads from the content when nothing needs resolving.
"""

from __future__ import annotations

from typing import Any

__all__ = ["child", "set_existing_value", "set_own_value"]

_ABSENT = object()


def child(node: Any, key: str, default: Any = _ABSENT) -> Any:
    """``node[key]`` for a DictConfig ``node``, read from its content when nothing needs resolving.

    A lookup on a DictConfig validates the key, checks flags and resolves: ~20 us, and a sweep job
    reads some thirty of the runtime's own keys.  A child container with content is returned as
    is, a plain value (no ``${``, not ``???``) as its value -- what the lookup returns;
    anything else (an absent key, an interpolation, a missing or None container, a list parent)
    takes the usual lookup, with its errors.  ``default``, when given, is returned for an absent
    key, as ``DictConfig.get`` does.
    """
    content = node.__dict__.get("_content")
    if type(content) is dict:
        found = content.get(key)
        if found is None and default is not _ABSENT and key not in content:
            return default
        if found is not None:
            inner = found.__dict__.get("_content", _ABSENT)
            if inner is _ABSENT:  # a value node
                value = found._val
                if type(value) is not str or ("${" not in value and value != "???"):
                    return value
            elif type(inner) is dict or type(inner) is list:
                return found
    return node[key] if default is _ABSENT else node.get(key, default)


def set_existing_value(parent: Any, key: str, value: Any) -> bool:
    """Set ``parent[key]`` on its node when it is an existing, writable value node; False otherwise
    (a missing key, a container, a read-only node), for the caller to assign the usual way."""
    from omegaconf import ValueNode

    try:
        node = parent._get_node(key)
    except Exception:  # noqa: BLE001 - a key struct mode refuses: not an existing value node
        return False
    if not isinstance(node, ValueNode) or node._get_flag("readonly"):
        return False
    node._set_value(value)
    return True


def set_own_value(parent: Any, key: str, value: Any) -> None:
    """``parent[key] = value`` for a value runlab owns, whatever the flags say: on the node when
    it can be, else assigned inside ``read_write``/``open_dict`` of ``parent`` alone (flags on one
    node, no walk of the whole config)."""
    if set_existing_value(parent, key, value):
        return
    from omegaconf import open_dict, read_write

    with read_write(parent), open_dict(parent):
        parent[key] = value
