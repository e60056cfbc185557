"""Composing the jobs of a sweep without recomposing what does not change between them.

In a typical sweep most jobs differ from each other only in a few plain values (``lr=0.1`` vs
``lr=0.01``).  Recomposing each job from the defaults list is the dominant per-job cost, so
:class:`JobComposer` composes the first job fully, keeps a pristine copy as a *template*, and builds
each later job whose differences are plain value changes by copying the template and applying just
those overrides (with the composition's own ``apply_value_overrides``) plus the two ``hydra`` fields
derived from the override list.

The fast path is taken only when it provably gives the same config as a full composition:

* same number of overrides with the same key elements, in the same order, as the template's;
* every override that differs is a ``k=v`` / ``+k=v`` with a scalar value, on a key that is not a
  config group, outside ``hydra.``, and with no other override of the job on the same key, a parent
  or a child of it (so application order cannot matter).

Anything else -- group changes, deletions, containers, overlapping keys -- and any error on the fast
path falls back to the full composition, which also produces the exact error message.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from omegaconf import DictConfig

    from runlab.config.overrides import Override

__all__ = ["JobComposer"]


_MAX_TEMPLATES = 64
_MAX_PARSED = 512
_TEMPLATE_NUMBERS = itertools.count()


class JobComposer:
    """``compose(overrides) -> job config`` with a template fast path (see the module docstring).

    One template is kept per *shape* of override list: the overrides that are not plain value
    changes (group choices, deletions, containers) must be identical, plain value changes only need
    the same key.  So a sweep over ``db=a,b lr=1,2,3`` composes twice (once per ``db``) and copies
    for the rest.
    """

    def __init__(
        self,
        compose_full: Callable[[Sequence[str]], DictConfig],
        is_group: Callable[[str], bool],
    ) -> None:
        self._compose_full = compose_full
        self._is_group = is_group
        self._parsed: dict[str, Override] = {}
        self._plain: dict[str, bool] = {}
        self._templates: dict[
            tuple[str, ...], tuple[DictConfig, tuple[Override, ...]]
        ] = {}
        self._group_cache: dict[str, bool] = {}
        self._scratch: dict[tuple[str, ...], DictConfig] = {}
        self._independent: dict[tuple[str, ...], bool] = {}
        self.fast = 0
        self.full = 0

    def __call__(self, overrides: Sequence[str]) -> DictConfig:
        parsed = self._parse_all(overrides)
        shape = self._shape(parsed) if parsed is not None else None
        if parsed is not None and shape is not None and shape in self._templates:
            template, template_overrides = self._templates[shape]
            changed = self._changed_overrides(parsed, template_overrides)
            if changed is not None:
                config = self._from_template(template, parsed, changed)
                if config is not None:
                    self.fast += 1
                    return config
        config = self._compose_full(overrides)
        self.full += 1
        if (
            shape is not None
            and parsed is not None
            and shape not in self._templates
            and len(self._templates) < _MAX_TEMPLATES
        ):
            from runlab.config._clone import clone_tree
            from runlab.runtime.recording import origins_of, origins_table
            from runlab.runtime.templates import mark_template

            # A pristine copy, never handed out: every job built from it gets its own clone.
            key = f"{os.getpid()}-{next(_TEMPLATE_NUMBERS)}"
            template = clone_tree(config)
            mark_template(template, key)  # every copy carries the key
            self._templates[shape] = (template, tuple(parsed))
            origins = origins_of(config)  # shared with the template's copy
            if origins is not None:
                # Worked out once: each later job's origins are this table plus its changes.
                origins_table(origins)
        return config

    def scratch(self, overrides: Sequence[str]) -> DictConfig | None:
        """The job's config built in place on a per-shape scratch copy of its template, or None.

        For checking the jobs of a big batch before any starts without keeping (or pickling) a config
        per job: the result equals what ``self(overrides)`` returns except for origins, and is only
        valid until the next call.  Every plain value override of the job is applied (not only the
        ones that differ from the template), so what earlier jobs wrote is overwritten; that needs the
        shape's keys to be independent of each other, else None (the caller composes the job).
        """
        parsed = self._parse_all(overrides)
        if parsed is None:
            return None
        shape = self._shape(parsed)
        entry = self._templates.get(shape)
        if entry is None or not self._keys_independent(shape, parsed):
            return None
        template = entry[0]
        # Independent keys also make any subset of them (the ones that differ) safe to apply.
        config = self._scratch.get(shape)
        if config is None:
            from runlab.config._clone import clone_tree

            config = self._scratch[shape] = clone_tree(template)
        plain = [o for o in parsed if self._plain_value_change(o)]
        if not self._apply(config, parsed, plain):
            del self._scratch[shape]  # partly written: start again from the template next time
            return None
        return config

    # -- parsing (each distinct override string is parsed once per sweep) ---------------------
    def _parse_all(self, overrides: Sequence[str]) -> list[Override] | None:
        from runlab.config.overrides import parse_override

        parsed = []
        for text in overrides:
            override = self._parsed.get(text)
            if override is None:
                try:
                    override = parse_override(text, cached=False)  # kept here, bounded
                except Exception:  # noqa: BLE001 - the full composition reports it properly
                    return None
                if len(self._parsed) >= _MAX_PARSED:
                    self._parsed.clear()  # a sweep's values are mostly distinct: keep memory flat
                self._parsed[text] = override
            parsed.append(override)
        return parsed

    def _is_group_key(self, key: str) -> bool:
        known = self._group_cache.get(key)
        if known is None:
            known = self._group_cache[key] = bool(self._is_group(key))
        return known

    # -- eligibility --------------------------------------------------------------------------
    def _plain_value_change(self, override: Override) -> bool:
        from runlab.config.overrides import OverrideType, ValueType

        text = override.input_line or ""
        known = self._plain.get(text)
        if known is None:
            if len(self._plain) >= _MAX_PARSED:
                self._plain.clear()
            known = self._plain[text] = (
                override.type in (OverrideType.CHANGE, OverrideType.ADD)
                and override.value_type == ValueType.ELEMENT
                and override.package is None
                and not override.is_hydra_override()
                and not isinstance(override.value(), (dict, list))
                and not self._is_group_key(override.key_or_group)
            )
        return known

    def _shape(self, parsed: list[Override]) -> tuple[str, ...]:
        return tuple(
            "=" + o.get_key_element() if self._plain_value_change(o) else "!" + (o.input_line or "")
            for o in parsed
        )

    def _keys_independent(self, shape: tuple[str, ...], parsed: list[Override]) -> bool:
        """No override of the shape touches the key of a plain one, its parent or a child."""
        known = self._independent.get(shape)
        if known is None:
            keys = [o.key_or_group for o in parsed]
            known = self._independent[shape] = all(
                _alone(o.key_or_group, keys) for o in parsed if self._plain_value_change(o)
            )
        return known

    @staticmethod
    def _changed_overrides(
        parsed: list[Override], template: tuple[Override, ...]
    ) -> list[Override] | None:
        changed = [m for m, t in zip(parsed, template) if m.input_line != t.input_line or m != t]
        keys = [o.key_or_group for o in parsed]
        if not all(_alone(override.key_or_group, keys) for override in changed):
            return None
        return changed

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def _from_template(
        cls, template: DictConfig, parsed: list[Override], changed: list[Override]
    ) -> DictConfig | None:
        from runlab.config._clone import clone_tree
        from runlab.runtime.recording import attach_origins, origins_of

        config = clone_tree(template)
        if not cls._apply(config, parsed, changed):
            return None
        origins = origins_of(config)  # the template's (shared: origins never change once made)
        if origins is not None:
            changes = {o.key_or_group: f"override {o.input_line}" for o in changed}
            attach_origins(config, origins.with_changes(changes))
        return config

    @staticmethod
    def _apply(config: DictConfig, parsed: list[Override], changed: list[Override]) -> bool:
        """Apply ``changed`` and set the ``hydra`` fields derived from the override list; False on error."""
        from runlab.config._value_overrides import apply_value_overrides
        from runlab.config.compose import override_dirname
        from runlab.config.overrides import OverrideType

        # ``+k=v`` added the key in the template already; on the copy it is a replacement.
        rest = [
            dataclasses.replace(o, type=OverrideType.FORCE_ADD) if o.type == OverrideType.ADD else o
            for o in changed
            if not _set_directly(config, o)
        ]
        try:
            apply_value_overrides(config, rest)
        except Exception:  # noqa: BLE001 - the full composition gives the exact error (or succeeds)
            return False
        task = [o for o in parsed if not o.is_hydra_override()]
        hydra: Any = config._get_node("hydra")
        job, hydra_overrides = hydra._get_node("job"), hydra._get_node("overrides")
        kv_sep, item_sep, exclude_keys = _dirname_settings(config, job)
        dirname = override_dirname(
            task, kv_sep=kv_sep, item_sep=item_sep, exclude_keys=exclude_keys
        )
        try:
            # The nodes exist in every template (the hydra schema has them): setting their values
            # directly validates them as assigning would, without the lookups around it (~0.5 ms).
            _set_strings(hydra_overrides._get_node("task"), [o.input_line or "" for o in task])
            job._get_node("override_dirname")._set_value(dirname)
        except Exception:  # noqa: BLE001 - a read-only or reshaped node: the full composition
            return False
        return True


def _set_directly(config: DictConfig, override: Override) -> bool:
    """Set a plain value change on its existing value node; False to apply it the usual way.

    What assignment would do in the end (``_set_value`` on the node, with its validation), minus
    the walk through ``OmegaConf.update``; anything unusual -- a missing key, a container, a
    read-only node, a list on the way, a value the node refuses -- goes the usual way.
    """
    from omegaconf import DictConfig

    from runlab.config._node_values import set_existing_value

    parent: Any = config
    *path, last = override.key_or_group.split(".")
    try:
        for part in path:
            parent = parent._get_node(part) if isinstance(parent, DictConfig) else None
        if not isinstance(parent, DictConfig):
            return False
        return set_existing_value(parent, last, override.value())
    except Exception:  # noqa: BLE001 - the usual way reports it (or knows better)
        return False


def _dirname_settings(config: DictConfig, job: Any) -> tuple[str, str, list[str]]:
    """``hydra.job.config.override_dirname``'s settings, read once per template unless they
    interpolate (then per job: they might depend on the job's values)."""
    from omegaconf import OmegaConf

    from runlab.runtime.templates import template_cache

    shared = template_cache(config, "override_dirname")
    cached = shared.get("settings") if shared is not None else None
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    node = job.config.override_dirname
    settings = (node.kv_sep, node.item_sep, list(node.exclude_keys))
    if shared is not None and "${" not in str(OmegaConf.to_container(node, resolve=False)):
        shared["settings"] = settings
    return settings


def _set_strings(node: Any, values: list[str]) -> None:
    """Set a list of strings (``hydra.overrides.task``) element by element when its length is
    unchanged: re-creating the list's nodes costs ~0.3 ms, changing a few values almost nothing."""
    content = node.__dict__.get("_content")
    if isinstance(content, list) and len(content) == len(values) and not node._get_flag("readonly"):
        for child, value in zip(content, values):
            if child._value() != value:
                child._set_value(value)
        return
    node._set_value(values)


def _alone(key: str, keys: Sequence[str]) -> bool:
    """``key`` occurs once in ``keys``, and no other key is its parent or child (so applying the
    override of ``key`` in any order gives the same config)."""
    related = [k for k in keys if k == key or k.startswith(key + ".") or key.startswith(k + ".")]
    return len(related) == 1
