"""treatybot: follows a treaty's status in the news (by default the treaty described in
``bot/config/data/default_topic.yaml``) and posts a digest when it changes.

Public API (imported on first use, so ``import bot`` stays cheap)::

    Status, Evidence, Digest, FeedItem           data shapes (bot.models)
    Watchlist, load_watchlist, check_watchlist   the watchlist (bot.config)
    Database                                     the state database (bot.store)
    SentenceClassifier, decide                   the status engine (bot.analysis)
    App                                          the running bot (bot.core.app)

The layout follows the data (see README "Architecture"); imports point one way only::

    interfaces → core → delivery → store → analysis → ingest → config → base modules
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from bot._version import __version__ as __version__

_PUBLIC = {
    "App": "bot.core.app",
    "Database": "bot.store.database",
    "Digest": "bot.models",
    "Evidence": "bot.models",
    "FeedItem": "bot.models",
    "SentenceClassifier": "bot.analysis.classify",
    "Status": "bot.models",
    "Watchlist": "bot.config",
    "check_watchlist": "bot.config",
    "decide": "bot.analysis.decide",
    "load_watchlist": "bot.config",
}

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'bot' has no attribute {name!r}")
