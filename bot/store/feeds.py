"""Feeds: each watched feed's health (conditional-request headers, failures, polls), and the
items seen, so each is processed once, ever."""

from __future__ import annotations

import sqlite3
from typing import Any, TypedDict

from bot.store.connection import StoreConnection


class FeedStateRow(TypedDict):
    """One row of ``feeds``, keys in column order (times are ISO text, None when never)."""

    name: str
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_attempt: str | None
    last_success: str | None
    http_status: int | None
    last_error: str | None
    failures: int
    items_seen: int
    next_attempt: str | None
    alerted: int
    polls: int
    errors: int


# the columns ``update_feed`` may set: all of a FeedStateRow but its key and url
_UPDATABLE_FIELDS = frozenset(FeedStateRow.__annotations__) - {"name", "url"}


def _feed_row(row: sqlite3.Row) -> FeedStateRow:
    return FeedStateRow(
        name=row["name"], url=row["url"], etag=row["etag"], last_modified=row["last_modified"],
        body_hash=row["body_hash"], last_attempt=row["last_attempt"],
        last_success=row["last_success"], http_status=row["http_status"],
        last_error=row["last_error"], failures=row["failures"], items_seen=row["items_seen"],
        next_attempt=row["next_attempt"], alerted=row["alerted"], polls=row["polls"],
        errors=row["errors"],
    )


class FeedTables(StoreConnection):
    """The ``feeds`` and ``seen_items`` tables. (An item is marked seen by ``add_article``,
    in the article's own transaction.)"""

    def feed_state(self, name: str) -> FeedStateRow | None:
        row = self._conn.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
        return _feed_row(row) if row else None

    def feed_states(self) -> list[FeedStateRow]:
        return [_feed_row(r) for r in self._conn.execute("SELECT * FROM feeds ORDER BY name")]

    def update_feed(self, name: str, url: str, **fields: Any) -> None:
        unknown = set(fields) - _UPDATABLE_FIELDS
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
