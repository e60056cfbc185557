"""Run the whole differential corpus and print which scenarios behave like hydra-core (a plain script).

    .venv/bin/python tests/e2e/e2e_report.py               # all scenarios, both implementations
    .venv/bin/python tests/e2e/e2e_report.py -k mr_ -v     # a subset, with the full differences
    .venv/bin/python tests/e2e/e2e_report.py --oracle-only --show basic_run   # what hydra-core printed

The pytest suite only compares the scenarios listed in e2e_status.COMPARED (the ones runlab already passes); this
report is how the list grows: it names every other scenario and its first difference.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_harness import (
    Observation,
    Scenario,
    check_facts,
    compare,
    observe_both,
    without_hydra_keys,
)
from e2e_scenarios import SCENARIOS


def _run(
    scenario: Scenario, oracle_only: bool, ignore: tuple[str, ...] = ()
) -> tuple[Scenario, Observation, list[str]]:
    with tempfile.TemporaryDirectory(prefix=f"e2e-{scenario.name}-") as tmp:
        oracle, mine = observe_both(scenario, Path(tmp), runlab=not oracle_only)
    oracle = without_hydra_keys(oracle, ignore)
    mine = without_hydra_keys(mine, ignore) if mine is not None else None
    problems = [f"oracle: {p}" for p in check_facts(scenario, oracle)]
    if mine is not None:
        problems += compare(scenario, oracle, mine)
    return scenario, oracle, problems


def signature(problem: str) -> str:
    """A short key shared by the same root cause across scenarios: the file's base name + first changed line."""
    lines = problem.splitlines()
    if not lines[0].startswith("--- hydra-core "):
        return lines[0]
    label = lines[0].removeprefix("--- hydra-core ").rsplit("/", 1)[-1]
    changed = next(
        (ln for ln in lines[2:] if ln[:1] in "+-" and not ln.startswith(("+++", "---"))), ""
    )
    return f"{label}: {changed.strip()}"


def _show(obs: Observation) -> str:
    parts = [
        f"exit={obs.exit_code}",
        "--- stdout",
        obs.stdout,
        "--- stderr",
        obs.stderr,
        "--- files",
        *obs.files,
    ]
    for name, text in obs.contents.items():
        if not name.endswith("hydra.yaml") and not name.endswith("multirun.yaml"):
            parts += [f"--- {name}", text]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "-k", default="", help="only scenarios whose name contains one of these (comma list)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print every difference in full"
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=2, help="scenarios run at once (each runs 2 processes)"
    )
    parser.add_argument(
        "--oracle-only", action="store_true", help="run hydra-core only and check the facts"
    )
    parser.add_argument(
        "--show", action="store_true", help="print the oracle observation of each scenario"
    )
    parser.add_argument("--summary", action="store_true", help="group the differences by cause")
    parser.add_argument(
        "--ignore-hydra-key",
        action="append",
        default=[],
        help="cut hydra.<KEY> out of both sides first, to see past one known difference (repeatable)",
    )
    args = parser.parse_args(argv)
    wanted = args.k.split(",")
    chosen = [s for s in SCENARIOS if any(w in s.name for w in wanted)]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(
            pool.map(lambda s: _run(s, args.oracle_only, tuple(args.ignore_hydra_key)), chosen)
        )
    failing = []
    for scenario, oracle, problems in results:
        status = "FAIL" if problems else "ok"
        print(f"{status:4} {scenario.name}")
        if args.show:
            print(_show(oracle))
        if problems:
            failing.append(scenario.name)
            detail = "\n".join(problems) if args.verbose else problems[0].splitlines()[0]
            print("     " + detail.replace("\n", "\n     "))
    if args.summary:
        causes: dict[str, list[str]] = {}
        for scenario, _, problems in results:
            for key in dict.fromkeys(signature(p) for p in problems):
                causes.setdefault(key, []).append(scenario.name)
        print("\ndifferences by cause (file + first changed line), most scenarios first:")
        for key, names in sorted(causes.items(), key=lambda item: -len(item[1])):
            more = f", ... (+{len(names) - 6})" if len(names) > 6 else ""
            print(f"  {len(names):3d}  {key}\n       {', '.join(names[:6])}{more}")
    print(f"\n{len(chosen) - len(failing)}/{len(chosen)} scenarios pass")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
