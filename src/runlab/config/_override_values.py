"""Immutable building blocks of parsed override values, and their Hydra-style rendering.

Parsed values must be hashable so ``Override`` can be a frozen, cacheable value: lists become tuples and
dicts become :class:`FrozenDict`.  Hydra's own grammar functions and plugins think in lists and dicts, so
:func:`thaw` converts back wherever that shape is observable (sorting, error texts, ``value()``).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, NoReturn

from runlab._values import frozen

__all__ = [
    "FrozenDict",
    "Quote",
    "QuotedString",
    "escape_special_characters",
    "freeze",
    "render_element",
    "thaw",
    "type_name",
]


class Quote(Enum):
    """Which quote character enclosed a quoted value (values are Hydra's)."""

    single = 0
    double = 1


# Characters that have an escape sequence in unquoted values (the ESC token of the grammar).
_ESCAPABLE = "\\()[]{}:=, \t"
_ESCAPABLE_RE = re.compile("[" + re.escape(_ESCAPABLE) + "]")
# A run of backslashes followed by a quote character: the only place where quoted text escapes.
_BACKSLASHES_BEFORE = {"'": re.compile(r"(\\+)'"), '"': re.compile(r'(\\+)"')}


@frozen
class QuotedString:
    """A value that was written in quotes: it stays a string whatever it looks like.

    The quote is kept so a per-job sweep override can be re-emitted exactly as the user wrote it.
    """

    text: str
    quote: Quote

    def with_quotes(self) -> str:
        """The text between its quotes, escaped so that parsing it gives back this value.

        Inside quotes only backslashes that precede a quote are special: each such run is doubled, and
        a quote character of the enclosing kind gets one more backslash.
        """
        qc = "'" if self.quote is Quote.single else '"'
        text = self.text
        if "\\" in text:
            # Double every run of backslashes that precedes a quote or the end of the text.
            text = _BACKSLASHES_BEFORE[qc].sub(lambda m: m.group(1) * 2 + qc, text)
            stripped = text.rstrip("\\")
            text = stripped + "\\" * (2 * (len(text) - len(stripped)))
        return qc + _escape_quote(text, qc) + qc


def _escape_quote(text: str, qc: str) -> str:
    """Put a backslash before every ``qc`` (the runs before it are already doubled)."""
    return text.replace(qc, "\\" + qc)


class FrozenDict(dict):  # type: ignore[type-arg]
    """A dict that refuses mutation and can be hashed: the dict values of frozen overrides.

    It subclasses ``dict`` so code written for Hydra (``isinstance(v, dict)``) keeps working.
    """

    __slots__ = ()

    def _readonly(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("override values are immutable; use thaw() for a mutable copy")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly
    __ior__ = _readonly

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))


def freeze(value: Any) -> Any:
    """Lists -> tuples and dicts -> FrozenDict, recursively (other values unchanged)."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict) and type(value) is not FrozenDict:
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    if type(value) is FrozenDict and any(isinstance(v, (list, dict)) for v in value.values()):
        return FrozenDict((k, freeze(v)) for k, v in value.items())
    return value


def thaw(value: Any) -> Any:
    """Tuples -> lists and FrozenDicts -> dicts, recursively: the shape Hydra code expects."""
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    return value


def type_name(value: Any) -> str:
    """The type name Hydra would show for ``value`` (tuples and FrozenDicts show as list and dict)."""
    if isinstance(value, tuple):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return type(value).__name__


def escape_special_characters(text: str) -> str:
    """Backslash-escape the characters that would otherwise end or split an unquoted value."""
    if not _ESCAPABLE_RE.search(text):
        return text
    return _ESCAPABLE_RE.sub(lambda m: "\\" + m.group(), text)


def render_element(value: Any, space_after_sep: bool = False) -> str:
    """A parsed element in override syntax, the way Hydra prints per-job sweep overrides (spec §3.8).

    Plain strings are escaped rather than quoted (``hello\\ world``), quoted strings keep their quotes,
    booleans print as Python does (``True``); the result is meant for humans and for Hydra-compatible
    job overrides, not for an exact round trip (``Override.__str__`` is the exact one).
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return escape_special_characters(value)
    if isinstance(value, (bool, int, float)):
        return str(value)
    if isinstance(value, QuotedString):
        return value.with_quotes()
    comma = ", " if space_after_sep else ","
    if isinstance(value, (list, tuple)):
        return "[" + comma.join(render_element(v, space_after_sep) for v in value) + "]"
    if isinstance(value, dict):
        colon = ": " if space_after_sep else ":"
        return (
            "{"
            + comma.join(
                render_element(k) + colon + render_element(v, space_after_sep)
                for k, v in value.items()
            )
            + "}"
        )
    from dataclasses import is_dataclass

    from runlab.config.sweeps import Glob, Sweep

    if isinstance(value, (Sweep, Glob)):
        raise ValueError(  # noqa: TRY004  -- a bad value, not a bad argument type
            f"a {type(value).__name__} inside a value cannot be written as an override"
        )
    if is_dataclass(value) and not isinstance(value, type):
        from omegaconf import OmegaConf  # structured config instance given by a plugin

        return render_element(OmegaConf.to_container(OmegaConf.structured(value)), space_after_sep)
    raise AssertionError(f"cannot render {type(value).__name__} as an override element")
