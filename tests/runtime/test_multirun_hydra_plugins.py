"""Plugins written against Hydra's Launcher/Sweeper base classes run through runlab's sweep loop."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from multirun_fakes import ScriptedSweeper, fake_task_run, make_setup
from sweep_records import job_records

from runlab.plugins.launcher import Launcher as HydraLauncher
from runlab.plugins.serial import BasicLauncher
from runlab.plugins.sweeper import Sweeper as HydraSweeper
from runlab.runtime.job_return import JobReturn, JobStatus
from runlab.runtime.multirun import drive_sweep
from runlab.runtime.multirun_app import TaskRunner
from runlab.runtime.plugin_adapters import adapt_launcher, adapt_sweeper


class ListLauncher(HydraLauncher):
    """A Hydra-style launcher: composes each job itself and returns JobReturns."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[list[str]], int]] = []

    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        self.loader = hydra_context.config_loader
        self.config = config

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> list[JobReturn]:
        self.calls.append(([list(o) for o in job_overrides], initial_job_idx))
        returns = []
        for overrides in job_overrides:
            cfg = self.loader.load_sweep_config(self.config, list(overrides))
            failed = cfg.a == "fail"
            returns.append(
                JobReturn(
                    overrides=list(overrides),
                    status=JobStatus.FAILED if failed else JobStatus.COMPLETED,
                    _return_value=ValueError("boom") if failed else cfg.a,
                )
            )
        return returns


def test_a_hydra_style_launcher_gets_override_lists_and_global_indices(tmp_path: Path) -> None:
    setup = make_setup(tmp_path)
    plugin = ListLauncher()
    launcher = adapt_launcher(plugin, setup, TaskRunner(lambda cfg: None))
    sweeper = ScriptedSweeper([[["a=1"], ["a=fail"]], [["a=3"]]])
    outcome = drive_sweep(setup, sweeper, launcher, fake_task_run)
    assert plugin.calls == [([["a=1"], ["a=fail"]], 0), ([["a=3"]], 2)]
    assert [(r.num, r.status, r.return_value) for r in outcome.results] == [
        (0, "COMPLETED", 1),
        (1, "FAILED", None),
        (2, "COMPLETED", 3),
    ]
    assert outcome.results[1].error == "ValueError: boom"
    # the loop records results for launchers that run jobs themselves
    records = {num: record["status"] for num, record in job_records(tmp_path).items()}
    assert records == {0: "COMPLETED", 1: "FAILED", 2: "COMPLETED"}


class TwoRoundSweeper(HydraSweeper):
    """A Hydra-style sweeper: two batches, the second chosen from the first one's return values."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        self.hydra_context = hydra_context
        self.config = config

    def sweep(self, arguments: list[str]) -> Any:
        first = [["a=1", *arguments], ["a=2", *arguments]]
        self.validate_batch_is_legal(first)
        returns = self.launcher.launch(first, initial_job_idx=0)
        self.seen.extend(r.return_value for r in returns)
        best = max(r.return_value for r in returns)
        returns = self.launcher.launch([[f"a={best}0"]], initial_job_idx=2)
        self.seen.extend(r.return_value for r in returns)
        return "done"


def test_a_hydra_style_sweeper_runs_through_ask_and_tell(tmp_path: Path) -> None:
    setup = make_setup(tmp_path)
    plugin = TwoRoundSweeper()
    sweeper = adapt_sweeper(plugin, setup, TaskRunner(lambda cfg: None))
    outcome = drive_sweep(setup, sweeper, BasicLauncher(), fake_task_run)
    assert [r.overrides for r in outcome.results] == [("a=1",), ("a=2",), ("a=ret10",)]
    assert plugin.seen == ["ret0", "ret1", "ret2"]
    assert sweeper.result == "done"


def test_runlab_plugins_pass_through_unchanged(tmp_path: Path) -> None:
    setup = make_setup(tmp_path)
    launcher = BasicLauncher()
    sweeper = ScriptedSweeper([])
    assert adapt_launcher(launcher, setup, None) is launcher
    assert adapt_sweeper(sweeper, setup, None) is sweeper
