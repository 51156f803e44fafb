"""The HTTP endpoint's aiohttp application, its server and its ``--http`` address.

Every route reads the service at request time (see the package docstring for the list);
``POST /slack/commands`` is Slack's handler from :mod:`bot.interfaces.slack`, mounted only
when a signing secret is given.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any

from aiohttp import web
from prometheus_client import generate_latest

from bot.interfaces.slack import slack_command_handler
from bot.interfaces.web.health import health
from bot.interfaces.web.metrics import METRICS_CONTENT_TYPE, MetricsService, metrics_registry
from bot.interfaces.web.page import PAGE_HEADERS, page_html, timeline_image

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024

_dumps = partial(json.dumps, ensure_ascii=False)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


class _Routes:
    """The GET handlers, over one service and its metrics registry."""

    def __init__(self, service: MetricsService) -> None:
        self.service = service
        self.registry = metrics_registry(service)

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            healthy, body = health(self.service)
        except Exception as exc:
            log.exception("health check failed")
            healthy, body = False, {"ok": False, "reasons": [f"health check failed: {exc}"]}
        return _json(body, 200 if healthy else 503)

    async def status_json(self, request: web.Request) -> web.Response:
        return _json(self.service.status())

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            data = generate_latest(self.registry)
        except Exception:
            log.exception("metrics could not be collected")
            return web.Response(status=503, text="metrics could not be collected; see the log")
        return web.Response(body=data, headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=page_html(self.service), content_type="text/html",
                            headers=PAGE_HEADERS)

    async def timeline(self, request: web.Request) -> web.Response:
        png = timeline_image(self.service)
        if png is None:
            raise web.HTTPNotFound(text="no timeline image")
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "no-cache"})


def create_web_app(service: MetricsService, *,
                   slack_signing_secret: str | None = None) -> web.Application:
    """The HTTP endpoint's routes over ``service``; ``/slack/commands`` only with a secret."""
    routes = _Routes(service)
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.router.add_get("/", routes.index)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/status.json", routes.status_json)
    app.router.add_get("/metrics", routes.metrics)
    app.router.add_get("/timeline.png", routes.timeline)
    if slack_signing_secret:
        app.router.add_post("/slack/commands",
                            slack_command_handler(service, slack_signing_secret))
    return app


async def serve_web(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start ``app`` on ``host:port`` (port 0: any free port, see ``runner.addresses``).

    The caller owns the runner: ``await runner.cleanup()`` when done.
    """
    runner = web.AppRunner(app, shutdown_timeout=2.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    log.info("HTTP endpoint on http://%s:%s/", *runner.addresses[0][:2])
    return runner


def parse_http_address(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"``, ``"[::1]:8080"`` or ``":8080"`` (loopback) -> (host, port)."""
    host, sep, port_text = value.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    host = host.removeprefix("[").removesuffix("]") or "127.0.0.1"
    return host, int(port_text)
