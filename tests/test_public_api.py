"""The public surface: ``runlab.__all__`` is sorted, complete and resolvable, and importing is cheap.

Hydra users migrate with ``import runlab as hydra``; these tests pin the names they rely on and keep
the import of a plain app free of the runtime, tracking and plugin machinery.
"""

from __future__ import annotations

import subprocess
import sys

import runlab

HYDRA_TOP_LEVEL = {
    "MissingConfigException",
    "TaskFunction",
    "compose",
    "initialize",
    "initialize_config_dir",
    "initialize_config_module",
    "main",
    "utils",
}


def test_all_is_sorted_and_unique() -> None:
    assert runlab.__all__ == sorted(set(runlab.__all__))


def test_every_exported_name_resolves() -> None:
    for name in runlab.__all__:
        assert getattr(runlab, name) is not None, name


def test_hydra_top_level_names_are_exported() -> None:
    assert HYDRA_TOP_LEVEL <= set(runlab.__all__)


def test_functions_win_over_their_modules() -> None:
    import runlab.compose
    import runlab.main

    assert callable(runlab.compose) and runlab.compose.__name__ == "compose"
    assert runlab.main.__name__ == "main"


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        runlab.no_such_name  # noqa: B018
    except AttributeError as error:
        assert "no_such_name" in str(error)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_loads_no_heavy_modules() -> None:
    code = (
        "import sys, runlab\n"
        "heavy = [m for m in sys.modules if m.startswith(('runlab.runtime', 'runlab.tracking', "
        "'runlab.plugins', 'runlab.cli', 'logging.config', 'sqlite3', 'argparse', 'multiprocessing'))]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
