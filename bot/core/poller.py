"""Poll one feed: fetch (conditionally), parse, ingest what is new, and keep the feed's health.

A failure is recorded in plain words with an exponential, capped backoff; it never raises out
of ``poll_feed``, so one feed's trouble never stops another. Only a state database that cannot
be written (StateError, e.g. a full disk) stops the poll: losing what was read is worse.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import sqlite3
import weakref
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.clock import utc_now
from bot.config import Feed, Watchlist
from bot.core.engine import Engine
from bot.delivery.digests import feed_health_digest
from bot.delivery.outbox import DeliveryReport
from bot.errors import FetchError, StateError
from bot.ingest.fetch import Fetcher
from bot.ingest.parse import parse_feed
from bot.models import FeedItem
from bot.redact import redact_text
from bot.store import Database

log = logging.getLogger(__name__)

# No headline is longer. A longer title is junk (a whole article, or an attack: a 1 MB title),
# and it would cost the sentence classifier seconds and fill every digest that quotes it.
MAX_TITLE_CHARS = 1000
# Items analysed and committed together before the event loop gets a turn. A batch costs one
# commit instead of one per item, and at most a few milliseconds of the loop's time.
BATCH_ITEMS = 20
# Bodies up to this size are parsed on the event loop; larger ones in a worker thread.
INLINE_PARSE_BYTES = 256 * 1024


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
                    respect_backoff: bool = True,
                    others: Sequence[Engine] = ()) -> PollResult:
    """Fetch ``feed`` and give each new item to ``engine`` (the first topic's, over ``db``)
    and to each of ``others`` (the other topics', each over its own database)."""
    now = now or utc_now()
    state: dict[str, Any] = dict(db.feed_state(feed.name) or {})
    if state.get("url") and state["url"] != feed.url:
        state = {}  # the URL changed in the watchlist: validators of the old one do not apply
        db.update_feed(feed.name, feed.url, etag=None, last_modified=None, body_hash=None,
                       failures=0, alerted=0)
    interval = watchlist.feed_interval(feed)
    if respect_backoff and state.get("failures") and state.get("next_attempt"):
        if state["next_attempt"] > _iso(now):
            return PollResult(feed.name, ok=False, skipped=True,
                              error=redact_text(state.get("last_error"), feed.url))

    db.update_feed(feed.name, feed.url, last_attempt=_iso(now))
    try:
        async with _host_slot(fetcher, feed.url):  # the time-out starts once a request can go
            result = await fetcher.fetch(
                feed.url, etag=state.get("etag") or None,
                last_modified=state.get("last_modified") or None,
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

    # parsing a large hostile body takes seconds: keep the event loop (and slash commands) free.
    # An ordinary feed parses in a few milliseconds, less than the hop to a thread costs.
    parse = functools.partial(parse_feed, body, feed_name=feed.name, url=result.final_url,
                              content_type=result.content_type)
    parsed = parse() if len(body) <= INLINE_PARSE_BYTES else await asyncio.to_thread(parse)
    if not parsed.is_feed:
        # without a reason the format was recognised, but it held neither a title nor an item
        reason = parsed.bozo_reason or "an empty feed: no title and no items"
        return _failed(feed, db, watchlist, state, reason, result.status, now, interval)

    outcome = PollResult(feed.name, ok=True)
    items = parsed.items
    for start in range(0, len(items), BATCH_ITEMS):
        # analysis is CPU work on the event loop: let the other feeds' I/O and timers run
        # between batches, or their fetches "time out" while this feed is being read
        await asyncio.sleep(0)
        with db.batch():  # one commit per batch; nothing in it awaits
            for item in items[start : start + BATCH_ITEMS]:
                _ingest_one(feed, item, db=db, engine=engine, outcome=outcome, others=others)
    if parsed.bozo:
        log.info("feed %s is not well-formed (%s); used what it had", feed.name, parsed.bozo_reason)
    _succeeded(feed, db, watchlist, state, now, interval, http_status=result.status,
               body_hash=body_hash, items_seen=(state.get("items_seen") or 0) + outcome.new_items,
               **validators)
    return outcome


def _ingest_one(feed: Feed, item: FeedItem, *, db: Database, engine: Engine,
                outcome: PollResult, others: Sequence[Engine] = ()) -> None:
    if db.is_seen(feed.name, item.identity):
        return
    item = _bounded(item)
    # the other topics first: the item is seen (in ``db``) once the first topic has it, so an
    # interrupted cycle reads it again; a topic that has it already skips it
    for other in others:
        if other.db.is_seen(feed.name, item.identity):
            continue
        try:
            other.ingest_item(item)
        except (StateError, sqlite3.Error):
            raise
        except Exception:  # noqa: BLE001 - one odd item must not cost the feed or the cycle
            log.exception("feed %s: could not analyse item %s for topic %s; skipped", feed.name,
                          item.identity[:200], other.topic_id)
    try:
        ingested = engine.ingest_item(item)  # its writes are all-or-nothing (a savepoint)
    except (StateError, sqlite3.Error):
        raise  # the state cannot be written: stop, rather than lose what was read
    except Exception:  # noqa: BLE001 - one odd item must not cost the feed or the cycle
        log.exception("feed %s: could not analyse item %s; skipped", feed.name,
                      item.identity[:200])
        return
    outcome.new_items += 1
    if ingested.relevant:
        outcome.relevant_items += 1
        if ingested.duplicate_of is None:
            outcome.new_stories.append(
                {"title": item.title, "url": item.url, "source": item.source,
                 "published": item.published}
            )


# A fetcher opens at most ``per_host`` connections to a host; the other feeds of that host wait
# for one. Waiting here, not inside ``fetch``, keeps that wait out of each feed's time-out: else
# the feeds queued behind a slow host "time out" without ever having been asked for.
_HOST_SLOTS: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def _host_slot(fetcher: Any, url: str) -> AbstractAsyncContextManager[Any]:
    try:
        host = (urlsplit(url).hostname or "").lower()
        slots = _HOST_SLOTS.setdefault(fetcher, {})
    except (ValueError, TypeError):  # a bad URL (the fetcher says so in words), an odd fetcher
        return nullcontext()
    if not host:  # a local file
        return nullcontext()
    if host not in slots:
        slots[host] = asyncio.Semaphore(max(1, int(fetcher.per_host or 1)))
    return slots[host]


def _bounded(item: FeedItem) -> FeedItem:
    if len(item.title) <= MAX_TITLE_CHARS:
        return item
    return replace(item, title=item.title[: MAX_TITLE_CHARS - 1].rstrip() + "…")


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
        failures=0, alerted=0, next_attempt=_iso(now + timedelta(seconds=interval)),
        polls=int(state.get("polls") or 0) + 1, **fields,
    )


def _failed(feed: Feed, db: Database, watchlist: Watchlist, state: dict[str, Any], error: str,
            http_status: int | None, now: datetime, interval: float) -> PollResult:
    error = redact_text(error, feed.url)  # what is logged, stored, shown and posted
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
        polls=int(state.get("polls") or 0) + 1, errors=int(state.get("errors") or 0) + 1,
    )
    return PollResult(feed.name, ok=False, error=error)


def _current(db: Database) -> str | None:
    current = db.current_status()
    return current["status"] if current else None


@dataclass
class CycleReport:
    seeds_loaded: int = 0
    polls: list[PollResult] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)  # kinds queued this cycle
    delivery: DeliveryReport | None = None

    def summary(self) -> str:
        ok = sum(1 for p in self.polls if p.ok)
        failed = [p for p in self.polls if not p.ok]
        new = sum(p.new_items for p in self.polls)
        relevant = sum(p.relevant_items for p in self.polls)
        parts = [f"feeds {ok} ok, {len(failed)} failed", f"{new} new items ({relevant} relevant)"]
        if self.seeds_loaded:
            parts.insert(0, f"{self.seeds_loaded} seed articles loaded")
        if self.digests:
            parts.append(f"digests queued: {', '.join(self.digests)}")
        if self.delivery:
            parts.append(f"{self.delivery.delivered} deliveries made")
            if self.delivery.retrying:
                parts.append(f"{self.delivery.retrying} to retry")
        return "cycle: " + "; ".join(parts)
