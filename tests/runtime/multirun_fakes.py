"""Fakes for the sweep loop: a compose that merges dotlist overrides, a scripted sweeper, a task."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from runlab.plugins import COMPLETED, FAILED, JobResult, JobSpec, SweepContext
from runlab.runtime.multirun import MultirunSetup

MASTER = {
    "a": 0,
    "b": "x",
    "hydra": {
        "sweep": {"dir": "unused", "subdir": "${hydra.job.num}"},
        "job": {"num": "???", "id": "???", "name": "app"},
    },
}


def fake_compose(master: DictConfig) -> Any:
    def compose_job(overrides: Sequence[str]) -> DictConfig:
        config = OmegaConf.merge(master, OmegaConf.from_dotlist([o.lstrip("+") for o in overrides]))
        assert isinstance(config, DictConfig)
        if config.get("a") == "bad":
            raise ValueError("cannot compose a=bad")
        return config

    return compose_job


def make_setup(sweep_dir: Path, master: dict[str, Any] | None = None) -> MultirunSetup:
    config = OmegaConf.create(master or MASTER)
    return MultirunSetup(
        master=config,
        sweep_dir=str(sweep_dir),
        task_overrides=(),
        compose_job=fake_compose(config),
        list_options=lambda group: [],
        job_name="app",
        plan_header={"config_name": "config"},
    )


class ScriptedSweeper:
    """Proposes fixed batches and remembers what it was told."""

    def __init__(self, batches: list[list[list[str]]]) -> None:
        self.batches = list(batches)
        self.told: list[list[JobResult]] = []
        self.context: SweepContext | None = None

    @property
    def total_jobs(self) -> int:
        return sum(len(b) for b in self.batches) + sum(len(t) for t in self.told)

    def begin(self, context: SweepContext) -> None:
        self.context = context

    def ask(self) -> list[list[str]] | None:
        return self.batches.pop(0) if self.batches else None

    def tell(self, results: Sequence[JobResult]) -> None:
        self.told.append(list(results))


def fake_task_run(spec: JobSpec) -> JobResult:
    """A run_job stand-in: writes a marker into the job dir; ``a=fail`` fails, ``a=exit`` kills."""
    started = time.time()
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "runs.txt", "a") as f:
        f.write(f"{os.getpid()}\n")
    a = spec.config.a
    if a == "exit":
        os._exit(7)
    failed = a == "fail"
    return JobResult(
        num=spec.num,
        status=FAILED if failed else COMPLETED,
        return_value=None if failed else f"ret{spec.num}",
        error=f"ValueError: job {spec.num}" if failed else None,
        traceback=f"Traceback (most recent call last):\nValueError: job {spec.num}\n"
        if failed
        else None,
        output_dir=spec.output_dir,
        started=started,
        ended=time.time(),
        overrides=spec.overrides,
    )
