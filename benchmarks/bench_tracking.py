#!/usr/bin/env python3
"""Experiment tracking: runlab's tracker side by side with MLflow's local SQLite tracking.

Scenarios:

* metric logging throughput in one process, buffered, flush to disk included
  (``runlab.log_metrics`` with 10 metrics per call, and ``runlab.log_metric``); target >= 1,000,000
  scalar points/s.  MLflow: ``mlflow.log_metrics`` per step, and ``MlflowClient.log_batch`` with
  1,000 metrics per call (its fastest path).
* ``runlab compare`` over 10,000 runs x 20 params x 5 metrics (target <= 0.5 s, in process; the
  subprocess wall time including interpreter start-up is printed too).  MLflow: ``search_runs`` to
  a DataFrame plus a pandas groupby (mean/std/min/max/count) — the same table.
* rebuilding the index from 10,000 run directories (target <= 10 s).  MLflow has no rebuild from
  files; its nearest cost is getting the runs into its database (create_run + log_batch +
  set_terminated per run), printed as "ingest".

MLflow runs in its own venv (``.venv-mlflow``; create it with ``python -m venv .venv-mlflow &&
.venv-mlflow/bin/pip install mlflow``).  MLflow ingests ~5 runs/s on a small VM, so its run count is
``--mlflow-runs`` (default 1,000) and runlab is measured at that size too, next to its 10,000.

Usage: ``python benchmarks/bench_tracking.py [--runs N] [--mlflow-runs M] [--points P] [--json]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
MLFLOW_PYTHON = Path(os.environ.get("RUNLAB_MLFLOW_PYTHON") or ROOT / ".venv-mlflow" / "bin" /
                     "python")

PARAMS = 20
METRICS = 5


def _params_of(i: int) -> dict[str, str]:
    """20 params: four vary (4 x 5 x 5 x 3 combinations incl. a seed), the rest are constant."""
    varying = {"optimizer": ["adam", "sgd", "rmsprop", "adagrad"][i % 4],
               "lr": str([0.1, 0.03, 0.01, 0.003, 0.001][(i // 4) % 5]),
               "seed": str((i // 20) % 5), "batch": str([32, 64, 128][(i // 100) % 3])}
    constant = {f"p{j}": str(j) for j in range(PARAMS - len(varying))}
    return {**varying, **constant}


def _metrics_of(i: int) -> dict[str, float]:
    return {f"m{j}": ((i * 7919 + j * 104729) % 1000) / 1000.0 for j in range(METRICS)}


def make_run_dirs(root: Path, count: int) -> None:
    """Write ``count`` completed run records (the real record format, no fsync: setup only)."""
    from runlab.tracking.recorder import sweep_id_of
    from runlab.tracking.records import RECORD_DIR, RECORD_FILE, RunRecord

    sweep = root / "multirun" / "bench"
    sweep_id = sweep_id_of(sweep)
    now = time.time()
    for i in range(count):
        run_dir = sweep / str(i)
        params = _params_of(i)
        record = RunRecord(
            run_id=f"bench-{i:06d}", run_dir=str(run_dir), status="completed", start=now + i,
            end=now + i + 1, duration=1.0, sweep_id=sweep_id, sweep_dir=str(sweep), job_num=i,
            overrides=tuple(f"{k}={v}" for k, v in params.items()), params=params,
            choices={"optimizer": params["optimizer"]},
            config_flat={k: v for k, v in params.items()}, metrics=_metrics_of(i),
            host="bench", pid=1, python={"version": sys.version.split()[0]},
        )
        target = run_dir / RECORD_DIR
        target.mkdir(parents=True)
        (target / RECORD_FILE).write_text(json.dumps(record.to_json()))


class _Clock:
    """Wall and CPU time of a block: on a shared machine the CPU time is the steadier number."""

    def __enter__(self) -> _Clock:  # noqa: PYI034 - py3.10 has no typing.Self
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def bench_logging(points: int) -> dict[str, tuple[float, float]]:
    """Points per second of both logging forms, flush and finish included."""
    from runlab import tracking
    from runlab.tracking.recorder import RunRecorder

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        recorder = RunRecorder.start(Path(tmp) / "dict", overrides=[], choices={},
                                     config_yaml="", resolved_yaml=None, origins={},
                                     command_line=[], app_dir=None, index_path="")
        log_metrics = tracking.log_metrics
        with _Clock() as clock:
            for step in range(points // 10):  # a literal dict, as a training loop writes it
                v = step * 0.5
                log_metrics({"loss": v, "acc": v, "lr": v, "grad_norm": v, "val_loss": v,
                             "val_acc": v, "tokens": v, "epoch": v, "time": v, "mem": v},
                            step=step)
            recorder.finish("completed")
        results["log_metrics (10 per call)"] = (points / clock.wall, points / clock.cpu)
        recorder = RunRecorder.start(Path(tmp) / "single", overrides=[], choices={},
                                     config_yaml="", resolved_yaml=None, origins={},
                                     command_line=[], app_dir=None, index_path="")
        log_metric = tracking.log_metric
        with _Clock() as clock:
            for step in range(points):
                log_metric("loss", step * 0.5, step=step)
            recorder.finish("completed")
        results["log_metric (1 per call)"] = (points / clock.wall, points / clock.cpu)
    return results


def bench_rebuild(root: Path) -> tuple[tuple[float, float], int]:
    from runlab.tracking.store import RunIndex

    index_path = root / "rebuild.db"
    with RunIndex(index_path) as index, _Clock() as clock:
        stats = index.index_paths([root / "multirun"], rebuild=True)
    return (clock.wall, clock.cpu), stats.indexed


def bench_compare(index_path: Path) -> dict[str, tuple[float, float]]:
    from runlab.cli import main

    timings = {}
    for label, argv in (("compare --by optimizer,lr", ["--by", "optimizer,lr"]),
                        ("compare (params found automatically)", [])):
        best = (float("inf"), float("inf"))
        for _ in range(3):
            sink = io.StringIO()
            with _Clock() as clock, contextlib.redirect_stdout(sink):
                code = main(["--index", str(index_path), "compare", "--metric", "m0", "--plain",
                             *argv])
            assert code == 0, code
            best = min(best, (clock.wall, clock.cpu))
        timings[label] = best
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "runlab.cli", "--index", str(index_path), "compare",
                    "--metric", "m0", "--plain"], check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    wall = time.perf_counter() - began
    timings["compare as a subprocess (interpreter start-up included)"] = (wall, float("nan"))
    return timings


_MLFLOW_SCRIPT = textwrap.dedent("""
    import json, logging, sys, tempfile, time, warnings
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    runs, points = int(sys.argv[1]), int(sys.argv[2])
    tmp = tempfile.mkdtemp()
    uri = f"sqlite:///{tmp}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("bench", artifact_location=tmp + "/artifacts")
    out = {"version": mlflow.__version__}

    steps = max(1, points // 10)
    def clock():
        return time.perf_counter(), time.process_time()

    def since(start):
        return [time.perf_counter() - start[0], time.process_time() - start[1]]

    with mlflow.start_run(experiment_id=exp):
        began = clock()
        for step in range(steps):
            mlflow.log_metrics({f"metric_{j}": step * 0.5 for j in range(10)}, step=step)
        out["log_metrics (10 per call)"] = [steps * 10 / t for t in since(began)]
    run = client.create_run(exp)
    now = int(time.time() * 1000)
    began = clock()
    batch_points = max(1000, points)
    for start in range(0, batch_points, 1000):
        client.log_batch(run.info.run_id, metrics=[
            Metric("loss", i * 0.5, now, i) for i in range(start, start + 1000)])
    out["log_batch (1000 per call)"] = [batch_points / t for t in since(began)]
    client.set_terminated(run.info.run_id)

    params_of, metrics_of = {PARAMS_OF}, {METRICS_OF}
    began = clock()
    for i in range(runs):
        run = client.create_run(exp)
        client.log_batch(run.info.run_id,
                         metrics=[Metric(k, v, now, 0) for k, v in metrics_of(i).items()],
                         params=[Param(k, v) for k, v in params_of(i).items()])
        client.set_terminated(run.info.run_id)
    out["ingest"] = since(began)

    best = [float("inf"), float("inf")]
    for _ in range(3):
        began = clock()
        frame = mlflow.search_runs(experiment_ids=[exp], max_results=100000)
        frame = frame[frame["params.optimizer"].notna()]
        table = frame.groupby(["params.optimizer", "params.lr"])["metrics.m0"].agg(
            ["mean", "std", "min", "max", "count"]).sort_values("mean")
        best = min(best, since(began))
    out["compare"] = best
    out["rows"] = len(table)
    print(json.dumps(out))
""")


def bench_mlflow(runs: int, points: int) -> dict[str, Any]:
    if not MLFLOW_PYTHON.exists():
        raise SystemExit(f"MLflow venv missing: {MLFLOW_PYTHON} (python -m venv .venv-mlflow && "
                         ".venv-mlflow/bin/pip install mlflow)")
    script = (_MLFLOW_SCRIPT
              .replace("{PARAMS_OF}", "lambda i: __import__('bench_defs').params_of(i)")
              .replace("{METRICS_OF}", "lambda i: __import__('bench_defs').metrics_of(i)"))
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench_defs.py").write_text(
            f"PARAMS = {PARAMS}\nMETRICS = {METRICS}\n"
            + textwrap.dedent(__import__("inspect").getsource(_params_of)).replace(
                "_params_of", "params_of")
            + textwrap.dedent(__import__("inspect").getsource(_metrics_of)).replace(
                "_metrics_of", "metrics_of"))
        done = subprocess.run([str(MLFLOW_PYTHON), "-c", script, str(runs), str(points)],
                              capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": tmp})
    if done.returncode != 0:
        raise SystemExit(f"MLflow benchmark failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _print_side(side: str, values: dict[str, Any]) -> None:
    print(f"\n{side}{'wall'.rjust(max(len(k) for k in values) + 16 - len(side))}"
          f"{'cpu':>14}", flush=True)
    width = max(len(k) for k in values)
    for key, (wall, cpu) in values.items():
        if "points/s" in key:
            shown = f"{wall:14,.0f}{cpu:14,.0f}"
        else:
            shown = f"{wall:14.3f}" + ("" if math.isnan(cpu) else f"{cpu:14.3f}")
        print(f"  {key.ljust(width)}{shown}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runlab run dirs (default 10000)")
    parser.add_argument("--mlflow-runs", type=int, default=1_000,
                        help="runs ingested into MLflow (default 1000)")
    parser.add_argument("--points", type=int, default=2_000_000,
                        help="metric points per logging scenario (default 2,000,000)")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    args = parser.parse_args()

    results: dict[str, Any] = {"runlab": {}, "mlflow": {}}
    if not args.json:
        print(f"runlab tracking benchmark ({PARAMS} params x {METRICS} metrics per run; CPU time "
              "is printed next to wall time because shared machines inflate the latter)")
    rl = results["runlab"]
    rl.update({f"{k} [points/s]": v for k, v in bench_logging(args.points).items()})
    if args.runs < 10_000:
        print(f"note: --runs {args.runs}: the 10,000-run targets are not measured")
    workdir = Path(tempfile.mkdtemp(prefix="bench-tracking-"))
    try:
        for size in sorted({args.runs, args.mlflow_runs}):
            root = workdir / f"n{size}"
            make_run_dirs(root, size)
            timing, indexed = bench_rebuild(root)
            assert indexed == size, (indexed, size)
            rl[f"index rebuild, {size} run dirs [s]"] = timing
            for label, value in bench_compare(root / "rebuild.db").items():
                rl[f"{label}, {size} runs [s]"] = value
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if not args.json:
        _print_side("runlab", rl)
    ml = bench_mlflow(args.mlflow_runs, min(args.points, 20_000))
    results["mlflow"] = {
        f"mlflow {ml['version']}: log_metrics (10 per call) [points/s]":
            ml["log_metrics (10 per call)"],
        "log_batch (1000 per call) [points/s]": ml["log_batch (1000 per call)"],
        f"ingest {args.mlflow_runs} runs (create+log_batch+terminate) [s]": ml["ingest"],
        f"search_runs + pandas groupby, {args.mlflow_runs} runs [s]": ml["compare"],
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    _print_side("mlflow", results["mlflow"])
    floors = [
        ("log_metrics >= 1,000,000 points/s",
         rl["log_metrics (10 per call) [points/s]"], lambda v: v >= 1_000_000),
        ("compare 10k runs <= 0.5 s",
         rl.get("compare --by optimizer,lr, 10000 runs [s]", (math.nan, math.nan)),
         lambda v: v <= 0.5),
        ("index rebuild 10k dirs <= 10 s",
         rl.get("index rebuild, 10000 run dirs [s]", (math.nan, math.nan)), lambda v: v <= 10),
    ]
    print("\ntargets: ok = met in wall time, cpu = met in CPU time only (a loaded machine), "
          "MISS = neither")
    for label, (wall, cpu), passes in floors:
        verdict = ("n/a " if math.isnan(wall) else "ok  " if passes(wall)
                   else "cpu " if passes(cpu) else "MISS")
        print(f"  {verdict} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
