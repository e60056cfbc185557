"""What the jobs copied from one sweep template share in this process.

Jobs built from one template (``runtime/sweep_compose.py``) differ from it only in what runlab sets
per job and in their own plain value overrides, so work that depends on neither -- the YAML of the
``hydra`` node's fixed parts, the job logging settings, the ``override_dirname`` settings -- is done
once per template and kept here.  A config carries only its template's key, in its ``__dict__``
like origins: pickled jobs (kept for later, or sent to a worker) carry it too, and the task's copy
drops it.

A plain run served by (or stored for) the composition cache is marked the same way, as a template
of one job, and its caches are kept on disk with the composition
(``runlab.runtime.composition_cache``): the next start reuses them as a sweep's later jobs do.
"""

from __future__ import annotations

from typing import Any

__all__ = ["mark_template", "template_cache", "template_caches", "template_key_of"]

_TEMPLATE_KEY = "_runlab_sweep_template"
_CACHES: dict[str, dict[str, dict[Any, Any]]] = {}
_MAX_TEMPLATES = 256


def mark_template(config: Any, key: str) -> None:
    """Mark ``config`` (a sweep template, so every copy of it) as the template ``key``."""
    config.__dict__[_TEMPLATE_KEY] = key


def template_key_of(config: Any) -> str | None:
    """The sweep template ``config`` was copied from, if any."""
    key = config.__dict__.get(_TEMPLATE_KEY)
    return key if isinstance(key, str) else None


def template_cache(config: Any, name: str) -> dict[Any, Any] | None:
    """The ``name`` cache of ``config``'s template, shared by all its jobs; None for a config that
    was not copied from a template (a single run, a job composed in full)."""
    key = template_key_of(config)
    if key is None:
        return None
    return template_caches(key).setdefault(name, {})


def template_caches(key: str, seed: dict[str, dict[Any, Any]] | None = None) -> dict[str, dict[Any, Any]]:
    """All caches of the template ``key`` (by name), created from ``seed`` if not there yet."""
    caches = _CACHES.get(key)
    if caches is None:
        while len(_CACHES) >= _MAX_TEMPLATES:
            del _CACHES[next(iter(_CACHES))]  # the oldest template: an earlier sweep's
        caches = _CACHES[key] = {name: dict(cache) for name, cache in (seed or {}).items()}
    return caches
