"""Fake jobs for launcher tests: what the task does is chosen by the job config's ``action`` key."""

from __future__ import annotations

import ctypes
import faulthandler
import os
import time
from pathlib import Path

from omegaconf import OmegaConf

from runlab.plugins import COMPLETED, FAILED, JobResult, JobSpec


def make_jobs(actions: list[str], sweep_dir: Path) -> list[JobSpec]:
    return [
        JobSpec(
            num=i,
            id=str(i),
            overrides=(f"action={a}", f"i={i}", "hydra.job.chdir=false"),
            config=OmegaConf.create({"action": a, "i": i}),
            sweep_dir=str(sweep_dir),
            output_dir=str(sweep_dir / str(i)),
        )
        for i, a in enumerate(actions)
    ]


def fake_run(spec: JobSpec) -> JobResult:
    """Stands in for run_job: records that it ran in the job dir, then does what the action says."""
    started = time.time()
    out = Path(spec.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ran").write_text(str(os.getpid()))
    action = spec.config.action
    status, value, error = COMPLETED, spec.num * 10, None
    if action == "raise":
        status, value, error = FAILED, None, f"ValueError: job {spec.num} failed"
    elif action == "exit":
        os._exit(3)
    elif action == "segv":
        faulthandler.disable()  # the crash is the point; keep its dump out of the test output
        ctypes.string_at(0)
    elif action.startswith("sleep"):
        time.sleep(float(action[len("sleep") :]))
    elif action == "unpicklable":
        value = lambda: None
    elif action == "bug":
        raise RuntimeError("runner bug")
    return JobResult(
        num=spec.num,
        status=status,
        return_value=value,
        error=error,
        traceback=None,
        output_dir=spec.output_dir,
        started=started,
        ended=time.time(),
        overrides=spec.overrides,
    )
