"""Command-line overrides: a hand-written parser for Hydra 1.3's override grammar (spec §3).

The grammar, as implemented here (terminals are the tokens of :mod:`runlab.config._override_lexer`)::

    override       := key '=' value?  |  '~' key ('=' value?)?  |  '+' '+'? key '=' value?
    key            := packageOrGroup ('@' package)?
    packageOrGroup := package | ID ('/' ID)+
    package        := <empty> | ID | KEY_SPECIAL | DOT_PATH
    value          := element (',' element)*          # two or more elements: a simple choice sweep
    element        := primitive | list | dict | function
    function       := ID '(' (argName? element (',' argName? element)*)? ')'     argName := ID '='
    list           := '[' (element (',' element)*)? ']'
    dict           := '{' (dictKey ':' element (',' dictKey ':' element)*)? '}'
    primitive      := QUOTED | (ID | NULL | INT | FLOAT | BOOL | INTERPOLATION | UNQUOTED_CHAR
                                | ':' | ESC | WS)+
    dictKey        := (ID | NULL | INT | FLOAT | BOOL | UNQUOTED_CHAR | ESC | WS)+

This module parses the key; :mod:`runlab.config._override_parser` parses the value.  Most overrides
are ``key=word`` (or ``key=w1,w2`` or ``key=[w1,w2]``): a single regular expression recognises those
without tokenizing (:data:`_SIMPLE_OVERRIDE`) and gives exactly what the full parser would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field
from enum import Enum
from functools import lru_cache
from typing import Any

from runlab._values import frozen
from runlab.config import _override_lexer as lex
from runlab.config._override_parser import GRAMMAR_DOCS_URL, parse_value, syntax_error
from runlab.config._override_values import Quote, QuotedString, render_element, thaw
from runlab.config.sweeps import (
    ChoiceSweep,
    Glob,
    IntervalSweep,
    RangeSweep,
    Sweep,
    expand_choice,
    expand_glob,
    expand_range,
)
from runlab.errors import HydraException

__all__ = [
    "GRAMMAR_DOCS_URL",
    "Key",
    "Override",
    "OverrideType",
    "Quote",
    "QuotedString",
    "Transformer",
    "ValueType",
    "clear_override_cache",
    "parse_override",
    "parse_overrides",
]


class OverrideType(Enum):
    """What an override does to its key: set it, add it (``+``), add-or-set (``++``), delete (``~``)."""

    CHANGE = 1
    ADD = 2
    FORCE_ADD = 3
    DEL = 4


class ValueType(Enum):
    """The shape of the value: a single element, or one of the sweep kinds."""

    ELEMENT = 1
    CHOICE_SWEEP = 2
    GLOB_CHOICE_SWEEP = 3
    SIMPLE_CHOICE_SWEEP = 4
    RANGE_SWEEP = 5
    INTERVAL_SWEEP = 6


@frozen
class Key:
    """The key of an override: a config path or group, and the package after ``@`` if any."""

    key_or_group: str
    package: str | None = None


class Transformer:
    """Element converters for :meth:`Override.sweep_iterator` (Hydra's names)."""

    @staticmethod
    def identity(x: Any) -> Any:
        return x

    @staticmethod
    def str(x: Any) -> str:
        return render_element(x)

    @staticmethod
    def encode(x: Any) -> Any:
        # Primitives stay as they are, anything else is rendered in override syntax.
        return x if isinstance(x, (str, int, float, bool)) else render_element(x)


_PREFIXES = {OverrideType.DEL: "~", OverrideType.ADD: "+", OverrideType.FORCE_ADD: "++"}


@frozen
class Override:
    """One parsed override.  Frozen and hashable; ``input_line`` does not take part in equality.

    ``raw_value`` keeps what the parser produced (quoted strings as :class:`QuotedString`, lists as
    tuples, dicts as :class:`FrozenDict`, sweeps as sweep objects); :meth:`value` gives plain Python.
    """

    type: OverrideType
    key_or_group: str
    value_type: ValueType | None
    raw_value: Any
    package: str | None = None
    input_line: str | None = field(default=None, compare=False)
    # Hydra's plugins hand a config loader to the parser; a glob then lists group options with it.
    config_loader: Any = field(default=None, compare=False, repr=False)

    # Hydra's static helper, called by some plugins: an element in per-job override syntax.
    _get_value_element_as_str = staticmethod(render_element)

    @property
    def _value(self) -> Any:
        """Hydra's attribute name for :attr:`raw_value` (read by some plugins)."""
        return self.raw_value

    def is_delete(self) -> bool:
        return self.type is OverrideType.DEL

    def is_add(self) -> bool:
        return self.type is OverrideType.ADD

    def is_force_add(self) -> bool:
        return self.type is OverrideType.FORCE_ADD

    def is_sweep_override(self) -> bool:
        return self.value_type is not None and self.value_type is not ValueType.ELEMENT

    def is_choice_sweep(self) -> bool:
        return self.value_type in (
            ValueType.SIMPLE_CHOICE_SWEEP,
            ValueType.CHOICE_SWEEP,
            ValueType.GLOB_CHOICE_SWEEP,
        )

    def is_range_sweep(self) -> bool:
        return self.value_type is ValueType.RANGE_SWEEP

    def is_interval_sweep(self) -> bool:
        return self.value_type is ValueType.INTERVAL_SWEEP

    def is_discrete_sweep(self) -> bool:
        """True for sweeps that can be enumerated (everything but ``interval``)."""
        return self.is_choice_sweep() or self.is_range_sweep()

    def is_hydra_override(self) -> bool:
        return self.key_or_group.startswith(("hydra.", "hydra/"))

    def value(self) -> Any:
        """The value as plain Python: quoted strings unquoted, lists and dicts mutable; sweeps as is."""
        raw = self.raw_value
        if isinstance(raw, (Sweep, Glob)):
            return raw
        return _plain(raw)

    def get_key_element(self) -> str:
        """The key as written, with its prefix and package: ``+db@pkg``, ``~a.b``, ``a``."""
        key = self.key_or_group if self.package is None else f"{self.key_or_group}@{self.package}"
        return _PREFIXES.get(self.type, "") + key

    def get_value_string(self) -> str:
        """The value part of the input line, exactly as typed (everything after the first ``=``)."""
        assert self.input_line is not None
        index = self.input_line.find("=")
        if index == -1:
            raise ValueError(f"No value component in {self.input_line}")
        return self.input_line[index + 1 :]

    def get_value_element_as_str(self, space_after_sep: bool = False) -> str:
        """The (non-sweep) value in override syntax, as Hydra renders per-job overrides (§3.8)."""
        if isinstance(self.raw_value, Sweep):
            raise HydraException("Cannot convert sweep to str")
        return render_element(self.raw_value, space_after_sep=space_after_sep)

    def sweep_iterator(
        self,
        transformer: Callable[[Any], Any] = Transformer.identity,
        list_options: Callable[[str], list[str]] | None = None,
    ) -> Iterator[Any]:
        """The values of a discrete sweep, each passed through ``transformer``.

        A glob is matched against ``list_options(key_or_group)``: the options of the config group.
        """
        raw = self.raw_value
        if self.value_type not in _ENUMERABLE or raw is None:
            raise HydraException(
                f"Can only enumerate CHOICE and RANGE sweeps, type is {self.value_type}"
            )
        if isinstance(raw, Glob):
            if list_options is None and self.config_loader is not None:
                list_options = self.config_loader.get_group_options
            return iter(expand_glob(raw, self.key_or_group, list_options))
        if isinstance(raw, ChoiceSweep):
            return map(transformer, map(thaw, expand_choice(raw)))
        assert isinstance(raw, RangeSweep)
        return map(transformer, expand_range(raw))

    def sweep_string_iterator(
        self, list_options: Callable[[str], list[str]] | None = None
    ) -> Iterator[str]:
        """The values of a discrete sweep in override syntax, ready for ``key=<value>`` job overrides."""
        return self.sweep_iterator(transformer=Transformer.str, list_options=list_options)

    def __str__(self) -> str:
        if self.value_type is None:
            return self.get_key_element()
        from runlab.config._override_format import format_value

        return f"{self.get_key_element()}={format_value(self.raw_value)}"


_ENUMERABLE = (
    ValueType.CHOICE_SWEEP,
    ValueType.SIMPLE_CHOICE_SWEEP,
    ValueType.GLOB_CHOICE_SWEEP,
    ValueType.RANGE_SWEEP,
)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, QuotedString):
        return value.text
    return value


# --------------------------------------------------------------------------------------------------
# the key: override := ('~' | '+' '+'?)? key ...


def parse_override(text: str, *, cached: bool = True) -> Override:
    """Parse one override (``key=value``, ``+key=v``, ``~key``, ``group@pkg=opt``, sweeps, ...).

    Raises :class:`~runlab.errors.OverrideParseException` naming the override and, for syntax
    errors, the column at fault.  Results are cached (they are immutable), except when the text
    may shuffle a list: ``shuffle([1,2,3])`` is drawn anew on every parse, as in Hydra.
    ``cached=False`` leaves the cache alone, for callers parsing text that rarely repeats (a
    sweep's jobs): it would otherwise hold thousands of results nobody asks for again.
    """
    if type(text) is not str:
        raise TypeError(f"an override must be a string, got {type(text).__name__}")
    if not cached or "shuffle" in text:
        return _parse(text)
    return _parse_cached(text)


_parse_cached = lru_cache(maxsize=8192)(lambda text: _parse(text))


def clear_override_cache() -> None:
    """Forget cached parse results (benchmarks measure cold parsing with it)."""
    _parse_cached.cache_clear()


def parse_overrides(texts: Iterable[str]) -> list[Override]:
    """Parse each override in order (the first bad one raises)."""
    return [parse_override(t) for t in texts]


def _parse(text: str) -> Override:
    """override := key '=' value? | '~' key ('=' value?)? | '+' '+'? key '=' value?"""
    simple = _SIMPLE_OVERRIDE.match(text)
    if simple is not None:
        prefix, key, package, word, words, listed = simple.groups()
        value_type = ValueType.ELEMENT
        if word is not None:
            raw_value: Any = _simple_value(word)
        elif words is not None:
            items = tuple(_simple_value(w) for w in words.split(","))
            raw_value, value_type = ChoiceSweep(list=items, simple_form=True), _SIMPLE_SWEEP
        else:
            raw_value = tuple(_simple_value(w) for w in listed.split(",")) if listed else ()
        return Override(_PREFIX_TYPES[prefix], key, value_type, raw_value, package, text)
    if text.startswith("~"):
        override_type, pos = OverrideType.DEL, 1
    elif text.startswith("++"):
        override_type, pos = OverrideType.FORCE_ADD, 2
    elif text.startswith("+"):
        override_type, pos = OverrideType.ADD, 1
    else:
        override_type, pos = OverrideType.CHANGE, 0
    start_of_key = pos
    key_or_group, package, pos = _parse_key(text, pos)
    if pos == len(text) and override_type is OverrideType.DEL:
        return Override(override_type, key_or_group, None, None, package, text)
    if not text.startswith("=", pos):
        expected = "'@' or '='" if package is None else "'='"
        if pos == start_of_key:
            expected = "a key, '@' or '='"
        if override_type is OverrideType.DEL:
            expected += " or end of input"
        raise syntax_error(text, pos, expected)
    raw_value = parse_value(text, pos + 1)
    return Override(override_type, key_or_group, _value_type(raw_value), raw_value, package, text)


def _parse_key(text: str, pos: int) -> tuple[str, str | None, int]:
    """key := packageOrGroup ('@' package)?      packageOrGroup := package | ID ('/' ID)+"""
    start = pos
    word = lex.KEY_WORD.match(text, pos)
    if word is not None:
        pos = word.end()
        if text.startswith("/", pos):
            if not lex.KEY_ID.match(word.group()):
                raise syntax_error(text, pos, "'@' or '='")
            while text.startswith("/", pos):
                segment = lex.KEY_WORD.match(text, pos + 1)
                if segment is None or not lex.KEY_ID.match(segment.group()):
                    raise syntax_error(
                        text, pos + 1, "a config group name (letters, digits, _ or -)"
                    )
                pos = segment.end()
    key_or_group = text[start:pos]
    package = None
    if text.startswith("@", pos):
        package, pos = _parse_package(text, pos + 1)
    return key_or_group, package, pos


def _parse_package(text: str, pos: int) -> tuple[str, int]:
    """package := <empty> | ID | KEY_SPECIAL | DOT_PATH"""
    word = lex.KEY_WORD.match(text, pos)
    if word is None:
        return "", pos
    return word.group(), word.end()


def _value_type(raw: Any) -> ValueType:
    if isinstance(raw, ChoiceSweep):
        return ValueType.SIMPLE_CHOICE_SWEEP if raw.simple_form else ValueType.CHOICE_SWEEP
    if isinstance(raw, Glob):
        return ValueType.GLOB_CHOICE_SWEEP
    if isinstance(raw, IntervalSweep):
        return ValueType.INTERVAL_SWEEP
    if isinstance(raw, RangeSweep):
        return ValueType.RANGE_SWEEP
    return ValueType.ELEMENT


# --------------------------------------------------------------------------------------------------
# the fast path: key=word, recognised by one regular expression


_ID = r"[a-zA-Z_][a-zA-Z0-9_-]*"
_KEY = rf"(?:{_ID}(?:/{_ID})+|{lex.KEY_WORD.pattern})?"
_PACKAGE = rf"(?:{lex.KEY_WORD.pattern})?"
# Value characters that always lex, never escape, never start a quote/container/call/interpolation;
# a value made of them is one word, a comma sweep of words, or a list of words.
_WORD = r"[a-zA-Z0-9_/\-+.%*@?|:]"
_SIMPLE_OVERRIDE = re.compile(
    rf"(~|\+\+|\+)?({_KEY})(?:@({_PACKAGE}))?=[ \t]*"
    rf"(?:({_WORD}*)|({_WORD}+(?:,{_WORD}+)+)|\[((?:{_WORD}+(?:,{_WORD}+)*)?)\])\Z"
)
_SIMPLE_SWEEP = ValueType.SIMPLE_CHOICE_SWEEP
_PREFIX_TYPES = {
    None: OverrideType.CHANGE,
    "~": OverrideType.DEL,
    "+": OverrideType.ADD,
    "++": OverrideType.FORCE_ADD,
}
_INT_VALUE = re.compile(lex.INT_PATTERN + r"\Z")
_FLOAT_VALUE = re.compile(rf"(?:{lex.FLOAT_PATTERN})\Z")
_WORD_VALUES: dict[str, Any] = {"true": True, "false": False, "null": None}


def _simple_value(text: str) -> Any:
    """Type a value made only of always-unescaped characters: one number/keyword token, else a str."""
    if not text:
        return ""
    first = text[0]
    if first.isdigit() or first in "+-.":
        if _INT_VALUE.match(text):
            return int(text)
        if _FLOAT_VALUE.match(text):
            return float(text)
        return text
    lowered = text.lower()
    if lowered in _WORD_VALUES:
        return _WORD_VALUES[lowered]
    if lowered in ("inf", "nan"):
        return float(text)
    return text
