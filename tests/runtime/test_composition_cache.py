"""The composition cache: a stored composition is read back only while everything it read still holds.

Each test composes through ``compose_cached`` the way ``AppSetup.compose`` does, counting the real
compositions, and changes one input between calls: the second call must compose again (and see
the change) or be served from the entry, as each case requires.  The settling time is switched off
(``RUNLAB_CACHE_SETTLE_SECONDS=0``) since the files are written just before; an edit is given a
later mtime explicitly, as a later edit would have on any clock.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from runlab.config import _loaded
from runlab.config.compose import ComposeContext, Composed, compose_config
from runlab.config.searchpath import create_search_path
from runlab.config.store import ConfigStore
from runlab.config.yamlfiles import clear_yaml_cache
from runlab.runtime import composition_cache
from runlab.types import RunMode

from .app_builders import DB_TREE, write_tree


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    cache = tmp_path / "cache"
    monkeypatch.setenv("RUNLAB_CACHE_DIR", str(cache))
    monkeypatch.setenv("RUNLAB_CACHE_SETTLE_SECONDS", "0")
    monkeypatch.delenv("RUNLAB_NO_CACHE", raising=False)
    yield cache
    clear_yaml_cache()


class Composer:
    """``compose_cached`` over one app's search path, counting the compositions it really ran."""

    def __init__(self, conf: Path, *extra: Path) -> None:
        search_path = create_search_path(str(conf), plugins=[])
        for directory in extra:
            search_path.append("extra", str(directory))
        self.search_path = search_path.entries
        self.composed = 0

    def __call__(self, overrides: Sequence[str] = ()) -> Composed:
        context = ComposeContext(
            job_name="app", version_base="1.3", cwd=os.getcwd(), config_name="config"
        )

        def compose() -> Composed:
            self.composed += 1
            return compose_config(
                search_path=self.search_path, config_name="config", overrides=list(overrides),
                run_mode=RunMode.RUN, context=context,
            )  # fmt: skip

        clear_yaml_cache()  # each call stands for a new process
        _loaded._REALPATHS.clear()
        return composition_cache.compose_cached(
            search_path=self.search_path, config_name="config", overrides=list(overrides),
            run_mode=RunMode.RUN, context=context, compose=compose,
        )  # fmt: skip


def _entries(cache: Path) -> list[Path]:
    return sorted((cache / "compositions").glob("*.pickle"))


def _restamp(path: Path) -> None:
    """Give an edited ``path`` an mtime of its own, as an edit made after the entry was stored
    would have (here the edit may fall in the same clock tick; in the past, so it has settled)."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns - 10 * 10**9))


def test_the_same_request_is_read_back_equal_to_a_fresh_composition(
    tmp_path: Path, _cache_dir: Path
) -> None:
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    first = compose(["db=postgresql", "+extra=[1,2]"])
    second = compose(["db=postgresql", "+extra=[1,2]"])
    assert compose.composed == 1 and len(_entries(_cache_dir)) == 1
    assert OmegaConf.to_yaml(second.config) == OmegaConf.to_yaml(first.config)
    assert second.config.db.driver == "postgresql" and second.config.y == 1
    assert OmegaConf.is_struct(second.config)
    assert OmegaConf.is_readonly(second.config.hydra) is OmegaConf.is_readonly(first.config.hydra)
    assert second.defaults == first.defaults
    assert dict(second.origins) == first.origins.without_hydra()  # type: ignore[attr-defined]
    assert second.search_path == first.search_path
    assert second.config is not first.config
    compose(["db=mysql"])
    assert compose.composed == 2 and len(_entries(_cache_dir)) == 2  # other overrides: other entry


def test_an_edited_config_of_the_same_size_is_composed_again(tmp_path: Path) -> None:
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    assert compose().config.db.user == "omry"
    option = tmp_path / "conf" / "db" / "mysql.yaml"
    option.write_text("driver: mysql\nuser: anna\n")
    _restamp(option)
    assert compose().config.db.user == "anna"
    assert compose().config.db.user == "anna"
    assert compose.composed == 2


def test_a_config_added_where_one_was_looked_for_is_composed_again(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/config.yaml": "defaults:\n  - db: mysql\n  - _self_\n"})
    write_tree(tmp_path, {"b/db/mysql.yaml": "host: from_b\n"})
    compose = Composer(tmp_path / "a", tmp_path / "b")
    assert compose().config.db.host == "from_b"
    write_tree(tmp_path, {"a/db/mysql.yaml": "host: from_a\n"})  # ahead of b in the search path
    assert compose().config.db.host == "from_a"
    assert compose.composed == 2


def test_a_removed_config_is_not_served(tmp_path: Path) -> None:
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    compose()
    (tmp_path / "conf" / "db" / "mysql.yaml").unlink()
    with pytest.raises(Exception, match="mysql"):
        compose()


def test_a_relinked_config_is_composed_again(tmp_path: Path) -> None:
    write_tree(tmp_path, DB_TREE)
    write_tree(tmp_path, {"elsewhere/one.yaml": "user: one\n", "elsewhere/two.yaml": "user: two\n"})
    link = tmp_path / "conf" / "db" / "linked.yaml"
    link.symlink_to(tmp_path / "elsewhere" / "one.yaml")
    compose = Composer(tmp_path / "conf")
    assert compose(["db=linked"]).config.db.user == "one"
    link.unlink()
    link.symlink_to(tmp_path / "elsewhere" / "two.yaml")
    assert compose(["db=linked"]).config.db.user == "two"


def test_outputs_written_next_to_the_configs_keep_the_entry(tmp_path: Path) -> None:
    """An app whose config dir is its working directory writes its runs there."""
    write_tree(tmp_path, {"config.yaml": "lr: 0.1\n"})
    compose = Composer(tmp_path)
    compose()
    write_tree(tmp_path, {"outputs/2026-01-01/10-00-00/.hydra/config.yaml": "lr: 0.1\n"})
    assert compose().config.lr == 0.1
    assert compose.composed == 1


def test_an_env_copy_variable_with_a_new_value_is_composed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "hydra:\n  job:\n    env_copy: [RUNLAB_TEST_VALUE]\n"})
    monkeypatch.setenv("RUNLAB_TEST_VALUE", "one")
    compose = Composer(tmp_path / "conf")
    assert compose().config.hydra.job.env_set.RUNLAB_TEST_VALUE == "one"
    assert compose().config.hydra.job.env_set.RUNLAB_TEST_VALUE == "one"
    monkeypatch.setenv("RUNLAB_TEST_VALUE", "two")
    assert compose().config.hydra.job.env_set.RUNLAB_TEST_VALUE == "two"
    assert compose.composed == 2


@pytest.fixture
def store() -> Iterator[ConfigStore]:
    instance = ConfigStore.instance()
    saved = dict(instance.repo)
    yield instance
    instance.repo.clear()
    instance.repo.update(saved)


def test_a_changed_config_store_node_is_composed_again(tmp_path: Path, store: ConfigStore) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "defaults:\n  - model: small\n  - _self_\n"})
    store.store(name="small", node={"width": 8}, group="model")
    compose = Composer(tmp_path / "conf")
    assert compose().config.model.width == 8
    assert compose().config.model.width == 8
    store.store(name="small", node={"width": 16}, group="model")
    assert compose().config.model.width == 16
    assert compose.composed == 2


def test_a_composition_that_warns_is_not_stored_and_warns_every_time(
    tmp_path: Path, _cache_dir: Path
) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "defaults:\n  - db: mysql\nx: 1\n"})
    write_tree(tmp_path, {"conf/db/mysql.yaml": "user: omry\n"})
    compose = Composer(tmp_path / "conf")
    for _ in range(2):
        with pytest.warns(UserWarning, match="_self_"):
            compose()
    assert compose.composed == 2 and _entries(_cache_dir) == []


@pytest.mark.parametrize(
    ("files", "overrides"),
    [
        pytest.param(
            {"conf/config.yaml": "defaults:\n  - db: mysql\n  - other: ${db}\n  - _self_\n",
             "conf/db/mysql.yaml": "a: 1\n", "conf/other/mysql.yaml": "b: 2\n"},
            [], id="defaults-interpolation",
        ),
        pytest.param({"conf/config.yaml": "a: 1\n"}, ["+order=shuffle([1,2,3])"], id="shuffle"),
        pytest.param(
            {"conf/config.yaml": "hydra:\n  searchpath:\n    - file://${oc.env:HOME}\n"},
            [], id="searchpath-interpolation",
        ),
    ],
)  # fmt: skip
def test_what_may_differ_between_starts_is_never_stored(
    tmp_path: Path, _cache_dir: Path, files: dict[str, str], overrides: list[str]
) -> None:
    write_tree(tmp_path, files)
    compose = Composer(tmp_path / "conf")
    compose(overrides)
    compose(overrides)
    assert compose.composed == 2 and _entries(_cache_dir) == []


def test_a_file_written_moments_ago_is_not_trusted_yet(
    tmp_path: Path, _cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its next edit could keep the same timestamps on a coarse clock, so nothing is stored."""
    monkeypatch.delenv("RUNLAB_CACHE_SETTLE_SECONDS")
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    compose()
    assert _entries(_cache_dir) == []
    for path in (tmp_path / "conf").rglob("*.yaml"):
        os.utime(path, ns=(0, 0))  # an mtime of long ago; the ctime stays recent
    compose()
    assert _entries(_cache_dir) == []
    monkeypatch.setattr(composition_cache, "SETTLE_SECONDS", 0.0)
    compose()
    assert len(_entries(_cache_dir)) == 1


def test_a_damaged_entry_is_composed_again_and_replaced(tmp_path: Path, _cache_dir: Path) -> None:
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    compose()
    (entry,) = _entries(_cache_dir)
    entry.write_bytes(b"not a pickle")
    assert compose().config.db.user == "omry"
    assert compose().config.db.user == "omry"
    assert compose.composed == 2


def test_entries_beyond_the_limit_are_pruned_least_recently_used_first(
    tmp_path: Path, _cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(composition_cache, "MAX_FILES", 3)
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    for n in range(3):
        compose([f"x={n}"])
        for index, entry in enumerate(_entries(_cache_dir)):
            os.utime(entry, ns=(0, index * 10**9 + 1))  # distinct ages, the newest last written
    compose(["x=0"])  # served: becomes the most recently used
    compose(["x=9"])
    assert len(_entries(_cache_dir)) == 3 and compose.composed == 4
    compose(["x=0"])
    assert compose.composed == 4


def test_runlab_no_cache_turns_it_off(
    tmp_path: Path, _cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNLAB_NO_CACHE", "1")
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    compose()
    compose()
    assert compose.composed == 2 and not (_cache_dir / "compositions").exists()


def test_a_config_that_cannot_be_pickled_is_composed_every_time(
    tmp_path: Path, _cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, DB_TREE)
    compose = Composer(tmp_path / "conf")
    real_pickle = composition_cache._pickle()

    class Refusing:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_pickle, name)

        @staticmethod
        def dumps(*args: Any, **kwargs: Any) -> bytes:
            raise TypeError("cannot pickle")

    monkeypatch.setattr(composition_cache, "_pickle", Refusing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compose()
        compose()
    assert compose.composed == 2 and _entries(_cache_dir) == []


_APP = """
import runlab
from omegaconf import DictConfig


@runlab.main(version_base=None, config_path="conf", config_name="config")
def app(cfg: DictConfig) -> None:
    print(f"user={cfg.db.user}")


if __name__ == "__main__":
    app()
"""


def test_a_real_app_is_served_once_its_files_settled_and_sees_the_next_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a user meets it: real processes, the real settling time, an edit right after a start."""
    import time

    from .app_builders import run_script

    write_tree(tmp_path, DB_TREE)
    app = tmp_path / "app.py"
    app.write_text(_APP)
    cache = tmp_path / "cache"

    def run() -> str:
        done = run_script(app, [], cwd=tmp_path, env={"RUNLAB_CACHE_DIR": str(cache)})
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run() == "user=omry\n" and _entries(cache) == []  # the files were written just now
    time.sleep(composition_cache.SETTLE_SECONDS + 0.2)
    assert run() == "user=omry\n"
    (entry,) = _entries(cache)
    os.utime(entry, ns=(0, 0))
    inode = entry.stat().st_ino
    assert run() == "user=omry\n"
    assert entry.stat().st_ino == inode and entry.stat().st_mtime_ns > 0  # read, not rewritten
    (tmp_path / "conf" / "db" / "mysql.yaml").write_text("driver: mysql\nuser: anna\n")
    assert run() == "user=anna\n"


def _run_twice_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    files: dict[str, str],
) -> list[dict[str, Any]]:  # fmt: skip
    """Run an app in this process twice, the second run as a new process would after the first
    ended (its exit hooks run, the process caches emptied); return what each run wrote."""
    import atexit
    import json

    from runlab.runtime import templates

    from .app_builders import run_inprocess

    hooks: list[tuple[Any, tuple[Any, ...]]] = []
    monkeypatch.setattr(atexit, "register", lambda fn, *args: hooks.append((fn, args)))
    write_tree(tmp_path, files)
    seen: list[dict[str, Any]] = []
    for _ in range(2):
        outcome = run_inprocess(
            capsys, lambda cfg: None, ["hydra.run.dir=out"], config_dir=tmp_path / "conf"
        )
        assert outcome.code == 0, outcome.err
        written = {p.name: p.read_text() for p in (tmp_path / "out" / ".hydra").iterdir()}
        record = json.loads((tmp_path / "out" / ".runlab" / "run.json").read_text())
        seen.append({**written, "flat": record["config_flat"], "yaml": record["config_yaml"]})
        for fn, args in hooks:
            fn(*args)
        hooks.clear()
        templates._CACHES.clear()
        clear_yaml_cache()
    return seen


PLAIN_TREE = {**DB_TREE, "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\nx: 1\n"}


@pytest.mark.parametrize(
    ("files", "flat", "flat_kept"),
    [
        (PLAIN_TREE, {"db.driver": "mysql", "db.user": "omry", "x": 1}, True),
        # an interpolation is resolved for the record on every run: its flat values are not kept
        (DB_TREE, {"db.driver": "mysql", "db.user": "omry", "x": 1, "y": 1}, False),
    ],
    ids=["plain", "interpolated"],
)
def test_a_served_run_writes_what_a_composed_run_writes_from_what_it_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    _cache_dir: Path, files: dict[str, str], flat: dict[str, Any], flat_kept: bool,
) -> None:  # fmt: skip
    first, second = _run_twice_in_process(tmp_path, capsys, monkeypatch, files)
    assert second == first
    assert first["flat"] == flat
    (entry,) = _entries(_cache_dir)
    kept = composition_cache._read_entry(str(entry))
    assert kept is not None
    assert set(kept["derived"]) >= {"config.yaml", "hydra.yaml blocks", "job_logging", "hydra_logging"}
    assert kept["derived"]["config.yaml"]["value"] == first["config.yaml"]
    assert ("config flat" in kept["derived"]) is flat_kept


def test_nothing_derived_is_kept_when_callbacks_may_change_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    _cache_dir: Path,
) -> None:  # fmt: skip
    files = {
        **DB_TREE,
        "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\nx: 1\nhydra:\n  callbacks:\n"
        "    noop:\n      _target_: runlab.experimental.callback.Callback\n",
    }
    first, second = _run_twice_in_process(tmp_path, capsys, monkeypatch, files)
    assert second == first
    (entry,) = _entries(_cache_dir)
    kept = composition_cache._read_entry(str(entry))
    assert kept is not None and "derived" not in kept


def test_only_configs_that_came_through_the_cache_have_derived_caches() -> None:
    from runlab.runtime.templates import mark_template

    config = OmegaConf.create({"a": 1})
    assert composition_cache.derived(config, "config.yaml") is None
    mark_template(config, "sweep-template-1")  # a sweep's template: its jobs' task parts differ
    assert composition_cache.derived(config, "config.yaml") is None
    mark_template(config, "composition:/some/entry")
    assert composition_cache.derived(config, "config.yaml") == {}


def test_a_relative_cache_dir_is_fixed_when_the_entry_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a run derived is written back at exit, wherever the process is by then."""
    import atexit

    hooks: list[tuple[Any, tuple[Any, ...]]] = []
    monkeypatch.setattr(atexit, "register", lambda fn, *args: hooks.append((fn, args)))
    monkeypatch.setenv("RUNLAB_CACHE_DIR", "relative-cache")
    write_tree(tmp_path, DB_TREE)
    composed = Composer(tmp_path / "conf")()
    derived = composition_cache.derived(composed.config, "config.yaml")
    assert derived is not None
    derived["value"] = "x: 1\n"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    for fn, args in hooks:
        fn(*args)
    (entry,) = _entries(tmp_path / "relative-cache")
    kept = composition_cache._read_entry(str(entry))
    assert kept is not None and kept["derived"]["config.yaml"] == {"value": "x: 1\n"}
    assert not (elsewhere / "relative-cache").exists()


def _warn_here(stacklevel: int) -> None:
    warnings.warn("from the test", UserWarning, stacklevel=stacklevel)


@pytest.mark.parametrize("stacklevel", [1, 2])
def test_watching_for_warnings_changes_neither_what_nor_where(stacklevel: int) -> None:
    """A warning raised while a composition is watched reads exactly as it would unwatched, and
    one a filter hides still counts (the filter may be gone at the next start)."""
    import contextlib

    seen = []
    for watching in (False, True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            watch = composition_cache._watch_warnings() if watching else contextlib.nullcontext()
            with watch as raised:
                _warn_here(stacklevel)  # one line for both: stacklevel 2 points here
        seen.append(caught)
    plain, watched = seen
    assert raised == [True] and len(plain) == 1
    assert [(w.filename, w.lineno, str(w.message)) for w in watched] == [
        (w.filename, w.lineno, str(w.message)) for w in plain
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with composition_cache._watch_warnings() as raised:
            _warn_here(stacklevel)
        assert raised == [True]
    original = warnings.warn
    with composition_cache._watch_warnings() as raised:
        pass
    assert raised == [False] and warnings.warn is original
