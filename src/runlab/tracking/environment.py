"""Facts about the process a run executes in: host, pid (and its start time), Python, packages.

The pid's start time guards liveness checks against pid reuse: a record whose pid is alive but started
at another time belongs to a dead process.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from importlib.machinery import PathFinder
from typing import Any

__all__ = ["host_name", "package_versions", "pid_alive", "process_start_time", "python_info"]

_ALWAYS = ("runlab", "omegaconf", "PyYAML")
_BOOT_TIME: float | None = None


def host_name() -> str:
    """This machine's name as records store it."""
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() returns, without importing socket
    import socket

    return socket.gethostname()


def python_info() -> dict[str, Any]:
    """The interpreter that ran the task."""
    info = sys.version_info
    return {
        "version": f"{info.major}.{info.minor}.{info.micro}",
        "implementation": {"cpython": "CPython", "pypy": "PyPy"}.get(
            sys.implementation.name, sys.implementation.name
        ),
        "executable": sys.executable,
        "platform": _platform_name(),
    }


def _platform_name() -> str:
    """``platform.platform(terse=True)`` on Linux (``Linux-6.1.0-x86_64-with-glibc2.36``) from
    ``os.uname`` and ``confstr``: importing ``platform`` and reading the libc version from the
    interpreter binary costs more than the rest of a run record."""
    uname = os.uname() if hasattr(os, "uname") else None
    if uname is None or uname.sysname != "Linux":
        import platform

        return platform.platform(terse=True)
    try:
        libc = (os.confstr("CS_GNU_LIBC_VERSION") or "").replace(" ", "")
    except (ValueError, OSError):
        libc = ""
    parts = [uname.sysname, uname.release, uname.machine]
    if libc:
        parts.append(f"with-{libc}")
    return "-".join(parts)


_fixed_versions: dict[str, str] | None = None
_scan_cache: tuple[int, dict[str, str]] = (-1, {})


def package_versions() -> dict[str, str]:
    """Versions of runlab's own dependencies and of every third-party package already imported.

    Reading ``__version__`` of imported top-level modules is cheap and captures what the task really
    used (numpy, torch, ...), unlike a scan of every installed distribution.  Both parts are cached
    (distribution metadata parses e-mail headers: ~5 ms a call), the scan until a module is added.
    """
    global _fixed_versions, _scan_cache
    if _fixed_versions is None:
        _fixed_versions = {}
        for dist in _ALWAYS:
            version = distribution_version(dist)
            if version is not None:
                _fixed_versions[dist] = version
    if _scan_cache[0] != len(sys.modules):
        found: dict[str, str] = {}
        stdlib: frozenset[str] = getattr(sys, "stdlib_module_names", frozenset())
        # Some packages deprecate __version__ (a DeprecationWarning, an error under strict
        # warning filters) or compute it lazily: neither may break a job's record.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, module in list(sys.modules.items()):
                if "." in name or name.startswith("_") or name in stdlib:
                    continue
                try:
                    version = _module_version(name, module)
                except Exception:  # noqa: BLE001, S112 - a module's own __getattr__ failing
                    continue
                if isinstance(version, str) and version:
                    found[name] = version
        _scan_cache = (len(sys.modules), found)
    versions = {**_scan_cache[1], **_fixed_versions}
    return dict(sorted(versions.items(), key=lambda item: item[0].lower()))


_SEPARATORS = re.compile(r"[-_.]+")


def distribution_version(name: str) -> str | None:
    """``importlib.metadata.version(name)``, or None when the distribution is not installed.

    Importing ``importlib.metadata`` (it pulls in the ``email`` package) and parsing a METADATA file
    with the e-mail parser cost ~20 ms, a large share of a small app's start-up.  The common layout --
    plain directories on ``sys.path`` holding ``<name>-<version>.dist-info`` -- is read directly here,
    with the same search order and name normalisation; anything else (zip or egg entries, extra
    distribution finders, ambiguous or unreadable metadata, a missing package) asks importlib.metadata.
    """
    try:
        found = _fast_distribution_version(name)
    except OSError:
        found = None
    return found if found is not None else _metadata_version(name)


def _metadata_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _fast_distribution_version(name: str) -> str | None:
    """The version from the first matching ``.dist-info`` on ``sys.path``, or None when unsure."""
    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not PathFinder:
            return None  # a custom finder may provide distributions: only importlib knows
    wanted = _SEPARATORS.sub("_", name).lower()
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg") or os.path.isfile(root):
            return None  # eggs and zip archives: importlib.metadata's own search
        children = _dist_info_names(root)
        if children is None:
            continue
        matches = []
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            stem = low.rpartition(".")[0].partition("-")[0]
            if _SEPARATORS.sub("_", stem) == wanted:
                matches.append(child)
        if not matches:
            continue
        if len(matches) != 1:
            return None
        found = os.path.join(root, matches[0])
        if matches[0].lower().endswith(".dist-info"):
            return _header_version(os.path.join(found, "METADATA"))
        # An egg-info, as setuptools leaves in a source tree run with PYTHONPATH=src: a directory
        # holding PKG-INFO, or (distutils) the metadata file itself, read as importlib does.
        return _header_version(found if os.path.isfile(found) else os.path.join(found, "PKG-INFO"))
    return None


_DIST_INFO_NAMES: dict[str, list[str] | None] = {}


def _dist_info_names(root: str) -> list[str] | None:
    """The metadata directories in ``root`` (None if unreadable), listed once per process: a run
    looks up several distributions, and ``site-packages`` holds hundreds of entries."""
    try:
        return _DIST_INFO_NAMES[root]
    except KeyError:
        pass
    try:
        names: list[str] | None = [
            child for child in os.listdir(root)
            if child.lower().endswith((".dist-info", ".egg-info"))
        ]
    except OSError:
        names = None
    _DIST_INFO_NAMES[root] = names
    return names


def _header_version(metadata_file: str) -> str | None:
    """The first ``Version:`` header of a METADATA file (headers end at the first blank line)."""
    try:
        with open(metadata_file, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    return None
                key, sep, value = line.partition(":")
                if sep and key.lower() == "version":
                    return value.strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None


# Modules whose ``__version__`` is a module ``__getattr__`` returning their distribution's version
# through importlib.metadata (attrs does since 22.2; omegaconf imports it into every run).
_LAZY_VERSION_DISTRIBUTIONS = {"attr": "attrs", "attrs": "attrs"}


def _module_version(name: str, module: Any) -> Any:
    """``module.__version__``, with the known lazy ones answered by :func:`distribution_version`."""
    distribution = _LAZY_VERSION_DISTRIBUTIONS.get(name)
    if distribution is not None and "__version__" not in getattr(module, "__dict__", {"__version__": 0}):
        version = distribution_version(distribution)
        if version is not None:
            return version
    return getattr(module, "__version__", None)


def _boot_time() -> float | None:
    global _BOOT_TIME
    if _BOOT_TIME is None:
        try:
            with open("/proc/stat", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("btime "):
                        _BOOT_TIME = float(line.split()[1])
                        break
        except OSError:
            return None
    return _BOOT_TIME


def process_start_time(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds, Linux ``/proc``), or None if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    boot = _boot_time()
    if boot is None:
        return None
    # the command name (field 2) may contain spaces and parentheses: split after the last ')'
    after = stat.rsplit(")", 1)[-1].split()
    try:
        ticks = int(after[19])
    except (IndexError, ValueError):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


_own_start: tuple[int, float | None] | None = None


def own_start_time() -> float | None:
    """This process's start time, read once per process (forks read their own)."""
    global _own_start
    pid = os.getpid()
    if _own_start is None or _own_start[0] != pid:
        _own_start = (pid, process_start_time(pid))
    return _own_start[1]


def pid_alive(pid: int, started: float | None = None) -> bool:
    """True when ``pid`` runs on this host and (if known) started when the record says it did."""
    if pid <= 0:
        return False
    if pid == os.getpid():  # our own runs: no /proc reads on every index update of a sweep
        own = own_start_time()
        return started is None or own is None or abs(own - started) < 2.0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    if _is_zombie(pid):
        return False
    if started is None:
        return True
    actual = process_start_time(pid)
    if actual is None:
        return True
    return abs(actual - started) < 2.0


def _is_zombie(pid: int) -> bool:
    """A killed child nobody reaped yet still answers ``kill(pid, 0)``; it is dead all the same."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            state = handle.read().rsplit(")", 1)[-1].split()[:1]
    except OSError:
        return False
    return state == ["Z"]
