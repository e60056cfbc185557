"""Unit tests of ``compose_config``: the pipeline pieces not visible through the compose API.

(The differential suite covers what hydra-core shows; here: origins, the hydra node's runtime
fields, run modes, sweep jobs, and the override_dirname rules.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from runlab.config.compose import (
    ComposeContext,
    Composed,
    compose_config,
    compose_sweep_job,
    override_dirname,
)
from runlab.config.overrides import parse_overrides
from runlab.config.sources import SearchPathEntry
from runlab.errors import ConfigCompositionException
from runlab.types import RunMode


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _search_path(root: Path) -> list[SearchPathEntry]:
    return [
        SearchPathEntry("hydra", "pkg://runlab.conf"),
        SearchPathEntry("main", f"file://{root}"),
        SearchPathEntry("schema", "structured://"),
    ]


def _compose(
    root: Path,
    name: str | None,
    *overrides: str,
    mode: RunMode = RunMode.RUN,
    **kw: bool,
) -> Composed:
    return compose_config(
        search_path=_search_path(root),
        config_name=name,
        overrides=list(overrides),
        run_mode=mode,
        context=ComposeContext(job_name="job", version_base="1.3", cwd="/launch", config_name=name),
        **kw,
    )


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    root = tmp_path / "conf"
    _write(
        root,
        {
            "config.yaml": "defaults:\n  - db: mysql\n  - _self_\n\napp:\n  name: demo\n  port: 80\n",
            "db/mysql.yaml": "driver: mysql\nport: 3306\n",
            "db/sqlite.yaml": "driver: sqlite\n",
            "mandatory.yaml": "defaults:\n  - db: ???\n",
        },
    )
    return root


def test_origins_name_the_file_or_override_that_set_each_leaf(conf: Path) -> None:
    composed = _compose(conf, "config", "db=sqlite", "app.port=81", "+extra.deep=1")
    origins = composed.origins
    assert origins["db.driver"] == "db/sqlite"
    assert origins["app.name"] == "config"
    assert origins["app.port"] == "override app.port=81"
    assert origins["extra.deep"] == "override +extra.deep=1"
    assert "db.port" not in origins  # sqlite has no port: the key is gone
    assert origins["hydra.launcher._target_"] == "hydra/launcher/basic"


def test_the_hydra_node_records_the_run(conf: Path) -> None:
    composed = _compose(conf, "config", "db=sqlite", "hydra.job.chdir=false", "app.port=81")
    hydra = composed.config.hydra
    assert list(hydra.overrides.task) == ["db=sqlite", "app.port=81"]
    assert list(hydra.overrides.hydra) == ["hydra.job.chdir=false"]
    assert hydra.job.override_dirname == "app.port=81,db=sqlite"
    assert hydra.job.name == "job"
    assert hydra.job.config_name == "config"
    assert hydra.runtime.cwd == "/launch"
    assert hydra.runtime.version_base == "1.3"
    assert [s.provider for s in hydra.runtime.config_sources] == ["hydra", "main", "schema"]
    assert hydra.runtime.choices["db"] == "sqlite"
    assert OmegaConf.is_struct(composed.config)
    assert composed.search_path[1] == SearchPathEntry("main", f"file://{conf}")


def test_job_name_from_the_config_wins(conf: Path) -> None:
    composed = _compose(conf, "config", "hydra.job.name=custom")
    assert composed.config.hydra.job.name == "custom"


def test_env_copy_fills_env_set(conf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNLAB_TEST_VAR", "v1")
    composed = _compose(conf, "config", "hydra.job.env_copy=[RUNLAB_TEST_VAR]")
    assert composed.config.hydra.job.env_set["RUNLAB_TEST_VAR"] == "v1"


def test_override_dirname_rules() -> None:
    parsed = parse_overrides(["b=\"q=r\"", "a=1", "+c=2", "~d", "skip=1"])
    assert override_dirname(parsed, kv_sep="=", item_sep=",", exclude_keys=["skip"]) == (
        '+c=2,a=1,b="q=r",~d'
    )
    assert override_dirname(parsed, kv_sep="-", item_sep="/", exclude_keys=[]) == (
        '+c-2/a-1/b-"q-r"/skip-1/~d'
    )


def test_ambiguous_sweep_hint_depends_on_the_shell(conf: Path) -> None:
    with pytest.raises(ConfigCompositionException, match=r"quote the value: key=\\'value1,value2\\'"):
        _compose(conf, "config", "app.port=1,2")
    with pytest.raises(ConfigCompositionException, match=r"quote the value: key='value1,value2'\n"):
        _compose(conf, "config", "app.port=1,2", from_shell=False)


def test_multirun_rejects_hydra_sweeps_and_skips_mandatory_groups(conf: Path) -> None:
    with pytest.raises(
        ConfigCompositionException,
        match="Sweeping over Hydra's configuration is not supported : 'hydra.run.dir=a,b'",
    ):
        _compose(conf, "config", "hydra.run.dir=a,b", mode=RunMode.MULTIRUN)
    master = _compose(conf, "mandatory", "db=mysql,sqlite", mode=RunMode.MULTIRUN)
    assert "db" not in master.config
    unchecked = _compose(conf, "config", "app.port=1,2", validate_sweep_overrides=False)
    assert unchecked.config.app.port == 80


def test_sweep_jobs_reuse_the_master(conf: Path) -> None:
    master = _compose(
        conf, "config", "hydra.mode=MULTIRUN", "db=mysql,sqlite", "app.port=5", mode=RunMode.MULTIRUN
    )
    job = compose_sweep_job(master, ["db=sqlite", "app.port=5"])
    assert job.config.db.driver == "sqlite"
    assert job.config.app.port == 5
    assert list(job.config.hydra.overrides.hydra) == ["hydra.mode=MULTIRUN"]
    assert list(job.config.hydra.overrides.task) == ["db=sqlite", "app.port=5"]
    assert job.config.hydra.job.override_dirname == "app.port=5,db=sqlite"
    with pytest.raises(ValueError, match="needs a Composed"):
        compose_sweep_job(Composed(master.config, master.defaults, {}, ()), [])


def test_sweep_jobs_see_the_masters_cached_resolver_values(conf: Path) -> None:
    calls = []

    def counter(_: str) -> int:
        calls.append(1)
        return len(calls)

    import omegaconf

    if omegaconf.__version__.startswith("2.3"):  # register_resolver gained use_cache in 2.4
        OmegaConf.register_new_resolver("runlab_test_counter", counter, use_cache=True, replace=True)
    else:
        OmegaConf.register_resolver("runlab_test_counter", counter, use_cache=True, replace=True)
    try:
        _write(conf, {"stamped.yaml": "stamp: ${runlab_test_counter:x}\n"})
        master = _compose(conf, "stamped", mode=RunMode.MULTIRUN)
        assert master.config.stamp == 1
        job = compose_sweep_job(master, [])
        assert job.config.stamp == 1
    finally:
        OmegaConf.clear_resolver("runlab_test_counter")


def test_searchpath_from_the_command_line(tmp_path: Path, conf: Path) -> None:
    _write(tmp_path / "extra", {"db/extra.yaml": "driver: extra\n"})
    composed = _compose(conf, "config", f"hydra.searchpath=[file://{tmp_path / 'extra'}]", "db=extra")
    assert composed.config.db.driver == "extra"
    providers = [e.provider for e in composed.search_path]
    assert providers == ["hydra", "main", "hydra.searchpath in command-line", "schema"]


def test_missing_config_dir_is_reported(tmp_path: Path) -> None:
    from runlab.errors import MissingConfigException

    with pytest.raises(MissingConfigException, match="Primary config directory not found"):
        _compose(tmp_path / "nope", "config")


def test_omegaconf_errors_escaping_become_composition_errors(conf: Path) -> None:
    _write(conf, {"bad_interp.yaml": "defaults:\n  - db: ${oc.env:RUNLAB_SURELY_UNSET_VAR}\n"})
    with pytest.raises(ConfigCompositionException) as caught:
        _compose(conf, "bad_interp")
    assert "RUNLAB_SURELY_UNSET_VAR" in str(caught.value.__cause__)


def test_results_are_independent_of_each_other_and_of_the_caches(conf: Path) -> None:
    first = _compose(conf, "config")
    first.config.hydra.job.chdir = True
    first.config.db.port = 1
    second = _compose(conf, "config")
    assert second.config.hydra.job.chdir is None
    assert second.config.db.port == 3306


def test_sweep_jobs_leave_the_master_untouched(conf: Path) -> None:
    master = _compose(conf, "config", "hydra.mode=MULTIRUN", "db=mysql,sqlite", mode=RunMode.MULTIRUN)
    before = OmegaConf.to_yaml(master.config)
    jobs = [compose_sweep_job(master, [f"db={name}"]) for name in ("mysql", "sqlite", "mysql")]
    assert [j.config.db.driver for j in jobs] == ["mysql", "sqlite", "mysql"]
    jobs[0].config.app.port = 1
    assert jobs[2].config.app.port == 80
    assert OmegaConf.to_yaml(master.config) == before


def test_runtime_facts_win_over_user_values(conf: Path) -> None:
    from runlab.version import __version__

    _write(conf, {"sets_runtime.yaml": "hydra:\n  runtime:\n    version: mine\nx: 1\n"})
    assert _compose(conf, "sets_runtime").config.hydra.runtime.version == __version__
    composed = _compose(conf, "config", "hydra.runtime.version_base=0.1")
    assert composed.config.hydra.runtime.version_base == "1.3"


def test_a_failing_batch_names_the_config_at_fault(conf: Path) -> None:
    _write(
        conf,
        {
            "mixed.yaml": "defaults:\n  - db: mysql\n  - part: bad\n  - _self_\n",
            "part/bad.yaml": "# @package _global_\nhydra:\n  job:\n    chdir: notabool\n",
        },
    )
    with pytest.raises(ConfigCompositionException) as caught:
        _compose(conf, "mixed")
    assert str(caught.value).startswith("In 'part/bad': ValidationError raised while composing config:")


def test_no_defaults_list_is_left_in_the_hydra_node(conf: Path) -> None:
    for _ in range(2):  # the second composition comes from the cached hydra node
        composed = _compose(conf, "config", "hydra.job.chdir=true")
        assert "defaults" not in composed.config.hydra
        assert "defaults" not in composed.config
