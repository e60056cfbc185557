"""Tokens of the override grammar, with Hydra 1.3's lexing rules (spec §3.2-3.3).

Hydra's lexer takes the *longest* token at each position (ties go to the rule listed first).  Here the
first character picks the few tokens that can start with it, and a small regex per character class
gives the same answer as longest-match:

* blanks are whitespace unless one of ``,`` ``(`` ``)`` ``]`` ``}`` ``:`` ``=`` follows, which then
  absorbs them (and ``, ( : =`` absorb the blanks after them too);
* ``+ - .`` start a float or an int when they can, else they are single characters; likewise
  ``$`` starts an interpolation ``${...}`` and ``\\`` an escape sequence when they can;
* words are matched as one identifier and classified afterwards: ``true``/``null``/``inf`` are keywords
  only when the whole word is (``trueish`` stays an identifier), exactly as longest-match gives.

A key is lexed by :data:`KEY_WORD` (one dotted path or identifier) in the override parser itself.
"""

from __future__ import annotations

import re

__all__ = [
    "BOOL",
    "BRACE_CLOSE",
    "BRACE_OPEN",
    "BRACKET_CLOSE",
    "BRACKET_OPEN",
    "COLON",
    "COMMA",
    "EOF",
    "EQUAL",
    "ESC",
    "FLOAT",
    "ID",
    "INT",
    "INTERPOLATION",
    "KEY_WORD",
    "NULL",
    "PCLOSE",
    "POPEN",
    "QUOTED",
    "TOKEN_NAMES",
    "UNQUOTED_CHAR",
    "WS",
    "LexError",
    "tokenize_value",
]

# Token kinds (small ints: compared in the parser's inner loops).
COMMA, POPEN, PCLOSE, BRACKET_CLOSE, BRACE_CLOSE, COLON, EQUAL, WS = range(1, 9)
BRACKET_OPEN, BRACE_OPEN, FLOAT, INT, ID, INTERPOLATION, ESC, UNQUOTED_CHAR, QUOTED = range(9, 18)
BOOL, NULL, EOF = 18, 19, 20

TOKEN_NAMES = {
    COMMA: "','",
    POPEN: "'('",
    PCLOSE: "')'",
    BRACKET_CLOSE: "']'",
    BRACE_CLOSE: "'}'",
    COLON: "':'",
    EQUAL: "'='",
    WS: "whitespace",
    BRACKET_OPEN: "'['",
    BRACE_OPEN: "'{'",
    FLOAT: "a float",
    INT: "an int",
    ID: "a word",
    INTERPOLATION: "an interpolation",
    ESC: "an escape sequence",
    UNQUOTED_CHAR: "a character",
    QUOTED: "a quoted string",
    BOOL: "a bool",
    NULL: "null",
    EOF: "end of input",
}

_UINT = r"(?:0|[1-9](?:_?[0-9])*)"
_DIGITS = r"[0-9](?:_?[0-9])*"
_EXPONENT = rf"[eE][+-]?{_DIGITS}"
_POINT_FLOAT = rf"(?:{_UINT}?\.{_DIGITS}|{_UINT}\.)"
# Signed inf/nan only: unsigned ones are words classified after matching an identifier.
FLOAT_PATTERN = (
    rf"[+-]?(?:{_POINT_FLOAT}(?:{_EXPONENT})?|{_UINT}{_EXPONENT})|[+-](?:[iI][nN][fF]|[nN][aA][nN])"
)
INT_PATTERN = rf"[+-]?{_UINT}"

# The value-mode lexer dispatches on the first character: each entry is (pattern, kinds) where the
# pattern's capturing groups map to ``kinds``; no group matching means the fallback kind ``kinds[-1]``.
_BLANK_LED = re.compile(r"[ \t]*(?:(,)[ \t]*|(\()[ \t]*|(\))|(\])|(\})|(:)[ \t]*|(=)[ \t]*)?")
_BLANK_LED_KINDS: tuple[int, ...] = (
    0,
    COMMA,
    POPEN,
    PCLOSE,
    BRACKET_CLOSE,
    BRACE_CLOSE,
    COLON,
    EQUAL,
    WS,
)
_NUMBER = re.compile(rf"({FLOAT_PATTERN})|({INT_PATTERN})|[\s\S]")
_NUMBER_KINDS: tuple[int, ...] = (0, FLOAT, INT, UNQUOTED_CHAR)
_WORD = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
_DOLLAR = re.compile(r"(\$\{[^}]+\})|\$")
_DOLLAR_KINDS: tuple[int, ...] = (0, INTERPOLATION, UNQUOTED_CHAR)
_BACKSLASH = re.compile(r"((?:\\[\\()\[\]{}:=, \t])+)|\\")
_BACKSLASH_KINDS: tuple[int, ...] = (0, ESC, UNQUOTED_CHAR)
_QUOTED_BODY = r"(?:(?:\\\\)*|[\s\S]*?[^\\](?:\\\\)*)"
_QUOTED = {"'": re.compile(rf"'{_QUOTED_BODY}'"), '"': re.compile(rf'"{_QUOTED_BODY}"')}
_OPENING = {
    "[": (re.compile(r"\[[ \t]*"), BRACKET_OPEN),
    "{": (re.compile(r"\{[ \t]*"), BRACE_OPEN),
    "(": (re.compile(r"\([ \t]*"), POPEN),
    ",": (re.compile(r",[ \t]*"), COMMA),
    ":": (re.compile(r":[ \t]*"), COLON),
    "=": (re.compile(r"=[ \t]*"), EQUAL),
}
_SINGLE_CHAR = {")": PCLOSE, "]": BRACKET_CLOSE, "}": BRACE_CLOSE}
_SINGLE_CHAR.update(dict.fromkeys("/%*@?|", UNQUOTED_CHAR))
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NUMBER_START = frozenset("0123456789+-.")

_KEYWORDS = {"true": BOOL, "false": BOOL, "null": NULL, "inf": FLOAT, "nan": FLOAT}

# One key-mode word: a dotted path (``a.b``, ``a.0``) or an identifier that may contain ``$``.
_KEY_SEGMENT = rf"(?:[a-zA-Z_$][a-zA-Z0-9_$-]*|{_UINT})"
KEY_WORD = re.compile(rf"{_KEY_SEGMENT}(?:\.{_KEY_SEGMENT})+|[a-zA-Z_$][a-zA-Z0-9_$-]*")
KEY_ID = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*\Z")


class LexError(Exception):
    """No token starts at ``position`` (an unquoted character outside the grammar)."""

    def __init__(self, position: int) -> None:
        super().__init__(position)
        self.position = position


Token = tuple[int, str, int]  # kind, text, start offset


def tokenize_value(text: str, pos: int) -> list[Token]:
    """All value-mode tokens of ``text[pos:]``, ending with an EOF token."""
    tokens: list[Token] = []
    append = tokens.append
    end = len(text)
    single_char, opening, keywords = _SINGLE_CHAR, _OPENING, _KEYWORDS
    while pos < end:
        char = text[pos]
        if char in _WORD_START:
            m = _WORD.match(text, pos)
            assert m is not None
            word = m.group()
            append((keywords.get(word.lower(), ID), word, pos))
            pos = m.end()
            continue
        kind = single_char.get(char)
        if kind is not None:
            append((kind, char, pos))
            pos += 1
            continue
        if char in _NUMBER_START:
            pattern, kinds = _NUMBER, _NUMBER_KINDS
        elif char in opening:
            pattern, kind = opening[char]
            m = pattern.match(text, pos)
            assert m is not None
            append((kind, m.group(), pos))
            pos = m.end()
            continue
        elif char == " " or char == "\t":
            pattern, kinds = _BLANK_LED, _BLANK_LED_KINDS
        elif char == "$":
            pattern, kinds = _DOLLAR, _DOLLAR_KINDS
        elif char == "\\":
            pattern, kinds = _BACKSLASH, _BACKSLASH_KINDS
        elif char in _QUOTED:
            m = _QUOTED[char].match(text, pos)
            if m is None:
                raise LexError(pos)
            append((QUOTED, m.group(), pos))
            pos = m.end()
            continue
        else:
            raise LexError(pos)
        m = pattern.match(text, pos)
        assert m is not None
        append((kinds[m.lastindex or -1], m.group(), pos))
        pos = m.end()
    append((EOF, "", end))
    return tokens
