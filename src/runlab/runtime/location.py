"""Where an app lives: its job name and the search-path entry its ``config_path`` points to (spec §1.2).

A script's ``config_path`` is relative to the *script* (never the cwd), and an installed module's is
relative to its package, so the same app finds its configs whatever directory it is started from.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

__all__ = ["AppLocation", "locate_app", "main_search_path_entry"]

_MAIN_MODULE_VARS = ("HYDRA_MAIN_MODULE", "FB_PAR_MAIN_MODULE", "FB_XAR_MAIN_MODULE")


@dataclass(frozen=True)
class AppLocation:
    """``file`` is the defining script (file mode) or None; ``module`` the defining module (module mode)."""

    file: str | None
    module: str | None

    @property
    def job_name(self) -> str:
        """``hydra.job.name``'s default: the script's stem (sanitized) or the module's last component."""
        if self.module is not None:
            return self.module.rsplit(".", 1)[-1]
        assert self.file is not None
        stem = os.path.splitext(os.path.basename(self.file))[0]
        return re.sub(r"[^-\w.]", "", stem.strip().replace(" ", "_"))


def _unwrap(function: Any) -> Any:
    seen = set()
    while hasattr(function, "__wrapped__") and id(function) not in seen:
        seen.add(id(function))
        function = function.__wrapped__
    return function


def _defining_file(function: Any) -> str:
    code = getattr(function, "__code__", None)
    if code is not None:
        return str(code.co_filename)
    module = sys.modules.get(getattr(function, "__module__", None) or "__main__")
    file = getattr(module, "__file__", None)
    if file is None:  # a callable instance: look at its class, then its __call__
        call = type(function).__call__
        code = getattr(call, "__code__", None)
        if code is not None:
            return str(code.co_filename)
        return sys.argv[0]
    return str(file)


def locate_app(task_function: Any) -> AppLocation:
    """File mode for scripts (``__main__``, also ``python -m``), module mode for imported modules."""
    for name in _MAIN_MODULE_VARS:
        forced = os.environ.get(name)
        if forced:
            return AppLocation(file=None, module=forced)
    function = _unwrap(task_function)
    module = getattr(function, "__module__", None)
    if module is None and not hasattr(function, "__code__"):
        module = getattr(type(function), "__module__", None)
    if module is not None and module != "__main__":
        return AppLocation(file=None, module=module)
    return AppLocation(file=_defining_file(function), module=None)


def main_search_path_entry(location: AppLocation, config_path: str | None) -> str | None:
    """The ``main`` search-path entry for ``config_path`` (None: no main entry).

    ``pkg://`` and absolute paths are taken as given; relative paths are joined to the script's real
    directory (file mode) or to the calling module's package, each leading ``../`` going one package up
    (module mode).
    """
    if config_path is None:
        return None
    if config_path.endswith((".yaml", ".yml")):
        raise ValueError(
            "Using config_path to specify the config name is not supported, specify the config name"
            " via config_name. See https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/changes_to_hydra_main_config_path"
        )
    if config_path.startswith("pkg://"):
        return config_path
    if os.path.isabs(config_path):
        return f"file://{config_path}"
    if location.module is None:
        assert location.file is not None
        base = os.path.dirname(os.path.realpath(location.file))
        return f"file://{os.path.normpath(os.path.join(base, config_path))}"
    package_parts = location.module.split(".")[:-1]
    rest = config_path
    while rest.startswith("../"):
        rest = rest[3:]
        if package_parts:
            package_parts.pop()
    if rest in ("", "."):
        rest_parts: list[str] = []
    else:
        rest_parts = [part for part in rest.replace("\\", "/").split("/") if part not in ("", ".")]
    return "pkg://" + "/".join([*package_parts, *rest_parts])
