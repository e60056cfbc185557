"""Resolving the two simplest interpolation forms without OmegaConf's grammar.

OmegaConf parses every interpolation with an ANTLR grammar whose first use in a process costs tens
of milliseconds (lexer and parser warm-up): more than the rest of a trivial run.  The strings runlab
itself reads on every run (``hydra.run.dir``, the log file name) nearly always use only
``${dotted.key}`` and ``${now:<strftime format>}``, so those two forms are resolved here: keys by
walking the config, ``now`` through OmegaConf's own registered resolver and resolver cache (every
reader sees the same time, and sweeps share it as before).  Anything else, a relative key, a quote,
an escape, a nested interpolation, a missing value, goes to OmegaConf unchanged, so results and
errors are OmegaConf's.
"""

from __future__ import annotations

import re
from typing import Any

from omegaconf import Container, DictConfig, ListConfig, OmegaConf

__all__ = ["resolve_container", "resolve_leaf", "select_resolved"]

_KEY = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_TOKEN = re.compile(r"\$\{(?:(" + _KEY + r")|now:([A-Za-z0-9_%\-./]*%[A-Za-z0-9_%\-./]*))\}")
_PLAIN_TEXT = re.compile(r"[^${}\\]*")
_MAX_DEPTH = 16


class _Fallback(Exception):
    """Not a form this module resolves: let OmegaConf do it."""


def select_resolved(config: DictConfig, key: str) -> Any:
    """``OmegaConf.select(config, key, throw_on_missing=True)``, resolved without the grammar when
    the value only uses the simple forms."""
    try:
        return _value_at(config, key, 0)
    except _Fallback:
        return OmegaConf.select(config, key, throw_on_missing=True)


def resolve_container(node: DictConfig | ListConfig) -> Any:
    """``OmegaConf.to_container(node, resolve=True)``, without the grammar when every interpolation
    in ``node`` has a simple form."""
    plain = OmegaConf.to_container(node, resolve=False)
    try:
        return _resolve_plain(node._get_root(), plain, 0)
    except _Fallback:
        return OmegaConf.to_container(node, resolve=True)


def resolve_leaf(container: DictConfig | ListConfig, path: tuple[Any, ...]) -> Any:
    """The value at ``path`` below ``container`` as ``resolve_container(container)`` has it there."""
    parent: Any = container
    for key in path[:-1]:
        parent = parent._get_node(key)
    leaf = parent._get_node(path[-1])
    raw = leaf._value() if leaf is not None else None
    if isinstance(raw, str) and "${" in raw:
        try:
            return _resolve_text(container._get_root(), raw, None, 0)
        except _Fallback:
            pass
    value = parent[path[-1]]
    return OmegaConf.to_container(value, resolve=True) if isinstance(value, Container) else value


def _resolve_plain(root: Container, value: Any, depth: int) -> Any:
    if isinstance(value, str):
        return _resolve_text(root, value, None, depth) if "${" in value else value
    if isinstance(value, dict):
        return {k: _resolve_plain(root, v, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_plain(root, v, depth) for v in value]
    return value


def _value_at(root: Container, key: str, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise _Fallback
    node: Any = root
    for part in key.split("."):
        if not isinstance(node, DictConfig) or node._is_none() or node._is_interpolation():
            raise _Fallback
        node = node._get_node(part)
        if node is None:
            raise _Fallback
    if isinstance(node, Container) or node._is_missing():
        raise _Fallback
    value = node._value()
    if isinstance(value, str) and "${" in value:
        return _resolve_text(root, value, node, depth + 1)
    return value


def _resolve_text(root: Container, text: str, node: Any, depth: int) -> Any:
    pieces: list[Any] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal = text[position : match.start()]
        if not _PLAIN_TEXT.fullmatch(literal):
            raise _Fallback
        if literal:
            pieces.append(literal)
        key, time_format = match.groups()
        if key is not None:
            pieces.append(_value_at(root, key, depth + 1))
        else:
            pieces.append(_now(root, node, time_format))
        position = match.end()
    tail = text[position:]
    if not pieces or not _PLAIN_TEXT.fullmatch(tail):
        raise _Fallback
    if tail:
        pieces.append(tail)
    if len(pieces) == 1 and not isinstance(pieces[0], str):
        return pieces[0]
    return "".join(str(piece) for piece in pieces)


def _now(root: Container, node: Any, time_format: str) -> Any:
    resolver = OmegaConf._get_resolver("now")
    if resolver is None:
        raise _Fallback
    parent = node._get_parent() if node is not None else root
    return resolver(root, parent, node, (time_format,), (time_format,))
