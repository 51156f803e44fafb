"""Key/value: small facts the bot keeps between runs (the last good watchlist, marks)."""

from __future__ import annotations

from bot.store.connection import StoreConnection


class ValueTable(StoreConnection):
    """The ``kv`` table. (``peek_value`` reads it without opening the database for writing.)"""

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
