"""Real reports of other treaties, configured only in the watchlist, replayed in date order.

Each file in ``tests/data/real/`` holds one treaty's ``topic:`` section and real reports
(headline and paragraphs quoted exactly, with outlet, URL and date; see its README), each labelled
with the status a correct bot holds after reading it. The bot reads them as a running bot would
have: one cycle per publication day, no seeds, nothing but the watchlist's topic.

Signed, ratified (and by whom) and in force are asserted exactly after every day. Before the
signing, the test asserts only that the status stays before the signing: telling "drafting"
from "delayed" in real reports ("shows no interest in signing", "preconditions") is not read
yet (issue 15), and the labels keep the right answer for when it is.
"""

from __future__ import annotations

import io
import json
from itertools import groupby
from pathlib import Path

import pytest
from feedsite import FeedSite, Item
from servers import serve

from bot.config import load_watchlist
from bot.core.app import App

REAL = Path(__file__).resolve().parent / "data" / "real"
CASES = sorted(REAL.glob("*.json"))


PRE_SIGNING = (None, "drafting", "delayed")


def load_case(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_watchlist(folder: Path, base_url: str, topic: dict) -> Path:
    (folder / "no-seeds").mkdir()
    text = "\n".join([
        "allow_local: true",
        "seeds: no-seeds",
        f"topic: {json.dumps(topic, ensure_ascii=False)}",  # JSON is YAML
        "feeds:",
        "  - name: news",
        f"    url: {base_url}/news.xml",
        "outputs:",
        "  - type: console",
    ]) + "\n"
    path = folder / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_a_real_case_file_is_complete_and_in_date_order(path: Path):
    case = load_case(path)
    assert case["treaty"] and case["topic"]["name"] and case["topic"]["parties"]
    dates = [r["published"] for r in case["reports"]]
    assert dates == sorted(dates), "reports must be in publication order"
    for report in case["reports"]:
        for key in ("outlet", "url", "published", "title", "text", "reports",
                    "expect_status_after"):
            assert report.get(key) not in (None, ""), f"{report.get('url')}: no {key}"
        assert report["url"].startswith(("http://", "https://"))


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
async def test_a_treaty_configured_only_in_the_watchlist_follows_its_real_reports(
        path: Path, tmp_path: Path):
    case = load_case(path)
    site = FeedSite()
    site.feed("news", title="News")
    seen: list[str] = []
    async with serve(site.app) as base_url:
        watchlist = load_watchlist(write_watchlist(tmp_path, base_url, case["topic"]))
        app = App(watchlist, tmp_path / "state", console_stream=io.StringIO())
        await app.start()
        try:
            await app.run_once()
            for day, reports in groupby(case["reports"], key=lambda r: r["published"]):
                batch = list(reports)
                for report in batch:
                    site.feeds["news"].items.insert(0, Item(
                        title=report["title"], summary=report["text"], published=day,
                        link=report["url"]))
                await app.run_once()
                current = app.db.current_status() or {}
                status = current.get("status")
                party = current.get("party") if status in ("ratified", "in_force") else None
                expected = tuple(batch[-1]["expect_status_after"])
                got = (status, party)
                seen.append(f"{day} {got}")
                if expected[0] in PRE_SIGNING:
                    got, expected = (status in PRE_SIGNING,), (True,)
                assert got == expected, (
                    f"{case['treaty']}, after {day} ({batch[-1]['title']!r}): {got} != "
                    f"{expected}\n" + "\n".join(seen))
        finally:
            await app.close()
