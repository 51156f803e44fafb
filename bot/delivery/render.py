"""Turn a Digest into what each kind of output sends: plain text, a JSON line, a Discord
webhook payload or a Slack webhook payload.

Every function here is pure: same digest in, same payload out, no I/O.

Feed text is untrusted. Before it reaches a chat message it is
  1. stripped of control characters and HTML (tags removed, entities decoded),
  2. escaped for the target's markup (Discord markdown / Slack mrkdwn), and
  3. neutralised for mentions (a zero-width space goes after every "@"; Discord payloads
     also carry ``allowed_mentions: {"parse": []}``; Slack's ``<!channel>`` forms are escaped).
Lengths are then cut to the target's limits with "…" rather than rejected.
"""

from __future__ import annotations

import copy
import html
import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

from discord.utils import escape_markdown

from bot.models import Digest

log = logging.getLogger(__name__)

__all__ = [
    "COLOURS",
    "DISCORD_LIMITS",
    "SLACK_LIMITS",
    "discord_embed_length",
    "render_discord",
    "render_for",
    "render_json",
    "render_slack",
    "render_text",
    "strip_html",
]

ELLIPSIS = "…"
ZWSP = "\u200b"

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
# Slack Block Kit: https://api.slack.com/reference/block-kit/blocks
SLACK_LIMITS = {
    "header": 150,
    "section": 3000,
    "blocks": 50,
    "context_elements": 10,
    "text": 3000,  # our own cap for the fallback "text"; Slack's is 40,000
}

CONTENT_MAX = 300  # the Discord "content" is a short headline; well under 2000
EVIDENCE_FIELDS_MAX = 3
SLACK_TEXT_SECTIONS_MAX = 12  # 12 x 3000 characters is more than any digest should be

# Embed colours (0xRRGGBB) per status, and for the kinds that report a fault.
COLOURS: dict[str, int] = {
    "drafting": 0x607D8B,  # grey-blue
    "delayed": 0xF0A30A,  # amber
    "signed": 0x2ECC71,  # green
    "ratified": 0x1ABC9C,  # teal
    "in_force": 0x1F8B4C,  # dark green
    "error": 0xE74C3C,  # red: config_error, output_disabled, feed_health (failing)
    "neutral": 0x95A5A6,  # no status known
}
ERROR_KINDS = frozenset({"config_error", "output_disabled", "feed_health"})

KIND_LABELS = {
    "baseline": "Baseline",
    "status_change": "Status change",
    "feed_health": "Feed health",
    "daily": "Daily digest",
    "config_error": "Configuration error",
    "config_reloaded": "Configuration reloaded",
    "output_disabled": "Output disabled",
}

# --------------------------------------------------------------------------------------
# Cleaning shared by every format
# --------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->|<!--|-->", re.DOTALL)
_DECLARATION = re.compile(r"<!(?:doctype|\[cdata\[)[^>]*>", re.IGNORECASE)
# A tag: "<" + optional "/" + a name + attributes; not "<https://…>", "<@123>", "<#1>", "a < b".
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")


def _clean(value: Any) -> str:
    """Any value as text without control characters (keeps newlines and tabs)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(getattr(value, "value", value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def strip_html(value: Any) -> str:
    """Plain text from something that may contain HTML: entities decoded, tags removed.

    Repeats until nothing changes, so split tricks like ``<scr<b>ipt>`` do not survive.
    """
    text = _clean(value)
    for _ in range(10):
        before = text
        text = html.unescape(text)
        text = _SCRIPT_STYLE.sub("", text)
        text = _COMMENT.sub("", text)
        text = _DECLARATION.sub("", text)
        text = _TAG.sub("", text)
        if text == before:
            break
    return _CONTROL.sub("", text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _u16(text: str) -> int:
    """Length as Discord and Slack count it (UTF-16 code units); never less than len()."""
    return len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int, tidy: Callable[[str], str] | None = None) -> str:
    """Text cut to at most ``limit`` characters, ending in "…" when something was cut."""
    if limit <= 0:
        return ""
    if _u16(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[:room]
    while _u16(head) > room:
        head = head[: len(head) - (_u16(head) - room)]
    # Prefer a word boundary if one is near the end.
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= room - 40 and space > 0:
        head = head[:space]
    if tidy is not None:
        head = tidy(head)
    return head.rstrip() + ELLIPSIS


def _status_value(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(getattr(value, "value", value))


def _status_label(value: Any) -> str:
    status = _status_value(value)
    return status.replace("_", " ") if status else "unknown"


def _kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() or "Digest")


def _safe_url(value: Any, limit: int = 1000) -> str | None:
    """An http(s) URL fit to put inside a link, or None."""
    url = _clean(value).strip()
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


def _iso_timestamp(value: Any) -> str | None:
    text = _clean(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _fallback_text(digest: Digest) -> str:
    """A body from the facts, for a digest whose text is empty."""
    lines: list[str] = []
    status = _status_value(digest.status)
    if status:
        line = f"Status: {_status_label(status)}"
        if _status_value(digest.previous):
            line += f" (was {_status_label(digest.previous)})"
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


def _summary_line(digest: Digest) -> str:
    """One short line saying what the digest is about (our words, no feed text)."""
    status, previous = _status_value(digest.status), _status_value(digest.previous)
    kind = digest.kind
    if kind == "status_change" and status:
        if previous:
            return f"Treaty status changed: {_status_label(previous)} → {_status_label(status)}"
        return f"Treaty status changed to {_status_label(status)}"
    if kind == "baseline" and status:
        return f"Now following the Russia–Iran treaty; current status: {_status_label(status)}"
    if kind == "daily" and status:
        return f"Daily treaty digest; status: {_status_label(status)}"
    if kind in KIND_LABELS:
        return _kind_label(kind)
    return ""


def _body(digest: Digest, *, evidence_shown: int) -> str:
    """The digest's plain-text body for a chat message.

    When every evidence item is shown on its own (embed field / Slack section), the text's
    "Why:" paragraph, which lists the same quotes, is left out.
    """
    text = _clean(digest.text)
    if not text.strip():
        return _fallback_text(digest)
    evidence = [e for e in (digest.evidence or []) if isinstance(e, dict)]
    if evidence and evidence_shown >= len(evidence):
        parts = text.split("\n\n")
        kept = [p for p in parts if not p.lstrip().startswith("Why:")]
        if kept and len(kept) < len(parts):
            text = "\n\n".join(kept)
    return text


def _footer_words(digest: Digest) -> str:
    parts = ["treatybot", _kind_label(digest.kind)]
    facts = digest.facts or {}
    if facts.get("articles") is not None:
        articles = facts["articles"]
        sources = facts.get("sources")
        parts.append(
            f"{articles} articles" + (f" from {sources} sources" if sources is not None else "")
        )
    if facts.get("since"):
        parts.append(f"since {_clean(facts['since'])}")
    return " · ".join(_one_line(_clean(p)) for p in parts)


def _evidence_head(item: dict[str, Any]) -> str:
    source = _one_line(strip_html(item.get("source"))) or "Unknown outlet"
    published = _one_line(strip_html(item.get("published")))[:10]  # the date is enough
    return f"{source} · {published}" if published else source


# --------------------------------------------------------------------------------------
# Plain text and JSON
# --------------------------------------------------------------------------------------


def render_text(digest: Digest) -> str:
    """Console text: the title, a rule line, then the digest's own plain-text body."""
    title = _one_line(strip_html(digest.title)) or _kind_label(digest.kind)
    body = strip_html(digest.text).strip("\n") or _fallback_text(digest)
    rule = "=" * max(10, min(len(title), 72))
    return f"{title}\n{rule}\n{body}"


def render_json(digest: Digest) -> dict[str, Any]:
    """The digest as one jsonl record (``Digest.to_json()``, a copy the caller may change)."""
    return copy.deepcopy(digest.to_json())


# --------------------------------------------------------------------------------------
# Discord
# --------------------------------------------------------------------------------------

_MENTION_AT = re.compile("@(?!\u200b)")
_ANGLE_MENTION = re.compile("<(?=[!@#])")


def _discord_escape(value: Any, *, one_line: bool = False) -> str:
    """Feed text made inert for Discord: no HTML, no markdown, no mentions."""
    text = strip_html(value)
    if one_line:
        text = _one_line(text)
    text = escape_markdown(text, ignore_links=True)
    # escape_mentions() only covers 17-20 digit ids; a zero-width space after every "@"
    # breaks @everyone, @here, <@123>, <@!456> and <@&789> alike, and one after "<" breaks
    # <#channel> links and Slack-style <!channel> too.
    text = _MENTION_AT.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def _discord_tidy(head: str) -> str:
    """After a cut: do not end on a lone escaping backslash or half a masked link."""
    head = head.rstrip("\\")
    return head


def _discord_cut(text: str, limit: int) -> str:
    return _cut(text, limit, _discord_tidy)


def discord_embed_length(embed: dict[str, Any]) -> int:
    """The characters Discord counts against the 6000 limit of an embed."""
    total = _u16(embed.get("title", "")) + _u16(embed.get("description", ""))
    for field in embed.get("fields", []):
        total += _u16(field.get("name", "")) + _u16(field.get("value", ""))
    total += _u16(embed.get("footer", {}).get("text", ""))
    total += _u16(embed.get("author", {}).get("name", ""))
    return total


def _discord_evidence_field(item: dict[str, Any]) -> dict[str, Any]:
    limit = DISCORD_LIMITS["field_value"]
    name = _discord_cut(_discord_escape(_evidence_head(item), one_line=True), 256)
    link = ""
    url = _safe_url(item.get("url"), limit=600)
    if url:
        label = (
            _discord_escape(item.get("title"), one_line=True).replace("[", "(").replace("]", ")")
        )
        label = _discord_cut(label, 200) or "Read the article"
        link = f"[{label}]({url})"
    quote_text = _discord_escape(item.get("quote"), one_line=True)
    room = limit - (len(link) + 1 if link else 0) - 2  # 2 for the quotation marks
    value = f"“{_discord_cut(quote_text, room)}”" if quote_text else ""
    value = "\n".join(p for p in (value, link) if p) or "(no quotation)"
    return {"name": name or "Source", "value": _discord_cut(value, limit), "inline": False}


def _enforce_embed_limits(embed: dict[str, Any]) -> dict[str, Any]:
    """Last line of defence: cut the embed until every Discord limit holds."""
    lim = DISCORD_LIMITS
    if "title" in embed:
        embed["title"] = _discord_cut(embed["title"], lim["title"])
    if "description" in embed:
        embed["description"] = _discord_cut(embed["description"], lim["description"])
    if "footer" in embed:
        embed["footer"]["text"] = _discord_cut(embed["footer"]["text"], lim["footer"])
    fields = embed.get("fields", [])[: lim["fields"]]
    for field in fields:
        field["name"] = _discord_cut(field["name"], lim["field_name"]) or "…"
        field["value"] = _discord_cut(field["value"], lim["field_value"]) or "…"
    embed["fields"] = fields
    # Over the total: shorten the description first, then drop fields, then the footer.
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and embed.get("description"):
        keep = max(_u16(embed["description"]) - excess, 200)
        embed["description"] = _discord_cut(embed["description"], keep)
    while discord_embed_length(embed) > lim["total"] and embed["fields"]:
        embed["fields"].pop()
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and "footer" in embed:
        embed["footer"]["text"] = _discord_cut(
            embed["footer"]["text"], max(_u16(embed["footer"]["text"]) - excess, 1)
        )
    excess = discord_embed_length(embed) - lim["total"]
    if excess > 0 and embed.get("description"):
        embed["description"] = _discord_cut(
            embed["description"], max(_u16(embed["description"]) - excess, 1)
        )
    if not embed["fields"]:
        del embed["fields"]
    return embed


def _colour(digest: Digest) -> int:
    if digest.kind == "feed_health" and (digest.facts or {}).get("recovered"):
        return COLOURS["signed"]  # green: the feed works again
    if digest.kind in ERROR_KINDS:
        return COLOURS["error"]
    return COLOURS.get(_status_value(digest.status) or "", COLOURS["neutral"])


def render_discord(digest: Digest) -> dict[str, Any]:
    """A Discord webhook payload: a short content line and one embed, pinging nobody."""
    lim = DISCORD_LIMITS
    title = _discord_escape(digest.title, one_line=True) or _kind_label(digest.kind)
    evidence = [e for e in (digest.evidence or []) if isinstance(e, dict)]
    evidence = evidence[:EVIDENCE_FIELDS_MAX]
    description = _discord_escape(_body(digest, evidence_shown=len(evidence))).strip("\n")

    embed: dict[str, Any] = {
        "title": _discord_cut(title, lim["title"]),
        "description": description,
        "color": _colour(digest),
        "fields": [_discord_evidence_field(item) for item in evidence],
        "footer": {"text": _discord_escape(_footer_words(digest), one_line=True)},
    }
    timestamp = _iso_timestamp(digest.created_at)
    if timestamp:
        embed["timestamp"] = timestamp
    if not embed["description"]:
        del embed["description"]
    embed = _enforce_embed_limits(embed)

    summary = _summary_line(digest)
    content = _discord_escape(summary, one_line=True) if summary else title
    content = _discord_cut(content, min(CONTENT_MAX, lim["content"]))
    return {
        "content": content,
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    }


# --------------------------------------------------------------------------------------
# Slack
# --------------------------------------------------------------------------------------

# Slack mrkdwn has no escape character; formatting characters become look-alikes.
_SLACK_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
_SLACK_QUOTE_START = re.compile(r"^(\s*)&gt;", re.MULTILINE)
_SLACK_URL = re.compile(r"(https?://[^\s|]+)")


def _slack_escape(value: Any, *, one_line: bool = False, mrkdwn: bool = True) -> str:
    """Feed text made inert for Slack: no HTML, control sequences escaped, no mentions."""
    text = strip_html(value)
    if one_line:
        text = _one_line(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION_AT.sub("@" + ZWSP, text)  # bare @channel / @here
    if mrkdwn:
        # Look-alikes everywhere but inside URLs, which must keep their "_" and "~".
        pieces = _SLACK_URL.split(text)
        text = "".join(
            piece if index % 2 else piece.translate(_SLACK_LOOKALIKES)
            for index, piece in enumerate(pieces)
        )
        text = _SLACK_QUOTE_START.sub("\\1" + ZWSP + "&gt;", text)
    return text


_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")


def _slack_tidy(head: str) -> str:
    """After a cut: do not end inside an "&amp;" style entity."""
    return _PARTIAL_ENTITY.sub("", head)


def _slack_cut(text: str, limit: int) -> str:
    return _cut(text, limit, _slack_tidy)


def _slack_chunks(text: str, limit: int) -> list[str]:
    """Escaped text in pieces of at most ``limit`` characters, split between paragraphs,
    then lines, then words."""
    chunks: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if _u16(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        while _u16(paragraph) > limit:
            head = paragraph[:limit]
            while _u16(head) > limit:
                head = head[: len(head) - (_u16(head) - limit)]
            cut = max(head.rfind("\n"), head.rfind(" "))
            if cut < limit // 2:
                cut = len(_slack_tidy(head))
            if cut <= 0:
                cut = len(head)
            chunks.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        current = paragraph
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def _slack_section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _slack_cut(text, SLACK_LIMITS["section"])},
    }


def _slack_context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": _slack_cut(text, SLACK_LIMITS["section"])}],
    }


def _slack_evidence_section(item: dict[str, Any]) -> dict[str, Any]:
    head = f"*{_slack_escape(_evidence_head(item), one_line=True)}*"
    link = ""
    url = _safe_url(item.get("url"))
    if url:
        url = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
        label = _slack_escape(item.get("title"), one_line=True).replace("|", "¦")
        label = _slack_cut(label, 200) or "Read the article"
        link = f"<{url}|{label}>"
    quote_text = _slack_escape(item.get("quote"), one_line=True)
    room = SLACK_LIMITS["section"] - len(head) - len(link) - 4
    body = f"“{_slack_cut(quote_text, room)}”" if quote_text else ""
    return _slack_section("\n".join(p for p in (head, body, link) if p))


def render_slack(digest: Digest) -> dict[str, Any]:
    """A Slack incoming-webhook payload with Block Kit blocks."""
    lim = SLACK_LIMITS
    title = _one_line(strip_html(digest.title)) or _kind_label(digest.kind)
    # plain_text: no mrkdwn and no mentions are parsed, but &, <, > are still escaped.
    header_text = _slack_cut(_slack_escape(title, one_line=True, mrkdwn=False), lim["header"])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header_text, "emoji": True}}
    ]

    summary = _summary_line(digest)
    if summary:
        blocks.append(_slack_context(_slack_escape(summary, one_line=True)))

    evidence = [e for e in (digest.evidence or []) if isinstance(e, dict)][:EVIDENCE_FIELDS_MAX]
    body = _body(digest, evidence_shown=len(evidence))
    chunks = _slack_chunks(_slack_escape(body).strip("\n"), lim["section"])
    # header + summary + divider + evidence + footer must leave room for the text.
    room = lim["blocks"] - len(blocks) - (1 + len(evidence) if evidence else 0) - 1
    room = min(room, SLACK_TEXT_SECTIONS_MAX)
    if len(chunks) > room:
        chunks = chunks[:room]
        chunks[-1] = _slack_cut(chunks[-1] + "\n" + ELLIPSIS, lim["section"])
    blocks.extend(_slack_section(chunk) for chunk in chunks)

    if evidence:
        blocks.append({"type": "divider"})
        blocks.extend(_slack_evidence_section(item) for item in evidence)

    footer = _slack_escape(_footer_words(digest), one_line=True)
    timestamp = _iso_timestamp(digest.created_at)
    if timestamp:
        footer += " · " + timestamp[:19].replace("T", " ") + " UTC"
    blocks.append(_slack_context(footer))
    blocks = blocks[: lim["blocks"]]

    fallback = _slack_escape(f"{title} — {summary}" if summary else title, one_line=True)
    return {"text": _slack_cut(fallback, lim["text"]), "blocks": blocks}


# --------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------

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
