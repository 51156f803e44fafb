"""The Discord format: a webhook payload of a short content line and one embed, pinging nobody.

Feed text is made inert for Discord markdown and mentions (see :mod:`.common`), and every
embed limit is enforced by cutting rather than by rejecting the digest.
"""

from __future__ import annotations

import re
from typing import Any

from bot.delivery.formats.common import (
    COLOURS,
    ERROR_KINDS,
    MENTION_AT,
    ZWSP,
    chat_body,
    cut,
    evidence_head,
    footer_words,
    iso_timestamp,
    kind_label,
    one_line,
    plain_text,
    safe_url,
    shown_evidence,
    status_value,
    summary_line,
    u16_length,
)
from bot.models import Digest, DigestKind, Status

# Discord: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
DISCORD_LIMITS = {
    "content": 2000,
    "title": 256,
    "description": 4096,
    "fields": 25,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "author": 256,
    "total": 6000,
}
CONTENT_MAX = 300  # the Discord "content" is a short headline; well under 2000

_ANGLE_MENTION = re.compile("<(?=[!@#])")


def discord_escape(value: Any, *, single_line: bool = False) -> str:
    """Feed text made inert for Discord: no HTML, no markdown, no mentions."""
    text = plain_text(value)
    if single_line:
        text = one_line(text)
    from discord.utils import escape_markdown  # discord.py costs 0.4 s to import: on use

    text = escape_markdown(text, ignore_links=True)
    # escape_mentions() only covers 17-20 digit ids; a zero-width space after every "@"
    # breaks @everyone, @here, <@123>, <@!456> and <@&789> alike, and one after "<" breaks
    # <#channel> links and Slack-style <!channel> too.
    text = MENTION_AT.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def _tidy(head: str) -> str:
    """After a cut: do not end on a lone escaping backslash."""
    return head.rstrip("\\")


def discord_cut(text: str, limit: int) -> str:
    """Escaped Discord text cut to ``limit`` characters (see :func:`.common.cut`)."""
    return cut(text, limit, _tidy)


def discord_embed_length(embed: dict[str, Any]) -> int:
    """The characters Discord counts against the 6000 limit of an embed."""
    total = u16_length(embed.get("title", "")) + u16_length(embed.get("description", ""))
    for field in embed.get("fields", []):
        total += u16_length(field.get("name", "")) + u16_length(field.get("value", ""))
    total += u16_length(embed.get("footer", {}).get("text", ""))
    total += u16_length(embed.get("author", {}).get("name", ""))
    return total


def _evidence_field(item: dict[str, Any]) -> dict[str, Any]:
    limit = DISCORD_LIMITS["field_value"]
    name = discord_cut(discord_escape(evidence_head(item), single_line=True), 256)
    link = ""
    url = safe_url(item.get("url"), limit=600)
    if url:
        label = (
            discord_escape(item.get("title"), single_line=True)
            .replace("[", "(")
            .replace("]", ")")
        )
        label = discord_cut(label, 200) or "Read the article"
        link = f"[{label}]({url})"
    quote_text = discord_escape(item.get("quote"), single_line=True)
    room = limit - (len(link) + 1 if link else 0) - 2  # 2 for the quotation marks
    value = f"“{discord_cut(quote_text, room)}”" if quote_text else ""
    value = "\n".join(p for p in (value, link) if p) or "(no quotation)"
    return {"name": name or "Source", "value": discord_cut(value, limit), "inline": False}


def _enforce_embed_limits(embed: dict[str, Any]) -> dict[str, Any]:
    """Last line of defence: cut the embed until every Discord limit holds."""
    lim = DISCORD_LIMITS
    if "title" in embed:
        embed["title"] = discord_cut(embed["title"], lim["title"])
    if "description" in embed:
        embed["description"] = discord_cut(embed["description"], lim["description"])
    if "footer" in embed:
        embed["footer"]["text"] = discord_cut(embed["footer"]["text"], lim["footer"])
    fields = embed.get("fields", [])[: lim["fields"]]
    for field in fields:
        field["name"] = discord_cut(field["name"], lim["field_name"]) or "…"
        field["value"] = discord_cut(field["value"], lim["field_value"]) or "…"
    embed["fields"] = fields
    # Over the total: shorten the description first, then drop fields, then the footer.
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and embed.get("description"):
        keep = max(u16_length(embed["description"]) - excess, 200)
        embed["description"] = discord_cut(embed["description"], keep)
    while discord_embed_length(embed) > lim["total"] and embed["fields"]:
        embed["fields"].pop()
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and "footer" in embed:
        embed["footer"]["text"] = discord_cut(
            embed["footer"]["text"], max(u16_length(embed["footer"]["text"]) - excess, 1)
        )
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and embed.get("description"):
        embed["description"] = discord_cut(
            embed["description"], max(u16_length(embed["description"]) - excess, 1)
        )
    if not embed["fields"]:
        del embed["fields"]
    return embed


def embed_colour(digest: Digest) -> int:
    """The embed's colour: red for a fault, green for a recovered feed, else the status's."""
    if digest.kind == DigestKind.FEED_HEALTH and (digest.facts or {}).get("recovered"):
        return COLOURS[Status.SIGNED.value]  # green: the feed works again
    if digest.kind in ERROR_KINDS:
        return COLOURS["error"]
    return COLOURS.get(status_value(digest.status) or "", COLOURS["neutral"])


def render_discord(digest: Digest) -> dict[str, Any]:
    """A Discord webhook payload: a short content line and one embed, pinging nobody."""
    lim = DISCORD_LIMITS
    title = discord_escape(digest.title, single_line=True) or kind_label(digest.kind)
    evidence = shown_evidence(digest)
    description = discord_escape(chat_body(digest, evidence_shown=len(evidence))).strip("\n")

    embed: dict[str, Any] = {
        "title": discord_cut(title, lim["title"]),
        "description": description,
        "color": embed_colour(digest),
        "fields": [_evidence_field(item) for item in evidence],
        "footer": {"text": discord_escape(footer_words(digest), single_line=True)},
    }
    timestamp = iso_timestamp(digest.created_at)
    if timestamp:
        embed["timestamp"] = timestamp
    if not embed["description"]:
        del embed["description"]
    embed = _enforce_embed_limits(embed)

    summary = summary_line(digest)
    content = discord_escape(summary, single_line=True) if summary else title
    content = discord_cut(content, min(CONTENT_MAX, lim["content"]))
    return {
        "content": content,
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }
