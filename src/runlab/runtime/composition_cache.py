"""A run's composed config, kept on disk and reused by the next start with the same inputs.

Composing is most of what ``@runlab.main`` spends in a plain run beyond importing OmegaConf: 15 ms
for one small config file, ~200 ms for a primary config choosing one option in each of 100 groups.
A new process with the same command line, in the same directory, over unchanged config files
produces the same config, so the result is pickled (as Python keeps bytecode) and the next start
reads it back instead: a fraction of a millisecond for the small app, ~5 ms for the large one.

An entry is trusted only when everything the composition read is unchanged:

* its request: search path, config name, overrides, run mode, job name, version base, cwd, Python
  warning options, and the installation (versions of runlab, OmegaConf, PyYAML and Python,
  runlab's ``hydra/*`` configs and composition code: ``runlab.config._builtin_cache``);
* every fact of the file system the composition checked (``runlab.config._observed``): each config
  file it found or looked for (inode, size, mtime, ctime), each group directory, each group listing,
  in every directory of the final search path (``hydra.searchpath`` included), so an edited, added,
  removed, renamed or relinked config is seen, and outputs written next to the configs are not;
* the configs stored in the ``ConfigStore`` by the user (their pickled form);
* the environment variables ``hydra.job.env_copy`` copied.

What cannot be checked is never stored: a composition that raised a warning (it must be shown
again, filtered or not), a defaults list chosen by an interpolation or a ``hydra.searchpath`` holding one
(resolvers may read anything), an override calling ``shuffle``, a config source other than files,
directory packages and the ``ConfigStore`` (or ``structured://module``, which runs Python code), a
file changed less than :data:`SETTLE_SECONDS` ago (its next change could keep the same timestamp on
a coarse clock), more than :data:`MAX_FACTS` facts.  Plain runs and ``--cfg`` use it;
``--multirun`` needs the full composition's session for its jobs.

Entries live in ``<runlab cache dir>/compositions/``, one file per request, the least recently used
pruned beyond :data:`MAX_FILES`.  ``RUNLAB_NO_CACHE=1`` turns this off with the other caches.
Anything unreadable is ignored; a failure to write only costs the next start its speed.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:  # pragma: no cover
    from runlab.config.composed import ComposeContext, Composed
    from runlab.config.defaults import DefaultsResult
    from runlab.config.sources import SearchPathEntry
    from runlab.types import RunMode

__all__ = ["MAX_FACTS", "MAX_FILES", "SETTLE_SECONDS", "compose_cached", "derived", "derived_value"]

_T = TypeVar("_T")

_FORMAT = 2
_PROTOCOL = 5
SETTLE_SECONDS = 3.0
"""A file changed this recently is not trusted to show its next change in its timestamps: local
file systems stamp to the clock tick, some network and FAT ones to 1-2 s
(``RUNLAB_CACHE_SETTLE_SECONDS`` changes it: tests that run an app right after writing it)."""
MAX_FACTS = 20_000
"""Facts checked before an entry is trusted, beyond which nothing is stored (checking would cost
about as much as composing)."""
MAX_FILES = 128
"""Entries kept; the least recently used beyond it are removed when a new one is written."""

_CACHEABLE_SCHEMES = frozenset({"file", "pkg", "structured"})
_TEMPLATE_PREFIX = "composition:"


def compose_cached(
    *,
    search_path: Sequence[SearchPathEntry],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
    compose: Callable[[], Composed],
) -> Composed:
    """``compose()``, or the stored result of an earlier identical composition.

    The arguments describe the request ``compose`` serves (they form the key); a miss composes,
    then stores what it may.
    """
    if os.environ.get("RUNLAB_NO_CACHE") == "1":
        return compose()
    key = _request_key(search_path, config_name, overrides, run_mode, context)
    path = _entry_path(key) if key is not None else None
    if key is None or path is None:
        return compose()
    found = _lookup(path, key)
    if found is not None:
        return found
    from runlab.config._observed import observing

    with _watch_warnings() as raised, observing() as observed:
        composed = compose()
    if not raised[0]:
        _store(path, key, composed, list(observed))
    return composed


# -- key -------------------------------------------------------------------------------------------
def _request_key(
    search_path: Sequence[SearchPathEntry],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
) -> tuple[Any, ...] | None:
    if any("shuffle" in item for item in overrides):
        return None  # shuffle([...]) in a plain run draws a new order each time
    if any(entry.scheme not in _CACHEABLE_SCHEMES for entry in search_path):
        return None
    if any(entry.scheme == "structured" and entry.location for entry in search_path):
        return None  # ``structured://a.b`` imports a.b while composing: Python code, not files
    store = _store_fingerprint()
    if store is None:
        return None
    import yaml  # imported by OmegaConf already: its parser reads the files

    from runlab.config._builtin_cache import installation_fingerprint

    own = os.stat(__file__)  # this module's own format, when it is being worked on
    return (
        _FORMAT,
        (own.st_mtime_ns, own.st_size),
        installation_fingerprint(),
        getattr(yaml, "__version__", None),
        tuple((entry.provider, entry.path) for entry in search_path),
        config_name,
        tuple(overrides),
        run_mode.name,
        (context.job_name, context.version_base, context.cwd, context.config_name),
        tuple(sys.warnoptions),
        store,
    )


def _store_fingerprint() -> tuple[Any, ...] | None:
    """The user's ``ConfigStore`` entries, pickled; runlab's own are part of the installation.

    Stored nodes come from the user's Python code, run anew by every process, so their content
    (not the code) is what a cached composition depends on.  None when one cannot be pickled.
    """
    if "runlab.config.store" not in sys.modules:
        return ()  # never imported: nothing stored (users reach it through this module)
    from runlab.config.store import ConfigNode, ConfigStore

    found: list[tuple[Any, ...]] = []
    dumps = _pickle().dumps

    def walk(tree: dict[str, Any], group: str) -> None:
        for name in sorted(tree):
            item = tree[name]
            if isinstance(item, dict):
                walk(item, f"{group}/{name}")
            elif isinstance(item, ConfigNode):
                node = dumps(item.node, protocol=_PROTOCOL)
                found.append((group, name, item.package, item.provider, node))

    try:
        walk(ConfigStore.instance().repo, "")
    except Exception:  # noqa: BLE001 - an unpicklable node: compose every time
        return None
    return tuple(found)


def _entry_path(key: tuple[Any, ...]) -> str | None:
    import binascii

    from runlab._cache_dir import cache_file

    digest = binascii.crc32(repr(key).encode("utf-8", "surrogatepass"))
    path = cache_file(f"compositions/{digest:08x}", ".pickle")
    # Absolute: the derived caches are written back at exit, and a job may have changed directory.
    return os.path.abspath(path) if path is not None else None


# -- what the composition read ---------------------------------------------------------------------
def _facts(observed: Sequence[tuple[str, str]]) -> tuple[tuple[str, str, Any], ...] | None:
    """Each fact with its value now; None when one cannot be checked later or there are too many."""
    from runlab.config import _observed

    if len(observed) > MAX_FACTS:
        return None
    facts = []
    for kind, path in observed:
        if kind == _observed.UNCHECKABLE:
            return None
        facts.append((kind, path, _observed.current_value(kind, path)))
    return tuple(facts)


def _still_true(facts: Sequence[tuple[str, str, Any]]) -> bool:
    from runlab.config._observed import current_value

    return all(current_value(kind, path) == value for kind, path, value in facts)


def _settled(facts: Sequence[tuple[str, str, Any]]) -> bool:
    """No file changed in the last :data:`SETTLE_SECONDS` (see the module docstring)."""
    from runlab.config._observed import FILE

    try:
        settle = float(os.environ.get("RUNLAB_CACHE_SETTLE_SECONDS", SETTLE_SECONDS))
    except ValueError:
        settle = SETTLE_SECONDS
    newest = time.time_ns() - int(settle * 1e9)
    return all(
        value is None or max(value[2], value[3]) < newest
        for kind, _path, value in facts
        if kind == FILE
    )


def _env_copied(config: Any) -> tuple[tuple[str, str | None], ...]:
    from omegaconf import OmegaConf

    names = OmegaConf.select(config, "hydra.job.env_copy", default=None)
    return tuple((str(name), os.environ.get(str(name))) for name in (names or ()))


# -- reading and writing ---------------------------------------------------------------------------
def _pickle() -> Any:
    """The C pickler itself: ``import pickle`` costs a start served from the cache ~1 ms more."""
    try:
        import _pickle

        return _pickle
    except ImportError:  # pragma: no cover - an interpreter without the C accelerator
        import pickle

        return pickle


def _read_entry(path: str) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as stream:
            entry = _pickle().load(stream)
    except Exception:  # noqa: BLE001 - missing or damaged
        return None
    return entry if isinstance(entry, dict) else None


def _lookup(path: str, key: tuple[Any, ...]) -> Composed | None:
    entry = _read_entry(path)
    try:
        if entry is None or entry.get("key") != key:
            return None
        if not _still_true(entry["facts"]):
            return None
        if any(os.environ.get(name) != value for name, value in entry["env"]):
            return None
        config, defaults, origins, search_path = _pickle().loads(entry["payload"])
        if not isinstance(defaults, bytes):
            return None
    except Exception:  # noqa: BLE001 - stale or damaged: compose instead
        return None
    try:
        os.utime(path)  # recently used: kept when the directory is pruned
    except OSError:
        pass
    from omegaconf import OmegaConf

    from runlab.config.composed import Composed

    OmegaConf.clear_cache(config)
    _keep_derived(path, entry, config)
    return Composed(
        config=config,
        defaults=cast("DefaultsResult", _DeferredDefaults(defaults)),
        origins=origins,
        search_path=search_path,
    )


class _DeferredDefaults:
    """A stored ``DefaultsResult``, unpickled on first use.

    A run never reads it (only ``--info`` and ``hydra.verbose`` reports do), and unpickling it
    imports the defaults-list machinery: ~1.3 ms of a start served from the cache.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._value: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.resolved(), name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _DeferredDefaults):
            other = other.resolved()
        return bool(self.resolved() == other)

    __hash__ = None  # type: ignore[assignment]

    def resolved(self) -> DefaultsResult:
        if self._value is None:
            self._value = _pickle().loads(self._data)
        return cast("DefaultsResult", self._value)


def _store(
    path: str, key: tuple[Any, ...], composed: Composed, observed: Sequence[tuple[str, str]]
) -> None:
    if composed.defaults.interpolated or _interpolated_searchpath(composed.config):
        return
    facts = _facts(observed)  # first: the first start after an edit stops here, before pickling
    if facts is None or not _settled(facts):
        return
    pickle = _pickle()
    try:
        defaults = pickle.dumps(composed.defaults, protocol=_PROTOCOL)
        payload = pickle.dumps(
            (composed.config, defaults, _task_origins(composed), composed.search_path),
            protocol=_PROTOCOL,
        )
    except Exception:  # noqa: BLE001 - something in the config that pickle refuses
        return
    entry = {
        "key": key,
        "facts": facts,
        "env": _env_copied(composed.config),
        "payload": payload,
    }
    _write(path, entry)
    _prune(os.path.dirname(path))
    _keep_derived(path, entry, composed.config)


def _write(path: str, entry: dict[str, Any]) -> None:
    from runlab._cache_dir import write_cache_file

    pickle = _pickle()
    write_cache_file(path, lambda stream: pickle.dump(entry, stream, protocol=_PROTOCOL))


# -- what a run derives from its config ------------------------------------------------------------
def derived_value(config: Any, name: str, make: Callable[[], _T]) -> _T:
    """``make()``, kept as ``name`` with the entry when ``config`` came through this cache (and
    read from it by the next start of the same run); simply ``make()`` for any other config."""
    kept = derived(config, name)
    if kept is None:
        return make()
    if "value" not in kept:
        kept["value"] = make()
    return cast(_T, kept["value"])


def derived(config: Any, name: str) -> dict[Any, Any] | None:
    """The ``name`` cache of what runs derive from a config that came through this cache (its
    ``config.yaml`` text, its flattened values), kept with the entry; None for any other config.

    Unlike a sweep template's caches (``runtime/templates.py``), these may hold what depends on
    the task's part of the config too: a run served from an entry has exactly the stored config.
    """
    from runlab.runtime.templates import template_cache, template_key_of

    key = template_key_of(config)
    if key is None or not key.startswith(_TEMPLATE_PREFIX):
        return None
    return template_cache(config, name)


def _keep_derived(path: str, entry: dict[str, Any], config: Any) -> None:
    """Mark ``config`` as a template of one job whose caches start from the entry's and are
    written back with it when the process ends, if the run added to them.

    Not when ``hydra.callbacks`` are set: a callback may change the config before the job.
    """
    from runlab.config._node_values import child

    hydra = child(config, "hydra", None)
    if hydra is None or child(hydra, "callbacks", None):
        return
    from runlab.runtime.templates import mark_template, template_caches

    key = f"{_TEMPLATE_PREFIX}{path}"
    mark_template(config, key)
    stored = entry.get("derived") or {}
    caches = template_caches(key, stored)
    import atexit

    atexit.register(_write_derived, path, entry, caches, _sizes(stored))


def _sizes(caches: dict[str, dict[Any, Any]]) -> dict[str, int]:
    return {name: len(cache) for name, cache in caches.items()}


def _write_derived(
    path: str, entry: dict[str, Any], caches: dict[str, dict[Any, Any]], before: dict[str, int]
) -> None:
    if _sizes(caches) == before:
        return
    current = _read_entry(path)
    if current is None or current.get("payload") != entry["payload"]:
        return  # pruned or replaced meanwhile: not ours to rewrite
    entry = {**entry, "derived": {name: dict(cache) for name, cache in caches.items()}}
    _write(path, entry)  # silent on failure: only the next start's speed is at stake


def _interpolated_searchpath(config: Any) -> bool:
    """``hydra.searchpath`` with an interpolation: it was resolved while composing, and a
    resolver (``${oc.env:...}``) may give another search path next time."""
    from omegaconf import DictConfig, OmegaConf

    hydra = config._get_node("hydra") if isinstance(config, DictConfig) else None
    node = hydra._get_node("searchpath") if isinstance(hydra, DictConfig) else None
    if node is None:
        return False
    if node._is_interpolation():
        return True
    return OmegaConf.is_list(node) and "${" in repr(OmegaConf.to_container(node, resolve=False))


def _task_origins(composed: Composed) -> dict[str, str]:
    """Origins without the ``hydra`` node: all a run record keeps (``recording.TaskOrigins``)."""
    origins = composed.origins
    without_hydra = getattr(origins, "without_hydra", None)
    if callable(without_hydra):
        return dict(without_hydra())
    return {k: v for k, v in origins.items() if k.partition(".")[0] != "hydra"}


def _prune(directory: str) -> None:
    try:
        entries = [e for e in os.scandir(directory) if e.name.endswith(".pickle")]
        if len(entries) <= MAX_FILES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - MAX_FILES]:
            os.unlink(entry.path)
    except OSError:
        pass


@contextmanager
def _watch_warnings() -> Iterator[list[bool]]:
    """Note whether a warning was raised, shown or not, without changing what is shown.

    A composition that raised one is not stored: a start served from the cache would not show it,
    and a filter that hides it today may be gone tomorrow.  ``warnings.warn``/``warn_explicit``
    are what runlab and OmegaConf call; ``showwarning`` catches the rest that gets shown.
    """
    raised = [False]
    originals = (warnings.warn, warnings.warn_explicit, warnings.showwarning)

    def noting(function: Callable[..., Any]) -> Callable[..., Any]:
        def note(*args: Any, **kwargs: Any) -> Any:
            raised[0] = True
            return function(*args, **kwargs)

        return note

    # stacklevel counts frames: the wrapper adds one to what ``warnings.warn`` sees.
    def warn(
        message: Any, category: Any = None, stacklevel: int = 1, source: Any = None, **more: Any
    ) -> None:
        raised[0] = True
        originals[0](message, category, stacklevel + 1, source, **more)

    patched = (warn, noting(originals[1]), noting(originals[2]))
    warnings.warn, warnings.warn_explicit, warnings.showwarning = patched
    try:
        yield raised
    finally:
        current = (warnings.warn, warnings.warn_explicit, warnings.showwarning)
        for name, mine, original, now in zip(
            ("warn", "warn_explicit", "showwarning"), patched, originals, current
        ):
            if now is mine:  # leave alone what someone else put there meanwhile
                setattr(warnings, name, original)
