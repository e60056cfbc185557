"""The README's demo: a small sweep, recorded, compared, and reported.

Runs ``train.py`` over 2 optimizers x 2 learning rates x 3 seeds (12 jobs, metrics logged over steps),
then shows the compare table that every multirun prints, and writes a self-contained HTML report.
Everything lands in ``demo-output/`` under the current directory, with the SQLite index in
``demo-output/.runlab/index.db``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    out = Path.cwd() / "demo-output"
    out.mkdir(exist_ok=True)
    env = {**os.environ, "RUNLAB_INDEX": str(out / ".runlab" / "index.db")}
    sweep_dir = out / "sweep"
    command = [
        sys.executable,
        str(HERE / "train.py"),
        "--multirun",
        "optimizer=sgd,adam",
        "lr=0.01,0.1",
        "seed=0,1,2",
        f"hydra.sweep.dir={sweep_dir}",
        "hydra/launcher=processes",
    ]
    print("$", " ".join(command[1:]), flush=True)
    result = subprocess.run(command, cwd=out, env=env)
    if result.returncode != 0:
        return result.returncode
    report = out / "report.html"
    for args in (
        ["compare", str(sweep_dir), "--metric", "loss", "--over", "seed"],
        ["report", str(sweep_dir), "-o", str(report)],
    ):
        print("$ runlab", " ".join(args), flush=True)
        step = subprocess.run([sys.executable, "-m", "runlab.cli", *args], cwd=out, env=env)
        if step.returncode != 0:
            return step.returncode
    print(f"\nReport written to {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
