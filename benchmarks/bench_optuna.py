"""Optuna sweeper overhead per trial: runlab's sweeper vs plain Optuna, same sampler, same storage.

On a no-op objective, each round measures N trials of:

* ``plain`` -- ``study.ask(distributions)`` + ``study.tell(trial, value)``, the least any ask/tell
  driver does, on a fresh journal file (runlab's default storage);
* ``sweeper`` -- ``OptunaSweeper.begin/ask/tell`` on a fresh journal file, with fake job results
  (what the sweeper adds: override rendering, trial attributes for resume, ``trial.json`` per trial);
* ``sweep loop`` (information only) -- the same through ``drive_sweep`` with the basic launcher and
  a no-op job, i.e. plus the runtime's job composition and completion records.

Times are CPU seconds (``time.process_time``) so a busy machine does not distort the ratio; the median
of the rounds is printed per trial.  The target is ``sweeper`` <= 1.10 x ``plain``; the exit status is
1 when it is missed (``--check``).

    python benchmarks/bench_optuna.py [--trials 200] [--rounds 5] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

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


def plain(trials: int, directory: str) -> None:
    storage = JournalStorage(JournalFileBackend(os.path.join(directory, "plain.journal")))
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(trials):
        trial = study.ask(SPACE)
        study.tell(trial, 0.0)


def _master(sweep_dir: str) -> object:
    return OmegaConf.create(
        {"hydra": {"sweep": {"dir": sweep_dir, "subdir": "${hydra.job.num}"}, "job": {"num": 0, "id": ""}}}
    )


def sweeper(trials: int, directory: str) -> None:
    sweep_dir = os.path.join(directory, "sweep")
    swept = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=trials, n_jobs=1)
    swept.begin(SweepContext(config=_master(sweep_dir), overrides=OVERRIDES, list_options=lambda g: []))  # type: ignore[arg-type]
    num = 0
    while (batch := swept.ask()) is not None:
        results = []
        for overrides in batch:
            out = os.path.join(sweep_dir, str(num))
            results.append(JobResult(num, COMPLETED, 0.0, None, None, out, 0.0, 0.0, tuple(overrides)))
            num += 1
        swept.tell(results)


def sweep_loop(trials: int, directory: str) -> None:
    sweep_dir = os.path.join(directory, "loop")
    master = _master(sweep_dir)

    def compose(overrides: object) -> object:
        return OmegaConf.create(OmegaConf.to_container(master))  # type: ignore[arg-type]

    setup = MultirunSetup(
        master=master, sweep_dir=sweep_dir, task_overrides=OVERRIDES, compose_job=compose,  # type: ignore[arg-type]
        list_options=lambda g: [], job_name="bench",
    )

    def run(spec: JobSpec) -> JobResult:
        return JobResult(spec.num, COMPLETED, 0.0, None, None, spec.output_dir, 0.0, 0.0, spec.overrides)

    swept = OptunaSweeper(sampler=optuna.samplers.RandomSampler(seed=0), n_trials=trials, n_jobs=1)
    drive_sweep(setup, swept, BasicLauncher(), run)


def measure(fn: Callable[[int, str], None], trials: int, rounds: int) -> float:
    """Median CPU seconds per trial over ``rounds`` fresh runs."""
    samples = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as directory:
            start = time.process_time()
            fn(trials, directory)
            samples.append((time.process_time() - start) / trials)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 when runlab adds more than 10%%")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    import logging

    logging.getLogger("hydra").setLevel(logging.WARNING)
    logging.getLogger("runlab").setLevel(logging.WARNING)
    sweeper(5, tempfile.mkdtemp())  # warm imports
    base = measure(plain, args.trials, args.rounds)
    ours = measure(sweeper, args.trials, args.rounds)
    loop = measure(sweep_loop, args.trials, args.rounds)
    ratio = ours / base
    print(f"trials per round: {args.trials}, rounds: {args.rounds} (median CPU ms per trial)")
    print(f"  plain optuna ask/tell   {base * 1e3:8.3f}")
    print(f"  runlab OptunaSweeper    {ours * 1e3:8.3f}   x{ratio:.3f}  (target <= x1.10)")
    print(f"  + sweep loop (info)     {loop * 1e3:8.3f}   x{loop / base:.3f}")
    return 1 if args.check and ratio > 1.10 else 0


if __name__ == "__main__":
    sys.exit(main())
