"""The whole exception tree.

Hydra's public names (``HydraException``, ``ConfigCompositionException``, ...) are kept so code written
for Hydra catches the same errors.  runlab's own, more specific errors subclass them, which is why a
``MissingConfigException`` handler still sees an ``OverrideSyntaxError``'s siblings it expects.

A *compact* error is a user mistake: the runtime prints ``str(error)`` (plus its OmegaConf cause) and the
``HYDRA_FULL_ERROR`` hint, never a traceback.  Anything else is a bug or an error raised by the task.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CompactHydraException",
    "ConfigCompositionException",
    "ConfigLoadError",
    "Hydra14MigrationWarning",
    "HydraDeprecationError",
    "HydraException",
    "InstantiationException",
    "MissingConfigException",
    "OverrideParseException",
    "SearchPathException",
    "UsageError",
]


class HydraException(Exception):
    """Base of every error runlab raises on purpose."""


class CompactHydraException(HydraException):
    """A user mistake: printed as its message alone, without a traceback."""


class OverrideParseException(CompactHydraException):
    """An override string does not follow the grammar.

    ``override`` is the offending text; the message already names it and points at the column.
    """

    def __init__(self, override: str, message: str) -> None:
        super().__init__(message)
        self.override = override
        self.message = message


class InstantiationException(CompactHydraException):
    """``instantiate``/``call`` could not build the object a config describes."""


class ConfigCompositionException(CompactHydraException):
    """The configs and overrides cannot be composed into one config."""


class SearchPathException(CompactHydraException):
    """A config search path entry is invalid or unavailable."""


class MissingConfigException(IOError, ConfigCompositionException):
    """A config (primary, group option or include) was not found.

    ``missing_cfg_file`` is the path looked for and ``options`` the available options of its group, so
    tools such as tab completion can offer them.
    """

    def __init__(
        self,
        message: str,
        missing_cfg_file: str | None = None,
        options: Sequence[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.missing_cfg_file = missing_cfg_file
        self.options = list(options) if options is not None else None


class ConfigLoadError(CompactHydraException, IOError):
    """A config file exists but cannot be read or parsed (names file, line and column).

    Compact because the message already points at the file, line and column: a traceback through the
    loader would only bury it.
    """


class UsageError(CompactHydraException):
    """A command-line usage mistake that Hydra reports with a raw traceback; runlab reports it plainly."""


class HydraDeprecationError(HydraException):
    """A deprecated behaviour was used while deprecation warnings are errors."""


class Hydra14MigrationWarning(UserWarning):
    """Relying on behaviour that Hydra 1.4 changes (kept for compatibility)."""
