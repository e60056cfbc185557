"""Running an app: argv -> one of run / multirun / --cfg / --info / --help / --hydra-help / -sc / rerun.

The flow and the way flags combine follow Hydra's (spec §2.3).  Two deliberate differences, both in
docs/compatibility.md: a plain run composes once instead of twice (Hydra first composes in MULTIRUN mode
only to read ``hydra.mode``; runlab reads it from the RUN composition and composes again only when the
config asks for MULTIRUN), and usage mistakes Hydra reports with a raw traceback are short errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from runlab._values import frozen
from runlab.runtime.reporting import run_and_report

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.config.composed import ComposeContext, Composed
    from runlab.config.sources import SearchPathEntry
    from runlab.runtime.argv import Invocation
    from runlab.runtime.callbacks import Callbacks
    from runlab.types import RunMode, TaskFunction

__all__ = ["AppContext", "AppSetup", "run_app"]

_MULTIRUN_OVER_RUN_WARNING = (
    "\n\tRunning Hydra app with --multirun, overriding with `hydra.mode=MULTIRUN`."
)


@frozen
class AppSetup:
    """Everything fixed before the first composition: the app, its command line and its search path.

    ``config_name``/``search_path`` already include ``--config-name``/``--config-path``/``--config-dir``.
    """

    task_function: TaskFunction
    invocation: Invocation
    config_name: str | None
    search_path: tuple[SearchPathEntry, ...]
    job_name: str
    version_base: str

    def context(self, config_name: str | None = None, *, primary: bool = True) -> ComposeContext:
        from runlab.config.composed import ComposeContext

        return ComposeContext(
            job_name=self.job_name,
            version_base=self.version_base,
            cwd=os.getcwd(),
            config_name=self.config_name if primary else config_name,
        )

    def compose(
        self,
        overrides: Sequence[str],
        run_mode: RunMode,
        *,
        validate_sweep_overrides: bool = True,
        primary: bool = True,
    ) -> Composed:
        """Compose with this app's search path; ``primary=False`` leaves the primary config out.

        A plain run's composition may come from the composition cache (``composition_cache``):
        the same request over unchanged files gives the same config.
        """
        from runlab.types import RunMode

        config_name = self.config_name if primary else None
        context = self.context(config_name, primary=primary)

        def compose() -> Composed:
            from runlab.config.compose import compose_config

            return compose_config(
                search_path=self.search_path,
                config_name=config_name,
                overrides=list(overrides),
                run_mode=run_mode,
                context=context,
                from_shell=True,
                validate_sweep_overrides=validate_sweep_overrides,
            )

        if run_mode is not RunMode.RUN or not primary or not validate_sweep_overrides:
            return compose()
        from runlab.runtime.composition_cache import compose_cached

        return compose_cached(
            search_path=self.search_path,
            config_name=config_name,
            overrides=list(overrides),
            run_mode=run_mode,
            context=context,
            compose=compose,
        )


@frozen
class AppContext:
    """What ``runlab.runtime.multirun.run_multirun`` receives to run a sweep.

    * ``setup`` — the app (``setup.task_function``), its ``Invocation`` and search path; call
      ``setup.compose(overrides, RunMode.RUN)`` or ``compose_sweep_job(master, ...)`` for job configs.
    * ``master`` — the master composition (MULTIRUN mode, ``hydra.mode=MULTIRUN``, sweep values not
      applied); ``master.config`` is what ``multirun.yaml`` saves.
    * ``overrides`` — the command-line overrides exactly as passed to the master composition.
    * ``callbacks`` — ``hydra.callbacks`` instantiated once; ``run_multirun`` fires
      ``on_multirun_start``/``on_multirun_end`` and hands them to ``run_job`` for in-process jobs.

    Hydra logging is already configured and ``HydraConfig`` holds the master config when it is called.
    """

    setup: AppSetup
    master: Composed
    overrides: tuple[str, ...]
    callbacks: Callbacks

    @property
    def task_function(self) -> TaskFunction:
        return self.setup.task_function

    @property
    def invocation(self) -> Invocation:
        return self.setup.invocation

    @property
    def config(self) -> DictConfig:
        return self.master.config

    @property
    def config_name(self) -> str | None:
        return self.setup.config_name


def _usage_error(message: str) -> None:
    from runlab.errors import UsageError

    raise UsageError(message)


def run_app(
    *,
    task_function: TaskFunction,
    config_path: str | None,
    config_name: str | None,
    version_base: str,
    args: Sequence[str] | None = None,
) -> None:
    """The body of a decorated main called without a config (exits the process on errors)."""
    from runlab.runtime.argv import parse_argv

    invocation = parse_argv(args)
    if invocation.experimental_rerun is not None:
        from runlab.runtime.rerun import rerun

        run_and_report(lambda: rerun(invocation, task_function))
        return

    setup = run_and_report(
        lambda: _make_setup(task_function, invocation, config_path, config_name, version_base)
    )
    from runlab.runtime.context import register_resolvers

    register_resolvers()
    try:
        if invocation.help:
            from runlab.runtime.help import print_app_help

            run_and_report(lambda: print_app_help(setup))
            raise SystemExit(0)
        if invocation.resolve and invocation.cfg is None:
            run_and_report(
                lambda: _usage_error(
                    "The --resolve flag can only be used in conjunction with --cfg or --help"
                )
            )
        if invocation.hydra_help:
            from runlab.runtime.help import print_hydra_help

            run_and_report(lambda: print_hydra_help(setup))
            raise SystemExit(0)
        if invocation.command_count() > 1:
            run_and_report(
                lambda: _usage_error(
                    "Only one of --run, --multirun, --cfg, --info and --shell_completion can be"
                    " specified"
                )
            )
        if invocation.cfg is not None:
            run_and_report(lambda: show_config(setup))
        elif invocation.shell_completion:
            run_and_report(lambda: shell_completion(setup))
        elif invocation.info is not None:
            from runlab.runtime.info import print_info

            run_and_report(lambda: print_info(setup, invocation.info or "all"))
        else:
            run_and_report(lambda: run_or_multirun(setup))
    finally:
        from runlab.runtime import context

        context.restore_hydra_config(None)


def _make_setup(
    task_function: TaskFunction,
    invocation: Invocation,
    config_path: str | None,
    config_name: str | None,
    version_base: str,
) -> AppSetup:
    from runlab.config.searchpath import (
        add_config_dir,
        create_search_path,
        main_search_path_dir,
        validate_config_path,
    )
    from runlab.runtime.location import locate_app

    location = locate_app(task_function)
    if invocation.config_name is not None:
        config_name = invocation.config_name
    if invocation.config_path is not None:
        config_path = invocation.config_path
    validate_config_path(config_path)
    main_dir = main_search_path_dir(
        config_path, calling_file=location.file, calling_module=location.module
    )
    search_path = create_search_path(main_dir)
    if invocation.config_dir is not None:
        add_config_dir(search_path, invocation.config_dir)
    return AppSetup(
        task_function=task_function,
        invocation=invocation,
        config_name=config_name,
        search_path=search_path.entries,
        job_name=location.job_name,
        version_base=version_base,
    )


def _mode_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "name", value))


def _probe_mode(setup: AppSetup, overrides: Sequence[str]) -> str | None:
    """``hydra.mode`` as the config sets it (Hydra's pre-composition; any failure means unset)."""
    from runlab.types import RunMode

    try:
        composed = setup.compose(overrides, RunMode.MULTIRUN, validate_sweep_overrides=False)
        return _mode_name(composed.config.hydra.mode)
    except Exception:  # noqa: BLE001 - Hydra treats a failing probe as "mode not set"
        return None


def _mark_run_mode(composed: Composed) -> None:
    """What composing with the implicit ``hydra.mode=RUN`` override would have produced."""
    from omegaconf import open_dict, read_write

    from runlab.config._node_values import child, set_own_value
    from runlab.types import RunMode

    # Flags changed on the nodes written, not on the whole ``hydra`` node (each change of a
    # container's flags walks its subtree: ~0.5 ms of every start).
    hydra = child(composed.config, "hydra")
    set_own_value(hydra, "mode", RunMode.RUN)
    listed = child(child(hydra, "overrides"), "hydra")
    with read_write(listed), open_dict(listed):
        listed.append("hydra.mode=RUN")


def select_mode(setup: AppSetup) -> tuple[str, Composed, tuple[str, ...]]:
    """Decide RUN or MULTIRUN (spec §8.1) and return the composition to use with its overrides."""
    import warnings

    from runlab.types import RunMode

    overrides = list(setup.invocation.overrides)
    if setup.invocation.multirun:
        if _probe_mode(setup, overrides) == "RUN":
            warnings.warn(_MULTIRUN_OVER_RUN_WARNING, UserWarning, stacklevel=2)
        overrides.append("hydra.mode=MULTIRUN")
        return "MULTIRUN", setup.compose(overrides, RunMode.MULTIRUN), tuple(overrides)
    try:
        composed = setup.compose(overrides, RunMode.RUN)
    except Exception:
        if _probe_mode(setup, overrides) == "MULTIRUN":
            return "MULTIRUN", setup.compose(overrides, RunMode.MULTIRUN), tuple(overrides)
        raise
    mode = _mode_name(composed.config.hydra.mode)
    if mode == "MULTIRUN":
        return "MULTIRUN", setup.compose(overrides, RunMode.MULTIRUN), tuple(overrides)
    if mode is None:
        _mark_run_mode(composed)
        overrides.append("hydra.mode=RUN")
    return "RUN", composed, tuple(overrides)


def configure_hydra_logging(config: DictConfig) -> None:
    """Hydra's own logging (``hydra.hydra_logging`` + ``hydra.verbose``)."""
    from runlab.config._node_values import child
    from runlab.runtime.logs import configure_log, logging_settings

    configure_log(
        logging_settings(config, "hydra_logging"),
        child(child(config, "hydra"), "verbose"),
        setting="hydra.hydra_logging",
    )


def run_or_multirun(setup: AppSetup) -> None:
    from runlab.runtime import context
    from runlab.runtime.callbacks import load_callbacks

    mode, composed, overrides = select_mode(setup)
    config = composed.config
    context.set_hydra_config(config)
    configure_hydra_logging(config)
    _log_debug_report(setup, composed)
    callbacks = load_callbacks(config)
    if mode == "MULTIRUN":
        from runlab.runtime.multirun import run_multirun

        code = run_multirun(
            AppContext(setup=setup, master=composed, overrides=overrides, callbacks=callbacks)
        )
        if code:
            raise SystemExit(code)
        return
    from runlab.runtime.jobs import execute_job
    from runlab.runtime.outputs import RUN_DIR_KEY
    from runlab.runtime.recording import attach_origins

    attach_origins(config, composed.origins)  # for the run record, computed after the task
    callbacks.on_run_start(config=config, config_name=setup.config_name)
    job_return = execute_job(
        config, setup.task_function, job_dir_key=RUN_DIR_KEY, callbacks=callbacks
    )
    callbacks.on_run_end(config=config, config_name=setup.config_name, job_return=job_return)
    _ = job_return.return_value  # re-raises the task's exception (reported by run_and_report)


def _log_debug_report(setup: AppSetup, composed: Composed) -> None:
    import logging

    logger = logging.getLogger("hydra")
    if not logger.isEnabledFor(logging.DEBUG):
        return
    from runlab.runtime.info import info_messages

    for message in info_messages(setup, composed, "all"):
        logger.debug(message)


def _show_package(config: DictConfig, package: str) -> None:
    from omegaconf import Container, OmegaConf

    if package == "_global_":
        sys.stdout.write(OmegaConf.to_yaml(config))
        return
    selected = OmegaConf.select(config, package)
    if selected is None:
        sys.stderr.write(f"package '{package}' not found in config\n")
        raise SystemExit(1)
    if isinstance(selected, Container):
        sys.stdout.write(f"# @package {package}\n")
        sys.stdout.write(OmegaConf.to_yaml(selected))
    else:
        sys.stdout.write(f"{selected}\n")


def config_for_display(config: DictConfig, what: str) -> DictConfig:
    """The part of the config ``--cfg job|hydra|all`` shows (a copy)."""
    import copy

    from omegaconf import OmegaConf, open_dict, read_write

    from runlab.runtime.jobs import copy_without_hydra

    if what == "job":
        return copy_without_hydra(config)
    if what == "hydra":
        shown = OmegaConf.masked_copy(config, "hydra")
        with read_write(shown.hydra), open_dict(shown.hydra):
            shown.hydra.pop("help", None)
            shown.hydra.pop("hydra_help", None)
        return shown
    return copy.deepcopy(config)


def show_config(setup: AppSetup) -> None:
    """``--cfg job|hydra|all`` with ``--package`` and ``--resolve``."""
    from omegaconf import OmegaConf

    from runlab.runtime import context
    from runlab.types import RunMode

    invocation = setup.invocation
    composed = setup.compose(invocation.overrides, RunMode.RUN)
    context.set_hydra_config(composed.config)
    shown = config_for_display(composed.config, invocation.cfg or "job")
    if invocation.resolve:
        from runlab.runtime.help import resolve_for_display

        resolve_for_display(shown, f"--cfg {invocation.cfg or 'job'} --resolve")
    if invocation.package:
        _show_package(shown, invocation.package)
    else:
        sys.stdout.write(OmegaConf.to_yaml(shown))


def shell_completion(setup: AppSetup) -> None:
    """``-sc install=SHELL | uninstall=SHELL | query=SHELL`` (sub-command read from the overrides)."""
    from runlab.errors import UsageError
    from runlab.runtime import completion

    chosen: dict[str, str] = {}
    for item in setup.invocation.overrides:
        key, sep, value = item.partition("=")
        if sep and key in completion.SUBCOMMANDS:
            chosen[key] = value
    if len(chosen) != 1:
        raise UsageError(f"Expecting one subcommand from {list(completion.SUBCOMMANDS)} to be set")
    ((subcommand, shell),) = chosen.items()
    if shell not in completion.SHELLS:
        available = "".join(f"\n\t{name}" for name in completion.SHELLS)
        raise UsageError(f"No completion plugin for '{shell}' found, available : {available}")
    argv0 = sys.argv[0]
    if subcommand == "install":
        sys.stdout.write(completion.install_script(shell, argv0))
    elif subcommand == "uninstall":
        sys.stdout.write(completion.uninstall_script(shell, argv0))
    else:
        sys.stdout.write(
            completion.query(
                shell,
                _completion_composer(setup),
                _repository(setup),
                config_name=setup.config_name,
            )
            + "\n"
        )


def _completion_composer(setup: AppSetup) -> Any:
    from runlab.types import RunMode

    def compose(overrides: list[str], multirun: bool) -> DictConfig:
        mode = RunMode.MULTIRUN if multirun else RunMode.RUN
        return setup.compose(overrides, mode, validate_sweep_overrides=False).config

    return compose


def _repository(setup: AppSetup) -> Any:
    from runlab.config.repository import ConfigRepository

    return ConfigRepository(setup.search_path)
