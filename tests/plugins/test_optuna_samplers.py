"""Sampler factories: Hydra's sampler configs build Optuna samplers without deprecation noise."""

from __future__ import annotations

import pytest
import yaml

optuna = pytest.importorskip("optuna")

from runlab.plugins import optuna_samplers
from runlab.plugins.optuna_samplers import MOTPESampler, TPESampler

CONF = "src/runlab/conf/hydra/sweeper/sampler"


def _yaml_options(name: str) -> dict[str, object]:
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / CONF / f"{name}.yaml"
    options = yaml.safe_load(path.read_text())
    options.pop("_target_")
    return options


@pytest.mark.parametrize(
    ("name", "factory"),
    [("tpe", "TPESampler"), ("random", "RandomSampler"), ("nsgaii", "NSGAIISampler"), ("cmaes", "CmaEsSampler")],
)
def test_hydras_sampler_options_build_without_warnings(name: str, factory: str) -> None:
    sampler = getattr(optuna_samplers, factory)(**{**_yaml_options(name), "seed": 1})
    assert type(sampler).__name__ == factory


def test_a_deprecated_option_set_by_the_user_still_warns() -> None:
    with pytest.warns(FutureWarning, match="consider_prior"):
        TPESampler(consider_prior=False, seed=0)


def test_unknown_options_name_the_key() -> None:
    with pytest.raises(TypeError, match="TPESampler has no option 'n_ehvi'"):
        TPESampler(n_ehvi=3)


def test_motpe_falls_back_to_tpe_on_optuna_without_it() -> None:
    sampler = MOTPESampler(**{**_yaml_options("motpe"), "seed": 0})
    expected = "MOTPESampler" if hasattr(optuna.samplers, "MOTPESampler") else "TPESampler"
    assert type(sampler).__name__ == expected


@pytest.mark.parametrize("name", ["tpe", "random", "cmaes", "nsgaii", "motpe", "qmc", "grid"])
def test_every_sampler_config_builds_quietly_through_runlabs_factories(name: str) -> None:
    """Each ``hydra/sweeper/sampler`` config, instantiated the way the sweeper node is, gives an
    Optuna sampler without a warning (pytest turns warnings into errors)."""
    import functools
    from pathlib import Path

    from runlab.config.instantiate import instantiate

    path = Path(__file__).resolve().parents[2] / CONF / f"{name}.yaml"
    config = yaml.safe_load(path.read_text())
    assert config["_target_"].startswith("runlab.plugins.optuna_samplers.")
    if name != "grid":
        config["seed"] = 0
    sampler = instantiate(config)
    if name == "grid":  # a partial: the sweeper calls it with the grid of the search space
        assert isinstance(sampler, functools.partial)
        sampler = sampler({"x": [0, 1]})
    assert isinstance(sampler, optuna.samplers.BaseSampler)
