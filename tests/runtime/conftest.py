"""Runtime tests start with Hydra's resolvers registered and leave no HydraConfig behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runlab.runtime import context


@pytest.fixture(autouse=True)
def _reset_hydra_context() -> Iterator[None]:
    context.register_resolvers()
    yield
    context.restore_hydra_config(None)
