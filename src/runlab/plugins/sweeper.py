"""Hydra's ``hydra.plugins.sweeper.Sweeper`` base class, for sweeper plugins written for Hydra.

A Hydra-style sweeper drives its own loop (``sweep`` calls ``self.launcher.launch`` per batch).  The
runtime adapts it to runlab's ask/tell loop (``runlab.runtime.plugin_adapters``): it runs ``sweep`` in
a helper thread and hands it a launcher whose ``launch`` turns each batch into an ``ask`` answer, so
numbering, validation, failure isolation and resume are the same as for runlab's own sweepers.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any

from runlab.plugins.plugin import Plugin

__all__ = ["Sweeper"]


class Sweeper(Plugin):
    """Hydra-style sweeper: ``setup`` once, then ``sweep(arguments)`` runs the whole sweep."""

    hydra_context: Any = None
    config: Any = None
    launcher: Any = None

    @abstractmethod
    def setup(self, *, hydra_context: Any, task_function: Any, config: Any) -> None:
        """Receive the config loader, callbacks, task function and master config."""

    @abstractmethod
    def sweep(self, arguments: list[str]) -> Any:
        """Run the sweep over the command line's task ``arguments``."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every job of ``batch`` so a bad one fails before any job of the batch starts."""
        for overrides in batch:
            self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
