"""runlab.utils: Hydra's ``hydra.utils`` surface, and the job-relative path helpers."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from runlab import utils
from runlab.types import ConvertMode


class _FakeHydraConfig:
    """Stands in for the runtime's HydraConfig (the contract: ``initialized()`` and ``get()``)."""

    config: Any = None

    @classmethod
    def initialized(cls) -> bool:
        return cls.config is not None

    @classmethod
    def get(cls) -> Any:
        if cls.config is None:
            raise ValueError("HydraConfig was not set")
        return cls.config


@pytest.fixture
def job(monkeypatch: pytest.MonkeyPatch) -> type[_FakeHydraConfig]:
    module = types.ModuleType("runlab.core.hydra_config")
    module.HydraConfig = _FakeHydraConfig  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "runlab.core.hydra_config", module)
    monkeypatch.setattr(_FakeHydraConfig, "config", None)
    return _FakeHydraConfig


def _enter_job(job: type[_FakeHydraConfig], cwd: str) -> None:
    job.config = types.SimpleNamespace(runtime=types.SimpleNamespace(cwd=cwd))


def test_public_names() -> None:
    assert sorted(utils.__all__) == [
        "ConvertMode",
        "call",
        "get_class",
        "get_method",
        "get_object",
        "get_original_cwd",
        "get_static_method",
        "instantiate",
        "to_absolute_path",
    ]
    for name in utils.__all__:
        assert getattr(utils, name) is not None
    assert utils.ConvertMode is ConvertMode
    assert utils.call is utils.instantiate


def test_importing_utils_stays_light() -> None:
    """``runlab.utils`` adds no heavy module to what ``import runlab`` already loads."""
    code = (
        "import sys, runlab\n"
        "before = set(sys.modules)\n"
        "import runlab.utils\n"
        "added = set(sys.modules) - before\n"
        "heavy = ('omegaconf', 'yaml', 'runlab.config.instantiate', 'runlab.config.targets',"
        " 'runlab.runtime', 'runlab.core.hydra_config')\n"
        "print(sorted(m for m in added if m.startswith(heavy)))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert finished.stdout.strip() == "[]"


def test_instantiate_and_lookup_work_through_utils() -> None:
    assert utils.instantiate({"_target_": "builtins.dict", "a": 1}) == {"a": 1}
    assert utils.call({"_target_": "builtins.max", "_args_": [1, 3]}) == 3
    assert utils.get_class("pathlib.Path") is Path
    assert utils.get_method("builtins.len") is len
    assert utils.get_static_method("builtins.len") is len
    assert utils.get_object("sys.maxsize") == sys.maxsize


def test_get_original_cwd_outside_a_job(job: type[_FakeHydraConfig]) -> None:
    with pytest.raises(ValueError) as raised:
        utils.get_original_cwd()
    assert (
        str(raised.value) == "get_original_cwd() must only be used after HydraConfig is initialized"
    )


def test_get_original_cwd_inside_a_job(job: type[_FakeHydraConfig], tmp_path: Path) -> None:
    _enter_job(job, str(tmp_path / "launch"))
    assert utils.get_original_cwd() == str(tmp_path / "launch")


def test_to_absolute_path_outside_a_job_uses_the_current_directory(
    job: type[_FakeHydraConfig], tmp_path: Path
) -> None:
    assert utils.to_absolute_path("data/x.csv") == str(Path.cwd() / "data" / "x.csv")
    assert utils.to_absolute_path("/abs/file") == "/abs/file"


def test_to_absolute_path_inside_a_job_uses_the_launch_directory(
    job: type[_FakeHydraConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launch = tmp_path / "launch"
    output = tmp_path / "outputs" / "run"
    output.mkdir(parents=True)
    monkeypatch.chdir(output)  # a job that changed into its output directory
    _enter_job(job, str(launch))
    assert utils.to_absolute_path("data/./x.csv") == str(launch / "data" / "x.csv")
    assert utils.to_absolute_path("/abs/file") == "/abs/file"
    assert isinstance(utils.to_absolute_path(Path("rel")), str)  # type: ignore[arg-type]


def test_helpers_follow_the_runtime_job_context(tmp_path: Path) -> None:
    """The same helpers against the runtime's real HydraConfig (set as run_job sets it)."""
    from omegaconf import OmegaConf

    from runlab.core.hydra_config import HydraConfig
    from runlab.runtime import context

    saved = context.current_hydra_config()
    launch = tmp_path / "launch"
    try:
        HydraConfig.instance().set_config(
            OmegaConf.create({"hydra": {"runtime": {"cwd": str(launch)}}, "app": 1})
        )
        assert utils.get_original_cwd() == str(launch)
        assert utils.to_absolute_path("x/y") == str(launch / "x" / "y")
    finally:
        context.restore_hydra_config(saved)
    assert not HydraConfig.initialized()
