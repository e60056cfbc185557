"""``--info [all|config|defaults|defaults-tree|plugins|searchpath]``: how the config was put together.

Section titles and table layouts follow Hydra's so people (and their notes) recognise them; the
report's first line names runlab.  With ``hydra.verbose`` on the ``hydra`` logger the same ``all``
report is logged at DEBUG when an app starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from runlab.config.compose import Composed
    from runlab.runtime.app import AppSetup

__all__ = ["info_messages", "info_report", "print_info"]


def _title(text: str, underline: str = "*") -> list[str]:
    return [text, underline * len(text)]


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, open_header: bool = False
) -> list[str]:
    """Hydra's tables; ``open_header`` keeps the Defaults List's header ending in ``| `` (as Hydra's)."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(cells)) + " |"

    title = line(header) + (" " if open_header else "")
    rule = "-" * len(title)
    return [title, rule, *(line(row) for row in rows), rule]


def _header() -> list[str]:
    from runlab.version import HYDRA_COMPAT_VERSION, __version__

    return _title(f"runlab {__version__} (Hydra {HYDRA_COMPAT_VERSION} compatible)", "=")


def _plugins() -> list[str]:
    from importlib.metadata import entry_points

    lines = _title("Installed plugins")
    for group, label in (("runlab.launchers", "Launcher"), ("runlab.sweepers", "Sweeper")):
        found = sorted({f"{ep.name} ({ep.value})" for ep in entry_points(group=group)})
        if found:
            lines += [f"\t{label}:", "\t" + "-" * (len(label) + 1)]
            lines += [f"\t\t{name}" for name in found]
    from runlab.config._searchpath_plugins import search_path_plugin_classes

    found = sorted(f"{cls.__name__} ({cls.__module__})" for cls in search_path_plugin_classes())
    if found:
        lines += ["\tSearchPathPlugin:", "\t-----------------"]
        lines += [f"\t\t{name}" for name in found]
    return lines


def _searchpath(composed: Composed) -> list[str]:
    rows = [(entry.provider, entry.path) for entry in composed.search_path]
    return ["", *_title("Config search path"), *_table(("Provider", "Search path"), rows)]


def _defaults_tree(composed: Composed) -> list[str]:
    from runlab.config.defaults import format_defaults_tree

    return [
        "",
        *_title("Defaults Tree"),
        *format_defaults_tree(composed.defaults.tree).splitlines(),
    ]


def _defaults(composed: Composed) -> list[str]:
    rows = [
        (str(item.config_path), str(item.package or ""), str(item.is_self), str(item.parent))
        for item in composed.defaults.defaults
    ]
    return [
        "",
        *_title("Defaults List"),
        *_table(("Config path", "Package", "_self_", "Parent"), rows, open_header=True),
    ]


def _config(composed: Composed) -> list[str]:
    from omegaconf import OmegaConf

    from runlab.runtime.app import config_for_display

    shown = config_for_display(composed.config, "job")
    return [*_title("Config"), OmegaConf.to_yaml(shown)]


def info_report(setup: AppSetup, composed: Composed | None, what: str) -> str:
    """The text of one ``--info`` section (``composed`` may be None for ``plugins``)."""
    return "\n".join(info_messages(setup, composed, what))


def info_messages(setup: AppSetup, composed: Composed | None, what: str) -> list[str]:
    """The report as log messages (the config YAML is one multi-line message, as Hydra logs it)."""
    lines: list[str] = []
    if what == "all":
        lines += _header() + _plugins()
    if what == "plugins":
        lines += _plugins()
    if composed is not None:
        if what in ("all", "config", "searchpath"):
            lines += _searchpath(composed)
        if what in ("all", "config", "defaults-tree"):
            lines += _defaults_tree(composed)
        if what in ("all", "config", "defaults"):
            lines += _defaults(composed)
        if what in ("all", "config"):
            lines += _config(composed)
    return lines


def print_info(setup: AppSetup, what: str) -> None:
    """Compose like a run would (sweeps tolerated) and print the requested section to stdout."""
    from runlab.runtime import context
    from runlab.types import RunMode

    composed = None
    if what != "plugins":
        composed = setup.compose(
            setup.invocation.overrides, RunMode.RUN, validate_sweep_overrides=False
        )
        context.set_hydra_config(composed.config)
    print(info_report(setup, composed, what))
