"""Hydra's ``hydra.plugins.search_path_plugin`` path: the base class of search path plugins.

A search path plugin adds config sources (for example ``pkg://my_lib.conf``) to every app's config
search path, so an installed library can ship config groups (``hydra/job_logging/colorlog``, a model
zoo, ...) without each app listing them.  runlab finds concrete subclasses in the ``hydra_plugins``
namespace package, exactly where Hydra looks (see :func:`runlab.config.searchpath.discover_search_path_plugins`),
and calls :meth:`SearchPathPlugin.manipulate_search_path` each time a search path is built.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING

from runlab.plugins.plugin import Plugin

if TYPE_CHECKING:  # pragma: no cover
    from runlab.core.config_search_path import ConfigSearchPath

__all__ = ["SearchPathPlugin"]


class SearchPathPlugin(Plugin):
    """Subclass in a module under ``hydra_plugins`` and implement :meth:`manipulate_search_path`.

    Instances are created with no arguments, once per search path built.
    """

    @abstractmethod
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Edit ``search_path`` in place (``append``/``prepend``, optionally with an anchor)."""
