"""Finding ``SearchPathPlugin`` classes in the ``hydra_plugins`` namespace package, as Hydra does.

Hydra imports every module under ``hydra_plugins`` (skipping names that start with a single ``_``)
and keeps the concrete subclasses of its plugin base classes.  Only search path plugins matter to the
config search path, so that is all this module looks for.  It costs nothing when no ``hydra_plugins``
package exists (one failed import, served from the import system's directory caches): start-up of the
common app stays as lean as before.  Entry points are deliberately not read: scanning every installed
distribution's metadata costs ~20 ms per start-up, more than composing a small config.

A class counts when its MRO has a ``SearchPathPlugin`` from runlab's module or Hydra's, so a plugin
written against hydra-core works whether ``hydra`` is runlab (``import runlab as hydra`` shims) or a
real hydra-core installed next to it.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from types import ModuleType
from typing import Any

NAMESPACE = "hydra_plugins"
_BASE_MODULES = frozenset({"runlab.plugins.search_path_plugin", "hydra.plugins.search_path_plugin"})

# One scan per distinct ``hydra_plugins.__path__`` (it changes when sys.path does).
_scanned: dict[tuple[str, ...], tuple[type[Any], ...]] = {}


def _namespace() -> ModuleType | None:
    try:
        return importlib.import_module(NAMESPACE)
    except ImportError:
        return None


def is_search_path_plugin(obj: object) -> bool:
    """A concrete class deriving from (runlab's or Hydra's) ``SearchPathPlugin``."""
    import inspect

    if not inspect.isclass(obj) or inspect.isabstract(obj):
        return False
    return any(
        base.__name__ == "SearchPathPlugin" and base.__module__ in _BASE_MODULES
        for base in obj.__mro__[1:]
    )


def _load(finder: Any, name: str) -> ModuleType | None:
    """Import ``name`` from where the walk found it (a stale module of another path is replaced)."""
    import importlib.util

    spec = finder.find_spec(name)
    if spec is None or spec.loader is None:
        return None
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) == spec.origin:
        return existing
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _import_plugin_module(finder: Any, name: str) -> ModuleType | None:
    """Import one plugin module; its warnings are re-emitted under Hydra's header, and an
    ImportError becomes Hydra's warning (the scan goes on)."""
    try:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            module = _load(finder, name)
    except ImportError as error:
        warnings.warn(
            f"\n\tError importing '{name}'.\n"
            "\tPlugin is incompatible with this Hydra version or buggy.\n"
            "\tRecommended to uninstall or upgrade plugin.\n"
            f"\t\t{type(error).__name__} : {error}",
            UserWarning,
            stacklevel=2,
        )
        return None
    if recorded:
        sys.stderr.write(
            f"[Hydra plugins scanner] : warnings from '{name}'. Please report to plugin author.\n"
        )
        for item in recorded:
            warnings.showwarning(item.message, item.category, item.filename, item.lineno)
    return module


def _scan(package: ModuleType) -> tuple[type[Any], ...]:
    import inspect
    import pkgutil

    found: list[type[Any]] = []
    for finder, name, _is_package in pkgutil.walk_packages(
        path=list(package.__path__), prefix=f"{NAMESPACE}.", onerror=lambda _name: None
    ):
        last = name.rsplit(".", 1)[-1]
        if last.startswith("_") and not last.startswith("__"):
            continue
        module = _import_plugin_module(finder, name)
        if module is None:
            continue
        for _member, obj in inspect.getmembers(module, is_search_path_plugin):
            if obj not in found:
                found.append(obj)
    return tuple(found)


def search_path_plugin_classes() -> tuple[type[Any], ...]:
    """The search path plugin classes under ``hydra_plugins``, in Hydra's order (module walk, then
    class name); empty at the cost of one failed import when the package does not exist."""
    package = _namespace()
    if package is None:
        return ()
    key = tuple(str(entry) for entry in package.__path__)
    if key not in _scanned:
        _scanned[key] = _scan(package)
    return _scanned[key]
