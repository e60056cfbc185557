"""The single hook where a job's run record is started and finished (wired to ``runlab.tracking``).

``run_job`` calls ``start_recording`` right before the task and ``finish_recording`` right after it;
keeping both calls here means connecting the tracker is a change to this module only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["finish_recording", "start_recording"]


def start_recording(*, config: Any, output_dir: str, overrides: tuple[str, ...]) -> Any:
    """Begin the run record of one job; returns a handle passed back to ``finish_recording``.

    Not connected yet: the tracker (``runlab.tracking.recorder.RunRecorder``) plugs in here.
    """
    return None


def finish_recording(
    handle: Any, *, status: str, return_value: Any = None, error: BaseException | None = None
) -> None:
    """Close the run record started by ``start_recording`` with the job's outcome."""
    return
