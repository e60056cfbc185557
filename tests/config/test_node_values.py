"""``set_existing_value``: a value set on its node, or False for the caller's usual assignment."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import pytest
from omegaconf import OmegaConf, ValidationError

from runlab.config._node_values import child, set_existing_value, set_own_value


@dataclass
class Job:
    num: int = 0
    name: str = "app"


def test_sets_a_writable_value_node_with_its_validation() -> None:
    config = OmegaConf.create({"job": Job, "free": {"x": 1}})
    OmegaConf.set_struct(config, True)
    assert set_existing_value(config.job, "num", 7) and config.job.num == 7
    assert set_existing_value(config.job, "num", "8") and config.job.num == 8  # converted as assigned
    with pytest.raises(ValidationError):
        set_existing_value(config.job, "num", "seven")
    assert config.job.num == 8


def test_declines_what_an_assignment_must_handle() -> None:
    config = OmegaConf.create({"job": Job, "free": {"x": 1}})
    assert not set_existing_value(config, "free", {"x": 2})  # a container
    assert not set_existing_value(config.free, "new", 1)  # a missing key
    OmegaConf.set_readonly(config.job, True)
    assert not set_existing_value(config.job, "num", 3)  # read-only through its parent
    assert config.job.num == 0 and "new" not in config.free


def test_own_values_are_set_whatever_the_flags() -> None:
    config = OmegaConf.create({"job": Job, "free": {"x": 1}})
    OmegaConf.set_struct(config, True)
    OmegaConf.set_readonly(config, True)
    set_own_value(config.job, "num", 5)  # read-only: assigned inside read_write
    set_own_value(config.free, "added", 2)  # struct and missing: assigned inside open_dict
    assert config.job.num == 5 and config.free.added == 2
    assert OmegaConf.is_readonly(config.job) and OmegaConf.is_struct(config.free)
    OmegaConf.set_readonly(config, False)
    set_own_value(config.job, "num", 6)  # writable: on the node
    assert config.job.num == 6


class Mode(Enum):
    RUN = 1
    MULTIRUN = 2


@dataclass
class Runtime:
    mode: Mode = Mode.MULTIRUN
    cwd: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 reads typing.Optional only
    path: Path = Path("/tmp/x")


KEYS = ["job", "runtime", "empty", "none_dict", "items", "interp_dict", "name", "n", "flag",
        "nothing", "missing", "interp", "escaped", "absent"]


def _config(struct: bool) -> Any:
    config = OmegaConf.create({
        "job": Job, "runtime": Runtime, "empty": {}, "none_dict": None, "items": [1, "${n}"],
        "interp_dict": "${job}", "name": "app", "n": 3, "flag": True, "nothing": None,
        "missing": "???", "interp": "${name}-${n}", "escaped": "\\${name}",
    })
    OmegaConf.set_struct(config, struct)
    return config


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        value = read()
    except Exception as error:  # noqa: BLE001 - the error is part of what must match
        return "raises", type(error)
    return "value", value


@pytest.mark.parametrize("struct", [False, True])
@pytest.mark.parametrize("key", KEYS)
def test_child_reads_what_item_access_reads(struct: bool, key: str) -> None:
    config = _config(struct)
    expected = _outcome(lambda: config[key])
    got = _outcome(lambda: child(config, key))
    assert got == expected
    if expected[0] == "value" and OmegaConf.is_config(expected[1]):
        assert got[1] is expected[1]  # the node itself, not a copy
    assert _outcome(lambda: child(config, key, "dflt")) == _outcome(lambda: config.get(key, "dflt"))


def test_child_reads_typed_values_as_item_access_does() -> None:
    runtime = _config(True).runtime
    for key in ("mode", "cwd", "path"):
        value = child(runtime, key)
        assert value == runtime[key] and type(value) is type(runtime[key])
    listed = OmegaConf.create([{"a": 1}])
    assert child(listed[0], "a") == 1
