"""Running a case in this process and observing what a user would see (stderr, exit status, raised
exception or warning).  App cases call ``run_app`` as a decorated main does; ``sys.argv[0]`` is
``app.py`` so argparse's messages read as for a script."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from error_cases import API_IMPORTS, FILES, Api, App, Cli


@dataclass(frozen=True)
class Observed:
    """What a case showed: exit status (None when the call raised), stderr, and the text of the
    exception raised or the warnings given."""

    code: int | None
    err: str
    text: str | None = None  # "Type: message" of a raised exception, or a warning's message


def task(cfg: Any) -> None:
    """The app's task: instantiates ``inst`` and fails with ``fail`` when the command line adds them."""
    from runlab.utils import instantiate

    if "inst" in cfg:
        instantiate(cfg.inst)
    if "fail" in cfg:
        raise RuntimeError(cfg.fail)


@dataclass
class MySQLConfig:
    """The ``schema/mysql`` structured config of the typed cases."""

    driver: str = "mysql"
    port: int = 3306


def write_files(root: Path, files: Mapping[str, str]) -> None:
    """Write ``{relative path: text}`` under ``root``."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _lock(sweep_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Hold ``sweep_dir``'s lock as a live driving process would (runlab stops waiting at once)."""
    from runlab.runtime import sweep_state

    monkeypatch.setattr(sweep_state, "_LOCK_WAIT_SECONDS", 0.0)
    state = sweep_dir / sweep_state.STATE_DIR
    state.mkdir(parents=True)
    fd = os.open(state / sweep_state.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def run_app_case(trigger: App, tmp: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch, warning: str | None) -> Observed:
    """Run the app in-process; ``warning`` set means the row *is* a warning (its text is returned)."""
    from runlab.runtime.app import run_app

    write_files(tmp, {**FILES, **trigger.files})
    argv = [arg.replace("<tmp>", str(tmp)) for arg in trigger.argv]
    monkeypatch.setattr(sys, "argv", ["app.py", *argv])
    lock = _lock(tmp / trigger.lock_sweep, monkeypatch) if trigger.lock_sweep else None
    for name, value in trigger.env.items():
        monkeypatch.setenv(name, value)
    code: int | None = 0
    caught: list[str] = []
    try:
        expected_warning = warning or trigger.warns
        with pytest.warns(UserWarning) if expected_warning else contextlib.nullcontext() as record:
            try:
                run_app(task_function=task, config_path=str(tmp / "conf"), config_name="config",
                        version_base="1.3", args=argv)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
        caught = [str(w.message) for w in record or []]
    finally:
        if lock is not None:
            os.close(lock)
    if trigger.warns:
        assert any(re.search(trigger.warns, text) for text in caught), caught
    return Observed(code, capsys.readouterr().err, "\n".join(caught) if warning else None)


def run_api_case(trigger: Api, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Observed:
    """Run the case's code with Hydra's API names bound to runlab's; it must raise."""
    import runlab

    for name, value in trigger.env.items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {"runlab": runlab, "tmp": str(tmp)}
    exec(API_IMPORTS.format(pkg="runlab"), namespace)  # noqa: S102 - the cases are code, as users write it
    try:
        exec(trigger.code, namespace)  # noqa: S102
    except Exception as error:  # noqa: BLE001 - the error is what is observed
        return Observed(None, "", f"{type(error).__name__}: {error}")
    raise AssertionError("the call raised nothing")


def run_cli_case(trigger: Cli, tmp: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> Observed:
    """Run ``runlab ARGV`` in-process after preparing the index the case asks for."""
    from runlab.cli import main

    if trigger.index == "sweep":
        from run_factory import make_sweep

        make_sweep(tmp / "multirun" / "s1", {"lr": [0.1, 0.2]}, lambda p: p["lr"],
                   index_path=tmp / ".runlab" / "index.db")
    elif trigger.index == "garbage":
        (tmp / "garbage.db").write_text("not an index\n", encoding="utf-8")
    elif trigger.index == "empty":
        (tmp / "empty").mkdir()
        assert main(["index", "empty"]) == 0
    capsys.readouterr()
    if trigger.missing:
        monkeypatch.setitem(sys.modules, trigger.missing, None)  # import fails as if not installed
    try:
        code: int | None = main(list(trigger.argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    return Observed(code, capsys.readouterr().err)
