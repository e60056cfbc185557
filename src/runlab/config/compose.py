"""Composition: search path + primary config + overrides -> one config, as Hydra 1.3 builds it.

The pipeline (spec §8.2): check the main config source, parse the overrides, read
``hydra.searchpath`` from the primary config (or the command line) and rebuild the repository with
it, reject sweeps the run mode cannot take, build the defaults list, merge the configs in order,
strip ``defaults``, set struct on the root, apply the value overrides, then fill the ``hydra`` node
(overrides, choices, runtime, job).  Nothing here reads global state: everything comes from the
arguments, so libraries and notebooks can compose without initializing anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from runlab.config._hydra_node import fill_hydra_node, override_dirname, touches_runtime
from runlab.config._loaded import ConfigCache, Snapshots
from runlab.config._merge import merge_defaults
from runlab.config._origins import LazyOrigins
from runlab.config.composed import ComposeContext, Composed, Session
from runlab.config.defaults import DefaultsResult, build_defaults
from runlab.errors import ConfigCompositionException
from runlab.types import RunMode

if TYPE_CHECKING:
    from runlab.config.overrides import Override
    from runlab.config.repository import ConfigRepository
    from runlab.config.sources import SearchPathEntry

__all__ = [
    "ComposeContext",
    "Composed",
    "RunMode",
    "compose_config",
    "compose_sweep_job",
    "override_dirname",
]


def compose_config(
    *,
    search_path: Sequence[SearchPathEntry],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
    from_shell: bool = True,
    validate_sweep_overrides: bool = True,
    with_hydra: bool = True,
) -> Composed:
    """Compose ``config_name`` with ``overrides`` the way Hydra does for ``run_mode``.

    OmegaConf errors that escape the pipeline become a :class:`ConfigCompositionException` whose
    cause is the OmegaConf error (the runtime prints both).

    ``with_hydra=False`` is for callers that drop the ``hydra`` node anyway (the compose API without
    ``return_hydra_config``): when neither the overrides nor the user's configs touch ``hydra``, the
    node is not composed at all, which is most of the cost of a small config.  Otherwise, and for
    every error, the full composition runs, so results, messages and warnings are the same.
    """
    if not with_hydra:
        lite = _compose_without_hydra(
            base_search_path=tuple(search_path),
            config_name=config_name,
            overrides=overrides,
            run_mode=run_mode,
            context=context,
            from_shell=from_shell,
            validate_sweep_overrides=validate_sweep_overrides,
        )
        if lite is not None:
            return lite
    return _compose(
        base_search_path=tuple(search_path),
        config_name=config_name,
        overrides=overrides,
        run_mode=run_mode,
        context=context,
        from_shell=from_shell,
        validate_sweep_overrides=validate_sweep_overrides,
        repository=None,
        snapshots=None,
    )


def compose_sweep_job(
    master: Composed, job_overrides: Sequence[str], *, from_shell: bool = True
) -> Composed:
    """Compose one job of a sweep: the master's Hydra overrides plus the job's own, in RUN mode.

    Parsed files are reused from the master's composition, and the master's resolver cache is
    copied so ``${now:...}`` gives every job the sweep's start time.
    """
    session = master.session
    if session is None:
        raise ValueError("compose_sweep_job() needs a Composed returned by compose_config()")
    # Raw strings: iterating the ListConfig would resolve ``${hydra.job.override_dirname}`` & co.
    raw = OmegaConf.to_container(master.config.hydra.overrides.hydra, resolve=False)
    hydra_overrides = [str(x) for x in raw] if isinstance(raw, list) else []
    job = _compose(
        base_search_path=session.base_search_path,
        config_name=session.config_name,
        overrides=[*hydra_overrides, *job_overrides],
        run_mode=RunMode.RUN,
        context=session.context,
        from_shell=from_shell,
        validate_sweep_overrides=True,
        repository=session.repository,
        snapshots=session.snapshots,
    )
    OmegaConf.copy_cache(from_config=master.config, to_config=job.config)
    return job


def _compose(
    *,
    base_search_path: tuple[SearchPathEntry, ...],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
    from_shell: bool,
    validate_sweep_overrides: bool,
    repository: ConfigRepository | None,
    snapshots: Snapshots | None,
) -> Composed:
    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import check_main_source_available

    try:
        base_repository = repository or _repository(base_search_path, context)
        check_main_source_available(base_repository.entries)
        parsed = _parse_overrides(overrides)
        cache = ConfigCache(base_repository, context.version_base, snapshots)
        repository, cache = _apply_search_path(config_name, parsed, base_repository, cache, context)
        defaults = _checked_defaults(
            repository, cache, config_name, parsed, run_mode, context,
            from_shell=from_shell, validate_sweep_overrides=validate_sweep_overrides,
        )  # fmt: skip
        config, merged = merge_defaults(defaults.defaults, cache, repository)
        OmegaConf.set_struct(config, True)
        if "hydra" in config:
            OmegaConf.set_readonly(config.hydra, False)
        from runlab.config._value_overrides import apply_value_overrides

        apply_value_overrides(config, defaults.config_overrides)
        if "hydra" in config:
            static_filled = not touches_runtime(merged, defaults.config_overrides)
            fill_hydra_node(
                config, parsed, defaults, repository, context, config_name, static_filled
            )
    except OmegaConfBaseException as error:
        raise ConfigCompositionException().with_traceback(error.__traceback__) from error
    assert isinstance(repository, ConfigRepository)
    session = Session(
        base_search_path=base_search_path,
        config_name=config_name,
        context=context,
        repository=base_repository,
        snapshots={} if snapshots is None else snapshots,
    )
    return Composed(
        config=config,
        defaults=defaults,
        origins=LazyOrigins(merged, defaults.config_overrides, config),
        search_path=repository.entries,
        session=session,
    )


def _compose_without_hydra(
    *,
    base_search_path: tuple[SearchPathEntry, ...],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
    from_shell: bool,
    validate_sweep_overrides: bool,
) -> Composed | None:
    """The job config alone, or None when the ``hydra`` node could matter (see ``compose_config``)."""
    import warnings

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parsed = _parse_overrides(overrides)
            if any(o.key_or_group == "hydra" or o.is_hydra_override() for o in parsed):
                return None
            repository = _repository(base_search_path, context)
            cache = ConfigCache(repository, context.version_base)
            if config_name is not None:
                primary = cache.load(config_name)
                if primary is not None and isinstance(primary.content, DictConfig) and (
                    "hydra" in primary.content
                ):
                    return None
            defaults = _checked_defaults(
                repository, cache, config_name, parsed, run_mode, context, from_shell=from_shell,
                validate_sweep_overrides=validate_sweep_overrides, prepend_hydra=False,
            )  # fmt: skip
            if any(
                (item.config_path or "").startswith("hydra/")
                or item.package == "hydra"
                or (item.package or "").startswith("hydra.")
                for item in defaults.defaults
            ):
                return None
            config, merged = merge_defaults(defaults.defaults, cache, repository)
            if "hydra" in config:
                return None
            OmegaConf.set_struct(config, True)
            from runlab.config._value_overrides import apply_value_overrides

            apply_value_overrides(config, defaults.config_overrides)
        if caught:
            return None  # the full composition emits them, with Hydra's locations
    except Exception:  # noqa: BLE001 - the full composition reports every error exactly
        return None
    return Composed(
        config=config,
        defaults=defaults,
        origins=LazyOrigins(merged, defaults.config_overrides, config),
        search_path=repository.entries,
        session=None,
    )


def _parse_overrides(overrides: Sequence[str]) -> list[Override]:
    if not overrides:
        return []  # most runs have none: the override grammar is then never imported
    from runlab.config.overrides import parse_overrides

    return parse_overrides(list(overrides))


def _checked_defaults(
    repository: ConfigRepository,
    cache: ConfigCache,
    config_name: str | None,
    parsed: Sequence[Override],
    run_mode: RunMode,
    context: ComposeContext,
    *,
    from_shell: bool,
    validate_sweep_overrides: bool,
    prepend_hydra: bool = True,
) -> DefaultsResult:
    """Reject the sweeps the run mode cannot take, then build the defaults list."""
    if validate_sweep_overrides:
        _validate_sweeps(parsed, run_mode, from_shell)
    return build_defaults(
        repository,
        config_name,
        parsed,
        run_mode=run_mode,
        version_base=context.version_base,
        prepend_hydra=prepend_hydra,
        loader=cache,
    )


# -- search path -----------------------------------------------------------------------------------
def _repository(entries: tuple[SearchPathEntry, ...], context: ComposeContext) -> ConfigRepository:
    from runlab.config.repository import ConfigRepository

    return ConfigRepository(entries, allow_yml=_allow_yml(context))


def _allow_yml(context: ComposeContext) -> bool:
    from runlab.config.versions import base_at_least

    return not base_at_least(context.version_base, "1.2")


def _apply_search_path(
    config_name: str | None,
    parsed: Sequence[Override],
    repository: ConfigRepository,
    cache: ConfigCache,
    context: ComposeContext,
) -> tuple[ConfigRepository, ConfigCache]:
    """Add ``hydra.searchpath`` entries (command line wins over the primary config) before the schema."""
    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import apply_searchpath_setting

    primary: Any = None
    if config_name is not None:
        loaded = cache.load(config_name)
        primary = loaded.content if loaded is not None else None
    if primary is not None and not isinstance(primary, DictConfig):
        raise ConfigCompositionException(
            f"primary config '{config_name}' must be a DictConfig, got {type(primary).__name__}"
        )
    entries = apply_searchpath_setting(repository.entries, primary, parsed)
    if entries == repository.entries:
        return repository, cache
    new_repository = ConfigRepository(entries, allow_yml=_allow_yml(context))
    return new_repository, ConfigCache(new_repository, context.version_base, cache.snapshots)


# -- sweeps ---------------------------------------------------------------------------------------
def _validate_sweeps(parsed: Sequence[Override], run_mode: RunMode, from_shell: bool) -> None:
    if not parsed:
        return
    from runlab.config.overrides import ValueType

    for override in parsed:
        if not override.is_sweep_override():
            continue
        if run_mode is RunMode.MULTIRUN:
            if override.is_hydra_override():
                raise ConfigCompositionException(
                    "Sweeping over Hydra's configuration is not supported : "
                    f"'{override.input_line}'"
                )
        elif override.value_type is ValueType.SIMPLE_CHOICE_SWEEP:
            example = "key=\\'value1,value2\\'" if from_shell else "key='value1,value2'"
            raise ConfigCompositionException(
                f"Ambiguous value for argument '{override.input_line}'\n"
                "1. To use it as a list, use key=[value1,value2]\n"
                f"2. To use it as string, quote the value: {example}\n"
                "3. To sweep over it, add --multirun to your command line"
            )
        else:
            raise ConfigCompositionException(
                f"Sweep parameters '{override.input_line}' requires --multirun"
            )
