"""The running bot: one state folder, one watchlist, one event loop.

``App`` owns the database, the shared HTTP session (through the Fetcher), the outputs and the
scheduler. ``run_once`` is one full cycle; ``run_forever`` polls each feed on its own schedule.

With several topics (``topics:``) it holds an Engine and an Outbox per topic, each over that
topic's database (the first topic's is the state folder's own); feeds are fetched once and
every new item is read for every topic. The module is long because the life cycle, the topics,
the cycle and the schedule all act on the same few objects and are easier to follow together.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Coroutine, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.clock import now_iso, utc_now
from bot.config import Feed, Watchlist
from bot.core.connector import Connector, ConnectorFactory
from bot.core.engine import Engine
from bot.core.poller import CycleReport, PollResult, poll_feed
from bot.core.service import AppService
from bot.core.settings import LAST_GOOD_WATCHLIST, fetcher_settings, settings_from
from bot.core.statelock import StateLock
from bot.delivery.base import Output
from bot.delivery.outbox import DeliveryReport, Outbox
from bot.delivery.registry import OutputContext, build_outputs
from bot.errors import StateError
from bot.ingest.fetch import Fetcher
from bot.models import Digest
from bot.store import Database

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

FIRST_TOPIC = "first_topic"  # kv key: the id of the topic whose state the main database holds
TOPICS_FOLDER = "topics"  # in the state folder: the other topics' databases, <id>.sqlite3

class App:
    """The running bot. ``connectors`` (from the command line) build the chat clients that run
    inside it, by name (e.g. ``{"discord": ...}``), from the App's service."""

    def __init__(self, watchlist: Watchlist, state_dir: Path, *,
                 console_stream: Any = None, progress: bool = False,
                 connectors: Mapping[str, ConnectorFactory] | None = None) -> None:
        self.watchlist = watchlist
        self.state_dir = state_dir
        self.lock = StateLock(state_dir)
        self.db: Database | None = None
        self.engine: Engine | None = None
        self.fetcher: Fetcher | None = None
        self.session: aiohttp.ClientSession | None = None
        self.outbox: Outbox | None = None
        # several topics (issue 14): each its own Engine and Outbox over its own database; the
        # first topic's are ``db``, ``engine`` and ``outbox`` (today's state folder is its)
        self.engines: dict[str, Engine] = {}
        self.outboxes: dict[str, Outbox] = {}
        self._topic_dbs: dict[str, Database] = {}  # the other topics' databases, kept open
        self._seed_notes: dict[str, list[str]] = {}  # the other topics' seed notes, until used
        self.console_stream = console_stream
        self._running: set[str] = set()
        self.reload_interval = 2.0  # seconds between checks of the watchlist file
        self.progress = progress  # a progress bar on stderr for long loads (a terminal)
        self.last_cycle_at: str | None = None
        self._delivery_lock = asyncio.Lock()  # shared by every outbox this App builds
        self._background: set[asyncio.Task[Any]] = set()  # see in_background
        self._fetcher_settings: dict[str, Any] = {}
        self.scheduler: AsyncIOScheduler | None = None  # set while run_forever runs
        self.service = AppService(self)  # what the interfaces use
        self.connectors: dict[str, Connector] = {
            name: build(self.service) for name, build in (connectors or {}).items()}

    def scheduler_running(self) -> bool:
        return bool(self.scheduler is not None and self.scheduler.running)

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self.lock.acquire()
        try:
            self.db = Database.in_folder(self.state_dir)
            self._configure(self.watchlist)
        except BaseException:
            self.lock.release()
            raise

    def _configure(self, watchlist: Watchlist) -> None:
        assert self.db is not None
        first = watchlist.topics[0].id
        tagged = "topics" in watchlist.model_fields_set
        # a lone ``topic:`` may be renamed at will (its id follows its name): only the ids of
        # ``topics:`` are recorded and held to
        recorded = self.db.get_value(FIRST_TOPIC) if tagged else None
        if recorded is not None and recorded != first:
            raise StateError(
                f"the state in {self.state_dir} is the topic `{recorded}`'s, but the watchlist's "
                f"first topic is now `{first}`: put `{recorded}` first again (or use another "
                "state folder), so the two topics' states are not mixed")
        self.watchlist = watchlist
        if watchlist.source_text is not None:  # started with, or reloaded: it is good
            self.db.set_value(LAST_GOOD_WATCHLIST, watchlist.source_text)
        if tagged:
            self.db.set_value(FIRST_TOPIC, first)
        keys = [o.key for o in watchlist.outputs]
        engines: dict[str, Engine] = {}
        for entry in watchlist.topics:
            db = self.db if entry.id == first else self._topic_db(entry.id)
            engines[entry.id] = Engine(db, entry.to_topic(), settings_from(watchlist), keys,
                                       topic_id=entry.id if tagged else None)
        self.engines = engines
        self.engine = engines[first]
        settings = fetcher_settings(watchlist)
        if self.fetcher is None or settings != self._fetcher_settings:
            if self.fetcher is not None:  # a reload changed them: polls from now on use these
                self._retire_fetcher(self.fetcher)
            self.fetcher = Fetcher(**settings)
            self._fetcher_settings = settings
        outputs, unavailable = self._build_outputs(watchlist)
        for engine in engines.values():
            for key in outputs:
                engine.db.enable_output(key)
        previous = self.outbox
        # the outputs are shared: the first topic's outbox closes them
        self.outboxes = {topic_id: Outbox(engine.db, outputs, unavailable,
                                          lock=self._delivery_lock)
                         for topic_id, engine in engines.items()}
        self.outbox = self.outboxes[first]
        if previous is not None:
            self._retire(previous)
        for key, why in unavailable.items():
            log.warning("output %s is not available: %s", key, why)

    def _topic_db(self, topic_id: str) -> Database:
        """The database of a topic other than the first: ``state/topics/<id>.sqlite3``."""
        db = self._topic_dbs.get(topic_id)
        if db is None:
            folder = self.state_dir / TOPICS_FOLDER
            folder.mkdir(parents=True, exist_ok=True)
            db = self._topic_dbs[topic_id] = Database(folder / f"{topic_id}.sqlite3")
        return db

    def in_background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` as a task the App waits for when it closes (without a running loop,
        nothing can be in flight that it would wait for: ``work`` is dropped)."""
        try:
            task = asyncio.get_running_loop().create_task(work)
        except RuntimeError:
            work.close()
            return
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def current_status(self) -> str | None:
        """The status now in force (its text), or None before any evidence."""
        assert self.db is not None
        current = self.db.current_status()
        return current["status"] if current else None

    def post_notice(self, digest: Digest) -> None:
        """Queue ``digest`` for every output and deliver it in the background."""
        assert self.db is not None
        self.db.enqueue_digest(digest, [o.key for o in self.watchlist.outputs])
        if self.outbox is not None:
            self.in_background(self.deliver())

    def _retire(self, outbox: Outbox) -> None:
        """Close the outputs of an outbox a reload replaced, once a delivery it may be making
        is done (it holds the shared lock meanwhile)."""

        async def close_when_idle() -> None:
            async with self._delivery_lock:
                await outbox.close()

        self.in_background(close_when_idle())

    def _retire_fetcher(self, fetcher: Fetcher) -> None:
        """Close a fetcher a reload replaced once the polls that may be using it are done."""
        polling = set(self._running)

        async def close_when_idle() -> None:
            deadline = asyncio.get_running_loop().time() + fetcher.timeout + 30
            while polling & self._running and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.2)
            await fetcher.close()

        self.in_background(close_when_idle())

    async def deliver(self) -> DeliveryReport:
        """Deliver what is due through the current outbox (the one the last reload built)."""
        assert self.outbox is not None
        report = DeliveryReport()
        for outbox in list(self.outboxes.values()) or [self.outbox]:
            one = await outbox.deliver_due()
            report.delivered += one.delivered
            report.retrying += one.retrying
            report.failed += one.failed
            report.unavailable.update(one.unavailable)
            if one.soonest_retry is not None:
                report.soonest_retry = min(report.soonest_retry or one.soonest_retry,
                                           one.soonest_retry)
        return report

    def _build_outputs(self, watchlist: Watchlist) -> tuple[dict[str, Output], dict[str, str]]:
        context = OutputContext(session=self._session, resolve=watchlist.resolve,
                                console_stream=self.console_stream, connectors=self.connectors)
        return build_outputs(watchlist.outputs, context)

    async def start_connectors(self, *, only_for_outputs: bool = False,
                               ready_timeout: float = 30.0) -> bool:
        """Connect the chat clients (e.g. Discord: /treaty commands and its outputs).

        When an output needs a client, wait (at most ``ready_timeout`` seconds) until it is
        ready; its digests stay in the outbox if it is not. ``only_for_outputs``: connect only
        the clients an output needs (``run --once``). Returns whether all started are ready.
        """
        assert self.outbox is not None
        ready = bool(self.connectors)
        for name, connector in self.connectors.items():
            needed = connector.serves(self.outbox.outputs.values())
            if only_for_outputs and not needed:
                ready = False
                continue
            connector.launch()
            if not needed:
                ready = ready and connector.is_ready()
            elif not await connector.wait_ready(ready_timeout):
                ready = False
                if connector.failure is None:  # a failure has been logged by the client
                    log.warning("the %s client is not connected after %.0fs; digests for it "
                                "stay in the outbox and are retried", name, ready_timeout)
        return ready

    def _session(self) -> aiohttp.ClientSession:
        if self.session is None:
            self.session = aiohttp.ClientSession()
        return self.session

    async def close(self) -> None:
        for connector in self.connectors.values():
            await connector.shutdown()  # first: their commands read the database
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.outbox:
            await self.outbox.close()
        if self.fetcher:
            await self.fetcher.close()
        if self.session:
            await self.session.close()
        for db in self._topic_dbs.values():
            db.close()
        if self.db:
            self.db.close()
        self.lock.release()

    # -- work ------------------------------------------------------------------------------
    def load_baseline(self) -> tuple[int, list[str]]:
        assert self.engine is not None
        report = self.engine.load_seeds(self.watchlist.seeds_dir)
        loaded = report.loaded
        for entry in self.watchlist.topics[1:]:
            engine = self.engines.get(entry.id)
            if engine is None:
                continue
            more = engine.load_seeds(self.watchlist.topic_seeds_dir(entry))
            loaded += more.loaded
            if more.notes:
                self._seed_notes.setdefault(entry.id, []).extend(more.notes)
        return loaded, report.notes

    async def poll(self, feed: Feed, *, respect_backoff: bool = True) -> PollResult:
        assert self.db and self.engine and self.fetcher
        if feed.name in self._running:
            return PollResult(feed.name, ok=True, skipped=True)
        self._running.add(feed.name)
        try:
            others = [e for e in self.engines.values() if e is not self.engine]
            return await poll_feed(feed, watchlist=self.watchlist, db=self.db, engine=self.engine,
                                   fetcher=self.fetcher, respect_backoff=respect_backoff,
                                   others=others)
        finally:
            self._running.discard(feed.name)

    def decide(self, polls: list[PollResult], seed_notes: list[str] | None = None) -> list[str]:
        assert self.engine is not None and self.db is not None
        others = [(t, e) for t, e in self.engines.items() if e is not self.engine]
        before = [len(self.db.digests())] + [len(e.db.digests()) for _, e in others]
        stories = [s for p in polls for s in p.new_stories]
        self.engine.update_status(seed_notes=seed_notes, new_stories=stories)
        for topic_id, engine in others:
            engine.update_status(seed_notes=self._seed_notes.pop(topic_id, None))
        dbs = [self.db] + [e.db for _, e in others]
        return [d.kind for db, n in zip(dbs, before, strict=True) for d in db.digests()[n:]]

    async def cycle(self, feeds: list[Feed] | None = None, *,
                    respect_backoff: bool = False) -> CycleReport:
        """Seeds (first time), the given feeds (default: all) at once, status, delivery."""
        assert self.outbox is not None
        report = CycleReport()
        report.seeds_loaded, notes = self.load_baseline()
        targets = self.watchlist.feeds if feeds is None else feeds
        report.polls = await self._poll_all(targets, respect_backoff)
        report.digests = self.decide(report.polls, notes)
        report.delivery = await self.deliver()
        self.last_cycle_at = now_iso()
        log.info("%s", report.summary())
        return report

    async def _poll_all(self, targets: list[Feed], respect_backoff: bool) -> list[PollResult]:
        """Every feed at once; with ``progress``, a bar on stderr as they finish."""
        tasks = [asyncio.ensure_future(self.poll(f, respect_backoff=respect_backoff))
                 for f in targets]
        if self.progress and len(tasks) > 1:
            from tqdm import tqdm

            with tqdm(total=len(tasks), desc="polling feeds", unit="feed", leave=False) as bar:
                for finished in asyncio.as_completed(tasks):
                    await finished
                    bar.update(1)
        return list(await asyncio.gather(*tasks))

    async def run_once(self, *, retry_window: float = 30.0) -> CycleReport:
        assert self.outbox is not None
        report = await self.cycle()
        # a short wait for rate-limited deliveries, so --once still delivers what it can
        waited = 0.0
        while (report.delivery and report.delivery.soonest_retry is not None
               and waited + report.delivery.soonest_retry <= retry_window):
            pause = report.delivery.soonest_retry + 0.05
            await asyncio.sleep(pause)
            waited += pause
            earlier = report.delivery
            report.delivery = await self.deliver()
            report.delivery.delivered += earlier.delivered  # the summary counts every pass
            report.delivery.failed += earlier.failed
        if waited:
            log.info("after %.1fs of retries: %s", waited, report.summary())
        return report

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler

        assert self.outbox is not None
        stop = stop or asyncio.Event()
        await self.start_connectors()  # same loop as the scheduler; closed in close()
        await self.cycle()
        scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler = scheduler
        self._schedule_feeds(scheduler)
        self._schedule_daily(scheduler)
        # self.deliver, not self.outbox.deliver_due: a reload replaces the outbox
        scheduler.add_job(self.deliver, "interval", seconds=5, id="outbox",
                          max_instances=1, coalesce=True)
        scheduler.start()
        log.info("watching %d feed(s); digests go to %s", len(self.watchlist.feeds),
                 ", ".join(o.key for o in self.watchlist.outputs))
        reloader = None
        if self.watchlist.path is not None:
            from bot.core.reload import Reloader

            reloader = Reloader(self, interval=self.reload_interval)
            await reloader.start()
        try:
            await stop.wait()
        finally:
            if reloader is not None:
                await reloader.stop()
            scheduler.shutdown(wait=False)

    def _schedule_feeds(self, scheduler: Any) -> None:
        for feed in self.watchlist.feeds:
            self._schedule_feed(scheduler, feed, first_in=self.watchlist.feed_interval(feed))

    def _schedule_feed(self, scheduler: Any, feed: Feed, *, first_in: float,
                       spread_first: bool = True) -> None:
        """Poll ``feed`` every interval (plus jitter), first in ``first_in`` seconds (plus
        jitter, unless ``spread_first`` is False: a feed just added is polled at once)."""
        jitter = int(self.watchlist.poll.jitter)
        scheduler.add_job(
            self._poll_job, "interval", args=[feed.name],
            seconds=self.watchlist.feed_interval(feed), jitter=jitter or None,
            id=f"feed:{feed.name}", replace_existing=True, max_instances=1, coalesce=True,
            next_run_time=_after(first_in, jitter if spread_first else 0),
        )

    def _schedule_daily(self, scheduler: Any) -> None:
        """The optional daily digest at ``digest.daily`` in ``digest.timezone``."""
        if scheduler.get_job("daily"):
            scheduler.remove_job("daily")
        daily = self.watchlist.digest.daily
        if not daily:
            return
        hour, minute = (int(x) for x in daily.split(":"))
        scheduler.add_job(self.post_daily, "cron", hour=hour, minute=minute,
                          timezone=self.watchlist.digest.tzinfo, id="daily",
                          max_instances=1, coalesce=True, misfire_grace_time=3600)

    async def post_daily(self) -> None:
        assert self.db is not None and self.outbox is not None
        now = datetime.now(self.watchlist.digest.tzinfo)
        day = now.date().isoformat()
        cutoff = (utc_now() - timedelta(hours=24)).isoformat()
        for engine in self.engines.values():
            self._queue_daily(engine, day, cutoff)
        await self.deliver()

    def _queue_daily(self, engine: Engine, day: str, cutoff: str) -> None:
        from bot.delivery.digests import daily_digest

        db = engine.db
        stories = [
            {"title": a.title, "url": a.url, "source": a.source, "published": a.published}
            for a in db.articles(relevant_only=True, limit=200, newest_first=True)
            if a.duplicate_of is None and a.published and a.published >= cutoff[: len(a.published)]
        ]
        current: dict[str, Any] = dict(db.current_status() or {})
        digest = daily_digest(engine.topic.name, current.get("status"),
                              current.get("party"), current.get("since"), stories, day,
                              engine.topic.party_labels())
        engine.tag(digest)
        db.enqueue_digest(digest, [o.key for o in self.watchlist.outputs],
                          once_key=f"daily:{day}")

    def reconfigure(self, watchlist: Watchlist) -> None:
        """Apply a new, valid watchlist while running (hot reload).

        New feeds are polled within seconds; feeds whose URL or interval changed are
        rescheduled; untouched feeds keep their timing; removed feeds stop.
        """
        old = self.watchlist
        self._configure(watchlist)
        scheduler = self.scheduler
        if scheduler is None:
            return
        self._schedule_daily(scheduler)
        jobs = {job.id: job for job in scheduler.get_jobs()}
        wanted = {f"feed:{f.name}" for f in watchlist.feeds}
        for job_id, job in jobs.items():
            if job_id.startswith("feed:") and job_id not in wanted:
                job.remove()
        for feed in watchlist.feeds:
            before = old.feed(feed.name)
            unchanged = (before is not None and before.url == feed.url
                         and old.feed_interval(before) == watchlist.feed_interval(feed))
            if f"feed:{feed.name}" in jobs and unchanged:
                continue
            self._schedule_feed(scheduler, feed, first_in=1.0, spread_first=False)

    async def _poll_job(self, name: str) -> None:
        """One feed's scheduled poll: a cycle of one feed (seeds are loaded by then)."""
        feed = self.watchlist.feed(name)
        if feed is None:
            return
        report = CycleReport()
        report.polls = [await self.poll(feed)]
        if not report.polls[0].skipped:
            report.digests = self.decide(report.polls)
            report.delivery = await self.deliver()
            log.info("%s: %s", name, report.summary())
        self.last_cycle_at = now_iso()


def _after(seconds: float, jitter: int) -> datetime:
    """First scheduled poll: one interval after the start-up cycle, spread by the jitter."""
    return utc_now() + timedelta(seconds=seconds + random.uniform(0, jitter))
