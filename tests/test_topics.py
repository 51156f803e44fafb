"""Several topics in one watchlist (issue 14): ``topics:`` instead of ``topic:``."""

from __future__ import annotations

import io
import json
from itertools import groupby
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedsite import FeedSite, Item
from ruamel.yaml import YAML
from servers import serve
from test_replay_real import PRE_SIGNING

from bot.config import check_watchlist, load_watchlist
from bot.core.app import App
from bot.core.replay import judge
from bot.core.service import UnknownTopic
from bot.core.views import status_text
from bot.errors import StateError
from bot.interfaces.cli import main
from bot.interfaces.discord.commands import TreatyCommands
from bot.interfaces.slack import command_text

REAL = Path(__file__).parent / "data" / "real"


def _two_topics() -> str:
    """``topics:`` with the two real cases' topic sections (dprk first, peace with seeds)."""
    entries = []
    for topic_id, case, extra in (("dprk", "russia_dprk", {}),
                                  ("peace", "armenia_azerbaijan", {"seeds": "peace-seeds"})):
        section = json.loads((REAL / f"{case}.json").read_text(encoding="utf-8"))["topic"]
        entries.append({"id": topic_id, **section, **extra})
    out = io.StringIO()
    YAML().dump({"topics": entries}, out)
    return out.getvalue()


TWO = _two_topics()


def _check(tmp_path: Path, text: str):  # noqa: ANN202 - (Watchlist | None, problems)
    return check_watchlist(tmp_path / "watchlist.yaml", text=text, env={})


def test_topics_lists_every_topic_and_the_first_is_the_topic(tmp_path: Path) -> None:
    watchlist, problems = _check(tmp_path, TWO)
    assert problems == [] and watchlist is not None
    assert [t.id for t in watchlist.topics] == ["dprk", "peace"]
    assert watchlist.topic.name == watchlist.topics[0].name
    assert watchlist.topics[0].name != watchlist.topics[1].name
    assert watchlist.topic_entry() is watchlist.topics[0]
    assert watchlist.topic_entry("peace") is watchlist.topics[1]
    assert watchlist.topic_entry("nope") is None
    assert watchlist.topic_seeds_dir(watchlist.topics[0]) == tmp_path / "seeds"
    assert watchlist.topic_seeds_dir(watchlist.topics[1]) == tmp_path / "peace-seeds"
    assert set(watchlist.topics[1].to_topic().parties) == {"armenia", "azerbaijan"}
    assert "Topics (2): dprk (" in watchlist.summary()


def test_a_lone_topic_is_one_topic(tmp_path: Path) -> None:
    default, _ = _check(tmp_path, "feeds: []\n")
    assert default is not None and [t.id for t in default.topics] == ["default"]
    assert default.topics[0].to_topic() == default.topic.to_topic()
    named, _ = _check(tmp_path, "topic:\n  name: The Foo–Bar Treaty\n")
    assert named is not None and [t.id for t in named.topics] == ["the-foo-bar-treaty"]


def test_old_watchlists_keep_their_fingerprint_and_summary(tmp_path: Path) -> None:
    watchlist, _ = _check(tmp_path, "topic:\n  name: Foo\n")
    assert watchlist is not None
    assert "topics" not in watchlist.model_dump(
        exclude={"topics"} if "topics" not in watchlist.model_fields_set else None)
    assert "Topics (" not in watchlist.summary()
    again, _ = _check(tmp_path, "topic:\n  name: Foo\n")
    assert again is not None and again.fingerprint() == watchlist.fingerprint()


def test_topic_and_topics_together_is_a_problem(tmp_path: Path) -> None:
    _, problems = _check(tmp_path, "topic:\n  name: X\n" + TWO)
    assert [(p.line, p.column) for p in problems] == [(4, 1)]
    assert "both `topic:` and `topics:`" in problems[0].message


def test_duplicate_topic_ids_are_a_problem(tmp_path: Path) -> None:
    text = TWO.replace("id: peace", "id: dprk")
    _, problems = _check(tmp_path, text)
    assert len(problems) == 1
    lines = text.splitlines()
    line = next(i for i, x in enumerate(lines) if x.endswith("id: dprk") and i > 1) + 1
    assert (problems[0].line, problems[0].column) == (line, lines[line - 1].index("dprk") + 1)
    assert "duplicate topic id `dprk` (topics[0] has it too)" in problems[0].message


def test_a_topic_id_must_be_a_slug(tmp_path: Path) -> None:
    _, problems = _check(tmp_path, TWO.replace("id: peace", "id: Peace Treaty"))
    assert len(problems) == 1 and "topics[1].id" in problems[0].message


def test_a_topic_needs_an_id(tmp_path: Path) -> None:
    text = TWO.replace("- id: peace\n  name:", "- name:")
    assert text != TWO
    _, problems = _check(tmp_path, text)
    assert len(problems) == 1 and "id" in problems[0].message


def test_empty_topics_is_a_problem(tmp_path: Path) -> None:
    _, problems = _check(tmp_path, "topics: []\n")
    assert len(problems) == 1 and "no topics" in problems[0].message


# -- two real cases replayed together in one bot, from one feed --------------------------------

CASES = {"dprk": "russia_dprk", "peace": "armenia_azerbaijan"}


def _write_two(folder: Path, base_url: str) -> Path:
    (folder / "no-seeds").mkdir()
    text = TWO.replace("seeds: peace-seeds", "seeds: no-seeds") + "\n".join([
        "allow_local: true",
        "seeds: no-seeds",
        "feeds:",
        "  - name: news",
        f"    url: {base_url}/news.xml",
        "outputs:",
        "  - type: console",
    ]) + "\n"
    path = folder / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _held(db) -> tuple:  # noqa: ANN001 - a Database
    current = db.current_status() or {}
    status = current.get("status")
    return status, current.get("party") if status in ("ratified", "in_force") else None


@pytest.mark.slow
async def test_two_real_topics_in_one_bot_each_follow_their_own_reports(tmp_path: Path) -> None:
    reports = sorted(
        ((r["published"], topic_id, r) for topic_id, case in CASES.items()
         for r in json.loads((REAL / f"{case}.json").read_text(encoding="utf-8"))["reports"]),
        key=lambda x: x[0])
    site = FeedSite()
    site.feed("news", title="News")
    seen: list[str] = []
    expected: dict[str, tuple] = {topic_id: (None, None) for topic_id in CASES}
    state = tmp_path / "state"
    async with serve(site.app) as base_url:
        path = _write_two(tmp_path, base_url)
        watchlist = load_watchlist(path)
        app = App(watchlist, state, console_stream=io.StringIO())
        await app.start()
        try:
            await app.run_once()
            assert set(app.engines) == set(CASES)
            assert app.engines["dprk"].db is app.db
            for day, batch in groupby(reports, key=lambda x: x[0]):
                for _, topic_id, report in batch:
                    site.feeds["news"].items.insert(0, Item(
                        title=report["title"], summary=report["text"], published=day,
                        link=report["url"]))
                    expected[topic_id] = tuple(report["expect_status_after"])
                await app.run_once()
                for topic_id, engine in app.engines.items():
                    got, want = _held(engine.db), expected[topic_id]
                    seen.append(f"{day} {topic_id} {got}")
                    if want[0] in PRE_SIGNING:  # the order of hold-ups is judged alone
                        assert got[0] in PRE_SIGNING, "\n".join(seen)
                        continue
                    view = app.service.status(None if engine is app.engine else topic_id)
                    claims = [(c["status"], c["party"]) for c in view["unconfirmed"]]
                    verdict = judge(want, got, view["since"], None, claims)
                    # the right step, or the step reported by one story and not yet confirmed
                    assert verdict in ("ok", "unconfirmed"), (
                        f"{topic_id} after {day}: {got} != {want} ({verdict})\n" + "\n".join(seen))
            final = {t: _held(e.db) for t, e in app.engines.items()}
            listed_by_service = app.service.topics()
            assert [(r["id"], r["status"]) for r in listed_by_service] == [
                (t, held[0]) for t, held in final.items()]
            assert app.service.status("peace")["status"] == final["peace"][0]
            assert app.service.status()["status"] == final["dprk"][0]
            assert app.service.history("peace")[-1]["status"] == final["peace"][0]
            assert command_text(app.service, "status", "peace") == status_text(
                app.service.status("peace"), app.service.party_names_of("peace"))
            assert "no topic `nope`" in command_text(app.service, "status", "nope")
            with pytest.raises(UnknownTopic):
                app.service.sources(topic="nope")
            digests = {t: e.db.digests() for t, e in app.engines.items()}
        finally:
            await app.close()
    assert (state / "treatybot.sqlite3").exists() and (state / "topics" / "peace.sqlite3").exists()
    for topic_id, kept in digests.items():
        about = [d for d in kept if d.kind in ("baseline", "status_change")]
        assert about and all(d.facts.get("topic") == topic_id for d in about)

    runner = CliRunner()
    args = ["--watchlist", str(path), "--state", str(state)]
    listed = runner.invoke(main, ["topics", "--json", *args])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == ["dprk", "peace"]
    assert {r["id"]: (r["status"], r["party"]) for r in rows} == {
        t: (s, p if p is not None else rows[i]["party"]) for i, (t, (s, p)) in
        enumerate(final.items())}
    for topic_id in CASES:
        shown = runner.invoke(main, ["status", "--json", "--topic", topic_id, *args])
        assert shown.exit_code == 0, shown.output
        status = json.loads(shown.output)
        assert status["status"] == final[topic_id][0]
        assert status["topic"] == watchlist.topic_entry(topic_id).name
        assert status["feeds"]["total"] == 1 and status["last_check"] is not None
        history = runner.invoke(main, ["history", "--json", "--topic", topic_id, *args])
        assert json.loads(history.output)[-1]["status"] == final[topic_id][0]
    first = runner.invoke(main, ["status", "--json", *args])
    assert json.loads(first.output)["status"] == final["dprk"][0]
    unknown = runner.invoke(main, ["status", "--topic", "nope", *args])
    assert unknown.exit_code != 0 and "no topic `nope`" in unknown.output

    # the state's first topic is recorded: another first topic is refused, not mixed in
    swapped = tmp_path / "swapped.yaml"
    entries = YAML().load(path.read_text(encoding="utf-8"))
    entries["topics"].reverse()
    out = io.StringIO()
    YAML().dump(entries, out)
    swapped.write_text(out.getvalue(), encoding="utf-8")
    app = App(load_watchlist(swapped), state, console_stream=io.StringIO())
    with pytest.raises(StateError, match="first topic is now `peace`"):
        await app.start()


async def test_a_reload_adds_and_removes_topics(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one, _ = _check(tmp_path, TWO.split("- id: peace")[0])
    both, _ = _check(tmp_path, TWO)
    assert one is not None and both is not None
    app = App(one, state, console_stream=io.StringIO())
    await app.start()
    try:
        assert list(app.engines) == ["dprk"] and list(app.outboxes) == ["dprk"]
        app.reconfigure(both)
        assert list(app.engines) == ["dprk", "peace"]
        assert app.engines["peace"].db is not app.db
        assert app.outboxes["peace"].outputs is app.outbox.outputs  # built once, shared
        await app.run_once()
        assert (state / "topics" / "peace.sqlite3").exists()
        await app.post_daily()  # one daily digest per topic, each saying which
        for topic_id, engine in app.engines.items():
            daily = [d for d in engine.db.digests() if d.kind == "daily"]
            assert len(daily) == 1 and daily[0].facts.get("topic") == topic_id
        commands = TreatyCommands(app.service)
        choices = await commands._topic_choices(None, "PEA")  # type: ignore[arg-type]
        assert [c.value for c in choices] == ["peace"]
        assert [c.value for c in await commands._topic_choices(None, "")] == [  # type: ignore[arg-type]
            "dprk", "peace"]
        swapped, _ = _check(tmp_path, TWO.replace("id: dprk", "id: dprk2"))
        assert swapped is not None
        with pytest.raises(StateError, match="first topic is now `dprk2`"):
            app.reconfigure(swapped)
        assert app.watchlist is both and list(app.engines) == ["dprk", "peace"]
        app.reconfigure(one)
        assert list(app.engines) == ["dprk"]
        report = await app.run_once()
        assert report.polls == []
    finally:
        await app.close()


async def test_an_old_watchlist_runs_as_before(tmp_path: Path) -> None:
    watchlist, _ = _check(tmp_path, "feeds: []\n")
    assert watchlist is not None
    app = App(watchlist, tmp_path / "state", console_stream=io.StringIO())
    await app.start()
    try:
        await app.run_once()
        assert list(app.engines) == ["default"] and app.engine is app.engines["default"]
        assert not (tmp_path / "state" / "topics").exists()
        assert all("topic" not in d.facts for d in app.db.digests())
        assert app.service.topics()[0]["id"] == "default"
    finally:
        await app.close()
