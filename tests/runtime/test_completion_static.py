"""Completion answered from the script's source, without importing the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from runtime.app_builders import DB_TREE, write_tree

from runlab.runtime.completion_static import FALLBACK, main, read_static_app

APP = """\
import heavy_library_that_does_not_exist
import runlab as hydra

@hydra.main(version_base=None, config_path="conf", config_name="config")
def my_app(cfg):
    pass
"""


def test_literal_decorator_arguments_are_read(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.py": APP})
    app = read_static_app(str(tmp_path / "app.py"))
    assert app is not None
    assert (app.config_path, app.config_name, app.version_base) == ("conf", "config", None)


@pytest.mark.parametrize(
    "source",
    [
        APP.replace('config_name="config"', "config_name=NAME"),
        APP.replace("version_base=None, ", ""),
        APP + "from hydra.core.config_store import ConfigStore\n",
        APP + "\n@hydra.main(version_base=None, config_path=None)\ndef other(cfg):\n    pass\n",
        "def broken(:\n",
    ],
    ids=["computed-name", "implicit-version-base", "config-store", "two-mains", "syntax-error"],
)
def test_anything_dynamic_falls_back_to_running_the_app(tmp_path: Path, source: str) -> None:
    write_tree(tmp_path, {"app.py": source})
    assert read_static_app(str(tmp_path / "app.py")) is None
    assert main([str(tmp_path / "app.py"), "bash"]) == FALLBACK


def test_answers_without_importing_the_app(tmp_path: Path) -> None:
    write_tree(tmp_path, {**DB_TREE, "app.py": APP})
    done = subprocess.run(
        [sys.executable, "-m", "runlab.runtime.completion_static", "app.py", "bash"],
        cwd=tmp_path,
        env={"COMP_LINE": "python app.py db=", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "db=mysql db=postgresql\n"), done.stderr


@pytest.mark.parametrize(
    ("app_source", "path"),
    [
        (APP, "static"),
        (
            APP.replace("import heavy_library_that_does_not_exist\n", "").replace(
                "version_base=None, ", 'version_base="1.3", '
            )
            + "\nif __name__ == '__main__':\n    my_app()\n"
            + "# ConfigStore\n",
            "app",
        ),
    ],
)
def test_installed_bash_function_completes(tmp_path: Path, app_source: str, path: str) -> None:
    write_tree(tmp_path, {**DB_TREE, "app.py": app_source})
    install = subprocess.run(
        [
            sys.executable,
            "-c",
            "from runlab.runtime.completion import install_script; print(install_script('bash', 'app.py'))",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    script = (
        install
        + '\nCOMP_LINE="python app.py db=" COMP_CWORD=2 hydra_bash_completion\necho "${COMPREPLY[*]}"\n'
    )
    done = subprocess.run(
        ["/bin/bash", "-c", script],
        cwd=tmp_path,
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.stdout.strip().splitlines()[-1] == "db=mysql db=postgresql", (path, done.stderr)
