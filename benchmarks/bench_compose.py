"""Composition speed: runlab vs hydra-core vs the floor, on synthetic config trees.

Trees (generated into a temporary directory):

* ``wide-100`` / ``wide-1000`` — 100 / 1,000 groups of 10 options each, the primary picks one per group;
* ``big-10k`` / ``big-100k`` — 10,000 / 100,000 leaves (with interpolations) over a few group files;
* ``deep-100`` — a chain of 100 configs, each including the next through its defaults list;
* ``one-key`` — a primary config holding one key.

For each tree the script prints the median CPU time (``time.process_time``, so a busy machine does
not distort the ratios) of one composition (RUN mode, no overrides) for
runlab (in-process ``compose_config``), for hydra-core (the oracle interpreter runs its own timing loop
with ``initialize_config_dir`` + ``compose``), and for two floors: the tree's YAML files loaded with
``yaml.CSafeLoader`` and merged with ``OmegaConf.merge`` (``floor``), and the same plus runlab's own
``hydra/*.yaml`` files (``floor+hydra``, what any composer of the ``hydra`` node must at least do).
``job ms`` is the cost of composing one job of a multirun (``compose_sweep_job``) on that tree.
``api ms`` is the public ``compose(config_name)`` with its default ``return_hydra_config=False``
(runlab skips the ``hydra`` node when nothing touches it; Hydra always composes it), side by side with
hydra-core's same call (``hydra api``).

    python benchmarks/bench_compose.py [--repeat N] [--trees wide-100,one-key] [--no-hydra]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

REPO = Path(__file__).resolve().parent.parent


# -- trees --------------------------------------------------------------------------------------------
def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_wide(root: Path, groups: int) -> list[tuple[str, str]]:
    defaults = []
    for g in range(groups):
        for o in range(10):
            _write(root, f"g{g}/o{o}.yaml", f"name: o{o}\nsize: {o}\nrate: 0.{o}\nflag: true\nref: ${{g0.name}}\n")
        defaults.append(f"  - g{g}: o0\n")
    _write(root, "config.yaml", "defaults:\n" + "".join(defaults) + "  - _self_\n\ntop: 1\n")
    return [(f"g{g}/o0", f"g{g}") for g in range(groups)] + [("config", "")]


def make_big(root: Path, leaves: int) -> list[tuple[str, str]]:
    files = 4
    per_file = leaves // files
    order = []
    for f in range(files):
        lines = []
        for block in range(per_file // 100):
            lines.append(f"b{block}:")
            for k in range(100):
                value = f"${{part{f}.b0.k0}}" if k % 10 == 0 else str(k)
                lines.append(f"  k{k}: {value}")
        _write(root, f"part{f}/data.yaml", "\n".join(lines) + "\n")
        order.append((f"part{f}/data", f"part{f}"))
    defaults = "".join(f"  - part{f}: data\n" for f in range(files))
    _write(root, "config.yaml", "defaults:\n" + defaults + "  - _self_\n\ntop: 1\n")
    return [*order, ("config", "")]


def make_deep(root: Path, depth: int) -> list[tuple[str, str]]:
    for i in range(depth):
        # ``@_here_``: every level lands in the same node (the default would nest one level deeper
        # per include, which measures OmegaConf's cost of deep trees rather than composition).
        include = f"defaults:\n  - /chain/c{i + 1}@_here_\n  - _self_\n\n" if i + 1 < depth else ""
        _write(root, f"chain/c{i}.yaml", f"{include}level{i}: {i}\n")
    _write(root, "config.yaml", "defaults:\n  - chain/c0\n  - _self_\n\ntop: 1\n")
    return [(f"chain/c{i}", "chain") for i in reversed(range(depth))] + [("config", "")]


def make_one_key(root: Path) -> list[tuple[str, str]]:
    _write(root, "config.yaml", "a: 1\n")
    return [("config", "")]


TREES: dict[str, Callable[[Path], list[tuple[str, str]]]] = {
    "wide-100": lambda root: make_wide(root, 100),
    "wide-1000": lambda root: make_wide(root, 1000),
    "big-10k": lambda root: make_big(root, 10_000),
    "big-100k": lambda root: make_big(root, 100_000),
    "deep-100": lambda root: make_deep(root, 100),
    "one-key": make_one_key,
}


# -- measurements ----------------------------------------------------------------------------------
def median_time(repeat: int, func: Callable[[], Any]) -> float:
    func()  # warm caches, as a sweep or a second compose would
    times = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times)


def runlab_compose(root: Path) -> Callable[[], Any]:
    from runlab.config.compose import ComposeContext, compose_config
    from runlab.config.sources import SearchPathEntry
    from runlab.types import RunMode

    search_path = [
        SearchPathEntry("hydra", "pkg://runlab.conf"),
        SearchPathEntry("main", f"file://{root}"),
        SearchPathEntry("schema", "structured://"),
    ]
    context = ComposeContext(job_name="bench", version_base="1.3", cwd=str(root), config_name="config")

    def run() -> Any:
        return compose_config(
            search_path=search_path,
            config_name="config",
            overrides=[],
            run_mode=RunMode.RUN,
            context=context,
        )

    return run


def runlab_compose_api(root: Path) -> Callable[[], Any]:
    """The public ``compose(config_name)`` (no ``hydra`` node returned), inside its own initialize."""
    from runlab import compose, initialize_config_dir
    from runlab.core.global_hydra import GlobalHydra

    def run() -> Any:
        return compose("config")

    GlobalHydra.instance().clear()
    initialize_config_dir(config_dir=str(root), version_base="1.3", job_name="bench").__enter__()
    return run


def runlab_sweep_job(root: Path) -> Callable[[], Any]:
    """One job of a multirun: ``compose_sweep_job`` on a MULTIRUN master (what runs per job)."""
    from runlab.config.compose import ComposeContext, compose_config, compose_sweep_job
    from runlab.config.sources import SearchPathEntry
    from runlab.types import RunMode

    master = compose_config(
        search_path=[
            SearchPathEntry("hydra", "pkg://runlab.conf"),
            SearchPathEntry("main", f"file://{root}"),
            SearchPathEntry("schema", "structured://"),
        ],
        config_name="config",
        overrides=["hydra.mode=MULTIRUN", "+sweep_value=1,2,3"],
        run_mode=RunMode.MULTIRUN,
        context=ComposeContext(job_name="bench", version_base="1.3", cwd=str(root), config_name="config"),
    )
    counter = iter(range(10**9))

    def run() -> Any:
        return compose_sweep_job(master, [f"+sweep_value={next(counter)}"])

    return run


def _hydra_files() -> list[tuple[Path, str]]:
    conf = REPO / "src" / "runlab" / "conf" / "hydra"
    chosen = {
        "output": "default", "launcher": "basic", "sweeper": "basic", "help": "default",
        "hydra_help": "default", "hydra_logging": "default", "job_logging": "default", "env": "default",
    }
    files = []
    for group, option in chosen.items():
        path = conf / group / f"{option}.yaml"
        if path.exists():
            files.append((path, "hydra" if group == "output" else f"hydra.{group}"))
    return files


def defaults_order(root: Path) -> list[tuple[str, str]]:
    """The tree's files in merge order with their packages, as the defaults list gives them."""
    composed = runlab_compose(root)()
    return [
        (str(d.config_path), str(d.package or ""))
        for d in composed.defaults.defaults
        if d.config_path and not d.config_path.startswith("hydra/")
    ]


def floor_compose(root: Path, order: list[tuple[str, str]], with_hydra: bool) -> Callable[[], Any]:
    files = [(root / f"{path}.yaml", package) for path, package in order]
    if with_hydra:
        files = _hydra_files() + files

    def run() -> DictConfig:
        configs = []
        for path, package in files:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
            if isinstance(data, dict):
                data.pop("defaults", None)
            for part in reversed(package.split(".") if package else []):
                data = {part: data}
            configs.append(OmegaConf.create(data))
        # One merge call: OmegaConf re-parents the target once per call, not once per config.
        merged = OmegaConf.merge(*configs)
        assert isinstance(merged, DictConfig)
        return merged

    return run


_ORACLE_LOOP = r"""
import json, statistics, sys, time
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
jobs = json.loads(sys.argv[1])
out = {}
for name, root, repeat in jobs:
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=root, version_base="1.3", job_name="bench"):
        for flag in (True, False):
            compose("config", return_hydra_config=flag)
            times = []
            for _ in range(repeat):
                start = time.process_time()
                compose("config", return_hydra_config=flag)
                times.append(time.process_time() - start)
            out[name if flag else name + ":api"] = statistics.median(times)
print(json.dumps(out))
"""


def hydra_times(jobs: list[tuple[str, str, int]]) -> dict[str, float]:
    python = os.environ.get("RUNLAB_ORACLE_PYTHON") or str(REPO / ".venv-oracle" / "bin" / "python")
    if not Path(python).exists():
        return {}
    done = subprocess.run(
        [python, "-c", _ORACLE_LOOP, json.dumps(jobs)],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHONPATH")},
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return {}
    result: dict[str, float] = json.loads(done.stdout)
    return result


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:9.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--trees", default=",".join(TREES))
    parser.add_argument("--no-hydra", action="store_true", help="skip the hydra-core measurements")
    parser.add_argument(
        "--hydra-trees", default=None, help="trees to time hydra-core on (default: all selected)"
    )
    args = parser.parse_args()
    names = [n for n in args.trees.split(",") if n]
    hydra_names = set(names if args.hydra_trees is None else args.hydra_trees.split(","))
    if args.no_hydra:
        hydra_names = set()
    print(
        f"{'tree':<10} {'runlab ms':>9} {'hydra ms':>9} {'floor ms':>9} {'floor+hydra':>11}"
        f" {'rl/floor':>8} {'rl/floor+h':>10} {'hydra/rl':>8} {'job ms':>9}"
        f" {'api ms':>9} {'hydra api':>9} {'hydra/rl':>8}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            root = Path(tmp) / name
            TREES[name](root)
            repeat = max(1, args.repeat // 3) if "100k" in name or "1000" in name else args.repeat
            hydra = hydra_times([(name, str(root), repeat)]) if name in hydra_names else {}
            theirs, theirs_api = hydra.get(name), hydra.get(f"{name}:api")
            order = defaults_order(root)
            ours = median_time(repeat, runlab_compose(root))
            job = median_time(repeat, runlab_sweep_job(root))
            floor = median_time(repeat, floor_compose(root, order, with_hydra=False))
            floor_all = median_time(repeat, floor_compose(root, order, with_hydra=True))
            api = median_time(repeat, runlab_compose_api(root))
            print(
                f"{name:<10} {_ms(ours)} {_ms(theirs)} {_ms(floor)} {_ms(floor_all):>11}"
                f" {_ratio(ours, floor):>8} {_ratio(ours, floor_all):>10} {_ratio(theirs, ours):>8}"
                f" {_ms(job)} {_ms(api)} {_ms(theirs_api)} {_ratio(theirs_api, api):>8}",
                flush=True,
            )


if __name__ == "__main__":
    main()
