"""``runlab ui``: argument parsing, safe defaults, lazy imports and a real served dashboard."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from web_support import free_port

from runlab.tracking.store import RunIndex
from runlab.web import cli as web_cli


def _parser() -> argparse.ArgumentParser:
    """A parser shaped like runlab's: a global --index, then subcommands."""
    parser = argparse.ArgumentParser(prog="runlab")
    parser.add_argument("--index")
    web_cli.add_ui_command(parser.add_subparsers(dest="command"))
    return parser


def test_defaults_bind_loopback() -> None:
    args = _parser().parse_args(["ui"])
    assert (args.host, args.port, args.index) == ("127.0.0.1", 8765, None)
    assert args.handler is web_cli.run_ui


def test_index_before_or_after_the_command() -> None:
    assert _parser().parse_args(["--index", "a.db", "ui"]).index == "a.db"
    assert _parser().parse_args(["ui", "--index", "b.db"]).index == "b.db"
    args = _parser().parse_args(["ui", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert web_cli.is_loopback(host) is loopback


def test_missing_index_exits_3_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    args = _parser().parse_args(["ui", "--index", str(tmp_path / "none.db")])
    assert web_cli.run_ui(args) == 3
    err = capsys.readouterr().err
    assert "no run index at" in err and "runlab index" in err
    assert not (tmp_path / "none.db").exists()


def _fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    return calls


def test_public_host_warns_and_accepts_any_host_header(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    RunIndex(tmp_path / "i.db").close()
    calls = _fake_uvicorn(monkeypatch)
    args = _parser().parse_args(["ui", "--index", str(tmp_path / "i.db"), "--host", "0.0.0.0"])
    assert web_cli.run_ui(args) == 0
    assert "WARNING: listening on 0.0.0.0" in capsys.readouterr().err
    assert calls[0]["host"] == "0.0.0.0" and calls[0]["port"] == 8765
    middleware = [m.cls.__name__ for m in calls[0]["app"].user_middleware]
    assert "TrustedHostMiddleware" not in middleware


def test_loopback_host_does_not_warn_and_checks_host_header(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    RunIndex(tmp_path / "i.db").close()
    calls = _fake_uvicorn(monkeypatch)
    monkeypatch.setenv("RUNLAB_INDEX", str(tmp_path / "i.db"))
    assert web_cli.run_ui(_parser().parse_args(["ui"])) == 0
    err = capsys.readouterr().err
    assert "WARNING" not in err and "http://127.0.0.1:8765/" in err
    middleware = [m.cls.__name__ for m in calls[0]["app"].user_middleware]
    assert "TrustedHostMiddleware" in middleware


def test_import_runlab_and_registering_ui_load_no_web_framework() -> None:
    code = textwrap.dedent("""
        import argparse, sys
        import runlab, runlab.cli
        from runlab.web.cli import add_ui_command
        runlab.cli.build_parser()
        add_ui_command(argparse.ArgumentParser().add_subparsers())
        heavy = sorted(m for m in ("starlette", "uvicorn", "jinja2", "plotly", "runlab.web.app")
                       if m in sys.modules)
        print(heavy)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_runlab_ui_serves_until_stopped(tmp_path: Path) -> None:
    RunIndex(tmp_path / "i.db").close()
    port = free_port()
    code = textwrap.dedent(f"""
        import argparse, sys
        from runlab.web.cli import add_ui_command
        parser = argparse.ArgumentParser()
        add_ui_command(parser.add_subparsers(dest="command"))
        args = parser.parse_args(["ui", "--port", "{port}", "--index", sys.argv[1]])
        sys.exit(args.handler(args))
    """)
    process = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "i.db")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    body = reply.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert "<h1>Sweeps</h1>" in body
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert f"serving {tmp_path / 'i.db'} on http://127.0.0.1:{port}/" in output
    assert os.path.exists(tmp_path / "i.db")
