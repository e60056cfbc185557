"""Hydra-style launcher and sweeper plugins, adapted to runlab's launch and ask/tell interfaces.

Hydra's plugin API (``setup`` + ``launch(job_overrides, initial_job_idx)``; ``setup`` + ``sweep``) is
kept working so a plugin class written for Hydra can be selected by ``_target_`` unchanged.  The
adapters translate between the two shapes; runlab's own plugins pass through untouched.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from runlab.plugins import COMPLETED, FAILED, JobResult, JobSpec, RunJob, SweepContext
from runlab.plugins.launcher import Launcher as HydraStyleLauncher
from runlab.plugins.sweeper import Sweeper as HydraStyleSweeper

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.runtime.multirun import MultirunSetup

__all__ = ["SweepConfigLoader", "adapt_launcher", "adapt_sweeper"]


class SweepConfigLoader:
    """The part of Hydra's ``ConfigLoader`` that launcher and sweeper plugins use."""

    def __init__(self, setup: MultirunSetup) -> None:
        self._setup = setup

    def load_sweep_config(
        self, master_config: DictConfig, sweep_overrides: list[str]
    ) -> DictConfig:
        from omegaconf import OmegaConf

        config = self._setup.compose_job(list(sweep_overrides))
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config

    def get_group_options(self, group: str, *_args: Any, **_kwargs: Any) -> list[str]:
        return self._setup.list_options(group)


def _hydra_context(setup: MultirunSetup, runner: Any) -> Any:
    from runlab.runtime.callbacks import Callbacks
    from runlab.types import HydraContext

    callbacks = getattr(runner, "callbacks", None)
    return HydraContext(config_loader=SweepConfigLoader(setup), callbacks=callbacks or Callbacks())


def _to_result(spec: JobSpec, job_return: Any, started: float, ended: float) -> JobResult:
    from runlab.runtime.job_return import JobStatus

    value = getattr(job_return, "_return_value", None)
    ok = getattr(job_return, "status", None) == JobStatus.COMPLETED
    return JobResult(
        num=spec.num,
        status=COMPLETED if ok else FAILED,
        return_value=value if ok else None,
        error=None if ok else f"{type(value).__name__}: {value}",
        traceback=None,
        output_dir=str(getattr(job_return, "working_dir", None) or spec.output_dir),
        started=started,
        ended=ended,
        overrides=spec.overrides,
    )


class HydraLauncherAdapter:
    """Runs a batch through a Hydra-style launcher (which composes and runs the jobs itself)."""

    writes_records = False  # the plugin calls run_job itself: the sweep loop records the results

    def __init__(self, plugin: HydraStyleLauncher, setup: MultirunSetup, runner: Any) -> None:
        self.plugin = plugin
        plugin.setup(
            hydra_context=_hydra_context(setup, runner),
            task_function=getattr(runner, "task_function", None),
            config=setup.master,
        )

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]:
        import time

        if not jobs:
            return
        started = time.time()
        returns = self.plugin.launch([list(j.overrides) for j in jobs], initial_job_idx=jobs[0].num)
        ended = time.time()
        for spec, job_return in zip(jobs, returns):
            yield _to_result(spec, job_return, started, ended)


def adapt_launcher(launcher: Any, setup: MultirunSetup, runner: Any) -> Any:
    """``launcher`` itself, or an adapter when it is a Hydra-style launcher plugin."""
    if isinstance(launcher, HydraStyleLauncher):
        return HydraLauncherAdapter(launcher, setup, runner)
    return launcher


_DONE = object()


class _BatchBridge:
    """A Hydra-style launcher handed to a Hydra-style sweeper: each ``launch`` becomes an ``ask``."""

    def __init__(self, adapter: HydraSweeperAdapter) -> None:
        self.adapter = adapter

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[Any]:
        from runlab.runtime.job_return import JobReturn, JobStatus

        self.adapter._asks.put([list(o) for o in job_overrides])
        results: list[JobResult] = self.adapter._tells.get()
        returns = []
        for result in results:
            ok = result.status == COMPLETED
            returns.append(
                JobReturn(
                    overrides=list(result.overrides),
                    working_dir=result.output_dir,
                    status=JobStatus.COMPLETED if ok else JobStatus.FAILED,
                    _return_value=result.return_value if ok else RuntimeError(result.error),
                )
            )
        return returns


class HydraSweeperAdapter:
    """Runs a Hydra-style sweeper's ``sweep`` in a helper thread, turning its launches into asks.

    Jobs still run in the calling thread (the sweep loop's), so signals and in-process state behave as
    with runlab's own sweepers.
    """

    def __init__(self, plugin: HydraStyleSweeper, setup: MultirunSetup, runner: Any) -> None:
        self.plugin = plugin
        self.setup = setup
        self.runner = runner
        self._asks: queue.Queue[Any] = queue.Queue()
        self._tells: queue.Queue[list[JobResult]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.result: Any = None

    def begin(self, context: SweepContext) -> None:
        self.plugin.setup(
            hydra_context=_hydra_context(self.setup, self.runner),
            task_function=getattr(self.runner, "task_function", None),
            config=context.config,
        )
        self.plugin.launcher = _BatchBridge(self)
        self._thread = threading.Thread(
            target=self._sweep, args=(list(context.overrides),), name="runlab-sweeper", daemon=True
        )
        self._thread.start()

    def _sweep(self, arguments: list[str]) -> None:
        try:
            self.result = self.plugin.sweep(arguments)
        except BaseException as error:  # noqa: BLE001 - re-raised in the sweep loop's thread
            self._error = error
        finally:
            self._asks.put(_DONE)

    def ask(self) -> list[list[str]] | None:
        batch = self._asks.get()
        if batch is _DONE:
            if self._thread is not None:
                self._thread.join()
            if self._error is not None:
                raise self._error
            return None
        assert isinstance(batch, list)
        return batch

    def tell(self, results: Sequence[JobResult]) -> None:
        self._tells.put(list(results))


def adapt_sweeper(sweeper: Any, setup: MultirunSetup, runner: Any) -> Any:
    """``sweeper`` itself, or an adapter when it is a Hydra-style sweeper plugin."""
    if isinstance(sweeper, HydraStyleSweeper):
        return HydraSweeperAdapter(sweeper, setup, runner)
    return sweeper
