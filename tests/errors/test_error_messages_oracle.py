"""The rows of docs/errors.md marked verbatim, checked against hydra-core 1.3.8 itself.

All app and API cases of those rows run in one oracle process (hydra-core cannot share runlab's
environment); each case's output must equal the row's message just as runlab's does.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
from error_cases import API_CASES, API_IMPORTS, CASES, FILES, Api, App, Case, expected_text
from error_table import ROWS, Row, matches, normalize
from oracle import oracle_env, oracle_python

from runlab.runtime.reporting import FULL_ERROR_HINT

pytestmark = pytest.mark.oracle

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


def test_rows_marked_verbatim_are_hydras_text(tmp_path: Path) -> None:
    """hydra-core 1.3.8 prints (or raises) exactly the message of every row marked verbatim."""
    chosen = _oracle_cases(tmp_path)
    claimed = {row.id for row in ROWS.values() if row.hydra.startswith("verbatim")}
    assert {row.id for row, _case, _spec in chosen} == claimed  # every claim is checked
    done = subprocess.run([oracle_python(), "-c", ORACLE_DRIVER], input=json.dumps([c[2] for c in chosen]),
                          env=oracle_env(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    failures = []
    for (row, case, spec), seen in zip(chosen, json.loads(done.stdout), strict=True):
        root = Path(spec["root"])
        expected = expected_text(row, case.bind)
        err = normalize(seen["err"], root).replace("pkg://hydra.conf", "pkg://runlab.conf")
        raised = normalize(seen["raised"] or "", root)
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
