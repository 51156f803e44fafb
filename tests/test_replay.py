"""A replay of the public record through local feeds moves the status on the right dates,
with no false step from a look-alike, and a late old report does not roll it back."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from feedsite import FeedSite, Item
from servers import serve

from bot.config import load_watchlist
from bot.core.app import App

ROOT = Path(__file__).resolve().parent.parent
REPLAY = json.loads((ROOT / "tests" / "data" / "replay.json").read_text(encoding="utf-8"))


def write_watchlist(folder: Path, base_url: str, feeds: list[str]) -> Path:
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    lines = ["allow_local: true", "feeds:"]
    for name in feeds:
        lines += [f"  - name: {name}", f"    url: {base_url}/{name}.xml"]
    lines += ["outputs:", "  - type: console", "  - type: jsonl", "    path: digests.jsonl"]
    path = folder / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def test_public_record_replay_moves_the_status_through_its_life(tmp_path: Path):
    site = FeedSite()
    feeds = ["tass", "irna", "news"]
    for name in feeds:
        site.feed(name, title=name.upper())
    async with serve(site.app) as base_url:
        watchlist = load_watchlist(write_watchlist(tmp_path, base_url, feeds))
        app = App(watchlist, tmp_path / "state", console_stream=io.StringIO())
        await app.start()
        try:
            await app.run_once()  # the baseline: delayed
            assert app.db.current_status()["status"] == "delayed"
            seen: list[tuple[str, str | None]] = []
            for number, step in enumerate(REPLAY["steps"]):
                for index, item in enumerate(step["items"]):
                    site.feeds[item["feed"]].items.insert(0, Item(
                        title=item["title"], summary=item["summary"], published=step["date"],
                        link=f"https://example.org/{item['feed']}/{number}-{index}",
                    ))
                await app.run_once()
                current = app.db.current_status()
                got = (current["status"], current["party"] if current["status"] == "ratified"
                       or current["status"] == "in_force" else None)
                expected = tuple(step["expect"])
                assert got == expected, f"after {step['date']}: {got} != {expected}"
                seen.append(got)
            history = [(h["status"], h["since"]) for h in app.db.status_history()]
        finally:
            await app.close()

    assert history == [
        ("drafting", "2024-01-17"), ("delayed", "2024-04-03"), ("drafting", "2024-09-18"),
        ("delayed", "2024-10-24"), ("drafting", "2025-01-13"), ("signed", "2025-01-17"),
        ("ratified", "2025-04-08"), ("ratified", "2025-05-21"), ("in_force", "2025-10-02"),
    ]
    kinds = [json.loads(line)["kind"] for line in
             (tmp_path / "digests.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kinds[0] == "baseline"
    assert kinds.count("status_change") == len(history) - 2  # the baseline covers the first two


async def test_a_withdrawal_after_entry_into_force_moves_the_status_back_a_threat_does_not(
    tmp_path: Path,
):
    """Hypothetical events after the public record: a threat to withdraw changes nothing; a
    party suspending the treaty in force, told by two independent reports, is announced as
    delayed since the first, with the sentence quoted."""
    site = FeedSite()
    feeds = ["tass", "irna", "news"]
    for name in feeds:
        site.feed(name, title=name.upper())

    def publish(number: int, date: str, items: list[dict]) -> None:
        for index, item in enumerate(items):
            site.feeds[item["feed"]].items.insert(0, Item(
                title=item["title"], summary=item["summary"], published=date,
                link=f"https://example.org/{item['feed']}/{number}-{index}",
            ))

    async with serve(site.app) as base_url:
        watchlist = load_watchlist(write_watchlist(tmp_path, base_url, feeds))
        app = App(watchlist, tmp_path / "state", console_stream=io.StringIO())
        await app.start()
        try:
            await app.run_once()
            for number, step in enumerate(REPLAY["steps"]):
                publish(number, step["date"], step["items"])
                await app.run_once()
            assert app.db.current_status()["status"] == "in_force"

            after_the_record = [  # (date, feed, title, summary, status expected after it)
                ("2026-03-02", "news", "Iran threatens to quit treaty with Russia",
                 "Iranian lawmakers threatened to withdraw from the Comprehensive Strategic "
                 "Partnership Treaty with Russia unless deliveries resume.", "in_force"),
                ("2026-03-09", "irna", "Iran suspends implementation of treaty with Russia",
                 "Iran has suspended implementation of the Comprehensive Strategic Partnership "
                 "Treaty with Russia, the foreign ministry said on Monday.", "in_force"),
                # one report is not confirmation; a second, independent one is
                ("2026-03-10", "news", "Tehran freezes its 20-year pact with Moscow - Reuters",
                 "Iran has suspended the Comprehensive Strategic Partnership Treaty with "
                 "Russia, officials in Tehran told reporters.", "delayed"),
            ]
            for number, (date, feed, title, summary, expected) in enumerate(after_the_record):
                publish(100 + number, date, [{"feed": feed, "title": title, "summary": summary}])
                await app.run_once()
                assert app.db.current_status()["status"] == expected, title
            current = app.db.current_status()
        finally:
            await app.close()

    assert (current["status"], current["since"]) == ("delayed", "2026-03-09")
    last = json.loads((tmp_path / "digests.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    assert last["kind"] == "status_change"
    assert "suspends implementation of treaty with Russia" in json.dumps(last)
    assert "suspended_by_party" in json.dumps(last)
