"""instantiate/call behaviour beyond the differential suite: copies, chaining, warnings, pickling."""

from __future__ import annotations

import copy
import functools
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig, ListConfig, MissingMandatoryValue, OmegaConf
from omegaconf.errors import InterpolationKeyError

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # the targets are named ``tests.config....`` in configs
    sys.path.append(str(REPO_ROOT))

from runlab.config.instantiate import call, instantiate
from runlab.config.targets import DeferredTarget
from runlab.errors import (
    CompactHydraException,
    HydraDeprecationError,
    InstantiationException,
)
from runlab.types import ConvertMode
from tests.config import instantiate_targets as targets

T = targets.MODULE


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE",
        "RUNLAB_INSTANTIATE_ALLOWLIST_OVERRIDE",
        "HYDRA_DEPRECATION_WARNINGS_AS_ERRORS",
    ):
        monkeypatch.delenv(name, raising=False)


def test_instantiation_errors_are_compact() -> None:
    assert issubclass(InstantiationException, CompactHydraException)


def test_call_is_instantiate() -> None:
    assert call is instantiate


def test_deep_input_is_left_untouched() -> None:
    config = OmegaConf.create(
        {
            "_target_": f"{T}.Trainer",
            "optimizer": {"_target_": f"{T}.Optimizer", "algo": "sgd", "lr": "${lr}"},
            "dataset": {"_target_": f"{T}.Dataset", "name": "d", "path": "p"},
        }
    )
    parent = OmegaConf.create({"lr": 0.5, "trainer": config})
    before = copy.deepcopy(OmegaConf.to_container(parent))
    trainer = instantiate(parent.trainer, optimizer={"lr": 0.1}, _recursive_=True)
    assert trainer.optimizer == targets.Optimizer("sgd", 0.1)
    assert OmegaConf.to_container(parent) == before


def test_plain_dict_input_is_left_untouched() -> None:
    config: dict[str, Any] = {"_target_": f"{T}.echo", "nested": {"a": [1, 2]}}
    snapshot = copy.deepcopy(config)
    instantiate(config, nested={"a": [3]})
    assert config == snapshot


def test_interpolations_resolve_against_the_original_tree() -> None:
    root = OmegaConf.create(
        {
            "db": {"host": "h", "port": 1},
            "client": {"_target_": f"{T}.echo", "url": "${db.host}:${db.port}"},
        }
    )
    _, kwargs = instantiate(root.client)
    assert kwargs == {"url": "h:1"}


def test_call_raising_chains_the_original_error() -> None:
    with pytest.raises(InstantiationException) as raised:
        call({"_target_": f"{T}.fail", "message": "nope"})
    assert isinstance(raised.value.__cause__, ValueError)
    assert str(raised.value) == (f"Error in call to target '{T}.fail':\nValueError('nope')")


def test_locate_failure_chains_the_import_error() -> None:
    with pytest.raises(InstantiationException) as raised:
        instantiate({"x": {"_target_": f"{T}.missing"}})
    assert str(raised.value) == (
        f"Error locating target '{T}.missing', set env var HYDRA_FULL_ERROR=1 to see chained "
        "exception.\nfull_key: x"
    )
    assert isinstance(raised.value.__cause__, ImportError)


def test_missing_values_are_not_wrapped() -> None:
    with pytest.raises(MissingMandatoryValue):
        call({"_target_": f"{T}.echo", "needed": "???"})


def test_containers_reach_targets_detached_and_able_to_hold_objects() -> None:
    _, kwargs = call({"_target_": f"{T}.echo", "inner": {"a": 1}})
    inner = kwargs["inner"]
    assert isinstance(inner, DictConfig)
    assert inner._get_parent() is None
    inner.obj = object()  # allow_objects is on for results of instantiate


def test_top_level_list_keeps_objects() -> None:
    result = instantiate([{"_target_": f"{T}.Foo"}])
    assert isinstance(result, ListConfig)
    assert result[0] == targets.Foo()


def test_convert_mode_enum_is_accepted_at_the_call_site() -> None:
    assert call({"_target_": f"{T}.types_of", "d": {"a": 1}}, _convert_=ConvertMode.ALL) == {
        "d": "dict"
    }


def test_partials_are_deferred_targets_and_pickle() -> None:
    partial = instantiate({"_target_": f"{T}.add", "a": 1, "_partial_": True})
    assert isinstance(partial, DeferredTarget)
    assert isinstance(partial, functools.partial)
    restored = pickle.loads(pickle.dumps(partial))
    assert restored(b=2) == 3


def test_a_partial_reuses_its_nested_arguments() -> None:
    make = instantiate(
        {
            "_target_": f"{T}.Trainer",
            "_partial_": True,
            "optimizer": {"_target_": f"{T}.Optimizer", "algo": "a", "lr": 1},
        }
    )
    first, second = make(dataset=None), make(dataset=None)
    assert first.optimizer is second.optimizer


def test_functools_partial_target_warns_at_the_callers_line() -> None:
    with pytest.warns(UserWarning, match="Using '_target_: functools.partial' is deprecated") as w:
        bound = instantiate({"_target_": "functools.partial"}, targets.add, 2)
    assert w[0].filename == __file__
    assert bound(3) == 5


def test_functools_partial_target_can_be_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_DEPRECATION_WARNINGS_AS_ERRORS", "1")
    with pytest.raises(HydraDeprecationError, match="Direct\nfunctools.partial targets"):
        instantiate({"_target_": "functools.partial"}, targets.add, 2)


@dataclass
class Inner:
    x: int = 1


@dataclass
class Outer:
    inner: Inner = field(default_factory=Inner)
    tags: list[str] = field(default_factory=lambda: ["a"])


def test_structured_config_without_target_converts_to_objects() -> None:
    result = instantiate(Outer, _convert_="object")
    assert result == Outer()
    kept = instantiate(Outer)
    assert isinstance(kept, DictConfig)
    assert OmegaConf.get_type(kept) is Outer


def test_other_config_types_are_refused() -> None:
    with pytest.raises(InstantiationException) as raised:
        instantiate(3.5)
    assert str(raised.value) == (
        "Cannot instantiate config of type float.\n"
        "Top level config must be an OmegaConf DictConfig/ListConfig object,\n"
        "a plain dict/list, or a Structured Config class or instance."
    )


def test_policy_applies_to_nested_targets_with_their_key() -> None:
    with pytest.raises(InstantiationException) as raised:
        instantiate(
            {"_target_": f"{T}.echo", "cleanup": {"_target_": "shutil.rmtree", "path": "/x"}}
        )
    assert str(raised.value).endswith("to bypass\nfull_key: cleanup")


def test_allowlisted_target_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("x")
    with pytest.raises(InstantiationException):
        call({"_target_": "os.remove", "path": str(victim)})
    assert victim.exists()
    monkeypatch.setenv("RUNLAB_INSTANTIATE_ALLOWLIST_OVERRIDE", "os.remove")
    call({"_target_": "os.remove", "path": str(victim)})
    assert not victim.exists()


def test_blocked_targets_are_never_called(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(targets, "run_shell", lambda command: calls.append(command))
    call({"_target_": f"{T}.run_shell", "command": "true"})  # a harmless replacement runs
    assert calls == ["true"]
    monkeypatch.setattr(targets, "run_shell", __import__("os").system)
    with pytest.raises(
        InstantiationException, match="resolved from 'tests.config.instantiate_targets.run_shell'"
    ):
        call({"_target_": f"{T}.run_shell", "command": "true"})


def test_hydra_internal_module_path_aliases() -> None:
    from runlab._internal.instantiate import _instantiate2

    assert _instantiate2.instantiate is instantiate
    assert _instantiate2._Keys.TARGET == "_target_"
    assert _instantiate2._Keys.PARTIAL.value == "_partial_"
    with pytest.raises(InstantiationException, match="Reference 'runlab._internal"):
        instantiate({"_target_": "runlab._internal.instantiate._instantiate2.instantiate"})


def test_unresolvable_interpolations_are_not_wrapped() -> None:
    # OmegaConf's own error (its text differs between OmegaConf 2.3 and 2.4, so not in the oracle suite)
    with pytest.raises(InterpolationKeyError, match="Interpolation key 'nope' not found"):
        call({"_target_": f"{T}.echo", "a": "${nope}"})


_scalars = st.none() | st.booleans() | st.integers() | st.text(alphabet="abc xyz_-", max_size=5)
_keys = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
_plain_trees = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_keys, children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(_keys, _plain_trees, max_size=4))
def test_configs_without_targets_round_trip(tree: dict[str, Any]) -> None:
    """Without ``_target_`` anywhere, instantiate is a faithful copy in every convert mode."""
    snapshot = copy.deepcopy(tree)
    assert instantiate(tree, _convert_="all") == tree
    assert OmegaConf.to_container(instantiate(tree)) == tree
    assert instantiate(tree, _convert_="partial") == tree
    assert tree == snapshot
