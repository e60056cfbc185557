"""Every user-facing error message, produced the way a user meets it and compared with docs/errors.md.

The table in docs/errors.md is the single source of truth for each message's text, exit status and
how it is shown (stderr with Hydra's hint, stderr alone, argparse usage, a raised exception, a
warning).  error_cases.py only knows how to *trigger* each row and what fills its ``<placeholders>``.
A row without a case, a case without a row, or an output that differs from its row fails, so the page
and the behaviour cannot drift apart.  Whole outputs are compared (temporary paths written ``<tmp>``),
which also proves that no traceback is printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from error_cases import DB_OPTIONS, FILES, Api, App, all_cases, expected_text
from error_runners import run_api_case, run_app_case, run_cli_case, write_files
from error_table import DOC, ROWS, matches, normalize

from runlab.runtime.reporting import FULL_ERROR_HINT

PARAMS = [
    pytest.param(row_id, number, id=f"{row_id}-{number}")
    for row_id, cases in all_cases().items()
    for number in range(len(cases))
]


@pytest.mark.parametrize(("row_id", "number"), PARAMS)
def test_message_matches_the_table(
    row_id: str, number: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = ROWS[row_id]
    case = all_cases()[row_id][number]
    trigger = case.trigger
    if isinstance(trigger, App):
        seen = run_app_case(trigger, tmp_path, capsys, monkeypatch,
                           row.message if row.shown == "warning" else None)
    elif isinstance(trigger, Api):
        seen = run_api_case(trigger, tmp_path, monkeypatch)
    else:
        seen = run_cli_case(trigger, tmp_path, capsys, monkeypatch)
    expected = expected_text(row, case.bind)
    err = normalize(seen.err, tmp_path)
    assert seen.code == row.exit
    if row.shown == "stderr+hint":
        assert matches(expected + "\n" + FULL_ERROR_HINT + "\n", err), err
    elif row.shown == "stderr":
        assert err == expected + "\n"
    elif row.shown == "usage":
        assert err.startswith("usage: ") and err.endswith("\n" + expected + "\n"), err
    elif row.shown == "exception":
        assert normalize(seen.text or "", tmp_path) == expected
    else:  # warning: the run succeeds, the warning's text is the message
        assert err == "" and seen.text is not None
        assert expected in seen.text.split("\n"), seen.text


def test_every_row_has_a_trigger_and_every_trigger_a_row() -> None:
    assert sorted(ROWS) == sorted(all_cases())


def test_doc_is_linked_from_the_readme() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/errors.md" in readme


# ------------------------------------------------------------------------------------ real processes

SCRIPT = textwrap.dedent(
    """
    import runlab

    @runlab.main(version_base=None, config_path="conf", config_name="config")
    def main(cfg):
        if "fail" in cfg:
            raise RuntimeError(cfg.fail)

    if __name__ == "__main__":
        main()
    """
)


def _script(tmp: Path, *argv: str, full_error: bool) -> subprocess.CompletedProcess[str]:
    write_files(tmp, {**FILES, "app.py": SCRIPT})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env.pop("PYTHONPATH", None)
    if full_error:
        env["HYDRA_FULL_ERROR"] = "1"
    return subprocess.run([sys.executable, "app.py", *argv], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_a_real_process_prints_the_compact_message_and_exits_1(tmp_path: Path) -> None:
    done = _script(tmp_path, "db=nope", full_error=False)
    row = ROWS["group-option-not-found"]
    bind = {"config": "config", "group": "db", "option": "nope", "options": DB_OPTIONS}
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert normalize(done.stderr, tmp_path) == expected_text(row, bind) + "\n" + FULL_ERROR_HINT + "\n"


def test_hydra_full_error_shows_the_traceback(tmp_path: Path) -> None:
    done = _script(tmp_path, "db=nope", full_error=True)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):\n")
    assert done.stderr.rstrip().endswith("\tprovider=schema, path=structured://")
    assert "runlab.errors.MissingConfigException: In 'config': Could not find 'db/nope'" in done.stderr
    assert "HYDRA_FULL_ERROR=1 for a complete stack trace" not in done.stderr


# ------------------------------------------------------------------------------------ compose API

# Rows whose cause is the command line itself (flags, sweeps, the job, help), not composition.
_NOT_COMPOSITION = {
    "override-ambiguous-sweep",  # compose() suggests key='value1,value2' (no shell quoting)
    "sweep-hydra-key", "sweep-type-unsupported", "sweep-expand-error", "sweep-locked",
    "help-template-placeholder", "job-failed",
    "callback-target-not-found",  # callbacks are built when the run starts, after composition
    "output-dir-not-creatable", "logging-config-refused",  # when the job starts, after composition
}


def _compose_cases() -> list[tuple[str, int]]:
    """App cases that are only overrides (and maybe ``--config-name``) for a row shown compactly."""
    chosen = []
    for row_id, cases in all_cases().items():
        row = ROWS[row_id]
        if row.shown != "stderr+hint" or row_id in _NOT_COMPOSITION or row.message.startswith("Error executing"):
            continue
        for number, case in enumerate(cases):
            trigger = case.trigger
            if not isinstance(trigger, App) or trigger.warns or trigger.env or trigger.lock_sweep:
                continue
            argv = list(trigger.argv)
            if argv[:1] == ["--config-name"]:
                argv = argv[2:]
            if argv and not any(arg.startswith("-") for arg in argv):
                chosen.append((row_id, number))
    return chosen


@pytest.mark.parametrize(("row_id", "number"), _compose_cases())
def test_compose_raises_the_message_a_run_prints(row_id: str, number: int, tmp_path: Path) -> None:
    """``compose()`` raises the same text (the exception plus its OmegaConf cause) a run prints."""
    from runlab import compose, initialize_config_dir
    from runlab.runtime.reporting import compact_message

    case = all_cases()[row_id][number]
    assert isinstance(case.trigger, App)
    argv = list(case.trigger.argv)
    config_name = argv[1] if argv[:1] == ["--config-name"] else "config"
    overrides = argv[2:] if argv[:1] == ["--config-name"] else argv
    write_files(tmp_path, {**FILES, **case.trigger.files})
    with initialize_config_dir(config_dir=str(tmp_path / "conf"), version_base=None), \
            pytest.raises(Exception) as raised:
        compose(config_name, overrides=overrides)
    text = normalize(compact_message(raised.value), tmp_path)
    assert text == expected_text(ROWS[row_id], case.bind)
