"""What the running parts take from the watchlist: the topic to follow, the decision
thresholds, the fetcher's settings, and the last good watchlist a state folder kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.analysis.decide import DecisionSettings
from bot.config import Topic, Watchlist, check_watchlist
from bot.store import Database


def topic_from(watchlist: Watchlist) -> Topic:
    return watchlist.topic.to_topic()


def settings_from(watchlist: Watchlist) -> DecisionSettings:
    return DecisionSettings(min_sources=watchlist.status.min_sources,
                            min_confidence_single=watchlist.status.min_confidence_single,
                            parties=tuple(watchlist.topic.parties))


LAST_GOOD_WATCHLIST = "last_good_watchlist"  # kv key: the text of the last watchlist in use


def saved_watchlist(state_dir: Path, path: Path) -> Watchlist | None:
    """The last watchlist a run used in ``state_dir`` (as if read from ``path``), if it is
    still valid; read-only, without taking the state folder."""
    text = Database.peek_value(state_dir, LAST_GOOD_WATCHLIST)
    if text is None:
        return None
    watchlist, _ = check_watchlist(path, text=text)
    return watchlist


def fetcher_settings(watchlist: Watchlist) -> dict[str, Any]:
    """The Fetcher's arguments from the watchlist: when a reload changes them, a new one."""
    poll = watchlist.poll
    return {"timeout": poll.timeout, "connect_timeout": poll.connect_timeout,
            "max_bytes": poll.max_bytes, "per_host": poll.per_host,
            "allow_local": watchlist.allow_local}
