from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path

import pytest
from run_factory import make_run, make_sweep

from runlab.tracking.compare import aggregate, best_rows, compare_runs, pick_metric
from runlab.tracking.diff import describe, diff_records
from runlab.tracking.model import RunList, runs_in_job_order
from runlab.tracking.summary import SHOWN_ROWS, load_sweep, print_sweep_summary, sweep_summary
from runlab.tracking.tables import comparison_table


def test_group_change_is_one_change_and_other_values_are_listed(tmp_path: Path) -> None:
    left = make_run(tmp_path / "a", overrides=["db=mysql", "lr=0.1"], choices={"db": "mysql"},
                    config={"db": {"driver": "mysql", "port": 3306, "user": "root"}, "lr": 0.1,
                            "epochs": 3},
                    origins={"db.driver": "db/mysql.yaml", "lr": "override lr=0.1"})
    right = make_run(tmp_path / "b", overrides=["db=postgres", "lr=0.01"],
                     choices={"db": "postgres"},
                     config={"db": {"driver": "pg", "port": 5432, "user": "root"}, "lr": 0.01,
                             "extra": True, "epochs": 3})
    diff = diff_records(left, right)
    [group] = diff.groups
    assert (group.group, group.left, group.right) == ("db", "mysql", "postgres")
    assert group.keys == ("db.driver", "db.port")
    changes = {c.key: (c.left, c.right, c.left_present, c.right_present) for c in diff.values}
    assert changes == {"lr": (0.1, 0.01, True, True), "extra": (None, True, False, True)}
    assert describe(diff) == [
        "group db: mysql -> postgres  (2 keys: db.driver, db.port)",
        "lr: 0.1 -> 0.01",
        "extra: <absent> -> true",
    ]
    assert diff.to_json()["groups"][0]["keys"] == ["db.driver", "db.port"]
    assert diff_records(left, left).empty


def test_sweep_summary_prints_the_compare_table_and_failures(tmp_path: Path) -> None:
    make_sweep(tmp_path / "sw", {"opt": ["adam", "sgd"], "seed": [1, 2]},
               lambda p: (1.0 if p["opt"] == "adam" else 2.0) + p["seed"] / 10,
               fail=lambda p: p["opt"] == "sgd" and p["seed"] == 2)
    stream = io.StringIO()
    print_sweep_summary(tmp_path / "sw", stream)
    text = stream.getvalue()
    lines = text.splitlines()
    assert "4 runs (3 completed, 1 failed)" in lines[0]
    assert lines[1] == "[runlab] loss (min), aggregated over seed"
    header = lines[2].split()
    assert header == ["best", "opt", "n", "mean", "std", "min", "max"]
    assert lines[4].split()[:4] == ["*", "adam", "2", "1.15"]
    assert lines[5].split()[:3] == ["sgd", "1", "2.1"]
    assert "job 3 failed (opt=sgd seed=2): RuntimeError: job 3 exploded" in text
    assert text.endswith("runlab compare " + lines[0].split()[2].rstrip(":") + "\n")


def test_sweep_summary_never_raises(tmp_path: Path) -> None:
    stream = io.StringIO()
    print_sweep_summary(tmp_path / "empty", stream)  # not a dir and no index: reported, not raised
    assert stream.getvalue().startswith("[runlab]")
    (tmp_path / "bare").mkdir()
    assert "no run records" in sweep_summary(tmp_path / "bare")


def test_summary_without_metrics_says_how_to_get_them(tmp_path: Path) -> None:
    make_run(tmp_path / "sw" / "0", overrides=["a=1"], sweep_dir=tmp_path / "sw", job_num=0)
    assert "no metrics recorded" in sweep_summary(tmp_path / "sw")


def test_sweep_summary_uses_the_config_value_of_a_run_that_did_not_override_a_param(
    tmp_path: Path,
) -> None:
    sweep = tmp_path / "sw"
    make_run(sweep / "0", overrides=["lr=0.1"], config={"lr": 0.1}, sweep_dir=sweep, job_num=0,
             series={"loss": [1.0]})
    make_run(sweep / "1", overrides=["lr=0.2"], config={"lr": 0.2}, sweep_dir=sweep, job_num=1,
             series={"loss": [2.0]})
    make_run(sweep / "2", overrides=[], config={"lr": 0.5}, sweep_dir=sweep, job_num=2,
             series={"loss": [3.0]})  # the table's trimmed views keep no config: read again
    rows = [line.split() for line in sweep_summary(sweep).splitlines()[4:7]]
    assert [row[-6:-4] for row in rows] == [["0.1", "1"], ["0.2", "1"], ["0.5", "1"]]


def _summary_from_run_views(sweep: Path) -> str:
    """The summary built the plain way: every run's ``Run`` view, then ``compare_runs`` (what
    ``runlab compare`` does); the columnar summary must print exactly this."""
    found = runs_in_job_order(load_sweep(sweep))
    counts: dict[str, int] = {}
    for run in found:
        counts[run.status] = counts.get(run.status, 0) + 1
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    sweep_id = found[0].sweep_id or str(sweep)
    lines = [f"[runlab] sweep {sweep_id}: {len(found)} runs ({status_text})"]
    completed = RunList(r for r in found if r.status == "completed")
    metric = pick_metric(completed)
    if metric is None:
        lines.append("[runlab] no metrics recorded (return a number or a dict, or call "
                     "runlab.log_metrics)")
    else:
        comparison = compare_runs(completed, metric)
        over = f", aggregated over {', '.join(comparison.over)}" if comparison.over else ""
        lines.append(f"[runlab] {metric} ({comparison.mode}){over}")
        hidden = len(comparison.rows) - SHOWN_ROWS
        shown = replace(comparison, rows=comparison.rows[:SHOWN_ROWS]) if hidden > 0 else comparison
        lines.append(comparison_table(shown))
        if hidden > 0:
            lines.append(f"[runlab] {hidden} more rows (best first): runlab compare {sweep_id}")
    for run in found:
        if run.status in ("failed", "killed"):
            lines.append(f"[runlab] job {run.job_num} {run.status} ({' '.join(run.overrides)}): "
                         f"{run.error}")
    lines.append(f"[runlab] details: runlab compare {sweep_id}")
    return "\n".join(lines)


def _random_sweep(sweep: Path, rng: random.Random, size: int) -> None:
    """Runs that differ in every way the table cares about: which keys they override, their group
    choices, which metrics they log (numbers, text, none), failures, job numbers out of the
    directories' name order, a run outside the sweep."""
    nums = rng.sample(range(size * 3), size)
    for num in nums:
        values = {"lr": rng.choice(["0.1", "0.01", ""]), "seed": str(rng.randint(0, 2)),
                  "depth": str(rng.choice([2, 4, 8]))}
        keys = [k for k in values if rng.random() < 0.8]
        rng.shuffle(keys)  # key order differs between runs: the first run in job order decides
        overrides = [f"{k}={values[k]}" for k in keys]
        choices = {"db": rng.choice(["mysql", "pg"])} if rng.random() < 0.7 else {}
        names = [n for n in ("loss", "accuracy", "error") if rng.random() < 0.6]
        rng.shuffle(names)
        series = {name: [rng.choice([0.5, 1.0, 1.5, 2.0])] for name in names}
        result = rng.choice([None, None, 3, 2.5, "text", True])
        failed = rng.random() < 0.15
        name = str(num) if rng.random() < 0.8 else f"job-{num}"  # not <sweep dir>/<num>
        make_run(sweep / name, overrides=overrides, choices=choices,
                 config={"lr": 0.1, "depth": 4, "seed": 0}, series=series, result=result,
                 error=RuntimeError(f"job {num} broke") if failed else None,
                 sweep_dir=sweep, job_num=num if rng.random() < 0.95 else None)


@pytest.mark.parametrize("seed", range(9))
def test_the_columnar_summary_prints_what_run_views_give(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    sweep = tmp_path / "sw"
    # the last one is read in several chunks (sweep_columns._FETCH)
    _random_sweep(sweep, rng, rng.choice([1, 5, 12, 40]) if seed < 8 else 1200)
    assert sweep_summary(sweep) == _summary_from_run_views(sweep)


def test_a_big_table_shows_its_best_rows_and_says_how_many_are_left(tmp_path: Path) -> None:
    sweep = tmp_path / "sw"
    for num in range(SHOWN_ROWS + 5):
        make_run(sweep / str(num), overrides=[f"x={num}"], series={"loss": [float(num)]},
                 sweep_dir=sweep, job_num=num)
    lines = sweep_summary(sweep).splitlines()
    table = [line.split() for line in lines[4 : 4 + SHOWN_ROWS]]
    assert table[0][:2] == ["*", "0"] and [row[0] for row in table[1:]] == [
        str(n) for n in range(1, SHOWN_ROWS)
    ]
    assert lines[4 + SHOWN_ROWS].startswith("[runlab] 5 more rows (best first): runlab compare sw-")


@pytest.mark.parametrize("seed", range(5))
def test_best_rows_are_the_first_rows_of_the_whole_table(seed: int) -> None:
    rng = random.Random(seed)
    items = [((rng.choice("abcdefgh"), rng.choice("xyz")), f"run{i}",
              rng.choice([1.0, 2.5, float("nan"), None, "text", 3, True, -1.0]))
             for i in range(rng.randint(0, 200))]
    groups: dict[tuple[str, ...], list[object]] = {}
    for key, _run_id, value in items:
        groups.setdefault(key, []).append(value)
    grouped = list(groups.items())
    rng.shuffle(grouped)  # any group order: the rows are sorted
    for mode in ("min", "max"):
        whole = aggregate(items, metric="m", mode=mode, by=("p", "q"), over=())
        for limit in (1, 5, 30, 100):
            best, total = best_rows(iter(grouped), metric="m", mode=mode, by=("p", "q"), over=(),
                                    limit=limit)
            assert total == len(whole.rows) and best.runs == whole.runs == len(items)
            assert best.rows == tuple(replace(row, run_ids=()) for row in whole.rows[:limit])


def _python_memory_of_a_table(runs: int) -> int:
    """Peak traced memory while a table is made of ``runs`` runs that each have their own params
    (what ``x=range(0,N)`` gives)."""
    import tracemalloc

    from runlab.tracking.compare import default_mode
    from runlab.tracking.records import RunRecord
    from runlab.tracking.sweep_columns import SweepColumns

    def record(num: int) -> RunRecord:
        return RunRecord(run_id=f"r{num}", run_dir=f"/sweep/{num}", status="completed",
                         start=float(num), sweep_id="sw", sweep_dir="/sweep", job_num=num,
                         params={"x": str(num), "lr": "0.1"}, choices={"db": "pg"},
                         metrics={"loss": num * 0.5})

    tracemalloc.start()
    try:
        with SweepColumns() as columns:
            for num in range(runs):
                columns.add(record(num), f"/sweep/{num}")
            by, over = columns.choose_keys()
            shown, total = best_rows(columns.groups(by, "loss"), metric="loss",
                                     mode=default_mode("loss"), by=by, over=over,
                                     limit=SHOWN_ROWS)
            assert (by, total, shown.runs) == (("x",), runs, runs)
            assert [row.mean for row in shown.rows] == [n * 0.5 for n in range(SHOWN_ROWS)]
            _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def test_the_table_holds_nothing_per_run_in_python() -> None:
    _python_memory_of_a_table(600)  # warm up: first imports and statement caches
    small, big = _python_memory_of_a_table(2_000), _python_memory_of_a_table(12_000)
    assert big - small < 32 * 1024  # 8 bytes a run kept in Python would be 80 KB


def test_a_sweep_given_its_job_dirs_shows_each_job_once(tmp_path: Path) -> None:
    sweep = tmp_path / "sw"
    for num in range(3):
        make_run(sweep / str(num), overrides=[f"x={num}"], series={"loss": [float(num)]},
                 sweep_dir=sweep, job_num=num)
    make_run(sweep / "old", overrides=["x=9"], series={"loss": [9.0]}, sweep_dir=sweep,
             job_num=0)  # an earlier sweep's leftover in the same directory: not this sweep's
    # jobs 3 and 4 shared one directory (a subdir without the job number): job 4's record is there
    make_run(sweep / "shared", overrides=["x=4"], series={"loss": [4.0]}, sweep_dir=sweep,
             job_num=4)
    own = [sweep / "0", sweep / "1", sweep / "2", sweep / "shared", sweep / "shared"]
    summary = sweep_summary(sweep, [str(d) for d in own]).splitlines()
    assert summary[0].endswith(": 4 runs (4 completed)")
    assert sorted(line.split()[0] for line in summary[4:8]) == ["*", "1", "2", "4"]
    assert "9" not in [line.split()[0] for line in summary[4:8]]
    assert len(load_sweep(sweep, [str(d) for d in own])) == 4
    assert len(load_sweep(sweep)) == 5  # the whole directory, leftover included
