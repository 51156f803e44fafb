"""Time spent per pipeline stage, measured by wrapping the stage functions for one run.

Nothing in ``bot`` knows about this: the wrappers are put in place by ``Stages`` for the
duration of a ``with`` block and the originals are put back afterwards, so the bot's hot path
carries no timing code outside the benchmark.

Each wrapper adds the CPU time of its thread during the call to its stage (inclusive). CPU
time, not wall time: the poller parses feeds in a worker thread, and a stage's wall time would
include the moments the other thread held the GIL. (Time spent waiting on the disk is not CPU
time either; it shows in the rest.) ``exclusive()`` turns these into
non-overlapping stage times: a nested stage's time is taken out of its parent's, and what the
wrapped stages do not explain (HTTP on the client side, the event loop, the poller's own code)
is reported as the rest of the wall time.
"""

from __future__ import annotations

import functools
import inspect
import time
from collections import defaultdict
from typing import Any

import feedparser

from bot.analysis.classify import SentenceClassifier
from bot.analysis.relevance import TopicMatcher
from bot.core import engine as pipeline
from bot.core import poller
from bot.delivery.outbox import Outbox
from bot.store import Database

# (label, owner, attribute, parent label or None); the order is the table's order.
STAGES: list[tuple[str, Any, str, str | None]] = [
    ("parse: feedparser", feedparser, "parse", "parse"),
    ("parse", poller, "parse_feed", None),
    ("seen check", Database, "is_seen", None),
    ("relevance", TopicMatcher, "article_relevance", "analyze"),
    ("fingerprint", pipeline, "fingerprint", "analyze"),
    ("classify", SentenceClassifier, "classify", "analyze"),
    ("analyze", pipeline.Analyzer, "analyze", None),
    ("dedup search", pipeline.Engine, "_find_original", None),
    ("store", Database, "add_article", None),
    ("feed state", Database, "update_feed", None),
    ("feed state", Database, "feed_state", None),
    ("decide", pipeline.Engine, "update_status", None),
    ("deliver", Outbox, "deliver_due", None),
]

# How each stage is shown: what is left of a parent once its children are taken out.
LABELS = {
    "parse: feedparser": "parse: feedparser.parse",
    "parse": "parse: html to text, items",
    "seen check": "seen check",
    "relevance": "relevance",
    "fingerprint": "dedup fingerprint",
    "classify": "classify",
    "analyze": "analyze: other (sentences)",
    "dedup search": "dedup search",
    "store": "store (SQLite writes)",
    "feed state": "feed state (SQLite)",
    "decide": "decide status",
    "deliver": "deliver digests",
}
REST = "fetch, event loop, waits, rest"


class Stages:
    def __init__(self) -> None:
        self.inclusive: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._saved: list[tuple[Any, str, Any]] = []

    def _wrap(self, label: str, original: Any) -> Any:
        inclusive, calls = self.inclusive, self.calls
        clock = time.thread_time
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                started = clock()
                try:
                    return await original(*args, **kwargs)
                finally:
                    inclusive[label] += clock() - started
                    calls[label] += 1

            return timed_async

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return original(*args, **kwargs)
            finally:
                inclusive[label] += clock() - started
                calls[label] += 1

        return timed

    def __enter__(self) -> Stages:
        for label, owner, name, _ in STAGES:
            original = getattr(owner, name, None)
            if original is None:
                continue  # a stage this version of the bot does not have
            if isinstance(owner, type):
                original = vars(owner).get(name, original)  # the function, not a bound method
            self._saved.append((owner, name, original))
            setattr(owner, name, self._wrap(label, original))
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self._saved):
            setattr(owner, name, original)
        self._saved.clear()

    def exclusive(self, wall: float) -> dict[str, float]:
        """Seconds per shown stage, non-overlapping, adding up to ``wall``."""
        own = dict(self.inclusive)
        for label, _, _, parent in STAGES:
            if parent is not None and label in own and parent in own:
                own[parent] -= own[label]
        shown = {LABELS[label]: max(0.0, own.get(label, 0.0)) for label in LABELS}
        shown[REST] = max(0.0, wall - sum(shown.values()))
        return shown
