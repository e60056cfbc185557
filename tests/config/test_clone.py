"""``clone_tree`` against ``copy.deepcopy``: same tree, same types and flags, and truly independent."""

from __future__ import annotations

import copy
import enum
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
from omegaconf import DictConfig, ListConfig, Node, OmegaConf, open_dict

from runlab.config._clone import clone_tree
from runlab.runtime.context import register_resolvers

register_resolvers()  # ``now`` is a caching resolver: its cache lives on the root's metadata


class Color(enum.Enum):
    RED = 1
    BLUE = 2


@dataclass
class Optimizer:
    name: str = "adam"
    lr: float = 0.1
    betas: list[float] = field(default_factory=lambda: [0.9, 0.99])


@dataclass
class Train:
    epochs: int = 3
    color: Color = Color.RED
    path: Path = Path("data")
    blob: bytes = b"\x00"
    flag: bool = True
    maybe: Optional[int] = None  # noqa: UP045 - OmegaConf 2.3 reads Optional, not int | None
    missing: str = "???"
    optimizer: Optimizer = field(default_factory=Optimizer)
    layers: dict[str, int] = field(default_factory=lambda: {"a": 1})
    tags: list[str] = field(default_factory=lambda: ["x"])


def _configs() -> dict[str, Any]:
    structured = OmegaConf.structured(Train)
    plain = OmegaConf.create(
        {
            "a": 1,
            "b": {"c": [1, {"d": "${a}"}], "e": None, "f": "???"},
            "when": "${now:%Y}",
            "empty": {},
            "none_node": None,
            "interp_node": "${b}",
        }
    )
    flagged = OmegaConf.create({"x": {"y": 1, "z": [1, 2]}, "w": 2})
    OmegaConf.set_struct(flagged, True)
    OmegaConf.set_readonly(flagged.x, True)
    flagged.x.z._set_flag("allow_objects", True)
    with open_dict(flagged):
        flagged.w = 3
    nested = OmegaConf.create({"app": structured, "plain": plain})
    return {
        "structured": structured,
        "plain": plain,
        "flagged": flagged,
        "nested": nested,
        "list": OmegaConf.create([1, {"a": [2, 3]}, None, "${0}"]),
        "none": DictConfig(None),
        "missing": DictConfig("???"),
    }


def _shape(node: Any) -> Any:
    """Everything observable about a tree except object identity: node classes, metadata, values."""
    state = node.__dict__
    metadata = dict(vars(state["_metadata"]))
    metadata["resolver_cache"] = {k: dict(v) for k, v in metadata["resolver_cache"].items()}
    content = state.get("_content", state.get("_val"))
    if isinstance(content, dict):
        content = {key: _shape(child) for key, child in content.items()}
    elif isinstance(content, list):
        content = [_shape(child) for child in content]
    extras = {k: v for k, v in state.items() if k not in ("_metadata", "_parent", "_flags_cache", "_content", "_val")}
    return (type(node), metadata, content, extras)


def _nodes(node: Node) -> list[Node]:
    found = [node]
    content = node.__dict__.get("_content")
    children = content.values() if isinstance(content, dict) else content if isinstance(content, list) else ()
    for child in children:
        found.extend(_nodes(child))
    return found


@pytest.mark.parametrize("name", list(_configs()))
def test_clone_is_an_exact_copy(name: str) -> None:
    original = _configs()[name]
    if name == "plain":
        assert original.when.isdigit() and OmegaConf.get_cache(original)  # fills the root's resolver cache, which copies keep
    clone = clone_tree(original)
    assert _shape(clone) == _shape(copy.deepcopy(original)) == _shape(original)
    if isinstance(original.__dict__["_content"], (dict, list)):
        assert clone == original and OmegaConf.to_yaml(clone) == OmegaConf.to_yaml(original)
    # every node is new, and every child points at its new parent
    originals = {id(node) for node in _nodes(original)}
    for node in _nodes(clone):
        assert id(node) not in originals
        assert id(node._metadata) not in {id(n._metadata) for n in _nodes(original)}
        content = node.__dict__.get("_content")
        children = content.values() if isinstance(content, dict) else content if isinstance(content, list) else ()
        assert all(child._get_parent() is node for child in children)


def test_clone_resolves_like_the_original() -> None:
    original = _configs()["plain"]
    clone = clone_tree(original)
    assert clone.b.c[1].d == 1 and clone.interp_node.e is None
    assert OmegaConf.to_container(clone, resolve=True) == OmegaConf.to_container(original, resolve=True)
    structured = clone_tree(OmegaConf.structured(Train))
    assert OmegaConf.get_type(structured) is Train and structured.color is Color.RED
    with pytest.raises(Exception, match="could not be converted to Integer"):
        structured.epochs = "x"
    with pytest.raises(Exception, match="Key 'nope' not in 'Train'"):
        structured.nope = 1
    structured.missing = "set"
    assert OmegaConf.to_object(structured) == Train(missing="set")


def test_clone_is_independent_of_the_original() -> None:
    original = _configs()["nested"]
    before = _shape(original)
    clone = clone_tree(original)
    clone.app.epochs = 9
    clone.app.optimizer.betas.append(0.5)
    clone.plain.b.c[1].d = "changed"
    clone.app._get_node("epochs")._set_flag("readonly", True)
    OmegaConf.set_struct(clone.plain, True)
    with open_dict(clone.plain):
        clone.plain.new_key = 1
    clone._metadata.resolver_cache["now"]["x"] = "y"
    assert _shape(original) == before
    assert original.app.epochs == 3 and original.plain.b.c[1]._get_node("d")._value() == "${a}"


def test_clone_keeps_the_parent_of_a_subtree_like_deepcopy() -> None:
    original = _configs()["nested"]
    subtree = clone_tree(original.app.optimizer)
    assert subtree._get_parent() is original.app
    assert subtree == original.app.optimizer and subtree is not original.app.optimizer


def test_omit_leaves_one_key_out_and_extras_can_be_dropped() -> None:
    original = _configs()["plain"]
    original.__dict__["_runlab_extra"] = "job only"
    keys = list(original)
    kept = clone_tree(original, omit="b")
    assert list(kept) == [k for k in keys if k != "b"]
    assert kept.__dict__["_runlab_extra"] == "job only"
    dropped = clone_tree(original, omit="b", extras=False)
    assert "_runlab_extra" not in dropped.__dict__
    assert list(original) == keys and original.__dict__["_runlab_extra"] == "job only"
    assert clone_tree(original, omit="not-a-key") == original


class _OwnNode(DictConfig):
    """A DictConfig subclass from outside OmegaConf: its attributes are unknown to the clone."""


def test_unknown_node_classes_fall_back_to_a_pickle_round_trip() -> None:
    original = OmegaConf.create({"a": {"b": 1}, "c": 2})
    own = _OwnNode({"x": 1}, parent=original)
    original._set_value({"a": {"b": 1}, "c": 2})
    original.__dict__["_content"]["own"] = own
    original.__dict__["_runlab_extra"] = "kept"
    clone = clone_tree(original, omit="c")
    assert type(clone.__dict__["_content"]["own"]) is _OwnNode
    assert clone.__dict__["_runlab_extra"] == "kept" and "c" not in clone and "c" in original
    assert pickle.loads(pickle.dumps(original)) == original  # the fallback's own premise
    assert isinstance(clone_tree(ListConfig([1])), ListConfig)
