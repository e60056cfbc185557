"""The dashboard's ASGI application: routes, templates, static files and the safety rules.

Safety is decided here, once, for every route: only GET/HEAD are answered (the dashboard never
changes a run), every response carries a strict Content-Security-Policy (scripts only from this
server, so a value that slipped past escaping still could not run), templates escape everything, and
a Host check stops other web sites from reading a loopback dashboard through DNS rebinding.

Starlette and Jinja2 are imported here, and this module is imported only by ``runlab ui`` (and tests):
``import runlab`` and ``runlab --help`` never load a web framework.
"""

from __future__ import annotations

import datetime
import importlib.util
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runlab.web.data import Dashboard

__all__ = ["LOOPBACK_HOSTS", "create_app", "plotly_js_path"]

HERE = Path(__file__).parent
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


class ReadOnlyMiddleware:
    """Refuse every method but GET/HEAD and add the security headers to every answer.

    Plotly.js compiles WebGL shaders with ``new Function``, hence ``'unsafe-eval'``; inline scripts
    stay forbidden, which is what stops injected markup from running.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            response = PlainTextResponse("the dashboard is read-only: only GET is allowed", 405,
                                         headers={"Allow": "GET, HEAD"})
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + _HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


def plotly_js_path() -> Path | None:
    """plotly.js as bundled in the installed ``plotly`` package (found without importing it)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "package_data" / "plotly.min.js"
        if candidate.is_file():
            return candidate
    return None


# -- template helpers ----------------------------------------------------------------------------
def _when(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return datetime.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")


def _duration(value: Any) -> str:
    if not isinstance(value, (int, float)) or math.isnan(value):
        return "-"
    if value < 60:
        return f"{value:.2f}s"
    minutes, seconds = divmod(int(value), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _value(value: Any) -> str:
    """A config value as text (strings as they are, the rest as JSON-like)."""
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, default=repr)


def _size(value: int) -> str:
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"


def _with_query(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            items.extend((key, str(v)) for v in value)
        else:
            items.append((key, str(value)))
    query = urlencode(items)
    return request.url.path + (f"?{query}" if query else "")


def _segment(value: Any) -> str:
    return quote(str(value), safe="")


def make_templates() -> Jinja2Templates:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=_when, duration=_duration, num=_number, value=_value, size=_size,
                       seg=_segment)
    env.globals.update(with_query=_with_query)
    for name in env.list_templates(extensions=["html"]):
        env.get_template(name)  # compiled at start-up, not during someone's first page view
    return Jinja2Templates(env=env)


# -- errors --------------------------------------------------------------------------------------
async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "error.html",
                                      {"status": exc.status_code, "message": exc.detail},
                                      status_code=exc.status_code)


async def _server_error(request: Request, exc: Exception) -> Response:
    # no traceback in the page: a dashboard may be reachable by others
    message = "internal error while building this page (see the server's console)"
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=500)
    return PlainTextResponse(message, status_code=500)


async def _plotly(request: Request) -> Response:
    path = plotly_js_path()
    if path is None:
        raise HTTPException(404, "plotly is not installed: pip install 'runlab[web]'")
    return FileResponse(path, media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})


async def _no_icon(request: Request) -> Response:
    return Response(status_code=204)


def create_app(index_path: str | os.PathLike[str], *,
               allowed_hosts: Sequence[str] | None = None) -> Starlette:
    """The dashboard over the index at ``index_path``; ``allowed_hosts`` limits the Host header
    (``runlab ui`` passes the loopback names when bound to loopback)."""
    from runlab.web import api, pages

    routes = [
        Route("/", pages.sweeps_page, methods=["GET"]),
        Route("/runs", pages.runs_page, methods=["GET"]),
        Route("/runs/{run_id}", pages.run_page, methods=["GET"]),
        Route("/runs/{run_id}/live", pages.run_live, methods=["GET"]),
        Route("/runs/{run_id}/diff", pages.diff_page, methods=["GET"]),
        Route("/runs/{run_id}/files/{path:path}", pages.run_file, methods=["GET"]),
        Route("/sweeps/{sweep_id}", pages.sweep_page, methods=["GET"]),
        Route("/sweeps/{sweep_id}/live", pages.sweep_live, methods=["GET"]),
        Route("/api/sweeps/{sweep_id}/status", api.sweep_status, methods=["GET"]),
        Route("/api/sweeps/{sweep_id}/charts", api.sweep_charts, methods=["GET"]),
        Route("/api/runs/{run_id}/metrics", api.run_metrics, methods=["GET"]),
        Route("/api/runs/{run_id}/status", api.run_status, methods=["GET"]),
        Route("/vendor/plotly.min.js", _plotly, methods=["GET"]),
        Route("/favicon.ico", _no_icon, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(ReadOnlyMiddleware)]
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={HTTPException: _http_error, 500: _server_error})
    app.state.dashboard = Dashboard(index_path)
    app.state.templates = make_templates()
    from runlab.web.study import install_study_views

    install_study_views(app)  # the Optuna study section of sweep pages
    return app
