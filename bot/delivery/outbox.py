"""Deliver queued digests to every output: retries, rate limits, disabled outputs.

A digest is stored (with one pending delivery per output) before anything is sent, and each
delivery is marked done right after its output acknowledged it. So a crash loses nothing: the
pending rows are sent after restart. The one window for a duplicate is between an output's
acknowledgement and the commit of ``mark_delivered`` (a few milliseconds of local SQLite work);
a crash exactly there sends that digest once more to that output.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import iso, utc_now
from bot.delivery.base import Output, is_retryable
from bot.delivery.digests import notice_digest
from bot.errors import DeliveryError, OutputDisabled
from bot.models import DigestKind
from bot.store import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # after this many, a failing delivery is retried hourly (and said so once)
BASE_RETRY = 5.0
MAX_RETRY = 3600.0


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    unavailable: dict[str, str] = field(default_factory=dict)  # output -> why
    soonest_retry: float | None = None  # seconds until the next retry is due


class Outbox:
    def __init__(self, db: Database, outputs: dict[str, Output],
                 unavailable: dict[str, str] | None = None, *,
                 lock: asyncio.Lock | None = None) -> None:
        self.db = db
        self.outputs = outputs
        self.unavailable = dict(unavailable or {})  # configured but cannot run (no token, ...)
        # one delivery at a time over the same database: an outbox replaced by a hot reload
        # shares its lock with the new one, or both would send the same pending rows
        self._lock = lock or asyncio.Lock()
        self._queued_notice = False

    async def deliver_due(self) -> DeliveryReport:
        """Send every delivery that is due now, oldest digest first. Never raises for an output."""
        async with self._lock:
            report = DeliveryReport(unavailable=dict(self.unavailable))
            for _ in range(3):  # a pass may queue a notice (output disabled): send it too
                self._queued_notice = False
                await self._deliver_due(report)
                if not self._queued_notice:
                    break
            return report

    async def _deliver_due(self, report: DeliveryReport) -> None:
        disabled = self.db.disabled_outputs()
        blocked: set[str] = set()  # an output that failed this pass keeps its order: stop it
        for digest_id, key, attempts in self.db.pending_deliveries():
            if key in blocked:
                continue
            output = self.outputs.get(key)
            if key in disabled:
                continue  # kept: sent once it is enabled again (a fixed watchlist, a restart)
            if output is None:
                continue  # not available in this process (no token, unknown type): stays pending
            digest = self.db.digest(digest_id)
            try:
                remote_id = await output.send(digest)
            except OutputDisabled as exc:
                self._disable(key, str(exc))
                blocked.add(key)
                report.failed += 1
                continue
            except DeliveryError as exc:
                blocked.add(key)
                if not is_retryable(exc):  # the far end refuses this message: it never will
                    log.error("digest %d to %s failed for good: %s", digest_id, key, exc)
                    self.db.mark_failed(digest_id, key, str(exc))
                    report.failed += 1
                    continue
                if attempts + 1 == MAX_ATTEMPTS:
                    log.error("digest %d to %s still failing after %d attempts (%s); kept and "
                              "retried every %.0f minutes", digest_id, key, attempts + 1, exc,
                              MAX_RETRY / 60)
                wait = exc.retry_after if exc.retry_after is not None else min(
                    MAX_RETRY, BASE_RETRY * (2 ** min(attempts, 30))
                )
                due = utc_now() + timedelta(seconds=wait)
                log.warning("digest %d to %s: %s; retrying in %.1fs", digest_id, key, exc, wait)
                self.db.mark_retry(digest_id, key, str(exc), iso(due))
                report.retrying += 1
                report.soonest_retry = min(wait, report.soonest_retry or wait)
                continue
            except Exception as exc:  # noqa: BLE001 - an output's bug must not stop the others
                log.exception("output %s crashed on digest %d", key, digest_id)
                blocked.add(key)
                self.db.mark_retry(digest_id, key, f"unexpected error: {exc}",
                                   iso(utc_now() + timedelta(seconds=60)))
                report.retrying += 1
                continue
            self.db.mark_delivered(digest_id, key, remote_id)
            report.delivered += 1

    def _disable(self, key: str, reason: str) -> None:
        log.error("output %s disabled: %s", key, reason)
        self.db.disable_output(key, reason)
        others = [k for k in self.outputs if k != key and k not in self.db.disabled_outputs()]
        if others:
            notice = notice_digest(
                DigestKind.OUTPUT_DISABLED,
                f"Output disabled: {key}",
                f"The output {key} refused our messages ({reason}) and has been disabled. "
                "Fix its URL or token in watchlist.yaml; it is enabled again when the watchlist "
                "changes or with a restart.",
                facts={"output": key, "reason": reason},
            )
            self.db.enqueue_digest(notice, others)
            self._queued_notice = True

    async def close(self) -> None:
        for output in self.outputs.values():
            try:
                await output.close()
            except Exception:  # noqa: BLE001
                log.exception("closing output %s", output.key)
