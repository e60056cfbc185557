"""The Ray launcher with no address: it starts a local Ray instance and shuts down what it started.

Kept apart from ``test_ray.py`` (which shares one running cluster): here no Ray may be running before.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import launcher_fakes
import pytest
import ray
from launcher_fakes import fake_run, make_jobs

from runlab.plugins.ray import RayLauncher

ray.cloudpickle.register_pickle_by_value(launcher_fakes)
# No usage-stats reporting from tests (this machine reaches no network beyond package registries).
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def test_without_an_address_the_launcher_starts_ray_and_shuts_it_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hydra")
    assert not ray.is_initialized()
    launcher = RayLauncher(ray={"init": {"address": None, "num_cpus": 1}, "remote": {}})
    results = sorted(
        launcher.launch(make_jobs(["ok", "raise", "ok"], tmp_path), fake_run), key=lambda r: r.num
    )
    assert [r.ok for r in results] == [True, False, True]
    assert [r.return_value for r in results] == [0, None, 20]
    assert not ray.is_initialized()  # what the launcher started, it stopped
    messages = [r.getMessage() for r in caplog.records]
    assert "Ray launcher: ray.init(address=None, num_cpus=1, include_dashboard=False)" in messages
    assert "\t#1 : action=raise i=1" in messages
