#!/usr/bin/env python3
"""The Ray launcher's cost, side by side with the process launcher (and the basic one).

Scenarios, each through the launcher API (``launch(jobs, run)``) so only the launcher is measured:

* **per-job overhead**: N no-op jobs (default 200); ``wall / N`` per launcher.  Ray's start-up
  (``ray.init`` of a local instance) is measured once and reported apart, as it is paid once per sweep
  (or never, on a running cluster);
* **speed-up**: 20 CPU-bound jobs of ~0.5 s CPU each; wall time of each launcher and its speed-up over
  the basic launcher (the ceiling on this machine is its core count).

Ray gets ``num_cpus`` = the cores available and the process launcher as many workers, so both have
the same parallelism.  Ratios printed: ray/processes per-job overhead and ray/processes wall time.

Usage: ``python benchmarks/bench_remote.py [--jobs 200] [--cpu-jobs 20] [--work 0.5] [--quick]``.
Needs the extra: ``pip install 'runlab[ray]'``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from omegaconf import OmegaConf

from runlab.plugins import COMPLETED, JobResult, JobSpec
from runlab.plugins.processes import ProcessLauncher, resolve_n_jobs
from runlab.plugins.serial import BasicLauncher


def noop(spec: JobSpec) -> JobResult:
    now = time.time()
    return JobResult(
        spec.num, COMPLETED, spec.num, None, None, spec.output_dir, now, now, spec.overrides
    )


def cpu_bound(spec: JobSpec) -> JobResult:
    started = time.time()
    deadline = time.process_time() + float(spec.config.work)
    x = 0
    while time.process_time() < deadline:
        x += sum(i * i for i in range(1000))
    return JobResult(
        spec.num, COMPLETED, x, None, None, spec.output_dir, started, time.time(), spec.overrides
    )


def make_jobs(count: int, root: Path, work: float = 0.0) -> list[JobSpec]:
    return [
        JobSpec(
            num=i,
            id=str(i),
            overrides=(f"n={i}",),
            config=OmegaConf.create({"n": i, "work": work}),
            sweep_dir=str(root),
            output_dir=str(root / str(i)),
        )
        for i in range(count)
    ]


def timed(launcher: object, jobs: Sequence[JobSpec], run: Callable[[JobSpec], JobResult]) -> float:
    started = time.perf_counter()
    results = list(launcher.launch(jobs, run))  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - started
    assert len(results) == len(jobs) and all(r.ok for r in results), "a benchmark job failed"
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200, help="no-op jobs for the per-job overhead")
    parser.add_argument("--cpu-jobs", type=int, default=20, help="CPU-bound jobs for the speed-up")
    parser.add_argument("--work", type=float, default=0.5, help="CPU seconds per CPU-bound job")
    parser.add_argument(
        "--quick", action="store_true", help="50 no-op jobs, 6 CPU-bound jobs of 0.3 s"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.jobs, args.cpu_jobs, args.work = 50, 6, 0.3
    try:
        import ray
    except ImportError:
        sys.stderr.write("bench_remote needs Ray: pip install 'runlab[ray]'\n")
        return 4
    from runlab.plugins.ray import RayLauncher

    cores = resolve_n_jobs(-1)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    root = Path(tempfile.mkdtemp(prefix="runlab-bench-remote-"))
    print(
        f"cores: {cores}   no-op jobs: {args.jobs}   CPU-bound jobs: {args.cpu_jobs} x {args.work:g} s"
    )

    started = time.perf_counter()
    ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
    ray_start = time.perf_counter() - started
    try:
        launchers = {
            "basic": BasicLauncher(),
            "processes": ProcessLauncher(n_jobs=cores),
            "ray": RayLauncher(),  # reuses the instance started above
        }
        # warm-up: Ray starts its worker processes on first use, the pool its workers per launch
        timed(launchers["ray"], make_jobs(cores * 2, root / "warm"), noop)

        overhead: dict[str, float] = {}
        for name, launcher in launchers.items():
            overhead[name] = (
                timed(launcher, make_jobs(args.jobs, root / f"noop-{name}"), noop) / args.jobs
            )
        walls: dict[str, float] = {}
        for name, launcher in launchers.items():
            jobs = make_jobs(args.cpu_jobs, root / f"cpu-{name}", args.work)
            walls[name] = timed(launcher, jobs, cpu_bound)
    finally:
        ray.shutdown()

    print(f"\nray.init (local instance, once per sweep): {ray_start:.2f} s")
    print(
        f"\n{'launcher':<10} {'per-job overhead':>17} {'CPU-bound wall':>15} {'speed-up vs basic':>18}"
    )
    for name in launchers:
        print(
            f"{name:<10} {overhead[name] * 1000:>14.2f} ms {walls[name]:>13.2f} s"
            f" {walls['basic'] / walls[name]:>17.2f}x"
        )
    print("\nratios")
    print(f"  per-job overhead  ray / processes : {overhead['ray'] / overhead['processes']:.2f}")
    print(f"  CPU-bound wall    ray / processes : {walls['ray'] / walls['processes']:.2f}")
    print(
        f"  speed-up          ray             : {walls['basic'] / walls['ray']:.2f}x on {cores} cores"
    )
    print(
        f"  speed-up          processes       : {walls['basic'] / walls['processes']:.2f}x on {cores} cores"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
