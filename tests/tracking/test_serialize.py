from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
from pathlib import Path

from runlab.tracking.serialize import as_number, dumps, final_metrics, to_jsonable


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: float


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr for you")


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


def test_plain_values_round_trip() -> None:
    value = {"a": [1, 2.5, "x", None, True], "b": {"c": (1, 2)}}
    assert json.loads(dumps(value)) == {"a": [1, 2.5, "x", None, True], "b": {"c": [1, 2]}}


def test_known_types_convert() -> None:
    converted = to_jsonable({
        "enum": Color.RED, "path": Path("/tmp/x"), "when": datetime.date(2026, 1, 2),
        "dc": Point(1, 2.0), "set": {3, 1, 2}, "bytes": b"ab", 5: "int key",
    })
    assert converted == {"enum": "red", "path": "/tmp/x", "when": "2026-01-02",
                         "dc": {"x": 1, "y": 2.0}, "set": [1, 2, 3], "bytes": "b'ab'",
                         "5": "int key"}


def test_unknown_objects_fall_back_to_repr_and_never_raise() -> None:
    assert to_jsonable(Opaque()) == "<Opaque>"
    assert to_jsonable(BrokenRepr()) == "<unrepresentable BrokenRepr>"
    cyclic: list[object] = []
    cyclic.append(cyclic)
    text = dumps(cyclic)  # depth-limited, not a RecursionError
    assert text.startswith("[[[")


def test_numpy_values_are_unwrapped() -> None:
    import numpy as np

    assert to_jsonable(np.float32(0.5)) == 0.5
    assert to_jsonable(np.arange(3)) == [0, 1, 2]
    assert as_number(np.int64(4)) == 4.0


def test_omegaconf_nodes_become_containers() -> None:
    from omegaconf import OmegaConf

    node = OmegaConf.create({"a": 1, "b": "${a}"})
    assert to_jsonable(node) == {"a": 1, "b": 1}
    unresolvable = OmegaConf.create({"a": "${nowhere}", "m": "???"})
    assert to_jsonable(unresolvable) == {"a": "${nowhere}", "m": "???"}


def test_final_metrics_from_scalar_dict_and_nested() -> None:
    assert final_metrics(0.25) == {"value": 0.25}
    assert final_metrics({"loss": 1, "val": {"acc": 0.5}, "name": "x", "flag": True}) == {
        "loss": 1.0, "val.acc": 0.5}
    assert final_metrics(None) == {}
    assert final_metrics("text") == {}
    assert math.isnan(final_metrics(float("nan"))["value"])
