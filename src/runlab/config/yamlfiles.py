"""Reading YAML config files: OmegaConf's YAML rules, libyaml's speed, one cache.

Configs must read exactly as ``OmegaConf.load`` reads them, or a value would change type when a user
moves from Hydra to runlab: ``1e3`` is a float (YAML 1.1 alone says string), dates stay strings,
duplicate keys are an error, ``<<`` merge keys work, and the only Python tags are the ``pathlib``
ones OmegaConf itself writes for ``Path`` values.  OmegaConf builds a fresh loader class for every
file and walks every document three times to guard against alias bombs; here the loader class is built
once and the alias guards only run when the text can contain an alias at all.

Parsed files are cached by ``(path, mtime, size)``: composing a sweep loads the same files once per
job, and every caller gets its own copy so that mutating one result never leaks into the next.
"""

from __future__ import annotations

import os
import pathlib
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import yaml

from runlab.errors import ConfigLoadError

if TYPE_CHECKING:
    from omegaconf import DictConfig, ListConfig

__all__ = [
    "clear_yaml_cache",
    "config_from_data",
    "load_config_file",
    "load_config_text",
    "load_yaml_file",
    "load_yaml_text",
    "read_yaml_file",
]

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# OmegaConf accepts floats that YAML 1.1 reads as strings (``1e3``, ``1_000.5``, ``.5``).
_OMEGACONF_FLOAT = re.compile(
    r"""^(?:
     [-+]?[0-9]+(?:_[0-9]+)*\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)
    |\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_STR_TAG = yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG
_PATH_TAGS: dict[str, Callable[..., pathlib.PurePath]] = {
    "tag:yaml.org,2002:python/object/apply:pathlib.Path": pathlib.Path,
    "tag:yaml.org,2002:python/object/apply:pathlib.PosixPath": pathlib.PosixPath,
    "tag:yaml.org,2002:python/object/apply:pathlib.WindowsPath": pathlib.WindowsPath,
    "tag:yaml.org,2002:python/object/apply:pathlib._local.Path": pathlib.Path,
}
# An aliased document may expand to this many times its own size (and at least this many nodes)
# before it is refused: the same guard OmegaConf 2.4 applies against "billion laughs" documents.
_MAX_ALIAS_EXPANSION_RATIO = 100
_MIN_NODES_FOR_RATIO = 1_000


def _constructor_error(problem: str, mark: Any) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, problem, mark)


class _ConfigLoader(_BaseLoader):  # type: ignore[misc]
    """libyaml's safe loader with OmegaConf's resolvers, merge rules and duplicate-key check."""

    check_aliases = False

    def construct_document(self, node: yaml.Node) -> Any:
        if self.check_aliases:
            _check_alias_expansion(node)
        return super().construct_document(node)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        pairs = node.value
        seen: set[str] = set()
        has_merge = False
        for key_node, _ in pairs:
            tag = key_node.tag
            if tag == _STR_TAG:
                key = key_node.value
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key}",
                        key_node.start_mark,
                    )
                seen.add(key)
            elif tag == _MERGE_TAG or tag == _VALUE_TAG:
                has_merge = True
        if has_merge:
            _apply_merge_keys(self, node, seen)


def _apply_merge_keys(loader: _ConfigLoader, node: yaml.MappingNode, explicit: set[str]) -> None:
    """Resolve ``<<`` keys the way OmegaConf does: explicit keys always beat merged ones."""
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    kept: list[tuple[yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            if isinstance(value_node, yaml.MappingNode):
                loader.flatten_mapping(value_node)
                merged.extend(value_node.value)
            elif isinstance(value_node, yaml.SequenceNode):
                parts = []
                for sub in value_node.value:
                    if not isinstance(sub, yaml.MappingNode):
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"expected a mapping for merging, but found {sub.id}",
                            sub.start_mark,
                        )
                    loader.flatten_mapping(sub)
                    parts.append(sub.value)
                for part in reversed(parts):
                    merged.extend(part)
            else:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"expected a mapping or list of mappings for merging, but found {value_node.id}",
                    value_node.start_mark,
                )
        else:
            if key_node.tag == _VALUE_TAG:
                key_node.tag = _STR_TAG
            kept.append((key_node, value_node))
    merged = [
        (k, v) for k, v in merged if k.tag != _STR_TAG or k.value not in explicit
    ]
    node.value = merged + kept


def _check_alias_expansion(root: yaml.Node) -> None:
    """Refuse recursive aliases and documents whose aliases multiply their size."""
    visiting: set[int] = set()
    expanded: dict[int, int] = {}

    def visit(node: yaml.Node) -> int:
        key = id(node)
        if key in expanded:
            return expanded[key]
        if key in visiting:
            raise _constructor_error("YAML recursive aliases are not supported.", node.start_mark)
        visiting.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                total += visit(child)
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                total += visit(key_node) + visit(value_node)
        visiting.discard(key)
        expanded[key] = total
        return total

    total = visit(root)
    unique = len(expanded)
    if total > _MIN_NODES_FOR_RATIO and total > unique * _MAX_ALIAS_EXPANSION_RATIO:
        raise _constructor_error(
            f"YAML aliases expand the document from {unique} nodes to {total} nodes "
            f"(more than {_MAX_ALIAS_EXPANSION_RATIO}x)",
            root.start_mark,
        )


def _prepare_loader_class() -> None:
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:timestamp"]
        for first, entries in _BaseLoader.yaml_implicit_resolvers.items()
    }
    _ConfigLoader.yaml_implicit_resolvers = resolvers
    _ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:float", _OMEGACONF_FLOAT, list("-+0123456789."))
    for tag, path_type in _PATH_TAGS.items():
        _ConfigLoader.add_constructor(
            tag, lambda loader, node, _t=path_type: _t(*loader.construct_sequence(node))
        )


_prepare_loader_class()


def _format_yaml_error(error: yaml.YAMLError, filename: str) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    where = f"'{filename}'"
    if mark is not None:
        where += f", line {mark.line + 1}, column {mark.column + 1}"
    message = f"Cannot parse YAML in {where}: {problem}"
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    if context and context_mark is not None:
        message += f"\n  {context} (line {context_mark.line + 1}, column {context_mark.column + 1})"
    return message


def load_yaml_text(text: str, *, filename: str = "<string>") -> Any:
    """Parse one YAML document into plain Python data (dicts, lists, scalars, paths)."""
    loader = _ConfigLoader(text)
    loader.check_aliases = "*" in text
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConfigLoadError(_format_yaml_error(error, filename)) from error
    finally:
        loader.dispose()


def _fresh_copy(data: Any) -> Any:
    """A deep copy of plain YAML data (leaves are immutable, so only containers are copied)."""
    if isinstance(data, dict):
        return {key: _fresh_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_fresh_copy(value) for value in data]
    return data


_cache: dict[str, tuple[int, int, str, Any]] = {}
_cache_lock = threading.Lock()

HEAD_SIZE = 512
"""How much of a file's text is kept next to its parsed data (where ``# @package`` may appear)."""


def read_yaml_file(path: str | os.PathLike[str]) -> tuple[str, Any]:
    """``(head, data)`` of the YAML file at ``path``: its first 512 characters and a fresh copy of
    its parsed data.  Parsed once per (mtime, size); the copy is the caller's to mutate."""
    full_path = os.path.realpath(path)
    try:
        stat = os.stat(full_path)
    except OSError as error:
        raise ConfigLoadError(f"Cannot read config file '{full_path}': {error.strerror}") from error
    with _cache_lock:
        cached = _cache.get(full_path)
    if cached is not None and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
        return cached[2], _fresh_copy(cached[3])
    try:
        with open(full_path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigLoadError(f"Cannot read config file '{full_path}': {error}") from error
    data = load_yaml_text(text, filename=full_path)
    head = text[:HEAD_SIZE]
    with _cache_lock:
        _cache[full_path] = (stat.st_mtime_ns, stat.st_size, head, data)
    return head, _fresh_copy(data)


def load_yaml_file(path: str | os.PathLike[str]) -> Any:
    """Plain data of the YAML file at ``path`` (cached, copied per call)."""
    return read_yaml_file(path)[1]


def clear_yaml_cache() -> None:
    """Forget every parsed file (tests that rewrite files within one mtime tick need this)."""
    with _cache_lock:
        _cache.clear()


def config_from_data(data: Any, *, filename: str) -> DictConfig | ListConfig:
    """Wrap parsed YAML data as OmegaConf does in ``OmegaConf.load`` (empty file -> ``{}``)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if data is None:
        return OmegaConf.create()
    if isinstance(data, str):
        # OmegaConf reads a file holding one bare word as a mapping with that key (value None).
        data = {data: None}
    if not isinstance(data, (dict, list)):
        raise ConfigLoadError(
            f"Cannot load config file '{filename}': Invalid loaded object type: "
            f"{type(data).__name__} (expected a mapping or a list)"
        )
    try:
        return OmegaConf.create(data)
    except OmegaConfBaseException as error:
        raise ConfigLoadError(f"Cannot load config file '{filename}': {error}") from error


def load_config_file(path: str | os.PathLike[str]) -> DictConfig | ListConfig:
    """The file at ``path`` as a fresh OmegaConf container (interpolations stay unresolved)."""
    return config_from_data(load_yaml_file(path), filename=os.fspath(path))


def load_config_text(text: str, *, filename: str) -> DictConfig | ListConfig:
    """Like :func:`load_config_file` for text read elsewhere (package resources, zip files)."""
    return config_from_data(load_yaml_text(text, filename=filename), filename=filename)
