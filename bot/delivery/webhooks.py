"""Discord and Slack incoming webhooks.

Answer mapping (both services):

    2xx                          delivered; Discord (``?wait=true``) answers the message id
    429                          DeliveryError("... rate limited ...", retry_after=seconds)
    5xx, 408, 425, timeout,      DeliveryError, retryable
      connection error
    401, 403, 404 (Slack: 410,   OutputDisabled: the webhook is gone or refuses us
      and "no_service",
      "channel_is_archived", ...)
    other 4xx, 3xx               PermanentDeliveryError: this payload will never be accepted

The webhook URL is a secret: it appears in logs and error messages only as ``mask_url()``,
and error chains are cut (``from None``) so no library exception can repeat it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from yarl import URL

from bot._version import __version__
from bot.delivery.base import mark
from bot.delivery.formats import render_discord, render_slack
from bot.delivery.registry import OutputContext, register_output
from bot.errors import DeliveryError, OutputDisabled, PermanentDeliveryError
from bot.models import Digest
from bot.redact import mask_url

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 15.0
USER_AGENT = f"treatybot/{__version__} (+aiohttp)"
_BODY_READ_MAX = 64 * 1024
_DETAIL_MAX = 200

# Slack's plain-text error answers that mean the webhook will never work again.
SLACK_DISABLED_ERRORS = frozenset(
    {
        "invalid_token",
        "no_service",
        "no_service_id",
        "no_team",
        "team_disabled",
        "no_active_hooks",
        "channel_not_found",
        "channel_is_archived",
        "action_prohibited",
        "posting_to_general_channel_denied",
        "user_not_found",
    }
)
_DISABLED_STATUSES = frozenset({401, 403, 404})
_RETRYABLE_4XX = frozenset({408, 425})


def _parse_seconds(value: Any) -> float | None:
    """Seconds from a Retry-After style value: a number, or an HTTP date."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return max(float(value), 0.0)
    text = str(value).strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def retry_after_seconds(headers: Any, data: Any) -> float | None:
    """The longest wait the answer asks for: ``Retry-After`` or ``X-RateLimit-Reset-After``
    headers, or a JSON ``retry_after`` (Discord gives seconds, as a float)."""
    candidates = [
        _parse_seconds(headers.get("Retry-After")),
        _parse_seconds(headers.get("X-RateLimit-Reset-After")),
    ]
    if isinstance(data, dict):
        candidates.append(_parse_seconds(data.get("retry_after")))
    found = [c for c in candidates if c is not None]
    return max(found) if found else None


def _looks_secret(segment: str) -> bool:
    """A URL path segment that may be a token or an id (not "api", "webhooks", ...)."""
    if len(segment) >= 20:
        return True
    return len(segment) >= 6 and any(c.isdigit() or c.isupper() for c in segment)


class WebhookOutput:
    """What Discord and Slack webhooks share: one POST of a JSON payload per digest."""

    type = "webhook"
    service = "webhook"

    def __init__(
        self,
        url: str,
        session: aiohttp.ClientSession | None = None,
        *,
        key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        parts = urlsplit(url or "")
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"not a usable {self.service} webhook URL: {mask_url(url)}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.key = key or self.type
        self.timeout = float(timeout)
        self._url = url
        self._session = session
        self._owns_session = session is None
        # Pieces of the URL that must never show up in a message (token, ids, query).
        secrets = {url, url.split("?", 1)[0], parts.path, parts.query}
        secrets.update(seg for seg in parts.path.split("/") if _looks_secret(seg))
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    # -- to be provided by subclasses ------------------------------------------------------

    def payload(self, digest: Digest) -> dict[str, Any]:
        raise NotImplementedError

    def target(self) -> str | URL:
        return self._url

    def interpret_success(self, status: int, body: str) -> str | None:
        return None

    def is_disabled(self, status: int, body: str, data: Any) -> bool:
        return status in _DISABLED_STATUSES

    # -- shared ----------------------------------------------------------------------------

    @property
    def masked_url(self) -> str:
        return mask_url(self._url)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "…")
        return text

    def _detail(self, body: str, data: Any) -> str:
        """A short, token-free description of what the far end said."""
        if isinstance(data, dict):
            parts = [str(data[k]) for k in ("message", "error", "code") if data.get(k) is not None]
            text = ", ".join(parts)
        else:
            text = body
        text = " ".join(self._scrub(text).split())
        if len(text) > _DETAIL_MAX:
            text = text[: _DETAIL_MAX - 1] + "…"
        return text

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            if not self._owns_session and self._session is not None:
                raise mark(
                    DeliveryError(f"the HTTP session for {self.key} is closed"), retryable=True
                )
            self._session = aiohttp.ClientSession()
            self._owns_session = True
        return self._session

    async def _post(self, payload: dict[str, Any]) -> tuple[int, Any, str]:
        session = await self._get_session()
        async with session.post(
            self.target(),
            json=payload,
            headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            allow_redirects=False,
        ) as response:
            raw = await response.content.read(_BODY_READ_MAX)
            return response.status, response.headers, raw.decode("utf-8", errors="replace")

    async def send(self, digest: Digest) -> str | None:
        payload = self.payload(digest)
        where = f"{self.service} webhook {self.masked_url}"
        started = time.monotonic()
        try:
            # The outer guard also covers time spent waiting for a pooled connection.
            status, headers, body = await asyncio.wait_for(
                self._post(payload), timeout=self.timeout + 5
            )
        except asyncio.TimeoutError:
            log.debug("%s: no answer within %.3g s", self.key, self.timeout)
            raise mark(
                DeliveryError(f"{where} gave no answer within {self.timeout:g} s; will retry"),
                retryable=True,
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            detail = self._scrub(str(exc))[:_DETAIL_MAX]
            log.debug("%s: connection failed: %s: %s", self.key, type(exc).__name__, detail)
            raise mark(
                DeliveryError(
                    f"could not reach {where} ({type(exc).__name__}: {detail}); will retry"
                ),
                retryable=True,
            ) from None
        elapsed = time.monotonic() - started
        return self._interpret(status, headers, body, digest, where, elapsed)

    def _interpret(
        self, status: int, headers: Any, body: str, digest: Digest, where: str, elapsed: float
    ) -> str | None:
        try:
            data: Any = json.loads(body) if body.strip()[:1] in ("{", "[") else None
        except ValueError:
            data = None

        if 200 <= status < 300:
            message_id = self.interpret_success(status, body)
            log.info(
                "delivered digest %s (%s) to %s [%s] in %.2f s%s",
                digest.id,
                digest.kind,
                self.key,
                self.masked_url,
                elapsed,
                f", message id {message_id}" if message_id else "",
            )
            return message_id

        detail = self._detail(body, data)
        said = f": {detail}" if detail else ""
        log.debug("%s: %s answered HTTP %s%s", self.key, self.masked_url, status, said)

        if status == 429:
            wait = retry_after_seconds(headers, data)
            scope = " (global)" if isinstance(data, dict) and data.get("global") else ""
            when = f"; retry after {wait:g} s" if wait is not None else ""
            raise mark(
                DeliveryError(f"{where} rate limited{scope}{when}", retry_after=wait),
                retryable=True,
                http_status=status,
            )
        if self.is_disabled(status, body, data):
            raise mark(
                OutputDisabled(
                    f"{where} refused us for good (HTTP {status}{said}); "
                    "the webhook was probably deleted or its channel archived — "
                    "stopping this output"
                ),
                retryable=False,
                http_status=status,
            )
        if status >= 500 or status in _RETRYABLE_4XX:
            raise mark(
                DeliveryError(f"{where} had a server error (HTTP {status}{said}); will retry"),
                retryable=True,
                http_status=status,
            )
        raise mark(
            PermanentDeliveryError(
                f"{where} rejected the message (HTTP {status}{said}); sending it again "
                "will not help"
            ),
            retryable=False,
            http_status=status,
        )

    async def close(self) -> None:
        if self._owns_session and self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None if self._owns_session else self._session

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.key!r}, url={self.masked_url!r})"


_SNOWFLAKE = re.compile(r"^\d{1,25}$")


class DiscordWebhookOutput(WebhookOutput):
    """Posts ``render_discord(digest)`` to a Discord webhook with ``?wait=true`` so Discord
    answers the created message, whose id ``send`` returns."""

    type = "discord_webhook"
    service = "Discord"

    def payload(self, digest: Digest) -> dict[str, Any]:
        return render_discord(digest)

    def target(self) -> URL:
        # Keeps the other query parameters (thread_id, ...).
        return URL(self._url).update_query(wait="true")

    def interpret_success(self, status: int, body: str) -> str | None:
        if status == 204 or not body.strip():
            return None
        try:
            data = json.loads(body)
        except ValueError:
            log.warning("%s: delivered, but the answer was not JSON", self.key)
            return None
        message_id = str(data.get("id", "")) if isinstance(data, dict) else ""
        return message_id if _SNOWFLAKE.match(message_id) else None


class SlackWebhookOutput(WebhookOutput):
    """Posts ``render_slack(digest)`` to a Slack incoming webhook (Slack answers "ok",
    no message id)."""

    type = "slack_webhook"
    service = "Slack"

    def payload(self, digest: Digest) -> dict[str, Any]:
        return render_slack(digest)

    def is_disabled(self, status: int, body: str, data: Any) -> bool:
        if status in _DISABLED_STATUSES or status == 410:
            return True
        return status >= 400 and body.strip() in SLACK_DISABLED_ERRORS


@register_output("discord_webhook")
def _discord_webhook(spec: Any, context: OutputContext) -> DiscordWebhookOutput:
    log.info("output %s posts to %s", spec.key, mask_url(spec.url))
    return DiscordWebhookOutput(spec.url, context.session(), key=spec.key)


@register_output("slack_webhook")
def _slack_webhook(spec: Any, context: OutputContext) -> SlackWebhookOutput:
    log.info("output %s posts to %s", spec.key, mask_url(spec.url))
    return SlackWebhookOutput(spec.url, context.session(), key=spec.key)
