"""Watching feeds end to end: conditional requests, each item once, one story from several
feeds, feed health, failures that never stop the other feeds. Real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from feedsite import FeedSite, Item
from servers import closed_port, serve

from bot.config import load_watchlist
from bot.core.app import App
from bot.core.poller import backoff_seconds

ROOT = Path(__file__).resolve().parent.parent

# from the Kremlin's own site: one official report confirms the signing
SIGNED = Item("Putin, Pezeshkian sign treaty on comprehensive strategic partnership",
              "The presidents of Russia and Iran signed the treaty in the Kremlin on Friday.",
              "2025-01-17", "http://en.kremlin.ru/events/president/news/76120", guid="tass-1")
SIGNED_COPY = Item("Putin and Pezeshkian sign strategic partnership treaty in the Kremlin - AP News",
                   "The presidents of Russia and Iran signed a comprehensive strategic partnership "
                   "treaty in the Kremlin on Friday.",
                   "2025-01-17", "https://news.example/redirect?x=1&utm_source=rss#top")
UNRELATED = Item("Iran holds air defence drills near Isfahan", "Drills continued on Sunday.",
                 "2025-01-16", "https://irna.example/2", guid="irna-2")


def make_watchlist(folder: Path, feeds: dict[str, str], *, extra: str = "") -> Path:
    if not (folder / "seeds").exists():
        shutil.copytree(ROOT / "seeds", folder / "seeds")
    lines = ["allow_local: true", "health:", "  failures_before_alert: 3", "feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}"]
    lines += ["outputs:", "  - type: jsonl", "    path: digests.jsonl", extra]
    path = folder / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def digests(folder: Path) -> list[dict]:
    path = folder / "digests.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
async def site():
    site = FeedSite()
    async with serve(site.app) as base_url:
        site.base_url = base_url  # type: ignore[attr-defined]
        yield site


@contextlib.asynccontextmanager
async def running_forever(path: Path, state: Path) -> AsyncIterator[App]:
    """The bot as `treatybot run` runs it (scheduler and watchlist reloads, checked every
    0.1 s), stopped and closed when the block ends."""
    app = App(load_watchlist(path), state, console_stream=io.StringIO())
    app.reload_interval = 0.1
    await app.start()
    stop = asyncio.Event()
    task = asyncio.create_task(app.run_forever(stop))
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await app.close()


async def cycle(folder: Path, feeds: dict[str, str]):
    app = App(load_watchlist(make_watchlist(folder, feeds)), folder / "state",
              console_stream=io.StringIO())
    await app.start()
    try:
        report = await app.run_once()
        return report, app.db.feed_states(), [a.to_json() for a in app.db.articles()]
    finally:
        await app.close()


async def test_etag_then_304_and_each_item_processed_once_across_runs(site, tmp_path):
    feed = site.feed("tass", items=[SIGNED, UNRELATED])
    feeds = {"tass": f"{site.base_url}/tass.xml"}
    first, _, articles = await cycle(tmp_path, feeds)
    assert first.polls[0].new_items == 2
    assert "If-None-Match" not in feed.requests[0]  # never an empty validator
    second, states, again = await cycle(tmp_path, feeds)
    assert feed.requests[1]["If-None-Match"].startswith('"')
    assert second.polls[0].not_modified and second.polls[0].new_items == 0
    assert len(again) == len(articles)
    assert states[0]["http_status"] == 304 and states[0]["failures"] == 0


async def test_last_modified_only_is_sent_back(site, tmp_path):
    feed = site.feed("irna", items=[UNRELATED], etag=False)
    feeds = {"irna": f"{site.base_url}/irna.xml"}
    await cycle(tmp_path, feeds)
    report, _, _ = await cycle(tmp_path, feeds)
    assert "If-None-Match" not in feed.requests[1]
    assert feed.requests[1]["If-Modified-Since"]
    assert report.polls[0].not_modified


async def test_reordered_feed_with_bumped_dates_is_not_processed_again(site, tmp_path):
    feed = site.feed("tass", items=[SIGNED, UNRELATED], etag=False, last_modified=False)
    feeds = {"tass": f"{site.base_url}/tass.xml"}
    await cycle(tmp_path, feeds)
    feed.items = [Item(UNRELATED.title, UNRELATED.summary, "2025-02-01", UNRELATED.link,
                       UNRELATED.guid),
                  Item(SIGNED.title, SIGNED.summary, "2025-02-02", SIGNED.link, SIGNED.guid)]
    report, _, articles = await cycle(tmp_path, feeds)
    assert report.polls[0].new_items == 0
    assert sum(1 for a in articles if a["kind"] == "feed") == 2


async def test_same_story_through_two_feeds_is_one_story_with_both_sources(site, tmp_path):
    site.feed("tass", items=[SIGNED])
    site.feed("news", items=[SIGNED_COPY])
    feeds = {"tass": f"{site.base_url}/tass.xml", "news": f"{site.base_url}/news.xml"}
    report, _, articles = await cycle(tmp_path, feeds)
    feed_articles = [a for a in articles if a["kind"] == "feed"]
    assert len(feed_articles) == 2
    originals = [a for a in feed_articles if a["duplicate_of"] is None]
    copies = [a for a in feed_articles if a["duplicate_of"] is not None]
    assert len(originals) == 1 and len(copies) == 1
    assert copies[0]["duplicate_of"] == originals[0]["id"]  # whichever feed answered first
    assert {a["source"] for a in feed_articles} == {"Test feed", "AP News"}  # feed title, suffix
    aggregated = next(a for a in feed_articles if a["source"] == "AP News")
    assert aggregated["url"] == "https://news.example/redirect?x=1"  # tracking and fragment gone
    assert sum(len(p.new_stories) for p in report.polls) == 1  # counted once as a new story


async def test_status_digest_lists_every_story_since_the_last_one_with_all_its_outlets(
        site, tmp_path):
    tass = site.feed("tass", title="TASS")
    news = site.feed("news", title="News search")
    feeds = {"tass": f"{site.base_url}/tass.xml", "news": f"{site.base_url}/news.xml"}
    await cycle(tmp_path, feeds)  # the baseline: delayed
    tass.items.insert(0, Item(
        "Signing of Russia-Iran strategic partnership treaty postponed again",
        "The signing of the treaty between Russia and Iran has been postponed again, a Russian "
        "diplomat said.", "2024-08-01", "https://tass.example/postponed"))
    await cycle(tmp_path, feeds)  # still delayed: no digest, but a story the team has not seen
    assert [d["kind"] for d in digests(tmp_path)] == ["baseline"]
    tass.items.insert(0, SIGNED)
    news.items.insert(0, SIGNED_COPY)
    await cycle(tmp_path, feeds)
    change = digests(tmp_path)[-1]
    assert change["kind"] == "status_change" and change["status"] == "signed"
    postponed, signed = change["new_stories"]  # the signing counted once, whichever came first
    assert postponed["title"] == "Signing of Russia-Iran strategic partnership treaty postponed again"
    assert "sign" in signed["title"].lower()
    assert sorted(signed["sources"]) == ["AP News", "TASS"]  # one story, both outlets
    assert "TASS, AP News" in change["text"] or "AP News, TASS" in change["text"]


async def test_each_poll_and_each_failed_poll_is_counted_per_feed(site, tmp_path):
    site.feed("tass", items=[SIGNED])
    feeds = {"tass": f"{site.base_url}/tass.xml", "dead": f"http://127.0.0.1:{closed_port()}/x"}
    for _ in range(3):
        _, states, _ = await cycle(tmp_path, feeds)  # the 2nd and 3rd answer 304
    counts = {s["name"]: (s["polls"], s["errors"]) for s in states}
    assert counts == {"tass": (3, 0), "dead": (3, 3)}


async def test_one_feed_down_while_the_others_deliver(site, tmp_path):
    site.feed("tass", items=[SIGNED])
    site.feed("broken", status=500)
    site.feed("html", body_override=b"<!doctype html><html><body><p>Hello</p></body></html>")
    feeds = {
        "tass": f"{site.base_url}/tass.xml",
        "broken": f"{site.base_url}/broken.xml",
        "html": f"{site.base_url}/html.xml",
        "missing": f"{site.base_url}/missing.xml",
        "refused": f"http://127.0.0.1:{closed_port()}/feed.xml",
    }
    report, states, _ = await cycle(tmp_path, feeds)
    by_name = {p.feed: p for p in report.polls}
    assert by_name["tass"].ok and by_name["tass"].new_items == 1
    errors = {s["name"]: s["last_error"] for s in states}
    assert "500" in errors["broken"]
    assert "404" in errors["missing"]
    assert "not" in errors["html"] and "feed" in errors["html"]
    assert "refused" in errors["refused"]
    assert errors["tass"] is None


async def test_failures_back_off_and_alert_once_then_recovery_is_announced(site, tmp_path):
    feed = site.feed("flaky", status=503)
    feeds = {"flaky": f"{site.base_url}/flaky.xml"}
    for _ in range(4):
        await cycle(tmp_path, feeds)
    health = [d for d in digests(tmp_path) if d["kind"] == "feed_health"]
    assert len(health) == 1 and "flaky" in health[0]["text"]
    feed.status = 200
    feed.items = [UNRELATED]
    _, states, _ = await cycle(tmp_path, feeds)
    health = [d for d in digests(tmp_path) if d["kind"] == "feed_health"]
    assert len(health) == 2 and "recovered" in health[1]["title"].lower()
    assert states[0]["failures"] == 0


def test_backoff_doubles_and_is_capped():
    assert backoff_seconds(1, 900, 21600) == 900
    assert backoff_seconds(2, 900, 21600) == 1800
    assert backoff_seconds(10, 900, 21600) == 21600


async def test_a_hanging_feed_does_not_delay_the_others(site, tmp_path):
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    slow = web.Application()
    slow.router.add_get("/slow.xml", hang)
    site.feed("tass", items=[SIGNED])
    async with serve(slow) as slow_url:
        path = make_watchlist(tmp_path, {"tass": f"{site.base_url}/tass.xml",
                                         "slow": f"{slow_url}/slow.xml"},
                              extra="poll:\n  timeout: 1s")
        app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
        await app.start()
        try:
            started = asyncio.get_running_loop().time()
            report = await app.run_once()
            elapsed = asyncio.get_running_loop().time() - started
        finally:
            await app.close()
    by_name = {p.feed: p for p in report.polls}
    assert by_name["tass"].ok and not by_name["slow"].ok
    assert "timed out" in by_name["slow"].error
    assert elapsed < 10


async def test_run_once_and_feeds_json_tell_which_feed_is_broken_and_why(site, tmp_path):
    site.feed("tass", items=[SIGNED])
    site.feed("broken", status=500)
    make_watchlist(tmp_path, {"tass": f"{site.base_url}/tass.xml",
                              "broken": f"{site.base_url}/broken.xml"})

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    # the CLI runs in another process while this loop serves the feeds
    result = await asyncio.to_thread(cli, "run", "--once")
    assert result.returncode == 0, result.stderr
    assert "feed broken failed: HTTP 500" in result.stderr
    rows = json.loads((await asyncio.to_thread(cli, "feeds", "--json")).stdout)
    by_name = {r["name"]: r for r in rows}
    assert by_name["tass"]["ok"] is True and by_name["tass"]["last_success"]
    assert by_name["broken"]["ok"] is False and by_name["broken"]["failures"] == 1
    assert "500" in by_name["broken"]["last_error"]
    for row in rows:
        assert set(row) >= {"name", "url", "ok", "last_error", "failures", "last_success"}


async def test_scheduler_polls_each_feed_on_its_interval_without_overlap(site, tmp_path):
    tass = site.feed("tass", items=[SIGNED], etag=False, last_modified=False)
    path = make_watchlist(tmp_path, {"tass": f"{site.base_url}/tass.xml"},
                          extra="poll:\n  interval: 1s\n  jitter: 0s")
    app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
    await app.start()
    stop = asyncio.Event()
    try:
        task = asyncio.create_task(app.run_forever(stop))
        await asyncio.sleep(3.5)
        jobs = {job.id: job for job in app.scheduler.get_jobs()}
        stop.set()
        await asyncio.wait_for(task, 5)
    finally:
        await app.close()
    assert "feed:tass" in jobs and jobs["feed:tass"].max_instances == 1
    assert len(tass.requests) >= 3  # the start-up cycle, then every second
    assert [d["kind"] for d in digests(tmp_path)].count("baseline") == 1


async def test_running_bot_survives_a_broken_edit_and_picks_up_the_fix(site, tmp_path):
    tass = site.feed("tass", items=[SIGNED], etag=False, last_modified=False)
    irna = site.feed("irna", items=[UNRELATED], etag=False, last_modified=False)
    path = make_watchlist(tmp_path, {"tass": f"{site.base_url}/tass.xml"},
                          extra="poll:\n  interval: 1s\n  jitter: 0s")
    good = path.read_text(encoding="utf-8")
    async with running_forever(path, tmp_path / "state"):
        await asyncio.sleep(0.5)
        path.write_text(good.replace("  - name: tass", "  - name: tass\n\tinterval: 5m"),
                        encoding="utf-8")
        await asyncio.sleep(1.5)
        kinds = [d["kind"] for d in digests(tmp_path)]
        assert "config_error" in kinds
        error = next(d for d in digests(tmp_path) if d["kind"] == "config_error")
        assert "watchlist.yaml:" in error["text"]
        polls_while_broken = len(tass.requests)
        await asyncio.sleep(1.2)
        assert len(tass.requests) > polls_while_broken  # still watching meanwhile
        fixed = good.replace("feeds:\n", f"feeds:\n  - name: irna\n    url: {site.base_url}/irna.xml\n")
        path.write_text(fixed, encoding="utf-8")
        await asyncio.sleep(2.0)
        reloaded = [d for d in digests(tmp_path) if d["kind"] == "config_reloaded"]
        assert reloaded and "feed added: irna" in reloaded[0]["text"]
        assert irna.requests  # the new feed is polled without a restart


@pytest.mark.slow
async def test_a_reload_during_a_slow_delivery_sends_nothing_twice(site, tmp_path):
    """The outbox is rebuilt by every reload. Deliveries go on through the newest one only
    (the scheduler's outbox job included: it fires 5 s after the start-up cycle, mid-queue
    here), one at a time, and an output removed by an edit gets nothing more."""
    from webhook_standin import running_standin

    site.feed("tass", items=[SIGNED], etag=False, last_modified=False)
    async with running_standin() as hook:
        hook.answer(stall=2.0, times=50)  # every delivery takes 2 s: the queue lasts ~6 s
        extra = (f"  - type: slack_webhook\n    url: {hook.slack_url()}\n"
                 "poll:\n  interval: 1s\n  jitter: 0s")
        path = make_watchlist(tmp_path, {"tass": f"{site.base_url}/tass.xml"}, extra=extra)
        async with running_forever(path, tmp_path / "state") as app:
            for _ in range(100):  # the start-up cycle has delivered the baseline
                if hook.received and getattr(app, "scheduler", None) is not None:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.3)  # the watcher is running
            for before, after in (("1s", "2s"), ("2s", "3s"), ("3s", "4s")):
                text = path.read_text(encoding="utf-8")
                path.write_text(text.replace(f"interval: {before}", f"interval: {after}"),
                                encoding="utf-8")
                await asyncio.sleep(0.5)
            for _ in range(150):  # the queue drains through the hook, one at a time
                if len(hook.received) >= 4 and not app.db.pending_deliveries():
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # and a repeat, if there were one, would have arrived
            to_slack = [d for d in app.db.deliveries() if d["output"] == "slack_webhook"]
            assert len(to_slack) == 4  # the baseline and three config_reloaded
            assert all(d["state"] == "delivered" for d in to_slack)
            assert len(hook.received) == 4, [r.payload.get("text", "")[:60]
                                             for r in hook.received]  # each once

            # remove the slack output: what is queued later is not sent to it
            path.write_text(path.read_text(encoding="utf-8").replace(
                f"  - type: slack_webhook\n    url: {hook.slack_url()}\n", ""), encoding="utf-8")
            await asyncio.sleep(1.0)
            path.write_text(path.read_text(encoding="utf-8").replace("interval: 4s",
                                                                     "interval: 5s"),
                            encoding="utf-8")
            await asyncio.sleep(6)  # past the scheduler's next outbox run
            assert len(hook.received) == 4
            kinds = [d["kind"] for d in digests(tmp_path)]
            assert kinds.count("config_reloaded") == 5  # the jsonl output still gets them
