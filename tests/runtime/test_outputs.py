"""Output directory rules: run dir, sweep dir + subdir, absolute paths, snapshot file names."""

from __future__ import annotations

import os
from pathlib import Path

from omegaconf import OmegaConf

from runlab.runtime.outputs import (
    SWEEP_DIR_KEY,
    SWEEP_SUBDIR_KEY,
    job_output_dir,
    job_output_path,
    snapshot_paths,
)


def test_run_dir_is_made_absolute_from_the_cwd(tmp_path: Path) -> None:
    config = OmegaConf.create({"hydra": {"run": {"dir": "../x/./y"}}})
    assert job_output_path(config) == "../x/./y"
    assert job_output_dir(config) == os.path.abspath("../x/y")


def test_sweep_subdir_is_evaluated_per_job() -> None:
    config = OmegaConf.create(
        {
            "hydra": {"sweep": {"dir": "/m", "subdir": "${hydra.job.num}_${a}"}, "job": {"num": 3}},
            "a": "z",
        }
    )
    assert job_output_dir(config, SWEEP_DIR_KEY, SWEEP_SUBDIR_KEY) == "/m/3_z"


def test_snapshot_paths() -> None:
    paths = snapshot_paths("/out", "meta")
    assert (paths.directory, paths.config, paths.hydra, paths.overrides) == (
        "/out/meta",
        "/out/meta/config.yaml",
        "/out/meta/hydra.yaml",
        "/out/meta/overrides.yaml",
    )
