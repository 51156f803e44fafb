"""The ``discord`` output: each digest posted to one channel as the bot (not a webhook).

Registered with :mod:`bot.delivery.registry` on import; it posts through the
:class:`~bot.interfaces.discord.client.TreatyBot` that the command line plugs into the App
(``context.connectors["discord"]``). Without ``DISCORD_TOKEN`` there is none: the output is
unavailable and its digests wait in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord

from bot.delivery.base import mark
from bot.delivery.formats import render_discord
from bot.delivery.registry import OutputContext, OutputUnavailable, register_output
from bot.errors import DeliveryError, OutputDisabled, PermanentDeliveryError
from bot.interfaces.discord.client import TreatyBot
from bot.interfaces.discord.formatting import NO_MENTIONS, short_error
from bot.interfaces.discord.settings import ENV_TOKEN, OUTPUT_TYPE
from bot.models import Digest

log = logging.getLogger(__name__)

#: how long the output waits for the client before giving the digest back to the outbox.
SEND_READY_WAIT = 10.0
#: the whole of one post (discord.py retries 5xx itself and sleeps on short rate limits).
SEND_TIMEOUT = 90.0

# Gateway close codes after which discord.py does not reconnect (the client stops).
FATAL_CLOSE_CODES = {
    4004: f"authentication failed: check {ENV_TOKEN}",
    4010: "invalid shard",
    4011: "sharding required",
    4012: "invalid API version",
    4013: "invalid intents",
    4014: "disallowed intents: enable them in the Developer Portal",
}
_DISABLED_STATUSES = frozenset({401, 403, 404})
_RETRYABLE_4XX = frozenset({408, 425})


def _header_seconds(exc: discord.HTTPException) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}  # a response of aiohttp or a stand-in
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(float(value), 0.0)
        except (TypeError, ValueError):
            continue
    return None


def close_code(failure: BaseException | None) -> int | None:
    """The gateway close code that stopped the client, if that is what stopped it."""
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return 4014
    if isinstance(failure, discord.ConnectionClosed):
        return failure.code
    return None


def delivery_error(exc: BaseException, where: str) -> DeliveryError:
    """What an exception from discord.py means for the outbox (see bot.delivery.base)."""
    if isinstance(exc, discord.RateLimited):
        return mark(DeliveryError(f"{where}: rate limited by Discord",
                                  retry_after=exc.retry_after), retryable=True, http_status=429)
    if isinstance(exc, discord.HTTPException):
        return _http_error(exc, where)
    if isinstance(exc, (OSError, aiohttp.ClientError, asyncio.TimeoutError)):
        return mark(DeliveryError(f"{where}: could not reach Discord ({short_error(exc)})"),
                    retryable=True)
    return mark(DeliveryError(f"{where}: {short_error(exc)}"), retryable=True)


def _http_error(exc: discord.HTTPException, where: str) -> DeliveryError:
    status = exc.status
    detail = f"HTTP {status}" + (f" {short_error(exc.text)}" if exc.text else "")
    if exc.code:
        detail += f" (code {exc.code})"
    if status == 429:
        return mark(DeliveryError(f"{where}: rate limited by Discord",
                                  retry_after=_header_seconds(exc)), retryable=True,
                    http_status=status)
    if status >= 500 or status in _RETRYABLE_4XX:
        return mark(DeliveryError(f"{where}: Discord answered {detail}"), retryable=True,
                    http_status=status)
    if status in _DISABLED_STATUSES or isinstance(exc, (discord.Forbidden, discord.NotFound)):
        return mark(OutputDisabled(f"{where}: Discord answered {detail}{_disabled_hint(status)}"),
                    retryable=False, http_status=status)
    return mark(PermanentDeliveryError(f"{where}: Discord refused the message: {detail}"),
                retryable=False, http_status=status)


def _disabled_hint(status: int) -> str:
    if status == 403:
        return "; the bot needs View Channel, Send Messages and Embed Links there"
    if status == 404:
        return "; check the channel_id in the watchlist"
    return f"; check {ENV_TOKEN}"


class DiscordChannelOutput:
    """Posts each digest to one channel through the bot (``render_discord``: content + embed)."""

    type = OUTPUT_TYPE

    def __init__(self, bot: TreatyBot, channel_id: int, *, key: str = OUTPUT_TYPE,
                 ready_wait: float | None = None, timeout: float = SEND_TIMEOUT) -> None:
        self.bot = bot
        self.channel_id = int(channel_id)
        self.key = key
        self.ready_wait = SEND_READY_WAIT if ready_wait is None else ready_wait
        self.timeout = timeout
        self.where = f"Discord channel {self.channel_id}"

    async def send(self, digest: Digest) -> str | None:
        await self._ready()
        payload = render_discord(digest)
        channel = self._channel()
        try:
            message = await asyncio.wait_for(
                channel.send(
                    content=payload.get("content") or None,
                    embeds=[discord.Embed.from_dict(e) for e in payload.get("embeds", [])],
                    allowed_mentions=NO_MENTIONS,
                ),
                timeout=self.timeout,
            )
        except (discord.DiscordException, OSError, aiohttp.ClientError,
                asyncio.TimeoutError) as exc:
            raise delivery_error(exc, self.where) from None
        log.info("posted digest %s (%s) to %s as message %s", digest.id, digest.kind,
                 self.where, message.id)
        return str(message.id)

    async def _ready(self) -> None:
        failure = self.bot.failure
        if isinstance(failure, discord.LoginFailure):
            raise mark(OutputDisabled(f"{self.where}: Discord refused the token in {ENV_TOKEN}"),
                       retryable=False, http_status=401)
        code = close_code(failure)
        if code in FATAL_CLOSE_CODES:
            # the client has stopped for good: waiting for it would hold the digests forever
            raise mark(OutputDisabled(f"{self.where}: the Discord gateway closed the connection "
                                      f"({code}: {FATAL_CLOSE_CODES[code]})"),
                       retryable=False)
        if not await self.bot.wait_ready(self.ready_wait):
            raise mark(DeliveryError("discord client not connected"), retryable=True)

    def _channel(self) -> Any:
        channel = self.bot.get_channel(self.channel_id)
        if channel is None:
            return self.bot.get_partial_messageable(self.channel_id)
        if not hasattr(channel, "send"):
            raise mark(OutputDisabled(f"{self.where} is not a channel the bot can post in"),
                       retryable=False)
        return channel

    async def close(self) -> None:
        return None  # the client belongs to the App

    def __repr__(self) -> str:
        return f"DiscordChannelOutput(key={self.key!r}, channel_id={self.channel_id})"


@register_output(OUTPUT_TYPE)
def discord_channel_output(spec: Any, context: OutputContext) -> DiscordChannelOutput:
    """The output of a watchlist entry ``{type: discord, channel_id: ...}``."""
    client = context.connectors.get(OUTPUT_TYPE)
    if not isinstance(client, TreatyBot):
        raise OutputUnavailable(f"set {ENV_TOKEN} to use the discord output; "
                                "digests for it are kept in the outbox")
    log.info("output %s posts to Discord channel %s", spec.key, spec.channel_id)
    return DiscordChannelOutput(client, spec.channel_id, key=spec.key)
