"""The error-table tests import their helper modules from this directory, and start from a clean
runlab state (no GlobalHydra, no HydraConfig, no metrics sink) with ``schema/mysql`` in the ConfigStore."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from error_runners import MySQLConfig


@pytest.fixture(autouse=True)
def schema() -> Iterator[None]:
    """``schema/mysql`` in the ConfigStore for the typed cases, removed afterwards."""
    from runlab.core.config_store import ConfigStore

    store = ConfigStore.instance()
    before = store.repo.get("schema")
    saved = dict(before) if isinstance(before, dict) else None
    store.store(group="schema", name="mysql", node=MySQLConfig)
    yield
    if saved is None:
        store.repo.pop("schema", None)
    else:
        store.repo["schema"] = saved


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    """No initialized GlobalHydra, no HydraConfig and no metrics sink before or after a case."""
    from runlab.core.global_hydra import GlobalHydra
    from runlab.runtime import context
    from runlab.tracking import metrics
    from runlab.tracking.store import close_shared

    GlobalHydra.instance().clear()
    context.register_resolvers()
    context.restore_hydra_config(None)
    metrics._process_sink = None
    yield
    GlobalHydra.instance().clear()
    context.restore_hydra_config(None)
    metrics._process_sink = None
    close_shared()
