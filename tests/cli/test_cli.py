from __future__ import annotations

import builtins
import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_lab import Lab

from runlab.cli import build_parser, main

COMMANDS = ["runs", "show", "compare", "diff", "plot", "report", "index"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: runlab {command}")
    assert "exit codes" in out


def test_top_level_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys)
    assert code == 2
    for command in COMMANDS:
        assert command in out


def test_help_imports_nothing_heavy() -> None:
    """The parser adds no heavy import to what ``import runlab`` already costs."""
    code = ("import sys, runlab; before = set(sys.modules); "
            "from runlab.cli import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in "
            "('sqlite3', 'rich', 'matplotlib', 'plotly', 'pandas', 'omegaconf', 'yaml', 'json') "
            "or m.startswith('runlab.tracking')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_runs_lists_params_and_metrics_as_columns(lab: Lab,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "runs", "--plain", "--sweep", "last", "--sort", "loss")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "8 runs"
    assert lines[1].split() == ["run_id", "sweep", "job", "status", "start", "duration", "db",
                                "lr", "seed", "loss", "acc"]
    first = lines[3].split()
    assert first[2:4] == ["2", "completed"] and first[-5:-2] == ["mysql", "0.01", "1"]


def test_runs_json_csv_and_filters(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "runs", "--json", "--where", "db=mysql", "loss<0.05")
    assert code == 0
    rows = json.loads(out)
    assert {(r["db"], r["lr"]) for r in rows} == {("mysql", "0.01")}
    assert all(isinstance(r["start"], float) for r in rows)
    code, out, _err = _run(capsys, "runs", "--csv", "--status", "failed")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [(r["job"], r["status"], r["db"], r["seed"]) for r in parsed] == [
        ("5", "failed", "pg", "2")]
    code, out, _err = _run(capsys, "runs", "--json", "--limit", "3", "--since", "1h")
    assert len(json.loads(out)) == 3


def test_runs_exit_codes(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "runs", "--where", "db=oracle")[0] == 1
    code, _out, err = _run(capsys, "runs", "--where", "db")
    assert code == 2 and "expected KEY OP VALUE" in err
    code, _out, err = _run(capsys, "runs", "--sweep", "nope")
    assert code == 1 and "no sweep matches 'nope'" in err
    code, _out, err = _run(capsys, "--index", str(lab.root / "none.db"), "runs")
    assert code == 3 and "runlab index" in err


def test_rich_tables_and_plain_fallback(lab: Lab, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _code, out, _err = _run(capsys, "compare", "last")
    assert "┃" in out  # rich's box drawing
    real_import = builtins.__import__

    def no_rich(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "rich" or name.startswith("rich."):
            raise ImportError("rich is not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rich)
    code, out, _err = _run(capsys, "compare", "last")
    assert code == 0 and "┃" not in out
    assert out.splitlines()[1].split() == ["best", "db", "lr", "n", "mean", "std", "min", "max"]


def test_compare_aggregates_over_seeds_and_marks_best(lab: Lab,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "compare", str(lab.sweep), "--metric", "loss", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["db"], r["lr"], r["n"], r["best"]) for r in rows] == [
        ("mysql", "0.01", 2, True), ("pg", "0.01", 2, False), ("mysql", "0.1", 2, False),
        ("pg", "0.1", 1, False)]
    assert rows[0]["mean"] == pytest.approx(0.0115)
    code, out, _err = _run(capsys, "compare", "last", "--by", "db", "--mode", "max", "--csv")
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert [(r["db"], r["n"], r["best"]) for r in parsed] == [("pg", "3", "True"),
                                                               ("mysql", "4", "False")]
    code, out, _err = _run(capsys, "compare", "--where", "db=mysql", "--over", "seed", "--plain")
    assert code == 0 and "loss" not in out.splitlines()[1]
    assert out.splitlines()[0].startswith("value (min)") is False


def test_compare_errors(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "compare", "last", "--metric", "bleu")
    assert code == 1 and "known metrics: acc, loss" in err


def test_compare_a_sweep_dir_without_any_index(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _err = _run(capsys, "--index", str(lab.root / "absent.db"), "compare",
                           str(lab.sweep), "--json")
    assert code == 0 and len(json.loads(out)) == 4


def test_show_explains_a_run(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    failed = lab.records[5]
    code, out, _err = _run(capsys, "show", failed.run_id[:-2], "--plain")
    assert code == 0
    facts = dict(line.split(None, 1) for line in out.split("\n\n")[0].splitlines())
    assert facts["dir"] == failed.run_dir
    assert facts["status"] == "failed"
    assert facts["overrides"] == "db=pg lr=0.1 seed=2"
    assert facts["choices"] == "db=pg"
    assert "  db.name = pg  <- db/pg.yaml" in out
    assert "  lr = 0.1  <- override lr=0.1" in out
    assert "error: RuntimeError: job 5 exploded" in out and "Traceback" in out
    assert "10:00:02 ERROR [app] it went wrong" in out
    code, out, _err = _run(capsys, "show", failed.run_dir, "--json")
    data = json.loads(out)
    assert data["status"] == "failed" and data["log_tail"][-1]["message"] == "it went wrong"
    assert data["origins"]["lr"] == "override lr=0.1"
    assert _run(capsys, "show", "zzz")[0] == 1


def test_diff_shows_group_changes(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    mysql, pg = lab.records[0], lab.records[4]
    code, out, _err = _run(capsys, "diff", mysql.run_id, pg.run_id, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["groups"] == [{"group": "db", "left": "mysql", "right": "pg",
                               "keys": ["db.name", "db.port"]}]
    assert data["values"] == []
    code, out, _err = _run(capsys, "diff", mysql.run_dir, lab.records[1].run_dir, "--plain")
    assert "seed" in out and "value" in out
    assert "configs are identical" in _run(capsys, "diff", mysql.run_id, mysql.run_id)[1]


def test_plot_kinds_write_png_and_html(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = lab.root / "plots"
    cases = [("steps", [lab.records[0].run_id, lab.records[1].run_id], "steps.png"),
             ("param", ["last", "--param", "lr"], "param.html"),
             ("parallel", [str(lab.sweep)], "parallel.png")]
    for kind, extra, name in cases:
        code, _out, err = _run(capsys, "plot", kind, *extra, "--metric", "loss", "-o",
                              str(out_dir / name))
        assert code == 0, err
        data = (out_dir / name).read_bytes()
        if name.endswith(".png"):
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert b"Plotly.newPlot" in data
            assert not re.search(rb"<script[^>]+src=.https?:", data)
    code, _out, err = _run(capsys, "plot", "steps", "-o", str(out_dir / "x.svg"))
    assert code == 2 and ".png or .html" in err


def test_report_writes_one_offline_page(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    target = lab.root / "r" / "report.html"
    code, out, _err = _run(capsys, "report", "last", "-o", str(target))
    assert code == 0 and out.strip() == f"wrote {target}"
    page = target.read_text()
    assert '<table id="compare">' in page and "job 5 exploded" in page
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=.https?:", page)


def test_index_rebuilds_from_directories(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    fresh = lab.root / "fresh.db"
    code, out, _err = _run(capsys, "--index", str(fresh), "index", str(lab.root), "--json")
    stats = json.loads(out)
    assert code == 0 and (stats["indexed"], stats["total"]) == (9, 9)
    code, out, _err = _run(capsys, "--index", str(fresh), "index", "--rebuild", "--prune")
    assert code == 0 and out.startswith("indexed 9 run dirs")
    assert _run(capsys, "index", str(lab.root / "missing"))[0] == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--version")
    assert code == 0 and out.startswith("runlab ")


def test_docs_cover_every_command_and_option() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        assert f"## runlab {name}" in docs
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in docs, f"{name} {option} undocumented"


def test_the_index_is_found_from_a_subdirectory(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(lab.sweep)
    code, out, _err = _run(capsys, "runs", "--json")
    assert code == 0 and len(json.loads(out)) == 9


def test_a_sweep_directory_is_read_directly_with_filters(lab: Lab,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    for name in lab.index.parent.glob(lab.index.name + "*"):  # the index and runs waiting for it
        name.unlink()  # the directory is the truth: no index needed
    code, out, _err = _run(capsys, "compare", str(lab.sweep), "--where", "db=mysql", "--json")
    assert code == 0
    # db no longer varies once filtered: only lr is a grouping column
    assert [(r["lr"], r["n"]) for r in json.loads(out)] == [("0.01", 2), ("0.1", 2)]
    code, out, _err = _run(capsys, "plot", "param", str(lab.sweep), "--param", "lr", "-o",
                           str(lab.root / "p.png"))
    assert code == 0 and (lab.root / "p.png").read_bytes().startswith(b"\x89PNG")


def test_the_dashboard_command_is_registered_and_dispatched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(capsys, "--index", str(tmp_path / "none.db"), "ui")
    assert code == 3 and "runlab index" in err


def test_the_script_exits_with_the_command_code(lab: Lab) -> None:
    script = Path(sys.executable).parent / "runlab"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "runlab.cli"]
    found = subprocess.run([*command, "--index", str(lab.index), "runs", "--status", "failed",
                            "--json"], capture_output=True, text=True, check=False)
    assert found.returncode == 0 and len(json.loads(found.stdout)) == 1
    empty = subprocess.run([*command, "--index", str(lab.index), "runs", "--where", "db=none"],
                           capture_output=True, text=True, check=False)
    assert empty.returncode == 1
