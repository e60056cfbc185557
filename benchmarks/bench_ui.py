#!/usr/bin/env python3
"""The dashboard at scale: the sweep page and the runs list over a 10,000-run sweep.

A sweep of 10,000 run directories (4 varying params incl. a seed: 1,000 groups of 10 seeds; records
and metric series written the way runlab writes them) is synthesized and indexed, then:

* server time (in process, Starlette's TestClient; median of 3) of the sweep page's first view
  (nothing cached) and its chart data, then (median of 5) the sweep page again (the loaded runs are reused while the
  sweep does not change), sorted, its live fragment, the runs list (first page, a deep page, a
  params filter sorted by a metric) and the status poll.  Target: the sweep page's first view
  <= 1 s.
* the sweep page in chromium (Debian's package, driven by Playwright; a local uvicorn server): time
  to the ``load`` event (table usable) and until the charts are drawn, both with plotly.js already
  compiled (a second visit; the first visit of a browser compiles the 4.6 MB library).  Target:
  usable <= 3 s.

Usage: ``python benchmarks/bench_ui.py [--runs N] [--no-browser] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_TARGET = 1.0
BROWSER_TARGET = 3.0


def synthesize(root: Path, runs: int) -> tuple[Path, str]:
    """``runs`` run directories of one sweep, indexed; returns (index path, sweep id)."""
    import json as _json

    from runlab.tracking.records import METRICS_FILE, RECORD_DIR, RunRecord
    from runlab.tracking.store import RunIndex

    sweep_dir = root / "multirun" / "2026-11-27" / "12-00-00"
    sweep_id = "12-00-00-bench000"
    start = time.time() - runs
    records = []
    for i in range(runs):
        params = {"lr": str([0.1, 0.03, 0.01, 0.003, 0.001, 0.3, 0.0003, 0.05, 0.02, 0.005][i % 10]),
                  "width": str([32, 64, 128, 256, 512, 16, 8, 1024, 48, 96][(i // 10) % 10]),
                  "optimizer": ["adam", "sgd", "rmsprop", "adagrad", "lion", "nadam", "adamw",
                                "lamb", "lars", "sgdm"][(i // 100) % 10],
                  "seed": str(i // 1000)}
        loss = 0.1 + ((i * 7919) % 1000) / 1000.0
        run_dir = sweep_dir / str(i)
        failed = i % 97 == 0
        record = RunRecord(
            run_id=f"20261127-120000-{i:06x}", run_dir=str(run_dir),
            status="failed" if failed else "completed", start=start + i, end=start + i + 0.5,
            duration=0.5, sweep_id=sweep_id, sweep_dir=str(sweep_dir), job_num=i,
            overrides=tuple(f"{k}={v}" for k, v in params.items()), params=params,
            config_flat={**{k: v for k, v in params.items()}, "steps": 20},
            metrics={"loss": loss, "acc": 1 - loss / 2},
            error="RuntimeError: diverged" if failed else None, host="bench", pid=1)
        # json.dumps without write_record's fsync: 10,000 fsyncs would dominate the setup
        (run_dir / RECORD_DIR).mkdir(parents=True)
        (run_dir / RECORD_DIR / "run.json").write_text(_json.dumps(record.to_json()))
        steps = list(range(20))
        with open(run_dir / RECORD_DIR / METRICS_FILE, "w", encoding="utf-8") as handle:
            for name, final in record.metrics.items():
                values = [final * (1 + (19 - s) / 10) for s in steps]
                handle.write(_json.dumps({"name": name, "time": [start, start + 1], "step": steps,
                                          "value": values}) + "\n")
        records.append(record)
    index_path = root / "index.db"
    with RunIndex(index_path) as index:
        index.upsert(records)
    return index_path, sweep_id


def _median_seconds(action: Any, repeat: int = 5) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU of the whole process: the handler runs in a worker
    thread).  On a shared machine the CPU time is what the page costs; wall time adds waiting."""
    walls, cpus = [], []
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def server_times(index_path: Path, sweep_id: str) -> dict[str, tuple[float, float]]:
    from starlette.testclient import TestClient

    from runlab.web.app import create_app

    app = create_app(index_path)
    client = TestClient(app)

    def get(url: str) -> Any:
        def action() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return action

    get("/")()  # the server is up and has opened the index

    def cold_view(url: str) -> Any:
        def action() -> None:
            app.state.dashboard.clear_cache()
            get(url)()
        return action

    cold = _median_seconds(cold_view(f"/sweeps/{sweep_id}"), repeat=3)
    cold_charts = _median_seconds(cold_view(f"/api/sweeps/{sweep_id}/charts"), repeat=3)
    return {
        "sweep page, first view (no cache)": cold,
        "sweep charts (json), no cache": cold_charts,
        "sweep page": _median_seconds(get(f"/sweeps/{sweep_id}")),
        "sweep page, sorted by a param": _median_seconds(get(f"/sweeps/{sweep_id}?sort=width")),
        "sweep live fragment": _median_seconds(get(f"/sweeps/{sweep_id}/live")),
        "sweep charts (json)": _median_seconds(get(f"/api/sweeps/{sweep_id}/charts")),
        "sweep status poll": _median_seconds(get(f"/api/sweeps/{sweep_id}/status")),
        "runs list, page 1": _median_seconds(get("/runs")),
        "runs list, page 150": _median_seconds(get("/runs?page=150")),
        "runs list, where+sort": _median_seconds(get("/runs?where=optimizer%3Dadam&sort=-loss")),
    }


def browser_times(index_path: Path, sweep_id: str) -> dict[str, float]:
    import socket

    import uvicorn
    from playwright.sync_api import sync_playwright

    from runlab.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(index_path), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}/sweeps/{sweep_id}"
    results: dict[str, float] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            began = time.perf_counter()
            page.goto(url, wait_until="load", timeout=120_000)
            page.wait_for_selector("#parallel-chart svg path.run-line", timeout=120_000)
            results["first visit: charts drawn (compiles plotly.js)"] = time.perf_counter() - began
            began = time.perf_counter()
            page.goto(url, wait_until="commit", timeout=120_000)
            page.wait_for_selector("#compare tbody tr", state="visible")
            results["sweep page compare table visible"] = time.perf_counter() - began
            page.wait_for_load_state("load")
            results["sweep page usable (load event)"] = time.perf_counter() - began
            page.wait_for_selector("#parallel-chart svg path.run-line", timeout=120_000)
            results["sweep page charts drawn"] = time.perf_counter() - began
            results["compare rows shown"] = float(page.locator("#compare tbody tr").count())
            results["parallel lines drawn"] = float(
                page.locator("#parallel-chart svg path.run-line").count())
            began = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/runs", wait_until="load")
            results["runs list usable (load event)"] = time.perf_counter() - began
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--no-browser", action="store_true", help="server times only")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the synthesized sweep in $TMPDIR and reuse it next time")
    args = parser.parse_args()
    keep = Path(tempfile.gettempdir()) / f"runlab-bench-ui-{args.runs}"
    with tempfile.TemporaryDirectory(prefix="bench-ui-") as tmp:
        began = time.perf_counter()
        if args.reuse and (keep / "index.db").is_file():
            index_path, sweep_id = keep / "index.db", "12-00-00-bench000"
        else:
            index_path, sweep_id = synthesize(keep if args.reuse else Path(tmp), args.runs)
        setup = time.perf_counter() - began
        server = server_times(index_path, sweep_id)
        browser = {} if args.no_browser else browser_times(index_path, sweep_id)
    ok = server["sweep page, first view (no cache)"][1] <= SERVER_TARGET and (
        not browser or browser["sweep page usable (load event)"] <= BROWSER_TARGET)
    if args.json:
        print(json.dumps({"runs": args.runs, "setup_s": setup, "server_wall_cpu_s": server,
                          "browser_s": browser, "ok": ok}, indent=2))
    else:
        print(f"{args.runs} runs synthesized and indexed in {setup:.1f}s")
        load = os.getloadavg()[0]
        print(f"server (in process; median of 3 without cache, else of 5; load average "
              f"{load:.1f} on {os.cpu_count()} CPUs):")
        print(f"  {'':<34} {'wall':>11} {'cpu':>11}")
        for name, (wall, cpu) in server.items():
            print(f"  {name:<34} {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms")
        if browser:
            print("chromium:")
            for name, value in browser.items():
                shown = f"{value:8.0f}" if "shown" in name or "drawn" in name and "lines" in name \
                    else f"{value * 1000:8.1f} ms"
                print(f"  {name:<48} {shown}")
        print(f"targets: sweep page first view server CPU time <= {SERVER_TARGET:.0f} s, usable in the browser "
              f"<= {BROWSER_TARGET:.0f} s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
