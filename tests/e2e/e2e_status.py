"""Which scenarios the pytest suite compares with runlab (the rest only check the hydra-core facts).

The runtime lands piece by piece; a scenario joins COMPARED once ``e2e_report.py`` shows runlab matching
hydra-core on it, so the suite never commits a failing comparison yet every passing one is guarded from then
on.  Run ``.venv/bin/python tests/e2e/e2e_report.py`` for the current list of differences.
"""

from __future__ import annotations

COMPARED: frozenset[str] = frozenset()
