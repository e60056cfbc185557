"""Run one scenario under hydra-core and under runlab, normalise what must differ, and diff the rest.

An *observation* is everything a user can see after running an app: exit code, stdout, stderr, the files the
run created (paths and the text of every YAML/log file).  Both implementations run in their own fresh copy of the
app; the copies' absolute paths, wall-clock stamps and the few deliberate naming differences (see the test module
docstring for the full list) are rewritten to placeholders so that equal behaviour gives equal observations.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from subprocess import CompletedProcess

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/ holds the shared oracle helper

from e2e_apps import materialize
from oracle import run_oracle_script, run_runlab_script

Runner = Callable[..., CompletedProcess[str]]


@dataclass(frozen=True)
class Deviation:
    """runlab differs from hydra-core on purpose here: assert runlab's documented behaviour instead."""

    reason: str
    exit_code: int
    expect: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """One app + one command line; ``expect`` are facts the oracle run must show (guards the corpus itself).

    ``stdout``/``stderr`` choose how strictly the streams are compared: ``exact`` (after normalisation),
    ``app`` (drop ``[HYDRA]`` lines: Hydra's own chatter, e.g. the plugin report under ``hydra.verbose``), or
    ``keywords`` (only ``expect``/exit code matter, for texts whose wording is not part of the contract, such
    as OmegaConf's or ANTLR's detail lines).
    """

    name: str
    app: str
    script: str
    argv: tuple[str, ...] = ()
    exit_code: int = 0
    expect: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    stdout: str = "exact"
    stderr: str = "exact"
    files: bool = True
    runlab: Deviation | None = None


@dataclass(frozen=True)
class Observation:
    exit_code: int
    stdout: str
    stderr: str
    files: tuple[str, ...]
    contents: Mapping[str, str]

    @property
    def text(self) -> str:
        """What the key-phrase facts are searched in: both streams and the created file names."""
        return "\n".join((self.stdout, self.stderr, *self.files))


# ---------------------------------------------------------------------------------------------------- normalise

_LOG_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_TIME = re.compile(r"\b\d{2}-\d{2}-\d{2}\b")
_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"hydra\._internal\.core_plugins\.basic_launcher\.BasicLauncher"),
        "<BASIC_LAUNCHER>",
    ),
    (re.compile(r"runlab\.plugins\.serial\.BasicLauncher"), "<BASIC_LAUNCHER>"),
    (re.compile(r"hydra\._internal\.core_plugins\.basic_sweeper\.BasicSweeper"), "<BASIC_SWEEPER>"),
    (re.compile(r"runlab\.plugins\.grid\.BasicSweeper"), "<BASIC_SWEEPER>"),
    (re.compile(r"pkg://(hydra|runlab)\.conf"), "pkg://<BUILTIN_CONF>"),
    (re.compile(r"path: (hydra|runlab)\.conf\n"), "path: <BUILTIN_CONF>\n"),
    (re.compile(r"(runtime:\n\s+version: )\S+"), r"\1<VERSION>"),
    (re.compile(r"\b(Hydra|runlab) \d+\.\d+\.\d+\S*"), "<NAME VERSION>"),
    (re.compile(r"^\S+\.py:\d+: (\w*Warning): ", re.MULTILINE), r"<SOURCE>: \1: "),
    # runlab's own end-of-sweep summary (tracker output under its own prefix, never Hydra text)
    (re.compile(r"^\[runlab\] .*\n?", re.MULTILINE), ""),
    # --info tables pad their columns to the longest cell, which contains a path or the builtin source name
    (re.compile(r" {2,}\|"), " |"),
    (re.compile(r"^-{5,}$", re.MULTILINE), "-----"),
)


def drop_hydra_blocks(text: str, names: tuple[str, ...], marker: str | None) -> str:
    """Cut the blocks ``hydra.<name>`` (indent 2) out of a YAML text, leaving ``<name>: <marker>`` if given."""
    out: list[str] = []
    skipping = False
    for line in text.split("\n"):
        if skipping:
            if line.strip() == "" or line.startswith(("   ", "  - ")):
                continue
            skipping = False
        match = re.match(r"^  (\w+):\s*$", line)
        if match and match.group(1) in names:
            if marker is not None:
                out.append(f"{line} {marker}")
            skipping = True
            continue
        out.append(line)
    return "\n".join(out)


def normalize(text: str, root: Path) -> str:
    """Rewrite the parts of an output that must differ between two correct runs to stable placeholders."""
    for spelling in {str(root), os.path.realpath(root)}:
        text = text.replace(spelling, "<CWD>")
    text = _LOG_STAMP.sub("<TS>", text)
    text = _DATE.sub("<DATE>", text)
    text = _TIME.sub("<TIME>", text)
    for pattern, replacement in _REPLACEMENTS:
        text = pattern.sub(replacement, text)
    # runlab words its help itself
    return drop_hydra_blocks(text, ("help", "hydra_help"), "<HELP PROSE>")


# ---------------------------------------------------------------------------------------------------- observe

_RUNLAB_ONLY_PARTS = {".runlab", "__pycache__"}
_TEXT_SUFFIXES = (".yaml", ".log", ".txt")


def _created_files(root: Path, app_files: frozenset[str]) -> tuple[list[str], dict[str, str]]:
    files: list[str] = []
    contents: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (
            not path.is_file()
            or rel in app_files
            or _RUNLAB_ONLY_PARTS & set(path.relative_to(root).parts)
        ):
            continue
        name = normalize(rel, root)
        files.append(name)
        if path.suffix in _TEXT_SUFFIXES:
            contents[name] = normalize(path.read_text(encoding="utf-8", errors="replace"), root)
    return sorted(files), contents


def observe(scenario: Scenario, root: Path, runner: Runner) -> Observation:
    """Materialise the app under ``root``, run it there with ``runner`` and collect a normalised observation."""
    root.mkdir(parents=True, exist_ok=True)
    app_files = materialize(scenario.app, root)
    argv = [arg.replace("{cwd}", str(root)) for arg in scenario.argv]
    env = {k: v.replace("{cwd}", str(root)) for k, v in scenario.env.items()}
    proc = runner(root / scenario.script, argv, root, env=env)
    return _observation(proc, root, app_files)


def _observation(proc: CompletedProcess[str], root: Path, app_files: frozenset[str]) -> Observation:
    files, contents = _created_files(root, app_files)
    return Observation(
        exit_code=proc.returncode,
        stdout=normalize(proc.stdout, root),
        stderr=normalize(proc.stderr, root),
        files=tuple(files),
        contents=contents,
    )


def observe_from_cache(scenario: Scenario, root: Path, cache_dir: Path) -> tuple[Observation, bool]:
    """Run runlab twice in one copy of the app and observe the second run.

    The first run leaves its composition in ``cache_dir`` (no settling time: the app was just
    written) and its outputs are then removed, so the second run starts as the first did, except
    that it may be served from the composition cache.  Also returns whether it was: an entry the
    second run read keeps its inode and has its mtime, zeroed in between, renewed.
    """
    root.mkdir(parents=True, exist_ok=True)
    app_files = materialize(scenario.app, root)
    argv = [arg.replace("{cwd}", str(root)) for arg in scenario.argv]
    env = {k: v.replace("{cwd}", str(root)) for k, v in scenario.env.items()}
    env.update(RUNLAB_CACHE_DIR=str(cache_dir), RUNLAB_CACHE_SETTLE_SECONDS="0")
    run_runlab_script(root / scenario.script, argv, root, env=env)
    _remove_created(root, app_files)
    entries = sorted((cache_dir / "compositions").glob("*.pickle"))
    inodes = {}
    for entry in entries:
        os.utime(entry, ns=(0, 0))
        inodes[entry] = entry.stat().st_ino
    proc = run_runlab_script(root / scenario.script, argv, root, env=env)
    served = any(
        entry.exists() and entry.stat().st_ino == inode and entry.stat().st_mtime_ns > 0
        for entry, inode in inodes.items()
    )
    return _observation(proc, root, app_files), served


def _remove_created(root: Path, app_files: frozenset[str]) -> None:
    keep = set(app_files) | {
        parent.as_posix() for name in app_files for parent in Path(name).parents
    }
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.relative_to(root).as_posix() in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink()


def observe_both(
    scenario: Scenario, tmp: Path, *, runlab: bool = True
) -> tuple[Observation, Observation | None]:
    """Run the oracle and (optionally) runlab side by side: two processes, two cores."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        oracle = pool.submit(observe, scenario, tmp / "oracle", run_oracle_script)
        mine = pool.submit(observe, scenario, tmp / "runlab", run_runlab_script) if runlab else None
        return oracle.result(), (mine.result() if mine else None)


# ---------------------------------------------------------------------------------------------------- compare


def without_hydra_keys(obs: Observation, names: tuple[str, ...]) -> Observation:
    """The observation with the ``hydra.<name>`` blocks cut out (to look past one known difference)."""
    if not names:
        return obs
    return replace(
        obs,
        stdout=drop_hydra_blocks(obs.stdout, names, None),
        contents={k: drop_hydra_blocks(v, names, None) for k, v in obs.contents.items()},
    )


def _without_hydra_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if "][HYDRA]" not in line)


def _stream(mode: str, text: str) -> str | None:
    if mode == "exact":
        return text
    if mode == "app":
        return _without_hydra_lines(text)
    return None  # keywords: only the facts are compared


def _diff(label: str, expected: str, actual: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(),
        actual.splitlines(),
        f"hydra-core {label}",
        f"runlab {label}",
        lineterm="",
        n=2,
    )
    return "\n".join(lines)


def check_facts(scenario: Scenario, obs: Observation, who: str = "hydra-core") -> list[str]:
    """The scenario's stated facts (exit code, key phrases) against one observation."""
    problems = []
    if obs.exit_code != scenario.exit_code:
        problems.append(f"{who} exit code {obs.exit_code}, scenario expects {scenario.exit_code}")
    problems += [
        f"{who} output lacks {phrase!r}" for phrase in scenario.expect if phrase not in obs.text
    ]
    if problems:
        # the streams say why (a keywords-only scenario would otherwise hide e.g. an import error)
        problems.append(
            f"{who} stdout (tail):\n{_tail(obs.stdout)}\n{who} stderr (tail):\n{_tail(obs.stderr)}"
        )
    return problems


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.splitlines()[-lines:])


def compare(scenario: Scenario, oracle: Observation, mine: Observation) -> list[str]:
    """Every visible difference between the two runs, as readable problem descriptions (empty: equivalent)."""
    if scenario.runlab is not None:
        dev = scenario.runlab
        problems = []
        if mine.exit_code != dev.exit_code:
            problems.append(
                f"runlab exit code {mine.exit_code}, documented {dev.exit_code} ({dev.reason})"
            )
        problems += [
            f"runlab output lacks {p!r} ({dev.reason})" for p in dev.expect if p not in mine.text
        ]
        problems += [
            f"runlab output has {p!r} ({dev.reason})" for p in dev.absent if p in mine.text
        ]
        return problems
    problems = [f"runlab: {p}" for p in check_facts(scenario, mine, "runlab")]
    if oracle.exit_code != mine.exit_code:
        problems.append(f"exit code: hydra-core {oracle.exit_code}, runlab {mine.exit_code}")
    for label, mode, theirs, ours in (
        ("stdout", scenario.stdout, oracle.stdout, mine.stdout),
        ("stderr", scenario.stderr, oracle.stderr, mine.stderr),
    ):
        expected, actual = _stream(mode, theirs), _stream(mode, ours)
        if expected != actual:
            problems.append(_diff(label, expected or "", actual or ""))
    if scenario.files:
        if oracle.files != mine.files:
            problems.append(_diff("files", "\n".join(oracle.files), "\n".join(mine.files)))
        for name in sorted(set(oracle.contents) & set(mine.contents)):
            if oracle.contents[name] != mine.contents[name]:
                problems.append(_diff(name, oracle.contents[name], mine.contents[name]))
    return problems
