"""treatybot: follows the Russia–Iran Treaty on Comprehensive Strategic Partnership.

Public API:
    Status, Evidence, Digest, FeedItem     data shapes (bot.models)
    Watchlist, load_watchlist, check_watchlist   the watchlist (bot.config)
    Database                                the state database (bot.db)
    SentenceClassifier, decide              the status engine (bot.classify, bot.decide)
    App                                     the running bot (bot.app)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .classify import SentenceClassifier
from .config import Watchlist, check_watchlist, load_watchlist
from .db import Database
from .decide import decide
from .models import Digest, Evidence, FeedItem, Status

__all__ = [
    "Database",
    "Digest",
    "Evidence",
    "FeedItem",
    "SentenceClassifier",
    "Status",
    "Watchlist",
    "__version__",
    "check_watchlist",
    "decide",
    "load_watchlist",
]
