from __future__ import annotations

import io
from pathlib import Path

from run_factory import make_run, make_sweep

from runlab.tracking.diff import describe, diff_records
from runlab.tracking.summary import print_sweep_summary, sweep_summary


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
