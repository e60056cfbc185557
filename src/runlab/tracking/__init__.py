"""Experiment tracking: run records, metrics, the run index and the queries over them.

Import-light on purpose (``import runlab`` must stay fast): the public names load their module on
first use.  Never imports ``runlab.config`` or ``runlab.runtime`` (checked by tests/test_layers.py).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "NoActiveRunError",
    "Run",
    "RunList",
    "RunRecorder",
    "flush_metrics",
    "log_metric",
    "log_metrics",
    "print_sweep_summary",
    "runs",
]

_HOMES = {
    "NoActiveRunError": "runlab.tracking.metrics",
    "flush_metrics": "runlab.tracking.metrics",
    "log_metric": "runlab.tracking.metrics",
    "log_metrics": "runlab.tracking.metrics",
    "Run": "runlab.tracking.model",
    "RunList": "runlab.tracking.model",
    "RunRecorder": "runlab.tracking.recorder",
    "print_sweep_summary": "runlab.tracking.summary",
    "runs": "runlab.tracking.query",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'runlab.tracking' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
