"""Hydra's command line: the flags, their help strings, and the frozen ``Invocation`` they parse into.

The flag spellings and help texts are Hydra's because users' shell history, scripts and completion
depend on them, and ``--hydra-help`` prints them.  One deliberate difference: Hydra parses with plain
``argparse``, so overrides must be one contiguous block (``app a=1 -m b=2`` fails with "unrecognized
arguments").  runlab collects the overrides from around the flags instead (documented in
docs/compatibility.md); everything argparse rejects otherwise (unknown flags, bad choices) is rejected
with argparse's own usage message and exit code 2, like Hydra.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from runlab._values import frozen

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = [
    "CFG_CHOICES",
    "INFO_CHOICES",
    "OVERRIDES_HELP",
    "Invocation",
    "build_parser",
    "flags_help",
    "parse_argv",
]

CFG_CHOICES = ("job", "hydra", "all")
INFO_CHOICES = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
OVERRIDES_HELP = "Any key=value arguments to override config values (use dots for.nested=overrides)"
_CONFIG_PATH_HELP = (
    "Overrides the config_path specified in hydra.main().\n"
    "                    The config_path is absolute or relative to the Python file declaring"
    " @hydra.main()"
)


@frozen
class Invocation:
    """One parsed command line: which command to run and with which overrides.

    Field names follow Hydra's argparse destinations so code reading ``args.cfg`` ports directly.
    ``info`` is None when ``--info`` was not given, else the requested section (``all`` by default).
    """

    overrides: tuple[str, ...] = ()
    help: bool = False
    hydra_help: bool = False
    cfg: str | None = None
    resolve: bool = False
    package: str | None = None
    run: bool = False
    multirun: bool = False
    shell_completion: bool = False
    config_path: str | None = None
    config_name: str | None = None
    config_dir: str | None = None
    experimental_rerun: str | None = None
    info: str | None = None
    argv: tuple[str, ...] = field(default=(), compare=False)

    def command_count(self) -> int:
        """How many of the mutually exclusive commands were asked for (Hydra allows at most one)."""
        return sum(
            (
                self.run,
                self.multirun,
                self.cfg is not None,
                self.shell_completion,
                self.info is not None,
            )
        )


def executable_for_help(argv0: str | None = None) -> str:
    """How the user starts the app: ``python app.py`` for scripts, the command name otherwise."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    if argv0.endswith(".py"):
        return f"python {argv0}"
    return os.path.basename(argv0)


def _completion_help(executable: str) -> str:
    from runlab.runtime.completion import install_help

    return install_help(executable)


def build_parser(argv0: str | None = None) -> argparse.ArgumentParser:
    """Hydra's parser: same flags, destinations, choices and help strings, ``add_help=False``."""
    import argparse

    from runlab.version import HYDRA_COMPAT_VERSION, __version__

    parser = argparse.ArgumentParser(add_help=False, description="Hydra")
    parser.add_argument("--help", "-h", action="store_true", help="Application's help")
    parser.add_argument("--hydra-help", action="store_true", help="Hydra's help")
    parser.add_argument(
        "--version",
        action="version",
        help="Show Hydra's version and exit",
        version=f"runlab {__version__} (Hydra {HYDRA_COMPAT_VERSION} compatible)",
    )
    parser.add_argument("overrides", nargs="*", help=OVERRIDES_HELP)
    parser.add_argument(
        "--cfg",
        "-c",
        choices=list(CFG_CHOICES),
        help="Show config instead of running [job|hydra|all]",
    )
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="Used in conjunction with --cfg, resolve config interpolations before printing.",
    )
    parser.add_argument("--package", "-p", help="Config package to show")
    parser.add_argument("--run", "-r", action="store_true", help="Run a job")
    parser.add_argument(
        "--multirun",
        "-m",
        action="store_true",
        help="Run multiple jobs with the configured launcher and sweeper",
    )
    parser.add_argument(
        "--shell-completion",
        "-sc",
        action="store_true",
        help="Install or Uninstall shell completion:\n"
        + _completion_help(executable_for_help(argv0)),
    )
    parser.add_argument("--config-path", "-cp", help=_CONFIG_PATH_HELP)
    parser.add_argument(
        "--config-name", "-cn", help="Overrides the config_name specified in hydra.main()"
    )
    parser.add_argument(
        "--config-dir", "-cd", help="Adds an additional config dir to the config search path"
    )
    parser.add_argument("--experimental-rerun", help="Rerun a job from a previous config pickle")
    parser.add_argument(
        "--info",
        "-i",
        const="all",
        nargs="?",
        choices=list(INFO_CHOICES),
        help="Print Hydra information [all|config|defaults|defaults-tree|plugins|searchpath]",
    )
    return parser


def parse_argv(args: Sequence[str] | None = None, argv0: str | None = None) -> Invocation:
    """Parse a command line (``sys.argv[1:]`` by default) into an ``Invocation``.

    Overrides may appear before, between and after flags.  argparse errors exit with status 2 after
    printing the usage, exactly as Hydra's parser does.
    """
    args = list(sys.argv[1:] if args is None else args)
    if not any(arg.startswith("-") for arg in args):
        # Only overrides: argparse would treat every token as positional, so skip building it.
        return Invocation(overrides=tuple(args), argv=tuple(args))
    parser = build_parser(argv0)
    namespace = parser.parse_intermixed_args(args)
    return Invocation(
        overrides=tuple(namespace.overrides),
        help=namespace.help,
        hydra_help=namespace.hydra_help,
        cfg=namespace.cfg,
        resolve=namespace.resolve,
        package=namespace.package,
        run=namespace.run,
        multirun=namespace.multirun,
        shell_completion=namespace.shell_completion,
        config_path=namespace.config_path,
        config_name=namespace.config_name,
        config_dir=namespace.config_dir,
        experimental_rerun=namespace.experimental_rerun,
        info=namespace.info,
        argv=tuple(args),
    )


def flags_help(argv0: str | None = None) -> str:
    """``$FLAGS_HELP`` for the help templates: ``<flags joined by ','> : <help>`` per flag."""
    parser = build_parser(argv0)
    lines: list[str] = []
    for action in parser._actions:
        if action.option_strings:
            lines.append(f"{','.join(action.option_strings)} : {action.help}")
    lines.append(f"Overrides : {OVERRIDES_HELP}")
    return "\n".join(lines)
