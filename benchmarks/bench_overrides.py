"""How much faster runlab parses command-line overrides than hydra-core.

Parses 1,000 distinct, realistic overrides (mostly ``key=value``; also groups, ``+``/``~``, lists,
dicts, quoted values, interpolations, comma sweeps and sweep functions) with runlab (cold: the parse
cache is cleared before every round) and with hydra-core in the oracle environment (a subprocess), and
prints the time per override for both and the ratio.  The target is >= 20x.

    python benchmarks/bench_overrides.py [--count N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

_TEMPLATES = [
    "trainer.max_epochs={i}",
    "optimizer.lr=0.{i}",
    "model.name=resnet{i}",
    "data.path=/data/set_{i}/train.csv",
    "seed={i}",
    "db=mysql_{i}",
    "hydra/sweeper=sweeper_{i}",
    "+experiment.tag{i}=baseline",
    "++trainer.devices={i}",
    "~model.dropout{i}",
    "run.flag{i}=true",
    "model.layers=[64,128,{i}]",
    "db.conn={{host:localhost,port:{i}}}",
    "msg='hello world {i}'",
    "out_dir=${{hydra:runtime.cwd}}/out{i}",
    "lr=0.1,0.01,0.00{i}",
    "batch_size=choice(16,32,{i})",
    "epochs=range(1,{i})",
    "model@backbone=vit_{i}",
    "name=run {i}",
]


def build_overrides(count: int) -> list[str]:
    """``count`` distinct overrides, cycling through the templates."""
    return [_TEMPLATES[n % len(_TEMPLATES)].format(i=n + 1) for n in range(count)]


def time_runlab(overrides: list[str], repeat: int) -> float:
    """Best seconds per override, with a cold parse cache each round."""
    from runlab.config.overrides import clear_override_cache, parse_override

    best = float("inf")
    for _ in range(repeat):
        clear_override_cache()
        start = time.perf_counter()
        for text in overrides:
            parse_override(text)
        best = min(best, time.perf_counter() - start)
    return best / len(overrides)


_HYDRA_CODE = """
import json, sys, time
from hydra.core.override_parser.overrides_parser import OverridesParser
overrides, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
parser = OverridesParser.create()
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    for text in overrides:
        parser.parse_overrides([text])
    best = min(best, time.perf_counter() - start)
print(best / len(overrides))
"""


def time_hydra(overrides: list[str], repeat: int) -> float | None:
    """Best seconds per override under hydra-core, or None when the oracle env is missing."""
    python = os.environ.get(
        "RUNLAB_ORACLE_PYTHON", str(REPO_ROOT / ".venv-oracle" / "bin" / "python")
    )
    if not Path(python).exists():
        return None
    process = subprocess.run(
        [python, "-c", _HYDRA_CODE, json.dumps(overrides), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(process.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    overrides = build_overrides(args.count)
    runlab = time_runlab(overrides, args.repeat)
    print(f"runlab     : {runlab * 1e6:8.2f} us/override ({args.count} overrides, cold cache)")
    hydra = time_hydra(overrides, args.repeat)
    if hydra is None:
        print(
            "hydra-core : oracle environment not found (set RUNLAB_ORACLE_PYTHON)", file=sys.stderr
        )
        return
    print(f"hydra-core : {hydra * 1e6:8.2f} us/override")
    print(f"ratio      : {hydra / runlab:8.1f}x faster (target >= 20x)")


if __name__ == "__main__":
    main()
