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


def test_job_logging_settings_of_template_jobs_resolve_each_jobs_own_values(tmp_path: Path) -> None:
    # Jobs copied from one sweep template reuse the template's conversion; the values that
    # interpolate (the log file, here also a format and a list entry) must still be each job's.
    from runtime.runtime_helpers import make_config

    from runlab.config._clone import clone_tree
    from runlab.runtime.templates import mark_template, template_cache

    job_logging = json.loads(json.dumps(DEFAULT_JOB_LOGGING))
    job_logging["handlers"]["file"]["filename"] = "${hydra.runtime.output_dir}/${hydra.job.name}.log"
    # a resolver: not a form runlab resolves itself, so OmegaConf does (the fallback path)
    job_logging["formatters"]["simple"]["format"] = "[${hydra.job.num}] ${oc.select:hydra.job.name,x}"
    job_logging["root"]["handlers"] = ["console", "${hydra.job.override_dirname}"]
    template = make_config(tmp_path, job_logging=job_logging)
    for num in range(3):
        job = clone_tree(template)
        mark_template(job, "logging-test-template")
        job.hydra.job.num = num
        job.hydra.job.override_dirname = f"file{num}"
        job.hydra.runtime.output_dir = str(tmp_path / str(num))
        expected = logs._to_plain(job.hydra.job_logging)
        assert expected["handlers"]["file"]["filename"] == str(tmp_path / str(num) / "app.log")
        assert expected["formatters"]["simple"]["format"] == f"[{num}] app"
        assert logs.job_logging_settings(job) == expected
    assert "unresolved" in (template_cache(job, "job_logging") or {})
    settings = logs.job_logging_settings(job)
    assert settings is not None
    settings["handlers"]["file"]["filename"] = "changed"  # callers get their own copy
    assert logs.job_logging_settings(job) == expected


def test_job_logging_settings_without_a_template_or_a_node(tmp_path: Path) -> None:
    from runtime.runtime_helpers import make_config

    config = make_config(tmp_path)
    config.hydra.runtime.output_dir = str(tmp_path)
    assert logs.job_logging_settings(config) == logs._to_plain(config.hydra.job_logging)
    assert logs.job_logging_settings(make_config(tmp_path, job_logging=None)) is None


def test_copy_settings_copies_containers_and_shares_values() -> None:
    stream = object()
    settings = {"handlers": {"a": {"stream": stream, "args": [1, {"x": 2}]}}, "version": 1}
    copied = logs.copy_settings(settings)
    assert copied == settings
    assert copied["handlers"]["a"] is not settings["handlers"]["a"]
    assert copied["handlers"]["a"]["args"][1] is not settings["handlers"]["a"]["args"][1]
    assert copied["handlers"]["a"]["stream"] is stream
