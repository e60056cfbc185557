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

Every scenario first checks its own facts against hydra-core (so the corpus cannot rot silently); the runlab half
runs for the scenarios in ``e2e_status.COMPARED`` -- ``e2e_report.py`` lists the others and why they differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_harness import check_facts, compare, observe_both, without_hydra_keys
from e2e_scenarios import BY_NAME, NAMES, SCENARIOS, Scenario
from e2e_status import COMPARED, TOLERATED_HYDRA_KEYS

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
