"""Properties of the override parser (Hypothesis).

* Printing then parsing gives back an equal override, with the same value types, for overrides
  generated from the grammar and for values built directly (any string, any quoted string).
* Whatever the input, parsing either succeeds or raises OverrideParseException.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

from runlab.config._override_values import Quote, QuotedString
from runlab.config.overrides import Override, OverrideType, ValueType, parse_override
from runlab.errors import OverrideParseException
from tests.config.override_corpus import normalize

# ------------------------------------------------------------------------------ grammar strategies

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_identifier = st.builds(
    str.__add__,
    st.sampled_from(_LETTERS),
    st.text(alphabet=_LETTERS + "0123456789-", max_size=5),
)
_keys = st.one_of(
    _identifier,
    st.lists(st.one_of(_identifier, st.integers(0, 12).map(str)), min_size=2, max_size=4)
    .filter(lambda parts: not parts[0].isdigit() or len(parts) > 1)
    .map(".".join),
    st.lists(_identifier, min_size=2, max_size=3).map("/".join),
)
_packages = st.one_of(
    st.none(), st.just(""), _identifier, st.lists(_identifier, min_size=2, max_size=3).map(".".join)
)
_blank = st.sampled_from(["", "", " ", "  ", "\t"])


_numbers = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False).map(repr),
    st.sampled_from(
        ["1_000", "-1_000_000", "1.", ".5", "-.5e3", "1e-7", "+inf", "-inf", "1_0.2_5"]
    ),
)
_keywords = st.sampled_from(
    ["true", "false", "null", "inf", "nan", "TRUE", "False", "NuLL", "INF", "NaN"]
)
_word_parts = st.one_of(
    _identifier,
    st.sampled_from(
        ["/", "-", "+", ".", "$", "%", "*", "@", "?", "|", ":", "\\", "\\,", "\\ ", "\\(", "\\]"]
    ),
    st.integers(0, 99).map(str),
    st.text(alphabet="abc.:,", min_size=1, max_size=6).map(lambda inner: "${" + inner + "}"),
)
_unquoted = st.lists(_word_parts, min_size=1, max_size=5).map("".join)
_spaced = st.tuples(_unquoted, _unquoted).map(lambda t: f"{t[0]} {t[1]}")
_quoted = st.builds(QuotedString, st.text(max_size=12), st.sampled_from(Quote)).map(
    QuotedString.with_quotes
)
_primitives = st.one_of(_numbers, _keywords, _unquoted, _spaced, _quoted)
_dict_keys = st.one_of(_identifier, st.integers(0, 99).map(str), _keywords, st.just("a b"))


def _containers(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def joined(items: list[str], open_: str, close: str, blank: str) -> str:
        return open_ + blank + f"{blank},{blank}".join(items) + blank + close

    lists = st.builds(joined, st.lists(children, max_size=3), st.just("["), st.just("]"), _blank)
    pairs = st.tuples(_dict_keys, children).map(lambda kv: f"{kv[0]}:{kv[1]}")
    dicts = st.builds(joined, st.lists(pairs, max_size=3), st.just("{"), st.just("}"), _blank)
    return st.one_of(lists, dicts)


_elements = st.recursive(_primitives, _containers, max_leaves=8)
_small_ints = st.integers(-5, 12).map(str)
_small_numbers = st.one_of(_small_ints, st.sampled_from(["0.5", "1.5", "-0.25", "2.0"]))
_calls = st.one_of(
    st.lists(_elements, min_size=1, max_size=4).map(lambda xs: f"choice({','.join(xs)})"),
    st.lists(_small_numbers, min_size=1, max_size=3).map(lambda xs: f"range({','.join(xs)})"),
    st.tuples(_small_numbers, _small_numbers).map(lambda t: f"interval({t[0]},{t[1]})"),
    st.tuples(
        st.lists(_identifier, max_size=2),
        st.sampled_from(["choice(1,2)", "range(3)", "interval(0,1)"]),
    ).map(lambda t: f"tag({','.join([*t[0], t[1]])})"),
    st.lists(_small_ints, min_size=2, max_size=4).map(
        lambda xs: f"sort({','.join(xs)},reverse=true)"
    ),
    st.lists(_small_ints, min_size=2, max_size=4).map(lambda xs: f"int({','.join(xs)})"),
    st.lists(_small_numbers, min_size=1, max_size=3).map(lambda xs: f"str([{','.join(xs)}])"),
    st.tuples(_identifier, _identifier).map(lambda t: f"glob({t[0]}*,exclude=[{t[1]}])"),
    st.sampled_from(
        ["float(tag(t,interval(0,1)))", "int(interval(1.5,3))", "shuffle(choice(a,b))", "str(true)"]
    ),
)
_values = st.one_of(
    _elements,
    _calls,
    st.lists(st.one_of(_elements, _calls), min_size=2, max_size=4).map(",".join),
)


@st.composite
def override_texts(draw: st.DrawFn) -> str:
    """An override string built from the grammar (it may still fail in a grammar function)."""
    prefix = draw(st.sampled_from(["", "+", "++", "~"]))
    key = draw(_keys)
    package = draw(_packages)
    head = prefix + key + ("" if package is None else "@" + package)
    if prefix == "~" and draw(st.booleans()):
        return head
    return head + "=" + draw(_blank) + draw(_values)


def _typed(override: Override) -> tuple[Any, ...]:
    """Everything that must survive the round trip, with value types made explicit."""
    return (
        override.type,
        override.key_or_group,
        override.package,
        override.value_type,
        normalize(override.raw_value),
    )


def _round_trip(override: Override) -> None:
    printed = str(override)
    again = parse_override(printed)
    assert again == override, printed
    assert _typed(again) == _typed(override), printed


# -------------------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(override_texts())
def test_print_then_parse_round_trips(text: str) -> None:
    try:
        override = parse_override(text)
    except OverrideParseException:
        assume(False)
        return
    assume(not _contains_nan(override.raw_value))
    _round_trip(override)


def _contains_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (tuple, list)):
        return any(_contains_nan(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_nan(k) or _contains_nan(v) for k, v in value.items())
    return "nan" in repr(value)


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(OverrideType))
def test_any_string_value_round_trips(text: str, kind: OverrideType) -> None:
    _round_trip(Override(kind, "key", ValueType.ELEMENT, text))
    _round_trip(Override(kind, "key", ValueType.ELEMENT, (text, text)))


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(Quote))
def test_any_quoted_string_round_trips(text: str, quote: Quote) -> None:
    _round_trip(Override(OverrideType.CHANGE, "key", ValueType.ELEMENT, QuotedString(text, quote)))


_NOISE = st.text(
    alphabet=st.sampled_from(list("ab01.,=+~@/$ {}[]()'\":\\-_*é\tetrunlif")), max_size=24
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_NOISE, _NOISE.map(lambda s: "a=" + s), st.text(max_size=16)))
def test_random_input_parses_or_raises_override_parse_exception(text: str) -> None:
    try:
        override = parse_override(text)
    except OverrideParseException as error:
        assert str(error).startswith(f"Error parsing override '{text}'\n")
    else:
        assert override.input_line == text
