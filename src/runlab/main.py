"""``@runlab.main``: turn a function taking a config into a command-line application (Hydra's ``@hydra.main``).

The decorator itself does almost nothing, so importing an app stays cheap: it settles ``version_base``
(which must warn at decoration time, like Hydra) and the default ``config_path``.  Everything else —
argv parsing, composition, output directories, logging — happens in :mod:`runlab.runtime.app` when the
decorated function is called without a config.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from runlab.config.versions import (
    UNSET,
    base_at_least,
    deprecation_warning,
    resolve_version_base,
    set_base,
)

__all__ = ["main"]

_CONFIG_PATH_WARNING = (
    "\nconfig_path is not specified in @hydra.main().\n"
    "See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/changes_to_hydra_main_config_path for more"
    " information."
)


def main(
    config_path: Any = UNSET,
    config_name: str | None = None,
    version_base: Any = UNSET,
) -> Callable[[Callable[[Any], Any]], Callable[..., Any]]:
    """Decorate a task function ``f(cfg)``.

    The decorated function called with a config runs the task directly and returns its result;
    called without arguments it parses ``sys.argv``, runs the app like Hydra and returns None.
    """
    base = resolve_version_base(version_base)
    set_base(base)
    if config_path is UNSET:
        if base_at_least(base, "1.2"):
            config_path = None
        else:
            if version_base is UNSET:
                deprecation_warning(_CONFIG_PATH_WARNING, stacklevel=2)
            config_path = "."

    def decorator(task_function: Callable[[Any], Any]) -> Callable[..., Any]:
        @functools.wraps(task_function)
        def decorated_main(cfg_passthrough: Any = None) -> Any:
            if cfg_passthrough is not None:
                return task_function(cfg_passthrough)
            from runlab.runtime.app import run_app

            set_base(base)
            run_app(
                task_function=task_function,
                config_path=config_path,
                config_name=config_name,
                version_base=base,
            )
            return None

        return decorated_main

    return decorator
