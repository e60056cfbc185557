"""The names the target policy refuses, grouped by why they are refused.

Kept apart from the checking code so a reviewer can read the policy as data.  Names are canonical
dotted paths: ``posix.*``/``nt.*`` spell ``os.*`` (see ``targets.canonical_name``).  The groups follow
Hydra 1.3.8's observed tiers:

* ``DESTRUCTIVE`` - operations that delete, move or re-own files, change the process identity or kill
  processes.  Dangerous from an untrusted config, but legitimate in some apps, so the allow-list
  environment variable can re-enable each one by name.
* ``UNCONTROLLED_*`` - targets that let config *data* decide what code runs (evaluators, shells,
  unpicklers, callback dispatchers, callable factories and wrappers).  No allow-list re-enables them:
  allowing ``eval`` for one config would allow any code for every config.
* ``PROTECTED_*`` - references into implementation state (the policy itself, function internals,
  interpreter post-mortem state).  Refused before anything is imported.
"""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    """Whitespace-separated names: the tables read as prose-like blocks, one family per block."""
    return tuple(text.split())


DESTRUCTIVE: frozenset[str] = frozenset(
    {
        *(
            f"os.{name}"
            for name in _names(
                "remove unlink rmdir removedirs rename renames replace truncate "
                "chmod fchmod lchmod chown fchown lchown lchflags chroot chdir fchdir "
                "kill killpg fork forkpty setuid"
            )
        ),
        "shutil.rmtree",
        "shutil.move",
        "shutil.chown",
        "builtins.exit",
        "builtins.quit",
        "_sitebuiltins.Quitter",
    }
)

_CALLABLE_WRAPPERS = (
    "functools.partial.__call__ functools.wraps functools.update_wrapper functools.lru_cache "
    "functools.cache functools.cached_property functools.singledispatch "
    "functools.singledispatchmethod functools.partialmethod builtins.classmethod "
    "builtins.staticmethod builtins.property contextlib.contextmanager "
    "contextlib.asynccontextmanager types.FunctionType types.MethodType "
    "types.coroutine types.DynamicClassAttribute types.new_class dataclasses.make_dataclass "
    "abc.abstractmethod abc.abstractproperty abc.abstractclassmethod abc.abstractstaticmethod"
)

_EVALUATORS = (
    "builtins.eval builtins.exec builtins.compile builtins.__import__ builtins.__build_class__ "
    "builtins.locals builtins.vars builtins.help builtins.breakpoint "
    "importlib.import_module importlib.__import__ "
    "code.interact code.InteractiveInterpreter.runsource code.InteractiveInterpreter.runcode "
    "code.InteractiveConsole.push code.InteractiveConsole.interact "
    "typing.get_type_hints typing._eval_type typing.evaluate_forward_ref typing.ForwardRef._evaluate "
    "typing.ForwardRef.evaluate annotationlib.call_evaluate_function annotationlib.get_annotations "
    "annotationlib.ForwardRef.evaluate"
)

_PROCESSES = (
    "os.system os.popen os.putenv os.unsetenv os.startfile os.posix_spawn os.posix_spawnp "
    "subprocess.run subprocess.call subprocess.check_call subprocess.check_output "
    "subprocess.getoutput subprocess.getstatusoutput subprocess.Popen pty.spawn"
)

_NATIVE_AND_SERIALIZED = (
    "ctypes.CDLL ctypes.PyDLL ctypes.WinDLL ctypes.OleDLL ctypes.cdll "
    "ctypes.pydll ctypes.windll ctypes.oledll _ctypes.dlopen "
    "pickle.load pickle.loads pickle.Unpickler pickle._load pickle._loads pickle._Unpickler "
    "_pickle.load _pickle.loads _pickle.Unpickler "
    "marshal.load marshal.loads dill.load dill.loads dill.Unpickler "
    "cloudpickle.load cloudpickle.loads"
)

_RUNNERS = (
    "timeit.timeit timeit.repeat timeit.main timeit.Timer.timeit timeit.Timer.repeat "
    "timeit.Timer.autorange cProfile.run cProfile.runctx "
    "cProfile.Profile.run cProfile.Profile.runctx cProfile.Profile.runcall profile.run "
    "profile.runctx profile.Profile.run profile.Profile.runctx profile.Profile.runcall"
)

_FORMATTING_AND_ACCESSORS = (
    "builtins.str.format builtins.str.format_map logging.Formatter logging.StrFormatStyle "
    "operator.attrgetter operator.itemgetter operator.methodcaller operator.call "
    "operator.getitem operator.contains "
    "operator.setitem operator.delitem operator.__setitem__ operator.__delitem__ operator.__call__"
)

_FRAMES = (
    "sys._getframe sys._current_frames sys._current_exceptions sys.exc_info sys.exception "
    "traceback.walk_stack traceback.walk_tb traceback._walk_tb_with_full_positions "
    "traceback.clear_frames"
)

_DISPATCHERS = (
    "builtins.map builtins.filter functools.reduce itertools.starmap itertools.filterfalse "
    "itertools.takewhile itertools.dropwhile itertools.accumulate itertools.groupby "
    "unittest.mock.Mock unittest.mock.MagicMock unittest.mock.AsyncMock unittest.mock.PropertyMock "
    "unittest.mock.create_autospec unittest.mock.mock_open"
)

UNCONTROLLED_EXACT: frozenset[str] = frozenset(
    name
    for family in (
        _CALLABLE_WRAPPERS,
        _EVALUATORS,
        _PROCESSES,
        _NATIVE_AND_SERIALIZED,
        _RUNNERS,
        _FORMATTING_AND_ACCESSORS,
        _FRAMES,
        _DISPATCHERS,
    )
    for name in _names(family)
)

UNCONTROLLED_PREFIXES: tuple[str, ...] = (
    # whole families: process replacement, script runners, patchers, format-driven attribute walks
    "os.exec",
    "os.spawn",
    "ctypes.cdll.",
    "ctypes.pydll.",
    "ctypes.windll.",
    "ctypes.oledll.",
    "ctypes.LibraryLoader.",
    "runpy.",
    "unittest.mock.patch",
    "string.Formatter.",
    # whole modules whose public surface evaluates, introspects or rewires live program state
    "gc.",
    "inspect.",
    "logging.config.",
    "doctest.",
    "shelve.",
    "trace.",
    "yaml.",
    "pydoc.",
    "pdb.",
    "bdb.",
)

UNCONTROLLED_EXCEPTIONS: tuple[str, ...] = (
    # the harmless members of the families above, matched as exact names or (``*``) prefixes
    "yaml.safe_load",
    "yaml.safe_load_all",
    "yaml.safe_dump",
    "yaml.safe_dump_all",
    "doctest.DocTest",
    "doctest.DocTestParser",
    "doctest.Example",
    "pydoc.HTMLDoc",
    "pydoc.TextDoc",
    "trace.Trace",
)

UNCONTROLLED_METHOD_NAMES: frozenset[str] = frozenset({"exec_module", "load_module"})
"""Loader methods run a module's code whichever loader class they are reached through."""

EXECUTOR_MODULES: tuple[str, ...] = ("concurrent.futures.", "multiprocessing.")
EXECUTOR_METHODS: frozenset[str] = frozenset(
    _names("submit map apply apply_async map_async imap imap_unordered starmap starmap_async")
)
"""Executors and pools call whatever function they are handed, later, on another thread or process.

Matched on the name of the *resolved* method (``concurrent.futures._base.Executor.map``), so the
message names where the method really lives."""

MODULE_MUTATORS: frozenset[str] = frozenset({"builtins.setattr", "builtins.delattr"})
"""Refused when their first argument is a function, class or module: a config must not rewire code."""

PROTECTED_PREFIXES: tuple[str, ...] = (
    "hydra._internal",
    "runlab._internal",
    "runlab.config.targets",
    "runlab.config._target_tables",
    "sys.last_",
)

PROTECTED_SEGMENTS: frozenset[str] = frozenset(
    {
        "__globals__",
        "__code__",
        "__closure__",
        "__dict__",
        "__defaults__",
        "__kwdefaults__",
        "__builtins__",
        "__annotations__",
        "__annotate__",
        "f_locals",
    }
)

ENVIRON_MUTATORS: frozenset[str] = frozenset(
    {"__setitem__", "__delitem__", "__ior__", "update", "pop", "popitem", "clear", "setdefault"}
)

DISCOVERY_HELPERS: frozenset[str] = frozenset(
    f"{module}.{name}"
    for module in ("runlab.utils", "runlab.config.locate", "hydra.utils")
    for name in ("get_class", "get_method", "get_static_method", "get_object", "locate")
)
"""Helpers that turn a string argument into an object: their ``path`` is checked like a target."""
