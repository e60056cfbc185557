"""``instantiate``/``call``: build the objects a config describes, with Hydra 1.3.8's semantics.

A config node with a ``_target_`` is a call waiting to happen: the target is a dotted path (or a
callable), the other keys are keyword arguments, ``_args_`` the positional ones.  Reserved keys steer
the walk:

* ``_recursive_`` (default true): instantiate nested targets before passing them on;
* ``_convert_`` (``none``/``partial``/``object``/``all``): how config containers reach the target;
* ``_partial_`` (default false): return a partial instead of calling.

The 1.3 semantics kept on purpose (Hydra 1.4 changes them, apps written for 1.3 rely on them): the
config is deep-copied and **eagerly resolved** before anything is called, and call-site keyword arguments
are **merged** into it (a dict kwarg for a nested node updates that node instead of replacing it).

Every target goes through the target policy (``runlab.config.targets``) before it is imported and
again once resolved, its arguments and its result; see that module for why.
"""

from __future__ import annotations

import copy
import functools
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf, SCMode
from omegaconf._utils import is_structured_config

from runlab.config import targets as policy
from runlab.config.locate import locate
from runlab.errors import HydraDeprecationError, InstantiationException
from runlab.types import ConvertMode

__all__ = ["call", "instantiate"]

TARGET = "_target_"
CONVERT = "_convert_"
RECURSIVE = "_recursive_"
ARGS = "_args_"
PARTIAL = "_partial_"
_NEVER_PASSED = frozenset({TARGET, CONVERT, RECURSIVE, PARTIAL})
"""Reserved keys that steer the walk; ``_args_`` is collected with the keywords, then split off."""

_PARTIAL_TARGET_DEPRECATION = (
    "Using '_target_: functools.partial' is deprecated. Set '_target_' to\n"
    "the effective callable and use '_partial_: true' instead. Direct\n"
    "functools.partial targets will become an error in Hydra 1.5."
)


def instantiate(config: Any, *args: Any, **kwargs: Any) -> Any:
    """Build what ``config`` describes; ``args``/``kwargs`` override the config's ``_args_``/keys.

    ``config`` may be ``None``, a ``DictConfig``/``ListConfig``, a plain dict/list, or a structured
    config class or instance.  The input is never modified.
    """
    if config is None:
        return None
    _refuse_unset_target_conf(config)
    if isinstance(config, (dict, list)):
        config = _stringify_targets(config)
    kwargs = _stringify_targets(kwargs)
    if is_structured_config(config) or isinstance(config, (dict, list)):
        config = OmegaConf.structured(config, flags={"allow_objects": True})

    if OmegaConf.is_dict(config):
        prepared = _detached_copy(config)
        if kwargs:
            prepared = OmegaConf.merge(prepared, kwargs)
        OmegaConf.resolve(prepared)
        recursive = prepared.pop(RECURSIVE, True)
        convert = prepared.pop(CONVERT, ConvertMode.NONE)
        partial = prepared.pop(PARTIAL, False)
        return _instantiate_node(
            prepared, *args, recursive=recursive, convert=convert, partial=partial
        )
    if OmegaConf.is_list(config):
        prepared = _detached_copy(config)
        OmegaConf.resolve(prepared)
        recursive = kwargs.pop(RECURSIVE, True)
        convert = kwargs.pop(CONVERT, ConvertMode.NONE)
        partial = kwargs.pop(PARTIAL, False)
        if partial:
            raise InstantiationException(
                "The _partial_ keyword is not compatible with top-level list instantiation"
            )
        return _instantiate_node(
            prepared, *args, recursive=recursive, convert=convert, partial=partial
        )
    raise InstantiationException(
        f"Cannot instantiate config of type {type(config).__name__}.\n"
        "Top level config must be an OmegaConf DictConfig/ListConfig object,\n"
        "a plain dict/list, or a Structured Config class or instance."
    )


call = instantiate
"""Hydra's alias: calling a function and constructing an object are the same operation."""


# ---------------------------------------------------------------------------------------------------
# preparation


def _refuse_unset_target_conf(config: Any) -> None:
    """Legacy ``TargetConf`` subclasses that forgot to annotate ``_target_`` get a precise hint."""
    import runlab.types

    target_conf = getattr(runlab.types, "TargetConf", None)
    if target_conf is not None and isinstance(config, target_conf) and config._target_ == "???":
        raise InstantiationException(
            "Config has missing value for key `_target_`, cannot instantiate.\n"
            f"Config type: {type(config).__name__}\n"
            "Check that the `_target_` key in your dataclass is properly annotated and overridden.\n"
            "A common problem is forgetting to annotate _target_ as a string : '_target_: str = ...'"
        )


def _stringify_targets(value: Any) -> Any:
    """Copy plain dicts/lists, spelling callable ``_target_`` values as dotted paths.

    Configs can hold only data; a class object given as ``_target_`` in a plain dict becomes the
    path it is importable under, which is also the name the target policy and error messages use.
    """
    if isinstance(value, dict):
        return {
            key: policy.target_name(item)
            if key == TARGET and callable(item)
            else _stringify_targets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_stringify_targets(item) for item in value]
    return value


def _detached_copy(config: Any) -> Any:
    """A mutable copy that still resolves interpolations against the original's parent."""
    prepared = copy.deepcopy(config)
    prepared._set_flag(flags=["allow_objects", "struct", "readonly"], values=[True, False, False])
    prepared._set_parent(config._get_parent())
    return prepared


# ---------------------------------------------------------------------------------------------------
# the walk


def _check_flag(name: str, value: Any, full_key: str) -> None:
    if not isinstance(value, bool):
        message = f"Instantiation: {name} flag must be a bool, got {type(value)}"
        if full_key:
            message += f"\nfull_key: {full_key}"
        raise TypeError(message)


def _instantiate_node(
    node: Any,
    *args: Any,
    convert: Any = ConvertMode.NONE,
    recursive: bool = True,
    partial: bool = False,
) -> Any:
    """Instantiate one node; flags come from the parent unless the node sets its own."""
    if node is None or (OmegaConf.is_config(node) and node._is_none()):
        return None
    if not OmegaConf.is_config(node):
        return node
    if OmegaConf.is_dict(node):
        # membership first: DictConfig.get on an absent key builds a "did you mean" hint (slow)
        convert = node[CONVERT] if CONVERT in node else convert  # noqa: SIM401
        recursive = node[RECURSIVE] if RECURSIVE in node else recursive  # noqa: SIM401
        partial = node[PARTIAL] if PARTIAL in node else partial  # noqa: SIM401
    full_key = node._get_full_key(None)
    _check_flag(RECURSIVE, recursive, full_key)
    _check_flag(PARTIAL, partial, full_key)

    if OmegaConf.is_list(node):
        items = [
            _instantiate_node(item, convert=convert, recursive=recursive)
            for item in node._iter_ex(resolve=True)
        ]
        if convert in (ConvertMode.ALL, ConvertMode.PARTIAL, ConvertMode.OBJECT):
            return items
        result = OmegaConf.create(items, flags={"allow_objects": True})
        result._set_parent(node)
        return result
    if TARGET in node:
        return _call_node(node, args, convert=convert, recursive=recursive, partial=partial)
    return _rebuild_plain_node(node, convert=convert, recursive=recursive)


def _rebuild_plain_node(node: DictConfig, *, convert: Any, recursive: bool) -> Any:
    """A mapping without ``_target_``: instantiate its values, keep (or convert) the container."""
    object_type = node._metadata.object_type
    if convert == ConvertMode.ALL or (
        convert in (ConvertMode.PARTIAL, ConvertMode.OBJECT) and object_type in (None, dict)
    ):
        return {
            key: _instantiate_node(value, convert=convert, recursive=recursive)
            for key, value in node.items()
        }
    rebuilt = OmegaConf.create({}, flags={"allow_objects": True})
    for key, value in node.items():
        rebuilt[key] = _instantiate_node(value, convert=convert, recursive=recursive)
    rebuilt._set_parent(node)
    rebuilt._metadata.object_type = object_type
    if convert == ConvertMode.OBJECT:
        return OmegaConf.to_object(rebuilt)
    return rebuilt


def _call_node(
    node: DictConfig, args: tuple[Any, ...], *, convert: Any, recursive: bool, partial: bool
) -> Any:
    full_key = node._get_full_key(None)
    raw_target = node.get(TARGET)
    target = _resolve_target(raw_target, full_key)
    kwargs: dict[Any, Any] = {}
    for key in node:
        if key in _NEVER_PASSED:
            continue
        if partial and OmegaConf.is_missing(node, key):
            continue  # left for the caller of the partial to supply
        value = node[key]
        if recursive:
            value = _instantiate_node(value, convert=convert, recursive=recursive)
        kwargs[key] = _convert_value(value, convert)
    return _invoke(target, partial, args, kwargs, full_key)


def _resolve_target(raw: Any, full_key: str) -> Any:
    """Turn ``_target_`` into a callable, applying the policy by name and then by identity."""
    if isinstance(raw, str):
        policy.check_name(raw, full_key=full_key)
        try:
            target = locate(raw)
        except Exception as error:
            message = (
                f"Error locating target '{raw}', set env var HYDRA_FULL_ERROR=1 to see chained "
                "exception."
            )
            if full_key:
                message += f"\nfull_key: {full_key}"
            raise InstantiationException(message) from error
        requested = raw
    else:
        target, requested = raw, policy.target_name(raw)
    if not callable(target):
        message = f"Expected a callable target, got '{target}' of type '{type(target).__name__}'"
        if full_key:
            message += f"\nfull_key: {full_key}"
        raise InstantiationException(message)
    policy.check_object(target, requested=requested, full_key=full_key)
    if target is functools.partial:
        _deprecated(_PARTIAL_TARGET_DEPRECATION)
    return target


def _convert_value(value: Any, convert: Any) -> Any:
    """Hand a config container to the target in the form ``_convert_`` asks for."""
    if not OmegaConf.is_config(value):
        return value
    if convert == ConvertMode.ALL:
        return OmegaConf.to_container(value, resolve=True)
    if convert == ConvertMode.PARTIAL:
        return OmegaConf.to_container(
            value, resolve=True, structured_config_mode=SCMode.DICT_CONFIG
        )
    if convert == ConvertMode.OBJECT:
        return OmegaConf.to_container(
            value, resolve=True, structured_config_mode=SCMode.INSTANTIATE
        )
    return value


def _invoke(
    target: Any,
    partial: bool,
    call_args: tuple[Any, ...],
    kwargs: dict[str, Any],
    full_key: str,
) -> Any:
    """Call the target (or bind a partial), reporting failures with the target's name and key."""
    name = policy.target_name(target)
    try:
        args = _positional_args(call_args, kwargs)
        for value in (*args, *kwargs.values()):
            if OmegaConf.is_config(value):
                value._set_parent(None)  # the target gets a standalone config, not a subtree
    except Exception as error:
        message = f"Error in collecting args and kwargs for '{name}':\n{error!r}"
        if full_key:
            message += f"\nfull_key: {full_key}"
        raise InstantiationException(message) from error
    policy.check_call(target, tuple(args), kwargs, full_key=full_key, partial=partial)
    # results are reported against the callable that produced them (or the path a lookup was for)
    requested = policy.discovered_path(target, tuple(args), kwargs) or name
    if partial:
        try:
            return policy.DeferredTarget(target, *args, **kwargs)
        except Exception as error:
            message = f"Error in creating partial({name}, ...) object:\n{error!r}"
            if full_key:
                message += f"\nfull_key: {full_key}"
            raise InstantiationException(message) from error
    try:
        result = target(*args, **kwargs)
    except Exception as error:
        message = f"Error in call to target '{name}':\n{error!r}"
        if full_key:
            message += f"\nfull_key: {full_key}"
        raise InstantiationException(message) from error
    return policy.check_result(result, requested=requested, full_key=full_key)


def _positional_args(call_args: tuple[Any, ...], kwargs: dict[str, Any]) -> Sequence[Any]:
    """``_args_`` from the config, replaced wholesale by positional arguments given at the call."""
    configured = kwargs.pop(ARGS, ())
    if not isinstance(configured, Sequence):
        raise InstantiationException(
            f"Unsupported _args_ type: '{type(configured).__name__}'. value: '{configured}'"
        )
    return call_args if call_args else configured


def _deprecated(message: str) -> None:
    """Hydra's deprecation channel: a warning, or an error when the environment asks for one."""
    if os.environ.get("HYDRA_DEPRECATION_WARNINGS_AS_ERRORS"):
        raise HydraDeprecationError(message)
    warnings.warn(message, stacklevel=_caller_stacklevel())


def _caller_stacklevel() -> int:
    """The stack level of the first frame outside runlab: warnings point at the user's call."""
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package_dir):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
