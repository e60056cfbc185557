"""A sweep's results, kept as one byte per job and read back from the completion records.

A sweep of any size must not keep every job's result in memory (Hydra keeps each ``JobReturn``
with its configs: ~110 KB a job at 1,000 jobs).  The loop remembers how each job ended and the failures (the
report needs them); whoever wants the rest -- ``on_multirun_end`` callbacks, a sweeper told a big
batch -- gets a sequence that reads the records when first looked at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import overload

from runlab.plugins import JobResult

__all__ = ["COMPLETED_JOB", "FAILED_JOB", "NO_RESULT", "SweepResults"]

NO_RESULT, COMPLETED_JOB, FAILED_JOB = 0, 1, 2
"""What a sweep keeps per job number: one byte saying how the job ended."""


class SweepResults(Sequence[JobResult]):
    """A sweep's results in job order, read back from its completion records when first looked at.

    The sweep itself keeps one byte per job number (no result, completed, failed) and its failures,
    so its memory does not grow with the number of jobs; callbacks that look at ``results`` pay for
    reading the records then.  Read back, a return value that could not be recorded (unpicklable,
    or over 1 MB pickled) is None -- as for the jobs a resumed sweep skipped.
    """

    def __init__(
        self,
        sweep_dir: str,
        outcomes: bytearray,
        failed: Mapping[int, JobResult],
        nums: range | None = None,
    ) -> None:
        self._sweep_dir = sweep_dir
        self._nums = nums if nums is not None else range(len(outcomes))
        self._outcomes = outcomes
        self._count = sum(1 for num in self._nums if outcomes[num] != NO_RESULT)
        self.failed = tuple(failed[num] for num in sorted(failed) if num in self._nums)
        self._failed = {num: failed[num] for num in self._nums if num in failed}
        self._loaded: list[JobResult] | None = None

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> JobResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[JobResult]: ...

    def __getitem__(self, index: int | slice) -> JobResult | list[JobResult]:
        return self._all()[index]

    def __iter__(self) -> Iterator[JobResult]:
        return iter(self._all())

    def output_dirs(self) -> Iterator[str]:
        """The output directories of the jobs with a result, read from the plan (loads no record)."""
        from runlab.runtime.sweep_state import iter_planned_jobs

        outcomes, nums = self._outcomes, self._nums
        for job in iter_planned_jobs(self._sweep_dir):
            num = job.get("num")
            if isinstance(num, int) and num in nums and outcomes[num] != NO_RESULT:
                yield str(job["output_dir"])

    def _all(self) -> list[JobResult]:
        if self._loaded is None:
            from runlab.runtime.sweep_state import read_job_records

            records = read_job_records(self._sweep_dir) if self._count > len(self._failed) else {}
            self._loaded = [
                self._failed.get(num) or records.get(num) or _unrecorded(num)
                for num in self._nums
                if self._outcomes[num] != NO_RESULT
            ]
        return self._loaded


def _unrecorded(num: int) -> JobResult:
    """A completed job whose record is gone (someone deleted it since): only its status is known."""
    from runlab.plugins import COMPLETED

    return JobResult(num, COMPLETED, None, None, None, "", 0.0, 0.0)
