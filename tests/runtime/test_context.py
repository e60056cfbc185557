"""HydraConfig state, Hydra's resolvers, and the original-cwd helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from runtime.runtime_helpers import make_config

from runlab.core.hydra_config import HydraConfig
from runlab.runtime import context


def test_get_outside_a_job_fails_like_hydra() -> None:
    assert not HydraConfig.initialized()
    with pytest.raises(ValueError, match="^HydraConfig was not set$"):
        HydraConfig.get()


def test_set_config_exposes_a_read_only_hydra_node(tmp_path: Path) -> None:
    config = make_config(tmp_path, app={"x": 1, "name": "${hydra:job.name}"})
    HydraConfig.instance().set_config(config)
    assert HydraConfig.initialized()
    assert HydraConfig.get().job.name == "app"
    assert config.name == "app"
    with pytest.raises(Exception, match="read-only"):
        HydraConfig.get().job.name = "other"


def test_hydra_node_interpolations_reach_the_app_config(tmp_path: Path) -> None:
    config = make_config(tmp_path, app={"x": 5}, job__name="job_${x}")
    context.set_hydra_config(config)
    assert HydraConfig.get().job.name == "job_5"


def test_now_is_cached_per_config() -> None:
    config = OmegaConf.create({"a": "${now:%H-%M-%S-%f}", "b": "${now:%H-%M-%S-%f}"})
    first = config.a
    assert config.a == first == config.b


def test_python_version_resolver() -> None:
    config = OmegaConf.create(
        {
            "major": "${python_version:major}",
            "minor": "${python_version:}",
            "micro": "${python_version:micro}",
        }
    )
    info = sys.version_info
    assert config.major == str(info.major)
    assert config.minor == f"{info.major}.{info.minor}"
    assert config.micro == f"{info.major}.{info.minor}.{info.micro}"


def test_original_cwd_helpers(tmp_path: Path) -> None:
    from runlab.runtime.context import get_original_cwd, to_absolute_path

    with pytest.raises(ValueError, match="get_original_cwd\\(\\) must only be used after"):
        get_original_cwd()
    assert to_absolute_path("a/b") == str(Path.cwd() / "a/b")
    config = make_config(tmp_path, runtime__cwd="/launch")
    context.set_hydra_config(config)
    assert get_original_cwd() == "/launch"
    assert to_absolute_path("a") == "/launch/a"
    assert to_absolute_path("/abs") == "/abs"


def test_registering_twice_is_harmless() -> None:
    context.register_resolvers()
    context.register_resolvers()
    assert OmegaConf.has_resolver("hydra")
