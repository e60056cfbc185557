"""The repository over a search path: first source wins, options are the union, built-ins are there."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from runlab.config.repository import ConfigRepository
from runlab.config.searchpath import HYDRA_ENTRY, SCHEMA_ENTRY
from runlab.config.sources import ObjectType, SearchPathEntry
from runlab.config.store import ConfigStore

DATA = Path(__file__).parent / "data" / "repository"
PLUGIN_OPTIONS = Path(__file__).parent / "data" / "plugin_options"


@pytest.fixture
def store() -> ConfigStore:
    fresh = ConfigStore()
    fresh.store(name="mysql", node={"name": "mysql-stored"}, group="db", provider="lib")
    fresh.store(name="oracle", node={"name": "oracle"}, group="db", package="stored.db")
    return fresh


@pytest.fixture
def repo(store: ConfigStore) -> ConfigRepository:
    return ConfigRepository(
        [
            HYDRA_ENTRY,
            SearchPathEntry("main", f"file://{DATA / 'primary'}"),
            SearchPathEntry("command-line", f"file://{DATA / 'secondary'}"),
            SCHEMA_ENTRY,
        ],
        store=store,
    )


def test_first_source_that_has_a_config_wins(repo: ConfigRepository) -> None:
    result = repo.load_config("db/mysql")
    assert result is not None
    assert result.config == {"name": "mysql-primary"}
    assert (result.provider, result.config_path, result.is_schema_source) == ("main", "db/mysql", False)
    assert result.path == f"file://{DATA / 'primary'}"


def test_later_sources_fill_in(repo: ConfigRepository) -> None:
    postgresql = repo.load_config("db/postgresql")
    assert postgresql is not None and postgresql.provider == "command-line"
    oracle = repo.load_config("db/oracle")
    assert oracle is not None
    assert (oracle.provider, oracle.is_schema_source) == ("schema", True)
    assert oracle.header == {"package": "stored.db"}


def test_missing_config_is_none(repo: ConfigRepository) -> None:
    assert repo.load_config("db/nope") is None
    assert not repo.config_exists("db/nope")


def test_group_options_are_the_sorted_union(repo: ConfigRepository) -> None:
    assert repo.get_group_options("db") == ["mysql", "oracle", "postgresql", "sqlite"]
    assert repo.get_group_options("server") == ["apache"]
    assert repo.get_group_options("server", ObjectType.GROUP) == ["db"]
    assert repo.get_group_options("server", None) == ["apache", "db"]
    assert repo.get_group_options("no_such_group") == []


def test_group_and_config_existence(repo: ConfigRepository) -> None:
    assert repo.group_exists("db") and repo.group_exists("schema") and repo.group_exists("hydra")
    assert not repo.group_exists("config")
    assert repo.config_exists("config") and repo.config_exists("schema/school")
    assert repo.config_exists("hydra/config")


def test_builtin_options_shadow_user_files_of_the_same_name(repo: ConfigRepository) -> None:
    result = repo.load_config("hydra/job_logging/default")
    assert result is not None
    assert result.provider == "hydra"
    assert result.config.root.handlers == ["console", "file"]
    assert repo.get_group_options("hydra/job_logging") == ["custom", "default", "disabled", "none", "stdout"]


def test_list_groups_names_the_direct_sub_groups(repo: ConfigRepository) -> None:
    assert repo.list_groups() == ["db", "empty_group", "hydra", "schema", "server"]
    assert repo.list_groups("server") == ["db"]
    assert repo.list_groups("hydra/sweeper") == ["sampler"]
    assert repo.list_groups("db") == []


def test_list_all_groups_recursively_skips_groups_without_configs(repo: ConfigRepository) -> None:
    groups = repo.list_all_groups()
    assert [g for g in groups if not g.startswith("hydra")] == [
        "db", "empty_group/sub", "schema", "server", "server/db",
    ]
    assert "empty_group" not in groups
    assert "hydra/sweeper/sampler" in groups
    assert repo.list_all_groups("server") == ["server/db"]


def test_describe_search_path_leaves_out_the_schema(repo: ConfigRepository) -> None:
    assert repo.describe_search_path() == (
        "\tprovider=hydra, path=pkg://runlab.conf\n"
        f"\tprovider=main, path=file://{DATA / 'primary'}\n"
        f"\tprovider=command-line, path=file://{DATA / 'secondary'}"
    )


def test_schema_source_is_the_last(repo: ConfigRepository) -> None:
    assert repo.get_schema_source().provider == "schema"
    assert len(repo.get_sources()) == 4
    with pytest.raises(ValueError, match="schema config source must be last"):
        ConfigRepository([HYDRA_ENTRY], store=ConfigStore()).get_schema_source()


def test_repository_without_structured_entry_registers_nothing() -> None:
    fresh = ConfigStore()
    ConfigRepository([HYDRA_ENTRY], store=fresh)
    assert fresh.repo == {}


def test_loads_are_fresh_objects(repo: ConfigRepository) -> None:
    first = repo.load_config("hydra/config")
    assert first is not None
    first.config.verbose = True
    second = repo.load_config("hydra/config")
    assert second is not None and second.config.verbose is False


# ---------------------------------------------------------------- built-in hydra/* groups

BUILTIN_OPTIONS = {
    "hydra/output": ["default"],
    "hydra/launcher": ["basic", "joblib", "processes", "ray", "submitit_local", "submitit_slurm"],
    "hydra/sweeper": ["ax", "basic", "optuna"],
    "hydra/sweeper/sampler": ["cmaes", "grid", "motpe", "nsgaii", "qmc", "random", "tpe"],
    "hydra/help": ["default"],
    "hydra/hydra_help": ["default"],
    "hydra/hydra_logging": ["default", "disabled", "hydra_debug", "none"],
    "hydra/job_logging": ["default", "disabled", "none", "stdout"],
    "hydra/env": ["default"],
    "hydra": ["config"],
}


@pytest.fixture
def builtin_repo() -> ConfigRepository:
    return ConfigRepository([HYDRA_ENTRY, SCHEMA_ENTRY], store=ConfigStore())


@pytest.mark.parametrize(("group", "options"), BUILTIN_OPTIONS.items())
def test_builtin_group_options(builtin_repo: ConfigRepository, group: str, options: list[str]) -> None:
    assert builtin_repo.get_group_options(group) == options


TARGETS = {
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher":
        "runlab.plugins.processes.ProcessLauncher",
    "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher": "runlab.plugins.ray.RayLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher":
        "runlab.plugins.submitit.LocalLauncher",
    "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher":
        "runlab.plugins.submitit.SlurmLauncher",
    "hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper": "runlab.plugins.optuna.OptunaSweeper",
    "hydra_plugins.hydra_ax_sweeper.ax_sweeper.AxSweeper": "runlab.plugins.ax.AxSweeper",
}

SAMPLER_MODULES = {"optuna.samplers.": "runlab.plugins.optuna_samplers."}
"""Optuna's sampler classes are built through runlab's factories (same arguments)."""

_OPTUNA_FIXTURES = ["sweeper_optuna"] + [
    f"sweeper_optuna_{name}" for name in ("random", "cmaes", "nsgaii", "motpe", "grid", "qmc")
]

RUNLAB_ONLY_KEYS: dict[str, dict[str, object]] = {
    # srun_args: Hydra's submitit plugin has it after 1.2.0 (the observed fixture predates it)
    "launcher_submitit_slurm": {"srun_args": None, "detach": False},
    "launcher_ray": {"detach": False},
    # objective_key: which entry of a dict return value is the objective
    **{fixture: {"objective_key": None} for fixture in [*_OPTUNA_FIXTURES, "sweeper_ax"]},
}
"""Keys a launcher's YAML adds after all of the official plugin's (submit-and-return: `detach`)."""


def _compose_option(repo: ConfigRepository, group: str, option: str, sampler: str | None) -> str:
    """The option's node as Hydra composes it: its own defaults (the sampler) first, then itself."""
    result = repo.load_config(f"{group}/{option}")
    assert result is not None
    node = result.config
    composed = OmegaConf.create()
    if "defaults" in node:
        assert list(node.defaults) == [{"sampler": "tpe"}, "_self_"]
        chosen = repo.load_config(f"{group}/sampler/{sampler or 'tpe'}")
        assert chosen is not None
        composed.sampler = chosen.config
        del node["defaults"]
    composed.merge_with(node)
    return OmegaConf.to_yaml(composed)


@pytest.mark.parametrize(
    ("fixture", "group", "option", "sampler"),
    [
        ("launcher_joblib", "hydra/launcher", "joblib", None),
        ("launcher_ray", "hydra/launcher", "ray", None),
        ("launcher_submitit_local", "hydra/launcher", "submitit_local", None),
        ("launcher_submitit_slurm", "hydra/launcher", "submitit_slurm", None),
        ("sweeper_ax", "hydra/sweeper", "ax", None),
        ("sweeper_optuna", "hydra/sweeper", "optuna", None),
        *[
            (f"sweeper_optuna_{name}", "hydra/sweeper", "optuna", name)
            for name in ("random", "cmaes", "nsgaii", "motpe", "grid", "qmc")
        ],
    ],
)
def test_plugin_options_have_the_official_plugins_keys(
    builtin_repo: ConfigRepository, fixture: str, group: str, option: str, sampler: str | None
) -> None:
    """Same keys, order and defaults as the official plugin produces; only ``_target_`` is runlab's,
    and runlab's own keys (``RUNLAB_ONLY_KEYS``) come after all of them."""
    expected = (PLUGIN_OPTIONS / f"{fixture}.yaml").read_text(encoding="utf-8")
    for hydra_target, runlab_target in {**TARGETS, **SAMPLER_MODULES}.items():
        expected = expected.replace(hydra_target, runlab_target)
    node = OmegaConf.create(expected)  # drops the fixture's comment
    for key, value in RUNLAB_ONLY_KEYS.get(fixture, {}).items():
        assert key not in node, f"{key} is the official plugin's: pin its place in the fixture"
        node[key] = value
    assert _compose_option(builtin_repo, group, option, sampler) == OmegaConf.to_yaml(node)


def test_plugin_options_carry_no_package_header(builtin_repo: ConfigRepository) -> None:
    """Like the plugins' stored configs, the options land at their group's default package."""
    for group in ("hydra/launcher", "hydra/sweeper", "hydra/sweeper/sampler"):
        for option in builtin_repo.get_group_options(group):
            result = builtin_repo.load_config(f"{group}/{option}")
            assert result is not None and result.header == {"package": None}, f"{group}/{option}"


def test_basic_and_processes_targets(builtin_repo: ConfigRepository) -> None:
    targets = {
        name: builtin_repo.load_config(f"hydra/launcher/{name}").config._target_  # type: ignore[union-attr]
        for name in ("basic", "processes")
    }
    assert targets == {
        "basic": "runlab.plugins.serial.BasicLauncher",
        "processes": "runlab.plugins.processes.ProcessLauncher",
    }
    sweeper = builtin_repo.load_config("hydra/sweeper/basic")
    assert sweeper is not None
    assert OmegaConf.to_container(sweeper.config) == {
        "_target_": "runlab.plugins.grid.BasicSweeper", "max_batch_size": None, "params": None,
    }
