"""Every user-facing error message, produced the way a user meets it and compared with docs/errors.md.

The table in docs/errors.md is the single source of truth for each message's text, exit status and
how it is shown (stderr with Hydra's hint, stderr alone, argparse usage, a raised exception, a
warning).  This module only knows how to *trigger* each row — an app run in-process with a bad config
or command line, an API call, a ``runlab`` command — and what to put in the row's ``<placeholders>``.
A row without a trigger, a trigger without a row, or an output that differs from its row fails, so
the page and the behaviour cannot drift apart.  Whole outputs are compared (temporary paths written
``<tmp>``), which also proves that no traceback is printed.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from runlab.runtime.reporting import FULL_ERROR_HINT

DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

# ------------------------------------------------------------------------------------ the doc's table


@dataclass(frozen=True)
class Row:
    id: str
    shown: str
    message: str
    exit: int | None
    hydra: str


_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SHOWN = {"stderr+hint", "stderr", "usage", "exception", "warning"}


def _code_span(part: str, row_id: str) -> str:
    """The text of one line of a message cell: a code span, `` `text` `` or ``` `` text `` ```."""
    if part == "":
        return ""
    if part.startswith("``") and part.endswith("``") and len(part) > 4:
        text = part[2:-2]
        return text[1:-1] if text.startswith(" ") and text.endswith(" ") else text
    if part.startswith("`") and part.endswith("`") and len(part) > 1:
        return part[1:-1]
    raise AssertionError(f"{row_id}: message line {part!r} is not a code span")


def parse_table(text: str) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in _CELL_SPLIT.split(line.strip()[1:-1])]
        assert len(cells) == 6, f"row with {len(cells)} cells: {line}"
        row_id, _when, shown, message, exit_text, hydra = cells
        row_id = row_id.strip("`")
        assert row_id not in rows, f"duplicate row {row_id}"
        assert shown in _SHOWN, f"{row_id}: unknown 'shown as' {shown!r}"
        lines = [_code_span(part.strip(), row_id) for part in message.split("<br>")]
        rows[row_id] = Row(
            id=row_id,
            shown=shown,
            message="\n".join(lines).replace("\\|", "|"),
            exit=None if exit_text == "—" else int(exit_text),
            hydra=hydra,
        )
    return rows


ROWS = parse_table(DOC.read_text(encoding="utf-8"))

# ------------------------------------------------------------------------------------ triggers

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
    """``runlab ARGV`` in this process; ``index``: ``sweep`` (one recorded sweep), ``empty``, ``none``."""

    argv: tuple[str, ...]
    index: str = "sweep"


Trigger = App | Api | Cli


@dataclass(frozen=True)
class Case:
    trigger: Trigger
    bind: Mapping[str, str] = field(default_factory=dict)


def app(*argv: str, files: Mapping[str, str] | None = None, **bind: str) -> Case:
    return Case(App(argv, files or {}), bind)


def cli(*argv: str, index: str = "sweep", **bind: str) -> Case:
    return Case(Cli(argv, index), bind)


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
GRAMMAR = "<error> while evaluating"
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
    "cli-status-not-a-sweep": [cli("status", "nope", path="<tmp>/nope")],
    "cli-where-syntax": [cli("runs", "--where", "loss", command="runs", text="loss")],
    "cli-where-one-value": [cli("runs", "--where", "lr<1,2", command="runs", text="lr<1,2", op="<")],
    "cli-since-syntax": [cli("runs", "--since", "yesterday", command="runs", text="yesterday")],
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
    "cli-unknown-metric": [
        cli("compare", "last", "--metric", "nope", command="compare", metric="nope",
            metrics="acc, loss"),
    ],
}


def all_cases() -> dict[str, list[Case]]:
    return {**CASES, **API_CASES, **CLI_CASES}


COMMON_BIND = {"prog": "app.py", "search path": SEARCH_PATH, "tab": "\t"}

# ------------------------------------------------------------------------------------ observing


@dataclass(frozen=True)
class Observed:
    code: int | None
    err: str
    text: str | None = None  # "Type: message" of a raised exception, or a warning's message


def _task(cfg: Any) -> None:
    from runlab.utils import instantiate

    if "inst" in cfg:
        instantiate(cfg.inst)
    if "fail" in cfg:
        raise RuntimeError(cfg.fail)


@dataclass
class MySQLConfig:
    driver: str = "mysql"
    port: int = 3306


@pytest.fixture
def schema() -> Iterator[None]:
    """``schema/mysql`` in the ConfigStore for the typed cases, removed afterwards."""
    from runlab.core.config_store import ConfigStore

    store = ConfigStore.instance()
    before = store.repo.get("schema")
    saved = dict(before) if isinstance(before, dict) else None
    store.store(group="schema", name="mysql", node=MySQLConfig)
    yield
    if saved is None:
        store.repo.pop("schema", None)
    else:
        store.repo["schema"] = saved


@pytest.fixture
def clean_state() -> Iterator[None]:
    from runlab.core.global_hydra import GlobalHydra
    from runlab.runtime import context
    from runlab.tracking import metrics
    from runlab.tracking.store import close_shared

    GlobalHydra.instance().clear()
    context.register_resolvers()
    context.restore_hydra_config(None)
    metrics._process_sink = None
    yield
    GlobalHydra.instance().clear()
    context.restore_hydra_config(None)
    metrics._process_sink = None
    close_shared()


def _write(root: Path, files: Mapping[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _lock(sweep_dir: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    from runlab.runtime import sweep_state

    monkeypatch.setattr(sweep_state, "_LOCK_WAIT_SECONDS", 0.0)
    state = sweep_dir / sweep_state.STATE_DIR
    state.mkdir(parents=True)
    fd = os.open(state / sweep_state.LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _run_app(trigger: App, tmp: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch, warning: str | None) -> Observed:
    from runlab.runtime.app import run_app

    _write(tmp, {**FILES, **trigger.files})
    argv = [arg.replace("<tmp>", str(tmp)) for arg in trigger.argv]
    monkeypatch.setattr(sys, "argv", ["app.py", *argv])
    lock = _lock(tmp / trigger.lock_sweep, monkeypatch) if trigger.lock_sweep else None
    for name, value in trigger.env.items():
        monkeypatch.setenv(name, value)
    code: int | None = 0
    caught: list[str] = []
    try:
        expected_warning = warning or trigger.warns
        with pytest.warns(UserWarning) if expected_warning else _no_context() as record:
            try:
                run_app(task_function=_task, config_path=str(tmp / "conf"), config_name="config",
                        version_base="1.3", args=argv)
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 1
        caught = [str(w.message) for w in record or []]
    finally:
        if lock is not None:
            os.close(lock)
    if trigger.warns:
        assert any(re.search(trigger.warns, text) for text in caught), caught
    return Observed(code, capsys.readouterr().err, "\n".join(caught) if warning else None)


class _no_context:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


def _run_api(trigger: Api, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Observed:
    import runlab

    for name, value in trigger.env.items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {"runlab": runlab, "tmp": str(tmp)}
    exec(API_IMPORTS.format(pkg="runlab"), namespace)  # noqa: S102 - the cases are code, as users write it
    try:
        exec(trigger.code, namespace)  # noqa: S102
    except Exception as error:  # noqa: BLE001 - the error is what is observed
        return Observed(None, "", f"{type(error).__name__}: {error}")
    raise AssertionError("the call raised nothing")


def _run_cli(trigger: Cli, tmp: Path, capsys: pytest.CaptureFixture[str]) -> Observed:
    from runlab.cli import main

    if trigger.index == "sweep":
        from run_factory import make_sweep

        make_sweep(tmp / "multirun" / "s1", {"lr": [0.1, 0.2]}, lambda p: p["lr"],
                   index_path=tmp / ".runlab" / "index.db")
    elif trigger.index == "empty":
        (tmp / "empty").mkdir()
        assert main(["index", "empty"]) == 0
    capsys.readouterr()
    try:
        code: int | None = main(list(trigger.argv))
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    return Observed(code, capsys.readouterr().err)


def _normalize(text: str, tmp: Path) -> str:
    for spelling in {os.path.realpath(tmp), str(tmp)}:
        text = text.replace(spelling, "<tmp>")
    return text


def expected_text(row: Row, bind: Mapping[str, str]) -> str:
    text = row.message
    for name, value in {**COMMON_BIND, **bind}.items():
        text = text.replace(f"<{name}>", value)
    return text


def matches(expected: str, actual: str) -> bool:
    """Equal, except that ``<frames>`` stands for any stack frames."""
    pattern = ".*".join(re.escape(part) for part in expected.split("<frames>"))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None


PARAMS = [
    pytest.param(row_id, number, id=f"{row_id}-{number}")
    for row_id, cases in all_cases().items()
    for number in range(len(cases))
]


@pytest.mark.usefixtures("schema", "clean_state")
@pytest.mark.parametrize(("row_id", "number"), PARAMS)
def test_message_matches_the_table(
    row_id: str, number: int, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    row = ROWS[row_id]
    case = all_cases()[row_id][number]
    trigger = case.trigger
    if isinstance(trigger, App):
        seen = _run_app(trigger, tmp_path, capsys, monkeypatch,
                        row.message if row.shown == "warning" else None)
    elif isinstance(trigger, Api):
        seen = _run_api(trigger, tmp_path, monkeypatch)
    else:
        seen = _run_cli(trigger, tmp_path, capsys)
    expected = expected_text(row, case.bind)
    err = _normalize(seen.err, tmp_path)
    assert seen.code == row.exit
    if row.shown == "stderr+hint":
        assert matches(expected + "\n" + FULL_ERROR_HINT + "\n", err), err
    elif row.shown == "stderr":
        assert err == expected + "\n"
    elif row.shown == "usage":
        assert err.startswith("usage: ") and err.endswith("\n" + expected + "\n"), err
    elif row.shown == "exception":
        assert _normalize(seen.text or "", tmp_path) == expected
    else:  # warning: the run succeeds, the warning's text is the message
        assert err == "" and seen.text is not None
        assert expected in seen.text.split("\n"), seen.text


def test_every_row_has_a_trigger_and_every_trigger_a_row() -> None:
    assert sorted(ROWS) == sorted(all_cases())


# ------------------------------------------------------------------------------------ hydra-core

# Runs the same app and API cases under hydra-core 1.3.8, all in one process (stdin: the cases as
# JSON; stdout: what each printed on stderr, its exit code and what it raised or warned).
ORACLE_DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, os, sys, warnings
    from dataclasses import dataclass

    import hydra
    from hydra.core.config_store import ConfigStore
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    @dataclass
    class MySQLConfig:
        driver: str = "mysql"
        port: int = 3306

    ConfigStore.instance().store(group="schema", name="mysql", node=MySQLConfig)

    def task(cfg):
        from hydra.utils import instantiate
        if "inst" in cfg:
            instantiate(cfg.inst)
        if "fail" in cfg:
            raise RuntimeError(cfg.fail)

    results = []
    for case in json.load(sys.stdin):
        root = case["root"]
        for relative, text in case["files"].items():
            os.makedirs(os.path.dirname(os.path.join(root, relative)), exist_ok=True)
            with open(os.path.join(root, relative), "w") as file:
                file.write(text)
        os.makedirs(root, exist_ok=True)
        os.chdir(root)
        GlobalHydra.instance().clear()
        HydraConfig.instance().cfg = None
        saved = dict(os.environ)
        os.environ.update(case["env"])
        err, code, raised = io.StringIO(), 0, None
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(err), \\
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("always")
            try:
                if case["argv"] is not None:
                    sys.argv = ["app.py", *case["argv"]]
                    main = hydra.main(version_base=None, config_path=os.path.join(root, "conf"),
                                      config_name="config")
                    main(task)()
                else:
                    namespace = {"tmp": root}
                    exec(case["imports"], namespace)
                    exec(case["code"], namespace)
            except SystemExit as exit_:
                code = exit_.code
            except Exception as error:
                code, raised = None, f"{type(error).__name__}: {error}"
        os.environ.clear()
        os.environ.update(saved)
        warned = [str(w.message) for w in caught]
        results.append({"code": code, "err": err.getvalue(), "raised": raised, "warned": warned})
    print(json.dumps(results))
    """
)


def _oracle_cases(tmp: Path) -> list[tuple[Row, Case, dict[str, Any]]]:
    """Every app and API case of a row that claims Hydra's text, as the driver's input."""
    chosen: list[tuple[Row, Case, dict[str, Any]]] = []
    for row_id, cases in {**CASES, **API_CASES}.items():
        row = ROWS[row_id]
        if not row.hydra.startswith("verbatim"):
            continue
        for number, case in enumerate(cases):
            root = tmp / f"{row_id}-{number}"
            trigger = case.trigger
            spec: dict[str, Any] = {"root": str(root), "argv": None, "files": {}, "env": {}}
            if isinstance(trigger, App):
                spec["argv"] = [arg.replace("<tmp>", str(root)) for arg in trigger.argv]
                spec["files"] = {**FILES, **trigger.files}
                spec["env"] = dict(trigger.env)
            else:
                assert isinstance(trigger, Api)
                spec.update(code=trigger.code, imports=API_IMPORTS.format(pkg="hydra"))
            chosen.append((row, case, spec))
    return chosen


@pytest.mark.oracle
def test_rows_marked_verbatim_are_hydras_text(tmp_path: Path) -> None:
    """hydra-core 1.3.8 prints (or raises) exactly the message of every row marked verbatim."""
    import json

    from oracle import oracle_env, oracle_python

    chosen = _oracle_cases(tmp_path)
    done = subprocess.run([oracle_python(), "-c", ORACLE_DRIVER], input=json.dumps([c[2] for c in chosen]),
                          env=oracle_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    failures = []
    for (row, case, spec), seen in zip(chosen, json.loads(done.stdout), strict=True):
        root = Path(spec["root"])
        expected = expected_text(row, case.bind)
        err = _normalize(seen["err"], root).replace("pkg://hydra.conf", "pkg://runlab.conf")
        raised = _normalize(seen["raised"] or "", root)
        if row.hydra == "verbatim text, no traceback":
            ok = seen["code"] in (1, None) and (expected in err or raised.endswith(": " + expected))
        elif row.shown == "stderr+hint":
            ok = seen["code"] == 1 and matches(expected + "\n" + FULL_ERROR_HINT + "\n", err)
        elif row.shown == "stderr":
            ok = seen["code"] == row.exit and err == expected + "\n"
        elif row.shown == "usage":
            ok = seen["code"] == 2 and err.endswith("\n" + expected + "\n")
        elif row.shown == "exception":
            ok = raised == expected
        else:
            ok = seen["code"] == 0 and expected in seen["warned"]
        if not ok:
            failures.append(f"{root.name}: expected\n{expected}\nhydra printed\n{err}{raised}")
    assert not failures, "\n\n".join(failures)


def test_doc_is_linked_from_the_readme() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/errors.md" in readme


# ------------------------------------------------------------------------------------ real processes

SCRIPT = textwrap.dedent(
    """
    import runlab

    @runlab.main(version_base=None, config_path="conf", config_name="config")
    def main(cfg):
        if "fail" in cfg:
            raise RuntimeError(cfg.fail)

    if __name__ == "__main__":
        main()
    """
)


def _script(tmp: Path, *argv: str, full_error: bool) -> subprocess.CompletedProcess[str]:
    _write(tmp, {**FILES, "app.py": SCRIPT})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env.pop("PYTHONPATH", None)
    if full_error:
        env["HYDRA_FULL_ERROR"] = "1"
    return subprocess.run([sys.executable, "app.py", *argv], cwd=tmp, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_a_real_process_prints_the_compact_message_and_exits_1(tmp_path: Path) -> None:
    done = _script(tmp_path, "db=nope", full_error=False)
    row = ROWS["group-option-not-found"]
    bind = {"config": "config", "group": "db", "option": "nope", "options": DB_OPTIONS}
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert _normalize(done.stderr, tmp_path) == expected_text(row, bind) + "\n" + FULL_ERROR_HINT + "\n"


def test_hydra_full_error_shows_the_traceback(tmp_path: Path) -> None:
    done = _script(tmp_path, "db=nope", full_error=True)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):\n")
    assert done.stderr.rstrip().endswith("\tprovider=schema, path=structured://")
    assert "runlab.errors.MissingConfigException: In 'config': Could not find 'db/nope'" in done.stderr
    assert "HYDRA_FULL_ERROR=1 for a complete stack trace" not in done.stderr
