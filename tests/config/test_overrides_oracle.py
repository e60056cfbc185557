"""Differential test: every string of ``override_corpus.CORPUS`` is parsed by hydra-core 1.3.8 (one
oracle subprocess for the whole corpus) and by runlab, and the results are compared.

Compared per override: type, key, package, value type, the parsed value (normalized: types kept,
quotes kept), the key element, the per-job strings of a sweep (``sweep_string_iterator``) or the
element rendering (``get_value_element_as_str``, with and without spaces).  Errors: both must fail;
where Hydra's message is its own (function errors) the whole message must match, where it is an
ANTLR message runlab writes its own detail, so only the first line is compared.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

from oracle import run_oracle

from runlab.config.overrides import parse_override
from tests.config import override_corpus

pytestmark = pytest.mark.oracle

_ORACLE_CODE = """
import json
from hydra.core.override_parser.overrides_parser import OverridesParser
from tests.config import override_corpus
from tests.config.override_corpus import describe
parser = OverridesParser.create()
texts = override_corpus.CORPUS + override_corpus.FUZZ_CORPUS
results = {s: describe(lambda t: parser.parse_overrides([t])[0], s) for s in texts}
print(json.dumps(results))
"""

# Hydra's detail lines that come from ANTLR (runlab explains these errors in its own words).
_ANTLR_DETAILS = (
    "mismatched input",
    "extraneous input",
    "no viable alternative",
    "missing ",
    "token recognition error",
    "LexerNoViableAltException",
)


@pytest.fixture(scope="module")
def oracle_results() -> dict[str, Any]:
    process = run_oracle(_ORACLE_CODE, cwd=REPO_ROOT)
    assert process.returncode == 0, process.stderr
    results: dict[str, Any] = json.loads(process.stdout)
    return results


@pytest.fixture(scope="module")
def runlab_results() -> dict[str, Any]:
    texts = override_corpus.CORPUS + override_corpus.FUZZ_CORPUS
    return {s: override_corpus.describe(parse_override, s) for s in texts}


def _is_antlr_error(message: str) -> bool:
    lines = message.split("\n")
    return lines[0].startswith(_ANTLR_DETAILS) or (
        len(lines) > 1 and lines[1].startswith(_ANTLR_DETAILS)
    )


def test_corpus_is_large_and_mixed(oracle_results: dict[str, Any]) -> None:
    errors = [s for s in override_corpus.CORPUS if "error" in oracle_results[s]]
    assert len(override_corpus.CORPUS) >= 300
    assert 80 <= len(errors) <= len(override_corpus.CORPUS) - 300


@pytest.mark.parametrize("text", override_corpus.CORPUS)
def test_same_as_hydra(
    text: str, oracle_results: dict[str, Any], runlab_results: dict[str, Any]
) -> None:
    _assert_same(text, oracle_results[text], runlab_results[text])


def test_fuzzed_overrides_same_as_hydra(
    oracle_results: dict[str, Any], runlab_results: dict[str, Any]
) -> None:
    """Thousands of stitched-together strings: lexing corner cases must agree too."""
    mismatches = []
    for text in override_corpus.FUZZ_CORPUS:
        try:
            _assert_same(text, oracle_results[text], runlab_results[text])
        except AssertionError as error:
            mismatches.append(f"{text!r}: {str(error).splitlines()[0]}")
    accepted = sum("error" not in oracle_results[t] for t in override_corpus.FUZZ_CORPUS)
    assert accepted > 300  # the fuzz corpus exercises valid overrides, not only errors
    assert mismatches == []


def _assert_same(text: str, expected: dict[str, Any], actual: dict[str, Any]) -> None:
    if "error" not in expected:
        for field in ("sweep", "element"):
            if str(expected.get(field)).startswith("ERROR ValidationError"):
                # A sweep nested in a value cannot be printed: Hydra fails inside OmegaConf,
                # runlab says what is wrong.
                assert str(actual.pop(field)).startswith("ERROR ValueError")
                expected = {k: v for k, v in expected.items() if k != field}
        assert actual == expected
        return
    assert "error" in actual, f"runlab accepted {text!r}: {actual}"
    assert actual["error_type"] == "OverrideParseException"
    assert actual["error"].startswith(f"Error parsing override '{text}'\n")
    assert actual["error"].endswith(
        "\nSee https://hydra.cc/docs/1.2/advanced/override_grammar/basic for details"
    )
    if not _is_antlr_error(expected["error"]):
        assert actual["error"] == expected["error"]
