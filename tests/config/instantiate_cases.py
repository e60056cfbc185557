"""Instantiate scenarios run by hydra-core (oracle) and by runlab, and a neutral description of results.

This module is imported by both interpreters, so it depends on the standard library and OmegaConf
only; the ``hydra.utils``-like module under test is passed in.  Each case is a snippet that either is
an expression or assigns ``result``; ``describe`` turns whatever came out (value, exception, warnings)
into JSON-friendly data so the two sides can be compared exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import types
import warnings
from typing import Any

from tests.config.policy_cases import LOGGING_CASES, POLICY_CASES

T = "tests.config.instantiate_targets"

# (id, snippet[, environment]) - snippets see: instantiate, call, get_class, get_method, get_object,
# get_static_method, OmegaConf, M (the targets module), T (its dotted name), os, functools, and UTILS
# (the dotted name of the hydra.utils-like module under test).
CASES: list[tuple[Any, ...]] = [
    # --- basics: config kinds, reserved keys, targets ---------------------------------------------
    ("class_kwargs", 'instantiate({"_target_": f"{T}.Optimizer", "algo": "sgd", "lr": 0.1})'),
    ("function_call", 'call({"_target_": f"{T}.add", "a": 1, "b": 2})'),
    (
        "dictconfig",
        'instantiate(OmegaConf.create({"_target_": f"{T}.Optimizer", "algo": "a", "lr": 1}))',
    ),
    ("none_config", "instantiate(None)"),
    ("key_named_target", 'call({"_target_": f"{T}.echo", "target": 1})'),
    ("args", 'call({"_target_": f"{T}.add", "_args_": [1, 2]})'),
    ("args_replaced_at_call", 'call({"_target_": f"{T}.add", "_args_": [1, 2]}, 10, 20)'),
    ("args_and_kwargs", 'call({"_target_": f"{T}.add3", "_args_": [1, 2], "c": 3})'),
    ("args_nested_target", 'call({"_target_": f"{T}.echo", "_args_": [{"_target_": f"{T}.Foo"}]})'),
    ("args_wrong_type", 'call({"_target_": f"{T}.echo", "_args_": 5})'),
    ("args_positional_only_call", 'call({"_target_": f"{T}.echo"}, 1, "two")'),
    ("nested_class", 'instantiate({"_target_": f"{T}.Outer.Inner", "x": 3})'),
    ("static_method", 'call({"_target_": f"{T}.Outer.smeth", "x": 3})'),
    ("class_method", 'call({"_target_": f"{T}.Outer.cmeth", "x": 3})'),
    ("builtin_with_prefix", 'call({"_target_": "builtins.len", "_args_": [[1, 2, 3]]})'),
    ("builtin_without_prefix", 'call({"_target_": "len", "_args_": [[1]]})'),
    ("target_class_object", 'instantiate({"_target_": M.Optimizer, "algo": "a", "lr": 1})'),
    (
        "target_object_in_dictconfig",
        'call(OmegaConf.create({"_target_": M.add, "a": 1, "b": 2}, flags={"allow_objects": True}))',
    ),
    (
        "target_overridden_at_call",
        'call({"_target_": f"{T}.add", "a": 1, "b": 2}, _target_=f"{T}.add3")',
    ),
    ("target_none", 'instantiate({"_target_": f"{T}.identity", "x": None})'),
    ("dataclass_class_config", "instantiate(M.FooTarget)"),
    ("dataclass_instance_config", "instantiate(M.FooTarget(x=5))"),
    ("top_level_list", 'instantiate([{"_target_": f"{T}.add", "a": 1, "b": 2}, 3, {"a": 1}])'),
    (
        "top_level_list_convert_all",
        'instantiate([{"_target_": f"{T}.Foo"}, {"a": [1]}], _convert_="all")',
    ),
    (
        "top_level_dict_without_target",
        'instantiate({"a": {"_target_": f"{T}.add", "a": 1, "b": 2}, "b": 1})',
    ),
    ("top_level_dict_convert_all", 'instantiate({"a": {"x": 1}, "b": [1]}, _convert_="all")'),
    ("structured_without_target_object", 'instantiate(M.Bar, _convert_="object")'),
    ("structured_without_target_partial", 'instantiate(M.Bar, _convert_="partial")'),
    ("nested_list_none", 'call({"_target_": f"{T}.echo", "lst": [{"_target_": f"{T}.Foo"}, 2]})'),
    (
        "nested_list_all",
        'call({"_target_": f"{T}.echo", "_convert_": "all", "lst": [{"x": 1}, [2]]})',
    ),
    # --- preparation: kwargs merge, copies, eager resolution ----------------------------------------
    ("kwargs_added", 'call({"_target_": f"{T}.echo", "a": 1}, b=2)'),
    ("kwargs_override", 'call({"_target_": f"{T}.echo", "a": 1}, a=5)'),
    (
        "kwargs_merged_into_nested_node",
        (
            'cfg = OmegaConf.create({"_target_": f"{T}.Trainer", "dataset": None, "optimizer": '
            '{"_target_": f"{T}.Optimizer", "algo": "sgd", "lr": 0.1}})\n'
            'result = instantiate(cfg, optimizer={"lr": 0.3})'
        ),
    ),
    (
        "kwargs_merged_into_plain_mapping",
        'call({"_target_": f"{T}.echo", "tags": {"env": "prod", "team": "ml"}}, tags={"env": "dev"})',
    ),
    ("kwargs_dataclass_becomes_config", 'call({"_target_": f"{T}.types_of"}, foo=M.Foo())'),
    ("kwargs_list_replaces", 'call({"_target_": f"{T}.echo", "lst": [1, 2]}, lst=[3])'),
    (
        "kwargs_target_object_nested",
        'call({"_target_": f"{T}.echo"}, x={"_target_": M.Foo, "a": 9})',
    ),
    (
        "interpolation_absolute",
        (
            'cfg = OmegaConf.create({"node": {"_target_": f"{T}.echo", "x": "${b}"}, "b": 5})\n'
            "result = instantiate(cfg.node)"
        ),
    ),
    (
        "interpolation_relative",
        (
            'cfg = OmegaConf.create({"node": {"_target_": f"{T}.echo", "x": "${..b}"}, "b": 6})\n'
            "result = instantiate(cfg.node)"
        ),
    ),
    (
        "input_not_mutated",
        (
            'cfg = OmegaConf.create({"_target_": f"{T}.echo", "x": 1, "_partial_": False})\n'
            "instantiate(cfg, x=2, y=3)\n"
            "result = OmegaConf.to_container(cfg)"
        ),
    ),
    (
        "readonly_struct_input",
        (
            'cfg = OmegaConf.create({"_target_": f"{T}.echo", "x": 1})\n'
            "OmegaConf.set_readonly(cfg, True)\nOmegaConf.set_struct(cfg, True)\n"
            "result = instantiate(cfg, extra=1)"
        ),
    ),
    ("missing_value", 'call({"_target_": f"{T}.echo", "a": "???"})'),
    # --- partials ----------------------------------------------------------------------------------
    ("partial", 'instantiate({"_target_": f"{T}.add", "a": 1, "_partial_": True})'),
    ("partial_called", 'instantiate({"_target_": f"{T}.add", "a": 1, "_partial_": True})(b=2)'),
    ("partial_at_call_site", 'instantiate({"_target_": f"{T}.add", "a": 1}, _partial_=True)'),
    (
        "partial_skips_missing",
        'instantiate({"_target_": f"{T}.add", "a": "???", "b": 2, "_partial_": True})',
    ),
    (
        "partial_nested",
        (
            'instantiate({"_target_": f"{T}.Trainer", "dataset": None, '
            '"optimizer": {"_target_": f"{T}.Optimizer", "algo": "sgd", "_partial_": True}})'
        ),
    ),
    ("partial_top_level_list", 'instantiate([{"_target_": f"{T}.Foo"}], _partial_=True)'),
    ("partial_flag_not_bool", 'instantiate({"_target_": f"{T}.Foo", "_partial_": 1})'),
    (
        "partial_flag_not_bool_nested",
        'call({"_target_": f"{T}.echo", "x": {"_target_": f"{T}.Foo", "_partial_": "yes"}})',
    ),
    (
        "functools_partial_target",
        'p = instantiate({"_target_": "functools.partial"}, M.add, 1)\nresult = [p, p(2)]',
    ),
    # --- recursion ---------------------------------------------------------------------------------
    (
        "recursive_flag_not_bool",
        'call({"_target_": f"{T}.echo", "x": {"_target_": f"{T}.Foo", "_recursive_": 1}})',
    ),
    (
        "recursive_false",
        'call({"_target_": f"{T}.echo", "_recursive_": False, "x": {"_target_": f"{T}.Foo"}})',
    ),
    (
        "recursive_false_at_call",
        'call({"_target_": f"{T}.echo", "x": {"_target_": f"{T}.Foo"}}, _recursive_=False)',
    ),
    (
        "recursive_false_on_child",
        (
            'call({"_target_": f"{T}.echo", "x": {"_target_": f"{T}.echo", "_recursive_": False, '
            '"y": {"_target_": f"{T}.Foo"}}})'
        ),
    ),
    # --- conversion --------------------------------------------------------------------------------
    *[
        (
            f"convert_{mode}",
            (
                f'call({{"_target_": f"{{T}}.types_of", "_convert_": "{mode}", "bar": {{"b": 456}}, '
                f'"lst": [1, {{"x": 1}}]}}, foo=M.Foo())'
            ),
        )
        for mode in ("none", "partial", "object", "all")
    ],
    (
        "convert_uppercase",
        'call({"_target_": f"{T}.types_of", "_convert_": "ALL", "bar": {"b": 1}})',
    ),
    (
        "convert_unknown_is_none",
        'call({"_target_": f"{T}.types_of", "_convert_": "bogus", "bar": {"b": 1}})',
    ),
    (
        "convert_at_call",
        'call({"_target_": f"{T}.types_of", "bar": {"b": 1}}, _convert_="partial")',
    ),
    (
        "convert_child_overrides",
        (
            'call({"_target_": f"{T}.echo", "_convert_": "all", "x": {"_target_": f"{T}.types_of", '
            '"_convert_": "none", "bar": {"b": 1}}, "y": {"c": 1}})'
        ),
    ),
    (
        "convert_values",
        'call({"_target_": f"{T}.echo", "_convert_": "all", "d": {"k": [1, {"z": 2}]}})',
    ),
    # --- errors ------------------------------------------------------------------------------------
    ("config_of_wrong_type", "instantiate(5)"),
    ("config_string", 'instantiate("abc")'),
    ("locate_error", 'instantiate({"_target_": f"{T}.Nope"})'),
    (
        "locate_error_nested",
        'call({"_target_": f"{T}.echo", "x": {"y": {"_target_": "no_such_module.X"}}})',
    ),
    ("not_callable", 'instantiate({"_target_": f"{T}.NOT_CALLABLE"})'),
    ("call_raises", 'call({"_target_": f"{T}.fail", "message": "bad input"})'),
    (
        "call_raises_nested",
        (
            'instantiate({"_target_": f"{T}.Trainer", "dataset": None, '
            '"optimizer": {"_target_": f"{T}.Optimizer", "lr": 1}})'
        ),
    ),
    ("unexpected_kwarg", 'call({"_target_": f"{T}.add", "a": 1, "b": 2, "c": 3})'),
    # --- edges ---------------------------------------------------------------------------------------
    ("target_null", 'instantiate({"_target_": None, "a": 1})'),
    (
        "target_interpolated",
        'call(OmegaConf.create({"fn": f"{T}.add", "node": {"_target_": "${fn}", "a": 1, "b": 2}}).node)',
    ),
    ("args_mapping", 'call({"_target_": f"{T}.echo", "_args_": {"a": 1}})'),
    ("args_string", 'call({"_target_": f"{T}.echo", "_args_": "ab"})'),
    ("args_given_as_kwarg", 'call({"_target_": f"{T}.echo", "_args_": [1]}, _args_=[2, 3])'),
    ("args_missing_item", 'call({"_target_": f"{T}.echo", "_args_": [1, "???"]})'),
    (
        "args_not_recursive",
        'call({"_target_": f"{T}.echo", "_recursive_": False, "_args_": [{"_target_": f"{T}.Foo"}]})',
    ),
    (
        "args_converted_all",
        'call({"_target_": f"{T}.echo", "_convert_": "all", "_args_": [{"a": 1}, [2]]})',
    ),
    (
        "partial_only_applies_to_top",
        'instantiate({"_target_": f"{T}.echo", "x": {"_target_": f"{T}.add", "a": 1, "b": 2}}, _partial_=True)',
    ),
    (
        "partial_false_on_child",
        'instantiate({"_target_": f"{T}.echo", "_partial_": True, "x": {"_target_": f"{T}.Foo", "_partial_": False}})',
    ),
    ("object_kwarg_at_call", 'call({"_target_": f"{T}.identity"}, x=M.Record(1, k=2))'),
    (
        "list_of_plain_dicts_none",
        'call({"_target_": f"{T}.echo", "lst": [{"a": 1}, {"b": {"_target_": f"{T}.Foo"}}]})',
    ),
    (
        "nested_dict_convert_object_structured",
        'call({"_target_": f"{T}.echo", "_convert_": "object"}, bar=M.Bar())',
    ),
    ("int_key_kwargs", 'call(OmegaConf.create({"_target_": f"{T}.echo", 1: "x"}))'),
    ("dataclass_kwarg_with_target", 'call({"_target_": f"{T}.identity"}, x=M.FooTarget(x=3))'),
    (
        "kwargs_only_config_keys_flags",
        'instantiate({"_target_": f"{T}.echo", "_convert_": "all", "d": {"a": 1}}, _convert_="none")',
    ),
    (
        "recursive_false_top_keeps_child_configs",
        'instantiate({"_target_": f"{T}.Trainer", "_recursive_": False, "optimizer": {"_target_": f"{T}.Optimizer", "algo": "a", "lr": 1}, "dataset": {"x": 1}}).optimizer',
    ),
    ("empty_dict", "instantiate({})"),
    ("empty_list", "instantiate([])"),
    ("list_with_none", "instantiate([None, 1])"),
    # --- dotpath lookup helpers --------------------------------------------------------------------
    ("get_class", 'get_class(f"{T}.Optimizer")'),
    ("get_class_of_function", 'get_class(f"{T}.add")'),
    ("get_class_of_module", 'get_class("os.path")'),
    ("get_method", 'get_method(f"{T}.Outer.smeth")(4)'),
    ("get_method_not_callable", 'get_method(f"{T}.NOT_CALLABLE")'),
    ("get_static_method", 'get_static_method(f"{T}.Outer.smeth")(5)'),
    ("get_object", 'get_object(f"{T}.NOT_CALLABLE")'),
    ("get_object_missing_attribute", 'get_object(f"{T}.Foo.nope")'),
    ("get_object_missing_submodule", 'get_object("json.nope.x")'),
    ("get_object_missing_module", 'get_object("no_such_top.a")'),
    ("get_object_not_a_package", 'get_object(f"{T}.nope")'),
    ("get_object_empty", 'get_object("")'),
    ("get_object_relative", 'get_object(".a")'),
    ("get_object_double_dot", 'get_object("a..b")'),
    ("get_object_unimported_submodule", 'get_object("email.mime.text.MIMEText")'),
    ("get_method_not_restricted", 'get_method("os.system")'),
    *POLICY_CASES,
]


def describe(value: Any, depth: int = 0) -> Any:
    """A JSON-friendly, implementation-neutral description of a value."""
    from omegaconf import DictConfig, ListConfig, OmegaConf

    if depth > 12:
        return ["deep"]
    if value is None or isinstance(value, (bool, int, float, str)):
        return [type(value).__name__, repr(value)]
    if isinstance(value, DictConfig):
        object_type = value._metadata.object_type
        items = []
        for key in value:
            if OmegaConf.is_missing(value, key):
                items.append([repr(key), "???"])
            else:
                items.append([repr(key), describe(value[key], depth + 1)])
        name = None if object_type in (None, dict) else object_type.__name__
        return ["DictConfig", name, items]
    if isinstance(value, ListConfig):
        return ["ListConfig", [describe(item, depth + 1) for item in value]]
    if isinstance(value, functools.partial):
        return [
            "partial",
            describe(value.func, depth + 1),
            describe(list(value.args), depth + 1),
            describe(dict(value.keywords), depth + 1),
        ]
    if isinstance(value, dict):
        return ["dict", [[repr(k), describe(v, depth + 1)] for k, v in value.items()]]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [describe(item, depth + 1) for item in value]]
    if isinstance(value, type):
        return ["class", f"{value.__module__}.{value.__qualname__}"]
    if isinstance(value, types.ModuleType):
        return ["module", value.__name__]
    if callable(value) and hasattr(value, "__qualname__"):
        return ["callable", f"{getattr(value, '__module__', None)}.{value.__qualname__}"]
    if dataclasses.is_dataclass(value):
        return [
            "dataclass",
            type(value).__qualname__,
            describe(dataclasses.asdict(value), depth + 1),
        ]
    if hasattr(value, "__dict__"):
        return ["object", type(value).__qualname__, describe(dict(vars(value)), depth + 1)]
    return ["repr", type(value).__qualname__, repr(value)]


def run_case(snippet: str, namespace: dict[str, Any], environ: dict[str, str] | None = None) -> Any:
    """Run one snippet; describe its result or exception, plus the warnings it emitted."""
    saved = {key: os.environ.get(key) for key in environ or {}}
    os.environ.update(environ or {})
    scope = dict(namespace)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                try:
                    compiled = compile(snippet, "<case>", "eval")
                except SyntaxError:
                    exec(compile(snippet, "<case>", "exec"), scope)  # noqa: S102 - test snippets
                    outcome = ["ok", describe(scope["result"])]
                else:
                    outcome = ["ok", describe(eval(compiled, scope))]
            except Exception as error:  # noqa: BLE001 - any failure is an outcome to compare
                cause = error.__cause__
                outcome = [
                    "error",
                    type(error).__name__,
                    str(error),
                    [type(cause).__name__, str(cause)] if cause else None,
                ]
        return [outcome, [[w.category.__name__, str(w.message)] for w in caught]]
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def namespace_for(utils: Any) -> dict[str, Any]:
    """What snippets can use, with the ``hydra.utils``-like module under test supplying the API."""
    import importlib

    from omegaconf import OmegaConf

    names = ("instantiate", "call", "get_class", "get_method", "get_object", "get_static_method")
    scope = {name: getattr(utils, name) for name in names}
    scope.update(OmegaConf=OmegaConf, M=importlib.import_module(T), T=T, os=os, functools=functools)
    scope["UTILS"] = utils.__name__
    return scope


def run_all(utils: Any) -> dict[str, Any]:
    import logging

    logging.getLogger(
        "hydra.utils"
    ).disabled = True  # lookup failures are logged; keep output clean
    try:
        scope = namespace_for(utils)
        return {case[0]: run_case(case[1], scope, *case[2:]) for case in CASES}
    finally:
        logging.getLogger("hydra.utils").disabled = False


def run_logging(configure: Any) -> dict[str, Any]:
    import logging.config

    scope = {"configure": configure, "logging": logging}
    return {case_id: run_case(snippet, scope) for case_id, snippet in LOGGING_CASES}


_SWEEP_MODULE_NAMES = (
    "os shutil subprocess builtins functools itertools operator importlib importlib.util "
    "importlib.machinery pickle marshal ctypes timeit cProfile profile code codeop typing types "
    "dataclasses unittest.mock string logging logging.handlers sys traceback inspect gc yaml pydoc "
    "pdb bdb runpy pty concurrent.futures multiprocessing.pool threading signal tempfile pathlib io "
    "codecs json copy collections contextlib atexit weakref abc copyreg shelve trace doctest posix "
    "glob fnmatch zipfile tarfile sqlite3 asyncio select selectors socket urllib.request platform "
    "sysconfig zipimport faulthandler _thread"
)
SWEEP_MODULES = _SWEEP_MODULE_NAMES.split()


def sweep_names() -> list[str]:
    """Every public callable of the modules above, as a dotted path."""
    import importlib

    names = []
    for module_name in SWEEP_MODULES:
        module = importlib.import_module(module_name)
        for attribute in dir(module):
            if attribute.startswith("__") and attribute not in ("__import__", "__build_class__"):
                continue
            try:
                value = getattr(module, attribute)
            except Exception:  # noqa: BLE001, S112 - lazy attributes that fail are not targets
                continue
            if callable(value):
                names.append(f"{module_name}.{attribute}")
    return names


def run_name_sweep(instantiate: Any) -> dict[str, str]:
    """The policy's verdict on every swept name, without calling anything (``_partial_: true``)."""
    verdicts = {}
    for name in sweep_names():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                instantiate({"_target_": name, "_partial_": True})
                verdicts[name] = "ok"
            except Exception as error:  # noqa: BLE001 - the verdict is the outcome
                verdicts[name] = f"{type(error).__name__}: {error}"
    return verdicts


if __name__ == "__main__":  # the oracle side: python -m tests.config.instantiate_cases
    import hydra.utils
    from hydra._internal.logging_config import configure_logging

    results = {
        "instantiate": run_all(hydra.utils),
        "logging": run_logging(configure_logging),
        "sweep": run_name_sweep(hydra.utils.instantiate),
    }
    print(json.dumps(results))
