"""Every example of the user's study notes (shared/seed/hydra-study-notes.md) run as written.

The notes follow Hydra's basic tutorial; each test builds the files the note shows, runs the command it
shows with ``import hydra`` mapped to runlab (the documented ``import runlab as hydra``), and checks the
output the note records.  Where the note abbreviates (e.g. key order of a printed config), the files are
written so that the note's output is the exact expected output.
"""

from __future__ import annotations

import re
from pathlib import Path

from runtime.app_builders import run_script, write_tree

PRINT_APP = """\
from omegaconf import DictConfig, OmegaConf
import runlab as hydra

@hydra.main(version_base=None, config_path={config_path!r}, config_name={config_name!r})
def my_app(cfg):
    print(OmegaConf.to_yaml(cfg))

if __name__ == "__main__":
    my_app()
"""

POSTGRESQL = "driver: postgresql\npass: drowssap\ntimeout: 10\nuser: postgres_user\n"
MYSQL = "driver: mysql\nuser: omry\npassword: secret\n"
PG_TIMEOUT_20 = (
    "db:\n  driver: postgresql\n  pass: drowssap\n  timeout: 20\n  user: postgres_user\n\n"
)


def _app(
    tmp_path: Path,
    files: dict[str, str],
    config_path: str | None = "conf",
    config_name: str | None = "config",
) -> Path:
    write_tree(
        tmp_path,
        {**files, "my_app.py": PRINT_APP.format(config_path=config_path, config_name=config_name)},
    )
    return tmp_path / "my_app.py"


def _run(script: Path, *args: str) -> tuple[int, str, str]:
    done = run_script(script, list(args), cwd=script.parent)
    return done.returncode, done.stdout, done.stderr


def test_empty_config_app(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "my_app.py": "from omegaconf import DictConfig, OmegaConf\nimport runlab as hydra\n\n"
            "@hydra.main(version_base=None)\ndef my_app(cfg: DictConfig) -> None:\n"
            "    print(OmegaConf.to_yaml(cfg))\n\nif __name__ == '__main__':\n    my_app()\n"
        },
    )
    assert _run(tmp_path / "my_app.py") == (0, "{}\n\n", "")


def test_config_next_to_the_script_and_plus_plus_overrides(tmp_path: Path) -> None:
    script = _app(
        tmp_path, {"config.yaml": "db:\n  driver: mysql\n  user: omry\n  password: secret\n"}, "."
    )
    code, out, _ = _run(script)
    assert (code, out) == (0, "db:\n  driver: mysql\n  user: omry\n  password: secret\n\n")
    code, out, _ = _run(script, "++db.password=1234")
    assert out == "db:\n  driver: mysql\n  user: omry\n  password: 1234\n\n"
    code, out, _ = _run(script, "++db.timeout=5")
    assert out == "db:\n  driver: mysql\n  user: omry\n  password: secret\n  timeout: 5\n\n"


def test_config_group_selected_with_plus(tmp_path: Path) -> None:
    script = _app(
        tmp_path,
        {"conf/db/mysql.yaml": MYSQL, "conf/db/postgresql.yaml": POSTGRESQL},
        config_name=None,
    )
    assert _run(script, "+db=postgresql", "db.timeout=20")[:2] == (0, PG_TIMEOUT_20)


def test_defaults_list_choice_and_deletion(tmp_path: Path) -> None:
    files = {
        "conf/config.yaml": "defaults:\n  - db: mysql\n",
        "conf/db/mysql.yaml": MYSQL,
        "conf/db/postgresql.yaml": POSTGRESQL,
    }
    script = _app(tmp_path, files)
    assert _run(script, "db=postgresql", "db.timeout=20")[:2] == (0, PG_TIMEOUT_20)
    assert _run(script, "~db")[:2] == (0, "{}\n\n")


def test_self_position_decides_priority(tmp_path: Path) -> None:
    primary_last = {
        "conf/config.yaml": "defaults:\n  - db: mysql\n  - _self_\n\ndb:\n  user: root\n",
        "conf/db/mysql.yaml": MYSQL,
    }
    assert "  user: root\n" in _run(_app(tmp_path / "a", primary_last))[1]
    primary_first = {
        "conf/config.yaml": "defaults:\n  - _self_\n  - db: mysql\n\ndb:\n  user: root\n",
        "conf/db/mysql.yaml": MYSQL,
    }
    assert "  user: omry\n" in _run(_app(tmp_path / "b", primary_first))[1]


SWEEP_FILES = {
    "conf/config.yaml": "defaults:\n  - db: mysql\n  - schema: school\n\nx: 0\n",
    "conf/db/mysql.yaml": MYSQL,
    "conf/db/postgresql.yaml": POSTGRESQL,
    "conf/schema/warehouse.yaml": "name: warehouse\n",
    "conf/schema/support.yaml": "name: support\n",
    "conf/schema/school.yaml": "name: school\n",
}


def _job_dirs(root: Path) -> list[Path]:
    return sorted(root.glob("multirun/*/*/[0-9]*"), key=lambda p: int(p.name))


def _job_overrides(root: Path) -> list[str]:
    return [(d / ".hydra" / "overrides.yaml").read_text() for d in _job_dirs(root)]


def test_multirun_from_config_mode_and_from_flag(tmp_path: Path) -> None:
    by_mode = _app(tmp_path / "mode", SWEEP_FILES)
    code, _, err = _run(
        by_mode, "hydra.mode=MULTIRUN", "db=mysql,postgresql", "schema=warehouse,support,school"
    )
    assert code == 0, err
    assert len(_job_dirs(tmp_path / "mode")) == 6
    by_flag = _app(tmp_path / "flag", SWEEP_FILES)
    code, out, err = _run(
        by_flag, "--multirun", "db=mysql,postgresql", "schema=warehouse,support,school"
    )
    assert code == 0, err
    assert _job_overrides(tmp_path / "flag")[0] == "- db=mysql\n- schema=warehouse\n"
    assert len(_job_dirs(tmp_path / "flag")) == 6
    assert "Launching 6 jobs locally" in out


def test_sweeper_params_in_config_with_command_line_override(tmp_path: Path) -> None:
    files = {
        **SWEEP_FILES,
        "conf/config.yaml": SWEEP_FILES["conf/config.yaml"]
        + "hydra:\n  sweeper:\n    params:\n      db: mysql,postgresql\n      schema: warehouse,support,school\n",
    }
    script = _app(tmp_path, files)
    code, _, err = _run(script, "-m", "db=mysql")
    assert code == 0, err
    assert _job_overrides(tmp_path) == [
        "- db=mysql\n- schema=warehouse\n",
        "- db=mysql\n- schema=support\n",
        "- db=mysql\n- schema=school\n",
    ]


def test_sweep_syntax_range_and_glob(tmp_path: Path) -> None:
    script = _app(tmp_path / "range", SWEEP_FILES)
    assert _run(script, "-m", "x=range(1,10)")[0] == 0
    assert [o.strip() for o in _job_overrides(tmp_path / "range")] == [
        f"- x={i}" for i in range(1, 10)
    ]
    script = _app(tmp_path / "glob", SWEEP_FILES)
    assert _run(script, "-m", "schema=glob(*)")[0] == 0
    assert [o.strip() for o in _job_overrides(tmp_path / "glob")] == [
        "- schema=school",
        "- schema=support",
        "- schema=warehouse",
    ]
    script = _app(tmp_path / "exclude", SWEEP_FILES)
    assert _run(script, "-m", "schema=glob(*,exclude=w*)")[0] == 0
    assert [o.strip() for o in _job_overrides(tmp_path / "exclude")] == [
        "- schema=school",
        "- schema=support",
    ]


LOG_APP = """\
import logging
from omegaconf import DictConfig
import runlab as hydra

# A logger for this file
log = logging.getLogger(__name__)

@hydra.main(version_base=None, config_path="conf", config_name="config")
def my_app(_cfg: DictConfig) -> None:
    log.info("Info level message")
    log.debug("Debug level message")

if __name__ == "__main__":
    my_app()
"""

LOG_LINE = re.compile(
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]\[__main__\]\[INFO\] - Info level message$"
)


def test_output_directory_and_logging(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "a: 1\n", "my_app.py": LOG_APP})
    code, out, err = _run(tmp_path / "my_app.py")
    assert (code, err) == (0, "")
    assert LOG_LINE.match(out.strip())
    (run_dir,) = tmp_path.glob("outputs/*/*")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", run_dir.parent.name) and re.fullmatch(
        r"\d\d-\d\d-\d\d", run_dir.name
    )
    assert sorted(p.name for p in (run_dir / ".hydra").iterdir()) == [
        "config.yaml",
        "hydra.yaml",
        "overrides.yaml",
    ]
    assert "Info level message" in (run_dir / "my_app.log").read_text()
    assert "Debug level message" not in (run_dir / "my_app.log").read_text()


def test_verbose_shows_debug_and_the_report(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "a: 1\n", "my_app.py": LOG_APP})
    code, out, _ = _run(tmp_path / "my_app.py", "hydra.verbose=true")
    assert code == 0
    assert "[__main__][DEBUG] - Debug level message" in out
    assert re.search(r"\]\[HYDRA\] Config search path$", out, re.MULTILINE)


def test_disabled_job_logging_prints_nothing(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conf/config.yaml": "a: 1\n", "my_app.py": LOG_APP})
    assert _run(tmp_path / "my_app.py", "hydra/job_logging=disabled") == (0, "", "")


def test_chdir_true_moves_into_the_output_dir(tmp_path: Path) -> None:
    app = PRINT_APP.replace(
        "    print(OmegaConf.to_yaml(cfg))", "    import os; print(os.getcwd())"
    )
    write_tree(
        tmp_path,
        {
            "conf/config.yaml": "a: 1\n",
            "my_app.py": app.format(config_path="conf", config_name="config"),
        },
    )
    code, out, _ = _run(tmp_path / "my_app.py", "hydra.job.chdir=True")
    (run_dir,) = tmp_path.glob("outputs/*/*")
    assert (code, out) == (0, f"{run_dir}\n")


def test_debugging_flags(tmp_path: Path) -> None:
    script = _app(
        tmp_path, {"conf/config.yaml": "defaults:\n  - db: mysql\n", "conf/db/mysql.yaml": MYSQL}
    )
    code, out, _ = _run(script, "--cfg", "job")
    assert (code, out) == (0, "db:\n  driver: mysql\n  user: omry\n  password: secret\n")
    code, out, _ = _run(script, "--cfg", "hydra")
    assert out.startswith("hydra:\n  run:\n    dir: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}\n")
    code, out, _ = _run(script, "--cfg", "all")
    assert out.startswith("hydra:\n") and "\ndb:\n  driver: mysql\n" in out
    code, out, _ = _run(script, "--cfg", "hydra", "--package", "hydra.job")
    assert out.startswith("# @package hydra.job\nname: my_app\n")
    code, out, _ = _run(script, "--info")
    assert code == 0 and "Config search path" in out and "Defaults Tree" in out
    assert not (tmp_path / "outputs").exists()


def test_zsh_uses_the_bash_completion_script(tmp_path: Path) -> None:
    script = _app(tmp_path, {"conf/config.yaml": "a: 1\n"})
    code, out, _ = _run(script, "-sc", "install=zsh")
    assert code == 0 and "complete -o nospace -o default -F hydra_bash_completion python" in out


USING_CONFIG = """\
from omegaconf import DictConfig, OmegaConf
import runlab as hydra

@hydra.main(version_base=None, config_path="conf", config_name="config")
def my_app(cfg: DictConfig):
    assert cfg.node.loompa == 10          # attribute style access
    assert cfg["node"]["loompa"] == 10    # dictionary style access

    assert cfg.node.zippity == 10         # Value interpolation
    assert isinstance(cfg.node.zippity, int)  # Value interpolation type
    assert cfg.node.do == "oompa 10"      # string interpolation

    cfg.node.waldo                        # raises an exception

if __name__ == "__main__":
    my_app()
"""

USING_CONFIG_YAML = """\
node:                         # Config is hierarchical
  loompa: 10                  # Simple value
  zippity: ${node.loompa}     # Value interpolation
  do: "oompa ${node.loompa}"  # String interpolation
  waldo: ???                  # Missing value, must be populated prior to access
"""


def test_missing_value_error_is_reported_like_the_note(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conf/config.yaml": USING_CONFIG_YAML, "my_app.py": USING_CONFIG})
    code, out, err = _run(tmp_path / "my_app.py")
    assert (code, out) == (1, "")
    lines = err.splitlines()
    assert lines[:2] == [
        "Error executing job with overrides: []",
        "Traceback (most recent call last):",
    ]
    assert lines[2] == f'  File "{tmp_path / "my_app.py"}", line 13, in my_app'
    assert lines[3] == "    cfg.node.waldo                        # raises an exception"
    assert lines[-5:] == [
        "omegaconf.errors.MissingMandatoryValue: Missing mandatory value: node.waldo",
        "    full_key: node.waldo",
        "    object_type=dict",
        "",
        "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.",
    ]
    (run_dir,) = tmp_path.glob("outputs/*/*")
    assert (run_dir / "my_app.log").is_file()


STRUCTURED = """\
from dataclasses import dataclass
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf
import hydra


@dataclass
class PostgresSQLConfig:
    driver: str = "postgresql"
    user: str = "jieru"
    password: str = "secret"

cs = ConfigStore.instance()
# Registering the Config class with the name `postgresql` with the config group `db`
cs.store(name="postgresql", group="db", node=PostgresSQLConfig)

@hydra.main(version_base=None, config_path="conf")
def my_app(cfg: DictConfig) -> None:
    print(OmegaConf.to_yaml(cfg))

if __name__ == "__main__":
    my_app()
"""


def test_structured_config_group_from_the_config_store(tmp_path: Path) -> None:
    write_tree(tmp_path, {"conf/.keep": "", "my_app.py": STRUCTURED})
    shim = Path(__file__).resolve().parents[1] / "hydra_shim"
    done = run_script(
        tmp_path / "my_app.py", ["+db=postgresql"], cwd=tmp_path, env={"PYTHONPATH": str(shim)}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "db:\n  driver: postgresql\n  user: jieru\n  password: secret\n\n"
