"""The state database: one SQLite file under the state folder, owned by one class.

``Database`` is the facade over the data areas, each a class of its own module sharing one
connection (``connection.py``): articles and evidence, the status history, the outbox, feeds,
key/values. All writes go through its methods, each in one transaction. The schema is
versioned with numbered migrations (``migrations.py``, ``PRAGMA user_version``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.store.articles import ArticleTables
from bot.store.connection import DB_NAME
from bot.store.feeds import FeedTables
from bot.store.outbox import OutboxTables
from bot.store.status import StatusTable
from bot.store.values import ValueTable

if TYPE_CHECKING:
    from bot.store.protocols import (
        ArticleStore,
        FeedStore,
        OutboxStore,
        StatusStore,
        StoreTransactions,
        ValueStore,
    )


class Database(ArticleTables, StatusTable, OutboxTables, FeedTables, ValueTable):
    """The one owner of the state database: every data area over one connection."""

    @classmethod
    def in_folder(cls, folder: Path) -> Database:
        return cls(folder / DB_NAME)


if TYPE_CHECKING:

    def _offers_every_area(db: Database) -> tuple[StoreTransactions, ArticleStore, StatusStore,
                                                  OutboxStore, FeedStore, ValueStore]:
        """Never called: mypy checks here that ``Database`` offers each area's protocol."""
        return db, db, db, db, db, db
