"""The target policy: which callables a *config* may name as ``_target_``.

Configs are data, and data travels: a YAML file from a colleague, a sweep override, a saved
``.hydra/config.yaml``.  ``instantiate`` turns that data into calls, so a config that says
``_target_: os.system`` would run a shell.  This module refuses such targets.  It is **defense in
depth, not a security boundary**: anything a config can reach a trusted Python function can reach too,
and a determined author of a malicious config has other ways in (a malicious package on the path, a
``__reduce__`` in a pickle the app loads).  It only makes the easy, accidental and copy-pasted cases fail
loudly.

The checks mirror Hydra 1.3.8's observed behaviour and messages:

* by *name*, before anything is imported: protected references, the "uncontrolled execution" tier and
  the destructive tier (``check_name``);
* by *identity*, on the object the name resolved to, so aliases (``posix.remove``, a module that
  re-exports ``os.system``) cannot dodge the names (``check_object``);
* on the *invocation*: three-argument ``type``, two-argument ``iter``, discovery helpers whose ``path``
  argument names a refused target, and calls that mutate ``os.environ`` (``check_call``);
* on the *result*: a target returning a refused callable, interpreter state, or a partial
  (``check_result``; partials come back as ``DeferredTarget``, which re-checks when finally called).

Only the destructive tier can be re-enabled, per name, with ``HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE`` (or
runlab's alias ``RUNLAB_INSTANTIATE_ALLOWLIST_OVERRIDE``): a ``:``-separated list of dotted names.
``get_class``/``get_method``/``get_object`` called from Python are never restricted.
"""

from __future__ import annotations

import functools
import logging.config
import os
import sys
import types
from collections.abc import Mapping
from typing import Any

from runlab.config import _target_tables as tables
from runlab.errors import InstantiationException

__all__ = [
    "ALLOWLIST_ENV_VARS",
    "DeferredTarget",
    "allowlisted_targets",
    "canonical_name",
    "check_call",
    "check_logging_config",
    "check_name",
    "check_object",
    "check_result",
    "check_target",
    "discovered_path",
    "target_name",
]

ALLOWLIST_ENV_VARS = (
    "HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE",
    "RUNLAB_INSTANTIATE_ALLOWLIST_OVERRIDE",
)
"""Both are read and their names combined; messages name Hydra's variable, which users search for."""

_OS_ALIASES = ("posix.", "nt.")


# ---------------------------------------------------------------------------------------------------
# naming


def target_name(target: Any) -> str:
    """``module.qualname`` of a callable, as error messages print it (``posix.remove``, ``io.open``)."""
    if isinstance(target, str):
        return target
    module = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", None)
    if qualname is None:
        kind = type(target)
        module, qualname = kind.__module__, kind.__qualname__
    if module is None:
        owner = getattr(target, "__objclass__", None) or type(getattr(target, "__self__", None))
        module = getattr(owner, "__module__", "builtins")
    return f"{module}.{qualname}"


def canonical_name(target: Any) -> str:
    """The policy's name for an object: a listed name when it *is* a listed object, else its path.

    Identity wins over ``__module__`` because C implementations report private homes
    (``_functools.reduce``, ``_pickle.loads``) under which nobody would list them.
    """
    listed = _identity_index().get(id(target))
    if listed is not None and listed[0] is target:
        return listed[1]
    return _canonical_path(target_name(target))


def _canonical_path(name: str) -> str:
    for alias in _OS_ALIASES:
        if name.startswith(alias):
            return "os." + name[len(alias) :]
    return name


_LISTED_NAMES: tuple[str, ...] = tuple(sorted({*tables.DESTRUCTIVE, *tables.UNCONTROLLED_EXACT}))
_CANDIDATE_MODULES: tuple[str, ...] = tuple(
    sorted(
        {
            name.rsplit(".", depth)[0]
            for name in _LISTED_NAMES
            for depth in range(1, name.count(".") + 1)
        }
    )
)
_index_cache: tuple[tuple[int, ...], dict[int, tuple[Any, str]]] | None = None


def _identity_index() -> dict[int, tuple[Any, str]]:
    """id -> (object, listed name) for every listed name whose module is already imported.

    Modules are never imported here (the policy must not load ``dill`` to refuse ``dill.loads``).  The
    index is rebuilt only when one of the modules it could draw from has been imported (or replaced)
    since the last check, so a check costs a few dictionary lookups.
    """
    global _index_cache
    loaded = sys.modules
    signature = tuple(id(loaded.get(name)) for name in _CANDIDATE_MODULES)
    if _index_cache is not None and _index_cache[0] == signature:
        return _index_cache[1]
    index: dict[int, tuple[Any, str]] = {}
    for name in _LISTED_NAMES:
        found, obj = _loaded_object(name)
        if not found:
            continue
        known = index.get(id(obj))
        # One object, several listed names (pickle.loads is _pickle.loads, and cloudpickle.loads once
        # cloudpickle is imported): the public standard-library name, whatever else is loaded.
        if known is None or _name_rank(name) < _name_rank(known[1]):
            index[id(obj)] = (obj, name)
    _index_cache = (signature, index)
    return index


def _name_rank(name: str) -> tuple[bool, bool, str]:
    """Order of preference among listed names of one object: public, standard library, then A-Z."""
    top = name.split(".", 1)[0]
    return (name.startswith("_"), top not in sys.stdlib_module_names, name)


def _loaded_object(name: str) -> tuple[bool, Any]:
    """The object ``name`` denotes, found from its longest already-imported module prefix."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj: Any = module
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except AttributeError:
            return False, None
        return True, obj
    return False, None


# ---------------------------------------------------------------------------------------------------
# tiers


def allowlisted_targets() -> frozenset[str]:
    """Destructive targets re-enabled through the environment (read on every check, never cached)."""
    names: set[str] = set()
    for variable in ALLOWLIST_ENV_VARS:
        for entry in os.environ.get(variable, "").split(":"):
            if entry.strip():
                names.add(_canonical_path(entry.strip()))
    return frozenset(names)


def _is_uncontrolled(name: str, *, resolved: bool) -> bool:
    if name in tables.UNCONTROLLED_EXACT:
        return True
    last = name.rpartition(".")[2]
    if last in tables.UNCONTROLLED_METHOD_NAMES:
        return True
    if resolved and last in tables.EXECUTOR_METHODS and name.startswith(tables.EXECUTOR_MODULES):
        return True
    if not name.startswith(tables.UNCONTROLLED_PREFIXES):
        return False
    return not any(
        name.startswith(exception[:-1]) if exception.endswith("*") else name == exception
        for exception in tables.UNCONTROLLED_EXCEPTIONS
    )


def _is_protected_reference(name: str) -> bool:
    for prefix in tables.PROTECTED_PREFIXES:
        if name == prefix or name.startswith(prefix if prefix.endswith("_") else prefix + "."):
            return True
    return any(part in tables.PROTECTED_SEGMENTS for part in name.split("."))


def _with_key(message: str, full_key: str) -> str:
    return f"{message}\nfull_key: {full_key}" if full_key else message


def _refuse_tiers(name: str, requested: str, full_key: str, *, resolved: bool) -> None:
    note = f" (resolved from '{requested}')" if requested and requested != name else ""
    if _is_uncontrolled(name, resolved=resolved):
        raise InstantiationException(
            _with_key(
                f"Target '{name}'{note} is blocklisted because it allows\n"
                "config data to control executable behavior or belongs to an\n"
                "execution-capable target family. It cannot be authorized with\n"
                "HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE.",
                full_key,
            )
        )
    if name in tables.DESTRUCTIVE and name not in allowlisted_targets():
        raise InstantiationException(
            _with_key(
                f"Target '{name}'{note} is blocklisted and cannot be instantiated from config\n"
                "to prevent security vulnerabilities, set env var\n"
                f"HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE={name}:<other allowlisted targets> to bypass",
                full_key,
            )
        )


def check_name(name: str, *, full_key: str = "") -> None:
    """Refuse a dotted ``_target_`` string by name alone, before it is imported."""
    if _is_protected_reference(name):
        raise InstantiationException(
            _with_key(
                f"Reference '{name}' cannot be selected by declarative\n"
                "configuration because it exposes implementation state. Access it\n"
                "from trusted Python code instead.",
                full_key,
            )
        )
    _refuse_tiers(_canonical_path(name), name, full_key, resolved=False)


# ---------------------------------------------------------------------------------------------------
# objects, invocations, results


def _is_interpreter_state(value: Any) -> bool:
    """Objects that expose the running program: frames, tracebacks, code, module namespaces."""
    if isinstance(value, (types.FrameType, types.TracebackType, types.CodeType)):
        return True
    if value is sys.modules:
        return True
    if type(value).__name__ == "FrameLocalsProxy":
        return True
    if isinstance(value, dict) and isinstance(value.get("__name__"), str):
        module = sys.modules.get(value["__name__"])
        return module is not None and getattr(module, "__dict__", None) is value
    return False


def _refuse_state(name: str, full_key: str) -> None:
    raise InstantiationException(
        _with_key(
            f"Target '{name}' cannot return Hydra implementation\n"
            "state, live Python frames or tracebacks, frame locals, code\n"
            "objects, or loaded module state to declarative configuration.\n"
            "Access it from trusted Python code instead.",
            full_key,
        )
    )


def _unwrap(target: Any) -> Any:
    """See through ``x.__call__`` wrappers and partials to the callable that will actually run."""
    for _ in range(32):
        if isinstance(target, functools.partial):
            target = target.func
        elif (
            type(target).__name__ == "method-wrapper"
            and getattr(target, "__name__", "") == "__call__"
        ):
            target = target.__self__
        else:
            return target
    return target


def _refuse_environ(function: Any, full_key: str) -> None:
    raise InstantiationException(
        _with_key(
            f"Target '{target_name(function)}' cannot modify the process environment from\n"
            "declarative configuration. Perform this mutation from trusted Python\n"
            "code instead.",
            full_key,
        )
    )


def check_object(target: Any, *, requested: str = "", full_key: str = "") -> None:
    """Refuse an already-resolved target by what it *is*, whatever name reached it."""
    if _is_interpreter_state(target):
        _refuse_state(requested or target_name(target), full_key)
    target = _unwrap(target)
    receiver = getattr(target, "__self__", None)
    if receiver is os.environ and getattr(target, "__name__", "") in tables.ENVIRON_MUTATORS:
        _refuse_environ(getattr(target, "__func__", target), full_key)
    name = canonical_name(target)
    if _is_protected_reference(name):
        _refuse_state(requested or name, full_key)
    _refuse_tiers(name, requested, full_key, resolved=True)


def check_target(target: Any, *, full_key: str = "") -> None:
    """The entry point for callers outside ``instantiate``: a dotted name or an object."""
    if isinstance(target, str):
        check_name(target, full_key=full_key)
    else:
        check_object(target, requested=target_name(target), full_key=full_key)


def check_call(
    target: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    *,
    full_key: str = "",
    partial: bool = False,
) -> None:
    """Refuse invocations whose *arguments* turn a harmless callable into a dangerous one.

    ``partial`` marks a partial being created: its arguments are not final yet (the partial checks
    again when it is called).
    """
    target = _unwrap(target)
    # a partial may still receive arguments: refuse at creation only what more arguments cannot fix
    malformed_type_call = len(args) > 1 or bool(kwargs) or (not partial and len(args) != 1)
    if target is type and malformed_type_call:
        raise InstantiationException(
            _with_key(
                "Target 'builtins.type' cannot be used for dynamic class construction\n"
                "from config. Only one-argument type(obj) introspection is allowed, and\n"
                "this restriction cannot be bypassed with HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE.",
                full_key,
            )
        )
    if target is iter and len(args) >= 2:
        raise InstantiationException(
            _with_key(
                "Target 'builtins.iter' cannot use its two-argument callback form from\n"
                "config because callback execution is deferred beyond instantiate's\n"
                "target authorization. Use one-argument iter(iterable), or perform the\n"
                "callback iteration in trusted Python code. This restriction cannot be\n"
                "bypassed with HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE.",
                full_key,
            )
        )
    name = getattr(target, "__name__", "")
    receiver = _receiver(target, args)
    if name in tables.ENVIRON_MUTATORS and receiver is os.environ:
        _refuse_environ(getattr(target, "__func__", target), full_key)
    mutates_attributes = name in ("__setattr__", "__delattr__") or (
        canonical_name(target) in tables.MODULE_MUTATORS
    )
    if mutates_attributes and _is_code(receiver):
        raise InstantiationException(
            _with_key(
                "Declarative configuration cannot modify Python functions, classes,\n"
                "modules, or Hydra implementation state. Perform this mutation from\n"
                "trusted Python code instead.",
                full_key,
            )
        )
    path = discovered_path(target, args, kwargs)
    if path is not None:
        check_name(path, full_key=full_key)


def _receiver(target: Any, args: tuple[Any, ...]) -> Any:
    """The object a call would act on: the bound ``self``, else the first positional argument.

    Module-level builtins (``setattr``) report their module as ``__self__``; that is not a receiver.
    """
    owner = getattr(target, "__self__", None)
    if owner is not None and (
        not isinstance(owner, types.ModuleType) or type(target).__name__ == "method-wrapper"
    ):
        return owner
    return args[0] if args else None


def _is_code(value: Any) -> bool:
    """Objects whose attributes *are* program behaviour: functions, classes, modules."""
    return isinstance(
        value,
        (
            type,
            types.ModuleType,
            types.FunctionType,
            types.BuiltinFunctionType,
            types.MethodType,
            functools.partial,
        ),
    )


def discovered_path(target: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
    """The dotted path a discovery helper (``get_class`` & co.) is asked for, if this is one.

    Such a call is really a reference to ``path``, so the policy checks it, and names it in messages
    about what the call returned.
    """
    if target_name(_unwrap(target)) not in tables.DISCOVERY_HELPERS:
        return None
    path = args[0] if args else kwargs.get("path")
    return path if isinstance(path, str) else None


def check_result(result: Any, *, requested: str, full_key: str = "") -> Any:
    """Refuse results a config must not receive; wrap returned partials so their call is checked."""
    if _is_interpreter_state(result):
        _refuse_state(requested, full_key)
    if isinstance(result, functools.partial):
        if type(result) not in (functools.partial, DeferredTarget):
            # a subclass can override __call__ and run anything; only plain partials are re-wrapped
            raise InstantiationException(
                _with_key(
                    "Callable targets cannot return partial subclasses because overrides\n"
                    "can hide their invocation behavior. Return an exact functools.partial\n"
                    "or use Hydra's '_partial_: true' support instead.",
                    full_key,
                )
            )
        check_object(result.func, requested=requested, full_key=full_key)
        if not isinstance(result, DeferredTarget):
            return DeferredTarget(result.func, *result.args, **result.keywords)
        return result
    if callable(result) and not isinstance(result, DeferredTarget):
        check_object(result, requested=requested, full_key=full_key)
    return result


class DeferredTarget(functools.partial):  # type: ignore[type-arg]
    """A ``functools.partial`` that applies the policy again when it is finally called.

    ``_partial_: true`` hands the app a callable built from config data; the arguments added at call
    time (and the allow-list at that moment) can change what the call does, so it is checked then too.
    """

    def __call__(self, /, *args: Any, **keywords: Any) -> Any:
        requested = target_name(self.func)
        check_object(self.func, requested=requested)
        check_call(self.func, (*self.args, *args), {**self.keywords, **keywords})
        return check_result(super().__call__(*args, **keywords), requested=requested)


# ---------------------------------------------------------------------------------------------------
# logging configuration


def check_logging_config(config: Mapping[str, Any], *, full_key: str = "hydra.logging") -> None:
    """Apply the policy to a ``logging.config.dictConfig`` dictionary before it is used.

    ``dictConfig`` imports and calls whatever its ``()`` factories, ``class`` entries and ``ext://``
    references name, and ``{``-style formats walk attributes of log records' arguments, so a job's
    logging config is as powerful as ``_target_``.  Failures are reported the way ``dictConfig``
    reports its own (``ValueError: Unable to configure handler 'h'``) with the policy error chained.
    """
    if logging.config.dictConfigClass is not logging.config.DictConfigurator:
        raise ValueError(
            "Hydra does not support a custom logging.config.dictConfigClass\n"
            "because it can bypass Hydra target authorization. Express custom\n"
            "handlers, formatters, filters, queues, and listeners in the\n"
            "logging configuration instead."
        )
    sections = (("formatters", "formatter"), ("filters", "filter"), ("handlers", "handler"))
    for section, label in sections:
        entries = config.get(section) or {}
        for name, entry in entries.items():
            try:
                _check_logging_entry(entry, full_key, is_formatter=section == "formatters")
            except InstantiationException as refused:
                raise ValueError(f"Unable to configure {label} {name!r}") from refused
    for section, label in (("loggers", "logger"), ("root", "root logger")):
        try:
            _check_logging_entry(config.get(section), full_key, is_formatter=False)
        except InstantiationException as refused:
            raise ValueError(f"Unable to configure {label}") from refused


def _check_logging_entry(entry: Any, full_key: str, *, is_formatter: bool) -> None:
    if isinstance(entry, str):
        if entry.startswith("ext://"):
            _check_logging_reference(entry[len("ext://") :], full_key)
        return
    if isinstance(entry, (list, tuple)):
        for item in entry:
            _check_logging_entry(item, full_key, is_formatter=False)
        return
    if not isinstance(entry, Mapping):
        return
    if is_formatter and entry.get("style") == "{":
        raise InstantiationException(
            "Logging format style '{' cannot be selected by declarative configuration because its "
            "fields can traverse Python objects. Use '%' or '$' style, or configure logging from "
            "trusted Python code."
        )
    for key in ("()", "class"):
        factory = entry.get(key)
        if isinstance(factory, str):
            _check_logging_reference(factory.removeprefix("ext://"), full_key)
        elif callable(factory):
            check_target(factory, full_key=full_key)
    for key, value in entry.items():
        if key not in ("()", "class"):
            _check_logging_entry(value, full_key, is_formatter=False)


def _check_logging_reference(name: str, full_key: str) -> None:
    """Check a name by itself, then what it resolves to (when it resolves at all)."""
    check_name(name, full_key=full_key)
    from runlab.config.locate import locate

    try:
        resolved = locate(name)
    except (ImportError, ValueError):
        return  # dictConfig reports unknown names itself
    if callable(resolved) or _is_interpreter_state(resolved):
        check_object(resolved, requested=_canonical_path(name), full_key=full_key)
