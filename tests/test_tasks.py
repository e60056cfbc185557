"""``tasks.py test`` provisions the machine CI runs on: which Debian packages it installs, in how
many apt calls, and when it turns the real-Slurm tests on.  apt and the test run are faked."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("runlab_tasks_under_test", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("RUNLAB_CHROMIUM", raising=False)
    monkeypatch.delenv("RUNLAB_TEST_SLURM", raising=False)
    return module


class FakeMachine:
    """What is installed, flipped by the fake ``apt-get install``; records every command run."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tasks: ModuleType, *, root: bool,
                 apt: bool, chromium: bool, slurm: bool) -> None:  # fmt: skip
        self.chromium, self.slurm = chromium, slurm
        self.commands: list[list[str]] = []
        programs = {"apt-get": apt}
        monkeypatch.setattr(tasks, "_is_root", lambda: root)
        monkeypatch.setattr(
            tasks.shutil, "which",
            lambda name: "/usr/bin/" + name
            if programs.get(name) or (name == "chromium" and self.chromium) else None,
        )  # fmt: skip
        monkeypatch.setattr(
            tasks, "_missing_slurm_programs", lambda: [] if self.slurm else ["slurmctld"]
        )
        monkeypatch.setattr(tasks, "_run", self.run)

    def run(self, *args: object, **kwargs: Any) -> None:
        command = [str(a) for a in args]
        self.commands.append(command)
        if command[:2] == ["apt-get", "install"]:
            self.chromium = self.chromium or "chromium" in command
            self.slurm = self.slurm or "slurm-wlm" in command


def test_as_root_one_apt_install_brings_chromium_and_slurm(
    tasks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = FakeMachine(monkeypatch, tasks, root=True, apt=True, chromium=False, slurm=False)
    assert tasks.ensure_system_packages() is True
    assert machine.commands == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium", "slurm-wlm", "slurmdbd", "munge",
         "mariadb-server"],
    ]  # fmt: skip


def test_only_what_is_missing_is_installed_and_nothing_when_all_is_there(
    tasks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    machine = FakeMachine(monkeypatch, tasks, root=True, apt=True, chromium=True, slurm=False)
    assert tasks.ensure_system_packages() is True
    assert machine.commands[-1][4:] == ["slurm-wlm", "slurmdbd", "munge", "mariadb-server"]
    machine.commands.clear()
    assert tasks.ensure_system_packages() is True
    assert machine.commands == []


def test_without_root_nothing_is_installed_and_slurm_stays_off(
    tasks: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine = FakeMachine(monkeypatch, tasks, root=False, apt=True, chromium=False, slurm=True)
    assert tasks.ensure_system_packages() is False  # Slurm's daemons need root
    assert machine.commands == []
    err = capsys.readouterr().err
    assert "not installing chromium" in err and "fail in CI (CI=true)" in err


@pytest.mark.parametrize("ready", [True, False])
def test_the_test_task_turns_the_slurm_tests_on_only_when_they_can_run(
    tasks: ModuleType, monkeypatch: pytest.MonkeyPatch, ready: bool
) -> None:
    for name in ("ensure_dev_env", "ensure_oracle_env", "ensure_oracle_optuna_env"):
        monkeypatch.setattr(tasks, name, lambda: Path(sys.executable))
    monkeypatch.setattr(tasks, "ensure_system_packages", lambda: ready)
    monkeypatch.setattr(tasks, "_run", lambda *args, **kwargs: None)
    seen: dict[str, Any] = {}

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(command=command, env=kwargs["env"])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(tasks.subprocess, "run", fake_run)
    assert tasks.task_test(["tests/x"]) == 0
    assert seen["command"][1:] == ["-m", "pytest", "-q", "-n", "2", "tests/x"]
    assert seen["env"].get("RUNLAB_TEST_SLURM") == ("1" if ready else None)


def test_a_full_test_run_also_runs_the_core_tests_on_omegaconf_23(
    tasks: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ensure_dev_env", "ensure_oracle_env", "ensure_oracle_optuna_env"):
        monkeypatch.setattr(tasks, name, lambda: Path(sys.executable))
    monkeypatch.setattr(tasks, "ensure_omegaconf23_env", lambda: Path("/venv23/bin/python"))
    monkeypatch.setattr(tasks, "ensure_system_packages", lambda: False)
    monkeypatch.setattr(tasks, "_run", lambda *args, **kwargs: None)
    commands: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(tasks.subprocess, "run", fake_run)
    assert tasks.task_test([]) == 0
    assert [c[0] for c in commands] == [sys.executable, "/venv23/bin/python"]
    assert commands[1][1:] == ["-m", "pytest", "-q", "-n", "2", *tasks.OMEGACONF23_TESTS]
