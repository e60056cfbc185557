"""Tokens of the override grammar, with Hydra 1.3's lexing rules (spec §3.2-3.3).

Hydra's lexer takes the *longest* token at each position (ties go to the rule listed first).  Python's
regex alternation takes the first alternative that matches instead, so the alternatives below are
ordered to give the same answer:

* tokens that may start with blanks (``,`` ``(`` ``)`` ``]`` ``}`` ``:`` ``=`` absorb the blanks around
  them) come before plain whitespace;
* numbers come before the single ``+ - .`` characters, an interpolation before a lone ``$``, an escape
  sequence before a lone ``\\``;
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
_QUOTED_BODY = r"(?:(?:\\\\)*|[\s\S]*?[^\\](?:\\\\)*)"

_VALUE_TOKEN = re.compile(
    "|".join(
        (
            r"([ \t]*,[ \t]*)",  # COMMA
            r"([ \t]*\([ \t]*)",  # POPEN
            r"([ \t]*\))",  # PCLOSE
            r"([ \t]*\])",  # BRACKET_CLOSE
            r"([ \t]*\})",  # BRACE_CLOSE
            r"([ \t]*:[ \t]*)",  # COLON
            r"([ \t]*=[ \t]*)",  # EQUAL
            r"([ \t]+)",  # WS
            r"(\[[ \t]*)",  # BRACKET_OPEN
            r"(\{[ \t]*)",  # BRACE_OPEN
            rf"({FLOAT_PATTERN})",  # FLOAT
            rf"({INT_PATTERN})",  # INT
            r"([a-zA-Z_][a-zA-Z0-9_-]*)",  # ID (BOOL / NULL / inf / nan classified below)
            r"(\$\{[^}]+\})",  # INTERPOLATION
            r"((?:\\[\\()\[\]{}:=, \t])+)",  # ESC
            r"([/\-\\+.$%*@?|])",  # UNQUOTED_CHAR
            rf"('{_QUOTED_BODY}'|\"{_QUOTED_BODY}\")",  # QUOTED
        )
    )
)

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
    match = _VALUE_TOKEN.match
    end = len(text)
    while pos < end:
        m = match(text, pos)
        if m is None:
            raise LexError(pos)
        kind = m.lastindex
        token_text = m.group()
        if kind == ID:
            kind = _KEYWORDS.get(token_text.lower(), ID)
        append((kind, token_text, pos))  # type: ignore[arg-type]
        pos = m.end()
    append((EOF, "", end))
    return tokens
