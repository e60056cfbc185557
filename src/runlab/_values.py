"""``@frozen``: runlab's immutable value classes, as ``@dataclass(frozen=True)`` but cheaper to define.

Why not the standard decorator: ``@dataclass(frozen=True)`` compiles six methods per class from
generated source (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``); ~1 ms a class on a slow machine, and a plain ``@runlab.main`` app imports about 40
such classes before its task starts (a tenth of its start-up).  Here only ``__init__`` is generated
(by ``dataclasses`` itself, so fields, defaults, ``default_factory``, ``kw_only``,
``__post_init__``, ``dataclasses.fields/replace/asdict`` and pickling all behave as usual); the
other five are shared functions bound to each class's field names.  ~0.2 ms a class.

The behaviour is the frozen dataclass's: equality and hashing over the fields that compare (same
class only), the same ``repr``, and ``FrozenInstanceError`` on assigning or deleting a field once
``__init__`` has set it (``object.__setattr__`` in ``__post_init__`` still works).  A method the
class defines itself is kept, as ``dataclass`` keeps it.  Type checkers see a frozen dataclass
(``dataclass_transform``).
"""

from __future__ import annotations

import dataclasses
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
        made = dataclasses.dataclass(target, repr=False, eq=False, kw_only=kw_only)
        _install(made, body, repr=repr, eq=eq, frozen=True)
        return made

    return wrap if cls is None else wrap(cls)


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def mutable(cls: type[_T], /) -> type[_T]:
    """``@dataclass`` (fields may be assigned; equal instances are not hashable), cheaper to define
    for the same reason as :func:`frozen`: the ``hydra:`` node's schema classes are loaded by every
    app."""
    body = dict(vars(cls))
    made = dataclasses.dataclass(cls, repr=False, eq=False)
    _install(made, body, repr=True, eq=True, frozen=False)
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
