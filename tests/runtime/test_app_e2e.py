"""End to end: small apps run as real processes with runlab's interpreter."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

from omegaconf import OmegaConf
from runtime.app_builders import DB_TREE, run_script, write_tree

APP = """\
import logging
import sys

import runlab
from omegaconf import OmegaConf

log = logging.getLogger(__name__)


@runlab.main(version_base=None, config_path="conf", config_name="config")
def my_app(cfg):
    log.info("x is %s", cfg.x)
    print(OmegaConf.to_yaml(cfg), end="")
    if cfg.get("fail"):
        helper(cfg.x)
    if cfg.get("exit_code"):
        sys.exit(cfg.exit_code)
    return 5


def helper(x):
    raise ValueError(f"bad {x}")


if __name__ == "__main__":
    print("returned", my_app())
    print("direct", my_app(OmegaConf.create({"x": 0})))
"""


def make_app(tmp_path: Path, source: str = APP) -> Path:
    write_tree(tmp_path, {**DB_TREE, "my_app.py": source})
    return tmp_path / "my_app.py"


def test_run_creates_outputs_and_main_returns_none(tmp_path: Path) -> None:
    script = make_app(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    done = run_script(script, ["db=postgresql", "hydra.run.dir=run1"], cwd=work)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].endswith("[__main__][INFO] - x is 1")
    assert "returned None\n" in done.stdout and "direct 5\n" in done.stdout
    out = work / "run1"
    assert sorted(p.name for p in (out / ".hydra").iterdir()) == [
        "config.yaml",
        "hydra.yaml",
        "overrides.yaml",
    ]
    assert (out / ".hydra" / "overrides.yaml").read_text() == "- db=postgresql\n"
    assert "x is 1" in (out / "my_app.log").read_text()
    record = json.loads((out / ".runlab" / "log.jsonl").read_text().splitlines()[0])
    assert record["message"] == "x is 1" and record["level"] == "INFO"
    hydra = OmegaConf.load(out / ".hydra" / "hydra.yaml").hydra
    assert hydra.job.name == "my_app" and hydra.runtime.cwd == str(work)
    assert hydra.runtime.output_dir == str(out)


def test_task_error_is_trimmed_to_user_frames(tmp_path: Path) -> None:
    script = make_app(tmp_path)
    done = run_script(script, ["+fail=true", "hydra.run.dir=o"], cwd=tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "Error executing job with overrides: ['+fail=true']"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[2].endswith("in my_app")
    assert "in helper" in done.stderr and "runlab" not in done.stderr
    assert lines[-3:] == [
        "ValueError: bad 1",
        "",
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.",
    ]


def test_full_error_shows_runlab_frames(tmp_path: Path) -> None:
    done = run_script(
        make_app(tmp_path),
        ["+fail=true", "hydra.run.dir=o"],
        cwd=tmp_path,
        env={"HYDRA_FULL_ERROR": "1"},
    )
    assert done.returncode == 1
    assert "runlab/runtime/jobs.py" in done.stderr and "HYDRA_FULL_ERROR=1 for" not in done.stderr


def test_sys_exit_in_task_exits_with_its_code(tmp_path: Path) -> None:
    done = run_script(make_app(tmp_path), ["+exit_code=42", "hydra.run.dir=o"], cwd=tmp_path)
    assert done.returncode == 42


def test_overrides_around_flags_are_accepted(tmp_path: Path) -> None:
    done = run_script(make_app(tmp_path), ["x=3", "--cfg", "job", "db=postgresql"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout
        == "db:\n  driver: postgresql\n  user: pg\nx: 3\n'y': ${x}\nreturned None\nx: 0\ndirect 5\n"
    )


def test_argparse_error_exits_2(tmp_path: Path) -> None:
    done = run_script(make_app(tmp_path), ["--cfg", "fg"], cwd=tmp_path)
    assert done.returncode == 2
    assert "my_app.py: error: argument --cfg/-c: invalid choice: 'fg'" in done.stderr


def test_version_base_1_1_changes_directory_and_warns(tmp_path: Path) -> None:
    source = APP.replace("version_base=None", 'version_base="1.1"').replace(
        "    log.info", "    print('cwd', __import__('os').getcwd())\n    log.info"
    )
    done = run_script(make_app(tmp_path, source), ["hydra.run.dir=o"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"cwd {tmp_path / 'o'}\n" in done.stdout
    assert 'version_base="1.1" selects Hydra 1.1 compatibility behavior' in done.stderr
    assert "Future Hydra versions will no longer change working directory" in done.stderr


def test_chdir_true_under_current_base(tmp_path: Path) -> None:
    source = APP.replace(
        "    log.info", "    print('cwd', __import__('os').getcwd())\n    log.info"
    )
    done = run_script(
        make_app(tmp_path, source), ["hydra.run.dir=o", "hydra.job.chdir=true"], cwd=tmp_path
    )
    assert f"cwd {tmp_path / 'o'}\n" in done.stdout
    assert done.stderr == ""


def test_callbacks_and_rerun_from_pickle(tmp_path: Path) -> None:
    script = make_app(tmp_path)
    callback = (
        "+hydra.callbacks.pickle={_target_:runlab.experimental.callbacks.PickleJobInfoCallback}"
    )
    done = run_script(script, ["x=7", "hydra.run.dir=o", callback], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pickled = tmp_path / "o" / ".hydra" / "config.pickle"
    assert "Saving job configs in " + str(pickled) in done.stdout
    job_return = pickle.loads((tmp_path / "o" / ".hydra" / "job_return.pickle").read_bytes())
    assert job_return.return_value == 5
    again = run_script(script, ["--experimental-rerun", str(pickled)], cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "x: 7\n" in again.stdout
    assert "Experimental rerun CLI option, other command line args are ignored." in again.stderr


def test_rerun_of_a_missing_pickle_is_a_short_error(tmp_path: Path) -> None:
    done = run_script(make_app(tmp_path), ["--experimental-rerun", "nope.pickle"], cwd=tmp_path)
    assert done.returncode == 1
    assert "File nope.pickle does not exist!\n" in done.stderr and "Traceback" not in done.stderr


def test_log_job_return_callback(tmp_path: Path) -> None:
    callback = "+hydra.callbacks.log={_target_:runlab.experimental.callbacks.LogJobReturnCallback}"
    done = run_script(make_app(tmp_path), ["hydra.run.dir=o", callback], cwd=tmp_path)
    assert (
        "[runlab.experimental.callbacks.LogJobReturnCallback][INFO] - Succeeded with return value: 5"
        in done.stdout
    )


def test_verbose_and_disabled_logging(tmp_path: Path) -> None:
    script = make_app(tmp_path)
    verbose = run_script(script, ["hydra.verbose=true", "hydra.run.dir=o"], cwd=tmp_path)
    assert "[HYDRA] Config search path" in verbose.stdout
    quiet = run_script(script, ["hydra/job_logging=disabled", "hydra.run.dir=q"], cwd=tmp_path)
    assert "x is 1" not in quiet.stdout
    assert not (tmp_path / "q" / "my_app.log").exists()


PACKAGED_APP = """\
import runlab
from omegaconf import OmegaConf
from runlab.core.hydra_config import HydraConfig


class Task:
    def __call__(self, cfg):
        print(OmegaConf.to_yaml(cfg), HydraConfig.get().job.name, sep="", end="")


main = runlab.main(version_base=None, config_path="conf", config_name="config")(Task())


def run():
    main()
"""


def test_installed_module_uses_package_configs_and_module_job_name(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "mypkg/__init__.py": "",
            "mypkg/conf/__init__.py": "",
            "mypkg/conf/config.yaml": "a: 1\n",
            "mypkg/app.py": PACKAGED_APP,
            "launch.py": "from mypkg.app import run\nrun()\n",
        },
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = run_script(tmp_path / "launch.py", ["a=2", "hydra.run.dir=o"], cwd=work)
    assert (done.returncode, done.stdout) == (0, "a: 2\napp"), done.stderr
    assert (work / "o" / "app.log").is_file()
