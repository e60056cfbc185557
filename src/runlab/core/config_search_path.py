"""Hydra's ``hydra.core.config_search_path`` path: the search path a SearchPathPlugin edits."""

from __future__ import annotations

from runlab.config.searchpath import ConfigSearchPath, SearchPathElement, SearchPathQuery

__all__ = ["ConfigSearchPath", "SearchPathElement", "SearchPathQuery"]
