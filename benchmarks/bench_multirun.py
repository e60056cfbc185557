#!/usr/bin/env python3
"""Multirun overhead: runlab's basic and process launchers, side by side with hydra-core.

Scenarios (each a real ``python app.py -m ...`` subprocess, so start-up is included and then removed):

* per-job overhead of 10 / 100 / 1,000 no-op jobs with the basic launcher
  (``(T(N) - T(1)) / (N - 1)``, the median over ``--repeat`` pairs of a one-job and an N-job sweep
  run back to back -- three times as many pairs for 10 jobs -- as wall time and as CPU time of the
  sweep process; target <= 5 ms/job); hydra-core in the oracle env for comparison;
* the process launcher on 1,000 no-op jobs (target: total <= 2x the basic launcher's);
* 20 CPU-bound jobs of ~0.5 s (target: processes >= 1.8x faster than basic on 2 cores);
* peak memory (max RSS of the sweep process) against the number of jobs (up to 20,000), with the
  compare table printed at the end (the default) and without it (``hydra.sweeper.summary=false``);
* the file-system floor: the directories and files a job leaves (Hydra's own: the job dir, ``.hydra/``
  with its three files and the log; runlab's: those plus the run record, written twice, and a line
  appended to the sweep's completion record) created from plain Python, per job, on the same disk.

Sweeps are deleted only at the end: on disks mounted with ``discard`` deleting thousands of files
makes creating files slow for seconds afterwards, which would bill one sweep's clean-up to the next.

Usage: ``python benchmarks/bench_multirun.py [--quick] [--no-hydra] [--hydra-max N] [--repeat R]``.
``--quick`` uses 10/100 jobs and 8 CPU-bound jobs.  Results are printed as a table plus ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIM = ROOT / "tests" / "hydra_shim"
ORACLE = Path(os.environ.get("RUNLAB_ORACLE_PYTHON") or ROOT / ".venv-oracle" / "bin" / "python")

APP = """
import hydra


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg):
    if cfg.work > 0:
        deadline = __import__("time").process_time() + cfg.work
        x = 0
        while __import__("time").process_time() < deadline:
            x += 1
    return cfg.n


if __name__ == "__main__":
    main()
"""

CONFIG = """
n: 0
work: 0.0
model:
  lr: 0.1
  layers: 4
data:
  path: /tmp/data
  batch: 32
"""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    max_rss_kb: int
    returncode: int
    cpu_seconds: float = 0.0


def _write_app(root: Path) -> None:
    (root / "conf").mkdir(parents=True, exist_ok=True)
    (root / "conf" / "config.yaml").write_text(CONFIG)
    (root / "app.py").write_text(APP)


def _env(runlab: bool) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))
    }
    if runlab:
        # the shim maps ``import hydra`` to runlab; src/ makes it this checkout's runlab
        env["PYTHONPATH"] = os.pathsep.join([str(SHIM), str(ROOT / "src")])
        env["RUNLAB_PROGRESS"] = "off"
    return env


def run_sweep(root: Path, python: str, runlab: bool, jobs: int, *extra: str) -> Measurement:
    sweep = root / "sweeps" / f"{time.monotonic_ns()}"
    args = [python, "app.py", "-m", f"n=range(0,{jobs})", f"hydra.sweep.dir={sweep}", *extra]
    started = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=root, env=_env(runlab), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(stderr.decode(errors="replace"))
    return Measurement(elapsed, int(usage.ru_maxrss), code, usage.ru_utime + usage.ru_stime)


@dataclass(frozen=True)
class PerJob:
    """Median per-job cost over repeated runs, and the median run of the big sweep."""

    wall_ms: float
    cpu_ms: float
    big: Measurement


def _create(path: str, size: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"x" * size)
    finally:
        os.close(fd)


def _replace_with(path: str, size: int) -> None:
    _create(path + ".tmp", size)
    os.replace(path + ".tmp", path)


def file_floor_ms(root: Path, jobs: int, runlab_records: bool) -> float:
    """Per-job wall time of creating a job's directories and files from plain Python."""
    base = root / f"floor-{time.monotonic_ns()}"
    (base / ".runlab" / "jobs").mkdir(parents=True)
    journal = os.open(str(base / ".runlab" / "jobs" / "1-a.jsonl"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    started = time.perf_counter()
    for num in range(jobs):
        job = str(base / str(num))
        os.mkdir(job)
        os.mkdir(job + "/.hydra")
        for name, size in (("config.yaml", 100), ("hydra.yaml", 3000), ("overrides.yaml", 10)):
            _create(f"{job}/.hydra/{name}", size)
        _create(f"{job}/app.log", 0)
        if runlab_records:
            os.mkdir(job + "/.runlab")
            _replace_with(job + "/.runlab/run.json", 1500)  # started
            _replace_with(job + "/.runlab/run.json", 1600)  # finished
            os.write(journal, b"x" * 299 + b"\n")
    elapsed = time.perf_counter() - started
    os.close(journal)
    return elapsed / jobs * 1000


@dataclass(frozen=True)
class Contender:
    label: str
    python: str
    runlab: bool


def per_job_ms(
    root: Path, contenders: list[Contender], jobs: int, *extra: str, repeat: int = 3
) -> list[PerJob]:
    """Per-job cost of each contender: a one-job and an N-job sweep of each, all in turn, ``repeat``
    times (this machine's speed drifts by tens of percent within minutes; taking turns makes the
    drift hit every contender alike).  The estimate is the median of the paired differences (each
    N-job sweep minus the one-job sweep run just before it), which a drift between pairs does not
    move; small sweeps, where a few ms of noise is a ms a job, are repeated three times as often."""
    if jobs <= 10:
        repeat *= 3
    bases: list[list[Measurement]] = [[] for _ in contenders]
    bigs: list[list[Measurement]] = [[] for _ in contenders]
    for _ in range(repeat):
        for i, contender in enumerate(contenders):
            bases[i].append(run_sweep(root, contender.python, contender.runlab, 1, *extra))
            bigs[i].append(run_sweep(root, contender.python, contender.runlab, jobs, *extra))

    results = []
    for base, big in zip(bases, bigs):
        wall = statistics.median(b.seconds - a.seconds for a, b in zip(base, big)) / (jobs - 1)
        cpu = statistics.median(b.cpu_seconds - a.cpu_seconds for a, b in zip(base, big)) / (
            jobs - 1
        )
        typical = sorted(big, key=lambda m: m.seconds)[len(big) // 2]
        results.append(PerJob(wall * 1000, cpu * 1000, typical))
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sweeps")
    parser.add_argument("--no-hydra", action="store_true", help="skip hydra-core")
    parser.add_argument(
        "--hydra-max", type=int, default=100, help="largest sweep run under hydra-core"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per sweep size (medians)")
    options = parser.parse_args(argv)
    sizes = [10, 100] if options.quick else [10, 100, 1000]
    cpu_jobs = 8 if options.quick else 20
    have_hydra = not options.no_hydra and ORACLE.exists()
    root = Path(tempfile.mkdtemp(prefix="bench-multirun-"))
    try:
        _write_app(root)
        print(f"{'scenario':<44}{'total s':>10}{'ms/job':>10}{'CPU ms/job':>12}{'max RSS MB':>12}")
        basic_totals: dict[int, float] = {}
        ours_contender = Contender("runlab", sys.executable, True)
        hydra_contender = Contender("hydra-core", str(ORACLE), False)
        for n in sizes:
            with_hydra = have_hydra and n <= options.hydra_max
            contenders = [ours_contender, hydra_contender] if with_hydra else [ours_contender]
            measured = per_job_ms(root, contenders, n, repeat=options.repeat)
            ours = measured[0]
            m = ours.big
            basic_totals[n] = m.seconds
            print(
                f"{f'runlab basic, {n} no-op jobs':<44}{m.seconds:>10.2f}{ours.wall_ms:>10.2f}"
                f"{ours.cpu_ms:>12.2f}{m.max_rss_kb / 1024:>12.1f}"
            )
            if with_hydra:
                theirs = measured[1]
                hm = theirs.big
                print(
                    f"{f'hydra-core basic, {n} no-op jobs':<44}{hm.seconds:>10.2f}{theirs.wall_ms:>10.2f}"
                    f"{theirs.cpu_ms:>12.2f}{hm.max_rss_kb / 1024:>12.1f}"
                    f"   (runlab/hydra per job: {ours.wall_ms / theirs.wall_ms:.3f})"
                )
        n = sizes[-1]
        proc_extra = ("hydra/launcher=processes",)
        pm = run_sweep(root, sys.executable, True, n, *proc_extra)
        print(
            f"{f'runlab processes, {n} no-op jobs':<44}{pm.seconds:>10.2f}{'':>10}{pm.max_rss_kb / 1024:>12.1f}"
            f"   (processes/basic total: {pm.seconds / basic_totals[n]:.2f}, target <= 2)"
        )
        work = ("work=0.5",)
        b = run_sweep(root, sys.executable, True, cpu_jobs, *work)
        p = run_sweep(
            root,
            sys.executable,
            True,
            cpu_jobs,
            *work,
            "hydra/launcher=processes",
            "hydra.launcher.n_jobs=2",
        )
        print(f"{f'runlab basic, {cpu_jobs} x 0.5 s CPU jobs':<44}{b.seconds:>10.2f}")
        print(
            f"{f'runlab processes (2), {cpu_jobs} x 0.5 s CPU':<44}{p.seconds:>10.2f}"
            f"   (speed-up: {b.seconds / p.seconds:.2f}x, target >= 1.8 on 2 cores; cores here: {os.cpu_count()})"
        )
        floor_jobs = sizes[-1]
        hydra_floor = statistics.median(file_floor_ms(root, floor_jobs, False) for _ in range(3))
        runlab_floor = statistics.median(file_floor_ms(root, floor_jobs, True) for _ in range(3))
        print(
            f"file-system floor, {floor_jobs} jobs from plain Python: Hydra's layout "
            f"{hydra_floor:.2f} ms/job, with runlab's records {runlab_floor:.2f} ms/job"
        )
        print("peak memory vs jobs (runlab basic): with the compare table / without")
        for n in sizes if options.quick else [*sizes, 5 * sizes[-1], 20 * sizes[-1]]:
            m = run_sweep(root, sys.executable, True, n)
            quiet = run_sweep(root, sys.executable, True, n, "++hydra.sweeper.summary=false")
            print(f"  {n:>6} jobs: {m.max_rss_kb / 1024:.1f} MB / {quiet.max_rss_kb / 1024:.1f} MB")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
