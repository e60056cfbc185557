"""Config sources: directories, packages (also zipped) and the ConfigStore behave like Hydra's."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from omegaconf import DictConfig, OmegaConf

from runlab.config.sources import (
    ConfigResult,
    ConfigSource,
    FileConfigSource,
    ObjectType,
    PackageConfigSource,
    SearchPathEntry,
    StructuredConfigSource,
    create_config_source,
    normalize_config_file_name,
    parse_header,
    source_types,
)
from runlab.config.store import ConfigStore
from runlab.errors import ConfigLoadError, HydraDeprecationError

DATA = Path(__file__).parent / "data" / "sources"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


# ---------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# @package foo.bar\na: 1\n", {"package": "foo.bar"}),
        ("\n\n# @package _global_\n", {"package": "_global_"}),
        ("#@package x\n", {"package": "x"}),
        ("   #   @package   x  \n", {"package": "x"}),
        ("a: 1\n# @package x\n", {"package": None}),
        ("# a plain comment first\n# @package x\n", {"package": None}),
        ("# @package x\n# @other y\n", {"package": "x", "other": "y"}),
        ("", {"package": None}),
    ],
)
def test_package_header(text: str, expected: dict[str, str | None]) -> None:
    assert parse_header(text) == expected


def test_header_must_be_in_the_first_512_characters() -> None:
    text = "\n" * 511 + "# @package late\n"
    assert parse_header(text) == {"package": None}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# @package\n", "Expected header format: KEY VALUE, got '@package'"),
        ("# @package a b\n", "Too many components in '@package a b'"),
    ],
)
def test_malformed_header(text: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_header(text)
    assert str(error.value) == message


# ---------------------------------------------------------------- file names


def test_config_names_get_yaml_appended() -> None:
    assert normalize_config_file_name("db/mysql") == "db/mysql.yaml"
    assert normalize_config_file_name("db/mysql.yaml") == "db/mysql.yaml"
    assert normalize_config_file_name("db/old.yml") == "db/old.yml.yaml"


def test_yml_names_are_kept_under_version_base_1_1_with_a_warning() -> None:
    with pytest.warns(UserWarning, match=r"Support for \.yml files is deprecated"):
        assert normalize_config_file_name("db/old.yml", allow_yml=True) == "db/old.yml"


def test_yml_deprecation_can_be_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_DEPRECATION_WARNINGS_AS_ERRORS", "1")
    with pytest.raises(HydraDeprecationError):
        normalize_config_file_name("old.yml", allow_yml=True)


# ---------------------------------------------------------------- search path entries


@pytest.mark.parametrize(
    ("path", "scheme", "location", "url"),
    [
        ("pkg://runlab.conf", "pkg", "runlab.conf", "pkg://runlab.conf"),
        ("pkg://foo/bar/", "pkg", "foo.bar", "pkg://foo.bar"),
        ("file:///abs/conf", "file", "/abs/conf", "file:///abs/conf"),
        ("relative/dir", "file", "relative/dir", "file://relative/dir"),
        ("structured://", "structured", "", "structured://"),
    ],
)
def test_search_path_entry_parts(path: str, scheme: str, location: str, url: str) -> None:
    entry = SearchPathEntry("p", path)
    assert (entry.scheme, entry.location, entry.url) == (scheme, location, url)
    assert str(entry) == f"provider=p, path={path}"


def test_unknown_scheme_is_hydras_value_error() -> None:
    with pytest.raises(ValueError) as error:
        create_config_source(SearchPathEntry("x", "zzz://somewhere"))
    assert str(error.value) == (
        "No config source registered for schema zzz, supported types : [file, pkg, structured]"
    )


def test_a_custom_source_written_for_hydra_can_be_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    class MemorySource(ConfigSource):
        def __init__(self, provider: str, path: str) -> None:
            super().__init__(provider=provider, path=path)

        @staticmethod
        def scheme() -> str:
            return "mem"

        def load_config(self, config_path: str) -> ConfigResult:
            return ConfigResult(
                provider=self.provider,
                path=self.full_path(),
                config=OmegaConf.create({"name": config_path}),
                header=self._get_header_dict("# @package here\n"),
            )

        def available(self) -> bool:
            return True

        def is_group(self, config_path: str) -> bool:
            return config_path == "g"

        def is_config(self, config_path: str) -> bool:
            return self._normalize_file_name(config_path) == "g/a.yaml"

        def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
            return ["a"]

    monkeypatch.setitem(source_types(), "mem", MemorySource)
    source = create_config_source(SearchPathEntry("lib", "mem://anything"))
    assert isinstance(source, MemorySource)
    assert repr(source) == "provider=lib, path=mem://anything"
    assert source.is_config("g/a")
    assert source.load_config("g/a").header == {"package": "here"}


# ---------------------------------------------------------------- file://


@pytest.fixture
def conf_dir(tmp_path: Path) -> Path:
    root = _tree(
        tmp_path / "conf",
        {
            "config.yaml": "defaults:\n  - db: mysql\nx: 1\n",
            "db/mysql.yaml": "# @package backend.db\nname: mysql\n",
            "db/pg.yaml": "name: pg\n",
            "db/legacy.yml": "name: legacy\n",
            "db/__init__.py": "",
            "db/__pycache__/junk.yaml": "x: 1\n",
            "db/notes.txt": "not a config",
            "db/engine/fast.yaml": "speed: 1\n",
        },
    )
    return root


def test_file_source_answers_group_and_config_questions(conf_dir: Path) -> None:
    source = FileConfigSource("main", str(conf_dir))
    assert source.path == str(conf_dir)
    assert source.full_path() == f"file://{conf_dir}"
    assert source.available()
    assert source.is_group("") and source.is_group("db") and not source.is_group("config")
    assert source.is_config("config") and source.is_config("db/mysql")
    assert not source.is_config("db") and not source.is_config("db/nope")
    assert source.exists("db") and source.exists("db/pg") and not source.exists("zzz")


def test_file_source_lists_options_without_package_files(conf_dir: Path) -> None:
    source = FileConfigSource("main", f"file://{conf_dir}")
    assert source.list("db", ObjectType.CONFIG) == ["mysql", "pg"]
    assert source.list("db", ObjectType.GROUP) == ["engine"]
    assert source.list("db", None) == ["engine", "mysql", "pg"]
    assert source.list("", None) == ["config", "db"]


def test_file_source_loads_with_header_and_fresh_config(conf_dir: Path) -> None:
    source = FileConfigSource("main", str(conf_dir))
    result = source.load_config("db/mysql")
    assert result.provider == "main"
    assert result.path == f"file://{conf_dir}"
    assert result.config_path == "db/mysql"
    assert result.header == {"package": "backend.db"}
    assert result.config == {"name": "mysql"}
    result.config.name = "changed"
    assert source.load_config("db/mysql").config == {"name": "mysql"}
    assert source.load_config("db/pg").header == {"package": None}


def test_file_source_missing_config_error(conf_dir: Path) -> None:
    source = FileConfigSource("main", str(conf_dir))
    with pytest.raises(ConfigLoadError) as error:
        source.load_config("db/nope")
    assert str(error.value) == f"Config not found : {conf_dir}/db/nope.yaml"


def test_relative_file_source_is_relative_to_the_cwd(conf_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(conf_dir.parent)
    source = create_config_source(SearchPathEntry("hydra.searchpath in main", "conf"))
    assert isinstance(source, FileConfigSource)
    assert source.path == "conf"
    assert source.is_config("db/pg")


def test_missing_directory_is_not_available(tmp_path: Path) -> None:
    assert not FileConfigSource("main", str(tmp_path / "nope")).available()


def test_yml_files_load_only_when_named_and_allowed(conf_dir: Path) -> None:
    strict = FileConfigSource("main", str(conf_dir))
    assert not strict.is_config("db/legacy") and not strict.is_config("db/legacy.yml")
    lenient = create_config_source(SearchPathEntry("main", str(conf_dir)), allow_yml=True)
    assert not lenient.is_config("db/legacy")
    with pytest.warns(UserWarning, match="Support for .yml files is deprecated"):
        assert lenient.load_config("db/legacy.yml").config == {"name": "legacy"}


def test_unreadable_yaml_names_the_file(tmp_path: Path) -> None:
    _tree(tmp_path / "c", {"bad.yaml": "a: 1\na: 2\n"})
    source = FileConfigSource("main", str(tmp_path / "c"))
    with pytest.raises(ConfigLoadError, match=r"bad\.yaml', line 2, column 1: found duplicate key a"):
        source.load_config("bad")


def test_header_is_read_from_the_committed_fixture() -> None:
    source = FileConfigSource("main", str(DATA / "conf"))
    result = source.load_config("server/apache")
    assert result.header == {"package": "_global_.web"}
    assert result.config == {"port": 80, "name": "apache"}


# ---------------------------------------------------------------- pkg://


@pytest.fixture
def importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    _tree(
        site,
        {
            "app_pkg/__init__.py": "",
            "app_pkg/conf/__init__.py": "",
            "app_pkg/conf/config.yaml": "# @package top\nk: v\n",
            "app_pkg/conf/db/mysql.yaml": "name: mysql\n",
            "app_pkg/conf/db/__init__.py": "",
            "app_pkg/noinit/config.yaml": "k: v\n",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    for name in [m for m in sys.modules if m.startswith("app_pkg")]:
        monkeypatch.delitem(sys.modules, name)
    return site


@pytest.mark.parametrize("path", ["pkg://app_pkg.conf", "pkg://app_pkg/conf", "pkg://app_pkg/conf/"])
def test_package_source_paths_are_normalized(importable: Path, path: str) -> None:
    source = create_config_source(SearchPathEntry("main", path))
    assert isinstance(source, PackageConfigSource)
    assert source.path == "app_pkg.conf"
    assert repr(source) == "provider=main, path=pkg://app_pkg.conf"


def test_package_source_loads_and_lists(importable: Path) -> None:
    source = PackageConfigSource("main", "pkg://app_pkg.conf")
    assert source.available()
    assert source.is_group("db") and source.is_config("config") and source.is_config("db/mysql")
    assert source.list("", None) == ["config", "db"]
    assert source.list("db", ObjectType.CONFIG) == ["mysql"]
    result = source.load_config("config")
    assert result.header == {"package": "top"}
    assert result.config == {"k": "v"}
    assert result.path == "pkg://app_pkg.conf"


def test_package_without_init_is_not_available(importable: Path) -> None:
    assert not PackageConfigSource("main", "pkg://app_pkg.noinit").available()
    assert not PackageConfigSource("main", "pkg://no_such_package_here").available()
    assert not PackageConfigSource("main", "pkg://no_such_package_here").is_group("")


def test_zipped_package_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "configs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zip_conf_pkg/__init__.py", "")
        zipped.writestr("zip_conf_pkg/db/mysql.yaml", "# @package zipped\nname: mysql\n")
    monkeypatch.syspath_prepend(str(archive))
    source = PackageConfigSource("main", "pkg://zip_conf_pkg")
    assert source.available()
    assert source.list("db", ObjectType.CONFIG) == ["mysql"]
    result = source.load_config("db/mysql")
    assert result.header == {"package": "zipped"}
    assert result.config == {"name": "mysql"}


def test_runlab_conf_is_a_package_source() -> None:
    source = PackageConfigSource("hydra", "pkg://runlab.conf")
    assert source.available()
    assert source.list("hydra", ObjectType.GROUP) == [
        "env", "help", "hydra_help", "hydra_logging", "job_logging", "launcher", "output", "sweeper",
    ]
    assert source.load_config("hydra/output/default").header == {"package": "hydra"}


# ---------------------------------------------------------------- structured://


def test_structured_source_reads_the_given_store() -> None:
    store = ConfigStore()
    store.store(name="mysql", node={"name": "mysql"}, group="db", package="backend", provider="lib")
    store.store(name="pg", node={"name": "pg"}, group="db")
    source = StructuredConfigSource("schema", "structured://", store=store)
    assert source.available()
    assert source.is_group("db") and source.is_group("db/") and not source.is_group("db/mysql")
    assert source.is_config("db/mysql") and not source.is_config("db")
    assert source.list("db", ObjectType.CONFIG) == ["mysql", "pg"]
    stored = source.load_config("db/mysql")
    assert stored.provider == "lib"
    assert stored.header == {"package": "backend"}
    assert stored.path == "structured://"
    assert isinstance(stored.config, DictConfig)
    other = source.load_config("db/pg")
    assert other.provider == "schema"
    assert other.header == {"package": None}


def test_structured_source_imports_its_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConfigStore()
    monkeypatch.setattr(ConfigStore, "_instance", store)
    _tree(
        tmp_path / "site",
        {
            "registers_configs.py": (
                "from runlab.config.store import ConfigStore\n"
                "ConfigStore.instance().store(name='x', node={'a': 1}, group='lib')\n"
            )
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "registers_configs", raising=False)
    source = create_config_source(SearchPathEntry("lib", "structured://registers_configs"))
    assert source.is_config("lib/x")


def test_structured_source_import_failure_warns_then_raises() -> None:
    expected_warning = "Error importing no_such_module_xyz : some configs may not be available"
    with pytest.warns(UserWarning, match=expected_warning), pytest.raises(ModuleNotFoundError):
        StructuredConfigSource("lib", "structured://no_such_module_xyz", store=ConfigStore())


def test_structured_source_missing_config() -> None:
    source = StructuredConfigSource("schema", "structured://", store=ConfigStore())
    with pytest.raises(ConfigLoadError, match="Structured config not found db/nope.yaml"):
        source.load_config("db/nope")


def test_object_type_is_at_hydras_path() -> None:
    from runlab.core.object_type import ObjectType as CoreObjectType

    assert CoreObjectType is ObjectType
    assert [t.value for t in ObjectType] == [0, 1, 2]


def test_package_directory_is_what_importlib_resources_gives(tmp_path: Path) -> None:
    from importlib import resources

    from runlab.config.sources import _package_directory

    assert _package_directory("runlab.conf") == resources.files("runlab.conf")
    assert isinstance(_package_directory("runlab.conf"), Path)
    with pytest.raises(ModuleNotFoundError):
        _package_directory("runlab.no_such_package")
    with pytest.raises(TypeError):
        _package_directory("runlab.version")  # a module, not a package (as importlib.resources)


def test_the_header_window_is_the_one_the_yaml_reader_keeps() -> None:
    """``sources`` holds its own copy so that it does not import the YAML reader on start-up."""
    from runlab.config import sources, yamlfiles

    assert sources.HEADER_SIZE == yamlfiles.HEAD_SIZE
