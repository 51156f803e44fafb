"""The faster paths give the same answers as the plain ones they replace: folding, the batched
near-duplicate scoring, the indexed candidate and count queries, batched writes, and skipping a
status decision when nothing changed."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from bot import text
from bot.analysis.decide import DecisionSettings
from bot.analysis.dedup import Fingerprint, find_near_duplicate, fingerprint
from bot.analysis.relevance import TopicMatcher
from bot.config.topic import DEFAULT_TOPIC
from bot.core.engine import Engine
from bot.errors import StateError
from bot.store import Database


def fold(value: str) -> str:
    """The plain fold that ``bot.text.fold`` speeds up: NFKD, combining marks dropped, typographic
    quotes and dashes made plain, lower-cased, character by character."""
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = (
        value.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        .replace("–", "-").replace("—", "-")
    )
    return value.lower()


def is_near_duplicate(a: Fingerprint, b: Fingerprint) -> bool:
    """The pair question, one candidate at a time (no batched scores across candidates)."""
    return find_near_duplicate(a, [(0, b)]) == 0


def test_fold_is_text_fold():
    rng = random.Random(7)
    pools = [
        "abcXYZ ’‘“”–—'\"-", "éèàçñüöÅØİıẞßﬁﬀ①Ⅻ㎏ＡＢ＇＂",
        "".join(chr(c) for c in range(0x300, 0x370)) + "ab",
        "".join(chr(rng.randint(0x80, 0x2FFFF)) for _ in range(2000)),
    ]
    for _ in range(20000):
        pool = rng.choice(pools)
        sample = "".join(rng.choice(pool + "ab ") for _ in range(rng.randint(0, 24)))
        assert fold(sample) == text.fold(sample), repr(sample)
    for code in range(0, 0x110000, 97):
        if 0xD800 <= code <= 0xDFFF:
            continue
        sample = f"A{chr(code)}b{chr(code)}"
        assert fold(sample) == text.fold(sample), hex(code)


def test_parties_in_gives_a_fresh_set_each_time():
    matcher = TopicMatcher()
    found = matcher.parties_in("Putin met Pezeshkian in Moscow")
    found.add("mutated")
    assert matcher.parties_in("Putin met Pezeshkian in Moscow") == {"russia", "iran"}


_WORDS = ("russia iran treaty pact signed moscow tehran kremlin putin pezeshkian strategic "
          "partnership duma majlis ratified delayed postponed talks drafting signing summit "
          "kazan brics oil gas deal korea agreement comprehensive years president").split()


def _random_print(rng: random.Random) -> Fingerprint:
    def sentence() -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 9)))

    title = sentence()
    paragraphs = [". ".join(sentence().capitalize() for _ in range(rng.randint(0, 6)))]
    if rng.random() < 0.2:
        paragraphs = []
    return fingerprint(title, paragraphs)


def test_find_near_duplicate_is_the_first_candidate_is_near_duplicate_accepts():
    rng = random.Random(3)
    for _ in range(400):
        new = _random_print(rng)
        candidates = [(n, _random_print(rng)) for n in range(rng.randint(0, 25))]
        if candidates and rng.random() < 0.3:  # a close copy somewhere in the list
            index = rng.randrange(len(candidates))
            candidates[index] = (index, Fingerprint.from_text(new.to_text()))
        expected = next((key for key, b in candidates if is_near_duplicate(new, b)), None)
        assert find_near_duplicate(new, candidates) == expected


def _old_candidates(db: Database, published: str | None, window_days: int = 4,
                    limit: int = 200) -> list[int]:
    """The query dedup_candidates had before it read the index (the reference)."""
    with closing(sqlite3.connect(db.path)) as conn:
        if published is None:
            rows = conn.execute("SELECT id FROM articles WHERE relevant = 1 AND duplicate_of IS "
                                "NULL ORDER BY id DESC LIMIT ?", (limit,))
        else:
            rows = conn.execute(
                "SELECT id FROM articles WHERE relevant = 1 AND duplicate_of IS NULL AND "
                "(published IS NULL OR (date(published) BETWEEN date(?, ?) AND date(?, ?))) "
                "ORDER BY id DESC LIMIT ?",
                (published, f"-{window_days} days", published, f"+{window_days} days", limit),
            )
        return [r[0] for r in rows]


@pytest.fixture
def dense_store(tmp_path: Path) -> Database:
    """Relevant originals piled on a few days, with offsets, bare dates and no dates."""
    db = Database.in_folder(tmp_path)
    rng = random.Random(11)
    rows = []
    for n in range(1, 3001):
        day = rng.randint(1, 20)
        hour = rng.randint(0, 23)
        form = rng.random()
        if form < 0.05:
            published = None
        elif form < 0.15:
            published = f"2025-03-{day:02d}"
        elif form < 0.3:
            offset = rng.choice(["-05:00", "+09:00", "-11:00", "+14:00"])
            published = f"2025-03-{day:02d}T{hour:02d}:30:00{offset}"
        else:
            published = f"2025-03-{day:02d}T{hour:02d}:30:00+00:00"
        relevant = int(rng.random() < 0.7)
        duplicate_of = 1 if relevant and n > 1 and rng.random() < 0.3 else None
        rows.append((n, f"k{n}", "feed", "title", "source", published, "now", "body", relevant,
                     duplicate_of, f"print {n}"))
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO articles(id, key, kind, title, source, published, added_at, body, "
            "relevant, duplicate_of, fingerprint) VALUES(?,?,?,?,?,?,?,?,?,?,?)", rows)
    yield db
    db.close()


@pytest.mark.parametrize("published", [
    None, "2025-03-10", "2025-03-10T23:30:00+00:00", "2025-03-01T00:10:00-05:00",
    "2025-03-20T23:59:59+14:00", "2025-02-26", "2024-01-01", "garbage",
])
@pytest.mark.parametrize("limit", [5, 200, 5000])
def test_candidate_query_gives_the_old_answer(dense_store: Database, published, limit):
    assert dense_store.dedup_candidate_ids(published, limit=limit) == _old_candidates(
        dense_store, published, limit=limit)
    rows = dense_store.dedup_candidates(published, limit=limit)
    assert [r.id for r in rows] == _old_candidates(dense_store, published, limit=limit)
    assert all(r.fingerprint == f"print {r.id}" for r in rows)


def test_counts_give_the_old_answer(dense_store: Database):
    with closing(sqlite3.connect(dense_store.path)) as conn:
        row = conn.execute(  # the full scan counts() used to make
            "SELECT COUNT(*), COALESCE(SUM(relevant), 0), "
            "COALESCE(SUM(CASE WHEN relevant = 1 AND duplicate_of IS NULL THEN 1 ELSE 0 END), 0) "
            "FROM articles"
        ).fetchone()
    assert dense_store.counts() == {"articles": row[0], "relevant": row[1],
                                    "independent": row[2]}


def _add(db: Database, key: str) -> int:
    return db.add_article(key=key, kind="feed", title=key, source="s", body="b", relevant=False,
                          fingerprint=key, evidence=[], status=None, seen=("f", key))


def test_batch_commits_together_and_reads_see_its_writes(tmp_path: Path):
    db = Database.in_folder(tmp_path)
    other = Database.in_folder(tmp_path)
    with db.batch():
        _add(db, "a")
        assert db.is_seen("f", "a") and db.has_article("a")
        assert not other.has_article("a")  # not committed yet
        with pytest.raises(Exception):  # noqa: B017 - a duplicate key, inside the batch
            _add(db, "a")
        _add(db, "b")
    assert other.has_article("a") and other.has_article("b")
    assert other.counts()["articles"] == 2  # the failed write left nothing behind
    with pytest.raises(RuntimeError), db.batch():
        _add(db, "c")
        raise RuntimeError("the poll failed")
    assert not other.has_article("c") and not other.is_seen("f", "c")
    _add(db, "d")  # and plain writes work again
    assert other.has_article("d")


def test_status_is_decided_again_once_something_new_arrives(tmp_path: Path):
    db = Database.in_folder(tmp_path)
    engine = Engine(db, DEFAULT_TOPIC, DecisionSettings(), ["console"])
    engine.ingest(key="a", kind="feed", title="Russia and Iran finalising strategic partnership "
                  "treaty, Lavrov says", paragraphs=["Lavrov said Russia and Iran were in the "
                  "final stages of agreeing the treaty."], source="TASS", published="2024-10-01")
    assert engine.update_status() is not None  # the baseline
    assert engine.update_status() is None
    assert engine.update_status() is None  # settled: nothing new, nothing read
    engine.ingest(key="b", kind="feed", title="Putin and Pezeshkian sign comprehensive strategic "
                  "partnership treaty", paragraphs=["Russian President Vladimir Putin and Iranian "
                  "President Masoud Pezeshkian signed the treaty in the Kremlin."],
                  source="Kremlin", published="2025-01-17",
                  url="http://en.kremlin.ru/events/president/news/76120")  # official: confirms
    digest = engine.update_status()
    assert digest is not None and db.current_status()["status"] == "signed"
    assert engine.update_status() is None


async def test_a_write_from_another_task_never_joins_an_open_batch(tmp_path: Path):
    db = Database.in_folder(tmp_path)
    opened, release = asyncio.Event(), asyncio.Event()

    async def careless_poll() -> None:
        with db.batch():
            _add(db, "a")
            opened.set()
            await release.wait()  # what a batch must not do

    task = asyncio.create_task(careless_poll())
    await opened.wait()
    with pytest.raises(StateError, match="batch"):
        _add(db, "b")
    release.set()
    await task
    assert db.has_article("a") and not db.has_article("b")


def test_dedup_forgets_what_a_rolled_back_batch_stored(tmp_path: Path):
    db = Database.in_folder(tmp_path)
    engine = Engine(db, DEFAULT_TOPIC, DecisionSettings(), ["console"])
    story = dict(kind="feed", source="Reuters", published="2025-01-17")
    signed = ("Putin and Pezeshkian sign comprehensive strategic partnership treaty",
              ["Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed "
               "the treaty in the Kremlin."])
    ratified = ("Iran's parliament approves strategic partnership treaty with Russia",
                ["Iran's parliament approved the comprehensive strategic partnership treaty "
                 "with Russia, the Majlis news agency reported."])
    with pytest.raises(RuntimeError), db.batch():
        first = engine.ingest(key="a", title=signed[0], paragraphs=signed[1], **story)
        copy = engine.ingest(key="b", title=signed[0] + " in Moscow", paragraphs=signed[1],
                             **story)
        assert copy.duplicate_of == first.article_id  # its fingerprint is now remembered
        raise RuntimeError("the poll failed")
    # the same id now holds another story: it must not be taken for the signing
    other = engine.ingest(key="c", title=ratified[0], paragraphs=ratified[1], **story)
    assert other.article_id == first.article_id
    again = engine.ingest(key="d", title=signed[0], paragraphs=signed[1], **story)
    assert again.duplicate_of is None


def test_engine_evidence_stays_the_database_evidence(tmp_path: Path):
    db = Database.in_folder(tmp_path)
    engine = Engine(db, DEFAULT_TOPIC, DecisionSettings(), ["console"])
    rng = random.Random(5)
    sentences = [
        "Russia and Iran signed the comprehensive strategic partnership treaty.",
        "The signing of the Russia-Iran treaty has been postponed, the Kremlin said.",
        "Iran's parliament ratified the strategic partnership treaty with Russia.",
        "Lavrov said Moscow and Tehran were in the final stages of drafting the treaty.",
    ]
    assert engine.evidence() == db.evidence() == []
    for n in range(60):
        published = rng.choice([None, f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                                f"2024-12-0{rng.randint(1, 9)}T10:00:00+00:00"])
        title = rng.choice(sentences)
        if n % 17 == 16:
            other = sentences[(sentences.index(title) + 1) % len(sentences)]
            with pytest.raises(RuntimeError), db.batch():
                engine.ingest(key=f"gone{n}", kind="feed", title=other, paragraphs=[other],
                              source="gone", published="2023-01-01")
                assert engine.evidence() == db.evidence()
                raise RuntimeError("rolled back")
        engine.ingest(key=f"k{n}", kind="feed", title=title, paragraphs=[rng.choice(sentences)],
                      source="s", published=published)
        if n % 3 == 0:
            assert engine.evidence() == db.evidence()
    assert len(db.evidence()) > 60
    assert engine.evidence() == db.evidence()
    assert engine.decide() == Engine(db, DEFAULT_TOPIC, DecisionSettings(), []).decide()
