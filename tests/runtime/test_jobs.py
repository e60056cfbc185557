"""One job: output dir, snapshot files, chdir, env, callbacks, logs, and the JobResult for launchers."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from runtime.runtime_helpers import make_config

from runlab.core.hydra_config import HydraConfig
from runlab.plugins import JobSpec
from runlab.runtime.callbacks import Callbacks
from runlab.runtime.job_return import JobStatus
from runlab.runtime.jobs import env_override, execute_job, run_job


def test_run_writes_snapshot_and_returns_value(tmp_path: Path) -> None:
    config = make_config(tmp_path, app={"x": 1, "y": "${x}"}, overrides__task=["x=1"])
    seen: dict[str, Any] = {}

    def task(cfg: DictConfig) -> int:
        seen["keys"] = list(cfg)
        seen["output_dir"] = HydraConfig.get().runtime.output_dir
        return 42

    result = execute_job(config, task)
    out = tmp_path / "out"
    assert result.status == JobStatus.COMPLETED and result.return_value == 42
    assert seen == {"keys": ["x", "y"], "output_dir": str(out)}
    assert (out / ".hydra" / "config.yaml").read_text() == "x: 1\n'y': ${x}\n"
    assert (out / ".hydra" / "overrides.yaml").read_text() == "- x=1\n"
    hydra_yaml = OmegaConf.load(out / ".hydra" / "hydra.yaml")
    assert hydra_yaml.hydra.runtime.output_dir == str(out)
    assert result.task_name == "app" and result.overrides == ["x=1"]
    assert result.working_dir == str(tmp_path)
    assert not HydraConfig.initialized()


def test_output_subdir_null_writes_no_snapshot(tmp_path: Path) -> None:
    execute_job(make_config(tmp_path, output_subdir=None), lambda cfg: None)
    assert (tmp_path / "out").is_dir()
    assert not (tmp_path / "out" / ".hydra").exists()


def test_output_subdir_renamed(tmp_path: Path) -> None:
    execute_job(make_config(tmp_path, output_subdir="meta"), lambda cfg: None)
    assert (tmp_path / "out" / "meta" / "config.yaml").is_file()


@pytest.mark.parametrize(
    ("chdir", "base", "expect_chdir"),
    [(True, "1.3", True), (None, "1.3", False), (False, "1.1", False)],
)
def test_chdir_rules(tmp_path: Path, chdir: Any, base: str, expect_chdir: bool) -> None:
    config = make_config(tmp_path, job__chdir=chdir, runtime__version_base=base)
    seen = []
    execute_job(config, lambda cfg: seen.append(os.getcwd()))
    assert (seen[0] == str(tmp_path / "out")) is expect_chdir
    assert os.getcwd() == str(tmp_path)


def test_chdir_default_under_base_1_1_warns(tmp_path: Path) -> None:
    config = make_config(tmp_path, runtime__version_base="1.1")
    seen = []
    with pytest.warns(
        UserWarning, match="Future Hydra versions will no longer change working directory"
    ):
        execute_job(config, lambda cfg: seen.append(os.getcwd()))
    assert seen == [str(tmp_path / "out")]


def test_env_set_is_visible_only_during_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNLAB_T_NEW", raising=False)
    monkeypatch.setenv("RUNLAB_T_OLD", "before")
    config = make_config(tmp_path, job__env_set={"RUNLAB_T_NEW": "a", "RUNLAB_T_OLD": "b"})
    seen = []
    execute_job(
        config, lambda cfg: seen.append((os.environ["RUNLAB_T_NEW"], os.environ["RUNLAB_T_OLD"]))
    )
    assert seen == [("a", "b")]
    assert "RUNLAB_T_NEW" not in os.environ and os.environ["RUNLAB_T_OLD"] == "before"


def test_env_override_rejects_non_strings() -> None:
    with (
        pytest.raises(TypeError, match="hydra.job.env_set.N must be a string"),
        env_override({"N": 1}),
    ):
        pass


def test_failure_is_captured_with_the_exception(tmp_path: Path) -> None:
    def task(cfg: DictConfig) -> None:
        raise ValueError("bad 5")

    result = execute_job(make_config(tmp_path, overrides__task=["+x=5"]), task)
    assert result.status == JobStatus.FAILED
    with pytest.raises(ValueError, match="bad 5"):
        _ = result.return_value


def test_failed_return_value_names_the_overrides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = execute_job(make_config(tmp_path, overrides__task=["+x=5"]), lambda cfg: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _ = result.return_value
    assert capsys.readouterr().err == "Error executing job with overrides: ['+x=5']\n"


class Recorder:
    def __init__(self, name: str, events: list[str]) -> None:
        self.name, self.events = name, events

    def on_job_start(self, config: Any, *, task_function: Any, **kw: Any) -> None:
        assert os.path.isfile(
            os.path.join(config.hydra.runtime.output_dir, ".hydra", "config.yaml")
        )
        self.events.append(f"{self.name}.start")

    def on_job_end(self, config: Any, job_return: Any, **kw: Any) -> None:
        self.events.append(f"{self.name}.end:{job_return.return_value}")


def test_job_callbacks_order_and_return_value(tmp_path: Path) -> None:
    events: list[str] = []
    callbacks = Callbacks([Recorder("a", events), Recorder("b", events)])
    execute_job(make_config(tmp_path), lambda cfg: events.append("task") or 7, callbacks=callbacks)
    assert events == ["a.start", "b.start", "task", "b.end:7", "a.end:7"]


def test_job_logs_to_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def task(cfg: DictConfig) -> None:
        logging.getLogger("__main__").info("Info level message")

    execute_job(make_config(tmp_path), task)
    out = tmp_path / "out"
    assert "[__main__][INFO] - Info level message" in (out / "app.log").read_text()
    assert "[__main__][INFO] - Info level message" in capsys.readouterr().out
    record = json.loads((out / ".runlab" / "log.jsonl").read_text().splitlines()[0])
    assert record["message"] == "Info level message" and record["logger"] == "__main__"


def test_run_job_for_launchers_returns_a_picklable_result(tmp_path: Path) -> None:
    import pickle

    config = make_config(tmp_path, job__num=3, job__id="3")
    spec = JobSpec(
        num=3,
        id="3",
        overrides=("a=1",),
        config=config,
        sweep_dir=str(tmp_path / "multi"),
        output_dir="",
    )
    result = run_job(spec, lambda cfg: {"loss": 1.0})
    assert result.status == "COMPLETED" and result.return_value == {"loss": 1.0}
    assert result.output_dir == str(tmp_path / "multi" / "3")
    assert result.overrides == ("a=1",)
    assert pickle.loads(pickle.dumps(result)) == result


def test_run_job_failure_carries_a_trimmed_traceback(tmp_path: Path) -> None:
    def user_task(cfg: DictConfig) -> None:
        raise KeyError("missing")

    spec = JobSpec(
        num=0,
        id="0",
        overrides=(),
        config=make_config(tmp_path),
        sweep_dir="",
        output_dir=str(tmp_path / "o"),
    )
    result = run_job(spec, user_task)
    assert result.status == "FAILED" and result.error == "KeyError: 'missing'"
    assert result.traceback is not None
    assert result.traceback.startswith("Traceback (most recent call last):\n")
    assert "in user_task" in result.traceback and "runtime/jobs.py" not in result.traceback
    assert result.output_dir == str(tmp_path / "o")


def test_hydra_yaml_view_matches_a_masked_copy(tmp_path: Path) -> None:
    from runlab.runtime.hydra_yaml import hydra_yaml

    config = make_config(
        tmp_path, job__name="${x}_job", help={"template": "x" * 200 + " ${hydra.job.name}"}
    )
    assert hydra_yaml(config) == OmegaConf.to_yaml(OmegaConf.masked_copy(config, "hydra"))
    assert config.hydra.job.name == "1_job"


def test_job_return_hydra_cfg_is_built_on_demand_and_pickles(tmp_path: Path) -> None:
    import pickle

    result = execute_job(make_config(tmp_path), lambda cfg: 1)
    assert list(result.hydra_cfg) == ["hydra"]
    assert result.hydra_cfg.hydra.runtime.output_dir == str(tmp_path / "out")
    restored = pickle.loads(pickle.dumps(result))
    assert restored.hydra_cfg == result.hydra_cfg and restored.return_value == 1


def test_copy_without_hydra_keeps_everything_else(tmp_path: Path) -> None:
    from runlab.runtime.jobs import copy_without_hydra

    config = make_config(tmp_path, app={"a": None, "b": {"c": None, "d": "${a}"}})
    OmegaConf.set_struct(config, True)
    copied = copy_without_hydra(config)
    assert OmegaConf.to_container(copied) == {"a": None, "b": {"c": None, "d": "${a}"}}
    assert OmegaConf.is_struct(copied) and "hydra" in config
    plain = OmegaConf.create({"a": None})
    assert copy_without_hydra(plain) == plain


def test_copy_without_hydra_equals_a_deep_copy_and_leaves_the_config_alone(tmp_path: Path) -> None:
    import copy

    from runlab.runtime.jobs import copy_without_hydra
    from runlab.runtime.templates import mark_template, template_key_of

    config = make_config(tmp_path, app={"a": 1, "when": "${now:%H}", "b": {"c": [1, {"d": 2}]}})
    OmegaConf.set_struct(config, True)
    OmegaConf.set_readonly(config.b, True)
    assert config.when  # fills the resolver cache, which the copy keeps (same time in the task)
    mark_template(config, "some-template")
    keys = list(config)
    copied = copy_without_hydra(config)
    expected = copy.deepcopy(config)
    with open_dict(expected), read_write(expected):
        del expected["hydra"]
    assert OmegaConf.to_yaml(copied) == OmegaConf.to_yaml(expected)
    assert OmegaConf.is_struct(copied) and OmegaConf.is_readonly(copied.b)
    assert not OmegaConf.is_readonly(copied)
    assert OmegaConf.get_cache(copied) == OmegaConf.get_cache(config)
    assert copied.b._get_parent() is copied and copied.b.c._get_parent() is copied.b
    assert template_key_of(copied) is None
    assert list(config) == keys and template_key_of(config) == "some-template"
    assert "hydra" in config and "hydra" not in copied


def test_hydra_yaml_blocks_shared_between_jobs_of_a_template(tmp_path: Path) -> None:
    from runlab.runtime.hydra_yaml import hydra_yaml
    from runlab.runtime.templates import mark_template, template_cache, template_key_of

    first = make_config(tmp_path, help={"template": "long " * 60 + "${hydra.job.name}"})
    mark_template(first, "test-template")
    assert hydra_yaml(first) == OmegaConf.to_yaml(OmegaConf.masked_copy(first, "hydra"))
    blocks = template_cache(first, "hydra.yaml blocks")
    assert blocks is not None
    assert ("hydra", "help") in blocks and ("hydra", "job", "name") in blocks
    assert ("hydra", "job", "num") not in blocks and ("hydra", "runtime", "output_dir") not in blocks
    # Cut from one dump of the whole node, each block is what dumping it alone gives.
    from runlab.runtime import hydra_yaml as module

    hydra_node = first._get_node("hydra")
    filled: dict[tuple[str, ...], str] = {}
    module._fill_blocks(hydra_node, module._children(hydra_node), filled)
    assert filled == blocks and len(filled) >= 15
    for path, block in filled.items():
        node = first
        for key in path:
            node = node._get_node(key)
        assert block == module._dump(path, node), path
    second = make_config(tmp_path, help={"template": "long " * 60 + "${hydra.job.name}"})
    second.hydra.runtime.output_dir = str(tmp_path / "elsewhere")
    second.hydra.overrides.task = ["x=2"]
    second.hydra.job.num = 7
    second.hydra.job.override_dirname = "x=2"
    mark_template(second, "test-template")
    text = hydra_yaml(second)
    assert text == OmegaConf.to_yaml(OmegaConf.masked_copy(second, "hydra"))
    assert "- x=2" in text and "num: 7" in text and "override_dirname: x=2" in text
    # A pickled job (kept for later, or sent to a worker) carries the key; the task's copy does not.
    import copy
    import pickle

    assert template_key_of(pickle.loads(pickle.dumps(second))) == "test-template"
    assert template_key_of(copy.deepcopy(second)) is None


_SCALARS = [
    0, 7, -3, 10**20, True, False, None, 0.5, float("inf"), "", " ", "a", "n=5", "lr=0.1,bs=2",
    "/tmp/out/3", "x/y=z", "yes", "No", "ON", "off", "y", "N", "true", "False", "null", "NULL",
    "~", "inf", "NaN", "Infinity", "-inf", "1", "1.5", "1e3", "0x1f", "2026-11-28", "a: b",
    "a #b", "#a", "-a", "a-", "[a]", "{a}", "a,b", "a'b", 'a"b', "=", "<<", "a b", "é", "a:b",
    "${x}", "?a", "!a", "&a", "*a", "%a", "@a", "`a", "|a", ">a", "a" * 120, "_x.y", "++a=1",
]


@pytest.mark.parametrize("value", _SCALARS, ids=repr)
def test_hydra_yaml_direct_lines_match_pyyaml(value: object) -> None:
    """What a sweep job changes is written without PyYAML when it is simple: same text either way."""
    from runlab.runtime import hydra_yaml as module

    config = OmegaConf.create({"hydra": {"job": {"num": value}, "overrides": {"task": [value]}}})
    for path, node in (
        (("hydra", "job", "num"), config.hydra.job._get_node("num")),
        (("hydra", "overrides", "task"), config.hydra.overrides._get_node("task")),
    ):
        expected = OmegaConf.to_yaml(OmegaConf.masked_copy(config, "hydra"))
        simple = module._simple_dump(path, node)
        if simple is not None:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(module, "_simple_dump", lambda path, node: None)
                assert module._dump(path, node) == simple
            assert simple in expected
    from runlab.runtime.hydra_yaml import _PLAIN_TEXT

    assert _PLAIN_TEXT.match("n=5") and not _PLAIN_TEXT.match("a b")


def test_hydra_yaml_direct_lines_cover_a_sweep_jobs_fields() -> None:
    from enum import Enum

    from runlab.runtime.hydra_yaml import _simple_dump

    class Mode(Enum):
        MULTIRUN = 2

    config = OmegaConf.create({"hydra": {"mode": Mode.MULTIRUN, "overrides": {"task": []}}})
    assert _simple_dump(("hydra", "mode"), config.hydra._get_node("mode")) == "  mode: MULTIRUN\n"
    assert (
        _simple_dump(("hydra", "overrides", "task"), config.hydra.overrides._get_node("task"))
        == "    task: []\n"
    )


@pytest.mark.parametrize(
    "task", [[], ["n=5", "db=mysql"], ["a b"], ["x=1", "y=[1,2]"], ["+w='q'"], ["z=null"]]
)
def test_overrides_yaml_is_omegaconfs(task: list[str]) -> None:
    from runlab.runtime.hydra_yaml import overrides_yaml

    node = OmegaConf.create({"task": task})._get_node("task")
    assert overrides_yaml(node) == OmegaConf.to_yaml(node)
