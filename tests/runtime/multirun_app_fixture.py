"""A small app for the multirun subprocess tests, written into a temporary directory per test.

The task logs ``start <n>`` / ``end <n>`` to ``<log_dir>/events.log`` and can fail, exit, segfault or
SIGKILL the whole sweep (once: a ``killed-<n>`` marker stops it from killing the resumed sweep too).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = """
import ctypes, os, signal, sys, time
from pathlib import Path

import runlab


class RecordingCallback:
    def __init__(self, path):
        self.path = path

    def on_multirun_start(self, config, **kwargs):
        with open(self.path, "a") as f:
            f.write(f"multirun_start {kwargs.get('config_name')}\\n")

    def on_multirun_end(self, config, **kwargs):
        statuses = [(r.num, r.status) for r in kwargs["results"]]
        with open(self.path, "a") as f:
            f.write(f"multirun_end {kwargs.get('config_name')} {statuses}\\n")


@runlab.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg):
    log = Path(cfg.log_dir)
    with open(log / "events.log", "a") as f:
        f.write(f"start {cfg.n}\\n")
    if cfg.fail_third and cfg.n % 3 == 1:
        raise ValueError(f"job {cfg.n} fails")
    if cfg.action == "exit":
        os._exit(3)
    if cfg.action == "segv":
        ctypes.string_at(0)
    if cfg.kill_at == cfg.n and not (log / f"killed-{cfg.n}").exists():
        (log / f"killed-{cfg.n}").write_text("")
        # the sweep's process: this one (basic launcher) or the worker's parent (process launcher)
        target = os.getpid() if cfg.kill_self else os.getppid()
        os.kill(target, signal.SIGKILL)
        time.sleep(5)
    time.sleep(cfg.sleep)
    with open(log / "events.log", "a") as f:
        f.write(f"end {cfg.n}\\n")
    return cfg.n * 10


if __name__ == "__main__":
    main()
"""

CONFIG = """
n: 0
action: ok
sleep: 0.0
fail_third: false
kill_at: -1
kill_self: true
log_dir: ???
"""


def write_app(root: Path) -> Path:
    (root / "conf").mkdir(parents=True, exist_ok=True)
    (root / "conf" / "config.yaml").write_text(CONFIG)
    (root / "app.py").write_text(APP)
    return root / "app.py"


def run_app(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env["RUNLAB_PROGRESS"] = "off"  # a slow machine must not add progress lines to stderr
    return subprocess.run(
        [sys.executable, str(root / "app.py"), *args],
        check=False,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_app(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYDRA_", "RUNLAB_"))}
    env["RUNLAB_PROGRESS"] = "off"  # a slow machine must not add progress lines to stderr
    return subprocess.Popen(
        [sys.executable, str(root / "app.py"), *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def events(root: Path) -> list[str]:
    path = root / "events.log"
    return path.read_text().splitlines() if path.exists() else []
