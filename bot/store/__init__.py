"""The state database (one SQLite file under the state folder) and the rows it hands out.

``Database`` offers every data area; ``protocols`` says what each area offers.
"""

from __future__ import annotations

from bot.store.articles import ArticleRow
from bot.store.connection import DB_NAME
from bot.store.database import Database
from bot.store.feeds import FeedStateRow
from bot.store.outbox import DeliveryRow
from bot.store.protocols import (
    ArticleStore,
    FeedStore,
    OutboxStore,
    StatusStore,
    StoreTransactions,
    ValueStore,
)
from bot.store.status import StatusRow

__all__ = [
    "DB_NAME",
    "ArticleRow",
    "ArticleStore",
    "Database",
    "DeliveryRow",
    "FeedStateRow",
    "FeedStore",
    "OutboxStore",
    "StatusRow",
    "StatusStore",
    "StoreTransactions",
    "ValueStore",
]
