"""The schema of the ``hydra:`` node: every setting runlab reads, with its type and default.

Key names, types, defaults and *field order* match Hydra 1.3.8's ``HydraConf``: the order decides the
order of keys in ``--cfg hydra`` and in each run's ``.hydra/hydra.yaml``, which users diff between
runs and tools parse.  Values that live in YAML files of ``runlab.conf`` (output dirs, logging, help
texts, launcher and sweeper options) are ``MISSING`` here and filled by the defaults list below, in the
same order as in Hydra, so the composed node reads the same.

Nothing is registered when this module is imported; :func:`register_builtin_configs` stores the schema
as ``hydra/config`` when a repository is first built.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from omegaconf import MISSING

from runlab._values import mutable

# Re-exported: the registration lives with the repository so that it need not import this module.
from runlab.config.repository import BUILTIN_PROVIDER, register_builtin_configs
from runlab.types import RunMode

__all__ = [
    "BUILTIN_PROVIDER",
    "HYDRA_DEFAULTS",
    "ConfigSourceInfo",
    "HelpConf",
    "HydraConf",
    "HydraHelpConf",
    "JobConf",
    "OverridesConf",
    "RunDir",
    "RuntimeConf",
    "SweepDir",
    "register_builtin_configs",
]


HYDRA_DEFAULTS: tuple[tuple[str, str | None], ...] = (
    ("output", "default"),
    ("launcher", "basic"),
    ("sweeper", "basic"),
    ("help", "default"),
    ("hydra_help", "default"),
    ("hydra_logging", "default"),
    ("job_logging", "default"),
    ("callbacks", None),
    ("env", "default"),
)
"""The ``hydra/*`` groups selected by default, in merge order (``_self_`` comes after them)."""


@mutable
class HelpConf:
    """``--help``: ``template`` is a ``string.Template`` filled with the app's groups and config."""

    app_name: str = MISSING
    header: str = MISSING
    footer: str = MISSING
    template: str = MISSING


@mutable
class HydraHelpConf:
    """``--hydra-help``: same mechanism as :class:`HelpConf`, listing the ``hydra/*`` groups."""

    hydra_help: str = MISSING
    template: str = MISSING


@mutable
class RunDir:
    """Output directory of a single run (relative to the launch directory)."""

    dir: str = MISSING


@mutable
class SweepDir:
    """Output directory of a sweep, and each job's subdirectory inside it."""

    dir: str = MISSING
    subdir: str = MISSING


@mutable
class OverridesConf:
    """The command-line overrides of this run, split into ``hydra.*`` ones and the task's own."""

    hydra: list[str] = field(default_factory=list)
    task: list[str] = field(default_factory=list)


@mutable
class JobConf:
    """The job: its name, id and number in a sweep, environment, and the override_dirname rule."""

    name: str = MISSING
    # None means "decide by version_base": chdir under 1.1, stay in the launch dir from 1.2 on.
    chdir: bool | None = None
    override_dirname: str = MISSING
    id: str = MISSING
    num: int = MISSING
    config_name: str | None = MISSING
    env_set: dict[str, str] = field(default_factory=dict)
    env_copy: list[str] = field(default_factory=list)

    @mutable
    class JobConfig:
        """Settings that shape values computed for the job."""

        @mutable
        class OverrideDirname:
            """How ``hydra.job.override_dirname`` joins the task overrides."""

            kv_sep: str = "="
            item_sep: str = ","
            exclude_keys: list[str] = field(default_factory=list)

        override_dirname: OverrideDirname = field(default_factory=OverrideDirname)

    config: JobConfig = field(default_factory=JobConfig)


@mutable
class ConfigSourceInfo:
    """One search path entry as recorded in ``hydra.runtime.config_sources``."""

    path: str
    schema: str
    provider: str


@mutable
class RuntimeConf:
    """Facts filled in at composition time; users read them, never set them."""

    version: str = MISSING
    version_base: str = MISSING
    cwd: str = MISSING
    config_sources: list[ConfigSourceInfo] = MISSING
    output_dir: str = MISSING
    # group override key -> chosen option (a string, a list for multi-select, or None)
    choices: dict[str, Any] = field(default_factory=dict)


def _default_hydra_defaults() -> list[Any]:
    return [{group: option} for group, option in HYDRA_DEFAULTS]


@mutable
class HydraConf:
    """The ``hydra:`` node."""

    defaults: list[Any] = field(default_factory=_default_hydra_defaults)

    mode: RunMode | None = None
    # Extra search path entries; only the primary config (or the command line) may set them.
    searchpath: list[str] = field(default_factory=list)

    run: RunDir = field(default_factory=RunDir)
    sweep: SweepDir = field(default_factory=SweepDir)
    hydra_logging: dict[str, Any] = MISSING
    job_logging: dict[str, Any] = MISSING

    sweeper: Any = MISSING
    launcher: Any = MISSING
    callbacks: dict[str, Any] = field(default_factory=dict)

    help: HelpConf = field(default_factory=HelpConf)
    hydra_help: HydraHelpConf = field(default_factory=HydraHelpConf)

    # Where config.yaml, hydra.yaml and overrides.yaml of each job go; None writes none of them.
    output_subdir: str | None = ".hydra"

    overrides: OverridesConf = field(default_factory=OverridesConf)
    job: JobConf = field(default_factory=JobConf)
    runtime: RuntimeConf = field(default_factory=RuntimeConf)

    # true: root logger at DEBUG; a logger name or a list of names: those loggers at DEBUG.
    verbose: Any = False
