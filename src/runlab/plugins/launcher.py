"""Hydra's ``hydra.plugins.launcher.Launcher`` base class, for launcher plugins written for Hydra.

runlab's own launchers implement the smaller :class:`runlab.plugins.Launcher` protocol (composed job
specs in, results out).  A subclass of this class keeps Hydra's contract -- it composes each job with
``hydra_context.config_loader.load_sweep_config`` and runs it with ``runlab.core.utils.run_job`` --
and the runtime adapts it (``runlab.runtime.plugin_adapters``), so such a plugin works unchanged.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from runlab.plugins.plugin import Plugin

__all__ = ["Launcher"]


class Launcher(Plugin):
    """Hydra-style launcher: ``setup`` once, then ``launch`` once per batch."""

    @abstractmethod
    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        """Receive what every job needs (config loader, callbacks, task function, master config)."""

    @abstractmethod
    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[Any]:
        """Run one job per override list, numbered from ``initial_job_idx``; one ``JobReturn`` each."""
