"""The ConfigStore: configs defined in Python (dataclasses, attrs classes, dicts) registered by name.

Hydra users call ``ConfigStore.instance().store(...)`` at import time of their own modules, so the
store is the one process-wide object runlab keeps.  Nodes are converted with ``OmegaConf.structured``
when stored, so a bad default fails at the ``store`` call that introduced it, and every load hands out
a deep copy, so composing never changes what is stored.  runlab itself registers nothing on import:
its built-in ``hydra/config`` schema is added by :func:`runlab.config.settings.register_builtin_configs`
when a repository first needs it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from runlab._values import frozen
from runlab.config.sources import ObjectType
from runlab.errors import ConfigLoadError

if TYPE_CHECKING:
    from omegaconf import DictConfig, ListConfig

__all__ = ["ConfigNode", "ConfigStore"]


@frozen
class ConfigNode:
    """One stored config: ``name`` ends in ``.yaml``; ``package`` acts like a ``# @package`` header."""

    name: str
    node: DictConfig | ListConfig
    group: str | None
    package: str | None
    provider: str | None


class _DeferredNode:
    """A stored config built on first use: runlab's own ``hydra/config`` schema costs ~20 ms to
    convert with ``OmegaConf.structured``, and a process whose built-in configs come from the
    on-disk cache never needs it.  It reads like a :class:`ConfigNode` (same attributes)."""

    def __init__(
        self,
        name: str,
        build: Callable[[], Any],
        group: str | None,
        package: str | None,
        provider: str | None,
    ) -> None:
        self.name = name
        self.group = group
        self.package = package
        self.provider = provider
        self._build = build
        self._built: ConfigNode | None = None

    def resolve(self) -> ConfigNode:
        if self._built is None:
            from omegaconf import OmegaConf

            self._built = ConfigNode(
                name=self.name,
                node=OmegaConf.structured(self._build()),
                group=self.group,
                package=self.package,
                provider=self.provider,
            )
        return self._built

    @property
    def node(self) -> DictConfig | ListConfig:
        return self.resolve().node


class ConfigStore:
    """A tree of groups (dicts) whose leaves are :class:`ConfigNode` values.

    ``repo`` is the tree itself, named as in Hydra for code that inspects it.  ``ConfigStore()``
    makes an independent store (handy in tests); ``ConfigStore.instance()`` is the shared one.
    """

    _instance: ClassVar[ConfigStore | None] = None
    _instance_lock: ClassVar[threading.Lock] = threading.Lock()

    repo: dict[str, Any]

    def __init__(self) -> None:
        self.repo = {}

    @classmethod
    def instance(cls) -> ConfigStore:
        """The process-wide store that ``structured://`` search path entries read."""
        if cls._instance is None:
            with cls._instance_lock:
                if cls._instance is None:
                    cls._instance = cls()
        return cls._instance

    def store(
        self,
        name: str,
        node: Any,
        group: str | None = None,
        package: str | None = None,
        provider: str | None = None,
    ) -> None:
        """Store ``node`` as ``group/name`` (``/`` nests groups); storing a name again replaces it."""
        from omegaconf import OmegaConf

        if not name.endswith(".yaml"):
            name = f"{name}.yaml"
        config = OmegaConf.structured(node)
        self._group_dict(group)[name] = ConfigNode(
            name=name, node=config, group=group, package=package, provider=provider
        )

    def store_builtin(
        self,
        name: str,
        build: Callable[[], Any],
        group: str | None = None,
        package: str | None = None,
        provider: str | None = None,
    ) -> None:
        """Store runlab's own config, converted only when first loaded (see :meth:`is_builtin`)."""
        self._group_dict(group)[name] = _DeferredNode(name, build, group, package, provider)

    def _group_dict(self, group: str | None) -> dict[str, Any]:
        """The dict of ``group`` in the tree (``a/b`` nests), created on first use."""
        current = self.repo
        if group is not None:
            for part in group.split("/"):
                current = current.setdefault(part, {})
        return current

    def is_builtin(self, config_path: str) -> bool:
        """Is ``config_path`` still runlab's own config (not replaced by a user's ``store``)?

        Such a config is the same in every process of one runlab installation, which is what lets
        its parsed form be cached on disk."""
        return isinstance(self._open(config_path), _DeferredNode)

    def load(self, config_path: str) -> ConfigNode:
        """A copy of the node stored at ``config_path`` (``group/name.yaml``), safe to mutate."""
        found = self._lookup(config_path)
        return replace(found, node=copy.deepcopy(found.node))

    def _lookup(self, config_path: str) -> ConfigNode:
        group, _, name = config_path.rpartition("/")
        if not group:
            found = self._open(config_path)
            if isinstance(found, _DeferredNode):
                return found.resolve()
            if not isinstance(found, ConfigNode):
                raise ConfigLoadError(f"Structured config not found {config_path}")
            return found
        parent = self._open(group)
        if not isinstance(parent, dict):
            raise ConfigLoadError(f"Structured config not found {config_path}")
        found = parent.get(name)
        if isinstance(found, _DeferredNode):
            return found.resolve()
        if not isinstance(found, ConfigNode):
            raise ConfigLoadError(f"Structured config {name} not found in {config_path}")
        return found

    def get_type(self, path: str) -> ObjectType:
        """GROUP for a group, CONFIG for a stored ``name.yaml``, NOT_FOUND otherwise."""
        found = self._open(path)
        if found is None:
            return ObjectType.NOT_FOUND
        return ObjectType.GROUP if isinstance(found, dict) else ObjectType.CONFIG

    def list(self, path: str) -> list[str]:
        """Sorted names in group ``path``: sub-groups and ``name.yaml`` entries."""
        found = self._open(path)
        if found is None:
            raise OSError(f"Path not found {path}")
        if not isinstance(found, dict):
            raise OSError(f"Path points to a file : {path}")
        return sorted(found)

    def _open(self, path: str) -> Any:
        current: Any = self.repo
        for part in path.split("/"):
            if not part:
                continue
            if not isinstance(current, dict) or part not in current:
                return None
            current = current[part]
        return current
