"""runlab: configure, run, sweep and compare experiments.

A faithful re-implementation of Hydra 1.3's public API (``import runlab as hydra`` works) with an
experiment tracker built in.  Importing this package is cheap on purpose: the names below are resolved
on first use, so a plain ``@runlab.main`` app pays only for what it runs.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# These three share their name with their module (as in Hydra), so they are imported eagerly: a lazy
# lookup would lose to the submodule attribute Python sets once ``runlab.compose`` (the module) is
# imported.  The modules keep their own imports light for this reason.
from runlab.compose import compose
from runlab.initialize import initialize, initialize_config_dir, initialize_config_module
from runlab.main import main
from runlab.version import __version__

if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from runlab import utils
    from runlab.errors import MissingConfigException
    from runlab.tracking.metrics import log_metric, log_metrics
    from runlab.tracking.query import runs
    from runlab.types import TaskFunction

__all__ = [
    "MissingConfigException",
    "TaskFunction",
    "__version__",
    "compose",
    "initialize",
    "initialize_config_dir",
    "initialize_config_module",
    "log_metric",
    "log_metrics",
    "main",
    "runs",
    "utils",
]

# name -> (module, attribute); attribute None means the module itself.
_LAZY: dict[str, tuple[str, str | None]] = {
    "MissingConfigException": ("runlab.errors", "MissingConfigException"),
    "TaskFunction": ("runlab.types", "TaskFunction"),
    "log_metric": ("runlab.tracking.metrics", "log_metric"),
    "log_metrics": ("runlab.tracking.metrics", "log_metrics"),
    "runs": ("runlab.tracking.query", "runs"),
    "utils": ("runlab.utils", None),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'runlab' has no attribute {name!r}") from None
    module = import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    # Cache on the package so the lookup happens once.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
