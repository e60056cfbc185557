"""The ``hydra:`` node: schema and built-in options compared with hydra-core 1.3.8 itself.

runlab's node must print like Hydra's (``--cfg hydra``, ``.hydra/hydra.yaml``): same keys, same order,
same defaults and types.  Only what must differ is normalized: runlab's version, the paths of the
search path entries, the launcher/sweeper ``_target_`` and the help prose (runlab's own words; the
template structure and placeholders stay).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict

from runlab.config.repository import ConfigRepository
from runlab.config.searchpath import config_source_infos, create_search_path, main_search_path_dir
from runlab.config.settings import (
    HYDRA_DEFAULTS,
    HydraConf,
    JobConf,
    register_builtin_configs,
)
from runlab.config.store import ConfigStore
from tests.oracle import run_oracle, run_oracle_script

HELP_PROSE_KEYS = (
    "hydra.help.header", "hydra.help.footer", "hydra.help.template", "hydra.hydra_help.template",
)
TARGETS = {
    "hydra._internal.core_plugins.basic_launcher.BasicLauncher": "runlab.plugins.serial.BasicLauncher",
    "hydra._internal.core_plugins.basic_sweeper.BasicSweeper": "runlab.plugins.grid.BasicSweeper",
}


def _leaf_types(node: Any, prefix: str = "") -> Iterator[tuple[str, str, bool]]:
    """(path, declared type, optional) for every node of a structured config."""
    for key in node:
        child = node._get_node(key)
        path = f"{prefix}{key}"
        ref = child._metadata.ref_type
        yield path, getattr(ref, "__qualname__", str(ref)), child._is_optional()
        if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
            yield from _leaf_types(child, f"{path}.")


_LEAF_TYPES_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from omegaconf import DictConfig, OmegaConf
    from hydra.conf import HydraConf

    def leaf_types(node, prefix=""):
        for key in node:
            child = node._get_node(key)
            path = f"{prefix}{key}"
            ref = child._metadata.ref_type
            yield path, getattr(ref, "__qualname__", str(ref)), child._is_optional()
            if isinstance(child, DictConfig) and not child._is_missing() and not child._is_none():
                yield from leaf_types(child, f"{path}.")

    schema = OmegaConf.structured(HydraConf)
    print(json.dumps({"yaml": OmegaConf.to_yaml(schema), "types": list(leaf_types(schema))}))
    """
)


@pytest.mark.oracle
def test_schema_matches_hydras_keys_defaults_order_and_types() -> None:
    finished = run_oracle(_LEAF_TYPES_SCRIPT)
    assert finished.returncode == 0, finished.stderr
    oracle = json.loads(finished.stdout)
    ours = OmegaConf.structured(HydraConf)
    assert OmegaConf.to_yaml(ours) == oracle["yaml"]
    # typing spellings differ between omegaconf versions (List[str] / list[str]); compare normalized
    def normalize(name: str) -> str:
        return name.replace("typing.", "").replace("List", "list").replace("Dict", "dict")

    assert [(p, normalize(t), o) for p, t, o in _leaf_types(ours)] == [
        (p, normalize(t), o) for p, t, o in oracle["types"]
    ]


def test_builtin_defaults_match_the_schema() -> None:
    assert HydraConf().defaults == [{group: option} for group, option in HYDRA_DEFAULTS]
    assert [group for group, _ in HYDRA_DEFAULTS] == [
        "output", "launcher", "sweeper", "help", "hydra_help", "hydra_logging", "job_logging",
        "callbacks", "env",
    ]


def test_job_conf_nested_defaults() -> None:
    job = OmegaConf.structured(JobConf)
    assert OmegaConf.to_container(job.config) == {
        "override_dirname": {"kv_sep": "=", "item_sep": ",", "exclude_keys": []}
    }
    assert job.chdir is None


def test_register_keeps_a_hydra_config_the_user_stored() -> None:
    store = ConfigStore()
    store.store(name="config", group="hydra", node={"custom": True}, provider="me")
    register_builtin_configs(store)
    assert store.load("hydra/config.yaml").provider == "me"


def test_mode_accepts_run_modes() -> None:
    from runlab.types import RunMode

    node = OmegaConf.structured(HydraConf)
    node.mode = RunMode.MULTIRUN
    assert node.mode is RunMode.MULTIRUN


# ---------------------------------------------------------------- built-in option files

_BUILTIN_FILES_SCRIPT = textwrap.dedent(
    """
    import json
    from importlib import resources
    from omegaconf import OmegaConf

    root = resources.files("hydra.conf") / "hydra"
    found = {}
    for group in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for item in sorted((root / group).iterdir(), key=lambda p: p.name):
            if item.name.endswith(".yaml"):
                text = item.read_text(encoding="utf-8")
                found[f"hydra/{group}/{item.name[:-5]}"] = OmegaConf.to_container(OmegaConf.create(text))
    print(json.dumps(found))
    """
)


@pytest.mark.oracle
def test_builtin_option_files_hold_hydras_values() -> None:
    """Every YAML option Hydra ships exists in runlab.conf with the same data (help: same keys)."""
    finished = run_oracle(_BUILTIN_FILES_SCRIPT)
    assert finished.returncode == 0, finished.stderr
    oracle: dict[str, Any] = json.loads(finished.stdout)
    assert len(oracle) == 12
    repo = ConfigRepository(create_search_path(None).entries, store=ConfigStore())
    for config_path, expected in oracle.items():
        loaded = repo.load_config(config_path)
        assert loaded is not None, config_path
        ours = OmegaConf.to_container(loaded.config)
        if config_path.startswith(("hydra/help/", "hydra/hydra_help/")):
            assert isinstance(ours, dict)
            assert list(ours) == list(expected), config_path
        else:
            assert json.dumps(ours) == json.dumps(expected), config_path


# ---------------------------------------------------------------- the composed default node

APP = textwrap.dedent(
    """
    import hydra

    @hydra.main(version_base=None, config_path="conf", config_name="config")
    def main(cfg):
        pass

    if __name__ == "__main__":
        main()
    """
)


def _compose_hydra_node(repo: ConfigRepository, primary: DictConfig) -> DictConfig:
    """Merge the built-in defaults, the schema and the primary config in Hydra's order."""
    root = OmegaConf.create()
    for group, option in HYDRA_DEFAULTS:
        if option is None:
            continue
        loaded = repo.load_config(f"hydra/{group}/{option}")
        assert loaded is not None
        placed = OmegaConf.create()
        OmegaConf.update(placed, loaded.header["package"] or f"hydra.{group}", loaded.config, force_add=True)
        root.merge_with(placed)
    schema = repo.load_config("hydra/config")
    assert schema is not None and schema.provider == "hydra"
    with open_dict(schema.config):
        del schema.config["defaults"]
    root.merge_with({"hydra": schema.config})
    root.merge_with(primary)
    return root


def _fill_runtime(root: DictConfig, *, cwd: Path, entries: Any) -> None:
    """What composition fills in for a plain run (``--cfg`` mode: no output dir, mode null)."""
    hydra = root.hydra
    hydra.job.name = "my_app"
    hydra.job.override_dirname = ""
    hydra.job.config_name = "config"
    hydra.runtime.version = "<version>"
    hydra.runtime.version_base = "1.3"
    hydra.runtime.cwd = str(cwd)
    hydra.runtime.config_sources = config_source_infos(entries)
    # Hydra lists choices in reverse processing order (hydra entries last)
    hydra.runtime.choices = {f"hydra/{g}": o for g, o in reversed(HYDRA_DEFAULTS)}


_TOKENS = re.compile(r"\$\{[^}]+\}|\$[A-Z_]+|== [^=\n]+ ==")


def _normalize(node_yaml: str) -> tuple[str, dict[str, list[str]]]:
    """Blank the help prose, keeping the placeholders and section titles of each template."""
    data = OmegaConf.to_container(OmegaConf.create(node_yaml), resolve=False)
    skeletons = {}
    for key in HELP_PROSE_KEYS:
        *parents, leaf = key.split(".")
        holder: Any = data
        for part in parents:
            holder = holder[part]
        text = holder[leaf]
        assert isinstance(text, str), key
        skeletons[key] = _TOKENS.findall(text)
        holder[leaf] = "<prose>"
    return OmegaConf.to_yaml(OmegaConf.create(data)), skeletons


@pytest.mark.oracle
def test_default_hydra_node_matches_hydra(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "conf").mkdir(parents=True)
    (app / "my_app.py").write_text(APP, encoding="utf-8")
    (app / "conf" / "config.yaml").write_text("db:\n  driver: mysql\n", encoding="utf-8")
    finished = run_oracle_script(app / "my_app.py", ["--cfg", "all"], cwd=app)
    assert finished.returncode == 0, finished.stderr
    oracle_text = finished.stdout
    for hydra_target, runlab_target in TARGETS.items():
        oracle_text = oracle_text.replace(hydra_target, runlab_target)
    oracle = OmegaConf.create(oracle_text)
    oracle.hydra.runtime.version = "<version>"
    for source in oracle.hydra.runtime.config_sources:
        source.path = source.path.replace("hydra.conf", "runlab.conf")

    entries = create_search_path(main_search_path_dir("conf", calling_file=str(app / "my_app.py"))).entries
    repo = ConfigRepository(entries, store=ConfigStore())
    primary = repo.load_config("config")
    assert primary is not None and isinstance(primary.config, DictConfig)
    ours = _compose_hydra_node(repo, primary.config)
    _fill_runtime(ours, cwd=app, entries=entries)

    oracle_yaml, oracle_skeletons = _normalize(OmegaConf.to_yaml(oracle))
    our_yaml, our_skeletons = _normalize(OmegaConf.to_yaml(ours))
    assert our_yaml == oracle_yaml
    assert our_skeletons == oracle_skeletons
    assert our_skeletons["hydra.help.template"] == [
        "${hydra.help.header}", "== Configuration groups ==", "$APP_CONFIG_GROUPS", "== Config ==",
        "$CONFIG", "${hydra.help.footer}",
    ]


def test_help_texts_are_runlabs_own() -> None:
    repo = ConfigRepository(create_search_path(None).entries, store=ConfigStore())
    for path in ("hydra/help/default", "hydra/hydra_help/default"):
        loaded = repo.load_config(path)
        assert loaded is not None
        text = json.dumps(OmegaConf.to_container(loaded.config))
        assert "runlab" in text
        assert "Powered by Hydra" not in text and "powered by Hydra" not in text


def test_composed_node_validates_against_the_schema() -> None:
    repo = ConfigRepository(create_search_path(None).entries, store=ConfigStore())
    root = _compose_hydra_node(repo, OmegaConf.create())
    assert OmegaConf.get_type(root.hydra) is HydraConf
    with pytest.raises(Exception, match="Key 'nope' not in 'JobConf'"):
        root.hydra.job.nope = 1
    assert isinstance(root.hydra.overrides.task, ListConfig)
