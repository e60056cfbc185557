"""Override grammar -> Optuna distributions, as Hydra's Optuna sweeper maps them (spec 12.5)."""

from __future__ import annotations

import pytest

optuna = pytest.importorskip("optuna")

from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from runlab.config.overrides import parse_override
from runlab.errors import HydraException
from runlab.plugins.optuna_space import (
    build_search_space,
    describe,
    distribution_from_override,
    legacy_search_space,
)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("x=choice(a,b,c)", CategoricalDistribution(["a", "b", "c"])),
        ("x=1,2,3", CategoricalDistribution([1, 2, 3])),
        ("x=shuffle(range(1,3))", None),  # categorical, order random: checked below
        ("x=range(1,5)", IntDistribution(1, 5)),
        ("x=range(0,10,2)", IntDistribution(0, 10, step=2)),
        ("x=range(1,2.0,0.25)", FloatDistribution(1, 2.0, step=0.25)),
        ("x=interval(1,5)", FloatDistribution(1.0, 5.0)),
        ("x=int(interval(1,5))", IntDistribution(1, 5)),
        ("x=tag(log,interval(0.001,1))", FloatDistribution(0.001, 1.0, log=True)),
        ("x=tag(log,int(interval(1,100)))", IntDistribution(1, 100, log=True)),
    ],
)
def test_sweeps_map_to_hydras_distributions(override: str, expected: object) -> None:
    distribution = distribution_from_override(parse_override(override))
    if expected is None:
        assert isinstance(distribution, CategoricalDistribution)
        assert sorted(distribution.choices) == [1, 2]
    else:
        assert distribution == expected


def test_plain_values_are_fixed_params_in_override_syntax() -> None:
    space = build_search_space(["a=1", "b='x y'", "c=[1,2]", "d=interval(0,1)", "hydra.job.chdir=true"])
    assert dict(space.fixed) == {"a": "1", "b": "'x y'", "c": "[1,2]"}
    assert list(space.distributions) == ["d"]


def test_later_arguments_replace_earlier_ones_with_the_same_key() -> None:
    space = build_search_space(["x=interval(0,1)", "y=3", "x=5", "y=choice(1,2)"])
    assert dict(space.fixed) == {"x": "5"}
    assert dict(space.distributions) == {"y": CategoricalDistribution([1, 2])}


def test_glob_sweeps_are_rejected_with_the_override() -> None:
    with pytest.raises(HydraException, match=r"db=glob\(\*\).*not supported"):
        build_search_space(["db=glob(*)"])


def test_grid_needs_categorical_params() -> None:
    # a range's grid is Hydra's plugin's: its upper bound left out, as in the basic sweeper
    assert build_search_space(["a=1,2", "b=range(0,4,2)"]).grid() == {"a": [1, 2], "b": [0, 2]}
    assert build_search_space(["c=range(0,1,0.25)"]).grid() == {"c": [0.0, 0.25, 0.5, 0.75]}
    with pytest.raises(HydraException, match="GridSampler needs choice/range sweeps only, but 'b'"):
        build_search_space(["a=1,2", "b=interval(0,1)"]).grid()


def test_legacy_search_space_format() -> None:
    built = legacy_search_space(
        {
            "lr": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True},
            "n": {"type": "int", "low": 1, "high": 9, "step": 2},
            "opt": {"type": "categorical", "choices": ["sgd", "adam"]},
        }
    )
    assert built == {
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
        "n": IntDistribution(1, 9, step=2),
        "opt": CategoricalDistribution(["sgd", "adam"]),
    }
    with pytest.raises(HydraException, match=r"search_space\.z\.type must be int, float or categorical"):
        legacy_search_space({"z": {"type": "bool"}})


def test_describe_is_library_neutral() -> None:
    assert describe(IntDistribution(1, 5, step=2)) == {
        "kind": "int", "low": 1, "high": 5, "step": 2, "log": False,
    }
    assert describe(FloatDistribution(0.1, 1, log=True)) == {
        "kind": "float", "low": 0.1, "high": 1, "step": None, "log": True,
    }
    assert describe(CategoricalDistribution(["a"])) == {"kind": "categorical", "choices": ["a"]}
