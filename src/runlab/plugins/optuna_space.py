"""The Optuna search space of a sweep: override grammar -> Optuna distributions, the way Hydra maps them.

Mapping (Hydra's Optuna sweeper plugin, observed; spec section 12.5):

* ``choice(...)`` / ``a,b,c`` / ``shuffle(range(...))`` -> ``CategoricalDistribution``;
* ``range(a, b[, s])`` -> an int distribution with that step, or a float one with a step if any bound or
  the step is a float (the upper bound is *included*, as in Hydra's plugin, which hands ``b`` to Optuna
  as ``high``);
* ``interval(a, b)`` -> a float distribution, ``int(interval(a, b))`` -> an int one, ``tag(log, ...)``
  makes either log-scaled;
* anything that is not a sweep is a *fixed* parameter: passed to every trial as an override and stored
  as a trial user attribute, never sampled.

Only modern distributions (``FloatDistribution``/``IntDistribution``) are built; :func:`describe` gives
a library-neutral description so a search space can be compared with the one Hydra's plugin builds on
an older Optuna (which still uses ``UniformDistribution`` and friends).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from runlab.errors import CompactHydraException

__all__ = [
    "SearchSpace",
    "build_search_space",
    "describe",
    "distribution_from_override",
    "legacy_search_space",
    "override_text",
]


class SearchSpaceError(CompactHydraException):
    """A sweep that Optuna cannot sample (reported with the override at fault, without a traceback)."""


@dataclass(frozen=True)
class SearchSpace:
    """What each trial samples (``distributions``) and what each trial gets unchanged (``fixed``).

    Both are keyed by the override's key element (``+new_key`` keeps its ``+``), so a trial's overrides
    are simply ``key=value`` for every entry.  ``fixed`` values are already in override syntax.
    """

    distributions: Mapping[str, Any]
    fixed: Mapping[str, str]

    def grid(self) -> dict[str, list[Any]]:
        """The grid a ``GridSampler`` walks: choices, and the steps of a ``range`` -- as Hydra's
        plugin enumerates them, ``(high - low) // step`` values from ``low``, which leaves out the
        upper bound the sampled distribution includes (``range(0,6,2)``: 0, 2, 4, as the basic
        sweeper would sweep it).  An ``interval`` has no grid (Hydra's plugin: "GridSampler only
        supports discrete distributions."; runlab names the key)."""
        import optuna

        grid: dict[str, list[Any]] = {}
        for name, distribution in self.distributions.items():
            step = getattr(distribution, "step", None)
            if isinstance(distribution, optuna.distributions.CategoricalDistribution):
                grid[name] = list(distribution.choices)
            elif step is not None and not getattr(distribution, "log", False):
                count = int((distribution.high - distribution.low) // step)
                grid[name] = [distribution.low + i * step for i in range(count)]
            else:
                raise SearchSpaceError(
                    f"GridSampler needs choice/range sweeps only, but '{name}' is {describe(distribution)}"
                )
        return grid


def distribution_from_override(override: Any) -> Any:
    """The distribution of a sweep override, or the override-syntax text of a plain value."""
    import optuna.distributions as dist

    from runlab.config.overrides import Transformer
    from runlab.config.sweeps import ChoiceSweep, IntervalSweep, RangeSweep

    if not override.is_sweep_override():
        return override.get_value_element_as_str()
    value = override.value()
    if override.is_choice_sweep():
        if not isinstance(value, ChoiceSweep):  # a glob: Optuna samples values, not config groups
            raise SearchSpaceError(
                f"{override.input_line}: glob sweeps are not supported by the Optuna sweeper"
            )
        return dist.CategoricalDistribution(list(override.sweep_iterator(Transformer.encode)))
    if override.is_range_sweep():
        assert isinstance(value, RangeSweep) and value.start is not None and value.stop is not None
        if value.shuffle:
            return dist.CategoricalDistribution(list(override.sweep_iterator(Transformer.encode)))
        if any(isinstance(v, float) for v in (value.start, value.stop, value.step)):
            return dist.FloatDistribution(value.start, value.stop, step=value.step)
        return dist.IntDistribution(int(value.start), int(value.stop), step=int(value.step))
    if override.is_interval_sweep():
        assert isinstance(value, IntervalSweep) and value.start is not None and value.end is not None
        log = "log" in value.tags
        if isinstance(value.start, int) and isinstance(value.end, int):
            return dist.IntDistribution(int(value.start), int(value.end), log=log)
        return dist.FloatDistribution(float(value.start), float(value.end), log=log)
    raise SearchSpaceError(f"{override} is not supported by the Optuna sweeper")


def build_search_space(arguments: Iterable[str]) -> SearchSpace:
    """The search space of ``arguments`` (``params`` first, then the command line: later keys win).

    Overrides of Hydra's own config (``hydra.*``) are not parameters and are skipped, like Hydra does.
    """
    from runlab.config.overrides import parse_override

    distributions: dict[str, Any] = {}
    fixed: dict[str, str] = {}
    for text in arguments:
        override = parse_override(text)
        if override.is_hydra_override():
            continue
        name = override.get_key_element()
        value = distribution_from_override(override)
        distributions.pop(name, None)
        fixed.pop(name, None)
        if isinstance(value, str):
            fixed[name] = value
        else:
            distributions[name] = value
    return SearchSpace(distributions=distributions, fixed=fixed)


def legacy_search_space(search_space: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Hydra 1.1's ``search_space`` format (``{type: int|float|categorical, low, high, step, log,
    choices}``) as distributions, so configs written for the old plugin keep working."""
    import optuna.distributions as dist

    built: dict[str, Any] = {}
    for name, spec in search_space.items():
        kind = spec.get("type")
        log = bool(spec.get("log", False))
        step = spec.get("step")
        if kind == "categorical":
            built[name] = dist.CategoricalDistribution(list(spec["choices"]))
        elif kind == "int":
            built[name] = dist.IntDistribution(
                int(spec["low"]), int(spec["high"]), log=log, step=int(step or 1)
            )
        elif kind == "float":
            built[name] = dist.FloatDistribution(
                float(spec["low"]), float(spec["high"]), log=log, step=step
            )
        else:
            raise SearchSpaceError(
                f"hydra.sweeper.search_space.{name}.type must be int, float or categorical, got {kind!r}"
            )
    return built


def describe(distribution: Any) -> dict[str, Any]:
    """A library-neutral description of a distribution, old (Optuna 2) and new classes alike:
    ``{kind: float|int|categorical, low, high, step, log}`` or ``{kind: categorical, choices}``."""
    name = type(distribution).__name__
    if name == "CategoricalDistribution":
        return {"kind": "categorical", "choices": list(distribution.choices)}
    kind = "int" if name.startswith("Int") else "float"
    log = bool(getattr(distribution, "log", False)) or "Log" in name
    step = getattr(distribution, "step", None)
    if name == "DiscreteUniformDistribution":
        step = distribution.q
    if log:
        step = None
    return {
        "kind": kind,
        "low": distribution.low,
        "high": distribution.high,
        "step": step,
        "log": log,
    }


def override_text(name: str, value: Any, encode: Callable[[Any], Any] | None = None) -> str:
    """``name=value`` for a sampled value, as Hydra's plugin writes it (``f"{name}={value}"``)."""
    return f"{name}={value if encode is None else encode(value)}"
