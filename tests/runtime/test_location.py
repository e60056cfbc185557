"""Where an app lives: file mode vs module mode, and the job name derived from it."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from runlab.runtime.location import AppLocation, locate_app


def plain(cfg: Any) -> None:
    pass


def test_imported_function_is_module_mode() -> None:
    location = locate_app(plain)
    assert location.module == __name__ and location.file is None
    assert location.job_name == __name__.rsplit(".", 1)[-1]


def test_wrapped_functions_are_unwrapped() -> None:
    @functools.wraps(plain)
    def wrapper(cfg: Any) -> None:
        pass

    assert locate_app(wrapper).module == __name__


def test_main_module_is_file_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    def task(cfg: Any) -> None:
        pass

    task.__module__ = "__main__"
    location = locate_app(task)
    assert location.module is None and location.file == __file__


def test_forced_main_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_MAIN_MODULE", "pkg.sub.app")
    assert locate_app(plain) == AppLocation(file=None, module="pkg.sub.app")


@pytest.mark.parametrize(
    ("file", "name"), [("/x/my app.py", "my_app"), ("/x/a$b.c.py", "ab.c"), ("/x/t.py", "t")]
)
def test_job_name_from_file_is_sanitized(file: str, name: str) -> None:
    assert AppLocation(file=file, module=None).job_name == name
