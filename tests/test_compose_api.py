"""Hydra's compose API on runlab: initialize*, compose, GlobalHydra (spec §1.3, §1.1.3)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from omegaconf import OmegaConf, open_dict

import runlab
from runlab import compose, initialize, initialize_config_dir, initialize_config_module
from runlab.config.versions import get_base, set_base
from runlab.core.global_hydra import GlobalHydra
from runlab.errors import Hydra14MigrationWarning, HydraException


@pytest.fixture(autouse=True)
def _clean_global_state() -> Iterator[None]:
    GlobalHydra.instance().clear()
    yield
    GlobalHydra.instance().clear()


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    root = tmp_path / "conf"
    (root / "db").mkdir(parents=True)
    (root / "config.yaml").write_text("defaults:\n  - db: mysql\n  - _self_\n\nx: 1\n")
    (root / "db" / "mysql.yaml").write_text("driver: mysql\n")
    (root / "db" / "sqlite.yaml").write_text("driver: sqlite\n")
    return root


def test_compose_before_initialize_fails() -> None:
    with pytest.raises(AssertionError, match="^GlobalHydra is not initialized, use @hydra.main"):
        compose("config")


def test_compose_with_initialize_config_dir(conf: Path) -> None:
    with initialize_config_dir(config_dir=str(conf), version_base=None):
        config = compose("config", overrides=["db=sqlite", "+y=2"])
    assert OmegaConf.to_container(config) == {"db": {"driver": "sqlite"}, "x": 1, "y": 2}
    assert OmegaConf.is_struct(config)
    assert "hydra" not in config
    assert not GlobalHydra.instance().is_initialized()


def test_return_hydra_config(conf: Path) -> None:
    with initialize_config_dir(config_dir=str(conf), version_base="1.3", job_name="myjob"):
        config = compose("config", return_hydra_config=True)
    assert config.hydra.job.name == "myjob"
    assert config.hydra.mode is None
    assert OmegaConf.is_missing(config.hydra.runtime, "output_dir")
    assert config.hydra.runtime.choices.db == "mysql"


def test_context_managers_restore_previous_state(conf: Path) -> None:
    with initialize_config_dir(config_dir=str(conf), version_base="1.2", job_name="outer"):
        outer = GlobalHydra.instance().hydra
        assert get_base() == "1.2"
        with pytest.raises(ValueError, match="already initialized"):
            initialize_config_dir(config_dir=str(conf), version_base=None)
        GlobalHydra.instance().clear()
        set_base("1.2")
        with initialize_config_dir(config_dir=str(conf), version_base=None, job_name="inner"):
            assert compose("config", return_hydra_config=True).hydra.job.name == "inner"
            assert get_base() == "1.3"
        # restored to the state when the inner initializer was created: cleared
        assert not GlobalHydra.instance().is_initialized()
        assert get_base() == "1.2"
        GlobalHydra.instance().hydra = outer
    assert not GlobalHydra.instance().is_initialized()


def test_initializing_twice_is_refused(conf: Path) -> None:
    initialize_config_dir(config_dir=str(conf), version_base=None)
    with pytest.raises(ValueError, match="^GlobalHydra is already initialized, call "):
        initialize_config_dir(config_dir=str(conf), version_base=None)


def test_initialize_config_dir_requires_an_absolute_dir() -> None:
    with pytest.raises(HydraException, match="requires an absolute config_dir as input"):
        initialize_config_dir(config_dir="conf", version_base=None)


def test_initialize_requires_a_relative_path(tmp_path: Path) -> None:
    with pytest.raises(HydraException, match="^config_path in initialize\\(\\) must be relative$"):
        initialize(config_path=str(tmp_path), version_base=None)


def test_initialize_resolves_config_path_next_to_the_calling_file(tmp_path: Path, conf: Path) -> None:
    app = tmp_path / "my app.py"
    app.write_text(
        "from runlab import initialize, compose\n"
        "def load(overrides):\n"
        "    with initialize(config_path='conf', version_base=None):\n"
        "        return compose('config', overrides=overrides, return_hydra_config=True)\n"
        "def load_via_helper(overrides):\n"
        "    return _helper(overrides)\n"
        "def _helper(overrides):\n"
        "    with initialize(config_path='conf', version_base=None, caller_stack_depth=2):\n"
        "        return compose('config', overrides=overrides)\n"
    )
    spec = importlib.util.spec_from_file_location("rl_test_my_app", app)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.load(["db=sqlite"])
    assert config.db.driver == "sqlite"
    assert config.hydra.job.name == "my_app"
    assert module.load_via_helper([]).db.driver == "mysql"


def test_initialize_config_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "rl_test_pkg" / "conf"
    package.mkdir(parents=True)
    (tmp_path / "rl_test_pkg" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "config.yaml").write_text("answer: 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with initialize_config_module(config_module="rl_test_pkg.conf", version_base=None):
        config = compose("config", return_hydra_config=True)
    assert config.answer == 42
    assert config.hydra.job.name == "app"
    sources = [(s.schema, s.path) for s in config.hydra.runtime.config_sources]
    assert ("pkg", "rl_test_pkg.conf") in sources
    sys.modules.pop("rl_test_pkg.conf", None)
    sys.modules.pop("rl_test_pkg", None)


def test_version_base_warnings_and_errors(conf: Path) -> None:
    with (
        pytest.warns(Hydra14MigrationWarning, match="The version_base parameter is not specified"),
        initialize_config_dir(config_dir=str(conf)),
    ):
        assert get_base() == "1.1"
    with (
        pytest.warns(Hydra14MigrationWarning, match='version_base="1.1" selects Hydra 1.1'),
        initialize_config_dir(config_dir=str(conf), version_base="1.1"),
    ):
        pass
    with pytest.raises(HydraException, match='^version_base must be >= "1.1"$'):
        initialize_config_dir(config_dir=str(conf), version_base="1.0")
    with initialize_config_dir(config_dir=str(conf), version_base="1.4.2"):
        assert get_base() == "1.4"


def test_strict_argument(conf: Path) -> None:
    with (
        initialize_config_dir(config_dir=str(conf), version_base=None),
        pytest.raises(TypeError, match="got an unexpected 'strict' argument"),
    ):
        compose("config", strict=False)
    with pytest.warns(Hydra14MigrationWarning):
        context = initialize_config_dir(config_dir=str(conf), version_base="1.1")
    with context, pytest.warns(UserWarning, match="strict flag in the compose API is deprecated"):
        config = compose("config", strict=False)
    assert not OmegaConf.is_struct(config)


def test_no_primary_config(conf: Path) -> None:
    with initialize_config_dir(config_dir=str(conf), version_base=None):
        assert OmegaConf.to_container(compose(overrides=["+a=1", "+db=sqlite"])) == {
            "a": 1,
            "db": {"driver": "sqlite"},
        }


def test_public_names() -> None:
    assert runlab.compose is compose
    assert GlobalHydra() is GlobalHydra.instance()


_CALLER_SCRIPT = """
import importlib, sys, warnings
api = importlib.import_module(sys.argv[1])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with api.initialize():
        cfg = api.compose(overrides=["+a=1"], return_hydra_config=True)
        print(cfg.hydra.job.name, cfg.hydra.runtime.version_base, cfg.a)
        print([s.schema + ":" + s.provider for s in cfg.hydra.runtime.config_sources])
for w in caught:
    print(w.category.__name__, repr(str(w.message)))
for bad in ("/abs", "conf.yaml"):
    try:
        api.initialize(config_path=bad, version_base=None)
    except Exception as error:
        print(type(error).__name__, error)
"""


@pytest.mark.oracle
def test_initialize_behaves_like_hydra(tmp_path: Path) -> None:
    """Caller-relative config dir, job name from the file, 1.1 defaults and their warnings."""
    import subprocess

    from oracle import oracle_env, oracle_python

    script = tmp_path / "my_script.py"
    script.write_text(_CALLER_SCRIPT)
    outputs = []
    for python, package in ((oracle_python(), "hydra"), (sys.executable, "runlab")):
        env = {k: v for k, v in oracle_env().items() if not k.startswith("PYTHON")}
        done = subprocess.run(
            [python, str(script), package], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0].startswith("my_script 1.1 1\n")
    assert outputs[1] == outputs[0]


# -- compose() without the hydra node ---------------------------------------------------------------
@pytest.fixture
def full_compositions(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Counts compositions that built the ``hydra`` node (the general path)."""
    import runlab.config.compose as composing

    calls: list[object] = []
    general = composing._compose

    def spy(**kwargs: object) -> object:
        calls.append(kwargs)
        return general(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(composing, "_compose", spy)
    return calls


def test_compose_skips_the_hydra_node_when_nothing_touches_it(
    conf: Path, full_compositions: list[object]
) -> None:
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        lite = compose("config", overrides=["db=sqlite", "x=2", "+w=3"])
        assert full_compositions == []
        full = compose("config", overrides=["db=sqlite", "x=2", "+w=3"], return_hydra_config=True)
    assert len(full_compositions) == 1
    with open_dict(full):
        del full["hydra"]
    assert OmegaConf.to_yaml(lite) == OmegaConf.to_yaml(full) == "db:\n  driver: sqlite\nx: 2\nw: 3\n"
    assert OmegaConf.is_struct(lite)


@pytest.mark.parametrize(
    ("primary", "overrides"),
    [
        ("x: 1\nhydra:\n  job:\n    chdir: true\n", []),  # the primary config sets hydra.*
        ("defaults:\n  - override hydra/job_logging: disabled\n  - _self_\nx: 1\n", []),
        ("x: 1\n", ["hydra.job.name=other"]),  # a hydra override
        ("x: 1\n", ["hydra/launcher=basic"]),
    ],
)
def test_compose_builds_the_hydra_node_when_it_could_matter(
    tmp_path: Path, primary: str, overrides: list[str], full_compositions: list[object]
) -> None:
    (tmp_path / "config.yaml").write_text(primary)
    with initialize_config_dir(config_dir=str(tmp_path), version_base="1.3"):
        config = compose("config", overrides=overrides)
    assert len(full_compositions) == 1
    assert OmegaConf.to_container(config) == {"x": 1}


def test_errors_without_the_hydra_node_are_the_general_paths(
    conf: Path, full_compositions: list[object]
) -> None:
    from runlab.errors import ConfigCompositionException

    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        with pytest.raises(ConfigCompositionException) as lite:
            compose("config", overrides=["z=1"])
        with pytest.raises(ConfigCompositionException) as full:
            compose("config", overrides=["z=1"], return_hydra_config=True)
    assert str(lite.value) == str(full.value)
    assert len(full_compositions) == 2
