"""Delivery of one digest to one output.

Every output has a unique ``key`` (e.g. "console", "discord_webhook#1"), a ``type`` (the
watchlist's output type) and two coroutines: ``send(digest)`` returns the remote message id
if there is one, ``close()`` releases what the output owns.

Failures are raised as errors from bot.errors:

    DeliveryError            could not deliver now; ``retry_after`` (seconds) when the far
                             end said how long to wait. Retryable.
    └── PermanentDeliveryError   the far end rejected this message (e.g. HTTP 400): sending
                             the same payload again will fail again. Not retryable.
    └── OutputDisabled       the far end refused us for good (401/403/404, Slack 410 ...):
                             stop using this output. Not retryable.

Every error raised here also carries ``retryable: bool`` and ``http_status: int | None``;
``is_retryable(exc)`` reads them for any exception.

Webhook URLs carry a secret token: log and report them only through ``mask_url()``.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from bot.errors import DeliveryError, OutputDisabled, PermanentDeliveryError
from bot.models import Digest

log = logging.getLogger(__name__)


@runtime_checkable
class Output(Protocol):
    """One place digests go."""

    key: str  # unique name of this output, e.g. "console", "discord_webhook#1"
    type: str  # "console", "jsonl", "discord_webhook", "slack_webhook"

    async def send(self, digest: Digest) -> str | None:
        """Deliver one digest; return the remote message id if the far end gave one."""
        ...

    async def close(self) -> None:
        """Release what this output owns (files, HTTP sessions it created)."""
        ...


def mark(error: DeliveryError, *, retryable: bool, http_status: int | None = None) -> DeliveryError:
    """Attach ``retryable`` and ``http_status`` to an error instance and return it."""
    error.retryable = retryable
    error.http_status = http_status
    return error


def is_retryable(error: BaseException) -> bool:
    """Whether sending the same digest again later may succeed."""
    if isinstance(error, (OutputDisabled, PermanentDeliveryError)):
        return False
    if isinstance(error, DeliveryError) and error.retryable is not None:
        return error.retryable
    return isinstance(error, DeliveryError)


__all__ = [
    "Output",
    "is_retryable",
    "mark",
]
