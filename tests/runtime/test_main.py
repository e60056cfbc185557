"""The decorator: direct calls, version_base at decoration time, the default config_path."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from omegaconf import OmegaConf

import runlab
from runlab.config.versions import get_base
from runlab.errors import Hydra14MigrationWarning, HydraException


def test_calling_with_a_config_runs_the_task_and_returns_its_value() -> None:
    @runlab.main(version_base=None)
    def task(cfg: Any) -> int:
        return int(cfg.x) * 2

    assert task(OmegaConf.create({"x": 21})) == 42
    assert task.__name__ == "task"


def test_version_base_none_is_the_current_release_without_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runlab.main(version_base=None)
    assert get_base() == "1.3"


@pytest.mark.parametrize(
    ("given", "effective"), [("1.2", "1.2"), ("1.3", "1.3"), ("1.4", "1.4"), ("2.0.1", "2.0")]
)
def test_higher_bases_are_kept(given: str, effective: str) -> None:
    runlab.main(version_base=given)
    assert get_base() == effective


def test_base_1_1_warns_about_1_4() -> None:
    with pytest.warns(
        Hydra14MigrationWarning, match='version_base="1.1" selects Hydra 1.1 compatibility'
    ):
        runlab.main(version_base="1.1")
    assert get_base() == "1.1"


def test_missing_version_base_warns_and_defaults_config_path() -> None:
    with (
        pytest.warns(Hydra14MigrationWarning, match="The version_base parameter is not specified"),
        pytest.warns(UserWarning, match="config_path is not specified in @hydra.main"),
    ):
        runlab.main()
    assert get_base() == "1.1"


def test_bases_below_1_1_are_refused() -> None:
    with pytest.raises(HydraException, match='version_base must be >= "1.1"'):
        runlab.main(version_base="1.0")
