"""The override parser: forms, value types, rendering, error messages (spec §3.1-3.8, 3.9.5)."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runlab.config._override_values import FrozenDict, Quote, QuotedString
from runlab.config.overrides import (
    Override,
    OverrideType,
    ValueType,
    parse_override,
    parse_overrides,
)
from runlab.config.sweeps import ChoiceSweep, Glob, IntervalSweep, RangeSweep
from runlab.errors import OverrideParseException

SEE = "See https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details"


def error_of(text: str) -> str:
    with pytest.raises(OverrideParseException) as info:
        parse_override(text)
    assert info.value.override == text
    return str(info.value)


# ---------------------------------------------------------------------------------------- forms


@pytest.mark.parametrize(
    ("text", "kind", "key", "package", "value_type", "value"),
    [
        ("a=1", OverrideType.CHANGE, "a", None, ValueType.ELEMENT, 1),
        ("+a.b=x", OverrideType.ADD, "a.b", None, ValueType.ELEMENT, "x"),
        ("++a=1.5", OverrideType.FORCE_ADD, "a", None, ValueType.ELEMENT, 1.5),
        ("~a", OverrideType.DEL, "a", None, None, None),
        ("~a=", OverrideType.DEL, "a", None, ValueType.ELEMENT, ""),
        ("~a=3", OverrideType.DEL, "a", None, ValueType.ELEMENT, 3),
        ("db=mysql", OverrideType.CHANGE, "db", None, ValueType.ELEMENT, "mysql"),
        ("db@pkg=mysql", OverrideType.CHANGE, "db", "pkg", ValueType.ELEMENT, "mysql"),
        ("db@=mysql", OverrideType.CHANGE, "db", "", ValueType.ELEMENT, "mysql"),
        ("+hydra/launcher@a.b=basic", OverrideType.ADD, "hydra/launcher", "a.b", ValueType.ELEMENT, "basic"),
        ("~db@pkg", OverrideType.DEL, "db", "pkg", None, None),
        ("=1", OverrideType.CHANGE, "", None, ValueType.ELEMENT, 1),
        ("$db=1", OverrideType.CHANGE, "$db", None, ValueType.ELEMENT, 1),
        ("a.0.b=1", OverrideType.CHANGE, "a.0.b", None, ValueType.ELEMENT, 1),
        ("a=", OverrideType.CHANGE, "a", None, ValueType.ELEMENT, ""),
        ("a=1,2", OverrideType.CHANGE, "a", None, ValueType.SIMPLE_CHOICE_SWEEP, ChoiceSweep(list=(1, 2), simple_form=True)),
        ("a=choice(1)", OverrideType.CHANGE, "a", None, ValueType.CHOICE_SWEEP, ChoiceSweep(list=(1,))),
        ("a=range(3)", OverrideType.CHANGE, "a", None, ValueType.RANGE_SWEEP, RangeSweep(start=0, stop=3, step=1)),
        ("a=interval(0,1)", OverrideType.CHANGE, "a", None, ValueType.INTERVAL_SWEEP, IntervalSweep(start=0.0, end=1.0)),
        ("a=glob(*)", OverrideType.CHANGE, "a", None, ValueType.GLOB_CHOICE_SWEEP, Glob(include=("*",))),
    ],
)  # fmt: skip
def test_override_forms(
    text: str,
    kind: OverrideType,
    key: str,
    package: str | None,
    value_type: ValueType | None,
    value: Any,
) -> None:
    override = parse_override(text)
    assert (override.type, override.key_or_group, override.package) == (kind, key, package)
    assert override.value_type is value_type
    assert override.raw_value == value
    assert override.input_line == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", 0), ("-20", -20), ("+5", 5), ("1_000_000", 1_000_000), ("010", "010"), ("0x10", "0x10"),
        ("3.14", 3.14), ("1.", 1.0), (".5", 0.5), ("1e-1", 0.1), ("-10e3", -10000.0), ("1_000.5", 1000.5),
        ("true", True), ("FALSE", False), ("TrUe", True), ("null", None), ("NULL", None),
        ("None", "None"), ("yes", "yes"), ("trueish", "trueish"), ("infinity", "infinity"),
        ("/path/to/x.txt", "/path/to/x.txt"), ("a:b", "a:b"), ("2023-01-01", "2023-01-01"),
        ("1.2.3", "1.2.3"), ("v1.0", "v1.0"), ("x${y}z", "x${y}z"), ("${a.b}", "${a.b}"),
        ("hello world", "hello world"), ("  padded  ", "padded"), ("b : c", "b : c"),
        ("a\\,b", "a,b"), ("\\ x\\ ", " x "), ("\\\\", "\\"), ("\\a", "\\a"), ("1 ", 1),
        ("'it\\'s'", QuotedString("it's", Quote.single)), ('"C:\\\\\\\\"', QuotedString("C:\\\\", Quote.double)),
        ("'a\\\\'", QuotedString("a\\", Quote.single)), ("'C:\\Users'", QuotedString("C:\\Users", Quote.single)),
        ('"a,b"', QuotedString("a,b", Quote.double)), ("''", QuotedString("", Quote.single)),
        ("[1, 2 ]", (1, 2)), ("[]", ()), ("[a,[b,[c]]]", ("a", ("b", ("c",)))),
        ("{a:10,b:20}", FrozenDict(a=10, b=20)), ("{}", FrozenDict()),
        ("{a b:1, 1:2, null:3}", FrozenDict({"a b": 1, 1: 2, None: 3})),
        ("['a',b]", (QuotedString("a", Quote.single), "b")),
    ],
)  # fmt: skip
def test_value_types(value: str, expected: Any) -> None:
    raw = parse_override(f"key={value}").raw_value
    assert raw == expected
    assert type(raw) is type(expected)


@pytest.mark.parametrize("value", ["inf", "-INF", "+inf", "NaN", "-nan"])
def test_inf_and_nan_are_floats(value: str) -> None:
    raw = parse_override(f"a={value}").raw_value
    assert isinstance(raw, float)
    assert math.isinf(raw) or math.isnan(raw)


def test_value_gives_plain_python() -> None:
    override = parse_override("a=[1,'x',{k:\"v\"}]")
    assert override.value() == [1, "x", {"k": "v"}]
    assert type(override.value()) is list
    assert type(override.value()[2]) is dict
    assert parse_override("a='q'").value() == "q"
    sweep = parse_override("a=choice(1,2)")
    assert sweep.value() is sweep.raw_value


def test_predicates() -> None:
    assert parse_override("~a").is_delete()
    assert parse_override("+a=1").is_add()
    assert parse_override("++a=1").is_force_add()
    assert parse_override("hydra.run.dir=x").is_hydra_override()
    assert parse_override("hydra/launcher=x").is_hydra_override()
    assert not parse_override("hydrax=1").is_hydra_override()
    assert parse_override("a=1,2").is_sweep_override()
    assert not parse_override("a=[1,2]").is_sweep_override()
    assert not parse_override("~a").is_sweep_override()
    assert parse_override("a=glob(*)").is_choice_sweep()
    assert parse_override("a=range(2)").is_discrete_sweep()
    assert parse_override("a=interval(0,1)").is_interval_sweep()
    assert not parse_override("a=interval(0,1)").is_discrete_sweep()


@pytest.mark.parametrize(
    ("text", "key_element"),
    [("a=1", "a"), ("+db@pkg=x", "+db@pkg"), ("~a.b", "~a.b"), ("++a=1", "++a"), ("db@=x", "db@")],
)
def test_key_element(text: str, key_element: str) -> None:
    assert parse_override(text).get_key_element() == key_element


def test_value_string_is_the_raw_text_after_the_first_equal() -> None:
    assert parse_override("a= x , y").get_value_string() == " x , y"
    with pytest.raises(ValueError, match="No value component in ~a"):
        parse_override("~a").get_value_string()


# ------------------------------------------------------------------------------------- rendering


@pytest.mark.parametrize(
    ("text", "rendered", "spaced"),
    [
        ("a=hello world", "hello\\ world", "hello\\ world"),
        ("a='a,b'", "'a,b'", "'a,b'"),
        ("a=a\\,b", "a\\,b", "a\\,b"),
        ("a=true", "True", "True"),
        ("a=null", "null", "null"),
        ("a=[a,b]", "[a,b]", "[a, b]"),
        ("a={k:v,l:[1]}", "{k:v,l:[1]}", "{k: v, l: [1]}"),
        ("a=${x}", "$\\{x\\}", "$\\{x\\}"),
        ('a="say \\"hi\\""', '"say \\"hi\\""', '"say \\"hi\\""'),
        ("a=1.5", "1.5", "1.5"),
        ("~a", "null", "null"),
    ],
)
def test_value_element_as_str(text: str, rendered: str, spaced: str) -> None:
    override = parse_override(text)
    assert override.get_value_element_as_str() == rendered
    assert override.get_value_element_as_str(space_after_sep=True) == spaced


def test_hydra_static_element_renderer() -> None:
    assert Override._get_value_element_as_str(["a b", None, True]) == "[a\\ b,null,True]"


def test_value_element_as_str_refuses_sweeps() -> None:
    with pytest.raises(Exception, match="Cannot convert sweep to str"):
        parse_override("a=1,2").get_value_element_as_str()


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("a=1", "a=1"),
        ("~a", "~a"),
        ("~a=", "~a="),
        ("+db@pkg=x", "+db@pkg=x"),
        ("a= hello  world ", "a=hello\\ \\ world"),
        ("a=1, 2", "a=1,2"),
        ("a=str(1)", "a=str('1')"),
        ("a=str(true)", "a=str('true')"),
        ("a=choice(b,a)", "a=choice(b,a)"),
        ("a=tag(log,interval(0,1))", "a=tag(log,interval(0.0,1.0))"),
        ("a=shuffle(range(3))", "a=shuffle(range(0,3,1))"),
        ("a=int(interval(1.5,3))", "a=int(interval(1,3))"),
        ("a=glob(*,exclude=sup*)", "a=glob([*],exclude=[sup*])"),
        ("a={k:'v'}", "a={k:'v'}"),
        ("a=tag(t,int(1,2))", "a=tag(t,int(1,2))"),
    ],
)
def test_str_prints_an_equivalent_override(text: str, printed: str) -> None:
    override = parse_override(text)
    assert str(override) == printed
    assert parse_override(printed) == override


# ---------------------------------------------------------------------------------------- errors


def test_syntax_errors_point_at_the_column() -> None:
    assert error_of("a=[1,2") == (
        "Error parsing override 'a=[1,2'\n"
        "Expected ',' or ']' at column 7, found end of input:\n"
        "    a=[1,2\n"
        "          ^\n" + SEE
    )
    assert error_of("a b=1") == (
        "Error parsing override 'a b=1'\n"
        "Expected '@' or '=' at column 2, found ' ':\n"
        "    a b=1\n"
        "     ^\n" + SEE
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("a=é", "Unexpected character 'é' at column 3 (allowed in quoted values only)"),
        ("a='abc", "Unterminated quoted string: no closing ' for the one at column 3"),
        ("a=a=b", "Expected ',' or end of input at column 4, found '='"),
        ("a=A[B", "Expected ',' or end of input at column 4, found '['"),
        ("a", "Expected '@' or '=' at column 2, found end of input"),
        ("+~a=1", "Expected a key, '@' or '=' at column 2, found '~'"),
        ("a=1,", "Expected a value at column 5, found end of input"),
        (
            "a={'a':1}",
            "Expected a dict key (unquoted, without ':' or '${') at column 4, found \"'\"",
        ),
        ("db@pkg:pkg2=x", "Expected '=' at column 7, found ':'"),
        (
            "a/b.c=1",
            "Expected a config group name (letters, digits, _ or -) at column 3, found 'b'",
        ),
        ("a={a:1", "Expected ',' or '}' at column 7, found end of input"),
        ("a=f(1", "Expected ',' or ')' at column 6, found end of input"),
        ("a='x' ", "Expected ',' or end of input at column 6, found ' '"),
    ],
)
def test_syntax_error_details(text: str, detail: str) -> None:
    message = error_of(text)
    lines = message.split("\n")
    assert lines[0] == f"Error parsing override '{text}'"
    assert lines[1] == detail + ":"
    assert lines[2] == "    " + text
    assert lines[-1] == SEE


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            "a=x(1)",
            (
                "HydraException while evaluating 'x(1)': Unknown function 'x'\n"
                "Available: bool,choice,float,glob,int,interval,range,shuffle,sort,str,tag\n"
            ),
        ),
        ("a=choice()", "ValueError while evaluating 'choice()': empty choice is not legal"),
        (
            "a=choice(choice(1,2))",
            "ValueError while evaluating 'choice(choice(1,2))': nesting choices is not supported",
        ),
        ("a=f(x=1,2)", "positional argument follows keyword argument"),
        (
            "a=range(a)",
            (
                "TypeError while evaluating 'range(a)': mismatch type argument start: str is "
                "incompatible with Union[int, float]"
            ),
        ),
        ("a=range()", "TypeError while evaluating 'range()': missing a required argument: 'start'"),
        (
            "a=int(inf)",
            "OverflowError while evaluating 'int(inf)': cannot convert float infinity to integer",
        ),
        ("a=bool(foo)", "ValueError while evaluating 'bool(foo)': Cannot cast 'foo' to bool"),
        ("a=sort()", "ValueError while evaluating 'sort()': empty sort input"),
        ("a=str(null)", "AssertionError while evaluating 'str(null)': "),
    ],
)
def test_function_errors_keep_hydra_texts(text: str, detail: str) -> None:
    assert error_of(text) == f"Error parsing override '{text}'\n{detail}\n{SEE}"


def test_syntax_errors_win_over_function_errors() -> None:
    assert "Expected" in error_of("a=choice(),[")


def test_parse_overrides_stops_at_the_first_bad_one() -> None:
    assert [o.key_or_group for o in parse_overrides(["a=1", "b=2"])] == ["a", "b"]
    with pytest.raises(OverrideParseException, match="'b=\\['"):
        parse_overrides(["a=1", "b=[", "c=("])


def test_non_string_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a string, got int"):
        parse_override(1)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- value semantics


def test_overrides_are_frozen_hashable_and_cached() -> None:
    override = parse_override("a=[1,{b:c}]")
    with pytest.raises(dataclasses.FrozenInstanceError):
        override.key_or_group = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        override.raw_value[1]["b"] = 2
    assert hash(override) == hash(parse_override("a=[1,{b:c}]"))
    assert parse_override("a=[1,{b:c}]") is override


def test_input_line_does_not_take_part_in_equality() -> None:
    assert parse_override("a= 1") == parse_override("a=1")
    assert parse_override("a= 1").input_line == "a= 1"


def test_fast_path_agrees_with_the_full_parser() -> None:
    from runlab.config._override_parser import parse_value
    from runlab.config.overrides import _SIMPLE_OVERRIDE

    values = ["1", "-1.5e3", "x-y/z", "inf", "+nan", "1_0", "010", "a:b", "TRUE", "null", ".", ""]
    values += ["1,2", "a,1.5,null,x:y", "[]", "[a]", "[1,true,-inf,v1.0]"]
    for value in values:
        assert _SIMPLE_OVERRIDE.match(f"k={value}") is not None
        expected = parse_value(f"k={value}", 2)
        actual = parse_override(f"k={value}").raw_value
        assert actual == expected or (math.isnan(actual) and math.isnan(expected))
        assert _structure(actual) == _structure(expected)
        assert type(actual) is type(expected)


def _structure(value: Any) -> Any:
    """Types all the way down (``1 == 1.0 == True`` would hide a wrong type)."""
    if isinstance(value, tuple):
        return ("tuple", [_structure(v) for v in value])
    if isinstance(value, ChoiceSweep):
        return ("choice", value.simple_form, [_structure(v) for v in value.list])
    return (type(value).__name__, repr(value))


def test_hydra_paths_reexport_the_parser() -> None:
    from runlab.core.override_parser import types
    from runlab.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    [override] = parser.parse_overrides(overrides=["db=a,b"])
    assert isinstance(override, types.Override)
    assert override.value_type is types.ValueType.SIMPLE_CHOICE_SWEEP
    assert parser.parse_override("x=1") == parse_override("x=1")
    assert types.QuotedString is QuotedString and types.Override is Override


def test_hydra_style_config_loader_lists_glob_options() -> None:
    from runlab.core.override_parser.overrides_parser import OverridesParser

    class Loader:
        def get_group_options(self, group: str) -> list[str]:
            return {"db": ["mysql", "postgres", "sqlite"]}[group]

    [override] = OverridesParser.create(config_loader=Loader()).parse_overrides(
        ["db=glob(*,exclude=p*)"]
    )
    assert list(override.sweep_string_iterator()) == ["mysql", "sqlite"]
    assert override == parse_override("db=glob(*,exclude=p*)")


def test_importing_the_parser_stays_light() -> None:
    code = (
        "import sys, runlab\n"
        "before = set(sys.modules)\n"
        "import runlab.config.overrides\n"
        "heavy = {'omegaconf', 'yaml', 'decimal', 'random', 'fnmatch'} & (set(sys.modules) - before)\n"
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_shuffled_lists_are_drawn_anew_on_each_parse() -> None:
    text = "a=shuffle([" + ",".join(str(i) for i in range(30)) + "])"
    orders = {parse_override(text).raw_value for _ in range(5)}
    assert len(orders) > 1
    assert all(sorted(order) == list(range(30)) for order in orders)


def test_overrides_pickle() -> None:
    import pickle

    for text in [
        "a=[1,{b:'c'}]",
        "a=tag(t,choice(x,y))",
        "a=int(interval(1.5,3))",
        "a=glob(*)",
        "~a",
    ]:
        override = parse_override(text)
        again = pickle.loads(pickle.dumps(override))
        assert again == override
        assert again.input_line == text


def test_the_benchmark_overrides_all_parse() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from bench_overrides import build_overrides
    finally:
        sys.path.pop(0)
    overrides = build_overrides(1000)
    assert len(set(overrides)) == 1000
    kinds = {o.value_type for o in parse_overrides(overrides)}
    assert {ValueType.ELEMENT, ValueType.SIMPLE_CHOICE_SWEEP, ValueType.RANGE_SWEEP} <= kinds
