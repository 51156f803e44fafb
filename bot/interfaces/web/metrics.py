"""``GET /metrics``: the bot's state in the Prometheus text format, read at each scrape.

A dedicated registry (not the process-wide default) with one collector over the service:
the status, articles, per-feed health and polls, digests per output and state, the scheduler
and the last cycle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from bot.core.service import TreatyService
from bot.models import Status

if TYPE_CHECKING:
    from bot.store import Database

# The classic Prometheus text format: generate_latest() writes it, every Prometheus reads it.
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsService(TreatyService, Protocol):
    """A service that also opens its state database (as ``StoreService`` and ``AppService``
    do), for the counters :class:`TreatyService` does not list: each feed's polls and errors,
    and the outbox's deliveries."""

    @property
    def db(self) -> Database: ...


def _timestamp(iso: str | None) -> float | None:
    """An ISO time as Unix seconds (naive means UTC); None when absent or unreadable."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _feed_metrics(rows: Iterable[Mapping[str, Any]],
                  states: Mapping[str, Mapping[str, Any]]) -> Iterator[Metric]:
    """Per configured feed (``rows`` from ``service.feeds()``, ``states`` the stored counters
    by feed name)."""
    polls = CounterMetricFamily("treatybot_feed_polls", "Polls of each feed.", labels=["feed"])
    errors = CounterMetricFamily("treatybot_feed_errors", "Failed polls of each feed.",
                                 labels=["feed"])
    failures = GaugeMetricFamily("treatybot_feed_failures", "Failed polls in a row.",
                                 labels=["feed"])
    seen = GaugeMetricFamily("treatybot_feed_items_seen", "Feed items seen so far.",
                             labels=["feed"])
    up = GaugeMetricFamily("treatybot_feed_up", "1 if the feed's last poll succeeded.",
                           labels=["feed"])
    for row in rows:
        name = row["name"]
        state = states.get(name, {})
        polls.add_metric([name], int(state.get("polls") or 0))
        errors.add_metric([name], int(state.get("errors") or 0))
        failures.add_metric([name], row["failures"])
        seen.add_metric([name], row["items_seen"])
        up.add_metric([name], 1 if row["ok"] else 0)
    yield from (polls, errors, failures, seen, up)


def _delivery_metrics(deliveries: Iterable[Mapping[str, Any]]) -> Iterator[Metric]:
    """Digests delivered, failed and pending, per output."""
    by_state = Counter((d["output"], d["state"]) for d in deliveries)
    outputs = sorted({output for output, _ in by_state})
    families: dict[str, CounterMetricFamily | GaugeMetricFamily] = {
        "delivered": CounterMetricFamily("treatybot_digests_delivered",
                                         "Digests delivered, per output.", labels=["output"]),
        "failed": CounterMetricFamily("treatybot_digests_failed",
                                      "Digests given up on, per output.", labels=["output"]),
        "pending": GaugeMetricFamily("treatybot_digests_pending",
                                     "Digests waiting in the outbox, per output.",
                                     labels=["output"]),
    }
    for state, family in families.items():
        for output in outputs:
            family.add_metric([output], by_state[(output, state)])
    yield from families.values()


def _status_metrics(report: Mapping[str, Any]) -> Iterator[Metric]:
    """The current status (one gauge per status, 1 for the current one) and article counts,
    from ``service.status()``."""
    status = GaugeMetricFamily("treatybot_status", "1 for the treaty's current status.",
                               labels=["status"])
    for value in Status:
        status.add_metric([value.value], 1 if report["status"] == value.value else 0)
    yield status
    articles = GaugeMetricFamily("treatybot_articles", "Articles read.", labels=["kind"])
    articles.add_metric(["total"], report["articles"])
    articles.add_metric(["relevant"], report["relevant_articles"])
    articles.add_metric(["independent"], report["sources"])
    yield articles


class ServiceCollector:
    """A Prometheus collector that reads the service at each scrape."""

    def __init__(self, service: MetricsService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        service = self.service
        yield from _status_metrics(service.status())
        states = {f["name"]: f for f in service.db.feed_states()}
        yield from _feed_metrics(service.feeds(), states)
        yield from _delivery_metrics(service.db.deliveries())
        scheduler = GaugeMetricFamily("treatybot_scheduler_up", "1 if the scheduler is running.")
        scheduler.add_metric([], 1 if service.scheduler_alive() else 0)
        yield scheduler
        last = GaugeMetricFamily("treatybot_last_cycle_timestamp_seconds",
                                 "When the last cycle ran (Unix time).")
        moment = _timestamp(service.last_cycle())
        if moment is not None:
            last.add_metric([], moment)
        yield last


def metrics_registry(service: MetricsService) -> CollectorRegistry:
    """A registry of its own holding one :class:`ServiceCollector` over ``service``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServiceCollector(service))
    return registry
