"""Logging from settings: the dictConfig subset, hydra.verbose, and the JSON-lines job log."""

from __future__ import annotations

import json
import logging
import logging.config
from pathlib import Path
from typing import Any

import pytest
from runtime.runtime_helpers import DEFAULT_JOB_LOGGING

from runlab.runtime import logs


def _settings(tmp_path: Path) -> dict[str, Any]:
    settings = json.loads(json.dumps(DEFAULT_JOB_LOGGING))
    settings["handlers"]["file"]["filename"] = str(tmp_path / "job.log")
    return settings


def _describe() -> list[tuple[str, int, tuple[str, ...], bool]]:
    described = []
    for name in ["", "other", "other.child", "quiet"]:
        logger = logging.getLogger(name)
        described.append(
            (
                name,
                logger.level,
                tuple(sorted(type(h).__name__ for h in logger.handlers)),
                logger.disabled,
            )
        )
    return described


@pytest.mark.parametrize("disable_existing", [True, False])
def test_simple_path_matches_dictconfig(tmp_path: Path, disable_existing: bool) -> None:
    settings = _settings(tmp_path)
    settings["disable_existing_loggers"] = disable_existing
    settings["loggers"] = {
        "other": {"level": "WARNING", "handlers": ["console"], "propagate": False}
    }
    for name in ("other", "other.child", "quiet"):
        logging.getLogger(name)
    assert logs._is_simple(settings)
    logging.config.dictConfig(json.loads(json.dumps(settings)))
    expected = _describe()
    logs.apply_logging_config(json.loads(json.dumps(settings)))
    assert _describe() == expected
    assert logging.getLogger("other").propagate is False


def test_unusual_settings_use_the_real_dictconfig(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    settings["formatters"]["simple"]["style"] = "%"
    assert not logs._is_simple(settings)
    logs.apply_logging_config(settings)
    assert any(isinstance(h, logging.FileHandler) for h in logging.getLogger().handlers)


def test_null_root_leaves_logging_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    logs.configure_log({"version": 1, "root": None})
    assert root.handlers == before


def test_null_node_installs_basic_stdout_logging(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure_log(None)
    logging.getLogger("x").info("hello")
    assert "[x][INFO] - hello" in capsys.readouterr().out


def test_configured_log_lines_have_hydra_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.configure_log(_settings(tmp_path))
    logging.getLogger("__main__").info("Info level message")
    logs.flush_all_handlers()
    out = capsys.readouterr().out
    assert "][__main__][INFO] - Info level message" in out
    assert "Info level message" in (tmp_path / "job.log").read_text()


@pytest.mark.parametrize(
    ("verbose", "debug_loggers"),
    [(True, {"", "a", "b.c"}), ("a", {"a"}), (["a", "b"], {"a", "b.c"}), (False, set())],
)
def test_verbose_sets_debug_levels(tmp_path: Path, verbose: Any, debug_loggers: set[str]) -> None:
    for name in ("a", "b"):
        logging.getLogger(name).setLevel(logging.NOTSET)
    logs.configure_log(_settings(tmp_path), verbose)
    enabled = {
        name for name in ("", "a", "b.c") if logging.getLogger(name).isEnabledFor(logging.DEBUG)
    }
    assert enabled == debug_loggers
    for name in ("a", "b"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_json_log_records_each_line(tmp_path: Path) -> None:
    logging.getLogger().setLevel(logging.INFO)
    handler = logs.attach_json_log(str(tmp_path))
    try:
        logging.getLogger("job").info("value %d", 3)
        try:
            raise ValueError("bad")
        except ValueError:
            logging.getLogger("job").exception("failed")
    finally:
        logs.detach_json_log(handler)
    lines = [
        json.loads(line) for line in (tmp_path / ".runlab" / "log.jsonl").read_text().splitlines()
    ]
    assert [line["message"] for line in lines] == ["value 3", "failed"]
    assert (
        lines[0]["level"] == "INFO"
        and lines[0]["logger"] == "job"
        and lines[0]["exception"] is None
    )
    assert "ValueError: bad" in lines[1]["exception"]
    assert set(lines[0]) == {"time", "level", "logger", "message", "exception"}


def test_json_log_creates_no_file_when_nothing_is_logged(tmp_path: Path) -> None:
    logs.detach_json_log(logs.attach_json_log(str(tmp_path)))
    assert not (tmp_path / ".runlab").exists()
