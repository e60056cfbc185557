"""The grammar-free resolution of ``${key}`` and ``${now:...}``: same results as OmegaConf, or OmegaConf's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from omegaconf import OmegaConf
from omegaconf.errors import (
    InterpolationKeyError,
    InterpolationToMissingValueError,
    MissingMandatoryValue,
)

from runlab.config import interpolation
from runlab.config.interpolation import resolve_container, select_resolved
from runlab.runtime.context import register_resolvers


@pytest.fixture
def no_grammar(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record every string OmegaConf's grammar parses (the fast path must parse none)."""
    import omegaconf.base
    import omegaconf.grammar_parser

    parsed: list[str] = []
    original = omegaconf.grammar_parser.parse

    def spy(value: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(value)
        return original(value, *args, **kwargs)

    monkeypatch.setattr(omegaconf.grammar_parser, "parse", spy)
    monkeypatch.setattr(omegaconf.base, "parse", spy)
    yield parsed


def _config() -> Any:
    register_resolvers()
    return OmegaConf.create(
        {
            "job": {"name": "app", "num": 3, "flag": True, "none": None},
            "run": {"dir": "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"},
            "chain": "${job.name}",
            "chained": "x_${chain}_${job.num}",
            "typed": "${job.num}",
            "boolean": "${job.flag}-${job.none}",
            "relative": "${.chain}",
            "quoted": "${oc.env:HOME,'a b'}",
            "escaped": "\\${job.name}",
            "missing": "???",
            "to_missing": "${missing}",
            "unknown": "${nope.nothing}",
            "field": "name",
            "nested": "${job.${field}}",
            "log": {"file": "${run.dir}/${job.name}.log", "level": "INFO", "items": ["${job.num}", 2]},
        }
    )


@pytest.mark.parametrize("key", ["run.dir", "chain", "chained", "typed", "boolean", "job.num", "job.name"])
def test_simple_forms_match_omegaconf_without_the_grammar(key: str, no_grammar: list[str]) -> None:
    config = _config()
    fast = select_resolved(config, key)
    assert no_grammar == []
    assert fast == OmegaConf.select(config, key, throw_on_missing=True)
    assert type(fast) is type(OmegaConf.select(config, key, throw_on_missing=True))


@pytest.mark.parametrize("key", ["relative", "escaped", "nested"])
def test_other_forms_go_to_omegaconf(key: str, no_grammar: list[str]) -> None:
    config = _config()
    assert select_resolved(config, key) == OmegaConf.select(config, key, throw_on_missing=True)
    assert no_grammar, "these forms need OmegaConf's grammar"


def test_errors_are_omegaconfs() -> None:
    config = _config()
    with pytest.raises(MissingMandatoryValue):
        select_resolved(config, "missing")
    with pytest.raises(InterpolationKeyError):
        select_resolved(config, "unknown")
    with pytest.raises(InterpolationToMissingValueError):
        select_resolved(config, "to_missing")


def test_now_uses_omegaconfs_resolver_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config()
    first = select_resolved(config, "run.dir")
    # OmegaConf reading the same node later gets the cached time, as if it had resolved it first.
    monkeypatch.setattr(interpolation, "_TOKEN", interpolation.re.compile(r"(?!x)x"))
    assert OmegaConf.select(config, "run.dir") == first
    assert OmegaConf.get_cache(config)["now"]


def test_containers_resolve_like_to_container(no_grammar: list[str]) -> None:
    config = _config()
    fast = resolve_container(config.log)
    assert no_grammar == []
    assert fast == OmegaConf.to_container(config.log, resolve=True)


def test_a_container_with_other_forms_falls_back_whole() -> None:
    config = OmegaConf.create({"a": 1, "log": {"x": "${..a}", "y": "${a}"}})
    assert resolve_container(config.log) == {"x": 1, "y": 1}
