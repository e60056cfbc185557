"""Sweep progress: a live status line on a terminal, occasional plain lines otherwise.

The display goes to stderr so stdout keeps exactly Hydra's log lines.  On a terminal a background
thread redraws one line (done / failed / running, elapsed, ETA) twice a second; elsewhere (CI logs,
pipes) a plain line is printed at most every ``plain_interval`` seconds, and only for sweeps that run
long enough to need one, so short sweeps print nothing Hydra would not print.

``RUNLAB_PROGRESS`` overrides the choice: ``off``, ``plain``, ``live`` (or ``auto``, the default).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO

__all__ = ["SweepProgress", "format_duration"]

_LIVE_REFRESH_SECONDS = 0.5


def format_duration(seconds: float) -> str:
    """``75`` -> ``01:15``; hours appear only when needed (``1:02:03``)."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


# Forking while the live thread writes could leave a worker holding stderr's lock forever; the
# at-fork hooks make fork wait until the line is written.
_RENDER_LOCK = threading.Lock()
_fork_guard_installed = False


def _install_fork_guard() -> None:
    global _fork_guard_installed
    if not _fork_guard_installed and hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_RENDER_LOCK.acquire,
            after_in_parent=_RENDER_LOCK.release,
            after_in_child=_RENDER_LOCK.release,
        )
        _fork_guard_installed = True


class SweepProgress:
    """Counts jobs as they finish and shows where the sweep stands."""

    def __init__(
        self,
        *,
        stream: TextIO | None = None,
        mode: str | None = None,
        plain_interval: float = 10.0,
        parallelism: int = 1,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.mode = self._choose_mode(mode or os.environ.get("RUNLAB_PROGRESS", "auto"))
        self.plain_interval = plain_interval
        self.parallelism = max(1, parallelism)
        self.total: int | None = None
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self.in_batch = 0
        self.started = time.monotonic()
        self._last_plain = self.started
        self._printed_plain = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _choose_mode(self, requested: str) -> str:
        if requested in ("off", "plain", "live"):
            return requested
        isatty = getattr(self.stream, "isatty", None)
        return "live" if isatty is not None and isatty() else "plain"

    # -- events ------------------------------------------------------------------------------
    def start(self) -> None:
        self.started = time.monotonic()
        self._last_plain = self.started
        if self.mode == "live":
            _install_fork_guard()
            self._thread = threading.Thread(
                target=self._refresh, name="runlab-progress", daemon=True
            )
            self._thread.start()

    def batch_started(self, size: int, total: int | None) -> None:
        self.in_batch = size
        self.total = total

    def job_skipped(self) -> None:
        """A job that a previous (killed) run of this sweep already completed."""
        self.skipped += 1
        self.done += 1
        self.in_batch = max(0, self.in_batch - 1)

    def job_finished(self, ok: bool) -> None:
        self.done += 1
        if not ok:
            self.failed += 1
        self.in_batch = max(0, self.in_batch - 1)
        if self.mode == "plain" and time.monotonic() - self._last_plain >= self.plain_interval:
            self._write_plain()

    def close(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            with _RENDER_LOCK:
                self.stream.write("\r\033[K")
                self.stream.flush()
        elif self.mode == "plain" and self._printed_plain:
            self._write_plain()

    # -- rendering ---------------------------------------------------------------------------
    def status_line(self) -> str:
        elapsed = time.monotonic() - self.started
        running = min(self.parallelism, self.in_batch)
        total = f"/{self.total}" if self.total is not None else ""
        parts = [f"{self.done}{total} done", f"{self.failed} failed", f"{running} running"]
        if self.skipped:
            parts.append(f"{self.skipped} already done")
        parts.append(f"elapsed {format_duration(elapsed)}")
        ran = self.done - self.skipped
        if self.total is not None and ran > 0 and self.done < self.total:
            eta = elapsed / ran * (self.total - self.done)
            parts.append(f"ETA {format_duration(eta)}")
        return "[runlab] sweep: " + ", ".join(parts)

    def _write_plain(self) -> None:
        self._last_plain = time.monotonic()
        self._printed_plain = True
        with _RENDER_LOCK:
            self.stream.write(self.status_line() + "\n")
            self.stream.flush()

    def _refresh(self) -> None:
        while not self._stop.wait(_LIVE_REFRESH_SECONDS):
            with _RENDER_LOCK:
                self.stream.write("\r\033[K" + self.status_line() + "\r")
                self.stream.flush()
