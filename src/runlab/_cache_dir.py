"""Where runlab keeps what it derives once per installation (parsed builtin configs, compiled code).

``$RUNLAB_CACHE_DIR``, else ``$XDG_CACHE_HOME/runlab``, else ``~/.cache/runlab``; ``RUNLAB_NO_CACHE=1``
turns every such cache off.  File names carry the interpreter's cache tag (``cpython-311``), as
``__pycache__`` does, since what is stored there is only valid for one interpreter version.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["cache_file", "write_cache_file"]


def cache_file(stem: str, suffix: str) -> str | None:
    """``<cache dir>/<stem>-<interpreter tag><suffix>``, or None when caching is turned off."""
    if os.environ.get("RUNLAB_NO_CACHE") == "1":
        return None
    root = os.environ.get("RUNLAB_CACHE_DIR")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "runlab")
    return os.path.join(root, f"{stem}-{sys.implementation.cache_tag}{suffix}")


def write_cache_file(path: str, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` with what ``write`` writes, atomically (temp file + rename): concurrent
    processes never see half a file, the last one wins.  Failing is silent: a read-only home or a
    full disk only costs speed."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as stream:
            write(stream)
        os.replace(temporary, path)
    except Exception:  # noqa: BLE001 - see above
        try:
            os.unlink(temporary)
        except OSError:
            pass
