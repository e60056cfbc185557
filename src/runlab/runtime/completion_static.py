"""Completion without running the app: read ``@main(...)`` from the script's source.

Every TAB press runs a completion query.  Running ``python app.py -sc query=bash`` imports everything
the app imports (often torch or similar, seconds), although completion only needs the config search
path.  When the script's decorator arguments are plain literals and the script registers nothing in
the ConfigStore, ``python -m runlab.runtime.completion_static SCRIPT SHELL`` answers from the source
alone; otherwise it exits with ``FALLBACK`` and the shell function runs the app itself.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Any

from runlab._values import frozen

__all__ = ["FALLBACK", "StaticApp", "main", "read_static_app"]

FALLBACK = 3
"""Exit status meaning "cannot answer without running the app"."""

_UNSET = object()
_DYNAMIC_MARKERS = ("ConfigStore", "HYDRA_MAIN_MODULE", "hydra_plugins")


@frozen
class StaticApp:
    """The decorator arguments found in the source (``version_base`` None means "current")."""

    script: str
    config_path: str | None
    config_name: str | None
    version_base: str | None


def _is_main_decorator(node: ast.expr) -> ast.Call | None:
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return node if name == "main" else None


def _literal(node: ast.expr) -> Any:
    value = ast.literal_eval(node)
    if value is not None and not isinstance(value, str):
        raise ValueError("not a string")
    return value


def read_static_app(script: str) -> StaticApp | None:
    """The app's ``@main`` arguments if they can be known without running it, else None."""
    try:
        with open(script, encoding="utf-8") as file:
            source = file.read()
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError):
        return None
    if any(marker in source for marker in _DYNAMIC_MARKERS):
        return None
    calls = [
        call
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for decorator in node.decorator_list
        if (call := _is_main_decorator(decorator)) is not None
    ]
    if len(calls) != 1 or calls[0].args:
        return None
    found: dict[str, Any] = {}
    try:
        for keyword in calls[0].keywords:
            if keyword.arg not in ("config_path", "config_name", "version_base"):
                return None
            found[keyword.arg] = _literal(keyword.value)
    except ValueError:
        return None
    version_base = found.get("version_base", _UNSET)
    config_path = found.get("config_path", _UNSET)
    if version_base is _UNSET or config_path is _UNSET:
        return None  # the 1.1 defaults (and their warnings) need the real decorator
    return StaticApp(
        script=os.path.abspath(script),
        config_path=config_path,
        config_name=found.get("config_name"),
        version_base=version_base,
    )


def answer(app: StaticApp, shell: str, line: str) -> str:
    """The completion output for ``line``, composed with the app's search path."""
    from runlab.config.compose import ComposeContext, compose_config
    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import create_search_path, main_search_path_dir
    from runlab.runtime.completion import query
    from runlab.runtime.context import register_resolvers
    from runlab.types import RunMode

    register_resolvers()
    main_dir = main_search_path_dir(app.config_path, calling_file=app.script)
    search_path = create_search_path(main_dir).entries
    job_name = os.path.splitext(os.path.basename(app.script))[0]
    context = ComposeContext(
        job_name=job_name,
        version_base=app.version_base or "1.3",
        cwd=os.getcwd(),
        config_name=app.config_name,
    )

    def compose(overrides: list[str], multirun: bool) -> Any:
        return compose_config(
            search_path=search_path,
            config_name=app.config_name,
            overrides=overrides,
            run_mode=RunMode.MULTIRUN if multirun else RunMode.RUN,
            context=context,
            validate_sweep_overrides=False,
        ).config

    return query(shell, compose, ConfigRepository(search_path), line, config_name=app.config_name)


def main(argv: list[str] | None = None) -> int:
    """``python -m runlab.runtime.completion_static SCRIPT SHELL`` (reads ``COMP_LINE``)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        return FALLBACK
    app = read_static_app(args[0])
    if app is None:
        return FALLBACK
    try:
        print(answer(app, args[1], os.environ.get("COMP_LINE", "")))
    except Exception:  # noqa: BLE001 - any doubt: let the app answer for itself
        return FALLBACK
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
