"""The differential harness itself: normalisation hides only what may differ, and comparison sees the rest."""

from __future__ import annotations

from pathlib import Path

from e2e_harness import Deviation, Observation, Scenario, compare, normalize


def _obs(stdout: str = "", stderr: str = "", code: int = 0, **contents: str) -> Observation:
    return Observation(code, stdout, stderr, tuple(sorted(contents)), contents)


def test_normalize_rewrites_paths_times_and_builtin_names(tmp_path: Path) -> None:
    text = (
        f"[2026-11-27 17:55:18,515][__main__][INFO] - {tmp_path}/outputs/2026-11-27/17-52-29\n"
        "  _target_: hydra._internal.core_plugins.basic_launcher.BasicLauncher\n"
        "  runtime:\n    version: 1.3.8\n    version_base: '1.3'\n"
        "| hydra    | pkg://runlab.conf    |\n"
    )
    assert normalize(text, tmp_path) == (
        "[<TS>][__main__][INFO] - <CWD>/outputs/<DATE>/<TIME>\n"
        "  _target_: <BASIC_LAUNCHER>\n"
        "  runtime:\n    version: <VERSION>\n    version_base: '1.3'\n"
        "| hydra | pkg://<BUILTIN_CONF> |\n"
    )


def test_normalize_drops_runlab_summary_lines_only(tmp_path: Path) -> None:
    text = "job ok\n[runlab] sweep x: 2 runs (2 completed)\n[runlab] details: runlab compare x\n"
    assert normalize(text, tmp_path) == "job ok\n"


def test_normalize_keeps_user_values(tmp_path: Path) -> None:
    text = "db:\n  driver: mysql\n  version: 1.3.8\nhelp:\n  mine: 1\n"
    assert normalize(text, tmp_path) == text


def test_help_prose_is_cut_only_under_the_hydra_node(tmp_path: Path) -> None:
    text = "hydra:\n  help:\n    header: Powered by X\n    template: |-\n      a\n\n      b\n  mode: RUN\n"
    assert normalize(text, tmp_path) == "hydra:\n  help: <HELP PROSE>\n  mode: RUN\n"


def test_compare_reports_each_visible_difference() -> None:
    scenario = Scenario(name="x", app="main", script="my_app.py")
    same = compare(
        scenario,
        _obs("a\n", **{"o/config.yaml": "x: 1\n"}),
        _obs("a\n", **{"o/config.yaml": "x: 1\n"}),
    )
    assert same == []
    problems = compare(
        scenario,
        _obs("a\n", **{"o/config.yaml": "x: 1\n"}),
        _obs("b\n", code=1, **{"o/config.yaml": "x: 2\n"}),
    )
    # the exit-code fact (+ the streams' tails), the exit code, stdout, the file
    assert len(problems) == 5
    assert "runlab stderr (tail):" in problems[1]
    assert "exit code: hydra-core 0, runlab 1" in problems
    assert any("-x: 1" in p and "+x: 2" in p for p in problems)


def test_keyword_mode_ignores_wording_but_not_facts() -> None:
    scenario = Scenario(
        name="x", app="main", script="a.py", exit_code=1, expect=("boom",), stderr="keywords"
    )
    assert (
        compare(scenario, _obs(stderr="boom (antlr)", code=1), _obs(stderr="boom, runlab", code=1))
        == []
    )
    assert compare(scenario, _obs(stderr="boom", code=1), _obs(stderr="bang", code=1)) != []


def test_deviation_checks_runlab_against_its_documented_behaviour() -> None:
    dev = Deviation("documented", exit_code=1, expect=("short",), absent=("Traceback",))
    scenario = Scenario(name="x", app="main", script="a.py", runlab=dev)
    assert compare(scenario, _obs(code=1, stderr="Traceback"), _obs(code=1, stderr="short")) == []
    assert len(compare(scenario, _obs(), _obs(code=1, stderr="Traceback\nshort"))) == 1
