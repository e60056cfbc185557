"""Target-policy scenarios for the instantiate differential suite (see ``instantiate_cases``).

Kept apart from the instantiate semantics cases: each one names a refused (or deliberately allowed)
target and the exact message hydra-core 1.3.8 gives for it.
"""

from __future__ import annotations

POLICY_CASES: list[tuple[object, ...]] = [
    # --- target policy -----------------------------------------------------------------------------
    ("policy_destructive", 'call({"_target_": "os.remove", "path": "/nonexistent/x"})'),
    ("policy_destructive_alias", 'call({"_target_": "posix.remove", "path": "/nonexistent/x"})'),
    ("policy_destructive_object", 'call({"_target_": os.remove, "path": "/nonexistent/x"})'),
    ("policy_destructive_module_alias", 'call({"_target_": f"{T}.remove_file"})'),
    ("policy_rmtree", 'call({"_target_": "shutil.rmtree", "path": "/nonexistent/x"})'),
    ("policy_exit", 'call({"_target_": "builtins.exit"})'),
    (
        "policy_destructive_nested",
        'call({"_target_": f"{T}.echo", "x": {"_target_": "os.unlink", "path": "/x"}})',
    ),
    ("policy_destructive_partial", 'call({"_target_": "os.remove", "_partial_": True})'),
    (
        "policy_allowlist",
        'call({"_target_": "os.remove", "path": "/nonexistent/x"})',
        {"HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE": "shutil.move:os.remove"},
    ),
    (
        "policy_allowlist_not_for_uncontrolled",
        'call({"_target_": "os.system", "_args_": ["true"]})',
        {"HYDRA_INSTANTIATE_ALLOWLIST_OVERRIDE": "os.system"},
    ),
    ("policy_system", 'call({"_target_": "os.system", "_args_": ["true"]})'),
    ("policy_system_module_alias", 'call({"_target_": f"{T}.run_shell", "_args_": ["true"]})'),
    ("policy_eval", 'call({"_target_": "builtins.eval", "_args_": ["1+1"]})'),
    ("policy_subprocess", 'call({"_target_": "subprocess.run", "_args_": [["true"]]})'),
    ("policy_exec_family", 'call({"_target_": "os.execvp"})'),
    ("policy_yaml_load", 'call({"_target_": "yaml.load"})'),
    ("policy_yaml_safe_load", 'call({"_target_": "yaml.safe_load", "_args_": ["a: 1"]})'),
    ("policy_pickle", 'call({"_target_": "pickle.loads"})'),
    ("policy_reduce", 'call({"_target_": "functools.reduce"})'),
    ("policy_import_module", 'call({"_target_": "importlib.import_module", "_args_": ["os"]})'),
    ("policy_str_format", 'call({"_target_": "builtins.str.format", "_args_": ["{}", 1]})'),
    ("policy_logging_formatter", 'call({"_target_": "logging.Formatter"})'),
    ("policy_inspect_family", 'call({"_target_": "inspect.getsource"})'),
    ("policy_type_three_args", 'call({"_target_": "builtins.type", "_args_": ["X", [], {}]})'),
    ("policy_type_one_arg", 'call({"_target_": "builtins.type", "_args_": [1]})'),
    ("policy_iter_two_args", 'call({"_target_": "builtins.iter"}, M.make_counter, 1)'),
    ("policy_protected_internal", 'call({"_target_": "hydra._internal.utils._locate"})'),
    ("policy_protected_dunder", 'call({"_target_": f"{T}.echo.__globals__"})'),
    ("policy_protected_last", 'call({"_target_": "sys.last_exc"})'),
    (
        "policy_discovery_result_state",
        'call({"_target_": f"{UTILS}.get_object", "path": "sys.modules"})',
    ),
    ("policy_discovery_path", 'call({"_target_": f"{UTILS}.get_method", "path": "os.system"})'),
    (
        "policy_discovery_destructive",
        'call({"_target_": f"{UTILS}.get_method", "path": "os.remove"})',
    ),
    (
        "policy_discovery_protected",
        'call({"_target_": f"{UTILS}.get_class", "path": "hydra._internal.x.Y"})',
    ),
    (
        "policy_discovery_allowed",
        'call({"_target_": f"{UTILS}.get_object", "path": "os.path.join"})',
    ),
    ("policy_returns_module_state", 'call({"_target_": "builtins.globals"})'),
    ("policy_environ_update", 'call({"_target_": "os.environ.update", "_args_": [{"A": "B"}]})'),
    (
        "policy_environ_setitem",
        'call({"_target_": "os.environ.__setitem__", "_args_": ["A", "B"]})',
    ),
    ("policy_result_refused", 'call({"_target_": f"{T}.identity"}, x=os.system)'),
    ("policy_result_refused_destructive", 'call({"_target_": f"{T}.identity"}, x=os.remove)'),
    ("policy_result_container_allowed", 'call({"_target_": f"{T}.echo"}, x=os.system)'),
    (
        "policy_result_partial_wrapped",
        'call({"_target_": f"{T}.identity"}, x=functools.partial(M.add, 1))',
    ),
    (
        "policy_partial_call_checked",
        'instantiate({"_target_": f"{T}.identity", "_partial_": True})(os.system)',
    ),
    (
        "policy_getattr_route",
        'call({"_target_": "builtins.getattr", "_args_": [{"_target_": f"{UTILS}.get_object", "path": "os"}, "system"]})',
    ),
    (
        "policy_partial_nested_blocked_arg",
        'instantiate({"_target_": f"{T}.echo", "_partial_": True, "x": {"_target_": "os.system"}})',
    ),
    (
        "policy_deferred_called_blocked",
        'instantiate({"_target_": f"{T}.echo", "_partial_": True})(os.system)',
    ),
    ("policy_type_kwargs", 'call({"_target_": "builtins.type", "_args_": [1], "x": 2})'),
    ("policy_type_via_class_attr", 'call({"_target_": f"{T}.Foo.__class__", "_args_": [1]})'),
    ("policy_iter_one", 'list(call({"_target_": "builtins.iter", "_args_": [[1, 2]]}))'),
    ("policy_environ_pop", 'call({"_target_": "os.environ.pop", "_args_": ["NOPE_X", None]})'),
    ("policy_environ_get", 'call({"_target_": "os.environ.get", "_args_": ["NOPE_X", "d"]})'),
    (
        "policy_setattr_os",
        'call({"_target_": "builtins.setattr", "_args_": [{"_target_": f"{UTILS}.get_object", "path": "tests.config.instantiate_targets"}, "x", 1]})',
    ),
    (
        "policy_exec_module_name",
        'call({"_target_": "importlib.machinery.SourceFileLoader.exec_module"})',
    ),
    (
        "policy_executor_submit",
        'call({"_target_": "concurrent.futures.ThreadPoolExecutor.submit"})',
    ),
    ("policy_executor_map", 'call({"_target_": "concurrent.futures.ThreadPoolExecutor.map"})'),
    ("policy_pool_map", 'call({"_target_": "multiprocessing.pool.ThreadPool.map"})'),
    ("policy_cached_property", 'call({"_target_": "functools.cached_property"})'),
    ("policy_staticmethod", 'call({"_target_": "builtins.staticmethod"})'),
    ("policy_typing_forward", 'call({"_target_": "typing.ForwardRef._evaluate"})'),
    ("policy_sys_exc_info", 'call({"_target_": "sys.exc_info"})'),
    ("policy_sys_exception", 'call({"_target_": "sys.exception"})'),
    ("policy_sys_current_frames", 'call({"_target_": "sys._current_frames"})'),
    ("policy_traceback_walk_tb", 'call({"_target_": "traceback.walk_tb"})'),
    ("policy_ctypes_cdll_load", 'call({"_target_": "ctypes.cdll.LoadLibrary"})'),
    ("policy_ctypes_util", 'call({"_target_": "ctypes.util.find_library", "_args_": ["c"]})'),
    ("policy_mock_magic", 'call({"_target_": "unittest.mock.MagicMock"})'),
    ("policy_mock_patch_dict", 'call({"_target_": "unittest.mock.patch.dict"})'),
    ("policy_singledispatch", 'call({"_target_": "functools.singledispatch"})'),
    ("policy_update_wrapper", 'call({"_target_": "functools.update_wrapper"})'),
    ("policy_partialmethod", 'call({"_target_": "functools.partialmethod"})'),
    ("policy_partial_call", 'call({"_target_": "functools.partial.__call__"})'),
    ("policy_types_method", 'call({"_target_": "types.MethodType"})'),
    ("policy_accumulate", 'call({"_target_": "itertools.accumulate", "_args_": [[1,2]]})'),
    ("policy_groupby", 'call({"_target_": "itertools.groupby", "_args_": [[1,2]]})'),
    ("policy_takewhile", 'call({"_target_": "itertools.takewhile"})'),
    ("policy_sorted_key", 'call({"_target_": "builtins.sorted", "_args_": [[2,1]]})'),
    ("policy_min", 'call({"_target_": "builtins.min", "_args_": [[2,1]]})'),
    ("policy_methodcaller", 'call({"_target_": "operator.methodcaller", "_args_": ["x"]})'),
    ("policy_format_map", 'call({"_target_": "builtins.str.format_map"})'),
    ("policy_formatter_format", 'call({"_target_": "string.Formatter.format"})'),
    ("policy_formatter_vformat", 'call({"_target_": "string.Formatter.vformat"})'),
    (
        "policy_percent_style",
        'call({"_target_": "logging.PercentStyle", "_args_": ["%(message)s"]}).__class__.__name__',
    ),
    ("policy_compile", 'call({"_target_": "builtins.compile"})'),
    ("policy_locals", 'call({"_target_": "builtins.locals"})'),
    ("policy_build_class", 'call({"_target_": "builtins.__build_class__"})'),
    ("policy_pickle_unpickler", 'call({"_target_": "pickle.Unpickler"})'),
    ("policy_timeit_Timer", 'call({"_target_": "timeit.Timer"})'),
    ("policy_cprofile_profile", 'call({"_target_": "cProfile.Profile"}).__class__.__name__'),
    ("policy_code_console", 'call({"_target_": "code.InteractiveConsole"})'),
    ("policy_os_forkpty", 'call({"_target_": "os.forkpty"})'),
    ("policy_os_setuid", 'call({"_target_": "os.setuid"})'),
    ("policy_os_truncate", 'call({"_target_": "os.truncate"})'),
    ("policy_os_replace", 'call({"_target_": "os.replace"})'),
    ("policy_shutil_chown", 'call({"_target_": "shutil.chown"})'),
    ("policy_builtins_quit", 'call({"_target_": "builtins.quit"})'),
    ("policy_os_posix_spawn", 'call({"_target_": "os.posix_spawn"})'),
    ("policy_os_unsetenv", 'call({"_target_": "os.unsetenv"})'),
    ("policy_subprocess_getoutput", 'call({"_target_": "subprocess.getoutput"})'),
    ("policy_dataclass_field", 'call({"_target_": "dataclasses.field"}).__class__.__name__'),
    ("policy_types_simplenamespace", 'call({"_target_": "types.SimpleNamespace", "a": 1}).a'),
    ("policy_inspect_signature", 'call({"_target_": "inspect.signature"})'),
    ("policy_annot", 'call({"_target_": f"{T}.Foo.__init__.__annotations__"})'),
    ("policy_kwdefaults", 'call({"_target_": f"{T}.add.__kwdefaults__"})'),
    ("policy_closure", 'call({"_target_": f"{T}.add.__closure__"})'),
    ("policy_builtins_dunder", 'call({"_target_": f"{T}.add.__builtins__"})'),
    (
        "policy_weird_internal",
        'call({"_target_": "hydra._internal.target_policy._is_blocklisted_target"})',
    ),
    ("policy_partial_subclass_result", 'call({"_target_": f"{T}.make_partial_subclass"})'),
    ("policy_partial_of_refused_result", 'call({"_target_": f"{T}.make_shell_partial"})'),
    ("policy_allowed_stdlib", 'call({"_target_": "os.path.join", "_args_": ["a", "b"]})'),
    ("policy_allowed_class", 'call({"_target_": "datetime.timedelta", "days": 1}).days'),
    (
        "policy_mm_update",
        'call({"_target_": "collections.abc.MutableMapping.update", "_args_": [{"_target_": f"{UTILS}.get_object", "path": "os.environ"}, {"RUNLAB_TEST_NOT_SET": "1"}]})',
    ),
    (
        "policy_environ_setitem_unbound",
        'call({"_target_": "os._Environ.__setitem__", "_args_": [{"_target_": f"{UTILS}.get_object", "path": "os.environ"}, "RUNLAB_TEST_NOT_SET", "1"]})',
    ),
    (
        "policy_get_environ",
        'type(call({"_target_": f"{UTILS}.get_object", "path": "os.environ"})).__name__',
    ),
    (
        "policy_identity_environ",
        'type(call({"_target_": f"{T}.identity", "x": {"_target_": f"{UTILS}.get_object", "path": "os.environ"}})).__name__',
    ),
    ("policy_get_os", 'call({"_target_": f"{UTILS}.get_object", "path": "os"}).__name__'),
    (
        "policy_setattr_instance",
        'call({"_target_": "builtins.setattr", "_args_": [{"_target_": f"{T}.Foo"}, "a", 5]})',
    ),
    (
        "policy_object_setattr",
        'call({"_target_": "builtins.object.__setattr__", "_args_": [{"_target_": f"{UTILS}.get_object", "path": "tests.config.instantiate_targets"}, "zz", 1]})',
    ),
    (
        "policy_vars_instance",
        'call({"_target_": "builtins.vars", "_args_": [{"_target_": f"{T}.Foo"}]})',
    ),
    ("policy_dir", 'len(call({"_target_": "builtins.dir", "_args_": [1]})) > 0'),
    ("policy_hasattr", 'call({"_target_": "builtins.hasattr", "_args_": [1, "real"]})'),
]


# Logging configs checked by the policy before dictConfig: hydra-core's configure_logging vs runlab's
# check_logging_config (snippets see ``configure`` and ``logging``; successful configs log to stderr).
LOGGING_CASES: list[tuple[str, str]] = [
    (
        "logging_ordinary",
        (
            'configure({"version": 1, "formatters": {"s": {"format": "%(message)s"}}, "handlers": '
            '{"h": {"class": "logging.StreamHandler", "formatter": "s", "stream": "ext://sys.stderr"}}, '
            '"root": {"handlers": ["h"], "level": "WARNING"}, "disable_existing_loggers": False})'
        ),
    ),
    (
        "logging_dollar_style",
        'configure({"version": 1, "formatters": {"s": {"format": "$message", "style": "$"}}})',
    ),
    (
        "logging_brace_style",
        'configure({"version": 1, "formatters": {"s": {"format": "{message}", "style": "{"}}})',
    ),
    (
        "logging_formatter_factory",
        'configure({"version": 1, "formatters": {"s": {"()": "os.system"}}})',
    ),
    (
        "logging_formatter_class",
        'configure({"version": 1, "formatters": {"s": {"class": "logging.Formatter"}}})',
    ),
    (
        "logging_handler_factory",
        'configure({"version": 1, "handlers": {"h": {"()": "os.remove"}}})',
    ),
    (
        "logging_handler_class",
        'configure({"version": 1, "handlers": {"h": {"class": "os.system"}}})',
    ),
    (
        "logging_external_reference",
        (
            'configure({"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", '
            '"stream": "ext://os.system"}}})'
        ),
    ),
    (
        "logging_protected_reference",
        (
            'configure({"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", '
            '"stream": "ext://hydra._internal.utils"}}})'
        ),
    ),
    (
        "logging_filter_factory",
        'configure({"version": 1, "filters": {"f": {"()": "builtins.eval"}}})',
    ),
    (
        "logging_queue_factory",
        (
            'configure({"version": 1, "handlers": {"q": {"class": "logging.handlers.QueueHandler", '
            '"queue": {"()": "queue.Queue"}}}})'
        ),
    ),
    (
        "logging_custom_configurator",
        (
            "saved = logging.config.dictConfigClass\n"
            'logging.config.dictConfigClass = type("Custom", (logging.config.DictConfigurator,), {})\n'
            "try:\n"
            '    result = configure({"version": 1})\n'
            "finally:\n"
            "    logging.config.dictConfigClass = saved"
        ),
    ),
]
