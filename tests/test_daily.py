"""The optional daily summary: the day's relevant stories, once a day, off by default."""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from feedsite import FeedSite, Item
from servers import serve

from bot.config import load_watchlist
from bot.core.app import App

ROOT = Path(__file__).resolve().parent.parent


async def test_daily_digest_lists_the_days_stories_once(tmp_path: Path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    today = datetime.now(timezone.utc).date().isoformat()
    site = FeedSite()
    site.feed("tass", items=[Item("Lavrov and Araghchi discuss strategic partnership treaty",
                                  "Russia and Iran reviewed the implementation of the treaty.",
                                  today, "https://tass.example/today")])
    async with serve(site.app) as base:
        path = tmp_path / "watchlist.yaml"
        path.write_text(
            f"allow_local: true\ndigest:\n  daily: '09:00'\n  timezone: Europe/Moscow\n"
            f"feeds:\n  - name: tass\n    url: {base}/tass.xml\n"
            "outputs:\n  - type: jsonl\n    path: digests.jsonl\n", encoding="utf-8")
        app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
        await app.start()
        try:
            await app.run_once()
            await app.post_daily()
            await app.post_daily()  # the same day: not posted twice
        finally:
            await app.close()
    records = [json.loads(x) for x in (tmp_path / "digests.jsonl").read_text().splitlines()]
    daily = [r for r in records if r["kind"] == "daily"]
    assert len(daily) == 1
    assert "Lavrov and Araghchi discuss strategic partnership treaty" in daily[0]["text"]
    assert "DELAYED" in daily[0]["text"] and "unchanged" in daily[0]["text"]


async def test_daily_digest_is_scheduled_only_when_configured(tmp_path: Path):
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    path = tmp_path / "watchlist.yaml"
    path.write_text("outputs: [console]\n", encoding="utf-8")
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    app = App(load_watchlist(path), tmp_path / "state", console_stream=io.StringIO())
    await app.start()
    scheduler = AsyncIOScheduler(timezone="UTC")
    try:
        app._schedule_daily(scheduler)
        assert scheduler.get_job("daily") is None
        path.write_text("digest:\n  daily: '07:30'\n  timezone: Asia/Tehran\n"
                        "outputs: [console]\n", encoding="utf-8")
        app.watchlist = load_watchlist(path)
        app._schedule_daily(scheduler)
        job = scheduler.get_job("daily")
        assert job is not None and "hour='7'" in str(job.trigger)
        assert "minute='30'" in str(job.trigger) and str(job.trigger.timezone) == "Asia/Tehran"
    finally:
        await app.close()
