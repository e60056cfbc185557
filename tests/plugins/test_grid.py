"""The grid sweeper's expansion rules (Hydra 1.3's BasicSweeper, observed)."""

from __future__ import annotations

import sys

import pytest
from omegaconf import OmegaConf

from runlab.errors import ConfigCompositionException, HydraException
from runlab.plugins import SweepContext, Sweeper
from runlab.plugins.grid import (
    BasicSweeper,
    UnsupportedSweepError,
    expand_sweep,
    grid_jobs,
    split_batches,
)

GROUPS = {"schema": ["school", "support", "warehouse"], "db": ["mysql", "postgresql", "sqlite"]}


def options(group: str) -> list[str]:
    return GROUPS[group]


def sweep(*arguments: str) -> list[list[str]]:
    return expand_sweep(list(arguments), options)


def test_first_key_varies_slowest() -> None:
    assert sweep("b=x,y", "a=1,2") == [
        ["b=x", "a=1"],
        ["b=x", "a=2"],
        ["b=y", "a=1"],
        ["b=y", "a=2"],
    ]


def test_non_sweeps_are_repeated_in_every_job_in_position() -> None:
    assert sweep("a=1,2", "c=fixed") == [["a=1", "c=fixed"], ["a=2", "c=fixed"]]


def test_glob_matches_the_options_of_the_group_named_by_the_key() -> None:
    assert sweep("db=mysql,postgresql", "+schema=glob(*,exclude=sup*)") == [
        ["db=mysql", "+schema=school"],
        ["db=mysql", "+schema=warehouse"],
        ["db=postgresql", "+schema=school"],
        ["db=postgresql", "+schema=warehouse"],
    ]


def test_prefixes_and_packages_are_kept_on_every_job() -> None:
    assert sweep("+a=1,2", "db@pkg=mysql,sqlite", "~c") == [
        ["+a=1", "db@pkg=mysql", "~c=null"],
        ["+a=1", "db@pkg=sqlite", "~c=null"],
        ["+a=2", "db@pkg=mysql", "~c=null"],
        ["+a=2", "db@pkg=sqlite", "~c=null"],
    ]


def test_later_argument_with_the_same_key_wins_but_keeps_the_position() -> None:
    assert sweep("b=q,r", "a=5,6", "a=7") == [["b=q", "a=7"], ["b=r", "a=7"]]
    # `+z` and `z` are different key elements
    assert sweep("+z=1", "z=2") == [["+z=1", "z=2"]]


def test_values_are_re_printed_in_override_syntax() -> None:
    assert sweep("a=hello\\ world", "b=[1,2]", "c=true", 'd="x,y"') == [
        ["a=hello\\ world", "b=[1,2]", "c=True", 'd="x,y"']
    ]


def test_no_arguments_is_one_job_without_overrides() -> None:
    assert sweep() == [[]]


def test_an_empty_range_is_no_job() -> None:
    assert sweep("a=range(1,0)") == []
    assert split_batches([], 3) == [[]]


def test_interval_is_rejected_with_hydras_message() -> None:
    with pytest.raises(UnsupportedSweepError) as info:
        sweep("a=interval(0,1)")
    assert str(info.value) == "BasicSweeper does not support sweep type : INTERVAL_SWEEP"
    assert isinstance(info.value, HydraException)


def test_sweeping_hydra_settings_is_rejected_with_hydras_message() -> None:
    with pytest.raises(ConfigCompositionException) as info:
        sweep("hydra.run.dir=a,b")
    assert (
        str(info.value)
        == "Sweeping over Hydra's configuration is not supported : 'hydra.run.dir=a,b'"
    )


def test_batches() -> None:
    jobs = [[f"a={i}"] for i in range(5)]
    assert split_batches(jobs, None) == [jobs]
    assert split_batches(jobs, 2) == [jobs[0:2], jobs[2:4], jobs[4:5]]


@pytest.mark.parametrize("bad", [0, -1, True, "2"])
def test_max_batch_size_must_be_positive(bad: object) -> None:
    with pytest.raises(
        HydraException, match="hydra.sweeper.max_batch_size must be a positive integer"
    ):
        BasicSweeper(max_batch_size=bad)  # type: ignore[arg-type]


def test_params_come_first_and_the_command_line_wins() -> None:
    sweeper = BasicSweeper(max_batch_size=2, params={"b": "q,r", "a": "5,6", "+z": "1,2"})
    assert isinstance(sweeper, Sweeper)
    sweeper.begin(
        SweepContext(config=OmegaConf.create({}), overrides=("a=7",), list_options=options)
    )
    assert sweeper.total_jobs == 4
    assert sweeper.ask() == [["b=q", "a=7", "+z=1"], ["b=q", "a=7", "+z=2"]]
    sweeper.tell([])
    assert sweeper.ask() == [["b=r", "a=7", "+z=1"], ["b=r", "a=7", "+z=2"]]
    assert sweeper.ask() is None


@pytest.mark.parametrize(
    "arguments",
    [
        ["a=1,2,3", "b=x,y", "c=range(0,4)"],
        ["a=1"],
        [],
        ["a=1,2", "b=range(0,0)"],  # an empty axis: no jobs
    ],
)
def test_grid_jobs_are_the_expanded_list_made_on_demand(arguments: list[str]) -> None:
    expected = sweep(*arguments)
    jobs = grid_jobs(arguments)
    assert len(jobs) == len(expected) and list(jobs) == expected and jobs == expected
    assert [jobs[i] for i in range(len(jobs))] == expected
    backwards = range(1, len(jobs) + 1)
    assert [jobs[-i] for i in backwards] == [expected[-i] for i in backwards]
    for start, stop in [(0, 2), (1, 5), (3, 100), (5, 2)]:
        view = jobs[start:stop]
        assert list(view) == expected[start:stop] and len(view) == len(expected[start:stop])
        assert list(view[1:3]) == expected[start:stop][1:3]
    assert jobs[::2] == expected[::2]
    with pytest.raises(IndexError):
        jobs[len(expected)]


def test_a_huge_grid_holds_only_its_axes() -> None:
    jobs = grid_jobs([f"k{i}=range(0,10)" for i in range(7)])  # ten million jobs
    assert len(jobs) == 10**7
    assert jobs[1234567] == [f"k{i}={d}" for i, d in enumerate("1234567")]
    assert split_batches(jobs, 3_000_000)[3][-1] == [f"k{i}=9" for i in range(7)]
    assert sys.getsizeof(jobs.__dict__) < 1000


@pytest.mark.parametrize(
    "sweep_text",
    [
        "range(0,5)",
        "range(10,0,-3)",
        "range(-2,2)",
        "range(5,1)",
        "range(0,0)",
        "range(3)",
        "sort(range(1,6),reverse=true)",
        "shuffle(range(0,4))",
        "range(0,1,0.25)",
        "float(range(1,4))",
        "int(range(1.0,4.0))",
    ],
)
def test_range_axes_give_the_values_the_override_enumerates(sweep_text: str) -> None:
    from runlab.config.overrides import parse_override

    enumerated = [f"a={v}" for v in parse_override(f"a={sweep_text}").sweep_string_iterator()]
    jobs = grid_jobs([f"a={sweep_text}", "b=x,y"])
    if "shuffle" in sweep_text:  # the order is random; the values are not
        assert sorted(job[0] for job in jobs[::2]) == sorted(enumerated)
        return
    assert list(jobs) == [[value, b] for value in enumerated for b in ("b=x", "b=y")]
    assert [jobs[i] for i in range(len(jobs))] == list(jobs)


def test_an_integer_range_axis_holds_no_value_strings() -> None:
    import tracemalloc

    tracemalloc.start()
    try:
        jobs = grid_jobs(["seed=range(0,10000000)", "lr=0.1,0.01"])
        traced, _peak = tracemalloc.get_traced_memory()
        assert jobs[-1] == ["seed=9999999", "lr=0.01"] and len(jobs) == 2 * 10**7
        assert list(jobs[5:8]) == [["seed=2", "lr=0.01"], ["seed=3", "lr=0.1"], ["seed=3", "lr=0.01"]]
        assert traced < 200_000  # ten million strings would be ~600 MB
    finally:
        tracemalloc.stop()
