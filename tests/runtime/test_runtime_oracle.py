"""Differential checks against hydra-core 1.3.8 for the runtime's own outputs.

Each case runs the same ``import hydra`` app under the oracle and under runlab (through the test shim)
and compares stdout/stderr/exit code after replacing the app directory and the two built-in config
module names.  Cases cover what the shared e2e corpus does not: help placeholders, completion queries,
--info tables, callback events and JobReturn fields, env handling around the task.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from oracle import run_oracle_script, run_runlab_script
from runtime.app_builders import DB_TREE, write_tree

pytestmark = pytest.mark.oracle

APP = """\
import os
import hydra
from omegaconf import OmegaConf
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback


class Events(Callback):
    def __init__(self, name):
        self.name = name

    def on_run_start(self, config, **kw):
        print(self.name, "run_start", sorted(kw), OmegaConf.is_missing(config.hydra.runtime, "output_dir"))

    def on_job_start(self, config, **kw):
        print(self.name, "job_start", sorted(kw), os.environ.get("RT_ENV"))

    def on_job_end(self, config, job_return, **kw):
        print(self.name, "job_end", sorted(kw), job_return.status.name, job_return.return_value,
              job_return.task_name, job_return.overrides, sorted(job_return.hydra_cfg), list(job_return.cfg))

    def on_run_end(self, config, **kw):
        print(self.name, "run_end", sorted(kw))


@hydra.main(version_base=None, config_path="conf", config_name="config")
def my_app(cfg):
    print("task", os.environ.get("RT_ENV"), HydraConfig.get().job.name)
    return cfg.x


if __name__ == "__main__":
    my_app()
    print("after", os.environ.get("RT_ENV"))
"""

CALLBACKS = [
    "+hydra.callbacks.a={_target_:my_app.Events,name:a}",
    "+hydra.callbacks.b={_target_:my_app.Events,name:b}",
]

CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "callbacks_and_env": (
        ["hydra.run.dir=o", "+hydra.job.env_set.RT_ENV=set", *CALLBACKS, "x=4"],
        {},
    ),
    "help_placeholders": (
        ["--help", 'hydra.help.template="[$FLAGS_HELP][$APP_CONFIG_GROUPS][$CONFIG]"'],
        {},
    ),
    "help_resolve": (["--help", "--resolve", 'hydra.help.template="$CONFIG"'], {}),
    "hydra_help_config": (
        ["--hydra-help", 'hydra.hydra_help.template="$APP_CONFIG_GROUPS|$FLAGS_HELP"', "+x=3"],
        {},
    ),
    "info_searchpath": (["--info", "searchpath"], {}),
    "info_defaults": (["--info", "defaults", "db=postgresql"], {}),
    "query_top": (["-sc", "query=bash"], {"COMP_LINE": "python my_app.py "}),
    "query_group": (["-sc", "query=bash"], {"COMP_LINE": "python my_app.py db="}),
    "query_key": (["-sc", "query=fish"], {"COMP_LINE": "python my_app.py db."}),
    "query_value": (["-sc", "query=bash"], {"COMP_LINE": "python my_app.py db.driver="}),
    "query_plus": (["-sc", "query=bash"], {"COMP_LINE": "python my_app.py +"}),
    "query_multirun": (
        ["-sc", "query=bash"],
        {"COMP_LINE": "python my_app.py -m db=mysql,postgresql x"},
    ),
    "cfg_package_leaf": (["--cfg", "job", "-p", "db.user"], {}),
    "cfg_hydra_job": (["--cfg", "hydra", "-p", "hydra.job", "x=2"], {}),
}


def _observe(run: object, root: Path, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    done = run(root / "my_app.py", args, cwd=root, env=env)  # type: ignore[operator]
    text = []
    for stream in (done.stdout, done.stderr):
        stream = stream.replace(str(root), "<ROOT>").replace("pkg://hydra.conf", "pkg://<BUILTIN>")
        stream = stream.replace("pkg://runlab.conf", "pkg://<BUILTIN>")
        # --info tables pad columns to the longest cell, which contains the (different) app directory.
        stream = re.sub(r" {2,}\|", " |", stream)
        stream = re.sub(r"^-{5,}$", "-----", stream, flags=re.MULTILINE)
        text.append(stream)
    return done.returncode, text[0], text[1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_runtime_output_matches_hydra(tmp_path: Path, case: str) -> None:
    args, env = CASES[case]
    results = []
    for name, runner in (("hydra", run_oracle_script), ("runlab", run_runlab_script)):
        root = tmp_path / name
        write_tree(root, {**DB_TREE, "my_app.py": APP})
        results.append(_observe(runner, root, args, env))
        shutil.rmtree(root / "o", ignore_errors=True)
    hydra, runlab = results
    if case == "query_top":
        # runlab ships more hydra/* option groups (hydra/sweeper has sub-groups), same rules otherwise.
        hydra = (hydra[0], hydra[1].replace("hydra ", ""), hydra[2])
        runlab = (runlab[0], runlab[1].replace("hydra ", ""), runlab[2])
    assert runlab == hydra
