"""Optuna sweeper overhead per trial: runlab's sweeper vs plain Optuna, same sampler, same storage.

On a no-op objective, each round measures N trials of:

* ``plain`` -- ``study.ask(distributions)`` + ``study.tell(trial, value)``, the least any ask/tell
  driver does, on a fresh journal file (runlab's default storage) in a sweep dir laid out like the
  sweeper's: ``<sweep>/optuna.journal`` next to the N run dirs a sweep leaves (created untimed);
* ``sweeper`` -- ``OptunaSweeper.begin/ask/tell`` on the same layout, with fake job results
  (what the sweeper adds: override rendering, the job -> trial map and result lines, its study record,
  ``optimization_results.yaml``).  ``plain`` and ``sweeper`` run side by side, their trials
  interleaved one by one and each trial timed on its own (``paired``): a burst of load or a slow
  disk sync -- a journal file syncs five times a trial -- then hits both alike;
* ``plain, bare dir`` (information only) -- ``plain`` with the journal alone in its directory: what
  keeping the study next to the run dirs costs Optuna itself (its journal lock creates, renames and
  removes a file in the journal's directory for each of its five writes a trial);
* ``sweep loop`` (information only) -- the sweeper through ``drive_sweep`` with the basic launcher
  and a no-op job, i.e. plus the runtime's job planning and completion records;
* ``python app.py -m`` (information only, ``--app``) -- a real sweep of a no-op app, its start-up
  taken off: plus composing each job, its ``.hydra/`` snapshot and its run record.

Both CPU seconds (``time.process_time``) and wall seconds are printed per trial: the median over the
rounds (which rotate the order of the measurements), and the median of the per-round ratios to
``plain``.  Each measurement starts after an ``os.sync()`` (untimed), so none pays for the disk
writes its set-up or the previous measurement left pending.  The target is wall-clock ``sweeper`` <=
1.10 x ``plain`` (what a user waits for; a journal store syncs each write to disk, which costs wall
time, not CPU); the exit status is 1 when it is missed (``--check``).

    python benchmarks/bench_optuna.py [--trials 100] [--rounds 9] [--check] [--no-loop] [--app]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import optuna
from omegaconf import OmegaConf
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

from runlab.plugins import COMPLETED, JobResult, JobSpec, SweepContext
from runlab.plugins.optuna import OptunaSweeper
from runlab.plugins.serial import BasicLauncher
from runlab.runtime.multirun import MultirunSetup, drive_sweep

SPACE = {
    "x": FloatDistribution(-5, 5),
    "n": IntDistribution(1, 10),
    "opt": CategoricalDistribution(["sgd", "adam"]),
}
OVERRIDES = ("x=interval(-5,5)", "n=int(interval(1,10))", "opt=sgd,adam")


def _clock() -> tuple[float, float]:
    """Start a measurement, after writing out what the untimed set-up (the run dirs) and the previous
    measurement (its temporary directory's removal) left dirty: a journal ``fsync`` commits the file
    system's whole pending journal, so leftovers would be charged to whoever syncs next."""
    os.sync()
    return _now()


def _now() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def _elapsed(start: tuple[float, float]) -> tuple[float, float]:
    return time.process_time() - start[0], time.perf_counter() - start[1]


def _add(total: list[float], start: tuple[float, float]) -> None:
    cpu, wall = _elapsed(start)
    total[0] += cpu
    total[1] += wall


def _sweep_dir(trials: int, directory: str) -> str:
    """A sweep dir holding the run dirs (with their ``.runlab``) that ``trials`` jobs leave behind."""
    sweep_dir = os.path.join(directory, "sweep")
    for num in range(trials):
        os.makedirs(os.path.join(sweep_dir, str(num), ".runlab"))
    return sweep_dir


def _master(sweep_dir: str) -> object:
    return OmegaConf.create(
        {"hydra": {"sweep": {"dir": sweep_dir, "subdir": "${hydra.job.num}"}, "job": {"num": 0, "id": ""}}}
    )


class _SweeperTrials:
    """An ``OptunaSweeper`` driven the way the sweep loop drives it, one trial (``n_jobs=1``) a step,
    with fake job results; the master config and context are the runtime's, built untimed."""

    def __init__(self, trials: int, sweep_dir: str) -> None:
        self.sweep_dir = sweep_dir
        self.context = SweepContext(
            config=_master(sweep_dir), overrides=OVERRIDES, list_options=lambda g: [], sweep_dir=sweep_dir  # type: ignore[arg-type]
        )
        self.trials = trials
        self.num = 0
        self.swept: OptunaSweeper | None = None

    def begin(self) -> None:
        self.swept = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=self.trials, n_jobs=1)
        self.swept.begin(self.context)

    def step(self) -> bool:
        """One ask/tell; False once the sweeper is done (its last ``ask`` writes the results)."""
        assert self.swept is not None
        batch = self.swept.ask()
        if batch is None:
            return False
        results = []
        for overrides in batch:
            out = os.path.join(self.sweep_dir, str(self.num))
            results.append(JobResult(self.num, COMPLETED, 0.0, None, None, out, 0.0, 0.0, tuple(overrides)))
            self.num += 1
        self.swept.tell(results)
        return True


class _PlainTrials:
    """Plain Optuna ask/tell on a journal file: the least any ask/tell driver does."""

    def __init__(self, journal: str) -> None:
        self.journal = journal
        self.study: Any = None

    def begin(self) -> None:
        storage = JournalStorage(JournalFileBackend(self.journal))
        self.study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))

    def step(self) -> None:
        trial = self.study.ask(SPACE)
        self.study.tell(trial, 0.0)


def paired(trials: int, directory: str) -> list[tuple[float, float]]:
    """``plain`` and ``sweeper`` (CPU, wall) seconds, their trials interleaved one by one.

    Each trial of one is followed by a trial of the other (which goes first alternates), each timed
    on its own, so a burst of load or a slow disk sync hits both alike instead of whichever ran
    during it -- paired at the trial, not at the round.  Both journals sit in a sweep dir next to
    ``trials`` run dirs; the sweeper's ``begin`` and its final ``ask`` (``optimization_results.yaml``)
    count for the sweeper.
    """
    plain_side = _PlainTrials(os.path.join(_sweep_dir(trials, os.path.join(directory, "plain")), "optuna.journal"))
    sweeper_side = _SweeperTrials(trials, _sweep_dir(trials, os.path.join(directory, "sweeper")))
    plain_total, sweeper_total = [0.0, 0.0], [0.0, 0.0]
    start = _clock()
    plain_side.begin()
    _add(plain_total, start)
    start = _now()
    sweeper_side.begin()
    _add(sweeper_total, start)
    sides = [(plain_side.step, plain_total), (sweeper_side.step, sweeper_total)]
    for index in range(trials):
        for step, total in sides if index % 2 == 0 else sides[::-1]:
            start = _now()
            step()
            _add(total, start)
    start = _now()
    finished = not sweeper_side.step()
    _add(sweeper_total, start)
    assert finished and sweeper_side.num == trials
    return [(plain_total[0], plain_total[1]), (sweeper_total[0], sweeper_total[1])]


def sweeper(trials: int, directory: str) -> list[tuple[float, float]]:
    """The sweeper alone (warm-up, profiling)."""
    side = _SweeperTrials(trials, _sweep_dir(trials, directory))
    start = _clock()
    side.begin()
    while side.step():
        pass
    return [_elapsed(start)]


def plain_bare(trials: int, directory: str) -> list[tuple[float, float]]:
    """Plain ask/tell with the journal alone in its directory (information)."""
    side = _PlainTrials(os.path.join(directory, "plain.journal"))
    start = _clock()
    side.begin()
    for _ in range(trials):
        side.step()
    return [_elapsed(start)]


def sweep_loop(trials: int, directory: str) -> list[tuple[float, float]]:
    sweep_dir = os.path.join(directory, "loop")
    master = _master(sweep_dir)

    def compose(overrides: object) -> object:
        return OmegaConf.create(OmegaConf.to_container(master))

    setup = MultirunSetup(
        master=master, sweep_dir=sweep_dir, task_overrides=OVERRIDES, compose_job=compose,  # type: ignore[arg-type]
        list_options=lambda g: [], job_name="bench",
    )

    def run(spec: JobSpec) -> JobResult:
        return JobResult(spec.num, COMPLETED, 0.0, None, None, spec.output_dir, 0.0, 0.0, spec.overrides)

    swept = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=trials, n_jobs=1)
    start = _clock()
    drive_sweep(setup, swept, BasicLauncher(), run)
    return [_elapsed(start)]


Measurement = Callable[[int, str], list[tuple[float, float]]]


def measure(fns: list[Measurement], trials: int, rounds: int) -> list[list[tuple[float, float]]]:
    """(CPU, wall) seconds per trial of each row (``paired`` gives two rows), one sample per round.

    The measurements take turns within a round, in an order that rotates from round to round, so
    that a burst of load hits each of them alike; the ratios are then taken round by round (paired)
    and summarised by their median.
    """
    samples: list[list[tuple[float, float]]] = []
    for round_number in range(rounds):
        order = list(range(len(fns)))
        shift = round_number % len(fns)
        rows: dict[int, list[tuple[float, float]]] = {}
        for index in order[shift:] + order[:shift]:
            with tempfile.TemporaryDirectory() as directory:
                rows[index] = [(cpu / trials, wall / trials) for cpu, wall in fns[index](trials, directory)]
        flat = [row for index in range(len(fns)) for row in rows[index]]
        if not samples:
            samples = [[] for _ in flat]
        for column, row in zip(samples, flat):
            column.append(row)
    return samples


def _median(values: list[float]) -> float:
    return statistics.median(values)


APP = """
import runlab

@runlab.main(version_base=None, config_path=".", config_name="config")
def main(cfg):
    return 0.0

if __name__ == "__main__":
    main()
"""

APP_CONFIG = """
defaults:
  - override hydra/sweeper: optuna
  - override hydra/sweeper/sampler: random
  - _self_
x: 0.0
n: 1
opt: sgd
hydra:
  sweeper:
    n_jobs: 2
    summary: false
    params:
      x: interval(-5, 5)
      n: int(interval(1, 10))
      opt: choice(sgd, adam)
"""


def app_sweep(trials: int, rounds: int) -> tuple[float, float]:
    """CPU and wall seconds per trial of ``python app.py -m`` (no-op task, random sampler), the
    start-up (the same sweep with no trial) taken off: what a user's sweep costs per trial."""
    import resource
    import subprocess

    def run(directory: str, n_trials: int) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "app.py", "-m", f"hydra.sweeper.n_trials={n_trials}", "hydra.sweep.dir=sw",
             "hydra/job_logging=disabled", "hydra/hydra_logging=disabled"],
            cwd=directory, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), wall

    cpus, walls = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            with open(os.path.join(directory, "app.py"), "w", encoding="utf-8") as file:
                file.write(APP)
            with open(os.path.join(directory, "config.yaml"), "w", encoding="utf-8") as file:
                file.write(APP_CONFIG.replace("summary: false", "summary: false\n    n_trials: 0"))
            run(directory, 0)  # warm-up: the first run in a directory writes caches the others reuse
            os.rename(os.path.join(directory, "sw"), os.path.join(directory, "sw_warm"))
            empty = run(directory, 0)
            os.rename(os.path.join(directory, "sw"), os.path.join(directory, "sw0"))
            full = run(directory, trials)
            cpus.append((full[0] - empty[0]) / trials)
            walls.append((full[1] - empty[1]) / trials)
    return statistics.median(cpus), statistics.median(walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--check", action="store_true", help="exit 1 when runlab adds more than 10%%")
    parser.add_argument("--no-loop", action="store_true", help="skip the (slower) sweep-loop row")
    parser.add_argument("--app", action="store_true",
                        help="also time a real `python app.py -m` sweep per trial (information)")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import logging

    logging.getLogger("hydra").setLevel(logging.WARNING)
    logging.getLogger("runlab").setLevel(logging.WARNING)
    sweeper(5, tempfile.mkdtemp())  # warm imports
    fns: list[Measurement] = [paired, plain_bare] if args.no_loop else [paired, plain_bare, sweep_loop]
    names = ["plain optuna ask/tell", "runlab OptunaSweeper", "plain, bare dir (info)", "+ sweep loop (info)"]
    samples = measure(fns, args.trials, args.rounds)
    base = samples[0]
    print(f"trials per round: {args.trials}, rounds: {args.rounds} "
          "(median ms per trial; ratio: median of the per-round ratios to plain)")
    print(f"  {'':24} {'CPU':>8} {'ratio':>7} {'wall':>8} {'ratio':>7}")
    ratios = []
    for name, own in zip(names, samples):
        cpu = _median([c for c, _ in own])
        wall = _median([w for _, w in own])
        cpu_ratio = _median([c / b for (c, _), (b, _) in zip(own, base)])
        wall_ratio = _median([w / b for (_, w), (_, b) in zip(own, base)])
        ratios.append(wall_ratio)
        print(f"  {name:24} {cpu * 1e3:8.3f} {cpu_ratio:7.3f} {wall * 1e3:8.3f} {wall_ratio:7.3f}")
    ratio = ratios[1]
    spread = sorted(w / b for (_, w), (_, b) in zip(samples[1], base))
    cpu_spread = sorted(c / b for (c, _), (b, _) in zip(samples[1], base))
    print(f"wall-clock overhead of the sweeper: x{ratio:.3f} (target <= x1.10; "
          f"per-round ratios {spread[0]:.2f}..{spread[-1]:.2f}; CPU x{_median(cpu_spread):.3f}, "
          f"per-round {cpu_spread[0]:.2f}..{cpu_spread[-1]:.2f})")
    if args.app:
        app_cpu, app_wall = app_sweep(args.trials, max(3, args.rounds // 3))
        base_cpu = _median([c for c, _ in base])
        base_wall = _median([w for _, w in base])
        print(f"  {'python app.py -m (info)':24} {app_cpu * 1e3:8.3f} {app_cpu / base_cpu:7.3f} "
              f"{app_wall * 1e3:8.3f} {app_wall / base_wall:7.3f}   (start-up taken off; ratios of medians)")
    return 1 if args.check and ratio > 1.10 else 0


if __name__ == "__main__":
    sys.exit(main())
