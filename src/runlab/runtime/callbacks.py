"""``hydra.callbacks``: instantiate the configured callbacks once and fan each event out to them.

Start events go to the callbacks in config order and end events in reverse order, so a callback that
wraps the run (opens something on start, closes it on end) nests like a context manager.  A failing
hook becomes a ``UserWarning`` and the run continues, as in Hydra: observers must not kill experiments.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

__all__ = ["Callbacks", "load_callbacks"]


class Callbacks:
    """The instantiated callbacks of one run or sweep."""

    def __init__(self, callbacks: Sequence[Any] = ()) -> None:
        self.callbacks: list[Any] = list(callbacks)

    def __bool__(self) -> bool:
        return bool(self.callbacks)

    def _notify(self, method: str, reverse: bool, **kwargs: Any) -> None:
        for callback in reversed(self.callbacks) if reverse else self.callbacks:
            hook = getattr(callback, method, None)
            if hook is None:
                continue
            try:
                hook(**kwargs)
            except Exception as error:  # noqa: BLE001 - callbacks never abort the run
                warnings.warn(
                    f"Callback {type(callback).__name__}.{method} raised "
                    f"{type(error).__name__}: {error}",
                    UserWarning,
                    stacklevel=2,
                )

    def on_run_start(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_run_start", False, config=config, **kwargs)

    def on_run_end(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_run_end", True, config=config, **kwargs)

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_multirun_start", False, config=config, **kwargs)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_multirun_end", True, config=config, **kwargs)

    def on_job_start(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_job_start", False, config=config, **kwargs)

    def on_job_end(self, config: Any, **kwargs: Any) -> None:
        self._notify("on_job_end", True, config=config, **kwargs)


def load_callbacks(config: Any) -> Callbacks:
    """Instantiate ``config.hydra.callbacks`` (a mapping name -> ``{_target_: ..., **kwargs}``) in order.

    Errors while instantiating propagate: a run whose callbacks cannot be built must not start.
    """
    from omegaconf import OmegaConf

    node = OmegaConf.select(config, "hydra.callbacks", default=None)
    if not node:
        return Callbacks()
    from runlab.config.instantiate import instantiate

    return Callbacks([instantiate(entry) for entry in node.values()])
