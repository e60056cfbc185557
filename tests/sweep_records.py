"""Reading a sweep's completion records straight from disk, independently of runlab's own reader.

The records are JSON lines appended to ``<sweep>/.runlab/jobs/*.jsonl`` (one file per writing
process).  Tests read them raw so they check the file format, not just runlab's view of it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def record_lines(sweep: Path) -> list[dict[str, Any]]:
    """Every whole record line of every journal, in file then line order (a line still being
    written, without its newline, is left out)."""
    jobs = sweep / ".runlab" / "jobs"
    lines: list[dict[str, Any]] = []
    for path in sorted(jobs.glob("*.jsonl")) if jobs.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if line.endswith("\n"):
                lines.append(json.loads(line))
    return lines


def job_records(sweep: Path) -> dict[int, dict[str, Any]]:
    """The last record of each job (the one that ended last), by job number."""
    latest: dict[int, dict[str, Any]] = {}
    for record in record_lines(sweep):
        known = latest.get(record["num"])
        if known is None or record["ended"] >= known["ended"]:
            latest[record["num"]] = record
    return latest


def forget_job(sweep: Path, num: int) -> None:
    """Remove job ``num``'s records, as if the sweep had been killed before the job ended."""
    for path in (sweep / ".runlab" / "jobs").glob("*.jsonl"):
        kept = [
            line
            for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
            if json.loads(line)["num"] != num
        ]
        path.write_text("".join(kept), encoding="utf-8")
