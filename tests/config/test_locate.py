"""Dotted-path lookup: what it finds, and the exact words it uses when it cannot."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from runlab.config.locate import get_class, get_method, get_object, get_static_method, locate


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway package ``lookup_pkg`` with a good module and one that fails while importing."""
    root = tmp_path / "lookup_pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("VALUE = 1\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "leaf.py").write_text(
        textwrap.dedent(
            """
            class Thing:
                class Inner:
                    pass

                @staticmethod
                def make() -> str:
                    return "made"
            """
        )
    )
    (root / "broken.py").write_text("raise RuntimeError('cannot import me')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "lookup_pkg"
    for name in [m for m in sys.modules if m == "lookup_pkg" or m.startswith("lookup_pkg.")]:
        del sys.modules[name]


def test_locates_modules_classes_and_attributes(package: str) -> None:
    assert locate("json") is json
    assert locate("json.decoder.JSONDecoder") is json.decoder.JSONDecoder
    thing = locate(f"{package}.sub.leaf.Thing")
    assert locate(f"{package}.sub.leaf.Thing.Inner") is thing.Inner
    assert locate(f"{package}.sub.leaf.Thing.make")() == "made"
    assert locate(f"{package}.VALUE") == 1


def test_submodules_are_imported_on_demand(package: str) -> None:
    assert f"{package}.sub.leaf" not in sys.modules
    locate(f"{package}.sub.leaf.Thing")
    assert f"{package}.sub.leaf" in sys.modules


def test_empty_path_is_an_import_error() -> None:
    with pytest.raises(ImportError, match="^Empty path$"):
        locate("")


@pytest.mark.parametrize("path", [".a", "a.", "a..b"])
def test_relative_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError) as raised:
        locate(path)
    assert str(raised.value) == (
        f"Error loading '{path}': invalid dotstring.\nRelative imports are not supported."
    )


def test_missing_top_level_module_names_the_module() -> None:
    with pytest.raises(ImportError) as raised:
        locate("no_such_module_xyz.thing")
    assert str(raised.value) == (
        "Error loading 'no_such_module_xyz.thing':\n"
        "ModuleNotFoundError(\"No module named 'no_such_module_xyz'\")\n"
        "Are you sure that module 'no_such_module_xyz' is installed?"
    )
    assert isinstance(raised.value.__cause__, ModuleNotFoundError)


def test_missing_submodule_names_the_parent(package: str) -> None:
    with pytest.raises(ImportError) as raised:
        locate(f"{package}.sub.nope.X")
    assert str(raised.value).endswith(
        f"Are you sure that 'nope' is importable from module '{package}.sub'?"
    )


def test_missing_attribute_of_a_class_names_the_owner(package: str) -> None:
    with pytest.raises(ImportError) as raised:
        locate(f"{package}.sub.leaf.Thing.nope")
    assert str(raised.value) == (
        f"Error loading '{package}.sub.leaf.Thing.nope':\n"
        "AttributeError(\"type object 'Thing' has no attribute 'nope'\")\n"
        f"Are you sure that 'nope' is an attribute of '{package}.sub.leaf.Thing'?"
    )
    assert isinstance(raised.value.__cause__, AttributeError)


def test_a_submodule_that_fails_to_import_reports_its_own_error(package: str) -> None:
    with pytest.raises(ImportError) as raised:
        locate(f"{package}.broken.X")
    assert str(raised.value) == (
        f"Error loading '{package}.broken.X':\nRuntimeError('cannot import me')"
    )
    assert isinstance(raised.value.__cause__, RuntimeError)


def test_builtins_need_their_module_prefix() -> None:
    assert locate("builtins.len") is len
    with pytest.raises(ImportError, match="Are you sure that module 'len' is installed"):
        locate("len")


def test_get_class_returns_classes_only(package: str, caplog: pytest.LogCaptureFixture) -> None:
    assert get_class("json.JSONDecoder") is json.JSONDecoder
    with caplog.at_level(logging.ERROR, logger="hydra.utils"), pytest.raises(ValueError) as raised:
        get_class("json.dumps")
    message = "Located non-class of type 'function' while loading 'json.dumps'"
    assert str(raised.value) == message
    assert caplog.records[-1].name == "hydra.utils"
    assert caplog.records[-1].getMessage() == f"Error getting class at json.dumps: {message}"


def test_get_method_returns_callables_only(caplog: pytest.LogCaptureFixture) -> None:
    assert get_method("json.dumps") is json.dumps
    assert get_method("json.JSONDecoder") is json.JSONDecoder  # classes are callable too
    with caplog.at_level(logging.ERROR, logger="hydra.utils"), pytest.raises(ValueError) as raised:
        get_method("sys.maxsize")
    message = "Located non-callable of type 'int' while loading 'sys.maxsize'"
    assert str(raised.value) == message
    assert caplog.records[-1].getMessage() == f"Error getting callable at sys.maxsize : {message}"


def test_get_static_method_is_get_method() -> None:
    assert get_static_method is get_method


def test_get_object_has_no_type_check(caplog: pytest.LogCaptureFixture) -> None:
    assert get_object("sys.maxsize") == sys.maxsize
    assert get_object("json") is json
    with caplog.at_level(logging.ERROR, logger="hydra.utils"), pytest.raises(ImportError):
        get_object("json.nope")
    assert caplog.records[-1].getMessage().startswith("Error getting object at json.nope : ")


def test_lookup_helpers_are_not_subject_to_the_target_policy() -> None:
    import os

    assert get_method("os.system") is os.system
    assert get_object("os.remove") is os.remove


def test_hydra_paths_mean_runlab_when_hydra_core_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Configs written for Hydra say ``_target_: hydra.utils.get_class``; runlab is ``hydra``."""
    import runlab.utils

    monkeypatch.setitem(sys.modules, "hydra", None)  # makes ``import hydra`` fail, installed or not
    assert locate("hydra.utils.get_class") is runlab.utils.get_class
    with pytest.raises(ImportError) as raised:
        locate("hydra.utils.nope")
    assert "Are you sure that module 'hydra' is installed?" in str(raised.value)
    with pytest.raises(ImportError):
        locate("hydra._internal.utils._locate")  # no alias into implementation modules
