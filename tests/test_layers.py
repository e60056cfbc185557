"""The layering rules of docs/architecture.md, checked by parsing every module's imports.

A boundary nobody checks does not hold: the pure core must not reach the runtime, and tracking must not
depend on how configs are composed or run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "runlab"

# package -> packages it must never import (at any depth, lazily or not)
FORBIDDEN = {
    "runlab.config": ("runlab.runtime", "runlab.plugins", "runlab.tracking", "runlab.cli", "runlab.web"),
    "runlab.tracking": ("runlab.config", "runlab.runtime", "runlab.plugins", "runlab.cli", "runlab.web"),
    "runlab.plugins": ("runlab.cli", "runlab.web"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute names of every module imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = _package_of(path) if package is None else package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: _module_name(p))
def test_module_respects_layers(path: Path) -> None:
    name = _module_name(path)
    imported = _imports(path)
    for package, forbidden in FORBIDDEN.items():
        if name == package or name.startswith(package + "."):
            bad = sorted(i for i in imported for f in forbidden if i == f or i.startswith(f + "."))
            assert not bad, f"{name} (in {package}) imports {bad}"


def test_the_check_sees_violations(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from runlab.runtime import jobs\nimport runlab.config.compose\nfrom ..tracking import store\n")
    found = _imports(sample, package="runlab.config")
    assert {"runlab.runtime", "runlab.runtime.jobs", "runlab.config.compose", "runlab.tracking.store"} <= found
