"""The recorded world CLI tests run against."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runlab.tracking.records import RunRecord


@dataclass(frozen=True)
class Lab:
    root: Path
    index: Path
    sweep: Path
    records: list[RunRecord]
    single: RunRecord
