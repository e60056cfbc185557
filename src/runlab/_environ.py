"""Environment variables set again for every job, without the C library keeping each value.

glibc's ``setenv`` (behind ``os.environ[name] = value``) never frees a value it has installed: a
``getenv`` caller may still hold it, so it keeps every distinct ``NAME=value`` string for good.  A
variable set to each job's run directory therefore costs ~0.1 KB a job, 2 MB over a 20,000-job sweep,
in memory Python cannot see.  POSIX ``putenv`` instead makes the caller's buffer part of the
environment, so a process that sets the same variable many times writes each value into one buffer
of its own, in place.

The first values of a name still go through ``os.environ``: a single run or a small sweep sets it a
few times, and does not pay for importing :mod:`ctypes`.  Python's ``os.environ`` mapping is kept equal
to the C environment either way, so forked children and ``os.environ.get`` see the value as well as
``subprocess`` children and C code do.
"""

from __future__ import annotations

import os
import threading
from typing import Any

__all__ = ["set_variable", "unset_variable"]

_PLAIN_SETS = 64
"""Values of a name set through ``os.environ`` before its own buffer is used: small sweeps leak a
few KB at most and do not import :mod:`ctypes` (~4 ms)."""

_lock = threading.Lock()
_plain_sets: dict[str, int] = {}
_buffers: dict[str, list[Any]] = {}  # every buffer handed to putenv, kept alive (grown by doubling)
_putenv: Any = None  # libc's putenv once loaded, False where it cannot be used


def set_variable(name: str, value: str) -> None:
    """``os.environ[name] = value``, in one reused buffer once ``name`` has been set many times."""
    with _lock:
        done = _plain_sets.get(name, 0)
        if done >= _PLAIN_SETS and _put_in_place(name, value):
            return
        _plain_sets[name] = done + 1
        os.environ[name] = value


def unset_variable(name: str) -> None:
    """Remove ``name`` from the environment (``unsetenv`` frees nothing, so nothing leaks)."""
    with _lock:
        os.environ.pop(name, None)


def _put_in_place(name: str, value: str) -> bool:
    putenv = _load_putenv()
    data = getattr(os.environ, "_data", None)
    if not putenv or not isinstance(data, dict):
        return False
    if not name or "=" in name:
        return False  # let os.environ raise its own error
    entry = os.fsencode(f"{name}={value}") + b"\0"
    if b"\0" in entry[:-1]:
        return False  # likewise
    buffers = _buffers.setdefault(name, [])
    if not buffers or len(buffers[-1]) < len(entry):
        import ctypes

        buffers.append(ctypes.create_string_buffer(max(len(entry) * 2, 256)))
    buffer = buffers[-1]
    buffer[: len(entry)] = entry
    if putenv(buffer) != 0:
        return False
    data[os.environ.encodekey(name)] = os.environ.encodevalue(value)
    return True


def _load_putenv() -> Any:
    global _putenv
    if _putenv is None:
        _putenv = False
        if os.name == "posix":
            try:
                import ctypes

                libc = ctypes.CDLL(None, use_errno=True)
                function = libc.putenv
                function.argtypes = [ctypes.c_char_p]
                function.restype = ctypes.c_int
                _putenv = function
            except (OSError, AttributeError):
                pass
    return _putenv


def _new_lock_in_child() -> None:
    """A child forked while another thread held the lock must not inherit it held."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)
