"""YAML config files read exactly as OmegaConf reads them, fail with file/line/column, and are cached."""

from __future__ import annotations

import json
import math
import os
import pathlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig, ListConfig, OmegaConf

from runlab.config.yamlfiles import (
    clear_yaml_cache,
    config_from_data,
    load_config_file,
    load_config_text,
    load_yaml_file,
    load_yaml_text,
    read_yaml_file,
)
from runlab.errors import ConfigLoadError
from tests.oracle import run_oracle


def _omegaconf_data(text: str, tmp_path: Path) -> Any:
    path = tmp_path / "reference.yaml"
    path.write_text(text, encoding="utf-8")
    return OmegaConf.to_container(OmegaConf.load(path))


def _same(left: Any, right: Any) -> bool:
    """Equal values of equal types, NaN equal to NaN."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    return bool(left == right)


SCALARS = [
    "1e3", "1E+3", "1e-3", "1_000.5", ".5", "1.", "+1", "-0", "12_000", "0x1f", "0o17", "017",
    "0b101", "1:30", "1:30.5", ".inf", "-.inf", ".nan", "~", "null", "yes", "no", "on", "off",
    "true", "False", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "1_0e1_0", "685.230_15e+03",
    "'1'", '"1e3"', "${a.b}", "${oc.env:HOME,/tmp}", "hello world", "=x", "0.1.2",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_resolve_like_omegaconf(scalar: str, tmp_path: Path) -> None:
    text = f"key: {scalar}\n"
    assert _same(load_yaml_text(text), _omegaconf_data(text, tmp_path))


def test_merge_keys_let_explicit_keys_win(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nc:\n  y: 9\n  <<: [*b, *m]\n"
    data = load_yaml_text(text)
    assert data["c"] == {"x": 1, "z": 3, "y": 9}
    import omegaconf

    if omegaconf.__version__.startswith("2.3"):
        # OmegaConf 2.3 orders the keys of a mapping with ``<<`` differently (values are the same);
        # runlab follows 2.4's order on both (docs/compatibility.md).
        assert data == _omegaconf_data(text, tmp_path)
        assert list(data["c"]) == ["z", "x", "y"]
    else:
        assert _same(data, _omegaconf_data(text, tmp_path))


def test_documents_with_lists_and_nesting_match_omegaconf(tmp_path: Path) -> None:
    text = "a:\n  - 1\n  - {b: [x, 2.5, null]}\nc: |\n  line one\n  line two\nd: >\n  folded\n  text\n"
    assert _same(load_yaml_text(text), _omegaconf_data(text, tmp_path))


keys = st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=8)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=12),
)
documents = st.recursive(
    st.dictionaries(keys, leaves, max_size=4),
    lambda inner: st.dictionaries(keys, st.one_of(leaves, inner, st.lists(leaves, max_size=3)), max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(documents)
def test_dumped_documents_load_like_omegaconf(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    expected = OmegaConf.to_container(OmegaConf.create(text))
    assert _same(load_yaml_text(text), expected)


def test_duplicate_key_names_file_line_and_column() -> None:
    with pytest.raises(ConfigLoadError) as error:
        load_yaml_text("a: 1\nb:\n  c: 1\n  c: 2\n", filename="conf/db.yaml")
    message = str(error.value)
    assert message.splitlines()[0] == (
        "Cannot parse YAML in 'conf/db.yaml', line 4, column 3: found duplicate key c"
    )
    assert len(message.splitlines()) == 2


def test_syntax_error_is_a_short_config_load_error() -> None:
    with pytest.raises(ConfigLoadError) as error:
        load_yaml_text("a: [1, 2\nb: 3\n", filename="bad.yaml")
    lines = str(error.value).splitlines()
    assert 1 <= len(lines) <= 2
    assert lines[0].startswith("Cannot parse YAML in 'bad.yaml', line 2, column 2:")


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system [echo hi]\n",
        "a: !!python/name:os.system\n",
        "a: !!python/object:collections.OrderedDict {}\n",
    ],
)
def test_python_object_tags_are_refused(text: str) -> None:
    with pytest.raises(ConfigLoadError, match="could not determine a constructor"):
        load_yaml_text(text)


def test_pathlib_tags_written_by_omegaconf_load_back() -> None:
    dumped = OmegaConf.to_yaml({"out": pathlib.Path("/tmp/x")})
    assert load_yaml_text(dumped) == {"out": pathlib.Path("/tmp/x")}


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(ConfigLoadError, match="recursive aliases"):
        load_yaml_text("a: &x [1, *x]\n")


def test_alias_bomb_is_refused() -> None:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 7):
        previous = f"*l{level - 1}"
        lines.append(f"l{level}: &l{level} [{', '.join([previous] * 10)}]")
    with pytest.raises(ConfigLoadError, match="aliases expand the document"):
        load_yaml_text("\n".join(lines) + "\n")


def test_plain_aliases_still_work() -> None:
    assert load_yaml_text("a: &v 3\nb: *v\n") == {"a": 3, "b": 3}


def test_empty_file_is_an_empty_dict_config(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# only a comment\n", encoding="utf-8")
    config = load_config_file(path)
    assert isinstance(config, DictConfig)
    assert config == {}


def test_list_file_is_a_list_config() -> None:
    config = load_config_text("- a\n- b\n", filename="l.yaml")
    assert isinstance(config, ListConfig)
    assert list(config) == ["a", "b"]


def test_scalar_file_is_refused() -> None:
    with pytest.raises(ConfigLoadError) as error:
        load_config_text("42\n", filename="s.yaml")
    assert str(error.value) == (
        "Cannot load config file 's.yaml': Invalid loaded object type: int (expected a mapping or a list)"
    )
    assert isinstance(error.value, OSError)


def test_a_bare_word_file_is_a_key_like_in_omegaconf(tmp_path: Path) -> None:
    config = load_config_text("just_a_key\n", filename="w.yaml")
    path = tmp_path / "w.yaml"
    path.write_text("just_a_key\n", encoding="utf-8")
    assert config == OmegaConf.load(path) == {"just_a_key": None}


def test_interpolations_stay_unresolved() -> None:
    config = config_from_data(load_yaml_text("a: 1\nb: ${a}\n"), filename="x.yaml")
    assert OmegaConf.to_container(config, resolve=False) == {"a": 1, "b": "${a}"}
    assert config.b == 1


def test_missing_file_is_a_config_load_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigLoadError, match="Cannot read config file .*nope.yaml"):
        load_yaml_file(tmp_path / "nope.yaml")


def test_cache_hands_out_fresh_copies(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: {b: [1, 2]}\n", encoding="utf-8")
    first = load_yaml_file(path)
    first["a"]["b"].append(3)
    second = load_yaml_file(path)
    assert second == {"a": {"b": [1, 2]}}
    assert second["a"] is not first["a"]


def test_cache_notices_a_rewritten_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_yaml_file(path) == {"a": 1}
    path.write_text("a: 22\n", encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_yaml_file(path) == {"a": 22}


def test_cache_is_keyed_by_mtime_and_size(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    stat = path.stat()
    assert load_yaml_file(path) == {"a": 1}
    # same size, same mtime: the cached parse is used (what makes repeated composition cheap)
    path.write_text("a: 2\n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load_yaml_file(path) == {"a": 1}
    clear_yaml_cache()
    assert load_yaml_file(path) == {"a": 2}


def test_read_yaml_file_returns_the_head_for_header_parsing(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text("# @package foo\n" + "".join(f"k{i}: v\n" for i in range(300)), encoding="utf-8")
    head, data = read_yaml_file(path)
    assert head.startswith("# @package foo\n")
    assert len(head) == 512
    assert len(data) == 300


def test_utf8_content_loads(tmp_path: Path) -> None:
    path = tmp_path / "u.yaml"
    path.write_text("名前: café ☕\n", encoding="utf-8")
    assert load_yaml_file(path) == {"名前": "café ☕"}


@pytest.mark.oracle
def test_scalars_resolve_like_hydras_omegaconf() -> None:
    """hydra-core's OmegaConf (2.3) reads every scalar the same way runlab does."""
    text = "".join(f"k{index}: {scalar}\n" for index, scalar in enumerate(SCALARS))
    code = (
        "import json, sys\n"
        "from omegaconf import OmegaConf\n"
        "data = OmegaConf.to_container(OmegaConf.create(sys.argv[1]))\n"
        "print(json.dumps({k: [type(v).__name__, repr(v)] for k, v in data.items()}))\n"
    )
    finished = run_oracle(code, args=[text])
    assert finished.returncode == 0, finished.stderr
    ours = {k: [type(v).__name__, repr(v)] for k, v in load_yaml_text(text).items()}
    assert ours == json.loads(finished.stdout)
