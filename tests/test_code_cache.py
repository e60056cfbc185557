"""Generated ``__init__`` code is compiled once per installation, never trusted when its source differs."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

_SCRIPT = """
import sys
from runlab import _code_cache
from runlab._values import frozen

@frozen
class Probe:
    '''A class whose fields the command line chooses.'''
    __annotations__ = {name: "int" for name in sys.argv[1:]}

table, _ = _code_cache._tables()
known = any(all(name in source for name in sys.argv[1:]) for source in table)
probe = Probe(*range(len(sys.argv) - 1))
print("KNOWN" if known else "NEW", [getattr(probe, name) for name in sys.argv[1:]])
"""


def _run(cache: Path, *fields: str, no_cache: bool = False) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNLAB_")}
    env["RUNLAB_CACHE_DIR"] = str(cache)
    if no_cache:
        env["RUNLAB_NO_CACHE"] = "1"
    done = subprocess.run([sys.executable, "-c", _SCRIPT, *fields], capture_output=True, text=True,
                          env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _cache_file(cache: Path) -> Path:
    (path,) = cache.glob("generated-code-*.marshal")
    return path


def test_a_second_process_reuses_the_compiled_init(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _run(cache, "alpha_field", "beta_field") == "NEW [0, 1]"
    assert _run(cache, "alpha_field", "beta_field") == "KNOWN [0, 1]"
    # Other fields make another source: compiled afresh, added next to the first.
    assert _run(cache, "gamma_field") == "NEW [0]"
    sources = marshal.loads(_cache_file(cache).read_bytes())
    assert any("alpha_field" in s for s in sources) and any("gamma_field" in s for s in sources)


def test_a_damaged_file_is_ignored_and_rewritten(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    _run(cache, "alpha_field")
    _cache_file(cache).write_bytes(b"\x00not marshal")
    assert _run(cache, "alpha_field") == "NEW [0]"
    assert _run(cache, "alpha_field") == "KNOWN [0]"


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    assert _run(tmp_path / "cache", "alpha_field", no_cache=True) == "NEW [0]"
    assert not (tmp_path / "cache").exists()


def test_the_table_is_bounded_keeping_this_process_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab import _code_cache

    monkeypatch.setenv("RUNLAB_CACHE_DIR", str(tmp_path))
    old = {f"x = {i}\n": compile(f"x = {i}\n", "<t>", "exec") for i in range(_code_cache._MAX_ENTRIES)}
    monkeypatch.setattr(_code_cache, "_state", {"table": dict(old), "used": set(), "dirty": True})
    mine = _code_cache.compiled("y = 1\n")
    namespace: dict[str, object] = {}
    exec(mine, namespace)  # noqa: S102
    assert namespace["y"] == 1
    _code_cache._save()
    saved = marshal.loads(_cache_file(tmp_path).read_bytes())
    assert len(saved) == _code_cache._MAX_ENTRIES and "y = 1\n" in saved
