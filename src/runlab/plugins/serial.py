"""The basic launcher: runs a sweep's jobs one after the other in this process.

It is the default because it is the cheapest (no pickling, no process start-up) and the easiest to
debug: a breakpoint in the task works, and the task sees the parent's state.  Its console lines are
Hydra's, word for word, so logs and tests written against Hydra's basic launcher keep matching.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from runlab.plugins import JobResult, JobSpec, RunJob

__all__ = ["BasicLauncher", "describe_overrides"]

log = logging.getLogger("hydra")


def describe_overrides(overrides: Sequence[str]) -> str:
    """The overrides of one job as Hydra prints them: space separated, ``hydra.*`` ones left out."""
    return " ".join(o for o in overrides if not o.startswith("hydra."))


class BasicLauncher:
    """Sequential, in-process launcher (``hydra/launcher=basic``).

    Hydra's basic launcher has no options; unknown keyword arguments are accepted so a config written
    for a richer launcher does not break the default one.
    """

    def __init__(self, **_options: Any) -> None:
        pass

    def launch(self, jobs: Sequence[JobSpec], run: RunJob) -> Iterator[JobResult]:
        log.info(f"Launching {len(jobs)} jobs locally")
        for job in jobs:
            # Logged right before each job (not up front) so the timestamps say when each job started.
            log.info(f"\t#{job.num} : {describe_overrides(job.overrides)}")
            yield run(job)
