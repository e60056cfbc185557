"""docs/tutorial.md is executable: every file it shows is written and every console session it shows is re-run.

Conventions in the markdown (kept deliberately small so the page still reads as a normal tutorial):

* a fenced block whose info string carries ``file=PATH`` (e.g. ```` ```yaml file=conf/config.yaml ````)
  writes that file into the tutorial's working directory when the reader reaches it (later blocks replace
  earlier versions, as the tutorial evolves its app);
* a fenced ``console`` block holds commands (lines starting with ``$ ``) each followed by its expected output;
  commands run in order in one working directory through ``bash -c`` with runlab's interpreter first on PATH;
* in expected output, a line ``...`` matches any number of lines; the tutorial's directory shows as
  ``/path/to/tutorial``; times, dates and sweep ids are compared as placeholders (they change on every run);
* ``# expect exit N`` as the last line of a command's output asserts the exit status (default 0).

Run ``.venv/bin/python tests/e2e/test_tutorial.py`` to print what each command prints today (for authors).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TUTORIAL = REPO / "docs" / "tutorial.md"
SHOWN_DIR = "/path/to/tutorial"

_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_TIME = re.compile(r"\b\d{2}-\d{2}-\d{2}\b")
_SWEEP_ID = re.compile(r"\b(\d{2}-\d{2}-\d{2})-[0-9a-f]{8}\b")
_EXIT = re.compile(r"^# expect exit (\d+)$")


@dataclass(frozen=True)
class FileStep:
    path: str
    text: str
    line: int


@dataclass(frozen=True)
class CommandStep:
    command: str
    expected: tuple[str, ...]
    exit_code: int
    line: int


Step = FileStep | CommandStep


def parse_tutorial(markdown: str) -> list[Step]:
    """The tutorial's files and commands, in reading order."""
    steps: list[Step] = []
    for match in _FENCE.finditer(markdown):
        info, body = match.group(1).split(), match.group(2)
        line = markdown.count("\n", 0, match.start()) + 1
        target = next((word[5:] for word in info if word.startswith("file=")), None)
        if target:
            steps.append(FileStep(target, body, line))
        elif info[:1] == ["console"]:
            steps += _commands(body, line)
    return steps


def _commands(body: str, line: int) -> list[CommandStep]:
    steps: list[CommandStep] = []
    command: str | None = None
    output: list[str] = []
    start = line

    def close() -> None:
        if command is None:
            return
        exit_code = 0
        if output and (m := _EXIT.match(output[-1])):
            exit_code = int(m.group(1))
            output.pop()
        steps.append(CommandStep(command, tuple(output), exit_code, start))

    for offset, text in enumerate(body.split("\n")[:-1], start=1):
        if text.startswith("$ "):
            close()
            command, output, start = text[2:], [], line + offset
        else:
            output.append(text)
    close()
    return steps


def _normalize(text: str, workdir: Path) -> str:
    text = text.replace(str(workdir), SHOWN_DIR)
    text = _STAMP.sub("<TS>", text)
    text = _SWEEP_ID.sub(r"\1-<ID>", text)  # a sweep id is its start time plus a random suffix
    text = _DATE.sub("<DATE>", text)
    return _TIME.sub("<TIME>", text)


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality where an expected ``...`` line stands for any run of lines."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == head and _matches(rest, actual[1:])


def _strip_trailing_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [line.rstrip() for line in lines]


def run_command(step: CommandStep, workdir: Path) -> tuple[int, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_", "PYTHONPATH"))
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    proc = subprocess.run(
        ["bash", "-c", step.command],
        check=False,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The reader's terminal shows both streams; stderr goes after stdout (apps flush stdout before failing).
    return proc.returncode, _normalize(proc.stdout + proc.stderr, workdir)


def walk(workdir: Path) -> list[str]:
    """Replay the tutorial in ``workdir``; returns one problem description per command whose output differs."""
    problems: list[str] = []
    for step in parse_tutorial(TUTORIAL.read_text(encoding="utf-8")):
        if isinstance(step, FileStep):
            target = workdir / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.text, encoding="utf-8")
            continue
        code, output = run_command(step, workdir)
        actual = _strip_trailing_blank(output.split("\n"))
        expected = _strip_trailing_blank([_normalize(line, workdir) for line in step.expected])
        if code != step.exit_code or not _matches(expected, actual):
            problems.append(
                f"docs/tutorial.md:{step.line}: $ {step.command}\n(exit {code}, expected {step.exit_code})\n"
                + "\n".join(actual)
            )
    return problems


def test_tutorial_parses_into_files_and_commands() -> None:
    steps = parse_tutorial(TUTORIAL.read_text(encoding="utf-8"))
    commands = [s for s in steps if isinstance(s, CommandStep)]
    assert len([s for s in steps if isinstance(s, FileStep)]) >= 8
    assert len(commands) >= 25
    words = {shlex.split(s.command)[-1] for s in commands if s.command.startswith("python")}
    assert words  # every session starts from a real command


def test_matcher_treats_ellipsis_as_any_lines() -> None:
    assert _matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert _matches(["a", "...", "d"], ["a", "d"])
    assert not _matches(["a", "...", "d"], ["a", "b"])
    assert not _matches(["a"], ["a", "b"])


def test_every_tutorial_command_prints_what_the_tutorial_shows(tmp_path: Path) -> None:
    problems = walk(tmp_path)
    assert not problems, "\n\n".join(problems)


if __name__ == "__main__":  # authoring aid: show what every command prints now
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for step in parse_tutorial(TUTORIAL.read_text(encoding="utf-8")):
            if isinstance(step, FileStep):
                (Path(tmp) / step.path).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / step.path).write_text(step.text, encoding="utf-8")
            else:
                code, output = run_command(step, Path(tmp))
                print(
                    f"$ {step.command}\n{output.rstrip()}"
                    + (f"\n# expect exit {code}" if code else "")
                )
                print("-" * 40)
