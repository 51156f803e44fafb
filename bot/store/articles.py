"""Articles and their evidence: what the bot read, whether it is relevant, which story it
repeats, and the status sentences found in it. Rows are only ever added."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from bot.clock import now_iso
from bot.models import Evidence, Status
from bot.store.connection import StoreConnection
from bot.store.status import status_text

_ARTICLE_COLUMNS = (
    "id, key, kind, feed, title, url, path, source, published, date_note, relevant, status, "
    "duplicate_of, fingerprint, language"
)


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
    language: str | None = None  # ISO 639-1, as detected or as the feed says; None: unknown

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ArticleRow:
        """From a row of ``_ARTICLE_COLUMNS``."""
        return cls(
            id=row["id"], key=row["key"], kind=row["kind"], feed=row["feed"], title=row["title"],
            url=row["url"], path=row["path"], source=row["source"], published=row["published"],
            date_note=row["date_note"], relevant=bool(row["relevant"]), status=row["status"],
            duplicate_of=row["duplicate_of"], fingerprint=row["fingerprint"],
            language=row["language"],
        )

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
            "language": self.language,
        }
        if self.path:
            data["path"] = self.path
        if self.feed:
            data["feed"] = self.feed
        if self.date_note:
            data["date_note"] = self.date_note
        return data


class ArticleTables(StoreConnection):
    """The ``articles`` and ``evidence`` tables."""

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
        status: Status | str | None,
        duplicate_of: int | None = None,
        feed: str | None = None,
        url: str | None = None,
        path: str | None = None,
        published: str | None = None,
        date_note: str | None = None,
        seen: tuple[str, str] | None = None,
        language: str | None = None,
    ) -> int:
        """Store an article with its evidence (and mark its feed item ``seen``: (feed,
        identity)) in one transaction."""
        now = now_iso()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO articles(key, kind, feed, title, url, path, source, published, "
                "date_note, added_at, body, relevant, status, duplicate_of, fingerprint, language) "
                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (key, kind, feed, title, url, path, source, published, date_note, now, body,
                 int(relevant), status_text(status), duplicate_of, fingerprint, language),
            )
            article_id = int(cursor.lastrowid or 0)
            if evidence:
                conn.executemany(
                    "INSERT INTO evidence(article_id, status, quote, rule, confidence, party, "
                    "retrospective, contested, occurred) VALUES(?,?,?,?,?,?,?,?,?)",
                    [
                        (article_id, e.status.value, e.quote, e.rule, e.confidence, e.party,
                         int(e.retrospective), int(e.contested), e.occurred)
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

    def articles(self, *, relevant_only: bool = False, limit: int | None = None,
                 newest_first: bool = False) -> list[ArticleRow]:
        sql = f"SELECT {_ARTICLE_COLUMNS} FROM articles"
        if relevant_only:
            sql += " WHERE relevant = 1"
        order = "DESC" if newest_first else "ASC"
        sql += f" ORDER BY published IS NULL, published {order}, id {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [ArticleRow.from_row(r) for r in self._conn.execute(sql)]

    def dedup_candidates(self, published: str | None, window_days: int = 4,
                         limit: int = 200) -> list[ArticleRow]:
        """Relevant originals near a date: the only ones a new article is compared with."""
        ids = self.dedup_candidate_ids(published, window_days, limit)
        if not ids:
            return []
        rows = {r["id"]: r for r in self._conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id IN "
            f"({','.join('?' * len(ids))})", ids)}
        return [ArticleRow.from_row(rows[i]) for i in ids]
    def dedup_candidate_ids(self, published: str | None, window_days: int = 4,
                            limit: int = 200, *, status: str | None = None) -> list[int]:
        """Ids of ``dedup_candidates``, newest first: the undated relevant originals and those
        dated within ``window_days`` of ``published`` (without a date: the newest ones), that
        report the same ``status`` (a preview and the report of the event are two stories).

        Read from the ``articles_originals`` index: the cost follows the articles in the window,
        not the size of the store. The text range (a day wider on each side, for dates with a
        UTC offset) finds them in the index; ``date()`` keeps the exact window.
        """
        if published is None:
            rows = self._conn.execute(
                "SELECT id FROM articles INDEXED BY articles_originals "
                "WHERE relevant = 1 AND duplicate_of IS NULL AND status IS ? "
                "ORDER BY id DESC LIMIT ?", (status, limit)
            )
            return [r[0] for r in rows]
        rows = self._conn.execute(
            "SELECT id FROM articles INDEXED BY articles_originals "
            "WHERE relevant = 1 AND duplicate_of IS NULL AND published IS NULL AND status IS :s "
            "UNION ALL "
            "SELECT id FROM articles INDEXED BY articles_originals "
            "WHERE relevant = 1 AND duplicate_of IS NULL AND status IS :s "
            "AND published >= date(:p, :wide_before) AND published < date(:p, :wide_after) "
            "AND date(published) BETWEEN date(:p, :before) AND date(:p, :after) "
            "ORDER BY id DESC LIMIT :limit",
            {"p": published, "before": f"-{window_days} days", "after": f"+{window_days} days",
             "wide_before": f"-{window_days + 1} days", "s": status,
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

    def language_counts(self) -> dict[str, int]:
        """How many articles are in each detected language (from its index)."""
        rows = self._conn.execute(
            "SELECT language, COUNT(*) FROM articles INDEXED BY articles_language "
            "WHERE language IS NOT NULL GROUP BY language")
        return {r[0]: r[1] for r in rows}

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
                    contested=bool(r["contested"]), occurred=r["occurred"],
                ),
            )
            for r in rows
        ]

    def last_evidence_id(self) -> int:
        return self._conn.execute("SELECT MAX(id) FROM evidence").fetchone()[0] or 0
