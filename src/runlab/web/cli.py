"""The ``runlab ui`` subcommand: argument parsing and starting the server.

Importing this module costs nothing beyond argparse: Starlette, uvicorn and Jinja2 are imported by
:func:`run_ui` only, so registering the command keeps ``runlab --help`` fast.  Exit codes follow the
CLI's: 3 when there is no index, 4 when the web extra is missing.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_ui_command", "is_loopback", "run_ui"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_EXIT_OK, _EXIT_NO_DATA, _EXIT_MISSING_EXTRA = 0, 3, 4


def add_ui_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``ui`` to the ``runlab`` subparsers; the handler is stored as the ``handler`` default."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ui", help="browse, filter and compare runs and sweeps in a local web dashboard",
        description="Serve a read-only dashboard of the run index: sweeps and runs with filters, "
        "compare tables, charts, live progress of running sweeps, configs, logs and diffs. "
        "Listens on 127.0.0.1 unless --host says otherwise.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, metavar="P",
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--host", default=DEFAULT_HOST, metavar="H",
                        help="address to bind (default 127.0.0.1: only this machine; anything "
                        "else exposes your configs and logs to the network)")
    # SUPPRESS: an --index given before the command (`runlab --index X ui`) must not be reset
    parser.add_argument("--index", default=argparse.SUPPRESS, metavar="PATH",
                        help="run index database (default: $RUNLAB_INDEX or ./.runlab/index.db)")
    parser.set_defaults(handler=run_ui)
    return parser


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run_ui(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    from runlab.tracking.index_journal import index_exists
    from runlab.tracking.store import default_index_path

    index = getattr(args, "index", None)
    path = Path(index) if index else default_index_path()
    if not index_exists(path):
        print(f"runlab ui: no run index at {path}: run `runlab index [DIR]` to build it from run "
              "directories (or set RUNLAB_INDEX / --index)", file=sys.stderr)
        return _EXIT_NO_DATA
    try:
        import uvicorn

        from runlab.web.app import LOOPBACK_HOSTS, create_app
    except ImportError as error:
        print(f"runlab ui: {error.name or error} is missing: pip install 'runlab[web]'",
              file=sys.stderr)
        return _EXIT_MISSING_EXTRA
    loopback = is_loopback(args.host)
    if not loopback:
        print(f"runlab ui: WARNING: listening on {args.host}: anyone who can reach this address "
              "can read every config, log and metric in the index (there is no login)",
              file=sys.stderr)
    app = create_app(path, allowed_hosts=list(LOOPBACK_HOSTS) if loopback else None)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"runlab ui: serving {path} on http://{shown}:{args.port}/ (Ctrl+C to stop)",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return _EXIT_OK
