"""Differential tests against hydra-core: sweep expansion, console lines and sweep-dir contents.

Every scenario runs the same app and command line under hydra-core (the oracle env) and runlab; the
``[HYDRA]`` lines (timestamps removed), the exit code, the sweep directory's job dirs and the files
each job writes (``.hydra/config.yaml``, ``overrides.yaml``, the job fields of ``hydra.yaml``) and the
master ``multirun.yaml`` must match.  runlab's own ``.runlab/`` directory is left out of the listing.
"""

from __future__ import annotations

import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from oracle import run_oracle_script, run_runlab_script

pytestmark = [pytest.mark.oracle, pytest.mark.slow]

APP = """
import hydra
from omegaconf import OmegaConf


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg):
    if cfg.get("fail") and cfg.get("a") == 2:
        raise ValueError(f"job with a={cfg.a} fails")
    return 0


if __name__ == "__main__":
    main()
"""

FILES = {
    "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\na: 1\nb: x\nlst: [1, 2]\n",
    "conf/withparams.yaml": (
        "defaults:\n  - db: mysql\n  - _self_\na: 1\nb: x\n"
        "hydra:\n  sweeper:\n    params:\n      b: q,r\n      a: 5,6\n      +z: 1,2\n"
    ),
    "conf/batched.yaml": (
        "defaults:\n  - _self_\na: 1\nhydra:\n  sweeper:\n    max_batch_size: 2\n    params:\n      a: range(5)\n"
    ),
    "conf/db/mysql.yaml": "driver: mysql\nport: 3306\n",
    "conf/db/postgresql.yaml": "driver: postgresql\nport: 5432\n",
    "conf/db/sqlite.yaml": "driver: sqlite\nport: 0\n",
    "conf/schema/school.yaml": "tables: 3\n",
    "conf/schema/support.yaml": "tables: 1\n",
    "conf/schema/warehouse.yaml": "tables: 9\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    unordered: bool = False  # shuffle: compare the set of jobs, not their order
    known_bug: str | None = None  # a bug outside the sweep code, tracked here until fixed


# compose_sweep_job reads the master's hydra overrides by iterating the ListConfig, which resolves
# `hydra.sweep.subdir=${hydra.job.override_dirname}` before re-parsing it (needs to_container).


CASES = [
    Case("simple", ("a=1,2,3",)),
    Case("order_first_key_slowest", ("b=x,y", "a=1,2")),
    Case("order_reversed", ("a=1,2", "b=x,y")),
    Case("three_keys", ("a=1,2", "b=x,y", "db=mysql,sqlite")),
    Case("group", ("db=mysql,postgresql",)),
    Case("group_glob_all", ("db=glob(*)",)),
    Case("group_glob_exclude", ("db=glob(*,exclude=sqlite)",)),
    Case("group_glob_list", ("db=glob([mysql,sqlite])",)),
    Case("add_group_glob", ("db=mysql,postgresql", "+schema=glob(*,exclude=sup*)")),
    Case("group_choice", ("db=choice(mysql,sqlite)",)),
    Case("range_n", ("a=range(3)",)),
    Case("range_step", ("a=range(1,10,3)",)),
    Case("range_negative", ("a=range(5,0,-2)",)),
    Case("range_float", ("a=range(0,1,0.25)",)),
    Case("range_float_artifacts", ("a=range(0,1,0.1)",)),
    Case("range_empty", ("a=range(1,0)",)),
    Case("choice", ("a=choice(1,2)",)),
    Case("choice_single", ("a=choice(x)",)),
    Case("choice_quoted", ('a=choice("a b",c)',)),
    Case("sort", ("a=sort(3,1,2)",)),
    Case("sort_reverse", ("a=sort(3,1,2,reverse=true)",)),
    Case("sort_range_reverse", ("a=sort(range(1,4),reverse=true)",)),
    Case("tag", ("a=tag(foo,choice(1,2))",)),
    Case("int_cast", ("a=int(1.5,2.5)",)),
    Case("str_cast", ("a=str(1,2)",)),
    Case("float_range", ("a=float(range(1,3))",)),
    Case("bool_cast", ("a=bool(true,false)",)),
    Case("shuffle", ("a=shuffle(1,2,3)",), unordered=True),
    Case("add", ("+c=1,2",)),
    Case("force_add", ("++a=1,2", "++d=x,y")),
    Case("delete_plus_sweep", ("~b", "a=1,2")),
    Case("lists", ("lst=[1,2],[3]",)),
    Case("null_and_int", ("a=null,1",)),
    Case("bools", ("a=true,false",)),
    Case("quoted_comma", ('a="x,y",z',)),
    Case("escaped_space", ("a=hello\\ world,b",)),
    Case("interpolation", ("a=${b},2",)),
    Case("non_sweep_repeated", ("a=1,2", "b=fixed")),
    Case("no_overrides", ()),
    Case("single_value", ("a=7",)),
    Case("batches_of_2", ("a=1,2,3", "hydra.sweeper.max_batch_size=2")),
    Case("batches_of_1", ("a=1,2", "b=x,y", "hydra.sweeper.max_batch_size=1")),
    Case("params_in_config", ("--config-name", "withparams")),
    Case("params_cli_wins_keeps_position", ("--config-name", "withparams", "a=7")),
    Case("params_cli_sweep", ("--config-name", "withparams", "b=u,v,w")),
    Case("params_with_batches", ("--config-name", "batched")),
    Case(
        "subdir_override_dirname",
        ("hydra.sweep.subdir=${hydra.job.override_dirname}", "a=1,2", "b=x,y"),
    ),
    Case(
        "subdir_collision",
        (
            "hydra.sweep.subdir=${hydra.job.override_dirname}",
            "hydra.job.config.override_dirname.exclude_keys=[a]",
            "a=1,2",
            "b=z",
        ),
    ),
    Case("group_value_after_group", ("db=mysql,postgresql", "db.port=1,2")),
    Case("failing_job", ("a=1,2,3", "+fail=true")),
    Case("bad_group_option_fails_before_jobs", ("db=mysql,nope",)),
    Case("hydra_sweep_rejected", ("hydra.run.dir=a,b",)),
    Case("interval_rejected", ("a=interval(0,1)",)),
    Case("unknown_key_rejected", ("a=1,2", "nope=3")),
]


@dataclass(frozen=True)
class Observed:
    exit_code: int
    hydra_lines: list[str]
    stderr: str
    dirs: list[str]
    files: dict[str, str]
    jobs: dict[str, dict[str, object]]
    master: dict[str, object] | None


_STAMP = re.compile(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\]\[HYDRA\] ")


def _observe(proc: CompletedProcess[str], root: Path) -> Observed:
    sweep = root / "sweep"
    lines = [_STAMP.sub("", line) for line in proc.stdout.splitlines() if _STAMP.match(line)]
    dirs, files, jobs = [], {}, {}
    if sweep.exists():
        for path in sorted(sweep.rglob("*")):
            rel = path.relative_to(sweep).as_posix()
            if ".runlab" in path.relative_to(sweep).parts or path.suffix == ".log":
                continue
            dirs.append(rel)
            if path.name in ("config.yaml", "overrides.yaml"):
                files[rel] = path.read_text()
            elif path.name == "hydra.yaml":
                node = yaml.safe_load(path.read_text())["hydra"]
                job = node["job"]
                jobs[rel] = {
                    "job": {
                        k: job[k] for k in ("name", "override_dirname", "id", "num", "config_name")
                    },
                    "overrides": node["overrides"],
                    "choices": node["runtime"]["choices"],
                    "mode": node["mode"],
                    "sweep": node["sweep"],
                }
    master = None
    if (sweep / "multirun.yaml").exists():
        loaded = yaml.safe_load((sweep / "multirun.yaml").read_text())
        hydra = loaded.pop("hydra")
        master = {
            "config": loaded,
            "overrides": hydra["overrides"],
            "mode": hydra["mode"],
            "choices": hydra["runtime"]["choices"],
            "params": hydra["sweeper"].get("params"),
            "max_batch_size": hydra["sweeper"].get("max_batch_size"),
        }
    return Observed(proc.returncode, lines, proc.stderr, dirs, files, jobs, master)


# Runs every scenario of one side in a single interpreter (a fresh process per scenario would cost
# minutes): each scenario gets its own directory, argv and captured streams, exactly as a command line.
DRIVER = """
import json, os, runpy, sys
for case in json.load(open(sys.argv[1])):
    os.chdir(case["dir"])
    sys.argv = ["app.py", *case["argv"]]
    out, err = open("stdout.txt", "w"), open("stderr.txt", "w")
    sys.stdout, sys.stderr = out, err
    code = 0
    try:
        runpy.run_path("app.py", run_name="__main__")
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else 1
    finally:
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        out.close(), err.close()
    with open("exit_code.txt", "w") as f:
        f.write(str(code))
"""


def _prepare(case: Case, root: Path) -> dict[str, object]:
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "app.py").write_text(APP)
    return {"dir": str(root), "argv": ["-m", *case.argv, "hydra.sweep.dir=sweep"]}


def _run_side(side: str, base: Path) -> dict[str, Observed]:
    import json

    plan = [_prepare(case, base / side / case.name) for case in CASES]
    (base / f"{side}.json").write_text(json.dumps(plan))
    (base / "driver.py").write_text(DRIVER)
    runner = run_oracle_script if side == "hydra" else run_runlab_script
    extra = {"env": {"RUNLAB_PROGRESS": "off"}} if side == "runlab" else {}
    proc = runner(base / "driver.py", [str(base / f"{side}.json")], cwd=base, timeout=600, **extra)
    assert proc.returncode == 0, proc.stderr
    observed = {}
    for case in CASES:
        root = base / side / case.name
        result = CompletedProcess(
            args=case.argv,
            returncode=int((root / "exit_code.txt").read_text()),
            stdout=(root / "stdout.txt").read_text(),
            stderr=(root / "stderr.txt").read_text(),
        )
        observed[case.name] = _observe(result, root)
    return observed


@pytest.fixture(scope="module")
def observations(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Observed, Observed]]:
    base = tmp_path_factory.mktemp("multirun-diff")
    with ThreadPoolExecutor(max_workers=2) as pool:
        hydra, runlab = pool.map(lambda side: _run_side(side, base), ["hydra", "runlab"])
    shutil.rmtree(base, ignore_errors=True)
    return {case.name: (hydra[case.name], runlab[case.name]) for case in CASES}


def _first_error_line(stderr: str) -> str:
    for line in reversed(stderr.splitlines()):
        if "does not support sweep type" in line:
            return line.split(": ", 1)[-1] if line.startswith("hydra.errors") else line
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[0] if lines else ""


def test_there_are_enough_scenarios() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(reason=c.known_bug, strict=True))
        if c.known_bug
        else c
        for c in CASES
    ],
    ids=[c.name for c in CASES],
)
def test_same_as_hydra(case: Case, observations: dict[str, tuple[Observed, Observed]]) -> None:
    hydra, runlab = observations[case.name]
    assert runlab.exit_code == hydra.exit_code, runlab.stderr
    if case.unordered:
        jobs = [line.split(" : ", 1)[-1] for line in hydra.hydra_lines]
        assert sorted(line.split(" : ", 1)[-1] for line in runlab.hydra_lines) == sorted(jobs)
        assert runlab.dirs == hydra.dirs
        assert runlab.master == hydra.master
        return
    assert runlab.hydra_lines == hydra.hydra_lines
    assert runlab.dirs == hydra.dirs
    assert runlab.files == hydra.files
    assert runlab.jobs == hydra.jobs
    assert runlab.master == hydra.master
    if hydra.exit_code != 0:
        assert _first_error_line(runlab.stderr) == _first_error_line(hydra.stderr), runlab.stderr
