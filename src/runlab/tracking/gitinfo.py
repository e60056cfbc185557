"""The git state of the app that ran: commit, dirty flag and a hash of the uncommitted diff.

The diff hash lets two runs from a dirty tree be told apart (same commit, different edits) without
storing the diff.  Results are cached per directory for a minute: a sweep of 1,000 jobs in one process
should not spawn 3,000 git processes.  Outside any git work tree (no ``.git`` in the directory or
above it, no ``GIT_DIR``) no git process is spawned at all: that answer costs a few ``stat`` calls.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from runlab._values import frozen

if TYPE_CHECKING:
    import subprocess

__all__ = ["GitState", "git_state"]

_CACHE_SECONDS = 60.0
_cache: dict[str, tuple[float, GitState | None]] = {}


@frozen
class GitState:
    """Where the code came from."""

    root: str
    commit: str | None
    branch: str | None
    dirty: bool
    diff_sha256: str | None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    import subprocess  # only runs inside a work tree pay for it

    try:
        return subprocess.run(
            ["git", *args], check=False, cwd=cwd, capture_output=True, timeout=10,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_state(directory: str | os.PathLike[str] | None) -> GitState | None:
    """The git state of the work tree containing ``directory``, or None outside a work tree."""
    if directory is None:
        return None
    key = os.path.abspath(directory)
    cached = _cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _CACHE_SECONDS:
        return cached[1]
    state = _read_state(key)
    _cache[key] = (now, state)
    return state


def _read_state(directory: str) -> GitState | None:
    if not os.path.isdir(directory) or not _may_be_in_work_tree(directory):
        return None
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top is None or top.returncode != 0:
        return None
    root = top.stdout.decode().strip()
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    commit = head.stdout.decode().strip() if head and head.returncode == 0 else None
    branch_run = _git(root, "symbolic-ref", "-q", "--short", "HEAD")
    branch = branch_run.stdout.decode().strip() if branch_run and branch_run.returncode == 0 else None
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    dirty = bool(status and status.stdout.strip())
    diff_sha = None
    if dirty and commit:
        diff = _git(root, "diff", "HEAD", "--no-color", "--no-ext-diff")
        if diff is not None and diff.returncode == 0:
            import hashlib

            diff_sha = hashlib.sha256(diff.stdout).hexdigest()
    return GitState(root=root, commit=commit, branch=branch or None, dirty=dirty, diff_sha256=diff_sha)


def _may_be_in_work_tree(directory: str) -> bool:
    """False only when git surely finds no repository: no ``.git`` entry here or in any parent.

    ``.git`` may be a directory or a file (worktrees, submodules); ``GIT_DIR``/``GIT_WORK_TREE`` point
    git elsewhere, so then git itself is asked.  Walking past git's own stopping points
    (``GIT_CEILING_DIRECTORIES``, file-system boundaries) only means asking git when unsure.
    """
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    current = directory
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent


def clear_cache() -> None:
    """Forget cached states (tests commit between runs)."""
    _cache.clear()
