"""``set_existing_value``: a value set on its node, or False for the caller's usual assignment."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from omegaconf import OmegaConf, ValidationError

from runlab.config._node_values import set_existing_value


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
