"""The HTTP endpoint, through a real aiohttp server on 127.0.0.1 over a real state database."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.analysis.decide import DecisionSettings
from bot.config.topic import DEFAULT_TOPIC
from bot.core.engine import Engine
from bot.core.service import StoreService, probe_database
from bot.interfaces.web import create_web_app, parse_http_address, safe_href, serve_web
from bot.store import Database

ROOT = Path(__file__).resolve().parent.parent
TOPIC = DEFAULT_TOPIC.name
FEEDS = [
    {"name": "Good Feed", "url": "https://good.example/rss", "interval": 900.0},
    {"name": "Bad Feed", "url": "https://bad.example/rss", "interval": 900.0},
]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

Start = Callable[..., Awaitable[str]]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A state database filled by a real engine run over the repo's seeds, plus feed health."""
    database = Database(tmp_path / "state" / "treatybot.sqlite3")
    engine = Engine(database, DEFAULT_TOPIC, DecisionSettings(), ["console", "jsonl"])
    engine.load_seeds(ROOT / "seeds")
    engine.update_status()
    database.mark_delivered(1, "console")
    database.mark_failed(1, "jsonl", "disk full")
    database.update_feed("Good Feed", FEEDS[0]["url"], last_attempt="2026-01-02T03:04:05+00:00",
                         last_success="2026-01-02T03:04:05+00:00", http_status=200,
                         items_seen=7, failures=0, polls=12)
    database.update_feed("Bad Feed", FEEDS[1]["url"], last_attempt="2026-01-02T03:00:00+00:00",
                         http_status=503, last_error="HTTP 503", failures=3, polls=9, errors=4)
    yield database
    database.close()


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Serve a web app on 127.0.0.1 (a free port); give its base URL; stop it afterwards."""
    runners = []

    async def _start(reader: Any, **kwargs: Any) -> str:
        runner = await serve_web(create_web_app(reader, **kwargs), "127.0.0.1", 0)
        runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield _start
    for runner in runners:
        await runner.cleanup()


async def get(url: str) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, dict(response.headers), await response.read()


async def test_healthz_is_200_when_the_scheduler_runs_and_the_database_is_writable(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 200
        body = await response.json()
    assert body["ok"] is True and body["scheduler"] is True
    assert body["database"] == "writable"
    assert body["last_cycle"] == "2026-01-02T03:04:05+00:00"  # the latest feed attempt


async def test_healthz_is_503_with_the_reason_when_the_scheduler_is_dead(db, start):
    reader = StoreService(db, TOPIC, FEEDS, scheduler_alive=lambda: False,
                          last_cycle=lambda: "2026-02-03T04:05:06+00:00")
    base = await start(reader)
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 503
        body = await response.json()
    assert body["ok"] is False and body["scheduler"] is False
    assert body["last_cycle"] == "2026-02-03T04:05:06+00:00"
    assert any("scheduler" in reason for reason in body["reasons"])


async def test_healthz_is_503_when_the_database_cannot_be_written(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    other = sqlite3.connect(db.path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        status, _, raw = await get(f"{base}/healthz")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert status == 503
    assert b'"database": "locked"' in raw


def test_probe_database_never_creates_a_file(tmp_path: Path):
    missing = tmp_path / "nothing.sqlite3"
    assert probe_database(missing).startswith("unavailable")
    assert not missing.exists()


async def test_status_json_is_the_status_contract(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    async with aiohttp.ClientSession() as session, session.get(f"{base}/status.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        report = await response.json()
    for field in ("topic", "status", "party", "ratified_by", "since", "updated_at", "last_check",
                  "articles", "relevant_articles", "sources", "evidence", "changes", "feeds"):
        assert field in report
    assert report["status"] == "delayed" and report["since"] == "2024-04-03"
    assert report["topic"] == TOPIC
    assert report["evidence"] and {"quote", "rule", "source"} <= set(report["evidence"][0])
    assert report["feeds"] == {"total": 2, "failing": 1}


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_parse_and_read_the_store(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    status, headers, raw = await get(f"{base}/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    samples = _samples(raw.decode())
    assert samples[("treatybot_status", (("status", "delayed"),))] == 1
    for other in ("drafting", "signed", "ratified", "in_force"):
        assert samples[("treatybot_status", (("status", other),))] == 0
    assert samples[("treatybot_articles", (("kind", "total"),))] == 5
    assert samples[("treatybot_articles", (("kind", "relevant"),))] == 5
    assert samples[("treatybot_feed_up", (("feed", "Good Feed"),))] == 1
    assert samples[("treatybot_feed_up", (("feed", "Bad Feed"),))] == 0
    assert samples[("treatybot_feed_failures", (("feed", "Bad Feed"),))] == 3
    assert samples[("treatybot_feed_items_seen", (("feed", "Good Feed"),))] == 7
    assert samples[("treatybot_feed_polls_total", (("feed", "Good Feed"),))] == 12
    assert samples[("treatybot_feed_errors_total", (("feed", "Good Feed"),))] == 0
    assert samples[("treatybot_feed_errors_total", (("feed", "Bad Feed"),))] == 4
    assert samples[("treatybot_digests_delivered_total", (("output", "console"),))] == 1
    assert samples[("treatybot_digests_failed_total", (("output", "jsonl"),))] == 1
    assert samples[("treatybot_digests_failed_total", (("output", "console"),))] == 0
    assert samples[("treatybot_scheduler_up", ())] == 1
    assert samples[("treatybot_last_cycle_timestamp_seconds", ())] == pytest.approx(1767323045)


async def test_metrics_follow_the_store_between_scrapes(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    db.update_feed("Bad Feed", FEEDS[1]["url"], failures=0, http_status=200)
    _, _, raw = await get(f"{base}/metrics")
    assert _samples(raw.decode())[("treatybot_feed_up", (("feed", "Bad Feed"),))] == 1


async def test_page_shows_status_timeline_sources_and_feeds(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    status, headers, raw = await get(f"{base}/")
    page = raw.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "DELAYED since 2024-04-03" in page
    assert "delayed" in page and "drafting" in page  # the timeline
    assert "IFP Media Wire" in page  # an evidence quote's source
    assert "Good Feed" in page and "failing ×3" in page
    assert "<script" not in page and 'src="http' not in page and "<link" not in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert '<img src="/timeline.png"' not in page  # no image without timeline_png


async def test_page_escapes_article_data_and_links_only_http(db, start):
    db.add_article(key="feed:x:1", kind="feed", feed="Good Feed", relevant=True,
                   title="<script>alert(1)</script> Russia Iran treaty", source="Evil & Co <b>",
                   body="", fingerprint="", evidence=[], status=None,
                   url="javascript:alert(2)", published="2030-01-01")
    db.add_article(key="feed:x:2", kind="feed", feed="Good Feed", relevant=True,
                   title='Quote " breaks out', source="Fine", body="", fingerprint="",
                   evidence=[], status=None, url='https://news.example/a?b=1&c="x"',
                   published="2030-01-02")
    base = await start(StoreService(db, TOPIC, FEEDS))
    _, _, raw = await get(f"{base}/")
    page = raw.decode()
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Evil &amp; Co &lt;b&gt;" in page
    assert "javascript:" not in page
    assert 'href="https://news.example/a?b=1&amp;c=&quot;x&quot;"' in page
    assert "Quote &quot; breaks out" in page


async def test_timeline_png_is_embedded_and_served_when_the_reader_has_one(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS, timeline_png=lambda: PNG))
    _, _, raw = await get(f"{base}/")
    assert '<img src="/timeline.png"' in raw.decode()
    status, headers, body = await get(f"{base}/timeline.png")
    assert status == 200 and headers["Content-Type"] == "image/png" and body == PNG


async def test_timeline_png_is_404_without_one(db, start):
    base = await start(StoreService(db, TOPIC, FEEDS))
    status, _, _ = await get(f"{base}/timeline.png")
    assert status == 404


async def test_slack_route_exists_only_with_a_signing_secret(db, start):
    without = await start(StoreService(db, TOPIC, FEEDS))
    with_secret = await start(StoreService(db, TOPIC, FEEDS), slack_signing_secret="s3cret")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{without}/slack/commands", data=b"text=status") as response:
            assert response.status in (404, 405)
        async with session.post(f"{with_secret}/slack/commands", data=b"text=status") as response:
            assert response.status == 401


async def test_a_page_on_an_empty_database_says_there_is_no_status(tmp_path: Path, start):
    empty = Database(tmp_path / "empty.sqlite3")
    try:
        base = await start(StoreService(empty, TOPIC))
        status, _, raw = await get(f"{base}/")
        assert status == 200 and "No status yet" in raw.decode()
        _, _, metrics = await get(f"{base}/metrics")
        assert _samples(metrics.decode())[("treatybot_status", (("status", "delayed"),))] == 0
    finally:
        empty.close()


async def test_app_service_reads_a_started_app(tmp_path: Path):
    from bot.config import load_watchlist
    from bot.core.app import App

    (tmp_path / "watchlist.yaml").write_text(
        f"seeds: {ROOT / 'seeds'}\noutputs: [console]\n"
        "feeds:\n  - name: Local\n    url: https://local.example/rss\n    interval: 5m\n",
        encoding="utf-8",
    )
    app = App(load_watchlist(tmp_path / "watchlist.yaml"), tmp_path / "state")
    await app.start()
    try:
        reader = app.service
        assert reader.configured_feeds() == [{"name": "Local", "url": "https://local.example/rss",
                                              "interval": 300.0}]
        assert reader.scheduler_alive() is False  # run_forever has not started it
        app.scheduler = SimpleNamespace(running=True)
        assert reader.scheduler_alive() is True
        assert reader.database_state() == "writable"
        assert reader.topic == app.watchlist.topic.name
        assert reader.last_cycle() is None  # no feed polled yet
        app.last_cycle_at = "2026-03-04T05:06:07+00:00"
        assert reader.last_cycle() == "2026-03-04T05:06:07+00:00"
        (tmp_path / "watchlist.yaml").write_text(  # a reload shows up at once
            "topic:\n  name: Another Treaty\noutputs: [console]\nfeeds: []\n", encoding="utf-8")
        app.watchlist = load_watchlist(tmp_path / "watchlist.yaml")
        assert reader.topic == "Another Treaty" and reader.configured_feeds() == []
    finally:
        await app.close()


@pytest.mark.parametrize("value, expected", [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    ("[::1]:9000", ("::1", 9000)),
    (":8080", ("127.0.0.1", 8080)),
    ("localhost:0", ("localhost", 0)),
])
def test_parse_http_address(value: str, expected: tuple[str, int]):
    assert parse_http_address(value) == expected


@pytest.mark.parametrize("value", ["8080", "host:", "host:http", "host:70000", ""])
def test_parse_http_address_refuses_garbage(value: str):
    with pytest.raises(ValueError):
        parse_http_address(value)


@pytest.mark.parametrize("url, ok", [
    ("https://a.example/x", True), ("http://a.example", True), ("javascript:alert(1)", False),
    ("data:text/html,hi", False), ("seeds/000.txt", False), ("//evil.example/x", False),
    (None, False), ("https:///nohost", False),
])
def test_safe_href(url: Any, ok: bool):
    assert (safe_href(url) is not None) is ok
