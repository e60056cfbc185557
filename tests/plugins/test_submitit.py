"""The submitit launchers: every Hydra key reaches the sbatch script, and real local sweeps end to end.

``submitit_local`` runs each job as a real subprocess managed by submitit (the same code path as on
Slurm except the scheduler); the Slurm side is checked on the generated sbatch script here, and on a
real single-node Slurm in ``test_submitit_slurm.py`` when one is running.
"""

from __future__ import annotations

import inspect
import json
import os
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from remote_app import metric_lines, run_app, run_record, runlab_cli, write_app
from sweep_records import job_records

from runlab.plugins import Launcher
from runlab.plugins._remote import DetachedSweep
from runlab.plugins.remote_status import print_status, run_status_command, status_of_sweep
from runlab.plugins.submitit import (
    GENERIC_KEYS,
    SLURM_KEYS,
    LocalLauncher,
    SlurmLauncher,
    executor_parameters,
)

CONF = Path(__file__).resolve().parents[2] / "src" / "runlab" / "conf" / "hydra" / "launcher"

HYDRA_SLURM_KEYS = {
    "submitit_folder", "timeout_min", "cpus_per_task", "gpus_per_node", "tasks_per_node", "mem_gb",
    "nodes", "name", "stderr_to_stdout", "partition", "qos", "comment", "constraint", "exclude",
    "gres", "cpus_per_gpu", "gpus_per_task", "mem_per_gpu", "mem_per_cpu", "account",
    "signal_delay_s", "max_num_timeout", "additional_parameters", "array_parallelism", "setup",
    "srun_args",
}  # fmt: skip

EVERY_KEY = {
    "submitit_folder": "/shared/sweep/.submitit/%j",
    "timeout_min": 7,
    "cpus_per_task": 3,
    "gpus_per_node": 2,
    "tasks_per_node": 2,
    "mem_gb": 5,
    "nodes": 2,
    "name": "myjob",
    "stderr_to_stdout": False,
    "partition": "part1",
    "qos": "q1",
    "comment": "c1",
    "constraint": "volta",
    "exclude": "n1,n2",
    "gres": "gpu:2",
    "cpus_per_gpu": 4,
    "gpus_per_task": 1,
    "mem_per_gpu": "8G",
    "mem_per_cpu": "2G",
    "account": "acct",
    "signal_delay_s": 33,
    "max_num_timeout": 5,
    "additional_parameters": {"mail_user": "me@example.com"},
    "array_parallelism": 7,
    "setup": ["export RUNLAB_SETUP=1"],
    "srun_args": ["--cpu-bind=none"],
}


def test_the_launchers_take_exactly_hydras_keys_plus_runlabs_two() -> None:
    slurm = set(inspect.signature(SlurmLauncher).parameters) - {"detach", "poll_interval"}
    local = set(inspect.signature(LocalLauncher).parameters) - {"detach", "poll_interval"}
    assert (
        slurm
        == HYDRA_SLURM_KEYS
        == {"submitit_folder", "max_num_timeout", *GENERIC_KEYS, *SLURM_KEYS}
    )
    assert local == {"submitit_folder", *GENERIC_KEYS}
    for launcher in (SlurmLauncher("x"), LocalLauncher("x")):
        assert isinstance(launcher, Launcher)


@pytest.mark.parametrize("name", ["submitit_slurm", "submitit_local"])
def test_the_shipped_configs_build_their_launcher(name: str) -> None:
    node = OmegaConf.load(CONF / f"{name}.yaml")
    keys = set(node) - {"_target_"}
    # Hydra's keys (srun_args as in Hydra's plugin after 1.2.0), plus runlab's detach on Slurm
    # (local jobs cannot outlive the sweep: LocalLauncher refuses detach, so it is not offered).
    if name == "submitit_slurm":
        assert keys == HYDRA_SLURM_KEYS | {"detach"} and node.detach is False
        assert node.srun_args is None
    else:
        assert keys == {"submitit_folder", *GENERIC_KEYS}
    options = {k: v for k, v in OmegaConf.to_container(node).items() if k in keys}  # type: ignore[union-attr]
    options["submitit_folder"] = "/tmp/x/%j"
    options["name"] = "app"
    cls = SlurmLauncher if name == "submitit_slurm" else LocalLauncher
    assert node._target_ == f"runlab.plugins.submitit.{cls.__name__}"
    assert cls(**options).job_id(3, "app") == "job_id_for_3"


def test_executor_parameters_follow_hydras_mapping() -> None:
    options = {k: v for k, v in EVERY_KEY.items() if k != "submitit_folder"}
    init, update = executor_parameters("slurm", options)
    assert init == {"slurm_max_num_timeout": 5}
    assert {k for k in update if not k.startswith("slurm_")} == set(GENERIC_KEYS)
    assert {k[len("slurm_") :] for k in update if k.startswith("slurm_")} == set(SLURM_KEYS)
    # seconds-long local limits: the generic key must be an int, the cluster key takes a float
    assert executor_parameters("local", {"timeout_min": 0.05})[1] == {"local_timeout_min": 0.05}


def test_every_key_reaches_the_sbatch_script_of_the_job_array() -> None:
    from submitit.slurm.slurm import _make_sbatch_string

    launcher = SlurmLauncher(**EVERY_KEY)  # type: ignore[arg-type]
    executor = launcher.executor()
    assert executor._executor.max_num_timeout == 5
    script = _make_sbatch_string(
        command="RUN",
        folder=EVERY_KEY["submitit_folder"],
        map_count=20,
        **executor._executor.parameters,
    )
    lines = set(script.splitlines())
    for line in [
        "#SBATCH --account=acct",
        "#SBATCH --array=0-19%7",
        "#SBATCH --comment=c1",
        "#SBATCH --constraint=volta",
        "#SBATCH --cpus-per-gpu=4",
        "#SBATCH --cpus-per-task=3",
        "#SBATCH --exclude=n1,n2",
        "#SBATCH --gpus-per-node=2",
        "#SBATCH --gpus-per-task=1",
        "#SBATCH --gres=gpu:2",
        "#SBATCH --job-name=myjob",
        "#SBATCH --mail-user=me@example.com",
        "#SBATCH --mem=5GB",
        "#SBATCH --mem-per-cpu=2G",
        "#SBATCH --mem-per-gpu=8G",
        "#SBATCH --nodes=2",
        "#SBATCH --ntasks-per-node=2",
        "#SBATCH --partition=part1",
        "#SBATCH --qos=q1",
        "#SBATCH --signal=USR2@33",
        "#SBATCH --time=7",
        "#SBATCH --error=/shared/sweep/.submitit/%A_%a/%A_%a_0_log.err",
        "export RUNLAB_SETUP=1",
    ]:
        assert line in lines, f"{line!r} missing from:\n{script}"
    srun = next(line for line in lines if line.startswith("srun "))
    assert "--cpu-bind=none" in srun and srun.endswith(" RUN")


def test_stderr_to_stdout_drops_the_error_file() -> None:
    from submitit.slurm.slurm import _make_sbatch_string

    params = SlurmLauncher("/s/%j", stderr_to_stdout=True).executor()._executor.parameters
    script = _make_sbatch_string(command="RUN", folder="/s/%j", **params)
    assert "--error=" not in script and "#SBATCH --output=/s/%j/%j_0_log.out" in script


def test_detach_is_refused_for_local_jobs() -> None:
    with pytest.raises(ValueError, match="use hydra/launcher=submitit_slurm"):
        LocalLauncher("x", detach=True)


def test_a_detached_slurm_submission_leaves_with_status_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Detaching needs no scheduler to be checked: the submission is faked, the exit is real."""
    from runlab.plugins import submitit as plugin

    class FakeJob:
        def __init__(self, index: int) -> None:
            self.job_id = f"4242_{index}"

    class FakeExecutor:
        def map_array(self, fn: object, specs: list[object]) -> list[FakeJob]:
            return [FakeJob(i) for i in range(len(specs))]

    monkeypatch.setattr(plugin.SlurmLauncher, "executor", lambda self: FakeExecutor())
    from launcher_fakes import fake_run, make_jobs

    jobs = make_jobs(["ok", "ok"], tmp_path)
    with pytest.raises(DetachedSweep) as exit_info:
        list(SlurmLauncher(str(tmp_path / "%j"), detach=True).launch(jobs, fake_run))
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "Submitted 2 jobs to Slurm as array 4242 and detached." in out
    assert f"runlab status {tmp_path}" in out
    info = (tmp_path / ".runlab" / "launcher.json").read_text()
    assert '"0": "4242_0"' in info and '"detached": true' in info


# --------------------------------------------------------------------------- real local sweeps


def _submitit_ids(sweep: Path) -> set[str]:
    return {p.name for p in (sweep / ".submitit").iterdir() if p.name != "%j"}


def test_submitit_local_sweep_end_to_end_with_a_failing_and_a_crashing_job(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    args = [
        "-m",
        "n=range(0,4)",
        "fail_n=1",
        f"hydra.sweep.dir={sweep}",
        "hydra/launcher=submitit_local",
    ]
    first = run_app(tmp_path, *args, "crash_n=2")
    assert first.returncode == 1, first.stderr
    assert "Submitit 'local' sweep output dir : " in first.stdout
    assert "\t#3 : n=3 fail_n=1 crash_n=2" in first.stdout
    records = job_records(sweep)
    assert {n: r["status"] for n, r in records.items()} == {
        0: "COMPLETED", 1: "FAILED", 2: "FAILED", 3: "COMPLETED"
    }  # fmt: skip
    assert records[3]["return_value_repr"] == "30"
    assert records[1]["error"] == "ValueError: job 1 fails"
    assert "without a result: its process died" in records[2]["error"]
    # every job ran in its own process, with hydra.job.id = its submitit job id
    ids = _submitit_ids(sweep)
    assert len(ids) == 4
    for n in (0, 3):
        hydra_yaml = OmegaConf.load(sweep / str(n) / ".hydra" / "hydra.yaml")
        assert str(hydra_yaml.hydra.job.id) in ids
        record = run_record(sweep / str(n))
        assert record["status"] == "completed" and record["pid"] != os.getpid()
        loss = next(m for m in metric_lines(sweep / str(n)) if m["name"] == "loss")
        assert loss["step"] == [0, 1, 2] and loss["value"][0] == 1.0 / (n + 1)
    assert run_record(sweep / "1")["status"] == "failed"
    killed = run_record(sweep / "2")
    assert killed["status"] == "killed" and killed["error"].startswith("killed: ")

    status = status_of_sweep(str(sweep))
    assert (status["completed"], status["failed"], status["killed"], status["done"]) == (
        2,
        1,
        1,
        True,
    )

    runs = runlab_cli(tmp_path, "runs", "--sweep", str(sweep), "--plain")
    assert runs.returncode == 0, runs.stderr
    assert len([line for line in runs.stdout.splitlines() if "completed" in line]) == 2


def test_resume_resubmits_exactly_the_jobs_without_a_completed_record(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    marker = tmp_path / "fail-now"
    marker.write_text("")
    args = [
        "-m", "n=range(0,3)", f"fail_file={marker}", f"hydra.sweep.dir={sweep}",
        "hydra/launcher=submitit_local",
    ]  # fmt: skip
    first = run_app(tmp_path, *args)
    assert first.returncode == 1
    assert {n: r["status"] for n, r in job_records(sweep).items()} == {
        0: "COMPLETED", 1: "FAILED", 2: "COMPLETED"
    }  # fmt: skip
    before = _submitit_ids(sweep)
    kept = {n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 2)}
    marker.unlink()
    second = run_app(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert (
        "Resuming sweep in " in second.stdout
        and "2 of 3 jobs of this batch already completed" in second.stdout
    )
    assert len(_submitit_ids(sweep) - before) == 1  # one new submitit job: #1
    assert {n: (sweep / str(n) / ".runlab" / "run.json").stat().st_mtime_ns for n in (0, 2)} == kept
    assert all(r["status"] == "COMPLETED" for r in job_records(sweep).values())
    assert run_status_command(str(sweep)) == 0


def test_a_job_over_its_time_limit_is_recorded_killed_with_the_reason(tmp_path: Path) -> None:
    write_app(tmp_path)
    sweep = tmp_path / "sweep"
    started = time.monotonic()
    proc = run_app(
        tmp_path, "-m", "n=0,1", "sleep_n=1", "sleep=120", f"hydra.sweep.dir={sweep}",
        "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=0.05",
        "+hydra.launcher.poll_interval=0.2",
    )  # fmt: skip
    assert time.monotonic() - started < 60
    assert proc.returncode == 1
    records = job_records(sweep)
    assert records[0]["status"] == "COMPLETED"
    assert records[1]["status"] == "FAILED"
    assert records[1]["error"].endswith("ended in state TIMEOUT: it reached its time limit")
    record = run_record(sweep / "1")
    assert record["status"] == "killed"
    assert record["error"].startswith("killed: ")  # the tracker may have judged it first
    status = status_of_sweep(str(sweep))
    assert [j["state"] for j in status["jobs"]] == ["completed", "killed"]


def test_status_of_a_sweep_in_progress_and_its_printout(tmp_path: Path) -> None:
    from io import StringIO

    from runlab.plugins import COMPLETED, JobResult
    from runlab.runtime.sweep_state import PlannedJob, SweepState, write_job_record
    from runlab.tracking.environment import host_name

    state = SweepState(str(tmp_path))
    state.start_plan({})
    state.add_jobs([PlannedJob(n, (f"n={n}",), str(tmp_path / str(n))) for n in range(3)])
    state.close()
    write_job_record(
        str(tmp_path),
        JobResult(0, COMPLETED, 1, None, None, str(tmp_path / "0"), 1.0, 2.0, ("n=0",)),
    )
    run_dir = tmp_path / "1" / ".runlab"
    run_dir.mkdir(parents=True)
    run_dir.joinpath("run.json").write_text(
        json.dumps({"status": "running", "host": host_name(), "pid": os.getpid(), "start": 1.0})
    )
    status = status_of_sweep(str(tmp_path))
    assert [j["state"] for j in status["jobs"]] == ["completed", "running", "pending"]
    assert status["done"] is False
    out = StringIO()
    print_status(status, out)
    assert (
        out.getvalue().splitlines()[1]
        == "  3 jobs: 1 completed, 0 failed, 0 killed, 1 running, 1 pending"
    )
    assert run_status_command(str(tmp_path / "nope")) == 3


@pytest.mark.parametrize(
    ("target", "module", "extra"),
    [
        ("runlab.plugins.ray.RayLauncher", "ray", "ray"),
        ("runlab.plugins.submitit.SlurmLauncher", "submitit", "slurm"),
        ("runlab.plugins.submitit.LocalLauncher", "submitit", "slurm"),
    ],
)
def test_a_missing_extra_names_the_pip_command(
    target: str, module: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from runlab.plugins.registry import PluginNotFoundError, load_plugin_class

    monkeypatch.setitem(sys.modules, module, None)  # "not installed"
    monkeypatch.delitem(sys.modules, target.rpartition(".")[0], raising=False)
    with pytest.raises(PluginNotFoundError) as error:
        load_plugin_class("launcher", target)
    assert f"pip install 'runlab[{extra}]'" in str(error.value)
    assert "IS THE PLUGIN INSTALLED?" in str(error.value)
