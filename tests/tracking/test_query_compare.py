from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from run_factory import make_run, make_sweep

from runlab.tracking.compare import compare_runs, default_mode, pick_metric, varying_params
from runlab.tracking.model import Run, RunList
from runlab.tracking.query import QueryError, parse_since, parse_where, runs, sort_runs


def _run(run_id: str, params: dict[str, str], metrics: dict[str, float], **kw: object) -> Run:
    return Run(run_id=run_id, run_dir=f"/x/{run_id}", status="completed", params=params,
               metrics=metrics, **kw)  # type: ignore[arg-type]


def test_where_expressions() -> None:
    run = _run("a", {"db": "mysql", "lr": "1e-3"}, {"loss": 0.25},
               choices={"model": "resnet"}, config_flat={"opt.momentum": 0.9})
    assert parse_where("db=mysql").matches(run)
    assert parse_where("db=sqlite,mysql").matches(run)
    assert not parse_where("db!=mysql").matches(run)
    assert parse_where("lr=0.001").matches(run)  # numbers compare as numbers
    assert parse_where("lr<0.01").matches(run)
    assert parse_where("loss<0.3").matches(run) and not parse_where("loss>=0.3").matches(run)
    assert parse_where("model=resnet").matches(run)  # a group choice
    assert parse_where("opt.momentum>0.5").matches(run)  # a config key nobody overrode
    assert parse_where("db~^my").matches(run)
    assert parse_where("absent!=1").matches(run) and not parse_where("absent=1").matches(run)
    assert parse_where("status=completed").matches(run)


@pytest.mark.parametrize("text", ["db", "=x", "loss<", "a<1,2"])
def test_bad_where_says_what_is_expected(text: str) -> None:
    with pytest.raises(QueryError, match="--where"):
        parse_where(text)


def test_since_ages_and_dates() -> None:
    now = 1_000_000.0
    assert parse_since("2d", now) == now - 2 * 86400
    assert parse_since("90m", now) == now - 90 * 60
    assert parse_since("1w", now) == now - 7 * 86400
    assert parse_since("2026-01-02") == pytest.approx(time.mktime((2026, 1, 2, 0, 0, 0, 0, 0, -1)))
    with pytest.raises(QueryError, match="30m, 3h, 2d"):
        parse_since("yesterday")


def test_sort_numbers_then_text_missing_last() -> None:
    items = [_run("a", {}, {"loss": 2.0}), _run("b", {}, {}), _run("c", {}, {"loss": 1.0}),
             _run("d", {}, {"loss": float("nan")})]
    assert [r.run_id for r in sort_runs(items, "loss")] == ["c", "a", "b", "d"]
    assert [r.run_id for r in sort_runs(items, "-loss")] == ["a", "c", "b", "d"]


def test_varying_params_and_defaults() -> None:
    items = [_run(str(i), {"opt": o, "seed": s, "fixed": "1"}, {"loss": 1.0})
             for i, (o, s) in enumerate([("a", "1"), ("a", "2"), ("b", "1")])]
    assert varying_params(items) == ["opt", "seed"]
    assert default_mode("loss") == "min" and default_mode("val/acc") == "max"
    assert default_mode("accuracy") == "max" and default_mode("f1_score") == "max"
    assert pick_metric([_run("x", {}, {"loss": 1.0, "value": 2.0})]) == "value"
    assert pick_metric([]) is None


def test_compare_groups_aggregates_and_marks_best() -> None:
    items = []
    for i, (opt, lr, seed) in enumerate(
            (o, lr, s) for o in ("adam", "sgd") for lr in ("0.1", "0.01") for s in ("1", "2", "3")):
        loss = {"adam": 1.0, "sgd": 2.0}[opt] * float(lr) * 10 + int(seed) / 10
        items.append(_run(str(i), {"optimizer": opt, "lr": lr, "seed": seed}, {"loss": loss}))
    items.append(_run("nometric", {"optimizer": "adam", "lr": "0.1", "seed": "4"}, {}))
    result = compare_runs(items, "loss")  # seeds are aggregated over by default
    assert result.by == ("optimizer", "lr") and result.over == ("seed",)
    assert result.rows[0].params == (("optimizer", "adam"), ("lr", "0.01"))
    best = result.best
    assert best is not None and best.n == 3 and best.mean == pytest.approx(0.3)
    assert best.std == pytest.approx(0.1) and (best.min, best.max) == pytest.approx((0.2, 0.4))
    assert [r.best for r in result.rows] == [True, False, False, False]
    adam_01 = next(r for r in result.rows if r.params == (("optimizer", "adam"), ("lr", "0.1")))
    assert (adam_01.n, adam_01.missing) == (3, 1)
    by_opt = compare_runs(items, "loss", by=["optimizer"], mode="max")
    assert by_opt.over == ("lr", "seed")
    assert [r.param("optimizer") for r in by_opt.rows] == ["sgd", "adam"]
    explicit = compare_runs(items, "loss", over=["seed", "lr"])
    assert explicit.by == ("optimizer",)
    with pytest.raises(ValueError, match="mode"):
        compare_runs(items, "loss", mode="best")


def test_single_run_groups_have_zero_std_and_missing_metrics_sort_last() -> None:
    items = [_run("a", {"x": "1"}, {"m": 1.0}), _run("b", {"x": "2"}, {})]
    rows = compare_runs(items, "m").rows
    assert (rows[0].std, rows[0].best) == (0.0, True)
    assert rows[1].mean is None and not rows[1].best


def test_runs_api_filters_sorts_and_makes_a_dataframe(tmp_path: Path) -> None:
    index = tmp_path / "i.db"
    make_sweep(tmp_path / "sweep", {"db": ["mysql", "pg"], "lr": [0.1, 0.01]},
               lambda p: p["lr"] * (2 if p["db"] == "pg" else 1), groups=["db"],
               index_path=index)
    make_run(tmp_path / "failed", overrides=["lr=5"], error=ValueError("bad"), index_path=index)
    found = runs(index=index, where=["db=mysql"], sort="loss")
    assert [r.params["lr"] for r in found] == ["0.01", "0.1"]
    assert [r.status for r in runs(index=index, status="failed")] == ["failed"]
    assert len(runs("last", index=index)) == 4
    assert len(runs(index=index, limit=2)) == 2
    assert len(runs(index=index, since="1h")) == 5
    frame = runs(index=index, sort="-loss").to_pandas()
    assert list(frame["loss"][:4]) == pytest.approx([0.2, 0.1, 0.02, 0.01])
    assert {"run_id", "status", "db", "lr", "loss", "acc"} <= set(frame.columns)
    assert isinstance(found, RunList) and math.isclose(found[0].metrics["loss"], 0.01)
    with pytest.raises(QueryError, match="no sweep"):
        runs("nope", index=index)


def test_runs_api_reads_sweep_dirs_and_explains_a_missing_index(tmp_path: Path) -> None:
    make_sweep(tmp_path / "sweep", {"lr": [0.1, 0.01]}, lambda p: p["lr"])
    found = runs(str(tmp_path / "sweep"), where="lr<0.05", index=tmp_path / "none.db")
    assert [r.params["lr"] for r in found] == ["0.01"]
    with pytest.raises(FileNotFoundError, match="runlab index"):
        runs(index=tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()
