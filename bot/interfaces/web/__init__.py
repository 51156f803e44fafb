"""An optional HTTP endpoint (``treatybot run --http 127.0.0.1:8080``; off by default).

Routes, all read through a :class:`~bot.core.service.TreatyService` at request time::

    GET  /               a small self-contained HTML page: status, timeline, sources, feeds
    GET  /healthz        200 {"ok": true, ...} or 503 with the reasons
    GET  /status.json    exactly ``service.status()`` (the ``status --json`` contract)
    GET  /metrics        Prometheus text format (a dedicated registry, read at scrape time)
    GET  /timeline.png   when ``service.timeline_png()`` returns bytes
    POST /slack/commands the ``/treaty`` slash command (``bot.interfaces.slack``), when a
                         signing secret is given

Public API::

    create_web_app(service, *, slack_signing_secret=None) -> aiohttp.web.Application
    serve_web(app, host, port) -> aiohttp.web.AppRunner     (the caller cleans it up)
    parse_http_address("127.0.0.1:8080") -> ("127.0.0.1", 8080)
    page_html(service) -> str, safe_href(url)               the page (``page.py``)
    health(service) -> (healthy, body)                      ``health.py``
    metrics_registry(service), MetricsService               ``metrics.py``

``service`` is the App's (``app.service``) or a ``StoreService`` over a state database.
"""

from __future__ import annotations

from bot.interfaces.web.health import health
from bot.interfaces.web.metrics import MetricsService, metrics_registry
from bot.interfaces.web.page import page_html, safe_href
from bot.interfaces.web.routes import create_web_app, parse_http_address, serve_web

__all__ = [
    "MetricsService",
    "create_web_app",
    "health",
    "metrics_registry",
    "page_html",
    "parse_http_address",
    "safe_href",
    "serve_web",
]
