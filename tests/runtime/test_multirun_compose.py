"""The template fast path for sweep jobs gives exactly the config a full composition gives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from omegaconf import OmegaConf

from runlab.config.compose import ComposeContext, Composed, compose_config, compose_sweep_job
from runlab.config.repository import ConfigRepository
from runlab.config.searchpath import create_search_path
from runlab.core.config_store import ConfigStore
from runlab.errors import ConfigCompositionException
from runlab.plugins.grid import expand_sweep
from runlab.runtime.sweep_compose import JobComposer
from runlab.types import RunMode

CONFIG = """
defaults:
  - db: mysql
  - _self_
lr: 0.1
name: exp
nested:
  depth: 2
  tags: [a, b]
typed: ${nested.depth}
"""


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    (conf / "db").mkdir(parents=True)
    (conf / "config.yaml").write_text(CONFIG)
    (conf / "db" / "mysql.yaml").write_text("driver: mysql\nport: 3306\n")
    (conf / "db" / "postgresql.yaml").write_text("driver: pg\nport: 5432\n")
    return conf


def node_types(node: Any, path: str = "") -> dict[str, tuple[Any, ...]]:
    """Each node's class and type metadata: what ``to_yaml`` cannot show (an int in an AnyNode or
    in an IntegerNode dumps the same)."""
    metadata = node._metadata
    found = {path: (type(node), metadata.ref_type, metadata.object_type, metadata.optional,
                    dict(metadata.flags or {}))}
    content = node.__dict__.get("_content")
    children = (
        content.items() if isinstance(content, dict)
        else enumerate(content) if isinstance(content, list) else ()
    )
    for key, child in children:
        found.update(node_types(child, f"{path}.{key}"))
    return found


def master_for(conf: Path, overrides: list[str]) -> Composed:
    context = ComposeContext(
        job_name="app", version_base="1.3", cwd=os.getcwd(), config_name="config"
    )
    return compose_config(
        search_path=create_search_path(str(conf)).entries,
        config_name="config",
        overrides=[*overrides, "hydra.mode=MULTIRUN"],
        run_mode=RunMode.MULTIRUN,
        context=context,
    )


def composer_for(master: Composed) -> JobComposer:
    repository = ConfigRepository(master.search_path)
    return JobComposer(lambda o: compose_sweep_job(master, list(o)).config, repository.group_exists)


SWEEPS = [
    (["lr=0.1,0.2,0.3"], 2),
    (["lr=range(0,1,0.25)", "name=x,y"], 7),
    (["db=mysql,postgresql", "lr=1,2"], 2),  # one template per db choice
    (["+extra=1,2,3"], 2),
    (["nested.depth=1,5", "db.port=1,2"], 3),
    (["nested={depth:3},{depth:4}"], 0),  # containers always compose fully
    (["~name", "lr=1,2"], 1),
    (["lr=1,2", "name=q", "+w=hello\\ world,'quoted,comma'"], 3),
    (["lr=null,true,'${nested.depth}',???", "nested.depth=3"], 3),  # null, bool, interpolation, missing
    (["hydra.job.config.override_dirname.kv_sep=@", "lr=1,2"], 1),  # the job's dirname settings
]


@pytest.mark.parametrize(("sweep", "fast_jobs"), SWEEPS, ids=[" ".join(s) for s, _ in SWEEPS])
def test_fast_path_equals_full_composition(
    conf_dir: Path, sweep: list[str], fast_jobs: int
) -> None:
    master = master_for(conf_dir, sweep)
    composer = composer_for(master)
    jobs = expand_sweep([str(o) for o in master.config.hydra.overrides.task])
    for overrides in jobs:
        fast = composer(overrides)
        full = compose_sweep_job(master, overrides).config
        assert OmegaConf.to_yaml(fast) == OmegaConf.to_yaml(full), overrides
        assert OmegaConf.is_struct(fast) and OmegaConf.is_struct(full)
        assert OmegaConf.to_yaml(fast, resolve=False) == OmegaConf.to_yaml(full, resolve=False)
        assert list(fast.hydra.overrides.task) == overrides
        assert node_types(fast) == node_types(full), overrides
    assert composer.fast == fast_jobs
    assert composer.full == len(jobs) - fast_jobs


def test_a_bad_value_falls_back_to_the_full_composition_error(conf_dir: Path) -> None:
    (conf_dir / "config.yaml").write_text(CONFIG + "count: 1\n")
    master = master_for(conf_dir, ["lr=1,2"])
    composer = composer_for(master)
    composer(["lr=1"])
    with pytest.raises(ConfigCompositionException, match="Could not override 'nope'"):
        composer(["nope=2"])
    assert composer.fast == 0


@dataclass
class Schema:
    count: int = 1
    ratio: float = 0.5
    flag: bool = False
    label: Optional[str] = None  # noqa: UP045 - OmegaConf 2.3 reads Optional, not str | None


def test_typed_values_convert_or_fall_back_as_a_full_composition_does(conf_dir: Path) -> None:
    cs = ConfigStore.instance()
    cs.store(name="sweep_compose_schema", node=Schema)
    (conf_dir / "typed.yaml").write_text("defaults:\n  - sweep_compose_schema\n  - _self_\n")
    context = ComposeContext(job_name="app", version_base="1.3", cwd=os.getcwd(), config_name="typed")
    master = compose_config(
        search_path=create_search_path(str(conf_dir)).entries, config_name="typed",
        overrides=["count=1,2", "hydra.mode=MULTIRUN"], run_mode=RunMode.MULTIRUN, context=context,
    )
    composer = composer_for(master)
    jobs = [["count=1", "ratio=1", "flag=true", "label=x"], ["count=2", "ratio=3", "flag=no", "label=null"],
            ["count=' 7'", "ratio=2.5", "flag=false", "label=4"]]
    for overrides in jobs:
        fast = composer(overrides)
        full = compose_sweep_job(master, overrides).config
        assert OmegaConf.to_yaml(fast) == OmegaConf.to_yaml(full), overrides
        assert node_types(fast) == node_types(full), overrides
    assert composer.fast == 2
    with pytest.raises(ConfigCompositionException, match="Error merging override count=abc"):
        composer(["count=abc", "ratio=1", "flag=true", "label=x"])
    assert composer.fast == 2 and composer.scratch(["count=abc", "ratio=1", "flag=true", "label=x"]) is None


def test_template_is_not_affected_by_changes_to_returned_configs(conf_dir: Path) -> None:
    master = master_for(conf_dir, ["lr=1,2"])
    composer = composer_for(master)
    first = composer(["lr=1"])
    first.hydra.job.num = 99
    second = composer(["lr=2"])
    assert OmegaConf.is_missing(second.hydra.job, "num") and second.lr == 2


@pytest.mark.parametrize("sweep", [s for s, _ in SWEEPS], ids=[" ".join(s) for s, _ in SWEEPS])
def test_scratch_copy_equals_the_job_config(conf_dir: Path, sweep: list[str]) -> None:
    """Big batches are checked on one scratch copy per template: it must read as each job would."""
    master = master_for(conf_dir, sweep)
    composer = composer_for(master)
    jobs = expand_sweep([str(o) for o in master.config.hydra.overrides.task])
    checked = 0
    for overrides in jobs + list(reversed(jobs)):  # reversed: later jobs overwrite earlier values
        job = composer(overrides)
        scratch = composer.scratch(overrides)
        if scratch is None:
            continue
        checked += 1
        assert scratch is not job
        assert OmegaConf.to_yaml(scratch, resolve=False) == OmegaConf.to_yaml(job, resolve=False)
        assert OmegaConf.to_yaml(scratch) == OmegaConf.to_yaml(job)
    if composer.fast:
        assert checked >= len(jobs)


def test_scratch_refuses_what_it_cannot_check(
    conf_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = master_for(conf_dir, ["lr=1,2"])
    composer = composer_for(master)
    assert composer.scratch(["lr=1"]) is None  # no template yet: the caller composes
    composer(["lr=1"])
    assert composer.scratch(["lr=2"]) is not None
    assert composer.scratch(["lr=abc", "name=x"]) is None  # another shape

    def refuse(config: object, overrides: object) -> None:
        raise ValueError("refused")

    with monkeypatch.context() as patch:
        patch.setattr("runlab.config._value_overrides.apply_value_overrides", refuse)
        assert composer.scratch(["lr=3"]) is None  # the full composition reports the error
    assert composer.scratch(["lr=4"]).lr == 4  # a fresh scratch copy, from the template
    composer(["nested.depth=1", "nested=x"])
    # keys that overlap cannot be re-applied in any order: never checked on a scratch copy
    assert composer.scratch(["nested.depth=2", "nested=x"]) is None


def test_the_parse_caches_stay_bounded_in_a_long_sweep(
    conf_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab.runtime import sweep_compose

    monkeypatch.setattr(sweep_compose, "_MAX_PARSED", 4)
    master = master_for(conf_dir, ["lr=1,2"])
    composer = composer_for(master)
    for value in range(12):
        job = composer([f"lr={value}"])
        assert job.lr == value and list(job.hydra.overrides.task) == [f"lr={value}"]
        assert len(composer._parsed) <= 4 and len(composer._plain) <= 4
    assert composer.fast == 11
