"""Poll one feed: fetch (conditionally), parse, ingest what is new, and keep the feed's health.

A failure is recorded in plain words with an exponential, capped backoff; it never raises out
of ``poll_feed``, so one feed's trouble never stops another.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from .config import Feed, Watchlist
from .db import Database
from .digest import feed_health_digest
from .errors import FetchError
from .feeds import parse_feed
from .fetch import Fetcher
from .pipeline import Engine

log = logging.getLogger(__name__)


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


@dataclass
class PollResult:
    feed: str
    ok: bool
    skipped: bool = False  # backing off, or already running
    not_modified: bool = False
    unchanged: bool = False
    new_items: int = 0
    relevant_items: int = 0
    new_stories: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def backoff_seconds(failures: int, interval: float, cap: float) -> float:
    """Wait after ``failures`` failures in a row: the interval doubled per failure, capped."""
    if failures <= 0:
        return interval
    return min(cap, interval * (2 ** (failures - 1)))


async def poll_feed(feed: Feed, *, watchlist: Watchlist, db: Database, engine: Engine,
                    fetcher: Fetcher, now: datetime | None = None,
                    respect_backoff: bool = True) -> PollResult:
    now = now or datetime.now(timezone.utc)
    state = db.feed_state(feed.name) or {}
    if state.get("url") and state["url"] != feed.url:
        state = {}  # the URL changed in the watchlist: validators of the old one do not apply
        db.update_feed(feed.name, feed.url, etag=None, last_modified=None, body_hash=None,
                       failures=0, alerted=0)
    interval = watchlist.feed_interval(feed)
    if respect_backoff and state.get("failures") and state.get("next_attempt"):
        if state["next_attempt"] > _iso(now):
            return PollResult(feed.name, ok=False, skipped=True, error=state.get("last_error"))

    db.update_feed(feed.name, feed.url, last_attempt=_iso(now))
    try:
        result = await fetcher.fetch(
            feed.url, etag=state.get("etag") or None, last_modified=state.get("last_modified") or None
        )
    except FetchError as exc:
        return _failed(feed, db, watchlist, state, str(exc), exc.http_status, now, interval)
    except Exception as exc:  # noqa: BLE001 - a feed must never take the bot down
        log.exception("unexpected error fetching %s", feed.name)
        return _failed(feed, db, watchlist, state, f"unexpected error: {exc}", None, now, interval)

    if result.not_modified:
        _succeeded(feed, db, watchlist, state, now, interval, http_status=result.status)
        return PollResult(feed.name, ok=True, not_modified=True)

    body = result.body or b""
    body_hash = hashlib.sha256(body).hexdigest()
    validators = {"etag": result.etag or None, "last_modified": result.last_modified or None}
    if body_hash == state.get("body_hash"):
        _succeeded(feed, db, watchlist, state, now, interval, http_status=result.status,
                   **validators)
        return PollResult(feed.name, ok=True, unchanged=True)

    # parsing a large hostile body takes seconds: keep the event loop (and slash commands) free
    parsed = await asyncio.to_thread(parse_feed, body, feed_name=feed.name, url=result.final_url,
                                     content_type=result.content_type)
    if not parsed.is_feed:
        reason = parsed.bozo_reason or "the response is not an RSS, Atom or JSON feed"
        return _failed(feed, db, watchlist, state, reason, result.status, now, interval)

    outcome = PollResult(feed.name, ok=True)
    for item in parsed.items:
        if db.is_seen(feed.name, item.identity):
            continue
        ingested = engine.ingest_item(item)
        outcome.new_items += 1
        if ingested.relevant:
            outcome.relevant_items += 1
            if ingested.duplicate_of is None:
                outcome.new_stories.append(
                    {"title": item.title, "url": item.url, "source": item.source,
                     "published": item.published}
                )
    if parsed.bozo:
        log.info("feed %s is not well-formed (%s); used what it had", feed.name, parsed.bozo_reason)
    _succeeded(feed, db, watchlist, state, now, interval, http_status=result.status,
               body_hash=body_hash, items_seen=(state.get("items_seen") or 0) + outcome.new_items,
               **validators)
    return outcome


def _succeeded(feed: Feed, db: Database, watchlist: Watchlist, state: dict[str, Any],
               now: datetime, interval: float, *, http_status: int, **fields: Any) -> None:
    if state.get("alerted"):
        digest = feed_health_digest(
            {"name": feed.name, "failures_before": state.get("failures")}, recovered=True,
            status=_current(db),
        )
        db.enqueue_digest(digest, [o.key for o in watchlist.outputs])
    # keep the previous validators when the server sent none this time (never send empty ones)
    for key in ("etag", "last_modified"):
        if key in fields and not fields[key]:
            fields.pop(key)
    db.update_feed(
        feed.name, feed.url, last_success=_iso(now), http_status=http_status, last_error=None,
        failures=0, alerted=0, next_attempt=_iso(now + timedelta(seconds=interval)), **fields,
    )


def _failed(feed: Feed, db: Database, watchlist: Watchlist, state: dict[str, Any], error: str,
            http_status: int | None, now: datetime, interval: float) -> PollResult:
    failures = int(state.get("failures") or 0) + 1
    wait = backoff_seconds(failures, interval, watchlist.poll.max_backoff)
    alerted = int(state.get("alerted") or 0)
    log.warning("feed %s failed (%d in a row): %s", feed.name, failures, error)
    if failures >= watchlist.health.failures_before_alert and not alerted:
        digest = feed_health_digest(
            {"name": feed.name, "failures": failures, "last_error": error,
             "last_success": state.get("last_success")},
            recovered=False, status=_current(db),
        )
        db.enqueue_digest(digest, [o.key for o in watchlist.outputs])
        alerted = 1
    db.update_feed(
        feed.name, feed.url, http_status=http_status, last_error=error, failures=failures,
        alerted=alerted, next_attempt=_iso(now + timedelta(seconds=wait)),
    )
    return PollResult(feed.name, ok=False, error=error)


def _current(db: Database) -> str | None:
    current = db.current_status()
    return current["status"] if current else None
