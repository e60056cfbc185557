"""Config differences between two runs, with group choice changes shown as one group change.

Changing ``db=mysql`` to ``db=postgres`` changes every key under ``db``; listing them all hides the
point.  So keys that live under a changed group's package are attributed to that group change and the
remaining differences are listed one by one.
"""

from __future__ import annotations

from typing import Any

from runlab._values import frozen
from runlab.tracking.records import RunRecord

__all__ = ["ConfigDiff", "GroupChange", "ValueChange", "diff_records"]

_ABSENT = object()


@frozen
class ValueChange:
    """One config key whose value differs (``None`` side means absent: ``present`` says which)."""

    key: str
    left: Any
    right: Any
    left_present: bool
    right_present: bool
    left_origin: str | None
    right_origin: str | None


@frozen
class GroupChange:
    """A config group whose selected option differs, and the keys that changed with it."""

    group: str
    left: Any
    right: Any
    keys: tuple[str, ...]


@frozen
class ConfigDiff:
    left_id: str
    right_id: str
    groups: tuple[GroupChange, ...]
    values: tuple[ValueChange, ...]
    overrides_left: tuple[str, ...]
    overrides_right: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.groups and not self.values

    def to_json(self) -> dict[str, Any]:
        return {
            "left": self.left_id,
            "right": self.right_id,
            "groups": [{"group": g.group, "left": g.left, "right": g.right, "keys": list(g.keys)}
                       for g in self.groups],
            "values": [{"key": v.key, "left": v.left if v.left_present else None,
                        "right": v.right if v.right_present else None,
                        "left_present": v.left_present, "right_present": v.right_present,
                        "left_origin": v.left_origin, "right_origin": v.right_origin}
                       for v in self.values],
        }


def _package_of(group: str) -> str:
    return group.split("@", 1)[1] if "@" in group else group.replace("/", ".")


def _belongs(key: str, package: str) -> bool:
    return key == package or key.startswith(package + ".")


def _origin_names(origin: str | None, group: str, choice: Any) -> bool:
    return bool(origin) and f"{group}/{choice}" in str(origin)


def diff_records(left: RunRecord, right: RunRecord) -> ConfigDiff:
    """Differences of the composed configs (flattened) and group choices of two runs."""
    groups = []
    claimed: set[str] = set()
    flat_left, flat_right = left.config_flat, right.config_flat
    all_keys = list(dict.fromkeys([*flat_left, *flat_right]))
    changed = [k for k in all_keys
               if flat_left.get(k, _ABSENT) != flat_right.get(k, _ABSENT)]
    for group in dict.fromkeys([*left.choices, *right.choices]):
        a, b = left.choices.get(group), right.choices.get(group)
        if a == b:
            continue
        package = _package_of(group)
        keys = tuple(
            k for k in changed
            if _belongs(k, package)
            or _origin_names(left.origins.get(k), group, a)
            or _origin_names(right.origins.get(k), group, b)
        )
        claimed.update(keys)
        groups.append(GroupChange(group=group, left=a, right=b, keys=keys))
    values = tuple(
        ValueChange(
            key=k, left=flat_left.get(k), right=flat_right.get(k),
            left_present=k in flat_left, right_present=k in flat_right,
            left_origin=left.origins.get(k), right_origin=right.origins.get(k),
        )
        for k in changed if k not in claimed
    )
    return ConfigDiff(left_id=left.run_id, right_id=right.run_id, groups=tuple(groups),
                      values=values, overrides_left=tuple(left.overrides),
                      overrides_right=tuple(right.overrides))


def format_value(value: Any, present: bool = True) -> str:
    """A config value as a diff line shows it."""
    if not present:
        return "<absent>"
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value)


def describe(diff: ConfigDiff) -> list[str]:
    """Plain lines of a diff, group changes first."""
    lines = []
    for group in diff.groups:
        lines.append(f"group {group.group}: {group.left} -> {group.right}"
                     + (f"  ({len(group.keys)} keys: {', '.join(group.keys[:6])}"
                        + (", ..." if len(group.keys) > 6 else "") + ")" if group.keys else ""))
    for change in diff.values:
        lines.append(f"{change.key}: {format_value(change.left, change.left_present)} -> "
                     f"{format_value(change.right, change.right_present)}")
    return lines
