"""How to produce each row of docs/errors.md the way a user meets it, and what fills its placeholders.

A case is a trigger — an ``App`` run (``python app.py ARGV`` on the config tree ``FILES`` plus the
case's files), an ``Api`` call (code using Hydra's names) or a ``Cli`` command (``runlab ARGV``) — and
the bindings for the row's ``<placeholders>``.  A row may have several cases when one message has
several causes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from error_table import Row

FILES = {
    "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\nfoo:\n  bar: 1\n",
    "conf/db/mysql.yaml": "driver: mysql\nport: 3306\n",
    "conf/db/postgresql.yaml": "driver: postgresql\nport: 5432\n",
    "conf/extra/a.yaml": "x: 1\n",
}


@dataclass(frozen=True)
class App:
    """``python app.py ARGV`` for an app with ``FILES`` (plus ``files``), run in this process."""

    argv: tuple[str, ...]
    files: Mapping[str, str] = field(default_factory=dict)
    warns: str | None = None  # a warning the run gives besides the error (a regex)
    env: Mapping[str, str] = field(default_factory=dict)
    lock_sweep: str | None = None  # hold this sweep directory's lock during the run


@dataclass(frozen=True)
class Api:
    """Python code calling runlab's API (Hydra's names; ``tmp`` is the test's directory)."""

    code: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cli:
    """``runlab ARGV`` in this process; ``index``: ``sweep`` (one recorded sweep), ``empty``, ``none``,
    ``garbage`` (a ``garbage.db`` that is no database)."""

    argv: tuple[str, ...]
    index: str = "sweep"
    missing: str | None = None  # a module made unimportable for the run


Trigger = App | Api | Cli


@dataclass(frozen=True)
class Case:
    """One way to produce a row's message, with the text its ``<placeholders>`` stand for."""

    trigger: Trigger
    bind: Mapping[str, str] = field(default_factory=dict)


def app(*argv: str, files: Mapping[str, str] | None = None, **bind: str) -> Case:
    return Case(App(argv, files or {}), bind)


def cli(*argv: str, index: str = "sweep", missing: str | None = None, **bind: str) -> Case:
    return Case(Cli(argv, index, missing), bind)


def api(code: str, env: Mapping[str, str] | None = None, **bind: str) -> Case:
    return Case(Api(code, env or {}), bind)


def _tabbed(*names: str) -> str:
    return "\n".join("\t" + name for name in names)


DB_OPTIONS = _tabbed("mysql", "postgresql")
SEARCH_PATH = _tabbed(
    "provider=hydra, path=pkg://runlab.conf",
    "provider=main, path=file://<tmp>/conf",
    "provider=schema, path=structured://",
)
TYPED = {
    "conf/typed.yaml": "defaults:\n  - schema/mysql@db\n  - _self_\n",
    "conf/typed_bad.yaml": "defaults:\n  - schema/mysql@db\n  - db/bad@db\n  - _self_\n",
    "conf/db/bad.yaml": "bogus: 1\n",
}
CASES: dict[str, list[Case]] = {
    "argv-unknown-flag": [app("--bogus", args="--bogus")],
    "argv-bad-choice": [
        app("--cfg", "nope", flag="--cfg/-c", value="nope", choices="'job', 'hydra', 'all'"),
        app("--info", "nope", flag="--info/-i", value="nope", choices="'all', 'config', "
            "'defaults', 'defaults-tree', 'plugins', 'searchpath'"),
    ],
    "argv-missing-value": [app("--config-name", flag="--config-name/-cn")],
    "resolve-without-cfg": [app("--resolve")],
    "two-commands": [app("--cfg", "job", "--info"), app("-m", "--run")],
    "package-not-found": [app("--cfg", "job", "-p", "nope", package="nope")],
    "completion-no-subcommand": [app("--shell-completion")],
    "completion-unknown-shell": [
        app("--shell-completion", "install=tcsh", shell="tcsh", shells=_tabbed("bash", "fish", "zsh"))
    ],
    "rerun-missing-file": [
        Case(App(("--experimental-rerun", "nope.pickle"), warns="other command line args are ignored"),
             {"file": "nope.pickle"})
    ],
    "rerun-not-a-pickle": [
        Case(App(("--experimental-rerun", "bad.pickle"), {"bad.pickle": "garbage\n"},
                 warns="other command line args are ignored"),
             {"file": "bad.pickle", "error": "invalid literal for int() with base 10: 'arbage\\n'"})
    ],
    "sweep-dir-not-creatable": [
        app("-m", "foo.bar=1,2", "hydra.sweep.dir=<tmp>/afile/sub", files={"afile": "x\n"},
            dir="<tmp>/afile/sub", error="Not a directory"),
    ],
    "output-dir-not-creatable": [
        app("hydra.run.dir=<tmp>/afile/sub", files={"afile": "x\n"}, dir="<tmp>/afile/sub",
            keys="hydra.run.dir", error="Not a directory"),
    ],
    "resolve-failed": [
        app("--cfg", "job", "--resolve", "+bad=${nope}", flags="--cfg job --resolve", key="bad",
            error="Interpolation key 'nope' not found"),
        app("--help", "--resolve", "+bad=${nope}", flags="--help --resolve", key="bad",
            error="Interpolation key 'nope' not found"),
    ],
    "env-copy-unset": [
        app("+hydra.job.env_copy=[RUNLAB_TEST_UNSET_VARIABLE]", name="RUNLAB_TEST_UNSET_VARIABLE"),
    ],
    "logging-config-refused": [
        app("hydra.job_logging.root.handlers=[nohandler]", setting="hydra.job_logging",
            error="Unable to add handler 'nohandler'"),
        app("hydra.hydra_logging.root.handlers=[nohandler]", setting="hydra.hydra_logging",
            error="Unable to add handler 'nohandler'"),
    ],
    "help-template-placeholder": [
        app("--help", "hydra.help.template=$NOPE", name="NOPE", key="hydra.help.template"),
        app("--hydra-help", "hydra.hydra_help.template=$NOPE", name="NOPE",
            key="hydra.hydra_help.template"),
    ],
    "primary-not-found": [app("--config-name", "nope", config="nope")],
    "primary-not-a-mapping": [
        app("--config-name", "d", files={"conf/d.yaml": "- 1\n- 2\n"}, config="d", type="ListConfig")
    ],
    "searchpath-not-a-list": [
        app("--config-name", "d", files={"conf/d.yaml": "hydra:\n  searchpath: 5\n"}, value="5")
    ],
    "group-package-no-group": [app("nope@pkg=x", override="nope@pkg=x", group="nope")],
    "defaults-duplicate-self": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - _self_\n  - db: mysql\n  - _self_\n"},
            config="d")
    ],
    "defaults-group-twice": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - hydra/launcher: basic\n  - _self_\n"},
            group="hydra/launcher")
    ],
    "defaults-interpolation-in-list": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: ['${x}']\n  - _self_\nx: mysql\n"},
            config="d")
    ],
    "defaults-interpolation-unresolved": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: ${nope}\n  - _self_\n"},
            text="${nope}")
    ],
    "schema-merge-error": [
        Case(App(("schema=mysql", "~db"), {"conf/schema/mysql.yaml": "port: abc\n", "conf/config.yaml":
                 "defaults:\n  - db: mysql\n  - schema: mysql\n  - _self_\n"},
                 warns="is validated against ConfigStore schema with the same name"),
             {"config": "schema/mysql", "omegaconf error": "Value 'abc' of type 'str' could not be "
              "converted to Integer\n    full_key: port\n    object_type=MySQLConfig"})
    ],
    "defaults-missing-self-error": [
        Case(App(("--config-name", "d"), {"conf/d.yaml": "defaults:\n  - db: mysql\nx: 1\n"},
                 env={"SELF_WARNING_AS_ERROR": "1"}), {"config": "d"})
    ],
    "primary-module-not-found": [
        app("--config-path", "pkg://nope_module_xyz", module="nope_module_xyz")
    ],
    "sweep-expand-error": [
        app("-m", "foo.bar=range(1,5,0)", override="foo.bar=range(1,5,0)",
            problem="range() arg 3 must not be zero")
    ],
    "instantiate-target-blocklisted": [
        app("+inst._target_=os.system", "+inst._args_=[ls]",
            overrides="['+inst._target_=os.system', '+inst._args_=[ls]']", target="os.system", key="inst"),
    ],
    "config-path-is-a-file": [app("--config-path", "conf/config.yaml")],
    "primary-dir-not-found": [app("--config-path", "<tmp>/nodir", dir="<tmp>/nodir")],
    "config-dir-not-found": [app("--config-dir", "<tmp>/nodir", dir="<tmp>/nodir")],
    "searchpath-outside-primary": [
        app("--config-name", "sp", config="sub", files={
            "conf/sp.yaml": "defaults:\n  - sub\n", "conf/sub.yaml": "hydra:\n  searchpath:\n    - file://x\n"})
    ],
    "yaml-parse-error": [
        app("--config-name", "bad", files={"conf/bad.yaml": "a: [1, 2\nb: 3\n"},
            file="<tmp>/conf/bad.yaml", line="2", column="2", problem="did not find expected ',' or ']'",
            context="  while parsing a flow sequence (line 1, column 4)"),
        app("db=postgresql", files={"conf/db/postgresql.yaml": "a: 1\nb: 2\na: 3\n"},
            file="<tmp>/conf/db/postgresql.yaml", line="3", column="1", problem="found duplicate key a",
            context="  while constructing a mapping (line 1, column 1)"),
    ],
    "header-format": [
        app("--config-name", "h", files={"conf/h.yaml": "# @package\nx: 1\n"},
            file="<tmp>/conf/h.yaml", problem="Expected header format: KEY VALUE, got '@package'"),
        app("--config-name", "h", files={"conf/h.yaml": "# @package a b\nx: 1\n"},
            file="<tmp>/conf/h.yaml", problem="Too many components in '@package a b'"),
    ],
    "override-syntax": [
        app("foo=[1,2", override="foo=[1,2", expected="',' or ']'", column="9",
            found="end of input", pointer="    foo=[1,2\n            ^"),
        app("foo.bar", override="foo.bar", expected="'@' or '='", column="8",
            found="end of input", pointer="    foo.bar\n           ^"),
    ],
    "override-unknown-function": [
        app("foo.bar=nope(1)", override="foo.bar=nope(1)", call="nope(1)", function="nope")
    ],
    "override-function-error": [
        app("foo.bar=int(abc)", override="foo.bar=int(abc)", error="ValueError", call="int(abc)",
            problem="invalid literal for int() with base 10: 'abc'"),
        app("foo.bar=choice()", override="foo.bar=choice()", error="ValueError", call="choice()",
            problem="empty choice is not legal"),
        app("foo.bar=tag(a)", override="foo.bar=tag(a)", error="ValueError", call="tag(a)",
            problem="Last argument to tag() must be a choice(), range() or interval(), got NoneType"),
    ],
    "override-ambiguous-sweep": [app("foo.bar=1,2", override="foo.bar=1,2")],
    "override-sweep-needs-multirun": [app("foo.bar=range(3)", override="foo.bar=range(3)")],
    "sweep-hydra-key": [app("-m", "hydra.run.dir=a,b", override="hydra.run.dir=a,b")],
    "sweep-type-unsupported": [app("-m", "foo.bar=interval(0,1)", type="INTERVAL_SWEEP")],
    "override-unterminated-quote": [
        app("foo=abc'", override="foo=abc'", quote="'", column="8", pointer="    foo=abc'\n           ^"),
    ],
    "override-missing-key": [
        app("foo.qux=2", key="foo.qux", value="2",
            **{"omegaconf error": "Key 'qux' is not in struct\n    full_key: foo.qux\n    object_type=dict"})
    ],
    "append-existing-key": [app("+foo.bar=2", key="foo.bar", value="2")],
    "delete-missing-key": [app("~foo.nope", key="foo.nope")],
    "delete-value-mismatch": [app("~foo.bar=2", key="foo.bar", value="1", expected="2")],
    "merge-error": [
        app("--config-name", "typed", "db.port=fail", files=TYPED, override="db.port=fail", **{
            "omegaconf error": "Value 'fail' of type 'str' could not be converted to Integer\n"
            "    full_key: db.port\n    object_type=MySQLConfig"}),
        app("hydra.job.chdir=maybe", override="hydra.job.chdir=maybe", **{
            "omegaconf error": "Value 'maybe' is not a valid bool (type str)\n"
            "    full_key: hydra.job.chdir\n    reference_type=JobConf\n    object_type=JobConf"}),
        app("+hydra.job.env_set.X=[1]", override="+hydra.job.env_set.X=[1]", **{
            "omegaconf error": "Cannot convert 'list' to string: '[1]'\n    full_key: hydra.job.env_set.X\n"
            "    reference_type=Dict[str, str]\n    object_type=dict"}),
    ],
    "typed-merge-key-error": [
        app("--config-name", "typed_bad", files=TYPED, config="db/bad", error="ConfigKeyError",
            **{"omegaconf error": "Key 'bogus' not in 'MySQLConfig'\n    full_key: db.bogus\n"
               "    object_type=MySQLConfig"})
    ],
    "group-option-not-found": [
        app("db=nope", config="config", group="db", option="nope", options=DB_OPTIONS),
        app("hydra/help=nope", config="hydra/config", group="hydra/help", option="nope",
            options=_tabbed("default")),
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: nope\n"},
            config="d", group="db", option="nope", options=DB_OPTIONS),
    ],
    "group-not-in-defaults": [app("extra=a", group="extra", option="a")],
    "group-wrong-package": [app("db@backup=mysql", group="db", package="backup", option="mysql")],
    "group-chosen-twice": [
        app("+db=postgresql", group="db", option="postgresql"),
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: mysql\n  - db: postgresql\n"},
            group="db", option="postgresql"),
    ],
    "group-force-add": [app("++db=postgresql", override="++db=postgresql")],
    "group-delete-no-match": [app("~db=postgresql", group="db", option="postgresql")],
    "group-mandatory": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: ???\n"}, group="db",
            options=DB_OPTIONS)
    ],
    "group-override-value": [
        app("db=null", group="db", override="db=null", type="NoneType"),
        app("db=1", group="db", override="db=1", type="int"),
    ],
    "group-override-list": [app("db=[mysql,1]", group="db", override="db=[mysql,1]", type="int")],
    "group-delete-value": [app("~db=1", group="db", override="~db=1")],
    "defaults-include-not-found": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - nope\n"}, config="d", include="nope")
    ],
    "defaults-override-no-match": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - override extra: a\n"},
            config="d", group="extra"),
    ],
    "defaults-override-order": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - override db: postgresql\n  - db: mysql\n"},
            config="d", group="db", option="postgresql", other="mysql")
    ],
    "defaults-includes-itself": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - d\n"}, config="d", cycle="d -> d")
    ],
    "defaults-not-a-list": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults: 5\n"}, config="d", type="int"),
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  db: mysql\n"}, config="d",
            type="mapping"),
    ],
    "defaults-too-many-keys": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - a: 1\n    b: 2\n"}, config="d",
            item="{'a': 1, 'b': 2}")
    ],
    "defaults-bad-entry": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - 5\n"}, config="d",
            problem="Unsupported type in defaults : int"),
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - _self_@foo\n"}, config="d",
            problem="_self_@PACKAGE is not supported"),
    ],
    "defaults-bad-value": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: 5\n"}, config="d", type="int")
    ],
    "defaults-missing-self": [
        app("--config-name", "d", files={"conf/d.yaml": "defaults:\n  - db: mysql\nx: 1\n"}, config="d")
    ],
    "job-failed": [
        app("+fail=boom", overrides="['+fail=boom']", exception="RuntimeError: boom"),
    ],
    "instantiate-target-not-found": [
        app("+inst._target_=nope_module_xyz.Nope", overrides="['+inst._target_=nope_module_xyz.Nope']",
            target="nope_module_xyz.Nope", key="inst"),
        app("+inst._target_=.foo", overrides="['+inst._target_=.foo']", target=".foo", key="inst"),
    ],
    "instantiate-call-failed": [
        app("+inst._target_=os.path.join", "+inst.bad=1",
            overrides="['+inst._target_=os.path.join', '+inst.bad=1']", target="posixpath.join",
            error="TypeError(\"join() got an unexpected keyword argument 'bad'\")", key="inst"),
    ],
    "plugin-not-installed": [
        app("-m", "foo.bar=1,2", "hydra.sweeper._target_=nope_module_xyz.Sweeper",
            target="nope_module_xyz.Sweeper", error="No module named 'nope_module_xyz'"),
    ],
    "plugin-class-not-found": [
        app("-m", "foo.bar=1,2", "hydra.launcher._target_=os.Nope", target="os.Nope"),
    ],
    "plugin-not-a-class": [
        app("-m", "foo.bar=1,2", "hydra.sweeper._target_=os.path.join", target="os.path.join"),
    ],
    "plugin-option-rejected": [
        app("-m", "foo.bar=1,2", "hydra/launcher=processes", "hydra.launcher.n_jobs=0",
            kind="launcher", target="runlab.plugins.processes.ProcessLauncher",
            problem="hydra.launcher.n_jobs == 0 has no meaning; use a positive number or -1 (all cores)"),
        app("-m", "foo.bar=1,2", "hydra/launcher=processes", "+hydra.launcher.bogus=1",
            kind="launcher", target="runlab.plugins.processes.ProcessLauncher",
            problem="ProcessLauncher.__init__() got an unexpected keyword argument 'bogus'"),
    ],
    "plugin-setting-invalid": [
        app("-m", "foo.bar=1,2", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=-1", key="n_trials",
            expected="a non-negative integer", value="-1"),
        app("-m", "foo.bar=1,2", "hydra/sweeper=optuna", "hydra.sweeper.direction=up", key="direction",
            expected="minimize or maximize (or a list of them)", value="'up'"),
        app("-m", "foo.bar=1,2", "hydra.sweeper.max_batch_size=0", key="max_batch_size",
            expected="a positive integer or null", value="0"),
    ],
    "optuna-sweep-unsupported": [
        app("-m", "hydra/sweeper=optuna", "foo.bar=glob(a*)", override="foo.bar=glob(a*)", kind="glob"),
    ],
    "optuna-too-many-failures": [
        app("-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=1", "foo.bar=1,2", failed="1",
            total="1", rate="0.0", error="Return value must be float-castable. Got 'None'."),
    ],
    "callback-target-not-found": [
        app("+hydra.callbacks.x._target_=nope_module_xyz.Callback", target="nope_module_xyz.Callback",
            key="hydra.callbacks.x"),
    ],
    "sweep-locked": [
        Case(App(("-m", "foo.bar=1,2", "hydra.sweep.dir=<tmp>/sweep"), lock_sweep="sweep"),
             {"dir": "<tmp>/sweep"}),
    ],
}


API_CASES: dict[str, list[Case]] = {
    "instantiate-not-callable": [api("instantiate({'_target_': 5})", target="5", type="int")],
    "instantiate-bad-config": [api("instantiate(5)", type="int")],
    "instantiate-flag-type": [
        api("instantiate({'_target_': 'builtins.dict', '_partial_': 'yes'})", flag="_partial_",
            type="str"),
        api("instantiate({'_target_': 'builtins.dict', '_recursive_': 'x'})", flag="_recursive_",
            type="str"),
    ],
    "instantiate-args-type": [
        api("instantiate({'_target_': 'builtins.dict', '_args_': 5})", target="builtins.dict",
            type="int", value="5")
    ],
    "get-class-not-a-class": [api("get_class('os.path.join')", type="function", path="os.path.join")],
    "get-method-not-callable": [api("get_method('os.sep')", type="str", path="os.sep")],
    "locate-module-not-found": [
        api("get_class('nope_module_xyz.Nope')", path="nope_module_xyz.Nope", module="nope_module_xyz")
    ],
    "compose-not-initialized": [api("compose(config_name='config')")],
    "initialize-twice": [
        api("initialize(version_base=None).__enter__()\ninitialize(version_base=None).__enter__()")
    ],
    "initialize-absolute-path": [api("initialize(config_path=tmp, version_base=None).__enter__()")],
    "initialize-relative-dir": [
        api("initialize_config_dir(config_dir='conf', version_base=None).__enter__()")
    ],
    "compose-strict": [
        api("initialize(version_base=None).__enter__()\ncompose(config_name=None, strict=True)")
    ],
    "version-base-invalid": [api("initialize(version_base='abc').__enter__()", value="abc")],
    "version-base-too-old": [api("initialize(version_base='1.0').__enter__()")],
    "hydra-config-not-set": [api("HydraConfig.get()")],
    "original-cwd-not-set": [api("get_original_cwd()")],
    "log-metrics-no-run": [
        api("runlab.log_metrics({'loss': 1.0})", env={"RUNLAB_STRICT_METRICS": "1"})
    ],
}

# The names an API case's code sees, imported from runlab here and from hydra in the oracle.
API_IMPORTS = """
from {pkg} import compose, initialize, initialize_config_dir
from {pkg}.core.hydra_config import HydraConfig
from {pkg}.utils import get_class, get_method, get_original_cwd, instantiate
"""


CLI_CASES: dict[str, list[Case]] = {
    "cli-usage": [
        cli("runs", "--status", "weird", command="runs", problem="argument --status: invalid "
            "choice: 'weird' (choose from 'running', 'completed', 'failed', 'killed')"),
    ],
    "cli-no-index": [cli("--index", "none.db", "runs", index="none", path="none.db")],
    "cli-index-not-a-directory": [cli("index", "nope", paths="nope")],
    "cli-resume-not-a-directory": [cli("resume", "nope", path="nope")],
    "cli-resume-not-a-sweep": [cli("resume", "multirun", path="multirun")],
    "cli-status-not-a-sweep": [cli("status", "nope", path="<tmp>/nope")],
    "cli-where-syntax": [cli("runs", "--where", "loss", command="runs", text="loss")],
    "cli-where-one-value": [cli("runs", "--where", "lr<1,2", command="runs", text="lr<1,2", op="<")],
    "cli-since-syntax": [
        cli("runs", "--since", "yesterday", command="runs", option="--since", text="yesterday"),
        cli("index", "--stale-after", "xyz", command="index", option="--stale-after", text="xyz"),
    ],
    "cli-index-unreadable": [
        cli("--index", "garbage.db", "runs", index="garbage", command="runs", path="garbage.db",
            error="file is not a database"),
    ],
    "cli-plot-suffix": [cli("plot", "param", "-o", "x.txt", file="x.txt")],
    "cli-no-sweep-match": [
        cli("compare", "nosuch", command="compare", text="nosuch"),
        cli("report", "nosuch", command="report", text="nosuch"),
    ],
    "cli-no-sweeps": [
        cli("compare", "last", index="empty", command="compare", text="last",
            path="<tmp>/.runlab/index.db"),
    ],
    "cli-no-run-match": [
        cli("show", "nosuch", command="show", text="nosuch"),
        cli("diff", "nosuch", "other", command="diff", text="nosuch"),
    ],
    "cli-no-runs-match": [
        cli("compare", "last", "--where", "lr=9", command="compare",
            filters="sweep 'last', --where lr=9, --status completed"),
        cli("plot", "param", "--where", "lr=9", "-o", "x.png", command="plot",
            filters="--where lr=9, --status completed"),
    ],
    "cli-missing-extra": [
        cli("plot", "param", "-o", "x.png", missing="matplotlib", command="plot", module="matplotlib",
            extra="plots"),
    ],
    "cli-unknown-metric": [
        cli("compare", "last", "--metric", "nope", command="compare", metric="nope",
            metrics="acc, loss"),
    ],
}


def all_cases() -> dict[str, list[Case]]:
    return {**CASES, **API_CASES, **CLI_CASES}


COMMON_BIND = {"prog": "app.py", "search path": SEARCH_PATH, "tab": "\t"}


def expected_text(row: Row, bind: Mapping[str, str]) -> str:
    text = row.message
    for name, value in {**COMMON_BIND, **bind}.items():
        text = text.replace(f"<{name}>", value)
    return text
