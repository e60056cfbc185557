#!/usr/bin/env python3
"""Take the screenshots of docs/ui.md: a real sweep recorded by runlab, served, shot in chromium.

Usage: ``python tests/web/screenshots.py [OUT_DIR]`` (default ``docs/images``); needs the
``chromium`` package and Playwright for Python (see docs/ui.md).  Writes ``ui-sweeps.png``,
``ui-sweep.png``, ``ui-runs.png``, ``ui-run.png`` and ``ui-diff.png``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from web_support import CHROMIUM, CHROMIUM_ARGS, Served, index_rows, run_app, write_app

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images"
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="runlab-shots-") as tmp:
        root = Path(tmp)
        index = root / "index.db"
        write_app(root)
        run_app(root, index, "-m", "lr=0.05,0.1,0.2,0.3", "seed=0,1,2", "model.width=8,32")
        run_app(root, index, "lr=0.15", "steps=12")
        sweep_id = index_rows(index, "SELECT sweep_id FROM runs WHERE sweep_id IS NOT NULL")[0][0]
        failed = index_rows(index, "SELECT run_id FROM runs WHERE status = 'failed'")[0][0]
        best, other = (r[0] for r in index_rows(
            index, "SELECT run_id FROM runs WHERE status = 'completed' AND sweep_id IS NOT NULL "
            "ORDER BY job_num LIMIT 2"))
        served = Served(index)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.set_default_timeout(60_000)
                shots = [
                    ("ui-sweeps.png", "/", None, False),
                    ("ui-sweep.png", f"/sweeps/{sweep_id}", "#curves-chart .main-svg", True),
                    ("ui-runs.png", "/runs?sort=loss&status=completed", None, False),
                    ("ui-run.png", f"/runs/{failed}", "#run-charts .main-svg", True),
                    ("ui-diff.png", f"/runs/{best}/diff?other={other}", None, False),
                ]
                for name, url, ready, full in shots:
                    page.goto(served.url + url)
                    if ready:
                        page.wait_for_selector(ready)
                        page.wait_for_timeout(500)
                    page.screenshot(path=str(out / name), full_page=full)
                    print(out / name)
                browser.close()
        finally:
            served.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
