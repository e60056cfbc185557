"""The target policy: tiers, the allow-list escape hatch, identity checks, results and logging configs."""

from __future__ import annotations

import functools
import logging.config
import os
import pickle
import subprocess
import sys
import types
from typing import Any

import pytest

from runlab.config import targets
from runlab.config.targets import (
    DeferredTarget,
    check_call,
    check_logging_config,
    check_name,
    check_result,
    check_target,
)
from runlab.errors import InstantiationException

UNCONTROLLED_TAIL = (
    " is blocklisted because it allows\nconfig data to control executable behavior or belongs to an\n"
    "execution-capable target family. It cannot be authorized with\n"
    "HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE."
)


def destructive(name: str, note: str = "") -> str:
    return (
        f"Target '{name}'{note} is blocklisted and cannot be instantiated from config\n"
        "to prevent security vulnerabilities, set env var\n"
        f"HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE={name}:<other allowlisted targets> to bypass"
    )


def protected(name: str) -> str:
    return (
        f"Reference '{name}' cannot be selected by declarative\n"
        "configuration because it exposes implementation state. Access it\n"
        "from trusted Python code instead."
    )


@pytest.fixture(autouse=True)
def _no_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in targets.ALLOWLIST_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "name",
    [
        "os.remove",
        "os.rmdir",
        "os.chmod",
        "os.kill",
        "shutil.rmtree",
        "shutil.move",
        "builtins.exit",
    ],
)
def test_destructive_targets_are_refused_by_name(name: str) -> None:
    with pytest.raises(InstantiationException) as raised:
        check_name(name)
    assert str(raised.value) == destructive(name)


@pytest.mark.parametrize(
    "name",
    [
        "builtins.eval",
        "builtins.exec",
        "os.system",
        "os.popen",
        "os.execvp",
        "os.spawnlp",
        "subprocess.Popen",
        "importlib.import_module",
        "runpy.run_path",
        "pickle.loads",
        "yaml.load",
        "yaml.unsafe_load",
        "inspect.getsource",
        "logging.config.dictConfig",
        "gc.get_objects",
        "functools.reduce",
        "operator.attrgetter",
        "unittest.mock.patch.object",
        "string.Formatter.format",
        "importlib.machinery.SourceFileLoader.exec_module",
        "ctypes.cdll.LoadLibrary",
        "timeit.Timer.timeit",
    ],
)
def test_uncontrolled_execution_is_refused_by_name(name: str) -> None:
    with pytest.raises(InstantiationException) as raised:
        check_name(name)
    assert str(raised.value) == f"Target '{name}'{UNCONTROLLED_TAIL}"


@pytest.mark.parametrize(
    "name",
    [
        "yaml.safe_load",
        "yaml.safe_dump_all",
        "doctest.DocTestParser",
        "pydoc.TextDoc",
        "trace.Trace",
        "os.path.join",
        "os.makedirs",
        "subprocess.CompletedProcess",
        "string.Formatter",
        "datetime.timedelta",
        "tracing.Span",  # prefixes match whole segments only
        "inspector.Foo",
    ],
)
def test_ordinary_targets_pass(name: str) -> None:
    check_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "hydra._internal.utils._locate",
        "hydra._internal",
        "runlab.config.targets.check_name",
        "mymod.func.__globals__",
        "mymod.Cls.__dict__.get",
        "mymod.func.__code__.replace",
        "a.f_locals.b",
        "sys.last_value",
    ],
)
def test_protected_references_are_refused_before_import(name: str) -> None:
    with pytest.raises(InstantiationException) as raised:
        check_name(name)
    assert str(raised.value) == protected(name)


def test_full_key_is_appended() -> None:
    with pytest.raises(InstantiationException) as raised:
        check_name("os.remove", full_key="model.cleanup")
    assert str(raised.value) == destructive("os.remove") + "\nfull_key: model.cleanup"


def test_os_aliases_are_canonicalised() -> None:
    with pytest.raises(InstantiationException) as raised:
        check_name("posix.remove")
    assert str(raised.value) == destructive("os.remove", " (resolved from 'posix.remove')")


@pytest.mark.parametrize("variable", targets.ALLOWLIST_ENV_VARS)
def test_allowlist_reenables_destructive_targets(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "shutil.move: os.remove ")
    check_name("os.remove")
    check_name("posix.remove")
    check_name("shutil.move")
    with pytest.raises(InstantiationException):
        check_name("shutil.rmtree")


def test_allowlists_from_both_variables_combine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE", "os.remove")
    monkeypatch.setenv("RUNLAB_INSTANTIATE_ALLOWLIST_OVERRIDE", "os.rmdir")
    assert targets.allowlisted_targets() == {"os.remove", "os.rmdir"}


def test_allowlist_cannot_reenable_uncontrolled_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE", "os.system:builtins.eval")
    for name in ("os.system", "builtins.eval"):
        with pytest.raises(InstantiationException, match="cannot be authorized"):
            check_name(name)


def test_objects_are_checked_by_identity_whatever_their_module_says() -> None:
    # C implementations live in private modules: _functools.reduce, _pickle.loads, posix.system
    for obj, listed, home in (
        (functools.reduce, "functools.reduce", "_functools.reduce"),
        (pickle.loads, "pickle.loads", "_pickle.loads"),
        (os.system, "os.system", "posix.system"),
    ):
        with pytest.raises(InstantiationException) as raised:
            check_target(obj)
        assert str(raised.value) == f"Target '{listed}' (resolved from '{home}'){UNCONTROLLED_TAIL}"


def test_method_wrappers_and_partials_are_seen_through() -> None:
    with pytest.raises(InstantiationException, match="Target 'os.system'"):
        check_target(os.system.__call__)
    with pytest.raises(InstantiationException, match="Target 'os.system'"):
        check_target(functools.partial(os.system, "true"))


def test_executor_methods_are_refused_where_they_are_defined() -> None:
    from concurrent.futures import ThreadPoolExecutor
    from multiprocessing.pool import ThreadPool

    for method, home in (
        (ThreadPoolExecutor.submit, "concurrent.futures.thread.ThreadPoolExecutor.submit"),
        (ThreadPoolExecutor.map, "concurrent.futures._base.Executor.map"),
        (ThreadPool.map, "multiprocessing.pool.Pool.map"),
    ):
        with pytest.raises(InstantiationException) as raised:
            check_target(method)
        assert str(raised.value) == f"Target '{home}'{UNCONTROLLED_TAIL}"


def test_setattr_on_code_is_refused() -> None:
    check_call(setattr, (types.SimpleNamespace(), "x", 1), {})  # plain data objects are fine
    for owner in (os, dict, len, check_call):
        with pytest.raises(InstantiationException, match="cannot modify Python functions"):
            check_call(setattr, (owner, "x", 1), {})
    with pytest.raises(InstantiationException, match="cannot modify Python functions"):
        check_call(delattr, (os, "sep"), {})


def test_unbound_mutators_are_checked_against_their_receiver() -> None:
    from collections.abc import MutableMapping

    with pytest.raises(InstantiationException, match="cannot modify the process environment"):
        check_call(MutableMapping.update, (os.environ, {"X": "1"}), {})
    with pytest.raises(InstantiationException, match="cannot modify Python functions"):
        check_call(object.__setattr__, (types.SimpleNamespace, "x", 1), {})
    with pytest.raises(InstantiationException, match="cannot modify Python functions"):
        check_call(os.__setattr__, ("sep", "x"), {})
    check_call(MutableMapping.update, ({}, {"X": "1"}), {})
    check_call(object.__setattr__, (types.SimpleNamespace(), "x", 1), {})


def test_partial_subclass_results_are_refused() -> None:
    class Sneaky(functools.partial):  # type: ignore[type-arg]
        pass

    with pytest.raises(InstantiationException) as raised:
        check_result(Sneaky(len), requested="x", full_key="k")
    assert str(raised.value) == (
        "Callable targets cannot return partial subclasses because overrides\n"
        "can hide their invocation behavior. Return an exact functools.partial\n"
        "or use Hydra's '_partial_: true' support instead.\nfull_key: k"
    )


def test_environment_mutation_is_refused() -> None:
    with pytest.raises(InstantiationException) as raised:
        check_target(os.environ.__setitem__)
    assert str(raised.value) == (
        "Target 'os._Environ.__setitem__' cannot modify the process environment from\n"
        "declarative configuration. Perform this mutation from trusted Python\n"
        "code instead."
    )
    check_target(os.environ.get)  # reading is fine


def test_check_target_accepts_harmless_objects() -> None:
    check_target(len)
    check_target(dict)
    check_target(subprocess.CompletedProcess)


def test_checks_never_import_modules() -> None:
    assert "dill" not in sys.modules
    with pytest.raises(InstantiationException):
        check_name("dill.loads")
    assert "dill" not in sys.modules


def test_type_only_allows_introspection() -> None:
    check_call(type, (1,), {})
    with pytest.raises(
        InstantiationException, match="cannot be used for dynamic class construction"
    ):
        check_call(type, ("X", (), {}), {})


def test_iter_callback_form_is_refused() -> None:
    check_call(iter, ([1, 2],), {})
    with pytest.raises(InstantiationException, match="two-argument callback form"):
        check_call(iter, (dict, 1), {})


def test_discovery_helpers_have_their_path_checked() -> None:
    from runlab import utils

    check_call(utils.get_object, ("os.path.join",), {})
    with pytest.raises(InstantiationException, match="Target 'os.system'"):
        check_call(utils.get_method, (), {"path": "os.system"})
    with pytest.raises(InstantiationException, match="Reference 'hydra._internal.x'"):
        check_call(utils.get_class, ("hydra._internal.x",), {})


def test_refused_callable_results_name_the_target_that_returned_them() -> None:
    with pytest.raises(InstantiationException) as raised:
        check_result(os.system, requested="mymod.factory")
    assert str(raised.value) == (
        f"Target 'os.system' (resolved from 'mymod.factory'){UNCONTROLLED_TAIL}"
    )


def test_interpreter_state_results_are_refused() -> None:
    for state in (sys.modules, vars(os), sys._getframe(), (lambda: 0).__code__):
        with pytest.raises(InstantiationException, match="cannot return Hydra implementation"):
            check_result(state, requested="mymod.factory")


def test_plain_results_pass_unchanged() -> None:
    value: dict[str, Any] = {"a": 1}
    assert check_result(value, requested="x") is value
    assert check_result(len, requested="x") is len


def test_returned_partials_become_deferred_targets() -> None:
    wrapped = check_result(functools.partial(max, 1), requested="x")
    assert isinstance(wrapped, DeferredTarget)
    assert wrapped(5) == 5
    with pytest.raises(InstantiationException):
        check_result(functools.partial(os.system, "true"), requested="x")


def test_deferred_targets_recheck_when_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE", "os.remove")
    remove = DeferredTarget(os.remove)
    monkeypatch.delenv("HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE")
    with pytest.raises(InstantiationException, match="is blocklisted and cannot be instantiated"):
        remove("/nonexistent/file")


def test_deferred_targets_check_their_results() -> None:
    identity = DeferredTarget(lambda x: x)
    assert identity(3) == 3
    with pytest.raises(InstantiationException, match="Target 'os.system'"):
        identity(os.system)


def test_deferred_targets_pickle() -> None:
    restored = pickle.loads(pickle.dumps(DeferredTarget(max, 1)))
    assert isinstance(restored, DeferredTarget)
    assert restored(3) == 3


# --- logging configuration ----------------------------------------------------------------------


def _refusal(config: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValueError) as raised:
        check_logging_config(config)
    cause = raised.value.__cause__
    assert isinstance(cause, InstantiationException)
    return str(raised.value), str(cause)


def test_ordinary_logging_config_passes() -> None:
    check_logging_config(
        {
            "version": 1,
            "formatters": {"simple": {"format": "[%(asctime)s] %(message)s"}},
            "handlers": {
                "console": {
                    "class": "logging.StreamHandler",
                    "formatter": "simple",
                    "stream": "ext://sys.stdout",
                },
                "file": {"class": "logging.FileHandler", "filename": "x.log"},
                "queue": {"class": "logging.handlers.QueueHandler", "queue": {"()": "queue.Queue"}},
            },
            "root": {"level": "INFO", "handlers": ["console"]},
            "disable_existing_loggers": False,
        }
    )


def test_brace_style_formats_are_refused() -> None:
    message, cause = _refusal({"formatters": {"f": {"format": "{message}", "style": "{"}}})
    assert message == "Unable to configure formatter 'f'"
    assert cause == (
        "Logging format style '{' cannot be selected by declarative configuration because its "
        "fields can traverse Python objects. Use '%' or '$' style, or configure logging from "
        "trusted Python code."
    )


def test_factories_classes_and_external_references_are_checked() -> None:
    message, cause = _refusal({"handlers": {"h": {"()": "os.remove"}}})
    assert message == "Unable to configure handler 'h'"
    assert cause == destructive("os.remove") + "\nfull_key: hydra.logging"
    message, cause = _refusal({"filters": {"f": {"()": "builtins.eval"}}})
    assert (message, cause) == (
        "Unable to configure filter 'f'",
        f"Target 'builtins.eval'{UNCONTROLLED_TAIL}\nfull_key: hydra.logging",
    )
    _, cause = _refusal(
        {"handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://os.system"}}}
    )
    assert cause.startswith("Target 'os.system' is blocklisted because")
    _, cause = _refusal({"formatters": {"f": {"class": "logging.Formatter"}}})
    assert cause.startswith("Target 'logging.Formatter' is blocklisted because")
    _, cause = _refusal(
        {"handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://hydra._internal.x"}}}
    )
    assert cause.startswith("Reference 'hydra._internal.x' cannot be selected")


def test_custom_dict_config_class_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Custom(logging.config.DictConfigurator):
        pass

    monkeypatch.setattr(logging.config, "dictConfigClass", Custom)
    with pytest.raises(ValueError) as raised:
        check_logging_config({"version": 1})
    assert str(raised.value).startswith(
        "Hydra does not support a custom logging.config.dictConfigClass\n"
    )


def test_the_listed_name_of_an_object_does_not_depend_on_what_else_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # cloudpickle re-exports pickle.loads; once it is imported the policy must still say pickle.loads.
    from runlab.config.targets import canonical_name

    fake = types.ModuleType("cloudpickle")
    fake.loads = pickle.loads  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cloudpickle", fake)
    assert canonical_name(pickle.loads) == "pickle.loads"
