"""Dotted-path lookup: the one way a string in a config becomes a Python object.

``instantiate`` resolves ``_target_`` strings here, and ``runlab.utils.get_class``/``get_method``/
``get_object`` are thin type-checking wrappers.  The error texts are Hydra 1.3.8's, word for word,
because users (and their tests) match on them: they say which part of the path failed and whether the
problem is a missing module, a missing submodule or a missing attribute.

The walk imports only the first segment up front, then follows attributes; a missing attribute on a
*module* is retried as a submodule import (``json.decoder`` works even before ``json.decoder`` has been
imported).  Relative paths are refused: a config cannot know which package it will be read from.
"""

from __future__ import annotations

import logging
from importlib import import_module
from types import ModuleType
from typing import Any

__all__ = ["get_class", "get_method", "get_object", "get_static_method", "locate"]

_log = logging.getLogger("hydra.utils")
"""Hydra logs discovery failures on ``hydra.utils``; log filters written for Hydra keep working."""


def locate(path: str) -> Any:
    """Return the object named by the absolute dotted ``path`` (module, class, function, attribute).

    Raises ``ImportError`` (with the underlying error chained) when a part cannot be found, and
    ``ValueError`` for a path with an empty segment.
    """
    if path == "":
        raise ImportError("Empty path")
    parts = path.split(".")
    if any(part == "" for part in parts):
        raise ValueError(
            f"Error loading '{path}': invalid dotstring.\nRelative imports are not supported."
        )
    head = parts[0]
    try:
        found: Any = import_module(head)
    except Exception as error:
        located = _hydra_alias(path, error)
        if located is not _NOT_FOUND:
            return located
        raise ImportError(
            f"Error loading '{path}':\n{error!r}\nAre you sure that module '{head}' is installed?"
        ) from error
    for index in range(1, len(parts)):
        found = _step(found, parts, index, path)
    return found


_NOT_FOUND = object()


def _hydra_alias(path: str, error: Exception) -> Any:
    """``hydra.utils.get_class`` & co. in configs written for Hydra, when hydra-core is not installed.

    Hydra's public module paths are runlab's (``import runlab as hydra``), so a config naming
    ``hydra.X`` means ``runlab.X``.  Only tried when ``hydra`` itself cannot be imported; if the
    runlab path does not exist either, the caller reports the original error.
    """
    if not (isinstance(error, ModuleNotFoundError) and error.name == "hydra"):
        return _NOT_FOUND
    if not path.startswith("hydra.") or path.startswith("hydra._internal"):
        return _NOT_FOUND
    try:
        return locate("runlab" + path[len("hydra") :])
    except (ImportError, ValueError):
        return _NOT_FOUND


def _step(parent: Any, parts: list[str], index: int, path: str) -> Any:
    """Follow one segment: an attribute, or (on a module) a submodule not imported yet."""
    part = parts[index]
    parent_path = ".".join(parts[:index])
    try:
        return getattr(parent, part)
    except AttributeError as missing_attribute:
        if not isinstance(parent, ModuleType):
            raise ImportError(  # noqa: TRY004 - Hydra's callers catch ImportError
                f"Error loading '{path}':\n{missing_attribute!r}\n"
                f"Are you sure that '{part}' is an attribute of '{parent_path}'?"
            ) from missing_attribute
    try:
        return import_module(".".join(parts[: index + 1]))
    except ModuleNotFoundError as not_found:
        raise ImportError(
            f"Error loading '{path}':\n{not_found!r}\n"
            f"Are you sure that '{part}' is importable from module '{parent_path}'?"
        ) from not_found
    except Exception as broken:
        # The submodule exists but failed while importing: its own error is the useful part.
        raise ImportError(f"Error loading '{path}':\n{broken!r}") from broken


def get_class(path: str) -> type:
    """The class at ``path``; anything else is a ``ValueError`` naming what was found instead."""
    try:
        found = locate(path)
        if not isinstance(found, type):
            raise ValueError(  # noqa: TRY004 - Hydra raises ValueError here
                f"Located non-class of type '{type(found).__name__}' while loading '{path}'"
            )
        return found
    except Exception as error:
        _log.error(f"Error getting class at {path}: {error}")
        raise


def get_method(path: str) -> Any:
    """The callable at ``path`` (function, static/class method, class, callable instance)."""
    try:
        found = locate(path)
        if not callable(found):
            raise ValueError(  # noqa: TRY004 - Hydra raises ValueError here
                f"Located non-callable of type '{type(found).__name__}' while loading '{path}'"
            )
        return found
    except Exception as error:
        _log.error(f"Error getting callable at {path} : {error}")
        raise


get_static_method = get_method
"""Hydra's alias: a static method is looked up like any other callable."""


def get_object(path: str) -> Any:
    """Whatever ``path`` names, with no type check (module constants, instances, modules)."""
    try:
        return locate(path)
    except Exception as error:
        _log.error(f"Error getting object at {path} : {error}")
        raise
