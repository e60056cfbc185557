"""End-to-end differential tests: every scenario runs as a real subprocess under hydra-core and under runlab.

The same app script (``import hydra``) runs under hydra-core 1.3.8 (``run_oracle_script``) and under runlab
(``run_runlab_script``, whose shim maps ``import hydra`` to runlab).  Each side runs in its own fresh copy of the
app; the observations compared are the exit code, stdout, stderr, the created files' paths and the text of every
YAML/log file they wrote (``.hydra/*.yaml``, ``multirun.yaml``, ``<job>.log``).

Normalised before comparing -- the ONLY things allowed to differ:

* wall-clock time: log-line timestamps, ``YYYY-MM-DD`` and ``HH-MM-SS`` (output dir names);
* absolute paths of the two app copies (both become ``<CWD>``);
* ``hydra.runtime.version`` (runlab's own version) and ``Hydra 1.3.8`` / ``runlab X.Y.Z`` version strings;
* the built-in config source: ``pkg://runlab.conf`` vs ``pkg://hydra.conf`` (and ``path: runlab.conf``);
* the built-in launcher/sweeper ``_target_``: ``runlab.plugins.serial.BasicLauncher`` /
  ``runlab.plugins.grid.BasicSweeper`` vs ``hydra._internal.core_plugins.basic_{launcher,sweeper}.*``;
* the prose of the ``hydra.help`` / ``hydra.hydra_help`` nodes (runlab words its help itself);
* the ``<file>:<line>:`` prefix of a warning line (the line that warns lives in a different module);
* the padding of ``--info`` table columns (their width follows the longest path / source name);
* lines starting with ``[runlab] `` (the tracker's end-of-sweep summary: runlab's addition, under its own
  prefix; off with ``RUNLAB_SUMMARY=0`` / ``hydra.sweeper.summary=false``);
* files under ``.runlab/`` (runlab's run records: an addition, not a difference) and ``__pycache__``.

Per scenario, ``stdout``/``stderr`` may be compared by key phrases only (``keywords``) where the wording is
not part of the contract: OmegaConf's / ANTLR's detail lines (runlab runs on OmegaConf 2.4 and has its own
parser), raw Python tracebacks, argparse usage text and warnings' source lines.  A scenario with ``runlab=Deviation``
asserts runlab's documented behaviour instead (the reason is in the scenario): the ``--info`` plugin report and
the default ``--help`` / ``--hydra-help`` texts.

``e2e_status.TOLERATED_HYDRA_KEYS`` names known runlab bugs (a ``hydra.<key>`` block cut from both sides) that
are tolerated while their fix lands, so the rest of each affected scenario is still compared.

``test_a_start_served_from_the_composition_cache_looks_the_same`` runs each compared scenario that is
not a sweep twice more under runlab: composing, and served from the composition cache (a warm-up run
stores the entry, its outputs are removed); the two observations must be identical.

Every scenario first checks its own facts against hydra-core (so the corpus cannot rot silently); the runlab half
runs for the scenarios in ``e2e_status.COMPARED`` -- ``e2e_report.py`` lists the others and why they differ.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from e2e_harness import (
    check_facts,
    compare,
    observe,
    observe_both,
    observe_from_cache,
    without_hydra_keys,
)
from e2e_scenarios import BY_NAME, NAMES, SCENARIOS, Scenario
from e2e_status import COMPARED, TOLERATED_HYDRA_KEYS
from oracle import run_runlab_script

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("scenario", SCENARIOS, ids=NAMES)
def test_scenario(scenario: Scenario, tmp_path: Path) -> None:
    oracle, mine = observe_both(scenario, tmp_path, runlab=scenario.name in COMPARED)
    assert check_facts(scenario, oracle) == []
    if mine is not None:
        tolerated = TOLERATED_HYDRA_KEYS
        problems = compare(
            scenario, without_hydra_keys(oracle, tolerated), without_hydra_keys(mine, tolerated)
        )
        assert not problems, "\n\n".join(problems)


def _multirun(scenario: Scenario) -> bool:
    return bool({"-m", "--multirun"} & set(scenario.argv))


CACHE_SCENARIOS = [s for s in SCENARIOS if s.name in COMPARED and not _multirun(s)]
COMPOSED_EVERY_TIME = {
    "mr_mode_override": "a sweep on the command line: only the MULTIRUN composition succeeds",
    "plugin_compose_api": "the compose API composes in the library, not through @main",
}


def _composing_afresh(script: Any, args: list[str], cwd: Any, *, env: dict[str, str]) -> Any:
    return run_runlab_script(script, args, cwd, env={**env, "RUNLAB_NO_CACHE": "1"})


@pytest.mark.parametrize("scenario", CACHE_SCENARIOS, ids=[s.name for s in CACHE_SCENARIOS])
def test_a_start_served_from_the_composition_cache_looks_the_same(
    scenario: Scenario, tmp_path: Path
) -> None:
    """The same scenario run once composing and once from the composition cache: no difference.

    Every plain run that succeeds without a warning must have been served from the cache (the
    others compose as before: nothing is stored for them).
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        fresh = pool.submit(observe, scenario, tmp_path / "fresh", _composing_afresh)
        cached = pool.submit(observe_from_cache, scenario, tmp_path / "cached", tmp_path / "cache")
        composed, (served, was_served) = fresh.result(), cached.result()
    problems = compare(replace(scenario, runlab=None, expect=()), composed, served)
    assert not problems, "\n\n".join(problems)
    plain = not any(arg.startswith("-") for arg in scenario.argv)
    if scenario.name in COMPOSED_EVERY_TIME:
        assert not was_served
    elif plain and composed.exit_code == 0 and "Warning" not in composed.stderr:
        assert was_served, "a plain successful run was composed again instead of read back"


def test_compared_scenarios_exist() -> None:
    assert sorted(COMPARED - set(BY_NAME)) == []


def test_corpus_covers_the_brief() -> None:
    """At least 80 scenarios, and each §15 error family and run mode appears in it."""
    assert len(SCENARIOS) >= 80
    argv_text = [" ".join(s.argv) for s in SCENARIOS]
    for flag in (
        "--cfg",
        "-p",
        "--resolve",
        "--info",
        "--help",
        "--hydra-help",
        "-m",
        "-cn",
        "-cp",
        "-cd",
        "-sc",
    ):
        assert any(flag in a.split() for a in argv_text), flag
    for needle in (
        "range(",
        "glob(",
        "max_batch_size",
        "hydra.job.chdir",
        "hydra.output_subdir=null",
        "kv_sep",
    ):
        assert any(needle in a for a in argv_text), needle
