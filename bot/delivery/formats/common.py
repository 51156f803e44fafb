"""What every chat format shares: cleaning untrusted text, cutting to a limit, the colours, and
the digest's words (labels, summary line, body, footer) before a format lays them out.

Feed text is untrusted. Before it reaches a chat message it is
  1. stripped of control characters and HTML (tags removed, entities decoded; the stripping is
     :func:`bot.ingest.html.strip_html_keep_lines`),
  2. escaped for the target's markup (Discord markdown / Slack mrkdwn), and
  3. neutralised for mentions (a zero-width space goes after every "@"; Discord payloads
     also carry ``allowed_mentions: {"parse": []}``; Slack's ``<!channel>`` forms are escaped).
Lengths are then cut to the target's limits with "…" rather than rejected.

Every function here is pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit

from bot.ingest.html import strip_html_keep_lines
from bot.models import Digest, DigestKind, Status

ELLIPSIS = "…"
ZWSP = "\u200b"
EVIDENCE_SHOWN_MAX = 3  # evidence items shown one by one (embed fields / Slack sections)

# The one colour table (0xRRGGBB): per status, and for the kinds that report a fault. Discord
# embeds use it as is; the timeline picture as "#rrggbb" (``hex_colour``).
COLOURS: dict[str, int] = {
    Status.DRAFTING.value: 0x607D8B,  # grey-blue
    Status.DELAYED.value: 0xF0A30A,  # amber
    Status.SIGNED.value: 0x2ECC71,  # green
    Status.RATIFIED.value: 0x1ABC9C,  # teal
    Status.IN_FORCE.value: 0x1F8B4C,  # dark green
    "error": 0xE74C3C,  # red: config_error, output_disabled, feed_health (failing)
    "neutral": 0x95A5A6,  # no status known
}
ERROR_KINDS = frozenset({DigestKind.CONFIG_ERROR, DigestKind.OUTPUT_DISABLED,
                         DigestKind.FEED_HEALTH})

KIND_LABELS: dict[DigestKind, str] = {
    DigestKind.BASELINE: "Baseline",
    DigestKind.STATUS_CHANGE: "Status change",
    DigestKind.STATUS_CORRECTED: "Date corrected",
    DigestKind.FEED_HEALTH: "Feed health",
    DigestKind.DAILY: "Daily digest",
    DigestKind.CONFIG_ERROR: "Configuration error",
    DigestKind.CONFIG_RELOADED: "Configuration reloaded",
    DigestKind.OUTPUT_DISABLED: "Output disabled",
}

# A bare "@" (not already followed by a zero-width space): mentions in both chats.
MENTION_AT = re.compile("@(?!\u200b)")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def hex_colour(key: str) -> str:
    """A colour of :data:`COLOURS` as ``#rrggbb``."""
    return f"#{COLOURS[key]:06x}"


# --------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------


def as_text(value: Any) -> str:
    """Any value as text without control characters (keeps newlines and tabs)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, Enum):
        text = str(value.value)
    else:
        text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def plain_text(value: Any) -> str:
    """Untrusted text of any value as plain text: control characters and HTML gone, line
    breaks kept."""
    return strip_html_keep_lines(as_text(value))


def one_line(text: str) -> str:
    return " ".join(text.split())


def u16_length(text: str) -> int:
    """Length as Discord and Slack count it (UTF-16 code units); never less than len()."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int, tidy: Callable[[str], str] | None = None) -> str:
    """Text cut to at most ``limit`` characters, ending in "…" when something was cut;
    ``tidy`` mends the end of a cut head (a format's half escape sequences)."""
    if limit <= 0:
        return ""
    if u16_length(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[:room]
    while u16_length(head) > room:
        head = head[: len(head) - (u16_length(head) - room)]
    # Prefer a word boundary if one is near the end.
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= room - 40 and space > 0:
        head = head[:space]
    if tidy is not None:
        head = tidy(head)
    return head.rstrip() + ELLIPSIS


def safe_url(value: Any, limit: int = 1000) -> str | None:
    """An http(s) URL fit to put inside a link, or None."""
    url = as_text(value).strip()
    if not url or len(url) > limit or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    # Characters that would end or break a link in Discord or Slack markup.
    return quote(url, safe="/:?#[]!$&'*+,;=%~-._")


def iso_timestamp(value: Any) -> str | None:
    """An ISO date-time in UTC (a naive one is taken as UTC), or None if it is not one."""
    text = as_text(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


# --------------------------------------------------------------------------------------
# The digest's words
# --------------------------------------------------------------------------------------


def status_value(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value.value) if isinstance(value, Enum) else str(value)


def status_label(value: Any) -> str:
    status = status_value(value)
    return status.replace("_", " ") if status else "unknown"


def digest_kind(kind: str) -> DigestKind | None:
    """The kind as a :class:`DigestKind`, or None for a kind this version does not know."""
    try:
        return DigestKind(kind)
    except ValueError:
        return None


def kind_label(kind: str) -> str:
    known = digest_kind(kind)
    if known is not None:
        return KIND_LABELS[known]
    return kind.replace("_", " ").capitalize() or "Digest"


def shown_evidence(digest: Digest) -> list[dict[str, Any]]:
    """The evidence items a chat message shows one by one."""
    return [e for e in (digest.evidence or []) if isinstance(e, dict)][:EVIDENCE_SHOWN_MAX]


def fallback_text(digest: Digest) -> str:
    """A body from the facts, for a digest whose text is empty."""
    lines: list[str] = []
    status = status_value(digest.status)
    if status:
        line = f"Status: {status_label(status)}"
        if status_value(digest.previous):
            line += f" (was {status_label(digest.previous)})"
        lines.append(line)
    facts = digest.facts or {}
    if facts.get("since"):
        lines.append(f"Since: {facts['since']}")
    if facts.get("articles") is not None:
        lines.append(f"Articles: {facts['articles']} from {facts.get('sources', '?')} sources")
    for key in ("conflicts", "problems"):
        items = facts.get(key) or []
        if isinstance(items, list) and items:
            lines.append(f"{key.capitalize()}:")
            for item in items:
                if isinstance(item, dict):
                    item = item.get("quote") or item.get("title") or item.get("message") or ""
                lines.append(f"- {item}")
    return "\n".join(lines) or digest.title or ""


def summary_line(digest: Digest) -> str:
    """One short line saying what the digest is about (our words, no feed text)."""
    status, previous = status_value(digest.status), status_value(digest.previous)
    kind = digest_kind(digest.kind)
    if kind == DigestKind.STATUS_CHANGE and status:
        if previous:
            return f"Treaty status changed: {status_label(previous)} → {status_label(status)}"
        return f"Treaty status changed to {status_label(status)}"
    if kind == DigestKind.BASELINE and status:
        topic = (digest.text or "").split("\n", 1)[0].strip() or "the treaty"
        return f"Now following {topic}; current status: {status_label(status)}"
    if kind == DigestKind.DAILY and status:
        return f"Daily treaty digest; status: {status_label(status)}"
    if kind is not None:
        return KIND_LABELS[kind]
    return ""


def chat_body(digest: Digest, *, evidence_shown: int) -> str:
    """The digest's plain-text body for a chat message.

    When every evidence item is shown on its own (embed field / Slack section), the text's
    "Why:" paragraph, which lists the same quotes, is left out.
    """
    text = as_text(digest.text)
    if not text.strip():
        return fallback_text(digest)
    evidence = [e for e in (digest.evidence or []) if isinstance(e, dict)]
    if evidence and evidence_shown >= len(evidence):
        parts = text.split("\n\n")
        kept = [p for p in parts if not p.lstrip().startswith("Why:")]
        if kept and len(kept) < len(parts):
            text = "\n\n".join(kept)
    return text


def footer_words(digest: Digest) -> str:
    parts = ["treatybot", kind_label(digest.kind)]
    facts = digest.facts or {}
    if facts.get("articles") is not None:
        articles = facts["articles"]
        sources = facts.get("sources")
        parts.append(
            f"{articles} articles" + (f" from {sources} sources" if sources is not None else "")
        )
    if facts.get("since"):
        parts.append(f"since {as_text(facts['since'])}")
    return " · ".join(one_line(as_text(p)) for p in parts)


def evidence_head(item: dict[str, Any]) -> str:
    """"Outlet · date" for one evidence item."""
    source = one_line(plain_text(item.get("source"))) or "Unknown outlet"
    published = one_line(plain_text(item.get("published")))[:10]  # the date is enough
    return f"{source} · {published}" if published else source
