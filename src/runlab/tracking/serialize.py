"""Turn anything a task returns into JSON, without ever failing.

A run record is written after the task has finished; if serialising its return value raised, the
record of a successful run would be lost.  So every conversion is best-effort and falls back to
``repr`` (and, should ``repr`` itself raise, to a placeholder naming the type).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import os
from collections.abc import Mapping
from typing import Any

_MAX_DEPTH = 32
_MAX_ITEMS = 10_000


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not break the record
        return f"<unrepresentable {type(value).__qualname__}>"


def to_jsonable(value: Any, _depth: int = 0) -> Any:
    """Return a JSON-compatible copy of ``value``; unknown objects become their ``repr``.

    Floats keep NaN/inf (Python's json round-trips them); containers are truncated at 10,000 items and
    32 levels so a huge tensor or a cyclic structure cannot blow up a record.
    """
    try:
        return _convert(value, _depth)
    except Exception:  # noqa: BLE001 - the promise is "never fails"
        return _safe_repr(value)


def _convert(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if depth >= _MAX_DEPTH:
        return _safe_repr(value)
    if (type(value).__module__ or "").startswith("omegaconf"):
        return to_jsonable(_omegaconf_container(value), depth + 1)
    if isinstance(value, Mapping):
        items = list(value.items())[:_MAX_ITEMS]
        return {str(k): to_jsonable(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple, set, frozenset)):
        seq = list(value)[:_MAX_ITEMS]
        if isinstance(value, (set, frozenset)):
            seq = sorted(seq, key=_safe_repr)
        return [to_jsonable(v, depth + 1) for v in seq]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value, depth + 1)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, bytes):
        return _safe_repr(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return to_jsonable(fields, depth + 1)
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays/scalars, torch tensors
        size = getattr(value, "size", 1)
        if isinstance(size, int) and size > _MAX_ITEMS:
            return _safe_repr(value)
        return to_jsonable(value.tolist(), depth + 1)
    if hasattr(value, "item") and callable(value.item):
        return to_jsonable(value.item(), depth + 1)
    return _safe_repr(value)


def _omegaconf_container(node: Any) -> Any:
    """A config node as plain containers: resolved when it resolves, else with ``${...}`` kept."""
    from omegaconf import OmegaConf  # lazy: only when the task returned a config node

    try:
        return OmegaConf.to_container(node, resolve=True)
    except Exception:  # noqa: BLE001 - missing values or interpolations that need a live app
        return OmegaConf.to_container(node, resolve=False)


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text for ``value`` that never raises (see :func:`to_jsonable`)."""
    return json.dumps(to_jsonable(value), indent=indent, ensure_ascii=False)


def as_number(value: Any) -> float | None:
    """The float a scalar metric stands for, or None when ``value`` is not a finite-or-nan number.

    Booleans are not metrics; numpy/torch scalars are unwrapped through ``item()``.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    item = getattr(value, "item", None)
    if callable(item):
        try:
            inner = item()
        except Exception:  # noqa: BLE001 - e.g. a multi-element tensor
            return None
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            return float(inner)
    return None


def final_metrics(return_value: Any) -> dict[str, float]:
    """The metrics a task's return value stands for: a scalar is ``value``; a dict its numeric leaves.

    Nested dicts become dotted names (``{"val": {"loss": 1}}`` -> ``val.loss``) so they are columns.
    """
    number = as_number(return_value)
    if number is not None:
        return {"value": number}
    plain = to_jsonable(return_value)
    out: dict[str, float] = {}
    if isinstance(plain, dict):
        _flatten_numbers(plain, "", out)
    return out


def _flatten_numbers(node: Mapping[str, Any], prefix: str, out: dict[str, float]) -> None:
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten_numbers(value, f"{name}.", out)
            continue
        number = as_number(value)
        if number is not None:
            out[name] = number


def is_finite(value: float) -> bool:
    """True for ordinary numbers; NaN and infinities are kept in files but skipped by aggregates."""
    return not (math.isnan(value) or math.isinf(value))
