"""Merging the final defaults list into one config (spec §8.2 step 6).

Two OmegaConf costs shape this module: ``merge_with`` re-parents its whole target after every call,
and deep-copying a typed tree re-validates every value.  So the ``hydra`` part (runlab's own configs)
is merged once per process and kept pickled, the user's configs are merged in one call into their
own root (consecutive configs of one package first merged together), and freshly loaded configs
hand their nodes over instead of being copied.  When a batched merge fails, everything is merged
again one config at a time so the error names the config at fault, exactly as Hydra reports it.
"""

from __future__ import annotations

import copy
import pickle
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, ListConfig, OmegaConf, flag_override, open_dict
from omegaconf.errors import OmegaConfBaseException

from runlab._values import frozen
from runlab.config import _builtin_cache
from runlab.config._hydra_node import fill_static_runtime
from runlab.config._loaded import ConfigCache, LoadedConfig
from runlab.config.defaults import ResultDefault
from runlab.config.versions import deprecation_warning
from runlab.errors import ConfigCompositionException

if TYPE_CHECKING:
    from runlab.config.repository import ConfigRepository

__all__ = ["Merged", "merge_defaults"]


@frozen
class Merged:
    """One merged config, remembered for origins."""

    config_path: str
    package: str
    content: DictConfig | ListConfig


_PrefixEntry = tuple[bytes, tuple[Merged, ...], tuple[str, ...]]
"""A merged ``hydra`` node in :data:`runlab.config._builtin_cache.PREFIXES`: kept pickled, because
unpickling an OmegaConf tree is several times faster than ``copy.deepcopy`` (which re-validates every
value), and every composition needs its own copy.  Then what origins need, and the typed packages."""


def _hydra_prefix(defaults: Sequence[ResultDefault], cache: ConfigCache) -> tuple[int, Any]:
    """How many leading entries make up the ``hydra/config`` subtree, and a cache key for their
    merge when every one of them is runlab's own (shared) config."""
    for index, item in enumerate(defaults):
        if item.config_path == "hydra/config":
            parts: list[Any] = []
            for entry in defaults[: index + 1]:
                loaded = cache.load(entry.config_path or "")
                if loaded is None or loaded.stable_key is None:
                    return index + 1, None
                parts.append((entry.config_path, entry.package, loaded.stable_key))
            scope = (
                "persistent"
                if all(_builtin_cache.persistable(part[2]) for part in parts)
                else "process"
            )
            return index + 1, (scope, cache.version_base, cache.repository.entries, tuple(parts))
    return 0, None


class _BatchFailed(Exception):
    """A merge of several configs at once failed; merging them one by one finds the culprit."""


def merge_defaults(
    defaults: Sequence[ResultDefault], cache: ConfigCache, repository: ConfigRepository
) -> tuple[DictConfig, list[Merged]]:
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
        merged: list[Merged] = []
        typed = _merge_into(config, defaults, fresh, repository, merged, batch=False)
        _strip_typed_defaults(config, typed)
        return config, merged


def _merge_batched(
    defaults: Sequence[ResultDefault], cache: ConfigCache, repository: ConfigRepository
) -> tuple[DictConfig, list[Merged]]:
    prefix_length, prefix_key = _hydra_prefix(defaults, cache)
    cached: _PrefixEntry | None = None
    if prefix_key is not None:
        _builtin_cache.ensure_restored()
        cached = _builtin_cache.PREFIXES.get(prefix_key)
    if cached is not None:
        hydra_part = pickle.loads(cached[0])
        merged = list(cached[1])
        prefix_typed = list(cached[2])
    else:
        hydra_part = OmegaConf.create()
        merged = []
        prefix_typed = _merge_into(
            hydra_part, defaults[:prefix_length], cache, repository, merged, batch=False
        )
        _strip_typed_defaults(hydra_part, prefix_typed)
        if "hydra" in hydra_part:
            fill_static_runtime(hydra_part.hydra, repository, cache.version_base)
        if prefix_key is not None:
            snapshot = pickle.dumps(hydra_part, protocol=pickle.HIGHEST_PROTOCOL)
            _builtin_cache.PREFIXES[prefix_key] = (snapshot, tuple(merged), tuple(prefix_typed))
            if prefix_key[0] == "persistent":
                _builtin_cache.save()
    alone = _single_plain_config(defaults[prefix_length:], cache, repository)
    if alone is not None:
        # One untyped config at the root (a one-file app): merging it into an empty root would
        # only rebuild the same nodes.
        user_part = alone
        typed: list[str] = []
        item = defaults[prefix_length]
        merged.append(Merged(config_path=item.config_path or "", package="", content=alone))
    else:
        user_part = OmegaConf.create()
        typed = _merge_into(
            user_part, defaults[prefix_length:], cache, repository, merged, batch=True
        )
    # A schema used as a merge prototype can bring its ``defaults`` field back: strip at the end too.
    typed = [*prefix_typed, *typed]
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


def _single_plain_config(
    defaults: Sequence[ResultDefault], cache: ConfigCache, repository: ConfigRepository
) -> DictConfig | None:
    """The content of the only config of ``defaults`` when merging it would change nothing."""
    if len(defaults) != 1 or defaults[0].package or defaults[0].config_path is None:
        return None
    loaded = cache.load(defaults[0].config_path)
    if loaded is None or loaded.shared or loaded.typed_defaults:
        return None
    content = loaded.content
    if not isinstance(content, DictConfig) or OmegaConf.get_type(content) is not dict:
        return None
    if content._get_flag("struct") or content._get_flag("readonly"):
        return None
    if _schema_applies(loaded, repository):
        return None
    if not defaults[0].primary and _sets_searchpath(content, ""):
        return None  # the general path reports it
    return content


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
    merged: list[Merged],
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
        merged.append(Merged(config_path=config_path, package=package, content=loaded.content))
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


def _schema_applies(loaded: LoadedConfig, repository: ConfigRepository) -> bool:
    """Is a stored node of the same path there to validate this file config (see below)?"""
    if loaded.is_schema_source or loaded.provider == "schema":
        return False
    try:
        schema_source = repository.get_schema_source()
    except ValueError:
        return False
    return schema_source.is_config(loaded.config_path)


def _with_schema(
    loaded: LoadedConfig, item: ResultDefault, repository: ConfigRepository
) -> DictConfig | ListConfig:
    """Hydra 1.1's automatic schema matching (deprecated, still active): a stored node of the same
    path validates a file config by being merged under it."""
    content = loaded.content
    if not _schema_applies(loaded, repository):
        return content
    config_path = loaded.config_path
    schema = repository.get_schema_source().load_config(config_path).config
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
