"""``runlab._values.frozen`` behaves as ``dataclasses.dataclass(frozen=True)`` wherever runlab relies on it."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import typing
from dataclasses import field
from typing import Any

import pytest

from runlab._values import frozen


def _define(decorate: Any) -> dict[str, type]:
    """The same classes, made by the decorator under test."""

    @decorate
    class Point:
        x: int
        y: int = 0
        tags: tuple[str, ...] = field(default_factory=tuple)
        note: str = field(default="", compare=False)
        secret: str = field(default="s", repr=False)

    @decorate
    class Placed:
        package: str | None = None

        def __post_init__(self) -> None:
            if self.package is None:
                object.__setattr__(self, "package", "")

    @decorate
    class Point3(Point):
        z: int = 0

    return {"Point": Point, "Placed": Placed, "Point3": Point3}


STANDARD = _define(dataclasses.dataclass(frozen=True))
OURS = _define(frozen)


@frozen
class Pair:
    """Module level, so that pickle can find it."""

    a: int
    b: tuple[str, ...] = ()


@pytest.mark.parametrize("name", ["Point", "Point3"])
def test_equality_hash_and_repr_are_the_frozen_dataclass_ones(name: str) -> None:
    ours, standard = OURS[name], STANDARD[name]
    a, b = ours(1, 2, ("t",), note="n1"), ours(1, 2, ("t",), note="n2")
    assert a == b and hash(a) == hash(b)  # ``note`` does not compare
    assert a != ours(1, 3) and a != standard(1, 2, ("t",)) and a != (1, 2)
    assert len({a, b, ours(5)}) == 2
    assert repr(a) == repr(standard(1, 2, ("t",), note="n1"))  # same qualname: same text
    assert hash(a) == hash(standard(1, 2, ("t",), note="other"))


def test_fields_are_read_only_after_init() -> None:
    point = OURS["Point"](1)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.other = 2  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'x'"):
        del point.x  # type: ignore[misc]
    assert point.x == 1
    assert OURS["Placed"]().package == ""  # __post_init__ may still fix a field


def test_dataclass_functions_copy_and_pickle_work() -> None:
    point = OURS["Point"](1, 2, ("a",))
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)][:2] == ["x", "y"]
    assert dataclasses.replace(point, y=5) == OURS["Point"](1, 5, ("a",))
    assert dataclasses.asdict(point) == {"x": 1, "y": 2, "tags": ("a",), "note": "", "secret": "s"}
    pair = Pair(1, ("x",))
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert copy.deepcopy(pair) == pair and copy.copy(pair) == pair
    with pytest.raises(dataclasses.FrozenInstanceError):
        pickle.loads(pickle.dumps(pair)).a = 3  # type: ignore[misc]


def test_options_and_methods_the_class_defines_are_kept() -> None:
    @frozen(kw_only=True)
    class Keyword:
        a: int

    with pytest.raises(TypeError):
        Keyword(1)  # type: ignore[misc]
    assert Keyword(a=1).a == 1

    @frozen(repr=False)
    class OwnRepr:
        a: int

        def __repr__(self) -> str:
            return "own"

    assert repr(OwnRepr(1)) == "own" and OwnRepr(1) == OwnRepr(1)

    @frozen
    class OwnEq:
        a: int

        def __eq__(self, other: object) -> bool:
            return True

    # as with dataclass: an own __eq__ stays, and hashing over the fields is still added
    assert OwnEq(1) == OwnEq(2) and hash(OwnEq(1)) == hash((1,))

    @frozen(eq=False)
    class Identity:
        a: int

    assert Identity(1) != Identity(1) and len({Identity(1), Identity(1)}) == 2


def test_mutable_is_the_plain_dataclass() -> None:
    from runlab._values import mutable

    @mutable
    class Schema:
        dir: str = "out"
        items: list[int] = field(default_factory=list)

    @dataclasses.dataclass
    class Standard:
        dir: str = "out"
        items: list[int] = field(default_factory=list)

    schema = Schema()
    schema.dir = "elsewhere"
    schema.items.append(1)
    assert schema == Schema("elsewhere", [1]) and schema != Schema()
    assert repr(schema) == repr(Standard("elsewhere", [1])).replace("Standard", "Schema")
    assert Schema.__hash__ is None and Standard.__hash__ is None
    assert Schema().items is not Schema().items


def test_hydra_schema_still_builds_the_typed_node() -> None:
    from omegaconf import OmegaConf
    from omegaconf.errors import ValidationError

    from runlab.config.settings import HydraConf, JobConf

    node = OmegaConf.structured(HydraConf)
    assert OmegaConf.get_type(node.job) is JobConf and not OmegaConf.is_readonly(node)
    with pytest.raises(ValidationError):
        node.job.chdir = "not a bool"


def _metadata(cls: type) -> list[tuple[Any, ...]]:
    return [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare, f.hash, f.kw_only)
        for f in dataclasses.fields(cls)
    ]


def test_metadata_is_the_standard_decorators() -> None:
    for name in STANDARD:
        ours, standard = OURS[name], STANDARD[name]
        assert _metadata(ours) == _metadata(standard)
        assert ours.__match_args__ == standard.__match_args__  # type: ignore[attr-defined]
        assert ours.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert OURS["Point"].y == 0 and "tags" not in vars(OURS["Point"])  # class attributes as dataclass


def test_init_matches_the_standard_one() -> None:
    @frozen(kw_only=True)
    class Options:
        name: str
        items: list[int] = field(default_factory=list)
        derived: int = field(init=False, default=7)
        made: list[int] = field(init=False, default_factory=lambda: [1])
        kind: typing.ClassVar[str] = "options"

    first, second = Options(name="a"), Options(name="b", items=[2])
    assert first.items == [] and first.items is not Options(name="c").items
    assert (first.derived, first.made, second.items) == (7, [1], [2])
    assert [f.name for f in dataclasses.fields(Options)] == ["name", "items", "derived", "made"]
    with pytest.raises(TypeError):
        Options(name="a", derived=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Options()  # type: ignore[call-arg]
    assert dataclasses.replace(second, name="c") == Options(name="c", items=[2])


def test_definition_errors_are_the_standard_ones() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @frozen
        class Order:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError, match="mutable default .* for field a is not allowed"):

        @frozen
        class Shared:
            a: list[int] = []  # noqa: RUF012


def test_forms_it_does_not_build_itself_use_the_standard_decorator() -> None:
    @frozen
    class WithInitVar:
        a: int
        scale: dataclasses.InitVar[int] = 1

        def __post_init__(self, scale: int) -> None:
            object.__setattr__(self, "a", self.a * scale)

    assert WithInitVar(2, 3).a == 6 and [f.name for f in dataclasses.fields(WithInitVar)] == ["a"]


def test_standard_dataclasses_may_derive_from_ours() -> None:
    @dataclasses.dataclass(frozen=True)
    class Derived(OURS["Point"]):  # type: ignore[misc, valid-type]
        w: int = 1

    assert Derived(1, w=2).w == 2 and Derived(1).x == 1
    with pytest.raises(TypeError, match="non-frozen"):

        @dataclasses.dataclass
        class Thawed(OURS["Point"]):  # type: ignore[misc, valid-type]
            w: int = 1
