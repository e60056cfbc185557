"""Error reporting: compact messages with their OmegaConf cause, trimmed tracebacks, the full-error switch."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import ConfigAttributeError

from runlab.errors import ConfigCompositionException
from runlab.runtime import reporting

HINT = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"


def _boundary(function: Any) -> Any:
    return function()


reporting.register_task_boundary(_boundary)


def test_compact_error_prints_message_cause_and_hint(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> None:
        try:
            OmegaConf.create({"a": 1}, flags={"struct": True}).b  # noqa: B018
        except ConfigAttributeError as cause:
            raise ConfigCompositionException("Could not override 'b'.") from cause

    with pytest.raises(SystemExit) as exit_info:
        reporting.run_and_report(fail)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("Could not override 'b'.\nKey 'b' is not in struct\n    full_key: b\n")
    assert err.endswith(HINT)


def test_non_omegaconf_cause_is_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> None:
        raise ConfigCompositionException("top") from KeyError("hidden")

    with pytest.raises(SystemExit):
        reporting.run_and_report(fail)
    assert capsys.readouterr().err == "top\n" + HINT


def user_code() -> None:
    OmegaConf.create({"a": "???"}).a  # noqa: B018


def test_task_traceback_starts_at_the_task_and_stops_before_omegaconf(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        reporting.run_and_report(lambda: _boundary(user_code))
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].endswith("in user_code") and "omegaconf" not in lines[1]
    assert "omegaconf.errors.MissingMandatoryValue: Missing mandatory value: a" in lines
    assert not any("omegaconf/" in line for line in lines)
    assert err.endswith(HINT)


def test_error_outside_a_task_shows_the_full_traceback_without_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def bug() -> None:
        raise RuntimeError("internal")

    with pytest.raises(SystemExit):
        reporting.run_and_report(bug)
    err = capsys.readouterr().err
    assert "in bug" in err and "RuntimeError: internal" in err
    assert "HYDRA_FULL_ERROR" not in err


def test_full_error_env_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(ConfigCompositionException):
        reporting.run_and_report(lambda: (_ for _ in ()).throw(ConfigCompositionException("x")))


def test_success_returns_the_value() -> None:
    assert reporting.run_and_report(lambda: 5) == 5


def test_a_plain_trace_function_is_not_a_debugger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "gettrace", lambda: (lambda *args: None))
    assert not reporting.full_error_requested()


def test_a_bdb_debugger_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    import bdb

    monkeypatch.setattr(sys, "gettrace", lambda: bdb.Bdb().trace_dispatch)
    assert reporting.full_error_requested()
