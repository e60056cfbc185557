"""The command line: Hydra's flags and help strings, and overrides collected around flags."""

from __future__ import annotations

import pytest

from runlab.runtime.argv import Invocation, flags_help, parse_argv


def test_overrides_may_surround_flags() -> None:
    invocation = parse_argv(["a=1", "-m", "b=2", "--config-name", "other", "c=3"])
    assert invocation.overrides == ("a=1", "b=2", "c=3")
    assert invocation.multirun
    assert invocation.config_name == "other"


def test_defaults_when_no_flag_is_given() -> None:
    invocation = parse_argv([])
    assert invocation == Invocation()
    assert invocation.command_count() == 0


@pytest.mark.parametrize(
    ("args", "field", "value"),
    [
        (["--cfg", "job"], "cfg", "job"),
        (["-c", "hydra"], "cfg", "hydra"),
        (["-p", "db"], "package", "db"),
        (["--info"], "info", "all"),
        (["-i", "defaults-tree"], "info", "defaults-tree"),
        (["-cp", "conf"], "config_path", "conf"),
        (["-cd", "extra"], "config_dir", "extra"),
        (["--experimental-rerun", "x.pickle"], "experimental_rerun", "x.pickle"),
        (["-sc"], "shell_completion", True),
        (["--resolve"], "resolve", True),
        (["--hydra-help"], "hydra_help", True),
        (["-h"], "help", True),
        (["-r"], "run", True),
    ],
)
def test_each_flag_maps_to_its_field(args: list[str], field: str, value: object) -> None:
    assert getattr(parse_argv(args), field) == value


def test_command_count_counts_exclusive_commands() -> None:
    assert parse_argv(["--cfg", "job", "-m"]).command_count() == 2


def test_a_negative_value_after_equals_is_an_override() -> None:
    assert parse_argv(["+a=-1"]).overrides == ("+a=-1",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cfg", "fg"], "argument --cfg/-c: invalid choice: 'fg'"),
        (["--info", "db=x"], "argument --info/-i: invalid choice: 'db=x'"),
        (["--foo"], "unrecognized arguments: --foo"),
    ],
)
def test_argparse_errors_exit_2_with_usage(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_argv(args, argv0="app.py")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ")
    assert message in err


def test_version_prints_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_argv(["--version"])
    assert exit_info.value.code == 0
    assert "(Hydra 1.3.8 compatible)" in capsys.readouterr().out


def test_flags_help_lists_flags_like_hydra() -> None:
    text = flags_help(argv0="app.py")
    lines = text.splitlines()
    assert lines[0] == "--help,-h : Application's help"
    assert "--cfg,-c : Show config instead of running [job|hydra|all]" in lines
    assert "--shell-completion,-sc : Install or Uninstall shell completion:" in lines
    assert '    eval "$(python app.py -sc install=bash)"' in lines
    assert (
        "                    The config_path is absolute or relative to the Python file declaring @hydra.main()"
        in lines
    )
    assert text.endswith(
        "Overrides : Any key=value arguments to override config values (use dots for.nested=overrides)"
    )
