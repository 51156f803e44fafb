"""An optional HTTP endpoint (``treatybot run --http 127.0.0.1:8080``; off by default).

Routes, all read from the state database at request time::

    GET  /               a small self-contained HTML page: status, timeline, sources, feeds
    GET  /healthz        200 {"ok": true, ...} or 503 with the reasons
    GET  /status.json    exactly ``bot.core.views.status_report`` (the ``status --json`` contract)
    GET  /metrics        Prometheus text format (a dedicated registry, read at scrape time)
    GET  /timeline.png   when the reader offers ``timeline_png()`` and it returns bytes
    POST /slack/commands the ``/treaty`` slash command, when a signing secret is given

Public API::

    StateReader                          what the routes read (a Protocol)
    StoreReader(db, topic, feeds, ...)   the plain implementation over a Database
    app_reader(app) -> StoreReader       a reader over a running ``bot.core.app.App``
    create_web_app(reader, *, slack_signing_secret=None) -> aiohttp.web.Application
    serve_web(app, host, port) -> aiohttp.web.AppRunner     (the caller cleans it up)
    parse_http_address("127.0.0.1:8080") -> ("127.0.0.1", 8080)
"""

from __future__ import annotations

import html
import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.core.views import feeds_report, history_report, sources_report, status_report
from bot.delivery.digests import status_phrase
from bot.interfaces.slack import slack_command_handler
from bot.models import Status
from bot.redact import redact_url
from bot.store.database import Database

log = logging.getLogger(__name__)

# The classic Prometheus text format: generate_latest() writes it, every Prometheus reads it.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SOURCES_SHOWN = 15
PROBE_TIMEOUT = 0.5  # seconds a health probe waits for the database's write lock

FeedList = list[dict[str, Any]]


class StateReader(Protocol):
    """What the web routes and the slash command read.

    ``feeds()`` gives the configured feeds as ``{"name", "url", "interval"}`` (for
    ``bot.core.views.feeds_report``); ``database_state()`` is ``"writable"`` when the state database
    takes a write lock, else a short reason. A reader may also have ``timeline_png()`` returning
    PNG bytes or None.
    """

    db: Database

    @property
    def topic(self) -> str: ...

    def scheduler_alive(self) -> bool: ...

    def last_cycle(self) -> str | None: ...

    def feeds(self) -> FeedList: ...

    def database_state(self) -> str: ...


def watched(reader: StateReader) -> list[str]:
    """The names of the watchlist's feeds (what the status counts as watched)."""
    return [feed["name"] for feed in reader.feeds()]


def probe_database(path: Path, timeout: float = PROBE_TIMEOUT) -> str:
    """``"writable"`` if a write lock can be taken (``BEGIN IMMEDIATE; ROLLBACK``) on its own
    short-lived connection, else why not. Never creates the file."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout,
                               isolation_level=None)
    except sqlite3.Error as exc:
        return f"unavailable: {exc}"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return "locked" if "locked" in str(exc) else f"not writable: {exc}"
    finally:
        conn.close()
    return "writable"


def _last_check(db: Database) -> str | None:
    """The latest feed attempt: the last cycle, as far as the store knows."""
    return max((f["last_attempt"] for f in db.feed_states() if f.get("last_attempt")),
               default=None)


class StoreReader:
    """A :class:`StateReader` over a Database, with the live facts given as callables.

    ``topic`` and ``feeds`` are values or callables returning them (so a reloaded watchlist
    shows up); ``last_cycle`` defaults to the latest feed attempt in the store.
    """

    def __init__(self, db: Database, topic: str | Callable[[], str],
                 feeds: FeedList | Callable[[], FeedList] | None = None, *,
                 scheduler_alive: Callable[[], bool] = lambda: True,
                 last_cycle: Callable[[], str | None] | None = None,
                 timeline_png: Callable[[], bytes | None] | None = None) -> None:
        self.db = db
        self._topic = topic
        self._feeds = feeds if feeds is not None else []
        self._scheduler_alive = scheduler_alive
        self._last_cycle = last_cycle
        self._timeline_png = timeline_png

    @property
    def topic(self) -> str:
        return self._topic() if callable(self._topic) else self._topic

    def scheduler_alive(self) -> bool:
        return bool(self._scheduler_alive())

    def last_cycle(self) -> str | None:
        return self._last_cycle() if self._last_cycle is not None else _last_check(self.db)

    def feeds(self) -> FeedList:
        return list(self._feeds() if callable(self._feeds) else self._feeds)

    def database_state(self) -> str:
        return probe_database(self.db.path)

    def timeline_png(self) -> bytes | None:
        return self._timeline_png() if self._timeline_png is not None else None


def app_reader(app: Any) -> StoreReader:
    """A reader over a started ``bot.core.app.App``: its database, watchlist and scheduler.

    The scheduler counts as alive once ``App.run_forever`` has started it. The last cycle is
    ``app.last_cycle_at`` (an ISO time) when the App records it, else the latest feed attempt.
    """
    if app.db is None:
        raise ValueError("start the app before reading it")

    def feeds() -> FeedList:
        watchlist = app.watchlist
        return [{"name": f.name, "url": f.url, "interval": watchlist.feed_interval(f)}
                for f in watchlist.feeds]

    def scheduler_alive() -> bool:
        scheduler = getattr(app, "scheduler", None)
        return bool(scheduler is not None and scheduler.running)

    def last_cycle() -> str | None:
        return getattr(app, "last_cycle_at", None) or _last_check(app.db)

    cache: dict[str, bytes | None] = {}

    def timeline_png() -> bytes | None:
        from bot.core.views import history_report
        from bot.delivery.timeline import render_timeline_png

        history = history_report(app.db)
        key = json.dumps([(h["status"], h["since"], h["party"]) for h in history])
        if key not in cache:
            cache.clear()
            cache[key] = render_timeline_png(history, title=app.watchlist.topic.name)
        return cache[key]

    return StoreReader(app.db, lambda: app.watchlist.topic.name, feeds,
                       scheduler_alive=scheduler_alive, last_cycle=last_cycle,
                       timeline_png=timeline_png)


# --------------------------------------------------------------------------------------
# /healthz and /status.json
# --------------------------------------------------------------------------------------


def health(reader: StateReader) -> tuple[bool, dict[str, Any]]:
    """(healthy, the /healthz body)."""
    alive = reader.scheduler_alive()
    database = reader.database_state()
    reasons = []
    if not alive:
        reasons.append("the scheduler is not running")
    if database != "writable":
        reasons.append(f"the state database is {database}")
    body = {"ok": not reasons, "scheduler": alive, "database": database,
            "last_cycle": reader.last_cycle(), "reasons": reasons}
    return not reasons, body


_dumps = partial(json.dumps, ensure_ascii=False)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


# --------------------------------------------------------------------------------------
# /metrics
# --------------------------------------------------------------------------------------


def _timestamp(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _feed_metrics(rows: list[dict[str, Any]], states: dict[str, dict[str, Any]]) -> Iterator[Metric]:
    polls = CounterMetricFamily("treatybot_feed_polls", "Polls of each feed.", labels=["feed"])
    errors = CounterMetricFamily("treatybot_feed_errors", "Failed polls of each feed.",
                                 labels=["feed"])
    failures = GaugeMetricFamily("treatybot_feed_failures", "Failed polls in a row.",
                                 labels=["feed"])
    seen = GaugeMetricFamily("treatybot_feed_items_seen", "Feed items seen so far.",
                             labels=["feed"])
    up = GaugeMetricFamily("treatybot_feed_up", "1 if the feed's last poll succeeded.",
                           labels=["feed"])
    for row in rows:
        name = row["name"]
        state = states.get(name, {})
        polls.add_metric([name], int(state.get("polls") or 0))
        errors.add_metric([name], int(state.get("errors") or 0))
        failures.add_metric([name], row["failures"])
        seen.add_metric([name], row["items_seen"])
        up.add_metric([name], 1 if row["ok"] else 0)
    yield from (polls, errors, failures, seen, up)


def _delivery_metrics(deliveries: Iterable[dict[str, Any]]) -> Iterator[Metric]:
    by_state = Counter((d["output"], d["state"]) for d in deliveries)
    outputs = sorted({output for output, _ in by_state})
    families = {
        "delivered": CounterMetricFamily("treatybot_digests_delivered",
                                         "Digests delivered, per output.", labels=["output"]),
        "failed": CounterMetricFamily("treatybot_digests_failed",
                                      "Digests given up on, per output.", labels=["output"]),
        "pending": GaugeMetricFamily("treatybot_digests_pending",
                                     "Digests waiting in the outbox, per output.",
                                     labels=["output"]),
    }
    for state, family in families.items():
        for output in outputs:
            family.add_metric([output], by_state[(output, state)])
    yield from families.values()


def _status_metrics(report: dict[str, Any]) -> Iterator[Metric]:
    status = GaugeMetricFamily("treatybot_status", "1 for the treaty's current status.",
                               labels=["status"])
    for value in Status:
        status.add_metric([value.value], 1 if report["status"] == value.value else 0)
    yield status
    articles = GaugeMetricFamily("treatybot_articles", "Articles read.", labels=["kind"])
    articles.add_metric(["total"], report["articles"])
    articles.add_metric(["relevant"], report["relevant_articles"])
    articles.add_metric(["independent"], report["sources"])
    yield articles


class StoreCollector:
    """A Prometheus collector that reads the store at each scrape."""

    def __init__(self, reader: StateReader) -> None:
        self.reader = reader

    def collect(self) -> Iterator[Metric]:
        db = self.reader.db
        yield from _status_metrics(status_report(db, self.reader.topic, watched(self.reader)))
        states = {f["name"]: f for f in db.feed_states()}
        yield from _feed_metrics(feeds_report(db, self.reader.feeds()), states)
        yield from _delivery_metrics(db.deliveries())
        scheduler = GaugeMetricFamily("treatybot_scheduler_up", "1 if the scheduler is running.")
        scheduler.add_metric([], 1 if self.reader.scheduler_alive() else 0)
        yield scheduler
        last = GaugeMetricFamily("treatybot_last_cycle_timestamp_seconds",
                                 "When the last cycle ran (Unix time).")
        moment = _timestamp(self.reader.last_cycle())
        if moment is not None:
            last.add_metric([], moment)
        yield last


def metrics_registry(reader: StateReader) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(reader))  # type: ignore[arg-type]
    return registry


# --------------------------------------------------------------------------------------
# The HTML page
# --------------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#222}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.status{font-size:1.4rem;font-weight:bold}blockquote{margin:.6rem 0 .2rem 1rem;padding-left:.6rem;
border-left:3px solid #bbb}cite,.muted{color:#666;font-size:.9rem}table{border-collapse:collapse;
width:100%}td,th{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #eee;vertical-align:top}
.bad{color:#b00}img{max-width:100%}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_href(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, paths)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def _link(url: Any, label: Any) -> str:
    href = safe_href(url)
    return f'<a href="{_e(href)}" rel="noopener noreferrer">{_e(label)}</a>' if href else _e(label)


def _evidence_html(items: list[dict[str, Any]]) -> str:
    parts = []
    for e in items:
        where = ", ".join(p for p in (e.get("source"), (e.get("published") or "date unknown")[:10]) if p)
        cite = f"— {_e(where)} [{_e(e.get('rule'))}]"
        if safe_href(e.get("url")):
            cite += " " + _link(e.get("url"), e.get("title") or "article")
        parts.append(f"<blockquote>“{_e(e.get('quote'))}”</blockquote><cite>{cite}</cite>")
    return "\n".join(parts)


def _status_html(report: dict[str, Any]) -> str:
    if report["status"] is None:
        return '<p class="status">No status yet</p><p>Run <code>treatybot run --once</code>.</p>'
    phrase = status_phrase(report["status"], report.get("party"))
    lines = [
        f'<p class="status">{_e(phrase.upper())} since {_e(report["since"] or "an unknown date")}</p>',
        f'<p class="muted">Decided {_e(report["updated_at"])}; last check '
        f'{_e(report["last_check"] or "never")}. {_e(report["sources"])} independent of '
        f'{_e(report["relevant_articles"])} relevant articles ({_e(report["articles"])} read).</p>',
    ]
    if report["evidence"]:
        lines += ["<h2>Key evidence</h2>", _evidence_html(report["evidence"])]
    return "\n".join(lines)


def _history_html(history: list[dict[str, Any]], has_png: bool) -> str:
    out = ["<h2>Timeline</h2>"]
    if has_png:
        out.append('<img src="/timeline.png" alt="Status timeline">')
    if not history:
        return "\n".join(out + ["<p>No status changes recorded yet.</p>"])
    items = []
    for h in history:
        quote = next((e.get("quote") for e in h["evidence"] if e.get("quote")), "")
        source = next((e.get("source") for e in h["evidence"] if e.get("source")), "")
        note = f"<br><span class=\"muted\">“{_e(quote[:300])}” — {_e(source)}</span>" if quote else ""
        items.append(f"<li><b>{_e(h['date'] or '????-??-??')}</b> "
                     f"{_e(status_phrase(h['status'], h.get('party')))}{note}</li>")
    return "\n".join(out + ["<ol>", *items, "</ol>"])


def _sources_html(sources: list[dict[str, Any]]) -> str:
    rows = [
        f"<tr><td>{_e(s['published'] or 'date unknown')}</td><td>{_link(s.get('url'), s['title'])}"
        f"</td><td>{_e(s['source'])}</td><td>{_e(s['status'] or '-')}</td>"
        f"<td>{_e('#' + str(s['duplicate_of']) if s['duplicate_of'] else '')}</td></tr>"
        for s in sources
    ]
    head = "<tr><th>Published</th><th>Title</th><th>Source</th><th>Reports</th><th>Repeats</th></tr>"
    body = f"<table>{head}{''.join(rows)}</table>" if rows else "<p>No articles yet.</p>"
    return f"<h2>Latest relevant sources</h2>\n{body}"


def _feed_state(row: dict[str, Any]) -> str:
    if not row["checked"]:
        return "not checked yet"
    if row["ok"]:
        return f"ok (HTTP {_e(row['http_status'])})"
    return f'<span class="bad">failing ×{_e(row["failures"])}: {_e(row["last_error"])}</span>'


def _feeds_html(rows: list[dict[str, Any]], disabled: dict[str, str]) -> str:
    lines = [
        f"<tr><td>{_e(r['name'])}<br><span class=\"muted\">{_e(redact_url(r['url']))}</span></td>"
        f"<td>{_feed_state(r)}</td><td>{_e(r['last_success'] or 'never')}</td>"
        f"<td>{_e(r['items_seen'])}</td><td>{_e(r['next_attempt'] or '-')}</td></tr>"
        for r in rows
    ]
    head = ("<tr><th>Feed</th><th>State</th><th>Last success</th><th>Items seen</th>"
            "<th>Next attempt</th></tr>")
    body = f"<table>{head}{''.join(lines)}</table>" if lines else "<p>No feeds in the watchlist.</p>"
    body += "".join(f'<p class="bad">Output {_e(k)} is disabled: {_e(v)}</p>'
                    for k, v in disabled.items())
    return f"<h2>Feeds</h2>\n{body}"


def _timeline_png(reader: StateReader) -> bytes | None:
    getter = getattr(reader, "timeline_png", None)
    if getter is None:
        return None
    try:
        return getter() or None
    except Exception:
        log.exception("the timeline image could not be drawn")
        return None


def page_html(reader: StateReader) -> str:
    """The whole page; every value from the store is escaped."""
    db = reader.db
    report = status_report(db, reader.topic, watched(reader))
    sections = [
        _status_html(report),
        _history_html(history_report(db), _timeline_png(reader) is not None),
        _sources_html(sources_report(db, relevant_only=True, limit=SOURCES_SHOWN)),
        _feeds_html(feeds_report(db, reader.feeds()), db.disabled_outputs()),
    ]
    generated = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>treatybot: {_e(report['status'] or 'no status')}</title>"
        f"<style>{_CSS}</style></head><body>\n<h1>{_e(reader.topic)}</h1>\n"
        + "\n".join(sections)
        + f'\n<p class="muted">Generated {_e(generated)} · <a href="/status.json">status.json</a>'
        ' · <a href="/metrics">metrics</a> · <a href="/healthz">healthz</a></p>\n</body></html>\n'
    )


# No scripts, no external assets: the policy says so to the browser as well.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# --------------------------------------------------------------------------------------
# The application
# --------------------------------------------------------------------------------------


class _Routes:
    def __init__(self, reader: StateReader) -> None:
        self.reader = reader
        self.registry = metrics_registry(reader)

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            healthy, body = health(self.reader)
        except Exception as exc:
            log.exception("health check failed")
            healthy, body = False, {"ok": False, "reasons": [f"health check failed: {exc}"]}
        return _json(body, 200 if healthy else 503)

    async def status_json(self, request: web.Request) -> web.Response:
        return _json(status_report(self.reader.db, self.reader.topic, watched(self.reader)))

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            data = generate_latest(self.registry)
        except Exception:
            log.exception("metrics could not be collected")
            return web.Response(status=503, text="metrics could not be collected; see the log")
        return web.Response(body=data, headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=page_html(self.reader), content_type="text/html",
                            headers=PAGE_HEADERS)

    async def timeline(self, request: web.Request) -> web.Response:
        png = _timeline_png(self.reader)
        if png is None:
            raise web.HTTPNotFound(text="no timeline image")
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "no-cache"})


def create_web_app(reader: StateReader, *,
                   slack_signing_secret: str | None = None) -> web.Application:
    """The HTTP endpoint's routes over ``reader``; ``/slack/commands`` only with a secret."""
    routes = _Routes(reader)
    app = web.Application(client_max_size=64 * 1024)
    app.router.add_get("/", routes.index)
    app.router.add_get("/healthz", routes.healthz)
    app.router.add_get("/status.json", routes.status_json)
    app.router.add_get("/metrics", routes.metrics)
    app.router.add_get("/timeline.png", routes.timeline)
    if slack_signing_secret:
        app.router.add_post("/slack/commands",
                            slack_command_handler(reader, slack_signing_secret))
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
