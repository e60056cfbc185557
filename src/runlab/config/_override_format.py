"""Printing parsed values back as override text that parses to an equal value (``str(Override)``).

Hydra's per-job rendering (``render_element``) is lossy on purpose (``str(1)`` prints as ``1``, which
parses back as an int).  Here the type is kept: a string that would not read back as the same string
is written as ``str('...')``, sweeps are written as the function calls that build them.
"""

from __future__ import annotations

from typing import Any

from runlab.config import _override_lexer as lex
from runlab.config._override_values import Quote, QuotedString, escape_special_characters
from runlab.config.sweeps import ChoiceSweep, Glob, IntervalSweep, RangeSweep

__all__ = ["format_value"]

_PLAIN_KINDS = frozenset(
    (
        lex.ID,
        lex.INTERPOLATION,
        lex.UNQUOTED_CHAR,
        lex.COLON,
        lex.ESC,
        lex.INT,
        lex.FLOAT,
        lex.BOOL,
        lex.NULL,
    )
)
_TYPED_KINDS = frozenset((lex.INT, lex.FLOAT, lex.BOOL, lex.NULL))


def format_value(value: Any) -> str:
    """The value part of an override (after ``=``); sweeps may use the bare ``a,b`` form here."""
    if value == "" and isinstance(value, str):
        return ""
    if isinstance(value, ChoiceSweep) and _is_bare_simple(value):
        return ",".join(_format(item) for item in value.list)
    return _format(value)


def _is_bare_simple(sweep: ChoiceSweep) -> bool:
    return sweep.simple_form and not sweep.shuffle and not sweep.tags and len(sweep.list) >= 2


def _format(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return format_str(value)
    if isinstance(value, QuotedString):
        return value.with_quotes()
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_format_key(k)}:{_format(v)}" for k, v in value.items()) + "}"
    if isinstance(value, ChoiceSweep):
        return _tagged(value.tags, _format_choice(value))
    if isinstance(value, RangeSweep):
        body = f"range({_format(value.start)},{_format(value.stop)},{_format(value.step)})"
        return _tagged(value.tags, f"shuffle({body})" if value.shuffle else body)
    if isinstance(value, IntervalSweep):
        body = f"interval({_format(value.start)},{_format(value.end)})"
        if _all_exact(value.start, value.end, kind=int):
            body = f"int({body})"
        return _tagged(value.tags, body)
    if isinstance(value, Glob):
        body = "glob(" + _format(value.include)
        if value.exclude:
            body += ",exclude=" + _format(value.exclude)
        return body + ")"
    raise TypeError(f"cannot write a {type(value).__name__} as an override value")


def format_str(text: str) -> str:
    """A plain string: escaped when that reads back as the same string, else ``str('...')``."""
    escaped = escape_special_characters(text)
    if _reads_back_as_string(escaped):
        return escaped
    return f"str({QuotedString(text, Quote.single).with_quotes()})"


def _reads_back_as_string(escaped: str) -> bool:
    if not escaped:
        return False
    try:
        tokens = lex.tokenize_value(escaped, 0)[:-1]
    except lex.LexError:
        return False
    if len(tokens) == 1 and tokens[0][0] in _TYPED_KINDS:
        return False
    return all(token[0] in _PLAIN_KINDS for token in tokens)


def _format_key(key: Any) -> str:
    # Dict keys cannot be quoted or be calls; parsed keys always read back from their escaped form.
    return escape_special_characters(key) if isinstance(key, str) else _format(key)


def _tagged(tags: frozenset[str], body: str) -> str:
    if not tags:
        return body
    return "tag(" + ",".join(format_str(t) for t in sorted(tags)) + "," + body + ")"


def _format_choice(sweep: ChoiceSweep) -> str:
    items = ",".join(_format(item) for item in sweep.list)
    if not sweep.simple_form:
        body = f"choice({items})"
        return f"shuffle({body})" if sweep.shuffle else body
    if sweep.shuffle:
        return f"shuffle({items})"
    # A simple (a,b) sweep inside a call or a container: find a call that builds one unchanged.
    if len(sweep.list) >= 2:
        for kind, function in ((bool, "bool"), (int, "int"), (float, "float"), (str, "str")):
            if _all_exact(*sweep.list, kind=kind):
                return f"{function}({items})"
        if all(isinstance(v, (int, float, str)) for v in sweep.list):
            try:
                if list(sweep.list) == sorted(sweep.list):
                    return f"sort({items})"
                if list(sweep.list) == sorted(sweep.list, reverse=True):
                    return f"sort({items},reverse=true)"
            except TypeError:
                pass
    return f"choice({items})"  # no call builds this exact simple sweep: the closest explicit one


def _all_exact(*values: Any, kind: type) -> bool:
    """Every leaf (list items, dict values) has exactly type ``kind``: a cast to it is a no-op."""
    for value in values:
        if isinstance(value, (tuple, list)):
            if not _all_exact(*value, kind=kind):
                return False
        elif isinstance(value, dict):
            if not _all_exact(*value.values(), kind=kind):
                return False
        elif type(value) is not kind:
            return False
    return True
