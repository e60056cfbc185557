"""Sweep values and their expansion: choice, range (int and decimal float), interval, tag, glob,
sort, shuffle and the casts (spec §3.6-3.8)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from runlab.config._override_values import FrozenDict, Quote, QuotedString
from runlab.config.overrides import Transformer, ValueType, parse_override
from runlab.config.sweeps import (
    ChoiceSweep,
    Glob,
    IntervalSweep,
    RangeSweep,
    float_range,
    with_tags,
)
from runlab.errors import HydraException, OverrideParseException


def sweep(text: str, options: list[str] | None = None) -> list[str]:
    override = parse_override(f"key={text}")
    return list(override.sweep_string_iterator(None if options is None else lambda _: options))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c", ["a", "b", "c"]),
        ("1, 2 ,3", ["1", "2", "3"]),
        ("'a b',c d,[1,2],{x:y},null,true", ["'a b'", "c\\ d", "[1,2]", "{x:y}", "null", "True"]),
        ("choice(a)", ["a"]),
        ("choice('x,y',z)", ["x\\,y", "z"]),
        ("range(5)", ["0", "1", "2", "3", "4"]),
        ("range(1,10,3)", ["1", "4", "7"]),
        ("range(5,0,-2)", ["5", "3", "1"]),
        ("range(1,0)", []),
        ("range(-3)", []),
        ("range(0,1.0)", ["0.0"]),
        ("range(1,0,-0.25)", ["1.0", "0.75", "0.5", "0.25"]),
        ("range(0,0.3,0.1)", ["0.0", "0.1", "0.2"]),
        ("sort(3,1,2)", ["1", "2", "3"]),
        ("sort(3,1,2,reverse=true)", ["3", "2", "1"]),
        ("sort(choice(b,a,c))", ["a", "b", "c"]),
        ("sort(range(1,4),reverse=true)", ["3", "2", "1"]),
        ("sort(range(4,1,-1))", ["2", "3", "4"]),
        ("sort(range(10,1))", []),
        ("float(choice(1,2))", ["1.0", "2.0"]),
        ("int(range(1.5,4))", ["1", "2", "3"]),
        ("str(choice(1,true))", ["1", "true"]),
        ("choice(int(1,2))", ["1", "2"]),
        ("tag(a,b,choice(x,y))", ["x", "y"]),
    ],
)
def test_sweep_strings(text: str, expected: list[str]) -> None:
    assert sweep(text) == expected


def test_float_range_keeps_binary_artifacts_like_hydra() -> None:
    values = sweep("range(0,1,0.1)")
    assert values == [
        "0.0",
        "0.1",
        "0.2",
        "0.3",
        "0.4",
        "0.5",
        "0.6",
        "0.7000000000000001",
        "0.8",
        "0.9",
    ]
    assert list(float_range(0, 1, 0.5)) == [0.0, 0.5]


def test_zero_steps_fail_when_enumerated() -> None:
    override = parse_override("a=range(1,2,0)")
    with pytest.raises(ValueError, match="range\\(\\) arg 3 must not be zero"):
        list(override.sweep_string_iterator())
    with pytest.raises(HydraException, match=r"Invalid range values \(start:1, stop:2, step:0\)"):
        list(parse_override("a=range(1.0,2,0)").sweep_string_iterator())


def test_interval_and_elements_cannot_be_enumerated() -> None:
    with pytest.raises(HydraException, match="type is ValueType.INTERVAL_SWEEP"):
        list(parse_override("a=interval(0,1)").sweep_string_iterator())
    with pytest.raises(HydraException, match="type is ValueType.ELEMENT"):
        list(parse_override("a=1").sweep_string_iterator())


def test_glob_selects_group_options_in_their_order() -> None:
    options = ["mysql", "postgres", "sqlite", "support"]
    assert sweep("glob(*,exclude=sup*)", options) == ["mysql", "postgres", "sqlite"]
    assert sweep("glob([s*,m*],exclude=[sq*])", options) == ["mysql", "support"]
    asked: list[str] = []
    override = parse_override("db/engine=glob(*)")
    assert list(override.sweep_string_iterator(lambda g: asked.append(g) or ["x"])) == ["x"]
    assert asked == ["db/engine"]
    assert Glob(include=["a*"]).filter(["b", "ab", "a", "ba"]) == ["ab", "a"]


def test_glob_without_options_says_what_is_missing() -> None:
    with pytest.raises(HydraException, match="no way to list the options of config group 'db'"):
        list(parse_override("db=glob(*)").sweep_string_iterator())


def test_shuffle_flags_sweeps_and_shuffles_lists() -> None:
    choice = parse_override("a=shuffle(1,2,3)").raw_value
    assert choice == ChoiceSweep(list=(1, 2, 3), simple_form=True, shuffle=True)
    assert sorted(sweep("shuffle(1,2,3)")) == ["1", "2", "3"]
    assert sorted(sweep("shuffle(range(4))")) == ["0", "1", "2", "3"]
    assert parse_override("a=shuffle(range(4))").raw_value.shuffle
    shuffled = parse_override("a=shuffle([1,2,3,4])")
    assert shuffled.value_type is ValueType.ELEMENT
    assert sorted(shuffled.value()) == [1, 2, 3, 4]
    assert parse_override("a=shuffle(x)").raw_value == ("x",)
    assert parse_override("a=shuffle()").raw_value == ChoiceSweep(simple_form=True, shuffle=True)


def test_sort_of_a_list_is_an_element() -> None:
    override = parse_override("a=sort([3,1,2])")
    assert override.value_type is ValueType.ELEMENT
    assert override.value() == [1, 2, 3]
    assert parse_override("a=sort(5)").raw_value == 5


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("int(1.5)", 1),
        ("int('1')", 1),
        ("int(true)", 1),
        ("int([1.5,'2'])", (1, 2)),
        ("int({a:1.5})", FrozenDict(a=1)),
        ("float(1)", 1.0),
        ("float('1e3')", 1000.0),
        ("str(1.0)", "1.0"),
        ("str(true)", "true"),
        ("str([1,null_x])", ("1", "null_x")),
        ("bool('TRUE')", True),
        ("bool(0)", False),
        ("bool([0,1])", (False, True)),
        ("int(value=3.5)", 3),
    ],
)
def test_casts(text: str, value: Any) -> None:
    raw = parse_override(f"a={text}").raw_value
    assert raw == value
    assert type(raw) is type(value)


def test_casts_of_sweeps() -> None:
    assert parse_override("a=int(1,2.5)").raw_value == ChoiceSweep(list=(1, 2), simple_form=True)
    assert parse_override("a=int(interval(1.5,3))").raw_value == IntervalSweep(start=1, end=3)
    assert parse_override("a=int(interval(1.5,3))").raw_value != IntervalSweep(start=1.0, end=3.0)
    tagged = parse_override("a=float(tag(t,interval(0,1)))").raw_value
    assert tagged.tags == {"t"}
    # Hydra rebuilds choices and ranges when casting: their tags are dropped.
    assert parse_override("a=int(tag(t,choice(1,2)))").raw_value.tags == frozenset()


def test_tag_replaces_the_tags_of_the_last_argument() -> None:
    assert parse_override("a=tag(log,interval(0,1))").raw_value.tags == {"log"}
    assert parse_override("a=tag(a,tag(b,choice(1)))").raw_value.tags == {"a"}
    assert parse_override("a=tag(a,sweep=range(2))").raw_value == RangeSweep(
        tags=frozenset({"a"}), start=0, stop=2, step=1
    )
    assert with_tags(ChoiceSweep(list=(1,)), ["x"]).tags == {"x"}


def test_choice_of_a_simple_sweep_becomes_explicit() -> None:
    override = parse_override("a=choice(shuffle(1,2))")
    assert override.value_type is ValueType.CHOICE_SWEEP
    assert override.raw_value == ChoiceSweep(list=(1, 2), shuffle=True)


def test_quoted_arguments_are_unquoted_only_at_the_top() -> None:
    assert parse_override("a=choice('x',['y'])").raw_value.list == (
        "x",
        (QuotedString("y", Quote.single),),
    )


def test_sweep_iterator_transformers() -> None:
    override = parse_override("a=choice('q',[1,2],x)")
    assert list(override.sweep_iterator()) == ["q", [1, 2], "x"]
    assert list(override.sweep_iterator(transformer=Transformer.encode)) == ["q", "[1,2]", "x"]
    assert Transformer.str(QuotedString("a b", Quote.double)) == '"a b"'


def test_sweeps_are_frozen_and_print_like_hydra() -> None:
    choice = parse_override("a=choice(1,[2])").raw_value
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.shuffle = True  # type: ignore[misc]
    assert (
        repr(choice) == "ChoiceSweep(tags=set(), list=[1, [2]], simple_form=False, shuffle=False)"
    )
    assert (
        repr(RangeSweep(start=0, stop=3))
        == "RangeSweep(tags=set(), start=0, stop=3, step=1, shuffle=False)"
    )
    assert (
        repr(IntervalSweep(tags={"x"}, start=0.0, end=1.0))
        == "IntervalSweep(tags={'x'}, start=0.0, end=1.0)"
    )
    assert repr(Glob(include=["a"])) == "Glob(include=['a'], exclude=[])"
    # Hydra-style construction with lists and sets still gives frozen, hashable values.
    assert hash(ChoiceSweep(list=[1, [2]], tags={"t"})) == hash(
        ChoiceSweep(list=(1, (2,)), tags=frozenset({"t"}))
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tag(x)", "Last argument to tag() must be a choice(), range() or interval(), got NoneType"),
        ("tag()", "Not enough arguments to tag, must take at least a sweep"),
        ("tag(1,choice(1))", "mismatch type argument args[0]: int is incompatible with Union[str, Sweep]"),
        ("choice(null)", ("mismatch type argument args[0]: NoneType is incompatible with Union[str, int, "
         "float, bool, Dict[Any, Any], List[Any], ChoiceSweep]")),
        ("shuffle(1,choice(2))", "AssertionError while evaluating 'shuffle(1,choice(2))': \n"),
        ("sort(1,[2])", "Invalid arguments: (1, [2])"),
        ("sort([[1],2])", "'<' not supported between instances of 'int' and 'list'"),
        ("sort(reverse=1)", "mismatch type argument reverse: int is incompatible with bool"),
        ("int(glob(a))", ("mismatch type argument args[0]: Glob is incompatible with Optional[Union[str, "
         "int, float, bool, List[Any], Dict[str, Any], QuotedString, Sweep]]")),
        ("int(1,value=2)", "cannot use both position and named arguments"),
        ("int(value=null)", "No positional args or value specified"),
        ("str(range(1,2))", "Range can only be cast to int or float"),
        ("str(interval(1,2))", "Intervals cannot be cast to str"),
        ("glob(a,exclude=1)", ("mismatch type argument exclude: int is incompatible with "
         "Optional[Union[str, List[str]]]")),
        ("range(1,stop=3,start=0)", "multiple values for argument 'start'"),
        ("range(1,2,3,4)", "too many positional arguments"),
        ("choice(x=1)", "got an unexpected keyword argument 'x'"),
    ],
)  # fmt: skip
def test_function_error_texts(text: str, message: str) -> None:
    with pytest.raises(OverrideParseException) as info:
        parse_override(f"a={text}")
    assert message in str(info.value)
