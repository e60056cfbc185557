"""The value part of an override (after ``=``): a recursive-descent parser over value-mode tokens.

One method per grammar rule (EBNF in :mod:`runlab.config.overrides` and in each docstring).  Parsing
is two passes, like Hydra's parse-then-visit: the whole value is checked against the grammar first,
and only then are grammar functions evaluated, so a syntax error anywhere wins over a function error.
"""

from __future__ import annotations

import re
from typing import Any

from runlab._values import mutable
from runlab.config import _override_lexer as lex
from runlab.config._override_values import FrozenDict, Quote, QuotedString
from runlab.config.sweeps import ChoiceSweep
from runlab.errors import OverrideParseException

__all__ = ["GRAMMAR_DOCS_URL", "override_error", "parse_value", "syntax_error"]

GRAMMAR_DOCS_URL = "https://hydra.cc/docs/1.2/advanced/override_grammar/basic"

# --------------------------------------------------------------------------------------------------
# errors


def override_error(text: str, detail: str) -> OverrideParseException:
    return OverrideParseException(
        override=text,
        message=f"Error parsing override '{text}'\n{detail}\nSee {GRAMMAR_DOCS_URL} for details",
    )


def syntax_error(text: str, position: int, expected: str) -> OverrideParseException:
    """Say what was expected at ``position`` and what was found there."""
    found = "end of input" if position >= len(text) else repr(text[position])
    return _pointed_error(
        text, position, f"Expected {expected} at column {position + 1}, found {found}"
    )


def _pointed_error(text: str, position: int, sentence: str) -> OverrideParseException:
    """``sentence``, then the override with a caret under ``position``."""
    caret = " " * _display_width(text[:position]) + "^"
    return override_error(text, f"{sentence}:\n    {text}\n    {caret}")


def _display_width(prefix: str) -> int:
    return len(prefix.expandtabs(1))


# --------------------------------------------------------------------------------------------------
# the value: a recursive-descent parser over value-mode tokens


def parse_value(text: str, pos: int) -> Any:
    """value := element (',' element)*   (after '=', blanks skipped; nothing at all means '')"""
    while text.startswith((" ", "\t"), pos):
        pos += 1
    if pos == len(text):
        return ""
    try:
        tokens = lex.tokenize_value(text, pos)
    except lex.LexError as error:
        char, column = text[error.position], error.position + 1
        if char in "'\"":
            sentence = (
                f"Unterminated quoted string: no closing {char} for the one at column {column}"
            )
        else:
            sentence = (
                f"Unexpected character {char!r} at column {column} (allowed in quoted values only)"
            )
        raise _pointed_error(text, error.position, sentence) from None
    parser = _ValueParser(text, tokens)
    value = parser.value()
    if parser.kind() != lex.EOF:
        raise parser.unexpected("',' or end of input")
    if parser.has_calls:
        value = _evaluate(text, value)
    return value


_PRIMITIVE_KINDS = frozenset(
    (
        lex.ID,
        lex.NULL,
        lex.INT,
        lex.FLOAT,
        lex.BOOL,
        lex.INTERPOLATION,
        lex.UNQUOTED_CHAR,
        lex.COLON,
        lex.ESC,
        lex.WS,
    )
)
_DICT_KEY_KINDS = _PRIMITIVE_KINDS - {lex.COLON, lex.INTERPOLATION}


@mutable
class _Call:
    """A function call found by the parser; evaluated once the whole override has parsed."""

    name: str
    arguments: list[tuple[str | None, Any]]
    text: str


@mutable
class _SimpleChoice:
    """``a,b,c`` whose elements contain calls still to evaluate."""

    items: list[Any]


class _ValueParser:
    """One method per grammar rule; ``self.index`` is the next token."""

    __slots__ = ("has_calls", "index", "text", "tokens")

    def __init__(self, text: str, tokens: list[lex.Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.has_calls = False

    def kind(self) -> int:
        return self.tokens[self.index][0]

    def unexpected(self, expected: str) -> OverrideParseException:
        return syntax_error(self.text, self.tokens[self.index][2], expected)

    def expect(self, kind: int, expected: str) -> None:
        if self.tokens[self.index][0] != kind:
            raise self.unexpected(expected)
        self.index += 1

    def value(self) -> Any:
        """value := element (',' element)*"""
        first = self.element()
        if self.tokens[self.index][0] != lex.COMMA:
            return first
        items = [first]
        while self.tokens[self.index][0] == lex.COMMA:
            self.index += 1
            items.append(self.element())
        if self.has_calls:
            return _SimpleChoice(items)
        return ChoiceSweep(list=tuple(items), simple_form=True)

    def element(self) -> Any:
        """element := primitive | list | dict | function"""
        kind = self.tokens[self.index][0]
        if kind == lex.QUOTED:
            return self.quoted()
        if kind == lex.ID and self.tokens[self.index + 1][0] == lex.POPEN:
            return self.function()
        if kind in _PRIMITIVE_KINDS:
            return self.primitive(_PRIMITIVE_KINDS)
        if kind == lex.BRACKET_OPEN:
            return self.list_container()
        if kind == lex.BRACE_OPEN:
            return self.dict_container()
        raise self.unexpected("a value")

    def quoted(self) -> QuotedString:
        """primitive := QUOTED   (a quoted string is a whole element on its own)"""
        token = self.tokens[self.index][1]
        self.index += 1
        return _unquote(token)

    def primitive(self, allowed: frozenset[int]) -> Any:
        """primitive := (ID | NULL | INT | FLOAT | BOOL | INTERPOLATION | UNQUOTED_CHAR | ':' | ESC
        | WS)+ -- one token keeps its type, several are joined into a string (escapes undone,
        outer whitespace dropped)."""
        tokens = self.tokens
        first = self.index
        last = first
        while tokens[last][0] in allowed:
            last += 1
        self.index = last
        if tokens[first][0] == lex.WS:
            if last - first == 1:
                raise override_error(
                    self.text, "Trying to parse a primitive that is all whitespaces"
                )
            first += 1
        if tokens[last - 1][0] == lex.WS:
            last -= 1
        if last - first == 1:
            return _single_token_value(tokens[first])
        return "".join(
            token[1][1::2] if token[0] == lex.ESC else token[1] for token in tokens[first:last]
        )

    def list_container(self) -> tuple[Any, ...]:
        """list := '[' (element (',' element)*)? ']'"""
        self.index += 1
        items = []
        if self.tokens[self.index][0] != lex.BRACKET_CLOSE:
            items.append(self.element())
            while self.tokens[self.index][0] == lex.COMMA:
                self.index += 1
                items.append(self.element())
        self.expect(lex.BRACKET_CLOSE, "',' or ']'")
        return tuple(items)

    def dict_container(self) -> FrozenDict:
        """dict := '{' (dictKey ':' element (',' dictKey ':' element)*)? '}'"""
        self.index += 1
        items: dict[Any, Any] = {}
        if self.tokens[self.index][0] != lex.BRACE_CLOSE:
            while True:
                key = self.dict_key()
                self.expect(lex.COLON, "':'")
                items[key] = self.element()
                if self.tokens[self.index][0] != lex.COMMA:
                    break
                self.index += 1
        self.expect(lex.BRACE_CLOSE, "',' or '}'")
        return FrozenDict(items)

    def dict_key(self) -> Any:
        """dictKey := (ID | NULL | INT | FLOAT | BOOL | UNQUOTED_CHAR | ESC | WS)+"""
        if self.tokens[self.index][0] not in _DICT_KEY_KINDS:
            raise self.unexpected("a dict key (unquoted, without ':' or '${')")
        return self.primitive(_DICT_KEY_KINDS)

    def function(self) -> _Call:
        """function := ID '(' (argName? element (',' argName? element)*)? ')'    argName := ID '='"""
        tokens = self.tokens
        name, start = tokens[self.index][1], tokens[self.index][2]
        self.index += 2
        arguments: list[tuple[str | None, Any]] = []
        if tokens[self.index][0] != lex.PCLOSE:
            while True:
                arg_name = None
                if tokens[self.index][0] == lex.ID and tokens[self.index + 1][0] == lex.EQUAL:
                    arg_name = tokens[self.index][1]
                    self.index += 2
                arguments.append((arg_name, self.element()))
                if tokens[self.index][0] != lex.COMMA:
                    break
                self.index += 1
        close = tokens[self.index]
        self.expect(lex.PCLOSE, "',' or ')'")
        self.has_calls = True
        return _Call(name, arguments, self.text[start : close[2] + len(close[1])])


def _single_token_value(token: lex.Token) -> Any:
    kind, text, _ = token
    if kind == lex.INT:
        return int(text)
    if kind == lex.FLOAT:
        return float(text)
    if kind == lex.BOOL:
        return text.lower() == "true"
    if kind == lex.NULL:
        return None
    if kind == lex.ESC:
        return text[1::2]
    return text


_QUOTE_RUNS = {"'": re.compile(r"\\+(?='|\Z)"), '"': re.compile(r'\\+(?="|\Z)')}


def _unquote(token: str) -> QuotedString:
    """Undo quoting: backslashes are special only in a run right before a quote (or the end).

    Such a run of n backslashes stands for n // 2 backslashes; an odd one out escapes the quote.
    """
    qc = token[0]
    body = token[1:-1]
    if "\\" in body:
        body = _QUOTE_RUNS[qc].sub(lambda m: "\\" * (len(m.group()) // 2), body)
    return QuotedString(body, Quote.single if qc == "'" else Quote.double)


# --------------------------------------------------------------------------------------------------
# second pass: grammar function calls, depth first, left to right (Hydra's visiting order)


def _evaluate(text: str, node: Any) -> Any:
    from runlab.config._override_functions import GrammarFunctionError, call_function

    def evaluate(node: Any) -> Any:
        node_type = type(node)
        if node_type is _Call:
            args: list[Any] = []
            kwargs: dict[str, Any] = {}
            for arg_name, arg in node.arguments:
                if arg_name is None:
                    if kwargs:
                        raise override_error(text, "positional argument follows keyword argument")
                    args.append(evaluate(arg))
                else:
                    kwargs[arg_name] = evaluate(arg)
            try:
                return call_function(node.name, args, kwargs, node.text)
            except GrammarFunctionError as error:
                raise override_error(text, error.detail) from error.__cause__
        if node_type is tuple:
            return tuple(evaluate(item) for item in node)
        if node_type is FrozenDict:
            return FrozenDict((key, evaluate(item)) for key, item in node.items())
        if node_type is _SimpleChoice:
            return ChoiceSweep(list=tuple(evaluate(item) for item in node.items), simple_form=True)
        return node

    return evaluate(node)
