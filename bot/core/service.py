"""What the interfaces may ask of the bot: a narrow service, not the whole ``App``.

Discord's ``/treaty``, Slack's slash command and the web page read and act through
:class:`TreatyService` only::

    topic                  the treaty's name
    party_names            how the topic names its parties (and "both")
    topics()               each topic: ``id``, ``name``, ``status``, ``party``, ``since``
    status(topic=None)     the current status view (``bot.core.views.status_report``)
    history(topic=None)    the status changes, oldest first
    sources(...)           the articles read
                           (``topic``: a topic's id; None is the first; an unknown id raises
                           :class:`UnknownTopic`)
    feeds()                each feed's health; ``configured_feeds()`` the watchlist's feeds
    disabled_outputs()     outputs switched off, with the reason
    check()                poll every feed now (a cycle); its one-line summary
    watch_list/add/remove  edit the feeds in the watchlist file (``bot.config.edit``)
    scheduler_alive(), last_cycle(), database_state(), timeline_png()   for health and the page
    stored_value(key), store_value(key, value)   an interface's own values in the state
                           database (e.g. the hash of the Discord commands last synced)

:class:`StoreService` answers from a state database alone (``treatybot run --http`` tests, a
read-only page); :class:`AppService` adds the live facts and actions of a running ``App``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from bot.config import Watchlist
from bot.config.edit import EditResult, FeedEntry, add_feed, list_feeds, remove_feed
from bot.config.sections import topic_slug
from bot.core.views import (
    FeedView,
    HistoryEntry,
    StatusView,
    feeds_report,
    history_report,
    sources_report,
    status_report,
)
from bot.delivery.digests import PARTY_NAMES
from bot.delivery.formats import render_timeline_png
from bot.store import Database

PROBE_TIMEOUT = 0.5  # seconds a health probe waits for the database's write lock

FeedList = list[dict[str, Any]]  # {"name", "url", "interval"} per configured feed


class ServiceUnavailable(RuntimeError):
    """The action needs a running bot (or a watchlist file) that this service does not have."""


class UnknownTopic(ValueError):
    """No topic with that id; the message lists the ones there are."""


class TreatyService(Protocol):
    """What the interfaces use; see the module docstring."""

    @property
    def topic(self) -> str: ...

    @property
    def party_names(self) -> Mapping[str, str]: ...

    @property
    def check_roles(self) -> list[str]: ...

    @property
    def watchlist_path(self) -> Path | None: ...

    @property
    def hot_reload(self) -> bool: ...

    def topics(self) -> list[dict[str, Any]]: ...

    def party_names_of(self, topic: str | None = None) -> Mapping[str, str]: ...

    def status(self, topic: str | None = None) -> StatusView: ...

    def history(self, topic: str | None = None) -> list[HistoryEntry]: ...

    def sources(self, *, relevant_only: bool = False, limit: int | None = None,
                topic: str | None = None) -> list[dict[str, Any]]: ...

    def configured_feeds(self) -> FeedList: ...

    def feeds(self) -> list[FeedView]: ...

    def disabled_outputs(self) -> dict[str, str]: ...

    async def check(self) -> str: ...

    def watch_list(self) -> list[FeedEntry]: ...

    def watch_add(self, name: str, url: str, *, interval: str | None = None) -> EditResult: ...

    def watch_remove(self, name: str) -> EditResult: ...

    def scheduler_alive(self) -> bool: ...

    def last_cycle(self) -> str | None: ...

    def database_state(self) -> str: ...

    def timeline_png(self) -> bytes | None: ...

    def stored_value(self, key: str) -> str | None: ...

    def store_value(self, key: str, value: str) -> None: ...


def probe_database(path: Path, timeout: float = PROBE_TIMEOUT) -> str:
    """``"writable"`` if a write lock can be taken (``BEGIN IMMEDIATE; ROLLBACK``) on its own
    short-lived connection, else why not. Never creates the file."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout,
                               isolation_level=None)
    except sqlite3.Error as exc:
        return f"unavailable: {exc}"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return "locked" if "locked" in str(exc) else f"not writable: {exc}"
    finally:
        conn.close()
    return "writable"


def last_feed_attempt(db: Database) -> str | None:
    """The latest feed attempt: the last cycle, as far as the store knows."""
    return max((f["last_attempt"] for f in db.feed_states() if f["last_attempt"]),
               default=None)


class StoreService:
    """The service over a state database, with the live facts given as values or callables
    (so a reloaded watchlist shows up). Actions that need a running bot raise
    :class:`ServiceUnavailable`."""

    def __init__(self, db: Database | None, topic: str | Callable[[], str],
                 feeds: FeedList | Callable[[], FeedList] | None = None, *,
                 scheduler_alive: Callable[[], bool] = lambda: True,
                 last_cycle: Callable[[], str | None] | None = None,
                 timeline_png: Callable[[], bytes | None] | None = None,
                 party_names: Callable[[], Mapping[str, str]] | None = None) -> None:
        self._db = db
        self._topic = topic
        self._party_names = party_names
        self._feeds = feeds if feeds is not None else []
        self._scheduler_alive = scheduler_alive
        self._last_cycle = last_cycle
        self._timeline_png = timeline_png

    # -- facts ------------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        """The state database, for views not listed here (read only)."""
        if self._db is None:
            raise ServiceUnavailable("the state database is not open")
        return self._db

    @property
    def topic(self) -> str:
        return self._topic() if callable(self._topic) else self._topic

    @property
    def party_names(self) -> Mapping[str, str]:
        """How the topic names its parties (and "both"), for status and history texts."""
        return self._party_names() if self._party_names else PARTY_NAMES

    def party_names_of(self, topic: str | None = None) -> Mapping[str, str]:
        """``party_names`` of one topic (its id; None: the first)."""
        return self.party_names

    @property
    def check_roles(self) -> list[str]:
        return []

    @property
    def watchlist_path(self) -> Path | None:
        return None

    @property
    def hot_reload(self) -> bool:
        return False

    def configured_feeds(self) -> FeedList:
        return list(self._feeds() if callable(self._feeds) else self._feeds)

    def scheduler_alive(self) -> bool:
        return bool(self._scheduler_alive())

    def last_cycle(self) -> str | None:
        return self._last_cycle() if self._last_cycle is not None else last_feed_attempt(self.db)

    def database_state(self) -> str:
        return probe_database(self.db.path)

    def timeline_png(self) -> bytes | None:
        return self._timeline_png() if self._timeline_png is not None else None

    def stored_value(self, key: str) -> str | None:
        return self.db.get_value(key)

    def store_value(self, key: str, value: str) -> None:
        self.db.set_value(key, value)

    # -- views ------------------------------------------------------------------------------
    def _topic_names(self) -> dict[str, str]:
        """Each topic's id and name, the first first (here: the one topic of the database)."""
        return {topic_slug(self.topic): self.topic}

    def _topic_db(self, topic: str | None) -> Database:
        if topic is None or topic == next(iter(self._topic_names())):
            return self.db
        raise self._unknown(topic)

    def _unknown(self, topic: str) -> UnknownTopic:
        known = ", ".join(self._topic_names())
        return UnknownTopic(f"no topic `{topic}` (topics: {known})")

    def topics(self) -> list[dict[str, Any]]:
        rows = []
        for topic_id, name in self._topic_names().items():
            current: dict[str, Any] = dict(self._topic_db(topic_id).current_status() or {})
            rows.append({"id": topic_id, "name": name, "status": current.get("status"),
                         "party": current.get("party"), "since": current.get("since")})
        return rows

    def status(self, topic: str | None = None) -> StatusView:
        db = self._topic_db(topic)
        name = self.topic if topic is None else self._topic_names()[topic]
        return status_report(db, name, [f["name"] for f in self.configured_feeds()],
                             feeds_db=self.db)

    def history(self, topic: str | None = None) -> list[HistoryEntry]:
        return history_report(self._topic_db(topic))

    def sources(self, *, relevant_only: bool = False, limit: int | None = None,
                topic: str | None = None) -> list[dict[str, Any]]:
        return sources_report(self._topic_db(topic), relevant_only=relevant_only, limit=limit)

    def feeds(self) -> list[FeedView]:
        return feeds_report(self.db, self.configured_feeds())

    def disabled_outputs(self) -> dict[str, str]:
        return self.db.disabled_outputs()

    # -- actions ----------------------------------------------------------------------------
    async def check(self) -> str:
        raise ServiceUnavailable("checking the feeds needs the running bot")

    def _path(self) -> Path:
        path = self.watchlist_path
        if path is None:
            raise ServiceUnavailable("the bot was not started from a watchlist file")
        return path

    def watch_list(self) -> list[FeedEntry]:
        return list_feeds(self._path())

    def watch_add(self, name: str, url: str, *, interval: str | None = None) -> EditResult:
        return add_feed(self._path(), name, url, interval=interval)

    def watch_remove(self, name: str) -> EditResult:
        return remove_feed(self._path(), name)


class CycleSummary(Protocol):
    def summary(self) -> str: ...


class RunningBot(Protocol):
    """What :class:`AppService` reads of the running bot (``bot.core.app.App`` is one)."""

    db: Database | None
    watchlist: Watchlist
    last_cycle_at: str | None

    @property
    def engines(self) -> Mapping[str, Any]: ...  # topic id -> its Engine (``.db``: its database)

    def scheduler_running(self) -> bool: ...

    async def cycle(self) -> CycleSummary: ...


class AppService(StoreService):
    """The service over a started ``App``: its database, watchlist, scheduler and cycles."""

    def __init__(self, app: RunningBot) -> None:
        self.app = app
        self._png_cache: dict[str, bytes | None] = {}
        super().__init__(None, lambda: app.watchlist.topic.name, self._configured,
                         scheduler_alive=app.scheduler_running,
                         last_cycle=lambda: app.last_cycle_at or last_feed_attempt(self.db),
                         timeline_png=self._cached_timeline_png,
                         party_names=lambda: app.watchlist.topic.to_topic().party_labels())

    @property
    def db(self) -> Database:
        if self.app.db is None:
            raise ServiceUnavailable("the bot has not started: its state database is not open")
        return self.app.db

    def _topic_names(self) -> dict[str, str]:
        return {t.id: t.name for t in self.app.watchlist.topics}

    def party_names_of(self, topic: str | None = None) -> Mapping[str, str]:
        entry = self.app.watchlist.topic_entry(topic)
        return entry.to_topic().party_labels() if entry is not None else self.party_names

    def _topic_db(self, topic: str | None) -> Database:
        if topic is None:
            return self.db
        if topic not in self._topic_names():
            raise self._unknown(topic)
        engine = self.app.engines.get(topic)
        if engine is None:  # not started yet
            raise ServiceUnavailable("the bot has not started: its state database is not open")
        db: Database = engine.db
        return db

    def _configured(self) -> FeedList:
        watchlist = self.app.watchlist
        return [{"name": f.name, "url": f.url, "interval": watchlist.feed_interval(f)}
                for f in watchlist.feeds]

    def _cached_timeline_png(self) -> bytes | None:
        history = self.history()
        key = json.dumps([(h["status"], h["since"], h["party"]) for h in history])
        if key not in self._png_cache:
            self._png_cache.clear()
            self._png_cache[key] = render_timeline_png(history, title=self.topic)
        return self._png_cache[key]

    @property
    def check_roles(self) -> list[str]:
        return list(self.app.watchlist.commands.check_roles)

    @property
    def watchlist_path(self) -> Path | None:
        return self.app.watchlist.path

    @property
    def hot_reload(self) -> bool:
        return self.app.scheduler_running()

    async def check(self) -> str:
        report = await self.app.cycle()
        return report.summary()

