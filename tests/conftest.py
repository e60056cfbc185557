"""Hermetic defaults for every test: a temporary cwd, a clean environment, logging reset afterwards."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# runlab's on-disk cache of its built-in configs goes to a directory of this test session, not the
# user's cache (every app the tests start inherits it, so the cache is exercised, not bypassed).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="runlab-test-cache-")


@pytest.fixture(autouse=True)
def _hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    for name in ("HYDRA_FULL_ERROR", "RUNLAB_INDEX", "HYDRA_MAIN_MODULE", "SELF_WARNING_AS_ERROR"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    loggers, disabled_below = _logger_states(), logging.root.manager.disable
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    _restore_logger_states(loggers)
    logging.disable(disabled_below)


_LoggerState = tuple[bool, bool, int, list[logging.Handler]]


def _logger_states() -> dict[logging.Logger, _LoggerState]:
    """Every named logger's switches, so a test that reconfigures logging cannot silence later tests.

    ``dictConfig`` with ``disable_existing_loggers: true`` disables every logger that exists at that
    moment; without this a test of that setting made caplog-based tests fail in whichever worker ran
    them afterwards.
    """
    return {
        logger: (logger.disabled, logger.propagate, logger.level, list(logger.handlers))
        for logger in list(logging.root.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)
    }


def _restore_logger_states(before: dict[logging.Logger, _LoggerState]) -> None:
    for logger in list(logging.root.manager.loggerDict.values()):
        if not isinstance(logger, logging.Logger):
            continue
        state = before.get(logger)
        if state is None:
            logger.disabled = False  # created during the test: only a reconfiguration disables it
            continue
        logger.disabled, logger.propagate, logger.level, logger.handlers = (
            state[0], state[1], state[2], list(state[3]))
