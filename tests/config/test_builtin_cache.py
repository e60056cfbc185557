"""The on-disk cache of runlab's own hydra configs: same configs with or without it, never trusted blindly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

_SCRIPT = """
import sys
from runlab import compose, initialize_config_dir
from runlab.config import _builtin_cache
from omegaconf import OmegaConf

with initialize_config_dir(config_dir=sys.argv[1], version_base="1.3", job_name="app"):
    cfg = compose("config", overrides=sys.argv[2:], return_hydra_config=True)
print(OmegaConf.to_yaml(cfg))
print("RESTORED", len(_builtin_cache.STABLE), len(_builtin_cache.PREFIXES))
"""


def _compose(conf: Path, cache: Path, *overrides: str, no_cache: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNLAB_", "HYDRA_"))}
    env["RUNLAB_CACHE_DIR"] = str(cache)
    if no_cache:
        env["RUNLAB_NO_CACHE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(conf), *overrides],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    root = tmp_path / "conf"
    (root / "db").mkdir(parents=True)
    (root / "config.yaml").write_text("defaults:\n  - db: a\n  - _self_\nx: 1\n")
    (root / "db" / "a.yaml").write_text("port: 1\n")
    return root


def _body(output: str) -> str:
    return output.rpartition("RESTORED")[0]


def test_cold_warm_and_disabled_caches_compose_the_same(conf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _compose(conf, cache)
    files = sorted(p.name for p in cache.iterdir())
    assert len(files) == 2 and files[0].startswith("builtin-configs-")
    assert files[1].startswith("generated-code-")  # runlab._code_cache
    warm = _compose(conf, cache)
    disabled = _compose(conf, tmp_path / "unused", no_cache=True)
    assert _body(cold) == _body(warm) == _body(disabled)
    assert "launcher:" in _body(warm) and "job_logging:" in _body(warm)
    assert not (tmp_path / "unused").exists()


def test_hydra_overrides_still_apply_with_a_warm_cache(conf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _compose(conf, cache)
    warm = _compose(conf, cache, "hydra/job_logging=disabled", "hydra.job.chdir=true", "db.port=2")
    disabled = _compose(conf, tmp_path / "x", "hydra/job_logging=disabled", "hydra.job.chdir=true",
                        "db.port=2", no_cache=True)
    assert _body(warm) == _body(disabled)
    assert "chdir: true" in _body(warm)


def test_a_damaged_cache_file_is_ignored_and_rewritten(conf: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    reference = _compose(conf, cache)
    (path,) = cache.glob("builtin-configs-*")
    path.write_bytes(b"not a pickle")
    assert _body(_compose(conf, cache)) == _body(reference)
    assert path.read_bytes() != b"not a pickle"


def test_a_stale_fingerprint_is_not_trusted(
    conf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab.config import _builtin_cache

    monkeypatch.setenv("RUNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_builtin_cache, "STABLE", {})
    monkeypatch.setattr(_builtin_cache, "PREFIXES", {})
    marker = ("pkg:runlab.conf", "hydra/x", "1.3")
    _builtin_cache.STABLE[marker] = "loaded"
    _builtin_cache.PREFIXES[("persistent", "1.3")] = "prefix"
    monkeypatch.setattr(_builtin_cache, "_state", {"restored": True, "fingerprint": ("old",)})
    _builtin_cache.save()
    _builtin_cache.STABLE.clear()
    _builtin_cache.PREFIXES.clear()
    monkeypatch.setattr(_builtin_cache, "_state", {"restored": False, "fingerprint": ("new",)})
    _builtin_cache.ensure_restored()
    assert _builtin_cache.STABLE == {} and _builtin_cache.PREFIXES == {}
    monkeypatch.setattr(_builtin_cache, "_state", {"restored": False, "fingerprint": ("old",)})
    _builtin_cache.ensure_restored()
    assert _builtin_cache.STABLE == {marker: "loaded"}


def test_only_runlabs_own_configs_are_persisted() -> None:
    from runlab.config._builtin_cache import persistable

    assert persistable(("pkg:runlab.conf", "hydra/launcher/basic", "1.3"))
    assert persistable(("builtin-store", "hydra/config", "1.3"))
    assert not persistable(("store:1234", "hydra/config", "1.3"))
    assert not persistable(("pkg:someone.else", "hydra/launcher/x", "1.3"))


def test_a_user_stored_hydra_config_is_not_cached_on_disk(conf: Path, tmp_path: Path) -> None:
    script = _SCRIPT.replace(
        "with initialize_config_dir",
        "from runlab.core.config_store import ConfigStore\n"
        "from runlab.config.settings import HydraConf\n"
        "ConfigStore.instance().store(name='config', group='hydra', node=HydraConf(verbose=True),"
        " provider='hydra')\n"
        "with initialize_config_dir",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNLAB_", "HYDRA_"))}
    env["RUNLAB_CACHE_DIR"] = str(tmp_path / "cache")
    done = subprocess.run([sys.executable, "-c", script, str(conf)], capture_output=True,
                          text=True, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "verbose: true" in done.stdout
    # The user's hydra/config made the merged node process-local: a plain app still sees the default.
    assert "verbose: false" in _compose(conf, tmp_path / "cache")
