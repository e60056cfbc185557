"""Small targets for instantiate tests, importable by runlab's tests and by the hydra-core oracle.

The module is imported under its dotted name ``tests.config.instantiate_targets`` (the repository root is
on ``sys.path`` in both interpreters), so ``_target_`` strings are the same on both sides.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

MODULE = "tests.config.instantiate_targets"


class Record:
    """Remembers how it was called, so a test can compare constructor arguments structurally."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and self.args == other.args  # type: ignore[attr-defined]
            and self.kwargs == other.kwargs  # type: ignore[attr-defined]
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(args={self.args!r}, kwargs={self.kwargs!r})"


class Optimizer:
    """Hydra's doc example: an optimizer that needs ``algo`` and ``lr``."""

    def __init__(self, algo: str, lr: float) -> None:
        self.algo = algo
        self.lr = lr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Optimizer) and (self.algo, self.lr) == (other.algo, other.lr)

    def __repr__(self) -> str:
        return f"Optimizer(algo={self.algo!r}, lr={self.lr!r})"


class Dataset:
    def __init__(self, name: str, path: str) -> None:
        self.name = name
        self.path = path


class Trainer:
    def __init__(self, optimizer: Any, dataset: Any) -> None:
        self.optimizer = optimizer
        self.dataset = dataset


class Outer:
    """Nested class and static/class methods, reachable through dotted paths."""

    class Inner:
        def __init__(self, x: int = 0) -> None:
            self.x = x

    @staticmethod
    def smeth(x: int) -> int:
        return x * 2

    @classmethod
    def cmeth(cls, x: int) -> str:
        return f"{cls.__name__}:{x}"


def echo(*args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Returns exactly what it received."""
    return args, kwargs


def add(a: int, b: int) -> int:
    return a + b


def add3(a: int, b: int, c: int = 0) -> int:
    return a + b + c


def types_of(**kwargs: Any) -> dict[str, str]:
    """Names the type of each keyword argument: how convert modes are observed."""
    return {key: type(value).__name__ for key, value in kwargs.items()}


def fail(message: str = "boom") -> None:
    raise ValueError(message)


def identity(x: Any) -> Any:
    return x


def make_counter() -> dict[str, int]:
    return {"calls": 0}


NOT_CALLABLE = 123


@dataclass
class Foo:
    a: int = 123


@dataclass
class Bar:
    foo: Foo = field(default_factory=Foo)
    name: str = "bar"


@dataclass
class FooTarget:
    """A structured config that names its own target (a common Hydra pattern)."""

    _target_: str = f"{MODULE}.Record"
    x: int = 1
    y: str = "why"


run_shell = os.system
"""An alias of a refused target: the policy must see through the name to the object."""
remove_file = os.remove


class SneakyPartial(functools.partial):  # type: ignore[type-arg]
    """A partial subclass could override ``__call__``: returning one from a target is refused."""


def make_partial_subclass() -> SneakyPartial:
    return SneakyPartial(len)


def make_shell_partial() -> functools.partial[int]:
    """Returns a partial of a refused target: the policy looks inside partials."""
    return functools.partial(os.system, "true")
