"""How flags combine: run, --cfg, --help, --hydra-help, --info, -sc and the usage errors (in-process)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf
from runtime.app_builders import DB_TREE, Outcome, run_inprocess, write_tree

HINT = "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.\n"
CALLS: list[Any] = []


def task(cfg: Any) -> int:
    CALLS.append(OmegaConf.to_container(cfg, resolve=True))
    return 3


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    write_tree(tmp_path, DB_TREE)
    CALLS.clear()
    return tmp_path / "conf"


def run(capsys: pytest.CaptureFixture[str], conf: Path, *args: str, **kwargs: Any) -> Outcome:
    return run_inprocess(capsys, task, args, config_dir=conf, **kwargs)


def test_run_calls_the_task_with_the_composed_config(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "db=postgresql", "x=5", "hydra.run.dir=out")
    assert outcome.code == 0
    assert CALLS == [{"db": {"driver": "postgresql", "user": "pg"}, "x": 5, "y": 5}]
    assert (Path("out") / ".hydra" / "overrides.yaml").read_text() == "- db=postgresql\n- x=5\n"
    hydra = OmegaConf.load("out/.hydra/hydra.yaml").hydra
    assert list(hydra.overrides.hydra) == ["hydra.run.dir=out", "hydra.mode=RUN"]
    assert hydra.mode == "RUN"


def test_cfg_job_prints_unresolved_yaml(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "--cfg", "job")
    assert outcome.out == "db:\n  driver: mysql\n  user: omry\nx: 1\n'y': ${x}\n"
    assert CALLS == [] and not Path("outputs").exists()


def test_cfg_job_resolve(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    assert run(capsys, conf, "--cfg", "job", "--resolve").out.endswith("x: 1\n'y': 1\n")


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("db", "# @package db\ndriver: mysql\nuser: omry\n"),
        ("db.driver", "mysql\n"),
        ("x", "1\n"),
        ("_global_", "db:\n  driver: mysql\n  user: omry\nx: 1\n'y': ${x}\n"),
    ],
)
def test_cfg_package(
    capsys: pytest.CaptureFixture[str], conf: Path, package: str, expected: str
) -> None:
    assert run(capsys, conf, "--cfg", "job", "-p", package).out == expected


def test_cfg_package_not_found(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "--cfg", "job", "-p", "nope")
    assert (outcome.code, outcome.out, outcome.err) == (
        1,
        "",
        "package 'nope' not found in config\n",
    )


def test_cfg_hydra_leaves_out_help_nodes(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    shown = OmegaConf.create(run(capsys, conf, "--cfg", "hydra").out)
    assert list(shown) == ["hydra"]
    assert "help" not in shown.hydra and "hydra_help" not in shown.hydra
    assert shown.hydra.mode is None and OmegaConf.is_missing(shown.hydra.runtime, "output_dir")
    everything = OmegaConf.create(run(capsys, conf, "--cfg", "all").out)
    assert "help" in everything.hydra and everything.x == 1


def test_resolve_without_cfg_is_a_short_error(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "--resolve")
    assert outcome.code == 1
    assert (
        outcome.err
        == "The --resolve flag can only be used in conjunction with --cfg or --help\n" + HINT
    )
    assert CALLS == []


def test_two_commands_are_a_short_error(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "--cfg", "job", "--info")
    assert outcome.code == 1
    assert outcome.err.startswith(
        "Only one of --run, --multirun, --cfg, --info and --shell_completion can be specified\n"
    )


def test_composition_error_is_compact(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "nope=1")
    assert outcome.code == 1
    assert outcome.err.startswith(
        "Could not override 'nope'.\nTo append to your config use +nope=1\n"
    )
    assert outcome.err.endswith(HINT) and "Traceback" not in outcome.err


def test_help_lists_groups_and_config(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "--help", "x=7")
    assert outcome.code == 0
    assert "db: mysql, postgresql\n" in outcome.out
    assert "x: 7\n'y': ${x}\n" in outcome.out
    assert "hydra/launcher" not in outcome.out


def test_help_template_placeholders(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    outcome = run(capsys, conf, "--help", 'hydra.help.template="<$APP_CONFIG_GROUPS><$CONFIG>"')
    assert (
        outcome.out
        == "<db: mysql, postgresql\n><db:\n  driver: mysql\n  user: omry\nx: 1\n'y': ${x}\n>\n"
    )


def test_help_template_unknown_placeholder_is_a_short_error(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "--help", 'hydra.help.template="$X"')
    assert outcome.code == 1
    assert outcome.err.startswith(
        "Unknown placeholder $X in hydra.help.template; available: $FLAGS_HELP"
    )


def test_hydra_help_shows_flags_and_hydra_groups(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "--hydra-help")
    assert outcome.code == 0
    assert "--cfg,-c : Show config instead of running [job|hydra|all]\n" in outcome.out
    assert "hydra/job_logging: default, disabled, none, stdout\n" in outcome.out
    assert "db: mysql" not in outcome.out


def test_info_sections(capsys: pytest.CaptureFixture[str], conf: Path) -> None:
    searchpath = run(capsys, conf, "--info", "searchpath").out
    assert "Config search path\n******************\n" in searchpath
    assert f"| main     | file://{conf}" in searchpath
    tree = run(capsys, conf, "--info", "defaults-tree").out
    assert "Defaults Tree" in tree and "  db: mysql" in tree
    defaults = run(capsys, conf, "-i", "defaults").out
    assert "| db/mysql " in defaults and "Defaults List" in defaults
    everything = run(capsys, conf, "--info").out
    assert everything.startswith("runlab ") and "Config\n******\n" in everything
    assert CALLS == []


def test_config_name_none_gives_an_empty_config(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    assert run(capsys, conf, "+a=1", config_name=None).code == 0
    assert CALLS == [{"a": 1}]


def test_config_name_flag_replaces_the_decorator_value(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    (conf / "other.yaml").write_text("z: 9\n")
    assert run(capsys, conf, "-cn", "other").code == 0
    assert CALLS == [{"z": 9}]


def test_config_dir_adds_a_lower_priority_dir(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    extra = Path("extra")
    (extra / "db").mkdir(parents=True)
    (extra / "db" / "sqlite.yaml").write_text("driver: sqlite\n")
    assert run(capsys, conf, "-cd", "extra", "db=sqlite").code == 0
    assert CALLS[0]["db"] == {"driver": "sqlite"}


def test_missing_config_dir_is_a_short_error(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "-cd", "missing")
    assert outcome.code == 1
    assert outcome.err.startswith(
        f"Additional config directory '{os.path.abspath('missing')}' not found\n"
    )


def test_task_exception_reports_trimmed_traceback(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    def failing(cfg: Any) -> None:
        raise ValueError(f"bad {cfg.x}")

    outcome = run_inprocess(capsys, failing, ["x=5"], config_dir=conf)
    assert outcome.code == 1
    lines = outcome.err.splitlines()
    assert lines[0] == "Error executing job with overrides: ['x=5']"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[2].endswith("in failing")
    assert "ValueError: bad 5" in lines
    assert outcome.err.endswith(HINT)


def test_full_error_env_lets_the_exception_through(
    capsys: pytest.CaptureFixture[str], conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")

    def failing(cfg: Any) -> None:
        raise ValueError("full")

    with pytest.raises(ValueError, match="full"):
        run_inprocess(capsys, failing, [], config_dir=conf)


def test_shell_completion_needs_one_subcommand(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "-sc")
    assert outcome.code == 1
    assert outcome.err.startswith(
        "Expecting one subcommand from ['install', 'uninstall', 'query'] to be set\n"
    )
    outcome = run(capsys, conf, "-sc", "install=tcsh")
    assert outcome.err.startswith(
        "No completion plugin for 'tcsh' found, available : \n\tbash\n\tfish\n\tzsh\n"
    )


def test_shell_completion_install_and_query(
    capsys: pytest.CaptureFixture[str], conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        "complete -o nospace -o default -F hydra_bash_completion"
        in run(capsys, conf, "-sc", "install=bash").out
    )
    monkeypatch.setenv("COMP_LINE", "python app.py db=")
    assert run(capsys, conf, "-sc", "query=bash").out == "db=mysql db=postgresql\n"
    monkeypatch.setenv("COMP_LINE", "python app.py d")
    assert run(capsys, conf, "-sc", "query=bash").out == "db. db=\n"
    monkeypatch.setenv("COMP_LINE", "python app.py db.")
    assert run(capsys, conf, "-sc", "query=fish").out == "db.driver=\ndb.user=\n"
    monkeypatch.setenv("COMP_LINE", "python app.py db.driver=")
    assert run(capsys, conf, "-sc", "query=bash").out == "db.driver=mysql\n"


def test_mode_multirun_in_config_is_respected(
    capsys: pytest.CaptureFixture[str], conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab.runtime import multirun

    seen: list[Any] = []
    monkeypatch.setattr(multirun, "run_multirun", lambda app: seen.append(app) or 0)
    assert run(capsys, conf, "hydra.mode=MULTIRUN", "x=1,2").code == 0
    assert len(seen) == 1 and seen[0].config.hydra.mode.name == "MULTIRUN"
    assert seen[0].overrides == ("hydra.mode=MULTIRUN", "x=1,2")
    assert CALLS == []


def test_multirun_flag_builds_the_app_context(
    capsys: pytest.CaptureFixture[str], conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab.runtime import multirun

    seen: list[Any] = []
    monkeypatch.setattr(multirun, "run_multirun", lambda app: seen.append(app) or 0)
    assert run(capsys, conf, "x=1,2", "-m", "db=mysql,postgresql").code == 0
    app = seen[0]
    assert app.overrides == ("x=1,2", "db=mysql,postgresql", "hydra.mode=MULTIRUN")
    assert app.task_function is task and app.config_name == "config"
    assert app.invocation.multirun


def test_multirun_over_run_mode_warns(
    capsys: pytest.CaptureFixture[str], conf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runlab.runtime import multirun

    monkeypatch.setattr(multirun, "run_multirun", lambda app: 0)
    with pytest.warns(
        UserWarning,
        match="Running Hydra app with --multirun, overriding with `hydra.mode=MULTIRUN`",
    ):
        run(capsys, conf, "-m", "hydra.mode=RUN")


def test_sweep_without_multirun_is_a_short_error(
    capsys: pytest.CaptureFixture[str], conf: Path
) -> None:
    outcome = run(capsys, conf, "x=1,2")
    assert outcome.code == 1
    assert outcome.err.startswith("Ambiguous value for argument 'x=1,2'")
