"""Loopback HTTP servers for tests: real aiohttp servers on 127.0.0.1, on a free port.

Use the context manager directly::

    from servers import serve

    async def test_something():
        app = web.Application()
        app.router.add_get("/feed", handler)
        async with serve(app) as base_url:          # "http://127.0.0.1:PORT"
            ...fetch(f"{base_url}/feed")...

or the ``serve_app`` fixture (register it with ``pytest_plugins = ["servers"]`` in a
conftest.py, or import it into the test module)::

    async def test_other(serve_app):
        base_url = await serve_app(app)              # stopped when the test ends

``routes_app({"/feed": handler, ...})`` builds a GET-only app, ``static_app({...})`` one that
serves fixed bodies, and ``closed_port()`` gives a port nobody listens on.
Servers bind to 127.0.0.1 only; nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from aiohttp import web

LOOPBACK = "127.0.0.1"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    return sock


@asynccontextmanager
async def serve(
    app: web.Application,
    *,
    ssl_context: ssl.SSLContext | None = None,
    shutdown_timeout: float = 0.5,
) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 on a free port; yield its base URL (no trailing slash).

    Handlers still running when the block ends (a slow or trickling response) are cancelled
    after ``shutdown_timeout`` seconds, so a test never waits on its own server.
    """
    runner = web.AppRunner(
        app, shutdown_timeout=shutdown_timeout, handler_cancellation=True, access_log=None
    )
    await runner.setup()
    sock = _bound_socket()
    try:
        site = web.SockSite(runner, sock, ssl_context=ssl_context)
        await site.start()
        port = sock.getsockname()[1]
        scheme = "https" if ssl_context is not None else "http"
        yield f"{scheme}://{LOOPBACK}:{port}"
    finally:
        await runner.cleanup()
        sock.close()


@pytest.fixture
async def serve_app() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    """Start any number of apps during a test: ``base_url = await serve_app(app)``."""
    async with AsyncExitStack() as stack:

        async def start(app: web.Application, **kwargs: object) -> str:
            return await stack.enter_async_context(serve(app, **kwargs))  # type: ignore[arg-type]

        yield start


def routes_app(routes: Mapping[str, Handler]) -> web.Application:
    """An app answering GET (and HEAD) on each path with its handler."""
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(path, handler)
    return app


def static_app(
    pages: Mapping[str, bytes | str | tuple[bytes | str, str]],
) -> web.Application:
    """An app serving fixed bodies: ``{"/feed.xml": (body, "application/rss+xml"), ...}``.

    A bare body is served as ``application/xml``.
    """

    def make_handler(body: bytes | str, content_type: str) -> Handler:
        data = body.encode("utf-8") if isinstance(body, str) else body

        async def handler(request: web.Request) -> web.Response:
            return web.Response(body=data, headers={"Content-Type": content_type})

        return handler

    routes: dict[str, Handler] = {}
    for path, page in pages.items():
        body, content_type = page if isinstance(page, tuple) else (page, "application/xml")
        routes[path] = make_handler(body, content_type)
    return routes_app(routes)


def closed_port() -> int:
    """A loopback port with nothing listening on it (connections are refused)."""
    with contextlib.closing(_bound_socket()) as sock:
        return sock.getsockname()[1]
