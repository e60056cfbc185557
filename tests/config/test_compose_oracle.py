"""Differential composition suite: every scenario composed by hydra-core 1.3.8 and by runlab.

Both sides run the same recorder script (``_compose_recorder.py``) in one subprocess each, over all
scenarios, so the whole suite costs two interpreter starts.  Outputs are compared exactly: the YAML
text (key order included), ``hydra.runtime.choices`` in order, the recorded task overrides and
``override_dirname``; for failures the exception type and message, and the warnings emitted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from compose_scenarios import DATA, SCENARIOS, Scenario
from oracle import oracle_env, oracle_python

pytestmark = pytest.mark.oracle

RECORDER = Path(__file__).parent / "_compose_recorder.py"

# Messages that legitimately name the implementation: Hydra's own config package.
_RENAMES = (("pkg://hydra.conf", "pkg://runlab.conf"),)

# Rows whose message text comes from OmegaConf itself, whose wording changed between the oracle's
# 2.3 and runlab's 2.4: only the first line (written by the composer) is compared.
OMEGACONF_WORDING = {"basic|with_list_include", "errors|merge_list"}


def _scenario_file(tmp_path: Path) -> Path:
    payload = [
        {
            "id": s.id,
            "directory": str(s.directory),
            "config_name": s.config_name,
            "overrides": list(s.overrides),
            "version_base": s.version_base,
        }
        for s in SCENARIOS
    ]
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def _start(python: str, package: str, scenarios: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [python, str(RECORDER), package, str(scenarios)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr
    result: dict[str, Any] = json.loads(stdout)
    return result


def _fingerprint(scenarios: Path) -> str:
    """Scenario table + fixture files + recorder: the oracle's answers only change with these."""
    digest = hashlib.sha256(scenarios.read_bytes())
    digest.update(RECORDER.read_bytes())
    for path in sorted(DATA.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(DATA)).encode())
            digest.update(path.read_bytes())
    digest.update(oracle_python().encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides run in parallel; hydra-core's answers are cached by fingerprint between runs."""
    scenarios = _scenario_file(tmp_path_factory.mktemp("compose_oracle"))
    key = f"runlab/compose_oracle/{_fingerprint(scenarios)}"
    cache = getattr(pytestconfig, "cache", None)  # absent with -p no:cacheprovider
    expected = cache.get(key, None) if cache is not None else None
    oracle = None if expected is not None else _start(oracle_python(), "hydra", scenarios, oracle_env())
    env = {k: v for k, v in oracle_env().items() if not k.startswith("PYTHON")}
    if os.environ.get("PYTHONPATH"):  # the runlab under test, when it is not the installed one
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    actual = _finish(_start(sys.executable, "runlab", scenarios, env))
    if oracle is not None:
        expected = _finish(oracle)
        if cache is not None:
            cache.set(key, expected)
    assert expected is not None
    return expected, actual


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        for old, new in _RENAMES:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    return value


_CULPRIT_PREFIXES = re.compile(r"(In [^:\n]+: |Could not override '[^'\n]*' with '[^'\n]*'\.\n)")
"""Where Hydra's message does not say which config or override is at fault, runlab's starts by
naming it, then gives Hydra's text unchanged (docs/errors.md lists these rows)."""


def _same_or_naming_the_culprit(got: str, want: str) -> bool:
    if got == want:
        return True
    prefix = _CULPRIT_PREFIXES.match(got)
    return prefix is not None and got[prefix.end() :] == want


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_compose_matches_hydra(
    scenario: Scenario, outcomes: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    expected, actual = outcomes
    want = {k: _normalize(v) for k, v in expected[scenario.id].items()}
    got = actual[scenario.id]
    # runlab may raise a subclass of Hydra's exception type (so ``except ValueError`` still works)
    # whose compact report names the config or override at fault.
    assert got.get("error") == want.get("error") or want.get("error") in got.get("error_bases", []), (
        got.get("message"),
        want.get("message"),
    )
    if scenario.id in OMEGACONF_WORDING:
        assert got["message"].splitlines()[0] == want["message"].splitlines()[0]
    elif "error" in want:
        assert _same_or_naming_the_culprit(got["message"], want["message"])
        assert got["cause"] == want["cause"]
    else:
        assert got["yaml"] == want["yaml"]
        assert got["choices"] == want["choices"]
        assert got["task"] == want["task"]
        assert got["dirname"] == want["dirname"]
        assert got["config_name"] == want["config_name"]
        assert got["hydra_run"] == want["hydra_run"]
        assert got["hydra_keys"] == want["hydra_keys"]
        assert got["hydra_job"] == want["hydra_job"]
        assert got["struct"] == want["struct"]
        assert got["lite_yaml"] == want["lite_yaml"]
        assert got["lite_struct"] == want["lite_struct"]
        assert got["lite_keys"] == want["lite_keys"]
        assert got["lite_warnings"] == want["lite_warnings"]
    assert got["warnings"] == want["warnings"]
