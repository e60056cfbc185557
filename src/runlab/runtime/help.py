"""``--help`` and ``--hydra-help``: render ``hydra.help.template`` / ``hydra.hydra_help.template``.

Templates use ``string.Template`` placeholders: ``$FLAGS_HELP``, ``$APP_CONFIG_GROUPS``,
``$HYDRA_CONFIG_GROUPS`` and ``$CONFIG`` (``$$`` is a literal dollar).  OmegaConf interpolations in the
template (``${hydra.help.header}``) are resolved first, when the template is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.runtime.app import AppSetup

__all__ = ["config_groups_help", "print_app_help", "print_hydra_help", "render_help"]

_PLACEHOLDERS = ("FLAGS_HELP", "APP_CONFIG_GROUPS", "HYDRA_CONFIG_GROUPS", "CONFIG")


def _all_groups(repository: Any, parent: str = "") -> list[str]:
    found: list[str] = []
    for name in repository.list_groups(parent):
        path = f"{parent}/{name}" if parent else name
        found.append(path)
        found.extend(_all_groups(repository, path))
    return found


def config_groups_help(repository: Any, *, hydra_groups: bool) -> str:
    """``group: opt1, opt2`` per group that has configs, sorted; app groups or ``hydra/*`` groups."""
    lines = []
    for group in sorted(_all_groups(repository)):
        is_hydra = group == "hydra" or group.startswith("hydra/")
        if is_hydra != hydra_groups:
            continue
        options = sorted(repository.get_group_options(group))
        if options:
            lines.append(f"{group}: {', '.join(options)}\n")
    return "".join(lines)


def render_help(
    template: str,
    *,
    flags_help: str,
    repository: Any,
    config: DictConfig,
    resolve: bool,
    key: str = "hydra.help.template",
) -> str:
    """Fill a help template; an unknown placeholder is a user mistake reported in one line.

    ``key`` is where the template came from, so the error says which setting to fix.
    """
    import copy
    from string import Template

    from omegaconf import OmegaConf

    from runlab.errors import UsageError

    shown = copy.deepcopy(config)
    if resolve:
        resolve_for_display(shown, "--help --resolve")
    values = {
        "FLAGS_HELP": flags_help,
        "APP_CONFIG_GROUPS": config_groups_help(repository, hydra_groups=False),
        "HYDRA_CONFIG_GROUPS": config_groups_help(repository, hydra_groups=True),
        "CONFIG": OmegaConf.to_yaml(shown),
    }
    try:
        return Template(template).substitute(values)
    except KeyError as error:
        raise UsageError(
            f"Unknown placeholder ${error.args[0]} in {key}; available: "
            + ", ".join(f"${name}" for name in _PLACEHOLDERS)
        ) from None
    except ValueError as error:
        raise UsageError(f"Invalid help template in {key}: {error}") from None


def _print_help(
    setup: AppSetup, *, primary: bool, node: str, shown_keys: Sequence[str] | None
) -> None:
    from omegaconf import OmegaConf

    from runlab.config.repository import ConfigRepository
    from runlab.runtime import context
    from runlab.runtime.app import config_for_display, configure_hydra_logging
    from runlab.runtime.argv import flags_help
    from runlab.types import RunMode

    composed = setup.compose(setup.invocation.overrides, RunMode.RUN, primary=primary)
    config = composed.config
    context.set_hydra_config(config)
    configure_hydra_logging(config)
    template = OmegaConf.select(config, f"hydra.{node}.template")
    shown = config_for_display(config, "job") if primary else OmegaConf.masked_copy(config, "hydra")
    text = render_help(
        str(template),
        flags_help=flags_help(),
        repository=ConfigRepository(composed.search_path),
        config=shown,
        resolve=setup.invocation.resolve,
        key=f"hydra.{node}.template",
    )
    print(text)


def print_app_help(setup: AppSetup) -> None:
    """``--help``: the app's config groups and config, rendered with ``hydra.help.template``."""
    _print_help(setup, primary=True, node="help", shown_keys=None)


def print_hydra_help(setup: AppSetup) -> None:
    """``--hydra-help``: composed without the primary config, as in Hydra."""
    _print_help(setup, primary=False, node="hydra_help", shown_keys=None)


def resolve_for_display(shown: Any, flags: str) -> None:
    """``OmegaConf.resolve`` for ``--resolve``; a value that does not resolve is a usage error
    naming its key, not a traceback."""
    from omegaconf import OmegaConf
    from omegaconf.errors import InterpolationResolutionError

    from runlab.errors import UsageError

    try:
        OmegaConf.resolve(shown)
    except InterpolationResolutionError as error:
        key = getattr(error, "full_key", None) or "?"
        message = str(error).splitlines()[0]
        raise UsageError(f"{flags}: cannot resolve '{key}': {message}") from None
