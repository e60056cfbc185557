"""runlab's own ``hydra/*`` configs, parsed and merged once per installation and kept on disk.

Every run needs the ``hydra`` node, and building it from runlab's package files (YAML parsing, the
structured ``HydraConf`` schema, a dozen typed merges) is most of what a trivial app spends after
``import omegaconf``.  Those inputs are fixed for one installation, so their parsed and merged form
is pickled into the user's cache directory and reused by the next process, the way Python reuses
bytecode.  A cache entry is trusted only when its fingerprint (runlab, OmegaConf and Python
versions, plus size and modification time of every file of ``runlab.conf`` and of the
composition code in ``runlab.config``) matches; anything unreadable is ignored and rebuilt.  The
user's own configs never go here.

``RUNLAB_CACHE_DIR`` moves the cache; ``RUNLAB_NO_CACHE=1`` turns it off (``runlab._cache_dir``).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from runlab._cache_dir import cache_file, write_cache_file

__all__ = [
    "PREFIXES", "STABLE", "ensure_restored", "installation_fingerprint", "persistable", "save",
]

_FORMAT = 1
_MAX_PREFIXES = 32
"""Merged ``hydra`` nodes kept per file (one per search path and version base in use)."""

PERSISTENT_ORIGINS = ("pkg:runlab.conf", "builtin-store")
"""Stable-key origins whose content is fixed by the installation (see ``_loaded._stable_key``)."""

STABLE: dict[tuple[str, str, str], Any] = {}
"""Stable key -> ``LoadedConfig`` of a runlab-owned ``hydra/*`` config, shared by every composition
of the process (``shared=True``: merging copies it)."""

PREFIXES: dict[tuple[Any, ...], Any] = {}
"""Merged ``hydra`` node (pickled) for a search path, version base and set of runlab-owned configs:
the same in every composition, so built once (see ``_merge._hydra_prefix``)."""

_state: dict[str, Any] = {"restored": False, "fingerprint": None}


def _cache_file() -> str | None:
    return cache_file("builtin-configs", f"-f{_FORMAT}.pickle")


def _fingerprint() -> tuple[Any, ...]:
    if _state["fingerprint"] is None:
        import omegaconf

        import runlab.conf
        from runlab.version import __version__

        stamps: list[tuple[str, int, int]] = []
        for directory in runlab.conf.__path__:
            for root, dirs, files in os.walk(directory):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith((".yaml", ".yml")):
                        info = os.stat(os.path.join(root, name))
                        stamps.append((os.path.relpath(os.path.join(root, name), directory),
                                       info.st_mtime_ns, info.st_size))
        # The code that builds them too: a changed composition module (an editable install being
        # worked on) must not be answered from a cache its old version wrote.
        code_dir = os.path.dirname(os.path.abspath(__file__))  # runlab/config, with settings.py
        code = tuple(
            (entry.name, entry.stat().st_mtime_ns, entry.stat().st_size)
            for entry in sorted(os.scandir(code_dir), key=lambda e: e.name)
            if entry.name.endswith(".py")
        )
        _state["fingerprint"] = (
            __version__, omegaconf.__version__, sys.version, code, tuple(stamps),
        )
    return tuple(_state["fingerprint"])


def installation_fingerprint() -> tuple[Any, ...]:
    """What every composition's result depends on besides its own inputs: the versions, runlab's
    ``hydra/*`` files and its composition code (also the key of the composition cache)."""
    return _fingerprint()


def ensure_restored() -> None:
    """Fill :data:`STABLE` and :data:`PREFIXES` from disk, once per process."""
    if _state["restored"]:
        return
    _state["restored"] = True
    path = _cache_file()
    if path is None:
        return
    try:
        with open(path, "rb") as stream:
            import pickle  # here: a start served by the composition cache never needs it

            data = pickle.load(stream)
        if not isinstance(data, dict) or data.get("fingerprint") != _fingerprint():
            return
        for key, value in data["stable"].items():
            STABLE.setdefault(key, value)
        for key, value in data["prefixes"].items():
            PREFIXES.setdefault(key, value)
    except Exception:  # noqa: BLE001 - a missing, stale or damaged cache is rebuilt, never fatal
        return


def persistable(key: Any) -> bool:
    """Is a stable key (``(origin, config_path, version_base)``) fixed by the installation?"""
    return isinstance(key, tuple) and bool(key) and key[0] in PERSISTENT_ORIGINS


def save() -> None:
    """Write the persistable part of the process caches (atomically: temp file + rename)."""
    path = _cache_file()
    if path is None:
        return
    kept_prefixes = [(k, v) for k, v in PREFIXES.items() if k[0] == "persistent"]
    data = {
        "fingerprint": _fingerprint(),
        "stable": {k: v for k, v in STABLE.items() if persistable(k)},
        "prefixes": dict(kept_prefixes[-_MAX_PREFIXES:]),
    }
    import pickle

    write_cache_file(
        path, lambda stream: pickle.dump(data, stream, protocol=pickle.HIGHEST_PROTOCOL)
    )
