"""``set_existing_value``: a value set on its node, or False for the caller's usual assignment."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from omegaconf import OmegaConf, ValidationError

from runlab.config._node_values import set_existing_value, set_own_value


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
