"""Hydra's compose-API initializers: ``initialize``, ``initialize_config_module``, ``initialize_config_dir``.

Each works as a plain call (the compose API stays initialized) or as a context manager that puts back
the previous global state and ``version_base`` on exit, so tests can nest and repeat them.
"""

from __future__ import annotations

import inspect
import os
import re
from types import TracebackType
from typing import Any

from runlab.config.versions import (
    UNSET,
    base_at_least,
    deprecation_warning,
    get_base,
    resolve_version_base,
    set_base,
)
from runlab.errors import HydraException

# ``runlab.core.global_hydra`` is imported where used: this module loads with ``import runlab``, and
# an ``@runlab.main`` app never needs it.

__all__ = ["initialize", "initialize_config_dir", "initialize_config_module"]

_CONFIG_PATH_URL = "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/changes_to_hydra_main_config_path"


class _Restoring:
    """Remembers the global state at construction; ``__exit__`` restores it."""

    def _save(self) -> None:
        from runlab.core.global_hydra import GlobalHydra

        self._saved = (GlobalHydra.instance().hydra, get_base())

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        from runlab.core.global_hydra import GlobalHydra

        hydra, base = self._saved
        GlobalHydra.instance().hydra = hydra
        set_base(base)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _start(main_dir: str | None, job_name: str, version_base: str) -> None:
    from runlab.config.searchpath import create_search_path
    from runlab.core.global_hydra import ConfigLoader, GlobalHydra, HydraSession

    search_path = create_search_path(main_dir)
    loader = ConfigLoader(
        search_path=tuple(search_path.entries), job_name=job_name, version_base=version_base
    )
    GlobalHydra.instance().initialize(HydraSession(config_loader=loader))


def _job_name_of(calling_file: str | None, calling_module: str | None) -> str:
    if calling_file is not None:
        stem = os.path.splitext(os.path.basename(calling_file))[0]
        return re.sub(r"(?u)[^-\w.]", "", stem.strip().replace(" ", "_"))
    if calling_module is not None:
        return calling_module.rsplit(".", 1)[-1]
    raise ValueError("cannot detect the job name without a calling file or module")


def _caller(depth: int) -> tuple[str | None, str | None]:
    """The calling file (or notebook directory) ``depth`` frames above the initializer."""
    frame = inspect.currentframe()
    try:
        for _ in range(depth + 1):
            assert frame is not None
            frame = frame.f_back
        assert frame is not None
        notebook_dirs = frame.f_globals.get("_dh")
        if notebook_dirs and _in_notebook():
            return os.path.join(str(notebook_dirs[0]), "notebook.ipynb"), None
        return frame.f_code.co_filename, frame.f_globals.get("__name__")
    finally:
        del frame


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class initialize(_Restoring):
    """Initialize the compose API with a config dir relative to the *calling* file.

    ``caller_stack_depth`` says how many frames up the caller is (for wrappers of this function).
    """

    def __init__(
        self,
        config_path: Any = UNSET,
        job_name: str | None = None,
        caller_stack_depth: int = 1,
        version_base: Any = UNSET,
    ) -> None:
        self._save()
        base = resolve_version_base(version_base)
        set_base(base)
        if config_path is UNSET:
            if base_at_least(base, "1.2"):
                config_path = None
            else:
                if version_base is UNSET:
                    deprecation_warning(
                        "config_path is not specified in hydra.initialize().\n"
                        f"See {_CONFIG_PATH_URL} for more information.",
                        stacklevel=2,
                    )
                config_path = "."
        if config_path is not None and os.path.isabs(config_path):
            raise HydraException("config_path in initialize() must be relative")
        calling_file, calling_module = _caller(caller_stack_depth)
        if job_name is None:
            job_name = _job_name_of(calling_file, calling_module)
        from runlab.config.searchpath import main_search_path_dir

        main_dir = main_search_path_dir(
            config_path, calling_file=calling_file, calling_module=calling_module
        )
        _start(main_dir, job_name, base)


class initialize_config_module(_Restoring):
    """Initialize the compose API with configs inside an importable module (``pkg://module``)."""

    def __init__(
        self, config_module: str, job_name: str = "app", version_base: Any = UNSET
    ) -> None:
        self._save()
        base = resolve_version_base(version_base)
        set_base(base)
        _start(f"pkg://{config_module}", job_name, base)


class initialize_config_dir(_Restoring):
    """Initialize the compose API with an absolute config directory."""

    def __init__(self, config_dir: str, job_name: str = "app", version_base: Any = UNSET) -> None:
        self._save()
        base = resolve_version_base(version_base)
        set_base(base)
        if not os.path.isabs(config_dir):
            raise HydraException("initialize_config_dir() requires an absolute config_dir as input")
        _start(f"file://{config_dir}", job_name, base)
