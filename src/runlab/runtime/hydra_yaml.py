"""``.hydra/hydra.yaml``: the ``hydra`` node as YAML, without copying it, shared across a sweep.

Dumping the ``hydra`` node is the biggest single cost of writing a job's snapshot.  Jobs copied
from one sweep template (``runtime/templates.py``) differ only in what runlab sets per job, and
a block-style YAML mapping dumps as the concatenation of its keys' blocks, so those jobs reuse the
blocks of everything else.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

__all__ = ["hydra_yaml", "overrides_yaml"]

_PER_JOB: dict[str, frozenset[str] | None] = {
    "mode": None,
    "overrides": frozenset({"task"}),
    "job": frozenset({"num", "id", "override_dirname"}),
    "runtime": frozenset({"output_dir"}),
}
"""What runlab sets per job of a sweep template (None: the whole key).  Sweeps over any other
``hydra.*`` key are rejected, and a template only serves jobs with the same group choices."""


def hydra_yaml(config: DictConfig) -> str:
    """``OmegaConf.to_yaml`` of ``{hydra: config.hydra}`` without deep-copying the ``hydra`` node.

    The view shares the node (its parent stays ``config``); unresolved dumping never follows parents.
    A block-style mapping dumps as the concatenation of its keys' blocks, which is what lets jobs of
    one template reuse the blocks of what they share.  Falls back to a masked copy if OmegaConf's
    internals ever change.
    """
    from omegaconf import DictConfig, OmegaConf

    from runlab.runtime.templates import template_cache

    blocks = template_cache(config, "hydra.yaml blocks")  # filled by the template's first job
    try:
        hydra_node = config._get_node("hydra")
        if blocks is not None and isinstance(hydra_node, DictConfig):
            return _hydra_yaml_from_blocks(hydra_node, blocks)
        return OmegaConf.to_yaml(_view({"hydra": hydra_node}))
    except Exception:  # noqa: BLE001 - the copy gives the same text, only slower
        return OmegaConf.to_yaml(OmegaConf.masked_copy(config, "hydra"))


def overrides_yaml(task: Any) -> str:
    """``.hydra/overrides.yaml``: ``OmegaConf.to_yaml`` of ``hydra.overrides.task``, written
    directly when every override is text PyYAML writes plain (``n=5``, ``db=mysql``)."""
    from omegaconf import OmegaConf

    items = _plain_items(task)
    if items is None:
        return OmegaConf.to_yaml(task)
    return "".join(f"- {text}\n" for text in items) if items else "[]\n"


def _hydra_yaml_from_blocks(hydra_node: DictConfig, blocks: dict[tuple[str, ...], str]) -> str:
    # The nodes are read from the content dicts directly (as iterating and looking each key up
    # would, minus ~35 lookups a job); a node that is not a plain dict takes the generic path.
    content = _children(hydra_node)
    if content is None:
        raise ValueError("not a mapping of nodes")  # the caller's generic path dumps it
    if not content:
        return _dump(("hydra",), {})
    if not blocks:
        _fill_blocks(hydra_node, content, blocks)
    parts = ["hydra:\n"]
    for key, child in content.items():
        per_job = _PER_JOB.get(key, frozenset())
        grandchildren = _children(child) if per_job else None
        if per_job is None:
            parts.append(_dump(("hydra", key), child))
        elif not grandchildren:
            parts.append(_cached(blocks, ("hydra", key), child))
        else:
            parts.append(f"  {key}:\n")
            for sub, grandchild in grandchildren.items():
                path = ("hydra", key, sub)
                parts.append(
                    _dump(path, grandchild) if sub in per_job else _cached(blocks, path, grandchild)
                )
    return "".join(parts)


def _fill_blocks(
    hydra_node: DictConfig, content: dict[str, Any], blocks: dict[tuple[str, ...], str]
) -> None:
    """Fill a template's blocks from one dump of the whole node, cut at its keys' lines.

    One PyYAML run costs a third of one per block (~25 of them).  The cut is checked: the pieces
    must be the node's keys in order (and its per-job keys' sub-keys), else nothing is kept and
    each block is dumped on its own when first needed.
    """
    from omegaconf import OmegaConf

    head, _, body = OmegaConf.to_yaml(_view({"hydra": hydra_node})).partition("\n")
    top = _cut(body, 2)
    if head != "hydra:" or top is None or [key for key, _ in top] != list(content):
        return
    found: dict[tuple[str, ...], str] = {}
    for key, block in top:
        per_job = _PER_JOB.get(key, frozenset())
        if per_job is None:
            continue
        grandchildren = _children(content[key]) if per_job else None
        if not grandchildren:
            found[("hydra", key)] = block
            continue
        header, _, rest = block.partition("\n")
        subs = _cut(rest, 4)
        if header != f"  {key}:" or subs is None or [k for k, _ in subs] != list(grandchildren):
            return
        for sub_key, sub_block in subs:
            if sub_key not in per_job:
                found[("hydra", key, sub_key)] = sub_block
    blocks.update(found)


def _cut(text: str, indent: int) -> list[tuple[str, str]] | None:
    """``text`` (a block mapping's lines at ``indent``) cut before each key's line; None when a
    line at that indent is not a plain ``key:`` (a quoted key, say)."""
    pieces: list[tuple[str, list[str]]] = []
    margin = " " * indent
    for line in text.splitlines(keepends=True):
        if line.startswith(margin) and line[indent : indent + 1] not in (" ", "-", ""):
            key, colon, _ = line[indent:].partition(":")
            if not colon or not _PLAIN_KEY.fullmatch(key):
                return None
            pieces.append((key, [line]))
        elif pieces:
            pieces[-1][1].append(line)
        else:
            return None
    return [(key, "".join(lines)) for key, lines in pieces]


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _children(node: Any) -> dict[str, Any] | None:
    """A DictConfig's child nodes by (string) key; None when it is not a dict of nodes."""
    from omegaconf import DictConfig

    if not isinstance(node, DictConfig):
        return None
    content = node.__dict__.get("_content")
    if not isinstance(content, dict) or not all(type(key) is str for key in content):
        return None
    return content


def _cached(blocks: dict[tuple[str, ...], str], path: tuple[str, ...], node: Any) -> str:
    block = blocks.get(path)
    if block is None:
        block = blocks[path] = _dump(path, node)
    return block


def _dump(path: tuple[str, ...], node: Any) -> str:
    """The YAML lines of ``node`` at ``path`` inside ``{hydra: ...}``, without the parents' lines."""
    from omegaconf import OmegaConf

    simple = _simple_dump(path, node)
    if simple is not None:
        return simple

    content: Any = node
    for key in reversed(path):
        content = _view({key: content})
    text: str = OmegaConf.to_yaml(content)
    for _ in path[:-1]:
        text = text.partition("\n")[2]
    return text


_PLAIN_TEXT = re.compile(r"[A-Za-z_/][A-Za-z0-9_./,+=-]*\Z")
"""Text PyYAML writes as a plain scalar in block style, unchanged (no indicator first, no ``: ``,
`` #``, space or quote; ``/`` and ``=`` inside are fine), unless it reads as another type:"""
_NOT_TEXT = frozenset(
    {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "nan", "infinity"}
)  # compared lower-cased: YAML's booleans and null, and what OmegaConf quotes (float("inf") works)


def _plain(value: Any) -> str | None:
    """``value`` as PyYAML (with OmegaConf's dumper) writes it, for the simple cases; else None."""
    from enum import Enum

    if isinstance(value, Enum):
        value = value.name
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _PLAIN_TEXT.match(value) and value.lower() not in _NOT_TEXT:
        return value
    return None


def _simple_dump(path: tuple[str, ...], node: Any) -> str | None:
    """The lines of a scalar or a list of scalars written directly: what a job of a sweep changes
    (its number, id, overrides, output dir) is almost always this simple, and PyYAML's machinery
    costs more than the rest of the job's ``hydra.yaml``.  None when anything needs PyYAML."""
    from omegaconf import ValueNode

    indent = "  " * (len(path) - 1)
    if isinstance(node, ValueNode):
        text = _plain(node._value())
        return None if text is None else f"{indent}{path[-1]}: {text}\n"
    items = _plain_items(node)
    if items is None:
        return None
    if not items:
        return f"{indent}{path[-1]}: []\n"
    return f"{indent}{path[-1]}:\n" + "".join(f"{indent}- {text}\n" for text in items)


def _plain_items(node: Any) -> list[str] | None:
    """The items of a list of plain scalars as PyYAML writes them; None for anything else."""
    from omegaconf import ListConfig, ValueNode

    if not isinstance(node, ListConfig) or node._is_none() or node._is_interpolation():
        return None
    items = []
    for index in range(len(node)):
        item = node._get_node(index)
        text = _plain(item._value()) if isinstance(item, ValueNode) else None
        if text is None:
            return None
        items.append(text)
    return items


_EMPTY_VIEW: list[Any] = []


def _view(content: dict[str, Any]) -> DictConfig:
    """A parentless DictConfig over ``content`` (the nodes are shared, not re-parented): building one
    with ``DictConfig(...)`` costs more than dumping a small node."""
    from omegaconf import DictConfig

    if not _EMPTY_VIEW:
        _EMPTY_VIEW.append(DictConfig(content={}))
    view: DictConfig = DictConfig.__new__(DictConfig)
    view.__dict__.update(_EMPTY_VIEW[0].__dict__)
    view.__dict__["_content"] = content
    return view
