"""The functions callable in override values (``choice``, ``range``, casts, ...), with Hydra 1.3's
semantics and error texts (spec §3.6).

Arguments arrive already parsed and frozen (tuples, FrozenDicts, sweeps).  A call is checked the way
Hydra checks it: Python's own argument binding (so "missing a required argument: 'start'" reads the
same), then each argument against the parameter's declared type, whose Hydra spelling appears in the
"mismatch type argument" message.  Any failure becomes ``<Error> while evaluating '<call>': <msg>``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from runlab._values import frozen
from runlab.config._override_values import FrozenDict, QuotedString, freeze, thaw, type_name
from runlab.config.sweeps import ChoiceSweep, Glob, IntervalSweep, RangeSweep, Sweep
from runlab.errors import HydraException

__all__ = [
    "GRAMMAR_FUNCTIONS",
    "GrammarFunctionError",
    "call_function",
    "cast_bool",
    "cast_float",
    "cast_int",
    "cast_str",
    "choice",
    "glob",
    "interval",
    "range",
    "shuffle",
    "sort",
    "tag",
]

_PRIMITIVES = (int, float, bool, str)


class GrammarFunctionError(Exception):
    """A grammar function call failed; ``detail`` is Hydra's one-line account of it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# --------------------------------------------------------------------------------------------------
# casts


def _normalize_cast_value(args: tuple[Any, ...], value: Any) -> Any:
    if args and value is not None:
        raise TypeError("cannot use both position and named arguments")
    if value is not None:
        return value
    if not args:
        raise TypeError("No positional args or value specified")
    if len(args) == 1:
        return args[0]
    return _simple_choice(args)


def _simple_choice(args: tuple[Any, ...]) -> ChoiceSweep:
    for arg in args:
        if isinstance(arg, (Sweep, Glob)):
            raise AssertionError()  # noqa: TRY004  -- Hydra asserts plain parsed values
    return ChoiceSweep(list=tuple(args), simple_form=True)


def _cast(value: Any, convert: Callable[[Any], Any], name: str) -> Any:
    """Apply a scalar conversion through containers and sweeps, the way Hydra's casts recurse."""
    if isinstance(value, QuotedString):
        return _cast(value.text, convert, name)
    if isinstance(value, dict):
        return FrozenDict((k, _cast(v, convert, name)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return tuple(_cast(v, convert, name) for v in value)
    if isinstance(value, ChoiceSweep):
        # Hydra rebuilds the choice: tags and the shuffle flag are dropped, the form is kept.
        items = tuple(_cast(v, convert, name) for v in value.list)
        if any(isinstance(item, (Sweep, Glob)) for item in items):
            raise AssertionError()  # Hydra asserts a cast choice holds plain elements
        return ChoiceSweep(list=items, simple_form=value.simple_form)
    if isinstance(value, RangeSweep):
        if name not in ("int", "float"):
            raise ValueError("Range can only be cast to int or float")
        start, stop, step = (_cast(v, convert, name) for v in (value.start, value.stop, value.step))
        return RangeSweep(start=start, stop=stop, step=step)
    if isinstance(value, IntervalSweep):
        if name in ("str", "bool"):
            raise ValueError(f"Intervals cannot be cast to {name}")
        start, end = _cast(value.start, convert, name), _cast(value.end, convert, name)
        return IntervalSweep(start=start, end=end, tags=value.tags)
    if not isinstance(value, _PRIMITIVES):
        raise AssertionError()  # noqa: TRY004  -- the error type Hydra reports
    return convert(value)


def _to_str(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ValueError(f"Cannot cast '{value}' to bool")
    return bool(value)


def cast_int(*args: Any, value: Any = None) -> Any:
    """``int(x)``: recursive over lists, dict values, choices, range and interval bounds."""
    return _cast(_normalize_cast_value(args, value), int, "int")


def cast_float(*args: Any, value: Any = None) -> Any:
    """``float(x)``: like ``int``."""
    return _cast(_normalize_cast_value(args, value), float, "float")


def cast_str(*args: Any, value: Any = None) -> Any:
    """``str(x)``: booleans become ``true``/``false``; ranges and intervals cannot be cast."""
    return _cast(_normalize_cast_value(args, value), _to_str, "str")


def cast_bool(*args: Any, value: Any = None) -> Any:
    """``bool(x)``: strings must spell true/false (any case); numbers use Python truthiness."""
    return _cast(_normalize_cast_value(args, value), _to_bool, "bool")


# --------------------------------------------------------------------------------------------------
# sweeps


def choice(*args: Any) -> ChoiceSweep:
    """``choice(a, b, ...)``: an explicit choice sweep; a lone simple sweep argument becomes explicit."""
    if not args:
        raise ValueError("empty choice is not legal")
    if len(args) == 1 and isinstance(args[0], ChoiceSweep):
        if not args[0].simple_form:
            raise ValueError("nesting choices is not supported")
        return replace(args[0], simple_form=False)
    return ChoiceSweep(list=tuple(args))


def range(start: Any, stop: Any = None, step: Any = 1) -> RangeSweep:
    """``range(start, stop=None, step=1)``: ``range(n)`` means ``range(0, n)``."""
    if stop is None:
        start, stop = 0, start
    return RangeSweep(start=start, stop=stop, step=step)


def interval(start: Any, end: Any) -> IntervalSweep:
    """``interval(start, end)``: both bounds become floats."""
    return IntervalSweep(start=float(start), end=float(end))


def tag(*args: Any, sweep: Any = None) -> Sweep:
    """``tag(t1, ..., sweep)``: replace the tags of the last argument, which must be a sweep."""
    if not args:
        raise ValueError("Not enough arguments to tag, must take at least a sweep")
    if sweep is not None:
        return tag(*args, sweep)
    last = args[-1]
    if not isinstance(last, Sweep):
        raise ValueError(  # noqa: TRY004  -- Hydra's error type and text
            "Last argument to tag() must be a choice(), range() or interval(), got NoneType"
        )
    for label in args[:-1]:
        if not isinstance(label, str):
            raise ValueError(  # noqa: TRY004  -- Hydra's error type
                f"tag arguments type must be string, got {type_name(label)}"
            )
    return replace(last, tags=frozenset(args[:-1]))


def shuffle(*args: Any, sweep: Any = None, list: Any = None) -> Any:
    """``shuffle(...)``: a list is shuffled now; a sweep is flagged to be shuffled when enumerated."""
    import random

    if list is not None:
        return shuffle(list)
    if sweep is not None:
        return shuffle(sweep)
    if len(args) == 1:
        arg = args[0]
        if isinstance(arg, (ChoiceSweep, RangeSweep)):
            return replace(arg, shuffle=True)
        if isinstance(arg, (tuple, builtins.list)):
            items = builtins.list(arg)
            random.shuffle(items)
            return tuple(items)
        return (arg,)
    return replace(_simple_choice(args), shuffle=True)


def sort(*args: Any, sweep: Any = None, list: Any = None, reverse: bool = False) -> Any:
    """``sort(...)``: sorts primitives, a list, a choice, or a range (by rewriting its bounds)."""
    if list is not None:
        return sort(list, reverse=reverse)
    if sweep is not None:
        return _sort_sweep(sweep, reverse)
    if len(args) == 1:
        arg = args[0]
        if isinstance(arg, (ChoiceSweep, RangeSweep)):
            return _sort_sweep(arg, reverse)
        if isinstance(arg, (tuple, builtins.list)):
            return freeze(sorted(thaw(arg), reverse=reverse))
        if isinstance(arg, (Sweep, Glob)):
            raise TypeError(f"Invalid arguments: {_args_repr(args)}")
        return arg
    for arg in args:
        if not isinstance(arg, _PRIMITIVES):
            raise TypeError(f"Invalid arguments: {_args_repr(args)}")
    if not args:
        raise ValueError("empty sort input")
    return _sort_sweep(_simple_choice(args), reverse)


def _args_repr(args: tuple[Any, ...]) -> str:
    return repr(tuple(thaw(a) for a in args))


def _sort_sweep(sweep: Any, reverse: bool) -> Any:
    if isinstance(sweep, ChoiceSweep):
        return replace(sweep, list=freeze(sorted(thaw(sweep.list), reverse=reverse)))
    assert isinstance(sweep, RangeSweep)
    start, stop, step = sweep.start, sweep.stop, sweep.step
    assert start is not None and stop is not None
    if not reverse and start > stop:
        return replace(sweep, start=stop + abs(step), stop=start + abs(step), step=-step)
    if reverse and start < stop:
        return replace(sweep, start=stop - abs(step), stop=start - abs(step), step=-step)
    return sweep


def glob(include: Any, exclude: Any = None) -> Glob:
    """``glob(include, exclude=None)``: fnmatch patterns over the options of the key's config group."""
    includes = (include,) if isinstance(include, str) else tuple(include)
    if exclude is None:
        excludes: tuple[Any, ...] = ()
    else:
        excludes = (exclude,) if isinstance(exclude, str) else tuple(exclude)
    return Glob(include=includes, exclude=excludes)


# --------------------------------------------------------------------------------------------------
# the function table: Hydra's parameter types (their spelling appears in error messages)


@frozen
class _ParamType:
    spelling: str
    accepts: Callable[[Any], bool]


def _isinstance_of(*types: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, types)


_NONE = type(None)
_LIST = (tuple, builtins.list)
_NUMBER = _ParamType("Union[int, float]", _isinstance_of(int, float))
_CAST = _ParamType(
    "Optional[Union[str, int, float, bool, List[Any], Dict[str, Any], QuotedString, Sweep]]",
    _isinstance_of(str, int, float, bool, *_LIST, dict, QuotedString, _NONE, Sweep),
)
_ELEMENT_OR_SWEEP = _ParamType(
    "Union[str, int, bool, float, list, dict, ChoiceSweep, RangeSweep]",
    _isinstance_of(str, int, bool, float, *_LIST, dict, ChoiceSweep, RangeSweep),
)
_OPTIONAL_SWEEP = _ParamType(
    "Optional[Union[ChoiceSweep, RangeSweep]]", _isinstance_of(ChoiceSweep, RangeSweep, _NONE)
)
_OPTIONAL_LIST = _ParamType("Optional[List[Any]]", _isinstance_of(*_LIST, _NONE))

_PARAMETER_TYPES: dict[str, dict[str, _ParamType]] = {
    "int": {"args": _CAST, "value": _CAST},
    "float": {"args": _CAST, "value": _CAST},
    "str": {"args": _CAST, "value": _CAST},
    "bool": {"args": _CAST, "value": _CAST},
    "choice": {
        "args": _ParamType(
            "Union[str, int, float, bool, Dict[Any, Any], List[Any], ChoiceSweep]",
            _isinstance_of(str, int, float, bool, dict, *_LIST, ChoiceSweep),
        )
    },
    "range": {
        "start": _NUMBER,
        "stop": _ParamType("Optional[Union[int, float]]", _isinstance_of(int, float, _NONE)),
        "step": _NUMBER,
    },
    "interval": {"start": _NUMBER, "end": _NUMBER},
    "tag": {
        "args": _ParamType("Union[str, Sweep]", _isinstance_of(str, Sweep)),
        "sweep": _ParamType("Optional[Sweep]", _isinstance_of(Sweep, _NONE)),
    },
    "shuffle": {"args": _ELEMENT_OR_SWEEP, "sweep": _OPTIONAL_SWEEP, "list": _OPTIONAL_LIST},
    "sort": {
        "args": _ELEMENT_OR_SWEEP,
        "sweep": _OPTIONAL_SWEEP,
        "list": _OPTIONAL_LIST,
        "reverse": _ParamType("bool", lambda value: type(value) is bool),
    },
    "glob": {
        "include": _ParamType("Union[List[str], str]", _isinstance_of(*_LIST, str)),
        "exclude": _ParamType(
            "Optional[Union[str, List[str]]]", _isinstance_of(str, *_LIST, _NONE)
        ),
    },
}

GRAMMAR_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "bool": cast_bool,
    "choice": choice,
    "float": cast_float,
    "glob": glob,
    "int": cast_int,
    "interval": interval,
    "range": range,
    "shuffle": shuffle,
    "sort": sort,
    "str": cast_str,
    "tag": tag,
}
_AVAILABLE = ",".join(sorted(GRAMMAR_FUNCTIONS))
# Parameter names in order ("*args" first when variadic) and how many leading ones are required.
_PARAMETERS: dict[str, tuple[tuple[str, ...], int]] = {
    "int": (("*args", "value"), 0),
    "float": (("*args", "value"), 0),
    "str": (("*args", "value"), 0),
    "bool": (("*args", "value"), 0),
    "choice": (("*args",), 0),
    "tag": (("*args", "sweep"), 0),
    "shuffle": (("*args", "sweep", "list"), 0),
    "sort": (("*args", "sweep", "list", "reverse"), 0),
    "range": (("start", "stop", "step"), 1),
    "interval": (("start", "end"), 2),
    "glob": (("include", "exclude"), 1),
}


def _bind(name: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Arguments by parameter name, in parameter order (what ``inspect.Signature.bind`` gives).

    Calls that bind cleanly are bound here (the common case, and cheap); any other call is handed
    to ``inspect`` so the TypeError reads exactly like Python's (and Hydra's).
    """
    params, required = _PARAMETERS[name]
    bound: dict[str, Any] | None = None
    if params[0] == "*args":
        if all(k in params[1:] for k in kwargs):
            bound = {"args": tuple(args)} if args else {}
            bound.update((p, kwargs[p]) for p in params[1:] if p in kwargs)
    elif len(args) <= len(params):
        positional = dict(zip(params, args))
        if all(k in params and k not in positional for k in kwargs):
            positional.update(kwargs)
            if all(p in positional for p in params[:required]):
                bound = {p: positional[p] for p in params if p in positional}
    if bound is None:
        import inspect

        bound = dict(inspect.signature(GRAMMAR_FUNCTIONS[name]).bind(*args, **kwargs).arguments)
    return bound


def _check_types(name: str, arguments: dict[str, Any], var_positional: str) -> None:
    types = _PARAMETER_TYPES[name]
    for param, value in arguments.items():
        expected = types[param]
        if param == var_positional:
            for index, item in enumerate(value):
                if not expected.accepts(item):
                    raise TypeError(
                        f"mismatch type argument {param}[{index}]: {type_name(item)} is "
                        f"incompatible with {expected.spelling}"
                    )
        elif not expected.accepts(value):
            raise TypeError(
                f"mismatch type argument {param}: {type_name(value)} is incompatible with "
                f"{expected.spelling}"
            )


def call_function(name: str, args: list[Any], kwargs: dict[str, Any], text: str) -> Any:
    """Evaluate ``name(*args, **kwargs)`` written as ``text``; failures raise GrammarFunctionError."""
    try:
        function = GRAMMAR_FUNCTIONS.get(name)
        if function is None:
            raise HydraException(f"Unknown function '{name}'\nAvailable: {_AVAILABLE}\n")
        # Only top-level quoted arguments are unquoted (a quoted string inside a list stays quoted).
        args = [a.text if isinstance(a, QuotedString) else a for a in args]
        kwargs = {k: v.text if isinstance(v, QuotedString) else v for k, v in kwargs.items()}
        arguments = _bind(name, args, kwargs)
        _check_types(name, arguments, "args")
        return function(*args, **kwargs)
    except Exception as error:
        raise GrammarFunctionError(
            f"{type(error).__name__} while evaluating '{text}': {error}"
        ) from error
