"""Hydra's ``hydra.core.utils`` names at runlab's compatibility path."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf
from runtime.runtime_helpers import make_config

from runlab.core import utils
from runlab.runtime.callbacks import Callbacks


def test_filter_overrides_drops_hydra_settings() -> None:
    assert utils.filter_overrides(["a=1", "hydra.run.dir=x", "+b=2"]) == ["a=1", "+b=2"]


def test_run_job_needs_a_hydra_context(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="hydra_context"):
        utils.run_job(lambda cfg: None, make_config(tmp_path), "hydra.run.dir", None)


def test_run_job_runs_one_job_with_hydras_signature(tmp_path: Path) -> None:
    context = SimpleNamespace(config_loader=None, callbacks=Callbacks())
    result = utils.run_job(
        task_function=lambda cfg: cfg.x + 1,
        config=make_config(tmp_path),
        job_dir_key="hydra.run.dir",
        job_subdir_key=None,
        hydra_context=context,
    )
    assert result.status == utils.JobStatus.COMPLETED and result.return_value == 2
    assert (tmp_path / "out" / ".hydra" / "config.yaml").is_file()


def test_setup_globals_registers_resolvers() -> None:
    utils.setup_globals()
    assert OmegaConf.create({"v": "${python_version:major}"}).v.isdigit()


def test_env_override_is_exported() -> None:
    import os

    with utils.env_override({"RUNLAB_T_X": "1"}):
        assert os.environ["RUNLAB_T_X"] == "1"
    assert "RUNLAB_T_X" not in os.environ
