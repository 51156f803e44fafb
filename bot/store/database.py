"""The state database: one SQLite file under the state folder, owned by one class.

All writes go through ``Database`` methods, each in one transaction. The schema is versioned
with numbered migrations (``PRAGMA user_version``). WAL mode keeps readers (``treatybot status``,
slash commands) from waiting on the writer.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import now_iso
from bot.errors import StateError
from bot.models import Digest, Evidence, Status

log = logging.getLogger(__name__)

DB_NAME = "treatybot.sqlite3"

MIGRATIONS: list[str] = [
    # 1: articles, evidence, status history, digests with their per-output deliveries
    """
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
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_relevant ON articles(relevant, published);
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
    );
    CREATE INDEX evidence_article ON evidence(article_id);
    CREATE TABLE status_history (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL,
        previous TEXT,
        since TEXT,                        -- date the evidence dates the change to
        decided_at TEXT NOT NULL,
        party TEXT,
        evidence TEXT NOT NULL             -- JSON list of evidence objects
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        once_key TEXT UNIQUE,              -- a digest that must exist once ever (baseline)
        created_at TEXT NOT NULL,
        payload TEXT NOT NULL              -- JSON of bot.models.Digest
    );
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
    );
    CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 2: feeds and their health; the items seen, so each is processed once, ever
    """
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
    );
    CREATE TABLE seen_items (
        feed TEXT NOT NULL,
        identity TEXT NOT NULL,
        article_id INTEGER REFERENCES articles(id),
        first_seen TEXT NOT NULL,
        PRIMARY KEY (feed, identity)
    );
    CREATE TABLE outputs (
        output TEXT PRIMARY KEY,
        disabled_reason TEXT,
        disabled_at TEXT
    );
    """,
    # 3: the relevant originals by date: what the near-duplicate search and the counts read
    """
    CREATE INDEX articles_originals ON articles(published, relevant, duplicate_of)
        WHERE relevant = 1 AND duplicate_of IS NULL;
    """,
    # 4: polls and failed polls of each feed since it was first watched (for /metrics)
    """
    ALTER TABLE feeds ADD COLUMN polls INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE feeds ADD COLUMN errors INTEGER NOT NULL DEFAULT 0;
    """,
]


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no event loop running in this thread
        return None


@dataclass
class ArticleRow:
    id: int
    key: str
    kind: str
    feed: str | None
    title: str
    url: str | None
    path: str | None
    source: str
    published: str | None
    date_note: str | None
    relevant: bool
    status: str | None
    duplicate_of: int | None
    fingerprint: str

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published,
            "relevant": self.relevant,
            "status": self.status,
            "duplicate_of": self.duplicate_of,
            "kind": self.kind,
        }
        if self.path:
            data["path"] = self.path
        if self.feed:
            data["feed"] = self.feed
        if self.date_note:
            data["date_note"] = self.date_note
        return data


class Database:
    """The one owner of the state database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StateError(f"cannot open the state database {path}: {exc}") from exc
        self._conn.row_factory = sqlite3.Row
        self._batch_depth = 0
        self._batch_owner: asyncio.Task[Any] | None = None
        # writes undone so far: an id read before a rollback may name another article after it
        self.rollbacks = 0
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            raise StateError(f"cannot use the state database {path}: {exc}") from exc

    @classmethod
    def in_folder(cls, folder: Path) -> Database:
        return cls(folder / DB_NAME)

    def close(self) -> None:
        self._conn.close()

    # -- plumbing -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; inside ``batch()`` a savepoint committed with the batch."""
        if self._batch_depth:
            self._check_batch_owner()
            yield from self._savepoint()
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc
        try:
            yield self._conn
        except sqlite3.OperationalError as exc:  # disk full, read-only, I/O error
            self._rollback()
            raise StateError(f"cannot write the state database {self.path}: {exc}") from exc
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise StateError(f"cannot write the state database {self.path}: {exc}") from exc

    def _rollback(self) -> None:
        """Roll back what is left: SQLite may already have done it (SQLITE_FULL does)."""
        self.rollbacks += 1
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.OperationalError:
                log.warning("could not roll back a failed write to %s", self.path)

    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("SAVEPOINT write")
        try:
            yield self._conn
        except BaseException:
            self.rollbacks += 1
            if self._conn.in_transaction:  # SQLITE_FULL may have rolled back everything already
                self._conn.execute("ROLLBACK TO write")
                self._conn.execute("RELEASE write")
            raise
        self._conn.execute("RELEASE write")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Many writes in one transaction: committed together when the block ends, or none of
        them if it raises. Each write method called inside keeps its own all-or-nothing (a
        savepoint), and reads on this connection see the writes at once. A commit costs far
        more than the rows it writes: one per batch of articles instead of one per article.

        The block must not await: another task writing meanwhile would join the batch (and
        share its fate). That is refused: such a write raises StateError. Nested batches of
        the same task join the outer one.
        """
        if self._batch_depth:
            self._check_batch_owner()
            self._batch_depth += 1
            try:
                yield
            finally:
                self._batch_depth -= 1
            return
        with self.transaction():
            self._batch_depth, self._batch_owner = 1, _current_task()
            try:
                yield
            finally:
                self._batch_depth, self._batch_owner = 0, None

    def _check_batch_owner(self) -> None:
        if _current_task() is not self._batch_owner:
            raise StateError("a write from another task while a batch of writes is open "
                             "(a batch must not await)")

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            log.info("migrating state database to schema %d", number)
            with self.transaction() as conn:
                for statement in script.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    def integrity_ok(self) -> bool:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- key/value ------------------------------------------------------------------
    @staticmethod
    def peek_value(folder: Path, key: str) -> str | None:
        """``get_value`` on the state database in ``folder`` without opening it for writing
        (no migration, no lock): None when there is no database or no such value."""
        path = folder / DB_NAME
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
            try:
                row = conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def get_value(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_value(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO kv(key, value) VALUES(?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- articles and evidence -----------------------------------------------------
    def has_article(self, key: str) -> bool:
        return self._conn.execute("SELECT 1 FROM articles WHERE key = ?", (key,)).fetchone() is not None

    def add_article(
        self,
        *,
        key: str,
        kind: str,
        title: str,
        source: str,
        body: str,
        relevant: bool,
        fingerprint: str,
        evidence: list[Evidence],
        status: str | None,
        duplicate_of: int | None = None,
        feed: str | None = None,
        url: str | None = None,
        path: str | None = None,
        published: str | None = None,
        date_note: str | None = None,
        seen: tuple[str, str] | None = None,
    ) -> int:
        """Store an article with its evidence (and mark its feed item seen) in one transaction."""
        now = now_iso()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO articles(key, kind, feed, title, url, path, source, published, "
                "date_note, added_at, body, relevant, status, duplicate_of, fingerprint) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, kind, feed, title, url, path, source, published, date_note, now, body,
                 int(relevant), status, duplicate_of, fingerprint),
            )
            article_id = int(cursor.lastrowid or 0)
            if evidence:
                conn.executemany(
                    "INSERT INTO evidence(article_id, status, quote, rule, confidence, party, "
                    "retrospective, contested) VALUES(?,?,?,?,?,?,?,?)",
                    [
                        (article_id, e.status.value, e.quote, e.rule, e.confidence, e.party,
                         int(e.retrospective), int(e.contested))
                        for e in evidence
                    ],
                )
            if seen is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO seen_items(feed, identity, article_id, first_seen) "
                    "VALUES(?,?,?,?)",
                    (seen[0], seen[1], article_id, now),
                )
        return article_id

    def _article(self, row: sqlite3.Row) -> ArticleRow:
        return ArticleRow(
            id=row["id"], key=row["key"], kind=row["kind"], feed=row["feed"], title=row["title"],
            url=row["url"], path=row["path"], source=row["source"], published=row["published"],
            date_note=row["date_note"], relevant=bool(row["relevant"]), status=row["status"],
            duplicate_of=row["duplicate_of"], fingerprint=row["fingerprint"],
        )

    _ARTICLE_COLUMNS = (
        "id, key, kind, feed, title, url, path, source, published, date_note, relevant, status, "
        "duplicate_of, fingerprint"
    )

    def articles(self, *, relevant_only: bool = False, limit: int | None = None,
                 newest_first: bool = False) -> list[ArticleRow]:
        sql = f"SELECT {self._ARTICLE_COLUMNS} FROM articles"
        if relevant_only:
            sql += " WHERE relevant = 1"
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY published IS NULL, published {order}, id {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self._article(r) for r in self._conn.execute(sql)]

    def dedup_candidates(self, published: str | None, window_days: int = 4,
                         limit: int = 200) -> list[ArticleRow]:
        """Relevant originals near a date: the only ones a new article is compared with."""
        ids = self.dedup_candidate_ids(published, window_days, limit)
        if not ids:
            return []
        rows = {r["id"]: r for r in self._conn.execute(
            f"SELECT {self._ARTICLE_COLUMNS} FROM articles WHERE id IN "
            f"({','.join('?' * len(ids))})", ids)}
        return [self._article(rows[i]) for i in ids]

    def dedup_candidate_ids(self, published: str | None, window_days: int = 4,
                            limit: int = 200) -> list[int]:
        """Ids of ``dedup_candidates``, newest first: the undated relevant originals and those
        dated within ``window_days`` of ``published`` (without a date: the newest ones).

        Read from the ``articles_originals`` index: the cost follows the articles in the window,
        not the size of the store. The text range (a day wider on each side, for dates with a
        UTC offset) finds them in the index; ``date()`` keeps the exact window.
        """
        if published is None:
            rows = self._conn.execute(
                "SELECT id FROM articles INDEXED BY articles_originals "
                "WHERE relevant = 1 AND duplicate_of IS NULL ORDER BY id DESC LIMIT ?", (limit,)
            )
            return [r[0] for r in rows]
        rows = self._conn.execute(
            "SELECT id FROM articles INDEXED BY articles_originals "
            "WHERE relevant = 1 AND duplicate_of IS NULL AND published IS NULL "
            "UNION ALL "
            "SELECT id FROM articles INDEXED BY articles_originals "
            "WHERE relevant = 1 AND duplicate_of IS NULL "
            "AND published >= date(:p, :wide_before) AND published < date(:p, :wide_after) "
            "AND date(published) BETWEEN date(:p, :before) AND date(:p, :after) "
            "ORDER BY id DESC LIMIT :limit",
            {"p": published, "before": f"-{window_days} days", "after": f"+{window_days} days",
             "wide_before": f"-{window_days + 1} days",
             "wide_after": f"+{window_days + 2} days", "limit": limit},
        )
        return [r[0] for r in rows]

    def fingerprints(self, ids: list[int]) -> dict[int, str]:
        """The stored near-duplicate fingerprints of these articles, by id."""
        found: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self._conn.execute(
                f"SELECT id, fingerprint FROM articles WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update((r[0], r[1]) for r in rows)
        return found

    def stories_after(self, article_id: int, limit: int = 50) -> list[dict[str, Any]]:
        """The relevant feed stories (originals) stored after ``article_id``, oldest first, each
        with ``sources``: its own outlet and those of the copies that repeat it."""
        rows = self._conn.execute(
            "SELECT id, title, url, source, published FROM articles "
            "WHERE id > ? AND relevant = 1 AND duplicate_of IS NULL AND kind = 'feed' "
            "ORDER BY id LIMIT ?",
            (article_id, limit),
        ).fetchall()
        stories = {r["id"]: {"title": r["title"], "url": r["url"], "source": r["source"],
                             "published": r["published"], "sources": [r["source"]]}
                   for r in rows}
        if stories:
            copies = self._conn.execute(
                f"SELECT duplicate_of, source FROM articles WHERE duplicate_of IN "
                f"({','.join('?' * len(stories))}) ORDER BY id",
                list(stories),
            )
            for original, source in copies:
                if source not in stories[original]["sources"]:
                    stories[original]["sources"].append(source)
        return list(stories.values())

    def last_ids(self) -> tuple[int, int, int]:
        """(the newest article's id, the newest status row's id, rollbacks so far), 0 when
        there is none: what changes whenever something the status is decided from changes
        (rows are only ever added)."""
        row = self._conn.execute(
            "SELECT (SELECT MAX(id) FROM articles), (SELECT MAX(id) FROM status_history)"
        ).fetchone()
        return (row[0] or 0, row[1] or 0, self.rollbacks)

    def counts(self) -> dict[str, int]:
        """Articles read, relevant, and relevant originals (independent stories).

        Each count is read from an index, never from the table: cheap at any size.
        """
        articles = self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        relevant = self._conn.execute(
            "SELECT COUNT(*) FROM articles WHERE relevant = 1"
        ).fetchone()[0]
        independent = self._conn.execute(
            "SELECT COUNT(*) FROM articles INDEXED BY articles_originals "
            "WHERE relevant = 1 AND duplicate_of IS NULL"
        ).fetchone()[0]
        return {"articles": articles, "relevant": relevant, "independent": independent}

    def evidence(self) -> list[Evidence]:
        """Every piece of evidence from relevant articles, with its article's facts."""
        return [e for _, e in self.evidence_since(0)]

    def evidence_since(self, after_id: int) -> list[tuple[tuple[bool, str, int], Evidence]]:
        """The evidence of ``evidence()`` whose row id is above ``after_id``, in the same order,
        each with its sort key (undated last, then by date, then by row id): what an
        up-to-date list needs merged in (evidence rows are only ever added)."""
        # A near-duplicate carries its story's date (the original's): a rewrite or a re-dated
        # copy turning up later is the same news, not a later report.
        rows = self._conn.execute(
            "SELECT e.*, a.title, a.url, a.path, a.source, "
            "COALESCE(o.published, a.published) AS published, "
            "COALESCE(a.duplicate_of, a.id) AS story "
            "FROM evidence e JOIN articles a ON a.id = e.article_id "
            "LEFT JOIN articles o ON o.id = a.duplicate_of "
            "WHERE a.relevant = 1 AND e.id > ? "
            "ORDER BY COALESCE(o.published, a.published) IS NULL, "
            "COALESCE(o.published, a.published), e.id",
            (after_id,),
        )
        return [
            (
                (r["published"] is None, r["published"] or "", r["id"]),
                Evidence(
                    status=Status(r["status"]), quote=r["quote"], rule=r["rule"],
                    confidence=r["confidence"], title=r["title"], url=r["url"] or r["path"],
                    source=r["source"], published=r["published"], article_id=r["story"],
                    party=r["party"], retrospective=bool(r["retrospective"]),
                    contested=bool(r["contested"]),
                ),
            )
            for r in rows
        ]

    def last_evidence_id(self) -> int:
        return self._conn.execute("SELECT MAX(id) FROM evidence").fetchone()[0] or 0

    # -- status history --------------------------------------------------------------
    def add_status(self, status: str, previous: str | None, since: str | None,
                   party: str | None, evidence: list[dict[str, Any]]) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO status_history(status, previous, since, decided_at, party, evidence) "
                "VALUES(?,?,?,?,?,?)",
                (status, previous, since, now_iso(), party, json.dumps(evidence, ensure_ascii=False)),
            )

    def status_history(self) -> list[dict[str, Any]]:
        rows = self._conn.execute("SELECT * FROM status_history ORDER BY id")
        return [
            {
                "status": r["status"], "previous": r["previous"], "since": r["since"],
                "decided_at": r["decided_at"], "party": r["party"],
                "evidence": json.loads(r["evidence"]),
            }
            for r in rows
        ]

    def current_status(self) -> dict[str, Any] | None:
        history = self._conn.execute(
            "SELECT * FROM status_history ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if history is None:
            return None
        return {
            "status": history["status"], "previous": history["previous"],
            "since": history["since"], "decided_at": history["decided_at"],
            "party": history["party"], "evidence": json.loads(history["evidence"]),
        }

    # -- digests and the outbox -----------------------------------------------------
    def enqueue_digest(self, digest: Digest, outputs: list[str], *,
                       once_key: str | None = None) -> int | None:
        """Store a digest and one pending delivery per output, atomically.

        With ``once_key``, a digest that already exists under that key is not stored again and
        None is returned.
        """
        with self.transaction() as conn:
            if once_key is not None and conn.execute(
                "SELECT 1 FROM digests WHERE once_key = ?", (once_key,)
            ).fetchone():
                return None
            created = digest.created_at or now_iso()
            digest.created_at = created
            cursor = conn.execute(
                "INSERT INTO digests(kind, once_key, created_at, payload) VALUES(?,?,?,?)",
                (digest.kind, once_key, created, "{}"),
            )
            digest_id = int(cursor.lastrowid or 0)
            digest.id = digest_id
            conn.execute(
                "UPDATE digests SET payload = ? WHERE id = ?",
                (json.dumps(_digest_to_storage(digest), ensure_ascii=False), digest_id),
            )
            conn.executemany(
                "INSERT INTO deliveries(digest_id, output, next_attempt_at) VALUES(?,?,?)",
                [(digest_id, output, created) for output in outputs],
            )
        return digest_id

    def digest(self, digest_id: int) -> Digest:
        row = self._conn.execute("SELECT payload FROM digests WHERE id = ?", (digest_id,)).fetchone()
        return _digest_from_storage(json.loads(row[0]))

    def digests(self, kind: str | None = None) -> list[Digest]:
        sql, args = "SELECT payload FROM digests", ()
        if kind:
            sql, args = sql + " WHERE kind = ?", (kind,)
        return [_digest_from_storage(json.loads(r[0])) for r in self._conn.execute(sql + " ORDER BY id", args)]

    def pending_deliveries(self, now: str | None = None) -> list[tuple[int, str, int]]:
        """(digest_id, output, attempts) due now, oldest digest first."""
        now = now or now_iso()
        rows = self._conn.execute(
            "SELECT digest_id, output, attempts FROM deliveries WHERE state = 'pending' "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY digest_id, output",
            (now,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def pending_count(self) -> int:
        return self._conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'"
        ).fetchone()[0]

    def mark_delivered(self, digest_id: int, output: str, remote_id: str | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'delivered', delivered_at = ?, remote_id = ?, "
                "attempts = attempts + 1, last_error = NULL WHERE digest_id = ? AND output = ?",
                (now_iso(), remote_id, digest_id, output),
            )

    def mark_retry(self, digest_id: int, output: str, error: str, next_attempt_at: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                "WHERE digest_id = ? AND output = ?",
                (error, next_attempt_at, digest_id, output),
            )

    def mark_failed(self, digest_id: int, output: str, error: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE digest_id = ? AND output = ?",
                (error, digest_id, output),
            )

    def deliveries(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute("SELECT * FROM deliveries ORDER BY digest_id")]

    def disable_output(self, output: str, reason: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO outputs(output, disabled_reason, disabled_at) VALUES(?,?,?) "
                "ON CONFLICT(output) DO UPDATE SET disabled_reason = excluded.disabled_reason, "
                "disabled_at = excluded.disabled_at",
                (output, reason, now_iso()),
            )
            # its pending deliveries stay pending: sent when the output is enabled again
            conn.execute(
                "UPDATE deliveries SET last_error = ? WHERE output = ? AND state = 'pending'",
                (f"output disabled: {reason}", output),
            )

    def enable_output(self, output: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM outputs WHERE output = ?", (output,))

    def disabled_outputs(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self._conn.execute("SELECT output, disabled_reason FROM outputs")}

    # -- feeds ---------------------------------------------------------------------
    def feed_state(self, name: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        return dict(row) if row else None

    def feed_states(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute("SELECT * FROM feeds ORDER BY name")]

    def update_feed(self, name: str, url: str, **fields: Any) -> None:
        allowed = {
            "etag", "last_modified", "body_hash", "last_attempt", "last_success", "http_status",
            "last_error", "failures", "items_seen", "next_attempt", "alerted", "polls", "errors",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown feed fields: {sorted(unknown)}")
        with self.transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO feeds(name, url) VALUES(?, ?)", (name, url))
            conn.execute("UPDATE feeds SET url = ? WHERE name = ?", (url, name))
            if fields:
                assignments = ", ".join(f"{k} = ?" for k in fields)
                conn.execute(
                    f"UPDATE feeds SET {assignments} WHERE name = ?", (*fields.values(), name)
                )

    def is_seen(self, feed: str, identity: str) -> bool:
        return self._conn.execute(
            "SELECT 1 FROM seen_items WHERE feed = ? AND identity = ?", (feed, identity)
        ).fetchone() is not None

    def mark_seen(self, feed: str, identity: str, article_id: int | None = None) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO seen_items(feed, identity, article_id, first_seen) "
                "VALUES(?,?,?,?)",
                (feed, identity, article_id, now_iso()),
            )


def _digest_to_storage(digest: Digest) -> dict[str, Any]:
    return {
        "id": digest.id, "kind": digest.kind, "title": digest.title, "text": digest.text,
        "status": digest.status, "previous": digest.previous, "evidence": digest.evidence,
        "created_at": digest.created_at, "facts": digest.facts,
    }


def _digest_from_storage(data: dict[str, Any]) -> Digest:
    return Digest(
        kind=data["kind"], title=data["title"], text=data["text"], status=data.get("status"),
        previous=data.get("previous"), evidence=data.get("evidence", []),
        created_at=data.get("created_at", ""), facts=data.get("facts", {}), id=data.get("id"),
    )
