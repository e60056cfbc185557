"""``@frozen``: runlab's immutable value classes, as ``@dataclass(frozen=True)`` but cheaper to define.

Why not the standard decorator: ``@dataclass(frozen=True)`` compiles six methods per class from
generated source (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) and inspects every annotation (and the class's signature when it has no
docstring); 0.15-1.4 ms a class on a slow machine, and a plain ``@runlab.main`` app imports about 40
such classes before its task starts (a tenth of its run-time overhead).  Here the class gets the
same ``__dataclass_fields__``/``__dataclass_params__`` metadata the standard decorator would make
(so ``dataclasses.fields/replace/asdict/is_dataclass``, OmegaConf's structured configs and pickling
behave as usual), its ``__init__`` is compiled the first time an instance is made (most classes a
start-up imports are never instantiated in a given run), and the other five methods are shared
functions bound to each class's field names.  ~20 us a class.

The metadata is made through two private names of ``dataclasses`` (``_FIELD``, ``_DataclassParams``)
that have not changed from Python 3.10 to 3.13; where they differ, and for the forms this module
does not handle itself (``InitVar``, ``KW_ONLY``), the standard decorator is used instead.

The behaviour is the frozen dataclass's: equality and hashing over the fields that compare (same
class only), the same ``repr``, and ``FrozenInstanceError`` on assigning or deleting a field once
``__init__`` has set it (``object.__setattr__`` in ``__post_init__`` still works).  A method the
class defines itself is kept, as ``dataclass`` keeps it.  Type checkers see a frozen dataclass
(``dataclass_transform``).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
import typing
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing has it from Python 3.11; on 3.10 only type checkers need the marker
    dataclass_transform = getattr(
        typing, "dataclass_transform", lambda **_: lambda function: function
    )

_T = TypeVar("_T")

__all__ = ["frozen", "mutable"]


@overload
def frozen(cls: type[_T], /) -> type[_T]: ...


@overload
def frozen(
    *, kw_only: bool = False, repr: bool = True, eq: bool = True
) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def frozen(
    cls: type[_T] | None = None, /, *, kw_only: bool = False, repr: bool = True, eq: bool = True
) -> type[_T] | Callable[[type[_T]], type[_T]]:
    """``@dataclass(frozen=True)`` with the same options (``repr``/``eq`` False: the class's own)."""

    def wrap(target: type[_T]) -> type[_T]:
        body = dict(vars(target))
        made = _as_dataclass(target, kw_only=kw_only, repr=repr, eq=eq, frozen=True)
        _install(made, body, repr=repr, eq=eq, frozen=True)
        return made

    return wrap if cls is None else wrap(cls)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable(cls: type[_T], /) -> type[_T]:
    """``@dataclass`` (fields may be assigned; equal instances are not hashable), cheaper to define
    for the same reason as :func:`frozen`: the ``hydra:`` node's schema classes are loaded by every
    app."""
    body = dict(vars(cls))
    made = _as_dataclass(cls, kw_only=False, repr=True, eq=True, frozen=False)
    _install(made, body, repr=True, eq=True, frozen=False)
    return made


_FIELD: Any = getattr(dataclasses, "_FIELD", None)
_PARAMS: Any = getattr(dataclasses, "_DataclassParams", None)
# Python 3.14 evaluates annotations lazily (``__annotate__``); there the standard decorator is used.
_OWN_METADATA = (
    _FIELD is not None
    and _PARAMS is not None
    and "_field_type" in getattr(dataclasses.Field, "__slots__", ())
    and sys.version_info < (3, 14)
)
# An annotation naming one of these (as text, under ``from __future__ import annotations``).
_SPECIAL = re.compile(r"^\s*(?:typing\.|dataclasses\.)?(ClassVar|InitVar|KW_ONLY)\b")


class _Factory:
    """The default of an ``__init__`` argument whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_HAS_FACTORY = _Factory()


def _special(annotation: Any) -> str | None:
    """'ClassVar', 'InitVar' or 'KW_ONLY' when the annotation is one of these forms, else None."""
    if isinstance(annotation, str):
        match = _SPECIAL.match(annotation)
        return match.group(1) if match else None
    if annotation is typing.ClassVar or typing.get_origin(annotation) is typing.ClassVar:
        return "ClassVar"
    if annotation is dataclasses.KW_ONLY:
        return "KW_ONLY"
    if annotation is dataclasses.InitVar or isinstance(annotation, dataclasses.InitVar):
        return "InitVar"
    return None


def _as_dataclass(
    cls: type[_T], *, kw_only: bool, repr: bool, eq: bool, frozen: bool
) -> type[_T]:
    """``cls`` made a dataclass: the standard metadata and a lazily compiled ``__init__`` only."""
    own = inspect.get_annotations(cls)
    if not _OWN_METADATA or any(_special(a) not in (None, "ClassVar") for a in own.values()):
        return dataclasses.dataclass(cls, repr=False, eq=False, kw_only=kw_only)
    fields: dict[str, dataclasses.Field[Any]] = {}
    for base in cls.__mro__[-1:0:-1]:
        for inherited in base.__dict__.get("__dataclass_fields__", {}).values():
            if inherited._field_type is _FIELD:
                fields[inherited.name] = inherited
    for name, annotation in own.items():
        if _special(annotation) == "ClassVar":
            continue
        fields[name] = _own_field(cls, name, annotation, kw_only)
    _check_argument_order(fields.values())
    cls.__dataclass_fields__ = fields  # type: ignore[attr-defined]
    settings = {"init": True, "repr": repr, "eq": eq, "order": False, "unsafe_hash": False,
                "frozen": frozen, "match_args": True, "kw_only": kw_only, "slots": False,
                "weakref_slot": False}
    cls.__dataclass_params__ = _PARAMS(  # type: ignore[attr-defined]
        **{name: settings[name] for name in _PARAMS.__slots__}
    )
    if "__match_args__" not in cls.__dict__:
        cls.__match_args__ = tuple(  # type: ignore[attr-defined,misc]
            f.name for f in fields.values() if f.init and not f.kw_only
        )
    if "__init__" not in cls.__dict__:
        cls.__init__ = _lazy_init(cls, frozen=frozen)  # type: ignore[method-assign]
    return cls


def _own_field(cls: type[Any], name: str, annotation: Any, kw_only: bool) -> dataclasses.Field[Any]:
    """The field ``name`` declares in ``cls``'s body, as ``dataclass`` makes it."""
    default = cls.__dict__.get(name, dataclasses.MISSING)
    if isinstance(default, dataclasses.Field):
        made = default
        if made.default is dataclasses.MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, made.default)
    else:
        made = dataclasses.field(default=default)
    made.name = name
    made.type = annotation
    made._field_type = _FIELD  # type: ignore[attr-defined]
    if made.kw_only is dataclasses.MISSING:
        made.kw_only = kw_only
    value = made.default
    if value is not dataclasses.MISSING and value.__class__.__hash__ is None:
        raise ValueError(
            f"mutable default {type(value)} for field {name} is not allowed: use default_factory"
        )
    return made


def _has_default(field: dataclasses.Field[Any]) -> bool:
    return (field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING)


def _check_argument_order(fields: typing.Iterable[dataclasses.Field[Any]]) -> None:
    """``dataclass``'s rule, raised when the class is defined: no required positional argument
    after one with a default."""
    seen_default = False
    for field in fields:
        if not field.init or field.kw_only:
            continue
        if _has_default(field):
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {field.name!r} follows default argument")


def _lazy_init(cls: type[Any], *, frozen: bool) -> Callable[..., None]:
    """An ``__init__`` that compiles the real one for ``cls`` on first use and hands over to it."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _compile_init(cls, frozen=frozen)
        cls.__init__ = real
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _compile_init(cls: type[Any], *, frozen: bool) -> Callable[..., None]:
    """The ``__init__`` ``dataclass`` would generate for ``cls``'s fields (same arguments, same
    defaults, ``default_factory`` called per instance, ``__post_init__`` called last); its code
    comes from the on-disk cache of generated code when an earlier process compiled it."""
    from runlab._code_cache import compiled

    namespace: dict[str, Any] = {"__factory": _HAS_FACTORY, "__set": object.__setattr__}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for field in cls.__dataclass_fields__.values():
        name = field.name
        default_name = f"__default_{name}"
        if field.default is not dataclasses.MISSING:
            namespace[default_name] = field.default
            default, value = f"={default_name}", name
        elif field.default_factory is not dataclasses.MISSING:
            namespace[default_name] = field.default_factory
            default, value = "=__factory", f"{default_name}() if {name} is __factory else {name}"
        else:
            default, value = "", name
        if field.init:
            (keyword if field.kw_only else positional).append(f"{name}{default}")
        elif default:
            value = f"{default_name}()" if default == "=__factory" else default_name
        else:
            continue
        body.append(f"__set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    arguments = ", ".join(["self", *positional, *(["*", *keyword] if keyword else [])])
    source = f"def __init__({arguments}):\n    " + "\n    ".join(body or ["pass"]) + "\n"
    exec(compiled(source), namespace)  # noqa: S102 - generated from the class's own field names
    made: Callable[..., None] = namespace["__init__"]
    made.__qualname__ = f"{cls.__qualname__}.__init__"
    return made


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A fast ``obj -> (obj.a, obj.b, ...)`` (``attrgetter`` of one name returns the bare value)."""
    if len(names) == 1:
        single = attrgetter(names[0])
        return lambda obj: (single(obj),)
    return attrgetter(*names) if names else lambda obj: ()


def _install(
    cls: type[Any], own: dict[str, Any], *, repr: bool, eq: bool, frozen: bool
) -> None:
    """Add what ``dataclass(frozen=frozen)`` would, except what the class body (``own``) defines."""
    fields = dataclasses.fields(cls)
    field_names = frozenset(f.name for f in fields)
    if frozen and "__setattr__" not in own:

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if name not in field_names or name in self.__dict__:
                raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
            object.__setattr__(self, name, value)  # __init__ setting the field once

        cls.__setattr__ = __setattr__  # type: ignore[assignment]
    if frozen and "__delattr__" not in own:

        def __delattr__(self: Any, name: str) -> None:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

        cls.__delattr__ = __delattr__  # type: ignore[assignment]
    if repr and "__repr__" not in own:
        shown = [(f.name, attrgetter(f.name)) for f in fields if f.repr]

        def __repr__(self: Any) -> str:
            parts = ", ".join(f"{name}={get(self)!r}" for name, get in shown)
            return f"{self.__class__.__qualname__}({parts})"

        cls.__repr__ = __repr__  # type: ignore[assignment]
    if not eq:
        return
    if "__eq__" not in own:
        compared = _values([f.name for f in fields if f.compare])

        def __eq__(self: Any, other: object) -> bool:
            if other.__class__ is self.__class__:
                return bool(compared(self) == compared(other))
            return NotImplemented

        cls.__eq__ = __eq__  # type: ignore[assignment]
    # As dataclass: a body's own __hash__ is kept, but not the None that defining __eq__ implies.
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    if not explicit_hash and not frozen:
        cls.__hash__ = None  # type: ignore[assignment]  # equal by value, so not hashable
    elif not explicit_hash:
        hashed = _values([f.name for f in fields if (f.compare if f.hash is None else f.hash)])

        def __hash__(self: Any) -> int:
            return hash(hashed(self))

        cls.__hash__ = __hash__  # type: ignore[assignment]
