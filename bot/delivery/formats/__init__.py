"""Digests laid out per output: plain text, a JSON line, a Discord or Slack webhook payload,
and the status timeline as a picture.

    common     cleaning of untrusted text, cutting, the colours, the digest's words
    text       render_text (console)           jsonl      render_json
    discord    render_discord (webhook/bot)    slack      render_slack (and the escaping the
    timeline   render_timeline_png                        slash command shares)

Every renderer is pure: same digest in, same payload out, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.delivery.formats.common import COLOURS, ELLIPSIS, hex_colour, plain_text
from bot.delivery.formats.discord import DISCORD_LIMITS, discord_embed_length, render_discord
from bot.delivery.formats.jsonl import render_json
from bot.delivery.formats.slack import (
    SLACK_LIMITS,
    render_slack,
    slack_chunks,
    slack_cut,
    slack_escape,
)
from bot.delivery.formats.text import render_text
from bot.delivery.formats.timeline import render_timeline_png
from bot.models import Digest

RENDERERS: dict[str, Callable[[Digest], Any]] = {
    "console": render_text,
    "text": render_text,
    "jsonl": render_json,
    "json": render_json,
    "discord_webhook": render_discord,
    "discord": render_discord,
    "slack_webhook": render_slack,
    "slack": render_slack,
}


def render_for(kind: str, digest: Digest) -> Any:
    """Render ``digest`` for an output type ("console", "jsonl", "discord_webhook", ...).

    Output keys such as "discord_webhook#2" are accepted too.
    """
    name = kind.split("#", 1)[0].strip().lower()
    try:
        renderer = RENDERERS[name]
    except KeyError:
        raise ValueError(f"no renderer for output type {kind!r}") from None
    return renderer(digest)


__all__ = [
    "COLOURS",
    "DISCORD_LIMITS",
    "ELLIPSIS",
    "RENDERERS",
    "SLACK_LIMITS",
    "discord_embed_length",
    "hex_colour",
    "plain_text",
    "render_discord",
    "render_for",
    "render_json",
    "render_slack",
    "render_text",
    "render_timeline_png",
    "slack_chunks",
    "slack_cut",
    "slack_escape",
]
