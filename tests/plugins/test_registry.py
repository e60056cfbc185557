"""Selecting launchers and sweepers: by _target_, by entry-point name, by Hydra's class paths."""

from __future__ import annotations

import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from runlab.plugins.grid import BasicSweeper
from runlab.plugins.processes import ProcessLauncher
from runlab.plugins.registry import (
    PluginNotFoundError,
    create_launcher,
    create_sweeper,
    load_plugin_class,
)
from runlab.plugins.serial import BasicLauncher


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("launcher", "runlab.plugins.serial.BasicLauncher", BasicLauncher),
        ("launcher", "hydra._internal.core_plugins.basic_launcher.BasicLauncher", BasicLauncher),
        ("launcher", "basic", BasicLauncher),
        ("launcher", "processes", ProcessLauncher),
        ("launcher", "joblib", ProcessLauncher),
        (
            "launcher",
            "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher",
            ProcessLauncher,
        ),
        ("sweeper", "basic", BasicSweeper),
        ("sweeper", "hydra._internal.core_plugins.basic_sweeper.BasicSweeper", BasicSweeper),
        ("sweeper", "runlab.plugins.grid.BasicSweeper", BasicSweeper),
    ],
)
def test_lookup_by_target_name_or_hydra_alias(kind: str, name: str, expected: type) -> None:
    assert load_plugin_class(kind, name) is expected


def test_unknown_name_lists_the_registered_ones() -> None:
    with pytest.raises(
        PluginNotFoundError, match="Unknown launcher 'nope'. Available: basic, joblib, processes"
    ):
        load_plugin_class("launcher", "nope")


def test_missing_class_in_an_existing_module() -> None:
    with pytest.raises(
        PluginNotFoundError, match="Unknown plugin class : 'runlab.plugins.serial.Nope'"
    ):
        load_plugin_class("launcher", "runlab.plugins.serial.Nope")


def test_a_missing_optional_dependency_names_the_pip_command(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "needs_optuna_plugin.py").write_text(
        "import optuna_not_installed_xyz\nclass S: ...\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginNotFoundError) as info:
        load_plugin_class("sweeper", "needs_optuna_plugin.S")
    message = str(info.value)
    assert message.startswith(
        "Could not instantiate plugin needs_optuna_plugin.S : No module named 'optuna_not_installed_xyz'"
    )
    assert "\n\n\tIS THE PLUGIN INSTALLED?\n" in message


def test_known_extras_get_an_install_line(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "fake_optuna_sweeper.py").write_text("import optuna.samplers\nclass S: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "optuna", None)  # simulate "not installed"
    with pytest.raises(PluginNotFoundError, match="Install it with: pip install optuna"):
        load_plugin_class("sweeper", "fake_optuna_sweeper.S")


def test_create_from_config_nodes() -> None:
    sweeper = create_sweeper(
        OmegaConf.create(
            {
                "_target_": "hydra._internal.core_plugins.basic_sweeper.BasicSweeper",
                "max_batch_size": 2,
                "params": {"a": "1,2"},
            }
        )
    )
    assert isinstance(sweeper, BasicSweeper)
    assert sweeper.max_batch_size == 2 and sweeper.params == {"a": "1,2"}
    launcher = create_launcher(
        OmegaConf.create({"_target_": "runlab.plugins.processes.ProcessLauncher", "n_jobs": 2})
    )
    assert isinstance(launcher, ProcessLauncher) and launcher.n_jobs == 2
    assert launcher.job_id(1, "app") == "1"
    assert isinstance(create_launcher(None), BasicLauncher)
    with pytest.raises(RuntimeError, match="Hydra sweeper is not configured"):
        create_sweeper(None)


def test_joblib_configs_get_joblib_job_ids() -> None:
    node = OmegaConf.create(
        {
            "_target_": "runlab.plugins.processes.ProcessLauncher",
            "n_jobs": -1,
            "backend": None,
            "prefer": "processes",
            "require": None,
            "verbose": 0,
            "timeout": None,
            "pre_dispatch": "2*n_jobs",
            "batch_size": "auto",
            "temp_folder": None,
            "max_nbytes": None,
            "mmap_mode": "r",
        }
    )
    assert create_launcher(node).job_id(3, "app") == "app_3"
    alias = OmegaConf.create(
        {"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"}
    )
    assert create_launcher(alias).job_id(0, "app") == "app_0"


def test_a_wrong_option_names_the_node() -> None:
    with pytest.raises(PluginNotFoundError, match="Unknown launcher 'basic-ish'"):
        create_launcher(OmegaConf.create({"_target_": "basic-ish"}))
    with pytest.raises(
        PluginNotFoundError,
        match=r"Could not create the launcher processes from hydra.launcher: .*nope",
    ):
        create_launcher(OmegaConf.create({"_target_": "processes", "nope": 1}))


def test_only_the_selected_plugin_is_imported() -> None:
    code = (
        "import sys\n"
        "from runlab.plugins.registry import load_plugin_class\n"
        "load_plugin_class('launcher', 'basic')\n"
        "print('runlab.plugins.processes' in sys.modules, 'runlab.plugins.grid' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
