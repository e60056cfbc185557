"""How errors reach the user: compact messages for mistakes, trimmed tracebacks for task failures.

A user mistake (a ``CompactHydraException``) is printed as its message plus the OmegaConf error that
caused it; a task's exception is printed with the frames of runlab itself removed from the top and
OmegaConf's internals removed from the bottom, so the first frame shown is the user's task.  Both end
with Hydra's hint about ``HYDRA_FULL_ERROR``, which (like a debugger) disables all of this.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import CodeType, TracebackType
from typing import NoReturn, TypeVar

__all__ = [
    "FULL_ERROR_HINT",
    "full_error_requested",
    "print_compact_error",
    "register_task_boundary",
    "run_and_report",
    "trimmed_traceback",
]

T = TypeVar("T")

FULL_ERROR_HINT = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace."

# Code objects of the functions that call the user's task: frames up to and including them are runlab's.
_TASK_BOUNDARIES: set[CodeType] = set()


def register_task_boundary(function: Callable[..., object]) -> None:
    """Mark ``function`` as the place where runlab calls user code (used to trim tracebacks)."""
    _TASK_BOUNDARIES.add(function.__code__)


def full_error_requested() -> bool:
    """``HYDRA_FULL_ERROR=1`` or a debugger is attached: let exceptions propagate untouched."""
    if os.environ.get("HYDRA_FULL_ERROR") == "1":
        return True
    if "pydevd" in sys.modules:
        return True
    tracer = sys.gettrace()
    if tracer is not None and "bdb" in sys.modules:
        import bdb

        return isinstance(getattr(tracer, "__self__", None), bdb.Bdb)
    return False


def _is_omegaconf_frame(tb: TracebackType) -> bool:
    module = tb.tb_frame.f_globals.get("__name__", "")
    return isinstance(module, str) and (module == "omegaconf" or module.startswith("omegaconf."))


def trimmed_traceback(tb: TracebackType | None) -> tuple[TracebackType | None, bool]:
    """Drop runlab's frames before the task and OmegaConf's frames after it.

    Returns the new chain and whether a task boundary was found (without one, nothing is trimmed).
    """
    boundary: TracebackType | None = None
    cursor = tb
    while cursor is not None:
        if cursor.tb_frame.f_code in _TASK_BOUNDARIES:
            boundary = cursor
        cursor = cursor.tb_next
    if boundary is None:
        return tb, False
    kept: list[TracebackType] = []
    cursor = boundary.tb_next
    while cursor is not None and not _is_omegaconf_frame(cursor):
        kept.append(cursor)
        cursor = cursor.tb_next
    rebuilt: TracebackType | None = None
    for original in reversed(kept):
        rebuilt = TracebackType(rebuilt, original.tb_frame, original.tb_lasti, original.tb_lineno)
    return rebuilt, True


def format_task_exception(error: BaseException) -> str:
    """The traceback text printed for a failed task (also stored in ``JobResult.traceback``)."""
    import traceback

    tb, _found = trimmed_traceback(error.__traceback__)
    return "".join(traceback.format_exception(type(error), error, tb))


def compact_message(error: BaseException) -> str:
    """A compact error's text: its message, then the OmegaConf error that caused it, if any."""
    lines = [str(error)]
    cause = error.__cause__
    if cause is not None and _is_omegaconf_error(cause):
        lines.append(str(cause))
    return "\n".join(lines)


def _is_omegaconf_error(error: BaseException) -> bool:
    module = type(error).__module__
    return module == "omegaconf" or module.startswith("omegaconf.")


def print_compact_error(error: BaseException) -> None:
    sys.stderr.write(compact_message(error) + "\n")
    sys.stderr.write(FULL_ERROR_HINT + "\n")


def _exit(code: int) -> NoReturn:
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)


def run_and_report(function: Callable[[], T]) -> T:
    """Call ``function``; turn its failure into a report on stderr and exit status 1."""
    try:
        return function()
    except Exception as error:  # this is the top-level error boundary
        if full_error_requested():
            raise
        from runlab.errors import CompactHydraException

        try:
            if isinstance(error, CompactHydraException):
                print_compact_error(error)
                _exit(1)
            import traceback

            tb, found = trimmed_traceback(error.__traceback__)
            if not found:
                # Not a task failure and not a known user mistake: a bug, shown in full.
                traceback.print_exception(type(error), error, error.__traceback__)
                _exit(1)
            traceback.print_exception(type(error), error, tb)
            sys.stderr.write(FULL_ERROR_HINT + "\n")
            _exit(1)
        except SystemExit:
            raise
        except Exception as formatting_error:  # noqa: BLE001 - report, then surface the original
            sys.stderr.write(
                f"An error occurred during Hydra's exception formatting:\n{formatting_error!r}\n"
            )
            raise error from None
