"""Composition: search path + primary config + overrides -> one config, as Hydra 1.3 builds it.

The pipeline (spec §8.2): check the main config source, parse the overrides, read
``hydra.searchpath`` from the primary config (or the command line) and rebuild the repository with
it, reject sweeps the run mode cannot take, build the defaults list, merge the configs in order,
strip ``defaults``, set struct on the root, apply the value overrides, then fill the ``hydra`` node
(overrides, choices, runtime, job).  Nothing here reads global state: everything comes from the
arguments, so libraries and notebooks can compose without initializing anything.
"""

from __future__ import annotations

import copy
import os
import pickle
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, ListConfig, OmegaConf, flag_override, open_dict
from omegaconf.errors import OmegaConfBaseException

from runlab.config._loaded import ConfigCache, LoadedConfig, Snapshots
from runlab.config.defaults import DefaultsResult, ResultDefault, build_defaults
from runlab.config.versions import deprecation_warning
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


@dataclass(frozen=True)
class ComposeContext:
    """Everything composition reads from outside the configs, passed in explicitly."""

    job_name: str | None = None
    version_base: str = "1.3"
    cwd: str = ""
    config_name: str | None = None


@dataclass(frozen=True)
class _Session:
    """What a sweep job's composition can reuse from its master composition."""

    base_search_path: tuple[SearchPathEntry, ...]
    config_name: str | None
    context: ComposeContext
    repository: ConfigRepository
    snapshots: Snapshots = field(default_factory=dict)


@dataclass(frozen=True)
class Composed:
    """A composed config, the defaults that produced it, and where every value came from."""

    config: DictConfig
    defaults: DefaultsResult
    origins: Mapping[str, str]
    search_path: tuple[SearchPathEntry, ...]
    session: _Session | None = field(default=None, repr=False, compare=False)


def compose_config(
    *,
    search_path: Sequence[SearchPathEntry],
    config_name: str | None,
    overrides: Sequence[str],
    run_mode: RunMode,
    context: ComposeContext,
    from_shell: bool = True,
    validate_sweep_overrides: bool = True,
) -> Composed:
    """Compose ``config_name`` with ``overrides`` the way Hydra does for ``run_mode``.

    OmegaConf errors that escape the pipeline become a :class:`ConfigCompositionException` whose
    cause is the OmegaConf error (the runtime prints both).
    """
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
    hydra_overrides = [str(x) for x in master.config.hydra.overrides.hydra]
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
    from runlab.config.overrides import parse_overrides
    from runlab.config.repository import ConfigRepository
    from runlab.config.searchpath import check_main_source_available

    try:
        base_repository = repository or _repository(base_search_path, context)
        check_main_source_available(base_repository.entries)
        parsed = parse_overrides(list(overrides))
        cache = ConfigCache(base_repository, context.version_base, snapshots)
        repository, cache = _apply_search_path(config_name, parsed, base_repository, cache, context)
        if validate_sweep_overrides:
            _validate_sweeps(parsed, run_mode, from_shell)
        defaults = build_defaults(
            repository,
            config_name,
            parsed,
            run_mode=run_mode,
            version_base=context.version_base,
            loader=cache,
        )
        config, merged = _merge_defaults(defaults.defaults, cache, repository)
        OmegaConf.set_struct(config, True)
        if "hydra" in config:
            OmegaConf.set_readonly(config.hydra, False)
        from runlab.config._value_overrides import apply_value_overrides

        apply_value_overrides(config, defaults.config_overrides)
        if "hydra" in config:
            static_filled = not _touches_runtime(merged, defaults.config_overrides)
            _fill_hydra_node(
                config, parsed, defaults, repository, context, config_name, static_filled
            )
    except OmegaConfBaseException as error:
        raise ConfigCompositionException().with_traceback(error.__traceback__) from error
    assert isinstance(repository, ConfigRepository)
    session = _Session(
        base_search_path=base_search_path,
        config_name=config_name,
        context=context,
        repository=base_repository,
        snapshots={} if snapshots is None else snapshots,
    )
    return Composed(
        config=config,
        defaults=defaults,
        origins=_LazyOrigins(merged, defaults.config_overrides, config),
        search_path=repository.entries,
        session=session,
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


# -- merging --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Merged:
    """One merged config, remembered for origins."""

    config_path: str
    package: str
    content: DictConfig | ListConfig


_HYDRA_PREFIX: dict[tuple[Any, ...], tuple[bytes, tuple[_Merged, ...]]] = {}
"""Merged ``hydra`` node for a given set of runlab-owned hydra configs: the same in every compose.

Kept pickled: unpickling an OmegaConf tree is several times faster than ``copy.deepcopy`` (which
re-validates every value), and every composition needs its own copy."""


def _hydra_prefix(defaults: Sequence[ResultDefault], cache: ConfigCache) -> tuple[int, Any]:
    """How many leading entries make up the ``hydra/config`` subtree, and a cache key for their
    merge when every one of them is runlab's own (shared) config."""
    for index, item in enumerate(defaults):
        if item.config_path == "hydra/config":
            key: list[Any] = [cache.version_base, cache.repository.entries]
            for entry in defaults[: index + 1]:
                loaded = cache.load(entry.config_path or "")
                if loaded is None or not loaded.shared:
                    return index + 1, None
                key.append((entry.config_path, entry.package, id(loaded)))
            return index + 1, tuple(key)
    return 0, None


class _BatchFailed(Exception):
    """A merge of several configs at once failed; merging them one by one finds the culprit."""


def _merge_defaults(
    defaults: Sequence[ResultDefault], cache: ConfigCache, repository: ConfigRepository
) -> tuple[DictConfig, list[_Merged]]:
    """Merge the final defaults list in order.

    OmegaConf re-parents the whole target after every ``merge_with``, so merging configs one at a
    time costs O(configs x size).  The user configs are merged in one ``merge_with`` call into
    their own root, and that root into the (cached, typed) ``hydra`` part once.  For compositions
    that succeed this is the same result; when a batch fails, the configs are merged again one by
    one from fresh copies so the error names the config at fault, as Hydra's does.
    """
    try:
        return _merge_batched(defaults, cache, repository)
    except _BatchFailed:
        config = OmegaConf.create()
        fresh = ConfigCache(repository, cache.version_base)
        merged: list[_Merged] = []
        typed = _merge_into(config, defaults, fresh, repository, merged, batch=False)
        _strip_typed_defaults(config, typed)
        return config, merged


def _merge_batched(
    defaults: Sequence[ResultDefault], cache: ConfigCache, repository: ConfigRepository
) -> tuple[DictConfig, list[_Merged]]:
    prefix_length, prefix_key = _hydra_prefix(defaults, cache)
    cached = _HYDRA_PREFIX.get(prefix_key) if prefix_key is not None else None
    if cached is not None:
        hydra_part = pickle.loads(cached[0])
        merged = list(cached[1])
    else:
        hydra_part = OmegaConf.create()
        merged = []
        _merge_into(hydra_part, defaults[:prefix_length], cache, repository, merged, batch=False)
        if "hydra" in hydra_part:
            _fill_static_runtime(hydra_part.hydra, repository, cache.version_base)
        if prefix_key is not None:
            snapshot = pickle.dumps(hydra_part, protocol=pickle.HIGHEST_PROTOCOL)
            _HYDRA_PREFIX[prefix_key] = (snapshot, tuple(merged))
    user_part = OmegaConf.create()
    typed = _merge_into(user_part, defaults[prefix_length:], cache, repository, merged, batch=True)
    if prefix_length == 0:
        config = user_part
    else:
        config = hydra_part
        try:
            _merge_stealing(config, [user_part])
        except OmegaConfBaseException:
            raise _BatchFailed from None
    _strip_typed_defaults(config, typed)
    return config, merged


def _strip_typed_defaults(config: DictConfig, packages: Sequence[str]) -> None:
    """Structured configs keep their ``defaults`` field through the merge; drop it afterwards."""
    for package in packages:
        node = OmegaConf.select(config, package) if package else config
        if isinstance(node, DictConfig) and "defaults" in node:
            with flag_override(node, ["readonly", "struct"], False):
                node.pop("defaults", None)


def _merge_stealing(target: DictConfig, sources: Sequence[DictConfig | ListConfig]) -> None:
    """Merge without copying the sources' nodes (they move into ``target``)."""
    target._set_flag("no_deepcopy_set_nodes", True)
    try:
        target.merge_with(*sources)
    finally:
        target._set_flag("no_deepcopy_set_nodes", None)


def _mergeable(base: DictConfig | ListConfig, content: DictConfig | ListConfig) -> bool:
    return isinstance(base, DictConfig) and isinstance(content, DictConfig)


def _at_package(content: DictConfig | ListConfig, package: str) -> DictConfig | ListConfig:
    """``content`` placed at the dotted ``package`` of a new root (its nodes are moved, not copied)."""
    if not package:
        return content
    wrapper = OmegaConf.create(flags={"no_deepcopy_set_nodes": True})
    OmegaConf.update(wrapper, package, content, merge=False)
    wrapper._set_flag("no_deepcopy_set_nodes", None)
    return wrapper


def _merge_into(
    target: DictConfig,
    defaults: Sequence[ResultDefault],
    cache: ConfigCache,
    repository: ConfigRepository,
    merged: list[_Merged],
    *,
    batch: bool,
) -> list[str]:
    """Merge ``defaults`` into ``target``; returns the packages of typed configs.

    With ``batch`` all configs go in with one ``merge_with`` (one re-parenting pass) and a failure
    raises :class:`_BatchFailed`; otherwise one by one, wrapping a failure with the config's path.
    """
    typed_packages: list[str] = []
    pending: list[tuple[str, list[DictConfig | ListConfig]]] = []
    uses = Counter(item.config_path for item in defaults)
    for item in defaults:
        config_path = item.config_path
        assert config_path is not None
        loaded = cache.load(config_path)
        assert loaded is not None, config_path
        content = _with_schema(loaded, item, repository)
        package = item.package or ""
        if not item.primary and config_path != "hydra/config" and _sets_searchpath(content, package):
            raise ConfigCompositionException(
                f"In '{config_path}': Overriding hydra.searchpath is only supported from the "
                "primary config"
            )
        # A config loaded for this composition alone hands its nodes over instead of being copied
        # (Hydra does the same); shared ones, and every use of a repeated one, are copied first.
        if loaded.shared or uses[config_path] > 1:
            content = copy.deepcopy(content)
        if batch:
            if pending and pending[-1][0] == package and _mergeable(pending[-1][1][0], content):
                pending[-1][1].append(content)
            else:
                pending.append((package, [content]))
        else:
            try:
                _merge_stealing(target, [_at_package(content, package)])
            except OmegaConfBaseException as error:
                raise ConfigCompositionException(
                    f"In '{config_path}': {type(error).__name__} raised while composing config:\n"
                    f"{error}"
                ).with_traceback(error.__traceback__) from None
        if loaded.typed_defaults:
            typed_packages.append(package)
        merged.append(_Merged(config_path=config_path, package=package, content=loaded.content))
    if pending:
        try:
            # Consecutive configs with the same package are merged together first: one wrapper
            # and one merge at the root instead of one per config.
            sources = []
            for package, contents in pending:
                base = contents[0]
                if len(contents) > 1:
                    assert isinstance(base, DictConfig)  # see _mergeable
                    _merge_stealing(base, contents[1:])
                sources.append(_at_package(base, package))
            _merge_stealing(target, sources)
        except OmegaConfBaseException:
            raise _BatchFailed from None
    return typed_packages


def _sets_searchpath(content: DictConfig | ListConfig, package: str) -> bool:
    if not isinstance(content, DictConfig):
        return False
    if package == "":
        return OmegaConf.select(content, "hydra.searchpath") is not None
    if package == "hydra":
        return OmegaConf.select(content, "searchpath") is not None
    return False


def _with_schema(
    loaded: LoadedConfig, item: ResultDefault, repository: ConfigRepository
) -> DictConfig | ListConfig:
    """Hydra 1.1's automatic schema matching (deprecated, still active): a stored node of the same
    path validates a file config by being merged under it."""
    content = loaded.content
    if loaded.is_schema_source or loaded.provider == "schema":
        return content
    config_path = loaded.config_path
    try:
        schema_source = repository.get_schema_source()
    except ValueError:
        return content
    if not schema_source.is_config(config_path):
        return content
    schema = schema_source.load_config(config_path).config
    url = "https://hydra.cc/docs/1.2/upgrades/1.0_to_1.1/automatic_schema_matching"
    if isinstance(schema, DictConfig) and "defaults" in schema:
        raise ConfigCompositionException(
            f"'{config_path}' is validated against ConfigStore schema with the same name.\n"
            "This behavior is deprecated in Hydra 1.1 and will be removed in Hydra 1.2.\n"
            "In addition, the automatically matched schema contains a defaults list.\n"
            "This combination is no longer supported.\n"
            f"See {url} for migration instructions."
        )
    deprecation_warning(
        f"\n'{config_path}' is validated against ConfigStore schema with the same name.\n"
        "This behavior is deprecated in Hydra 1.1 and will be removed in Hydra 1.2.\n"
        f"See {url} for migration instructions.",
        stacklevel=6,
    )
    try:
        body = content
        hydra_node = None
        if (
            item.primary
            and isinstance(body, DictConfig)
            and "hydra" in body
            and not config_path.startswith("hydra/")
        ):
            body = body.copy()
            hydra_node = body.pop("hydra")
        result = OmegaConf.merge(schema, body)
        if hydra_node is not None:
            with open_dict(result):
                result.hydra = hydra_node
    except OmegaConfBaseException as error:
        raise ConfigCompositionException(
            f"Error merging '{config_path}' with schema"
        ) from error
    assert isinstance(result, (DictConfig, ListConfig))
    return result


# -- the hydra node -------------------------------------------------------------------------------
def override_dirname(
    overrides: Sequence[Override], *, kv_sep: str, item_sep: str, exclude_keys: Sequence[str]
) -> str:
    """``hydra.job.override_dirname``: sorted override texts joined, every ``=`` made ``kv_sep``."""
    lines = sorted(
        o.input_line or "" for o in overrides if o.key_or_group not in set(exclude_keys)
    )
    return item_sep.join(lines).replace("=", kv_sep)


def _fill_static_runtime(hydra: DictConfig, repository: ConfigRepository, version_base: str) -> None:
    """``hydra.runtime`` facts that depend only on the search path and version base (cached)."""
    from runlab.config.searchpath import config_source_infos
    from runlab.config.settings import ConfigSourceInfo
    from runlab.version import __version__

    hydra.runtime.version = __version__
    hydra.runtime.version_base = version_base
    hydra.runtime.config_sources = [
        info if isinstance(info, ConfigSourceInfo) else ConfigSourceInfo(**info)
        for info in config_source_infos(repository.entries)
    ]


def _touches_runtime(merged: Sequence[_Merged], overrides: Sequence[Override]) -> bool:
    """Did a user config or override write ``hydra.runtime``?  (Then Hydra's values are re-set.)"""
    for override in overrides:
        key = override.key_or_group
        if key in ("hydra", "hydra.runtime") or key.startswith("hydra.runtime."):
            return True
    for item in merged:
        if item.config_path.startswith("hydra/") or not isinstance(item.content, DictConfig):
            continue
        if item.package == "hydra.runtime" or item.package.startswith("hydra.runtime."):
            return True
        inside = {"": "hydra.runtime", "hydra": "runtime"}.get(item.package)
        if inside is not None and OmegaConf.select(item.content, inside, default=None) is not None:
            return True
    return False


def _fill_hydra_node(
    config: DictConfig,
    parsed: Sequence[Override],
    defaults: DefaultsResult,
    repository: ConfigRepository,
    context: ComposeContext,
    config_name: str | None,
    static_filled: bool,
) -> None:
    hydra = config.hydra
    task_overrides: list[Override] = []
    hydra_lines: list[str] = []
    task_lines: list[str] = []
    for override in parsed:
        if override.is_hydra_override():
            hydra_lines.append(override.input_line or "")
        else:
            task_lines.append(override.input_line or "")
            task_overrides.append(override)
    hydra.overrides.hydra.extend(hydra_lines)
    hydra.overrides.task.extend(task_lines)
    with open_dict(hydra):
        hydra.runtime.choices.update(defaults.choices)
        for key in hydra.job.env_copy:
            hydra.job.env_set[key] = os.environ[key]
    if not static_filled:
        _fill_static_runtime(hydra, repository, context.version_base)
    hydra.runtime.cwd = context.cwd or os.getcwd()
    if "name" not in hydra.job:
        hydra.job.name = context.job_name
    settings = hydra.job.config.override_dirname
    hydra.job.override_dirname = override_dirname(
        task_overrides,
        kv_sep=settings.kv_sep,
        item_sep=settings.item_sep,
        exclude_keys=list(settings.exclude_keys),
    )
    hydra.job.config_name = config_name


# -- origins --------------------------------------------------------------------------------------
class _LazyOrigins(Mapping[str, str]):
    """Dotted leaf key -> the config path (or ``override <text>``) that last set it.

    Computed on first access by replaying the merge order over the loaded contents, so a composition
    that never asks pays nothing.
    """

    def __init__(
        self, merged: list[_Merged], overrides: Sequence[Override], config: DictConfig
    ) -> None:
        self._merged = merged
        self._overrides = tuple(overrides)
        self._config = config
        self._table: dict[str, str] | None = None

    def _compute(self) -> dict[str, str]:
        if self._table is None:
            table: dict[str, str] = {}
            for item in self._merged:
                for key in _leaf_keys(item.content, item.package):
                    table[key] = item.config_path
            for override in self._overrides:
                if override.is_delete():
                    continue
                key = override.key_or_group
                source = f"override {override.input_line}"
                value = override.value()
                table[key] = source
                if isinstance(value, dict):
                    for leaf in _leaf_keys(OmegaConf.create(value), key):
                        table[leaf] = source
            self._table = {
                key: table[key] for key in _leaf_keys(self._config, "") if key in table
            }
        return self._table

    def __getitem__(self, key: str) -> str:
        return self._compute()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._compute())

    def __len__(self) -> int:
        return len(self._compute())

    def __repr__(self) -> str:
        return f"Origins({self._compute()!r})"


def _leaf_keys(node: Any, prefix: str) -> Iterator[str]:
    if isinstance(node, DictConfig) and not node._is_missing() and not node._is_none():
        keys = list(node.keys())
        if not keys and prefix:
            yield prefix
        for key in keys:
            if key == "defaults" and not prefix:
                continue
            child = node._get_node(key)
            name = str(key)
            yield from _leaf_keys(child, f"{prefix}.{name}" if prefix else name)
    elif prefix:
        yield prefix
