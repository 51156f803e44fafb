"""The state database's schema: one migration function per version (``PRAGMA user_version``).

``MIGRATIONS[n - 1]`` brings a database from version ``n - 1`` to ``n``; ``migrate`` applies the
missing ones in order, each in its own transaction with the version it reaches. The statements
keep their original text: SQLite stores it in ``sqlite_master``, so a new database and one
migrated years ago hold the same schema, byte for byte. Never edit a migration; add one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

log = logging.getLogger(__name__)

Migration = Callable[[sqlite3.Connection], None]

# -- 1: articles, evidence, status history, digests with their per-output deliveries ------------
_ARTICLES = """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,          -- seed:<file> or feed:<feed>:<identity>
        kind TEXT NOT NULL,                -- seed | feed
        feed TEXT,
        title TEXT NOT NULL,
        url TEXT,
        path TEXT,
        source TEXT NOT NULL,
        published TEXT,                    -- ISO date or datetime, NULL when unknown
        date_note TEXT,                    -- how the date was found, or why it is unknown
        added_at TEXT NOT NULL,
        body TEXT NOT NULL,
        relevant INTEGER NOT NULL,
        status TEXT,
        duplicate_of INTEGER REFERENCES articles(id),
        fingerprint TEXT NOT NULL
    )"""
_ARTICLES_PUBLISHED = """
    CREATE INDEX articles_published ON articles(published)"""
_ARTICLES_RELEVANT = """
    CREATE INDEX articles_relevant ON articles(relevant, published)"""
_EVIDENCE = """
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id),
        status TEXT NOT NULL,
        quote TEXT NOT NULL,
        rule TEXT NOT NULL,
        confidence REAL NOT NULL,
        party TEXT,
        retrospective INTEGER NOT NULL DEFAULT 0,
        contested INTEGER NOT NULL DEFAULT 0
    )"""
_EVIDENCE_ARTICLE = """
    CREATE INDEX evidence_article ON evidence(article_id)"""
_STATUS_HISTORY = """
    CREATE TABLE status_history (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        previous TEXT,
        since TEXT,                        -- date the evidence dates the change to
        decided_at TEXT NOT NULL,
        party TEXT,
        evidence TEXT NOT NULL             -- JSON list of evidence objects
    )"""
_DIGESTS = """
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        once_key TEXT UNIQUE,              -- a digest that must exist once ever (baseline)
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL              -- JSON of bot.models.Digest
    )"""
_DELIVERIES = """
    CREATE TABLE deliveries (
        digest_id INTEGER NOT NULL REFERENCES digests(id),
        output TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | failed
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        last_error TEXT,
        delivered_at TEXT,
        remote_id TEXT,
        PRIMARY KEY (digest_id, output)
    )"""
_KV = """
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)"""


def _v1_articles_status_digests(conn: sqlite3.Connection) -> None:
    for statement in (_ARTICLES, _ARTICLES_PUBLISHED, _ARTICLES_RELEVANT, _EVIDENCE,
                      _EVIDENCE_ARTICLE, _STATUS_HISTORY, _DIGESTS, _DELIVERIES, _KV):
        conn.execute(statement)


# -- 2: feeds and their health; the items seen, so each is processed once, ever ------------------
_FEEDS = """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_attempt TEXT,
        last_success TEXT,
        http_status INTEGER,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        items_seen INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,
        alerted INTEGER NOT NULL DEFAULT 0
    )"""
_SEEN_ITEMS = """
    CREATE TABLE seen_items (
        feed TEXT NOT NULL,
        identity TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id),
        first_seen TEXT NOT NULL,
        PRIMARY KEY (feed, identity)
    )"""
_OUTPUTS = """
    CREATE TABLE outputs (
        output TEXT PRIMARY KEY,
        disabled_reason TEXT,
        disabled_at TEXT
    )"""


def _v2_feeds_seen_items_outputs(conn: sqlite3.Connection) -> None:
    for statement in (_FEEDS, _SEEN_ITEMS, _OUTPUTS):
        conn.execute(statement)


def _v3_originals_index(conn: sqlite3.Connection) -> None:
    """The relevant originals by date: what the near-duplicate search and the counts read."""
    conn.execute("""
    CREATE INDEX articles_originals ON articles(published, relevant, duplicate_of)
        WHERE relevant = 1 AND duplicate_of IS NULL""")


def _v4_feed_poll_counts(conn: sqlite3.Connection) -> None:
    """Polls and failed polls of each feed since it was first watched (for /metrics)."""
    conn.execute("""
    ALTER TABLE feeds ADD COLUMN polls INTEGER NOT NULL DEFAULT 0""")
    conn.execute("""
    ALTER TABLE feeds ADD COLUMN errors INTEGER NOT NULL DEFAULT 0""")


def _v5_event_dates_languages(conn: sqlite3.Connection) -> None:
    """When each event happened (as its text dates it), the language an article is written in,
    and which earlier date a status row corrects."""
    conn.execute("""
    ALTER TABLE evidence ADD COLUMN occurred TEXT""")
    conn.execute("""
    ALTER TABLE articles ADD COLUMN language TEXT""")
    conn.execute("""
    CREATE INDEX articles_language ON articles(language) WHERE language IS NOT NULL""")
    conn.execute("""
    ALTER TABLE status_history ADD COLUMN corrects TEXT""")


MIGRATIONS: list[Migration] = [
    _v1_articles_status_digests,
    _v2_feeds_seen_items_outputs,
    _v3_originals_index,
    _v4_feed_poll_counts,
    _v5_event_dates_languages,
]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection,
            transaction: Callable[[], AbstractContextManager[sqlite3.Connection]]) -> None:
    """Apply the migrations ``conn``'s database lacks, in order, each in a ``transaction()``."""
    version = schema_version(conn)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        log.info("migrating state database to schema %d", number)
        with transaction() as writing:
            migration(writing)
            writing.execute(f"PRAGMA user_version = {number}")
