"""Hostile input through the real bot (``python -m bot run --once`` in a subprocess, feeds on
127.0.0.1): feedparser's whole test corpus, markup and scripts in treaty headlines, and servers
that trickle, never stop, bomb, loop or nest. Each is bounded in time and memory, reported as
that feed's health, and nothing of it reaches a digest."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hostile import (
    FAULTS,
    HOSTILE_DELAYED_ITEMS,
    HOSTILE_SIGNED_ITEMS,
    SIGNED_SUMMARY,
    SIGNED_TITLE,
    XXE_MARKER,
    BotRun,
    ServerThread,
    StandinProcess,
    corpus_app,
    hostile_app,
    markup_problems,
    rss,
    run_bot,
    strings_in,
)

ROOT = Path(__file__).resolve().parent.parent
HOOK_TOKEN = "robustnessFakeToken-0123456789abcdefABCDEF"
SLACK_TOKEN = "RobustnessSlackFake0123456789"

# the signing, from an official source's site: one such report confirms it
GOOD_FEED = rss([(SIGNED_TITLE, "http://en.kremlin.ru/events/president/news/76120",
                  SIGNED_SUMMARY)], title="Good wire")


def write_watchlist(folder: Path, feeds: dict[str, str], *, outputs: str, poll: str = "") -> Path:
    if not (folder / "seeds").exists():
        shutil.copytree(ROOT / "seeds", folder / "seeds")
    lines = ["allow_local: true"]
    if poll:
        lines += ["poll:", *(f"  {line}" for line in poll.strip().splitlines())]
    lines.append("feeds:" if feeds else "feeds: []")
    for name, url in feeds.items():
        lines += [f"  - name: {json.dumps(name)}", f"    url: {json.dumps(url)}"]
    path = folder / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n" + outputs, encoding="utf-8")
    return path


JSONL_ONLY = "outputs:\n  - type: jsonl\n    path: digests.jsonl\n"
ALL_OUTPUTS = """outputs:
  - type: jsonl
    path: digests.jsonl
  - type: discord_webhook
    url: ${HOOK_URL}
  - type: slack_webhook
    url: ${SLACK_URL}
"""
FAST_POLL = "timeout: 2s\nconnect_timeout: 2s\nmax_bytes: 3MB\nper_host: 8\n"


def jsonl(folder: Path) -> list[dict[str, Any]]:
    path = folder / "digests.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def feed_states(state: Path) -> dict[str, dict[str, Any]]:
    conn = sqlite3.connect(f"file:{state / 'treatybot.sqlite3'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return {r["name"]: dict(r) for r in conn.execute("SELECT * FROM feeds")}
    finally:
        conn.close()


def articles(state: Path, feed: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(f"file:{state / 'treatybot.sqlite3'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT title, url, source, body, relevant FROM articles "
                            "WHERE feed = ?", (feed,))
        return [dict(r) for r in rows]
    finally:
        conn.close()


def integrity(state: Path) -> str:
    conn = sqlite3.connect(f"file:{state / 'treatybot.sqlite3'}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def assert_clean_run(run: BotRun, *, limit: float) -> None:
    assert not run.timed_out, f"still running after {limit}s"
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]


# -- 1. feedparser's corpus -------------------------------------------------------------------


def assert_nothing_hostile_delivered(folder: Path, standin: StandinProcess) -> int:
    """No script, tag or javascript: in any digest (jsonl) or any message the stand-in got."""
    checked = 0
    for record in jsonl(folder):
        for text in strings_in(record):
            assert not markup_problems(text), (record["kind"], markup_problems(text), text[:300])
            checked += 1
    for message in standin.records():
        payload = {k: v for k, v in message.items() if k != "_standin"}
        slack = message["_standin"]["service"] == "slack"
        for text in strings_in(payload):
            if slack:  # Slack shows &lt;script&gt; as <script>: judge what people would see
                text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            assert not markup_problems(text), (message["_standin"], markup_problems(text),
                                               text[:300])
            checked += 1
    return checked


@pytest.mark.slow
def test_feedparser_corpus_never_crashes_hangs_or_leaks_markup(tmp_path: Path) -> None:
    """Every file of feedparser's test corpus is a feed of one watchlist: one run finishes in
    bounded time with exit 0, every feed gets a health state, no traceback; hostile treaty
    headlines (script, javascript: links, img onerror) reach no digest and no message."""
    app, paths = corpus_app()
    assert len(paths) > 2000
    treaty = {"delayed": rss(HOSTILE_DELAYED_ITEMS, title="Hostile <b>wire</b>",
                             published="Mon, 13 Jan 2025 09:00:00 GMT"),
              "signed": rss([], title="Hostile signed wire")}

    async def treaty_feed(request: web.Request) -> web.Response:
        return web.Response(body=treaty[request.match_info["name"]],
                            headers={"Content-Type": "application/rss+xml"})

    app.router.add_get("/treaty/{name}.xml", treaty_feed)
    with ServerThread(app) as base, StandinProcess(tmp_path / "standin.jsonl") as standin:
        feeds = {f"fp:{p}": f"{base}/corpus/{p}" for p in paths}
        feeds["treaty-delayed"] = f"{base}/treaty/delayed.xml"
        feeds["treaty-signed"] = f"{base}/treaty/signed.xml"
        write_watchlist(tmp_path, feeds, outputs=ALL_OUTPUTS,
                        poll="timeout: 20s\nmax_bytes: 3MB\nper_host: 8\n")
        env = {**os.environ, "HOOK_URL": f"{standin.url}/api/webhooks/42/{HOOK_TOKEN}",
               "SLACK_URL": f"{standin.url}/services/T0/B0/{SLACK_TOKEN}"}
        first = run_bot(["run", "--once"], cwd=tmp_path, env=env, timeout=600)
        print(f"corpus run: {len(feeds)} feeds in {first.elapsed:.1f}s, "
              f"peak RSS {first.max_rss_mb:.0f} MB")
        assert_clean_run(first, limit=600)
        assert first.elapsed < 300

        treaty["signed"] = rss(HOSTILE_SIGNED_ITEMS, title="Hostile signed wire")
        second = run_bot(["run", "--once"], cwd=tmp_path, env=env, timeout=300)
        print(f"second run (corpus unchanged, signed items): {second.elapsed:.1f}s")
        assert_clean_run(second, limit=300)

        listed = run_bot(["feeds", "--json"], cwd=tmp_path, env=env, timeout=120)
        assert listed.returncode == 0, listed.stderr[-2000:]
        rows = {r["name"]: r for r in json.loads(listed.stdout)}
        assert set(rows) == set(feeds)
        unchecked = [name for name, row in rows.items() if row["checked"] is not True]
        assert not unchecked, unchecked[:20]
        failing = sorted(n for n, r in rows.items() if not r["ok"])
        kinds = Counter(re.sub(r"\(line \d+, column \d+\)|[0-9]+", "N",
                               rows[n]["last_error"] or "?")[:90] for n in failing)
        print(f"{len(rows) - len(failing)} feeds ok, {len(failing)} reported failing:")
        for reason, count in kinds.most_common():
            print(f"  {count:4d}  {reason}")
        for row in rows.values():
            assert row["ok"] or row["last_error"], row
        assert rows["treaty-delayed"]["ok"] and rows["treaty-signed"]["ok"]

        kinds = [d["kind"] for d in jsonl(tmp_path)]
        assert kinds.count("baseline") == 1 and "status_change" in kinds, kinds
        change = next(d for d in jsonl(tmp_path) if d["kind"] == "status_change")
        assert change["status"] == "signed"
        assert "Putin, Pezeshkian sign treaty" in json.dumps(change, ensure_ascii=False)
        assert len(standin.delivered("discord")) == len(kinds)
        assert len(standin.delivered("slack")) == len(kinds)
        checked = assert_nothing_hostile_delivered(tmp_path, standin)
        assert checked > 50
    assert integrity(tmp_path / "state") == "ok"


def test_hostile_treaty_headlines_reach_no_digest_as_markup(tmp_path: Path) -> None:
    """The same hostile treaty items without the corpus: a quick guard for every commit."""
    feeds_body = {"delayed": rss(HOSTILE_DELAYED_ITEMS, published="Mon, 13 Jan 2025 09:00:00 GMT"),
                  "signed": rss([])}

    async def feed(request: web.Request) -> web.Response:
        return web.Response(body=feeds_body[request.match_info["name"]],
                            headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/{name}.xml", feed)
    with ServerThread(app) as base, StandinProcess(tmp_path / "standin.jsonl") as standin:
        write_watchlist(tmp_path, {"delayed": f"{base}/delayed.xml",
                                   "signed": f"{base}/signed.xml"}, outputs=ALL_OUTPUTS)
        env = {**os.environ, "HOOK_URL": f"{standin.url}/api/webhooks/42/{HOOK_TOKEN}",
               "SLACK_URL": f"{standin.url}/services/T0/B0/{SLACK_TOKEN}"}
        assert_clean_run(run_bot(["run", "--once"], cwd=tmp_path, env=env), limit=120)
        feeds_body["signed"] = rss(HOSTILE_SIGNED_ITEMS)
        assert_clean_run(run_bot(["run", "--once"], cwd=tmp_path, env=env), limit=120)
        records = jsonl(tmp_path)
        assert [d["kind"] for d in records] == ["baseline", "status_change"]
        assert records[1]["status"] == "signed"
        assert len(standin.delivered()) == 4
        assert_nothing_hostile_delivered(tmp_path, standin)
        text = json.dumps(records, ensure_ascii=False)
        assert "alert(" not in text.replace("alert(1)Putin", "")  # script bodies are gone
        assert "onerror" not in text and "onload" not in text


# -- 2. hostile servers -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site() -> Iterator[str]:
    with ServerThread(hostile_app(good_feed=GOOD_FEED)) as base:
        yield base


@pytest.fixture(scope="module")
def baseline_run(hostile_site: str, tmp_path_factory: pytest.TempPathFactory) -> BotRun:
    """The same run with the good feed alone: the reference for time and memory."""
    folder = tmp_path_factory.mktemp("baseline")
    write_watchlist(folder, {"good": f"{hostile_site}/good.xml"}, outputs=JSONL_ONLY,
                    poll=FAST_POLL)
    run = run_bot(["run", "--once"], cwd=folder, timeout=120)
    assert_clean_run(run, limit=120)
    print(f"baseline: {run.elapsed:.1f}s, peak RSS {run.max_rss_mb:.0f} MB")
    return run


# The time a fault may add to a run: the 2 s poll timeout, then parsing what was capped.
EXTRA_SECONDS = 8.0
# The memory a fault may add: max_bytes is 3 MB; a few copies of it, feedparser's structures.
EXTRA_RSS_MB = 64.0


def check_fault_outcome(name: str, state: dict[str, Any], stored: list[dict[str, Any]]) -> None:
    fault = FAULTS[name]
    if fault.expect_error is not None:
        assert state["failures"] == 1 and state["last_error"], state
        assert fault.expect_error in state["last_error"], state["last_error"]
        assert not stored
        return
    assert state["failures"] == 0 and state["last_error"] is None, state
    assert 1 <= len(stored) <= 1000 and state["items_seen"] == len(stored)
    for article in stored:
        assert len(article["title"]) <= 20_000 and len(article["body"]) <= 20_000
        assert XXE_MARKER not in article["title"] + article["body"]
        assert "lollollol" not in article["title"] + article["body"]
        assert not markup_problems(article["title"] + " " + article["body"])
    if name == "many_items":
        assert len(stored) == 1000  # the per-poll cap on items
    if name == "invalid_utf8":
        assert len(stored) == 8 and all(a["title"].startswith("Broken bytes") for a in stored)
    if name == "huge_title":
        assert len(stored[0]["title"]) <= 1000 and stored[0]["relevant"]  # poller's title cap


@pytest.mark.slow
@pytest.mark.parametrize("name", list(FAULTS))
def test_hostile_feed_is_bounded_in_time_and_memory(name: str, hostile_site: str,
                                                    baseline_run: BotRun,
                                                    tmp_path: Path) -> None:
    """One hostile feed next to a good one: the run ends in bounded time and memory (peak
    RSS of the bot process), the fault is that feed's error or is processed within the caps,
    and the good feed is processed all the same."""
    fault = FAULTS[name]
    write_watchlist(tmp_path, {name: f"{hostile_site}{fault.path}",
                               "good": f"{hostile_site}/good.xml"},
                    outputs=JSONL_ONLY, poll=FAST_POLL)
    run = run_bot(["run", "--once", "-v"], cwd=tmp_path,
                  timeout=baseline_run.elapsed + EXTRA_SECONDS + 5)
    extra_rss = run.max_rss_mb - baseline_run.max_rss_mb
    print(f"{name} ({fault.what}): {run.elapsed:.1f}s (baseline {baseline_run.elapsed:.1f}s), "
          f"peak RSS {run.max_rss_mb:.0f} MB ({extra_rss:+.0f} MB)")
    assert_clean_run(run, limit=120)
    assert run.elapsed < baseline_run.elapsed + EXTRA_SECONDS
    assert extra_rss < EXTRA_RSS_MB
    states = feed_states(tmp_path / "state")
    assert states["good"]["failures"] == 0 and states["good"]["items_seen"] == 1
    check_fault_outcome(name, states[name], articles(tmp_path / "state", name))
    if fault.expect_error:
        assert f"feed {name} failed: " in run.stderr
    assert integrity(tmp_path / "state") == "ok"


@pytest.mark.slow
def test_all_hostile_feeds_at_once_are_reported_in_feeds_json(hostile_site: str,
                                                              tmp_path: Path) -> None:
    """Every hostile feed in one run (concurrently): bounded, each one's health in
    ``feeds --json``, and the good feed's story decided and delivered."""
    feeds = {name: f"{hostile_site}{fault.path}" for name, fault in FAULTS.items()}
    feeds["good"] = f"{hostile_site}/good.xml"
    write_watchlist(tmp_path, feeds, outputs=JSONL_ONLY, poll=FAST_POLL)
    started = time.monotonic()
    run = run_bot(["run", "--once"], cwd=tmp_path, timeout=180)
    print(f"all hostile feeds at once: {run.elapsed:.1f}s, peak RSS {run.max_rss_mb:.0f} MB")
    assert_clean_run(run, limit=180)
    assert time.monotonic() - started < 60
    listed = run_bot(["feeds", "--json"], cwd=tmp_path, timeout=60)
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert set(rows) == set(feeds)
    for name, fault in FAULTS.items():
        row = rows[name]
        assert row["checked"] is True, row
        if fault.expect_error:
            assert row["ok"] is False and fault.expect_error in row["last_error"], row
        else:
            assert row["ok"] is True and row["items_seen"] >= 1, row
    assert rows["good"]["ok"] is True
    assert [d["kind"] for d in jsonl(tmp_path)] == ["baseline"]
    assert jsonl(tmp_path)[0]["status"] == "signed"
    assert integrity(tmp_path / "state") == "ok"


async def test_slow_analysis_of_one_feed_does_not_time_out_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Items are analysed on the event loop. A feed whose 300 items take 3 s to analyse must
    not make another feed, answering in 0.5 s of its 2 s, "time out": the poller lets the
    loop run between items."""
    import io

    import bot.core.engine
    from bot.config import load_watchlist
    from bot.core.app import App

    original = bot.core.engine.Engine.ingest_item

    def slow_ingest(self: bot.core.engine.Engine, item: Any) -> Any:
        time.sleep(0.01)  # stands in for a costly analysis
        return original(self, item)

    monkeypatch.setattr(bot.core.engine.Engine, "ingest_item", slow_ingest)
    busy = rss([(f"Council meets on road repairs, item {n}", f"https://busy.example/{n}", "x")
                for n in range(300)])

    async def late(request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)
        return web.Response(body=GOOD_FEED, headers={"Content-Type": "application/rss+xml"})

    async def immediate(request: web.Request) -> web.Response:
        return web.Response(body=busy, headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/late.xml", late)
    app.router.add_get("/busy.xml", immediate)
    with ServerThread(app) as base:  # its own thread: only the bot's loop can be starved
        path = write_watchlist(tmp_path, {"busy": f"{base}/busy.xml", "late": f"{base}/late.xml"},
                               outputs=JSONL_ONLY, poll=FAST_POLL)
        bot_app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
        await bot_app.start()
        try:
            report = await bot_app.run_once()
        finally:
            await bot_app.close()
    polls = {p.feed: p for p in report.polls}
    assert polls["busy"].ok and polls["busy"].new_items == 300
    assert polls["late"].ok, polls["late"].error


async def test_feeds_queued_for_a_busy_host_are_not_timed_out_before_they_are_tried(
        tmp_path: Path) -> None:
    """Six feeds on one host that takes 1.2 s per answer, two connections per host, a 3 s
    time-out: each feed's time-out starts when its request can go out, not while it waits
    for one of the host's two connections (the last two would "time out" at 3.6 s)."""
    import io

    from bot.config import load_watchlist
    from bot.core.app import App

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1.2)
        return web.Response(body=GOOD_FEED, headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/slow/{n}.xml", slow)
    with ServerThread(app) as base:
        feeds = {f"slow-{n}": f"{base}/slow/{n}.xml" for n in range(6)}
        path = write_watchlist(tmp_path, feeds, outputs=JSONL_ONLY,
                               poll="timeout: 3s\nconnect_timeout: 3s\nper_host: 2\n")
        bot_app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
        await bot_app.start()
        try:
            started = time.monotonic()
            report = await bot_app.run_once()
            elapsed = time.monotonic() - started
        finally:
            await bot_app.close()
    failed = {p.feed: p.error for p in report.polls if not p.ok}
    assert not failed, failed
    assert elapsed < 10
