"""Where an app lives: its defining script or module, and the job name derived from it (spec §1.2.1).

The config search path is relative to this location (``runlab.config.searchpath.main_search_path_dir``),
so the same app finds its configs whatever directory it is started from.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from runlab._values import frozen

__all__ = ["AppLocation", "locate_app"]

_MAIN_MODULE_VARS = ("HYDRA_MAIN_MODULE", "FB_PAR_MAIN_MODULE", "FB_XAR_MAIN_MODULE")


@frozen
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
