#!/usr/bin/env python3
"""Cold start-up of a runlab app, side by side with its floor and with hydra-core.

    python benchmarks/bench_startup.py             # 15 runs per cell
    python benchmarks/bench_startup.py --quick     # 3 runs per cell, for a smoke check
    python benchmarks/bench_startup.py --importtime-only

What is measured: the wall time of a whole ``python app.py`` process in RUN mode, with the output directory,
``.hydra/`` files and the log file written -- what a user waits for on every launch.  Two apps:

* ``trivial``: one small primary config;
* ``groups100``: a primary config whose defaults list selects one option in each of 100 config groups.

Four columns: the floor (``python -c "import omegaconf"``: no app can start faster than its config library),
runlab (``@runlab.main``; from the second start on with the same command line, its composition is read
back from the composition cache), runlab composing (a copy of the app whose primary config is touched
before each run: what the first start after an edit of a config costs) and hydra-core (``@hydra.main`` in the oracle environment), run in turn (floor,
runlab, composing, hydra, floor, ...) so that a drift of the machine's speed hits all of them alike.
runlab's caches go to a temporary directory, and the apps' files are left to settle for
``composition_cache.SETTLE_SECONDS`` before the first run (a file changed more recently is never
trusted by the cache).  Each cell is the median of
N runs after one warm-up run (bytecode compiled; ``PYTHONDONTWRITEBYTECODE`` removed from the environment).
Each cell is shown twice: wall time (what the user waits for) and CPU time (user + sys of the app process,
which a busy machine -- CI, a shared box -- does not inflate the way it inflates wall time).
Targets: runlab <= 1.25x the floor, and >= 2.5x faster than hydra-core (the "runlab" column).

Finally ``python -X importtime`` of the trivial runlab app lists runlab's most expensive imports.
The script needs nothing but the standard library (no pytest).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_VS_FLOOR = 1.25
TARGET_VS_HYDRA = 2.5
SETTLE_SECONDS = 3.1
"""A little more than ``runlab.runtime.composition_cache.SETTLE_SECONDS`` (not imported: the
script needs nothing but the standard library)."""


def _app_source(module: str) -> str:
    return textwrap.dedent(
        f"""
        import logging

        import {module}
        from omegaconf import DictConfig

        log = logging.getLogger(__name__)


        @{module}.main(version_base=None, config_path="conf", config_name="config")
        def app(cfg: DictConfig) -> None:
            log.info("lr=%s", cfg.lr)


        if __name__ == "__main__":
            app()
        """
    ).lstrip()


def write_apps(root: Path) -> dict[str, Path]:
    """Create both apps for both implementations; returns app name -> directory."""
    apps: dict[str, Path] = {}
    trivial = root / "trivial"
    (trivial / "conf").mkdir(parents=True)
    (trivial / "conf" / "config.yaml").write_text("lr: 0.1\nmodel:\n  depth: 3\n  width: 64\n")
    apps["trivial"] = trivial

    many = root / "groups100"
    (many / "conf").mkdir(parents=True)
    defaults = "\n".join(f"  - group{i:03d}: a" for i in range(100))
    (many / "conf" / "config.yaml").write_text(f"defaults:\n{defaults}\n  - _self_\n\nlr: 0.1\n")
    for i in range(100):
        group = many / "conf" / f"group{i:03d}"
        group.mkdir()
        (group / "a.yaml").write_text(f"value: {i}\nname: a{i}\nnested:\n  x: 1\n  y: [1, 2, 3]\n")
        (group / "b.yaml").write_text(f"value: {-i}\nname: b{i}\n")
    apps["groups100"] = many

    for app_dir in apps.values():
        (app_dir / "runlab_app.py").write_text(_app_source("runlab"))
        (app_dir / "hydra_app.py").write_text(_app_source("hydra"))
    return apps


@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]
    cwd: Path
    env: tuple[tuple[str, str], ...] = ()
    touch: Path | None = None
    """A file given a new mtime before each run: an edit, so the composition cache never serves it."""


def _env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass(frozen=True)
class Timing:
    """Median wall time and median CPU time (user + sys of the child) of one command, in seconds."""

    wall: float
    cpu: float

    def on(self, clock: str) -> float:
        return self.wall if clock == "wall" else self.cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(command: Command) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU: what the finished child used, read from our rusage)."""
    if command.touch is not None:
        os.utime(command.touch)
    start, cpu_start = time.perf_counter(), _children_cpu()
    proc = subprocess.run(
        command.argv,
        check=False,
        cwd=command.cwd,
        env={**_env(), **dict(command.env)},
        capture_output=True,
        text=True,
    )
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu_start
    if proc.returncode != 0:
        raise SystemExit(f"{command.label} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, cpu


def median_times(commands: list[Command], runs: int) -> list[Timing]:
    """Median wall and CPU time of each command, the commands run in turn (round-robin).

    Interleaving matters on a shared machine: its speed drifts by tens of percent within minutes,
    so timing the floor first and an app a minute later would compare two different machines.
    """
    for command in commands:
        time_once(command)  # warm-up: compiles bytecode, fills the OS file cache
    samples: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for command, taken in zip(commands, samples):
            taken.append(time_once(command))
    return [
        Timing(statistics.median(s[0] for s in taken), statistics.median(s[1] for s in taken))
        for taken in samples
    ]


def oracle_python() -> str | None:
    path = os.environ.get("RUNLAB_ORACLE_PYTHON") or str(REPO / ".venv-oracle" / "bin" / "python")
    return path if Path(path).exists() else None


def _row(
    name: str,
    clock: str,
    floor_t: Timing,
    mine_t: Timing,
    composing_t: Timing,
    hydra_t: Timing | None,
) -> str:
    floor, mine, composing = floor_t.on(clock), mine_t.on(clock), composing_t.on(clock)
    hydra = hydra_t.on(clock) if hydra_t is not None else None
    vs_floor = mine / floor
    hydra_cell = f"{hydra * 1000:9.0f}" if hydra is not None else "        -"
    speedup = f"{hydra / mine:10.2f}x" if hydra is not None else "          -"
    ok_floor = "ok" if vs_floor <= TARGET_VS_FLOOR else "MISS"
    ok_hydra = "-" if hydra is None else ("ok" if hydra / mine >= TARGET_VS_HYDRA else "MISS")
    return (
        f"| {name:<10} | {clock:<5} | {floor * 1000:9.0f} | {mine * 1000:9.0f} "
        f"| {composing * 1000:12.0f} | {hydra_cell} "
        f"| {vs_floor:8.2f}x {ok_floor:>4} | {composing / floor:13.2f}x "
        f"| {speedup} {ok_hydra:>4} |"
    )


_HEADER = (
    "| app        | clock | floor ms  | runlab ms | composing ms | hydra ms  | runlab/floor   "
    "| composing/floor | hydra/runlab     |\n"
    "|------------|-------|-----------|-----------|--------------|-----------|----------------"
    "|-----------------|------------------|"
)


def run_table(python: str, hydra_python: str | None, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="runlab-bench-") as tmp:
        apps = write_apps(Path(tmp) / "apps")
        edited = write_apps(Path(tmp) / "edited")
        cache = (("RUNLAB_CACHE_DIR", str(Path(tmp) / "cache")),)
        time.sleep(SETTLE_SECONDS)
        floor_command = Command("floor", (python, "-c", "import omegaconf"), Path(tmp))
        print(f"python: {python}")
        print(f"hydra-core: {hydra_python or 'not found (set RUNLAB_ORACLE_PYTHON)'}")
        print(f"median of {runs} runs, milliseconds (RUN mode, outputs written);")
        print("the commands of a row run in turn, so each row compares one machine state;")
        print("composing = runlab after an edit of the primary config (not served from the cache)\n")
        print(_HEADER)
        for name, app_dir in apps.items():
            commands = [
                floor_command,
                Command(f"runlab {name}", (python, "runlab_app.py"), app_dir, cache),
                Command(
                    f"runlab composing {name}",
                    (python, "runlab_app.py"),
                    edited[name],
                    cache,
                    touch=edited[name] / "conf" / "config.yaml",
                ),
            ]
            if hydra_python:
                commands.append(Command(f"hydra {name}", (hydra_python, "hydra_app.py"), app_dir))
            timings = median_times(commands, runs)
            floor, mine, composing = timings[0], timings[1], timings[2]
            theirs = timings[3] if hydra_python else None
            for clock in ("wall", "cpu"):
                print(_row(name, clock, floor, mine, composing, theirs), flush=True)
        print(f"\ntargets: runlab/floor <= {TARGET_VS_FLOOR}x, hydra/runlab >= {TARGET_VS_HYDRA}x")
        print(
            "(cpu = user+sys of the app process: steady on a busy machine, where wall time is not)"
        )


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_costs(python: str, top: int) -> None:
    """``-X importtime`` of the trivial runlab app, served from the composition cache as every start
    after the first is: the heaviest imports by cumulative and by own time."""
    with tempfile.TemporaryDirectory(prefix="runlab-importtime-") as tmp:
        app_dir = write_apps(Path(tmp) / "apps")["trivial"]
        cache = (("RUNLAB_CACHE_DIR", str(Path(tmp) / "cache")),)
        time.sleep(SETTLE_SECONDS)
        for _ in range(2):  # bytecode, then the composition cache's entry
            time_once(Command("warm-up", (python, "runlab_app.py"), app_dir, cache))
        proc = subprocess.run(
            [python, "-X", "importtime", "runlab_app.py"],
            check=False,
            cwd=app_dir,
            env={**_env(), **dict(cache)},
            capture_output=True,
            text=True,
        )
    rows = [(int(m[1]), int(m[2]), len(m[3]) // 2, m[4]) for m in _IMPORTTIME.finditer(proc.stderr)]
    top_level = [r for r in rows if r[2] == 0]
    total = sum(r[1] for r in top_level)
    print(f"\npython -X importtime (trivial runlab app): {total / 1000:.1f} ms in imports in total")
    print("\nheaviest top-level imports (cumulative):")
    for _, cumulative, _, name in sorted(top_level, key=lambda r: -r[1])[:top]:
        print(f"  {cumulative / 1000:7.1f} ms  {name}")
    print("\nheaviest runlab modules (own time, excluding what they import):")
    for own, cumulative, _, name in sorted(
        (r for r in rows if r[3].startswith("runlab")), key=lambda r: -r[0]
    )[:top]:
        print(f"  {own / 1000:7.1f} ms  {name}  (cumulative {cumulative / 1000:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="timed runs per cell (median is reported)"
    )
    parser.add_argument("--quick", action="store_true", help="3 runs per cell")
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with runlab installed"
    )
    parser.add_argument(
        "--hydra-python", default=oracle_python(), help="interpreter with hydra-core installed"
    )
    parser.add_argument("--top", type=int, default=12, help="rows in the import-time summary")
    parser.add_argument("--importtime-only", action="store_true", help="skip the timing table")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    if not args.importtime_only:
        run_table(args.python, args.hydra_python, runs)
    import_costs(args.python, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
