"""The README's first command: the demo sweep is recorded, compared and reported."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from runlab.tracking.index_journal import index_exists

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo" / "run_demo.py"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables = 0
        self.scripts_from_network: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables += 1
        src = dict(attrs).get("src") or ""
        if tag == "script" and src.startswith(("http:", "https:", "//")):
            self.scripts_from_network.append(src)


def test_the_demo_runs_a_recorded_sweep_and_writes_the_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    result = subprocess.run(
        [sys.executable, str(DEMO)], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    out = tmp_path / "demo-output"
    jobs = sorted(p for p in (out / "sweep").iterdir() if (p / ".runlab" / "run.json").exists())
    assert len(jobs) == 12
    assert index_exists(out / ".runlab" / "index.db")  # or its runs wait for the next reader
    # The compare table: 4 optimizer x lr combinations aggregated over 3 seeds, adam at lr=0.1 best.
    assert "12 runs (12 completed)" in result.stdout
    best = next(line for line in result.stdout.splitlines() if "*" in line and "adam" in line)
    assert "0.1" in best
    parser = _Tables()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    assert parser.tables >= 1 and parser.scripts_from_network == []
