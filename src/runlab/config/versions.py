"""``version_base``: which Hydra release's defaults an application asked for.

Hydra keeps the effective base in process-wide state set by ``@main`` and the ``initialize*`` functions;
composition itself never reads it — :class:`~runlab.config.compose.ComposeContext` carries the value —
so this module only turns the user's argument into the effective base (warning or failing exactly as
Hydra does) and offers the comparisons and deprecation helper the compatibility branches need.
"""

from __future__ import annotations

import os
import warnings
from typing import Final

from runlab.errors import Hydra14MigrationWarning, HydraDeprecationError, HydraException

__all__ = [
    "CURRENT_BASE",
    "UNSET",
    "base_at_least",
    "deprecation_warning",
    "get_base",
    "resolve_version_base",
    "set_base",
]

CURRENT_BASE: Final = "1.3"
"""The release line runlab reproduces; ``version_base=None`` selects it."""


class _Unset:
    """Marker for "the caller did not pass ``version_base``" (``None`` has its own meaning)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:  # noqa: PYI034 - a singleton, never subclassed
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Final = _Unset()

_PREPARE_URL = "https://hydra.cc/docs/upgrades/1.3_to_1.4/prepare_for_1_4/"
_NOT_SPECIFIED_14 = (
    "\nThe version_base parameter is not specified.\n"
    "Hydra will assume defaults for version 1.1.\n"
    "Hydra 1.4 will remove this compatibility behavior.\n"
    'Before upgrading to Hydra 1.4, set version_base="1.3" and test your application.\n'
    f"See {_PREPARE_URL} for preparation instructions."
)
_SELECTS_11 = (
    '\nversion_base="1.1" selects Hydra 1.1 compatibility behavior.\n'
    "Hydra 1.4 will remove this compatibility behavior.\n"
    'Before upgrading to Hydra 1.4, set version_base="1.3" and test your application.\n'
    f"See {_PREPARE_URL} for preparation instructions."
)

_state: dict[str, str | None] = {"base": None}


def _parse(text: str) -> tuple[int, ...]:
    """``"1.2.3"`` -> ``(1, 2)``: Hydra keeps only major.minor of a version_base."""
    parts = str(text).split(".")
    try:
        numbers = tuple(int(part) for part in parts[:2])
    except ValueError:
        raise HydraException(f"Invalid version_base '{text}'") from None
    return numbers if len(numbers) == 2 else (numbers[0], 0)


def resolve_version_base(version_base: str | None | _Unset) -> str:
    """The effective base for a ``version_base`` argument; warns or raises as Hydra 1.3.8 does.

    Not passing it means 1.1 (with the migration warning), ``None`` means the current release, and
    anything below 1.1 is refused because Hydra never supported it.
    """
    if isinstance(version_base, _Unset):
        warnings.warn(_NOT_SPECIFIED_14, Hydra14MigrationWarning, stacklevel=3)
        return "1.1"
    if version_base is None:
        return CURRENT_BASE
    numbers = _parse(version_base)
    if numbers < (1, 1):
        raise HydraException('version_base must be >= "1.1"')
    if numbers == (1, 1):
        warnings.warn(_SELECTS_11, Hydra14MigrationWarning, stacklevel=3)
    return f"{numbers[0]}.{numbers[1]}"


def base_at_least(base: str, minimum: str) -> bool:
    """``base >= minimum`` comparing major.minor numerically (``"1.10" > "1.2"``)."""
    return _parse(base) >= _parse(minimum)


def set_base(base: str | None) -> None:
    """Record the process-wide base (what ``@main``/``initialize`` selected); ``None`` forgets it."""
    _state["base"] = base


def get_base() -> str | None:
    """The process-wide base recorded by :func:`set_base`, or ``None`` before any entry point ran."""
    return _state["base"]


def deprecation_warning(message: str, stacklevel: int = 2) -> None:
    """Warn about deprecated usage, or fail when ``HYDRA_DEPRECATION_WARNINGS_AS_ERRORS`` is set."""
    if os.environ.get("HYDRA_DEPRECATION_WARNINGS_AS_ERRORS"):
        raise HydraDeprecationError(message)
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
