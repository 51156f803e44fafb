"""The Slack format: an incoming-webhook payload of Block Kit blocks.

Slack mrkdwn has no escape character: ``&``, ``<`` and ``>`` become entities, formatting
characters become look-alikes, and every limit is enforced by cutting (see :mod:`.common`).
The slash command (``bot.interfaces.slack``) uses the same escaping and chunking.
"""

from __future__ import annotations

import re
from typing import Any

from bot.delivery.formats.common import (
    ELLIPSIS,
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
    summary_line,
    u16_length,
)
from bot.models import Digest

# Slack Block Kit: https://api.slack.com/reference/block-kit/blocks
SLACK_LIMITS = {
    "header": 150,
    "section": 3000,
    "blocks": 50,
    "context_elements": 10,
    "text": 3000,  # our own cap for the fallback "text"; Slack's is 40,000
}
TEXT_SECTIONS_MAX = 12  # 12 x 3000 characters is more than any digest should be

# Slack mrkdwn has no escape character; formatting characters become look-alikes.
_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
_QUOTE_START = re.compile(r"^(\s*)&gt;", re.MULTILINE)
_URL = re.compile(r"(https?://[^\s|]+)")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def slack_escape(value: Any, *, single_line: bool = False, mrkdwn: bool = True) -> str:
    """Feed text made inert for Slack: no HTML, control sequences escaped, no mentions."""
    text = plain_text(value)
    if single_line:
        text = one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = MENTION_AT.sub("@" + ZWSP, text)  # bare @channel / @here
    if mrkdwn:
        # Look-alikes everywhere but inside URLs, which must keep their "_" and "~".
        pieces = _URL.split(text)
        text = "".join(
            piece if index % 2 else piece.translate(_LOOKALIKES)
            for index, piece in enumerate(pieces)
        )
        text = _QUOTE_START.sub("\\1" + ZWSP + "&gt;", text)
    return text


def _tidy(head: str) -> str:
    """After a cut: do not end inside an "&amp;" style entity."""
    return _PARTIAL_ENTITY.sub("", head)


def slack_cut(text: str, limit: int) -> str:
    """Escaped Slack text cut to ``limit`` characters (see :func:`.common.cut`)."""
    return cut(text, limit, _tidy)


def slack_chunks(text: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most ``limit`` characters, split between paragraphs,
    then lines, then words."""
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if u16_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        while u16_length(paragraph) > limit:
            head = paragraph[:limit]
            while u16_length(head) > limit:
                head = head[: len(head) - (u16_length(head) - limit)]
            split_at = max(head.rfind("\n"), head.rfind(" "))
            if split_at < limit // 2:
                split_at = len(_tidy(head))
            if split_at <= 0:
                split_at = len(head)
            chunks.append(paragraph[:split_at].rstrip())
            paragraph = paragraph[split_at:].lstrip()
        current = paragraph
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": slack_cut(text, SLACK_LIMITS["section"])},
    }


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": slack_cut(text, SLACK_LIMITS["section"])}],
    }


def _evidence_section(item: dict[str, Any]) -> dict[str, Any]:
    head = f"*{slack_escape(evidence_head(item), single_line=True)}*"
    link = ""
    url = safe_url(item.get("url"))
    if url:
        url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
        label = slack_escape(item.get("title"), single_line=True).replace("|", "¦")
        label = slack_cut(label, 200) or "Read the article"
        link = f"<{url}|{label}>"
    quote_text = slack_escape(item.get("quote"), single_line=True)
    room = SLACK_LIMITS["section"] - len(head) - len(link) - 4
    body = f"“{slack_cut(quote_text, room)}”" if quote_text else ""
    return _section("\n".join(p for p in (head, body, link) if p))


def render_slack(digest: Digest) -> dict[str, Any]:
    """A Slack incoming-webhook payload with Block Kit blocks."""
    lim = SLACK_LIMITS
    title = one_line(plain_text(digest.title)) or kind_label(digest.kind)
    # plain_text: no mrkdwn and no mentions are parsed, but &, <, > are still escaped.
    header_text = slack_cut(slack_escape(title, single_line=True, mrkdwn=False), lim["header"])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header_text, "emoji": True}}
    ]

    summary = summary_line(digest)
    if summary:
        blocks.append(_context(slack_escape(summary, single_line=True)))

    evidence = shown_evidence(digest)
    body = chat_body(digest, evidence_shown=len(evidence))
    chunks = slack_chunks(slack_escape(body).strip("\n"), lim["section"])
    # header + summary + divider + evidence + footer must leave room for the text.
    room = lim["blocks"] - len(blocks) - (1 + len(evidence) if evidence else 0) - 1
    room = min(room, TEXT_SECTIONS_MAX)
    if len(chunks) > room:
        chunks = chunks[:room]
        chunks[-1] = slack_cut(chunks[-1] + "\n" + ELLIPSIS, lim["section"])
    blocks.extend(_section(chunk) for chunk in chunks)

    if evidence:
        blocks.append({"type": "divider"})
        blocks.extend(_evidence_section(item) for item in evidence)

    footer = slack_escape(footer_words(digest), single_line=True)
    timestamp = iso_timestamp(digest.created_at)
    if timestamp:
        footer += " · " + timestamp[:19].replace("T", " ") + " UTC"
    blocks.append(_context(footer))
    blocks = blocks[: lim["blocks"]]

    fallback = slack_escape(f"{title} — {summary}" if summary else title, single_line=True)
    return {"text": slack_cut(fallback, lim["text"]), "blocks": blocks}
