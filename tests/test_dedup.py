"""Near-duplicates: seed 003 rewrites seed 001; 000, 002 and 004 are independent."""

from __future__ import annotations

import itertools

from bot.analysis.dedup import Fingerprint, find_near_duplicate, fingerprint


def is_near_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    """Is ``a`` a near-duplicate of ``b``: the engine's search, over ``b`` alone."""
    return find_near_duplicate(a, [(0, b)]) == 0


def _prints(seeds):
    return {k: fingerprint(a.title, a.paragraphs) for k, a in seeds.items()}


def test_rewrite_of_a_wire_report_is_a_near_duplicate(seeds):
    prints = _prints(seeds)
    assert is_near_duplicate(prints["003"], prints["001"])
    assert is_near_duplicate(prints["001"], prints["003"])


def test_independent_reports_are_not_duplicates(seeds):
    prints = _prints(seeds)
    for a, b in itertools.combinations(["000", "001", "002", "004"], 2):
        assert not is_near_duplicate(prints[a], prints[b]), (a, b)


def test_fingerprint_survives_storage(seeds):
    print_ = _prints(seeds)["003"]
    restored = Fingerprint.from_text(print_.to_text())
    assert is_near_duplicate(restored, _prints(seeds)["001"])


def test_same_story_through_two_feeds_is_one_story():
    wire = fingerprint("Putin, Pezeshkian sign strategic partnership treaty",
                       ["Russia and Iran signed a 20-year treaty in the Kremlin on Friday."])
    aggregator = fingerprint("Putin and Pezeshkian sign strategic partnership treaty in Moscow",
                             ["The presidents of Russia and Iran signed the treaty on Friday."])
    other = fingerprint("Iran's parliament approves treaty with Russia",
                        ["The Majlis voted 192 to 5 to approve the pact."])
    assert is_near_duplicate(wire, aggregator)
    assert not is_near_duplicate(wire, other)


def test_a_re_dated_copy_of_an_old_story_is_not_a_later_report(tmp_path):
    """A rewrite turning up days later (or a feed bumping an item's date) repeats its story:
    its evidence keeps the story's date, so it does not move the status again."""
    from bot.analysis.decide import DecisionSettings
    from bot.config.topic import DEFAULT_TOPIC
    from bot.core.engine import Engine
    from bot.store import Database

    db = Database.in_folder(tmp_path)
    engine = Engine(db, DEFAULT_TOPIC, DecisionSettings(), ["console"])
    delayed = ("Signing of Russia-Iran strategic partnership treaty postponed",
               ["The signing of the treaty between Russia and Iran has been postponed because "
                "of revisions requested by the Iranian side, a Russian diplomat said on Monday.",
                "Moscow and Tehran had hoped to sign the comprehensive strategic partnership "
                "treaty during the spring."])
    engine.ingest(key="old", kind="feed", title=delayed[0], paragraphs=delayed[1],
                  source="TASS", published="2024-06-03")
    engine.ingest(key="work", kind="feed",
                  title="Russia and Iran finalising strategic partnership treaty, Lavrov says",
                  paragraphs=["Lavrov said Russia and Iran were in the final stages of agreeing "
                              "the treaty."], source="IRNA", published="2024-06-05")
    copy = engine.ingest(key="copy", kind="feed", title=delayed[0], paragraphs=delayed[1],
                         source="TASS", published="2024-06-06")
    assert copy.duplicate_of is not None  # the same story again
    decision = engine.decide()
    try:
        assert (decision.status.value, decision.since) == ("drafting", "2024-06-05")
    finally:
        db.close()
