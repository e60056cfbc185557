"""Helpers of the dashboard tests: a real runlab app, a served dashboard, page watching.

The browser is Debian's ``chromium`` driven by Playwright (never ``playwright install``: nothing is
downloaded).  A missing chromium fails the tests with the command that installs it - a skip would
hide that the dashboard was never seen working.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("RUNLAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
XSS = "<script>alert(1)</script>"

APP = textwrap.dedent('''
    import logging
    import os
    import time

    import runlab

    log = logging.getLogger("train")


    def wait_for_gate(gate, name):
        """Tests hold a job until they create the file ``<gate>/<name>``."""
        deadline = time.monotonic() + 60
        while gate and not os.path.exists(os.path.join(gate, name)):
            if time.monotonic() > deadline:
                raise TimeoutError("gate never opened")
            time.sleep(0.05)


    @runlab.main(config_path="conf", config_name="config", version_base=None)
    def train(cfg):
        wait_for_gate(cfg.gate, str(cfg.lr))
        loss = 1.0
        for step in range(cfg.steps):
            loss = loss * (1 - cfg.lr) + 0.01 * cfg.seed
            runlab.log_metrics({"loss": loss, "acc": 1 - loss}, step=step)
            time.sleep(cfg.sleep)
        log.info("finished lr=%s note=%s", cfg.lr, cfg.note)
        log.warning("loss is still %.3f", loss)
        if cfg.lr > 0.25:
            raise ValueError("lr too high: <b>" + str(cfg.lr) + "</b>")
        return {"loss": loss, "acc": 1 - loss}


    if __name__ == "__main__":
        train()
''')

CONFIG = textwrap.dedent('''
    lr: 0.1
    seed: 0
    steps: 6
    sleep: 0.0
    gate: ""
    note: "<script>alert(1)</script>"
    model:
      width: 8
''')


@dataclass(frozen=True)
class Recorded:
    """A project directory with an app, its index, and what was run."""

    root: Path
    index: Path


def write_app(root: Path) -> None:
    (root / "conf").mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "conf" / "config.yaml").write_text(CONFIG, encoding="utf-8")


def run_app(root: Path, index: Path, *args: str, wait: bool = True
            ) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    """Run the app as a user would (``python app.py -m ...``) with the index in ``index``."""
    env = {**os.environ, "RUNLAB_INDEX": str(index)}
    env.pop("RUNLAB_RUN_DIR", None)
    command = [sys.executable, "app.py", *args]
    if not wait:
        return subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False,
                          timeout=120)


def index_rows(index: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of the index as a reader sees them (single runs wait in its pending file until then)."""
    from runlab.tracking.store import RunIndex

    with RunIndex(index) as store:
        return store.db.execute(sql, args).fetchall()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """A dashboard served by uvicorn in a thread of the test process."""

    def __init__(self, index: Path) -> None:
        import uvicorn

        from runlab.web.app import LOOPBACK_HOSTS, create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(index, allowed_hosts=list(LOOPBACK_HOSTS)),
                                host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


class PageWatch:
    """Everything a page did that a test must see fail: dialogs, script errors, failed loads."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}")
                if r.status >= 400 else None)
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request: Any) -> None:
        # a click that navigates away aborts what the old page was still loading: not a failure
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"failed {request.url}: {request.failure}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

