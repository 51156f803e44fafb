"""Parse a feed body (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into plain-text FeedItems.

Pure: no I/O. Never raises on a hostile or broken body; a broken feed is reported through
``ParsedFeed.bozo`` / ``bozo_reason`` in plain words and still yields what could be read.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.ingest.dates import struct_time_to_iso, text_date_to_iso
from bot.ingest.html import html_to_text
from bot.ingest.urls import is_http_url, link_base, unwrap_redirect
from bot.models import FeedItem

log = logging.getLogger(__name__)

MAX_ID_CHARS = 512
MAX_SOURCE_CHARS = 200
_SNIFF_BYTES = 4096
# No sanitizing and no link resolution inside HTML content: html_to_text (bot.ingest.html)
# drops every tag (and script/style with their content) anyway, so feedparser's work there
# would be thrown away.
FEEDPARSER_OPTIONS = {"sanitize_html": False, "resolve_relative_uris": False}


@dataclass
class ParsedFeed:
    title: str | None
    items: list[FeedItem]
    bozo: bool
    bozo_reason: str | None  # plain words
    is_feed: bool  # False when the body is an HTML page or has no entries and no feed title


# -- plain text -------------------------------------------------------------------------------


def _cap(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    return text[: max(0, max_chars - 1)].rstrip() + "…"


def _plain(value: Any, max_chars: int) -> str:
    """Plain text of a field, bounded in work and in length."""
    if value is None:
        return ""
    raw = str(value)
    raw = raw[: max_chars * 20 + 1000]  # the markup of a capped field is never worth more
    return _cap(html_to_text(raw), max_chars)


# -- sources, links, identity -----------------------------------------------------------------

_SUFFIX_SEPARATORS = (" - ", " – ", " — ")
_MAX_SUFFIX_WORDS = 6
_MAX_SUFFIX_CHARS = 60


def split_source_suffix(title: str) -> tuple[str, str | None]:
    """Split an aggregator-style " - Outlet" suffix off a title.

    "Two presidents sign treaty - Reuters" -> ("Two presidents sign treaty", "Reuters")
    A title without a short outlet-like suffix comes back unchanged with None.
    """
    best: tuple[str, str] | None = None
    for separator in _SUFFIX_SEPARATORS:
        head, found, tail = title.rpartition(separator)
        if found and (best is None or len(head) > len(best[0])):
            best = (head, tail)
    if best is None:
        return title, None
    head, tail = best[0].strip(), best[1].strip()
    if len(head) < 3 or not tail or len(tail) > _MAX_SUFFIX_CHARS:
        return title, None
    if len(tail.split()) > _MAX_SUFFIX_WORDS or tail[-1] in "?!:;,":
        return title, None
    return head, tail


def _clean_link(link: Any) -> str | None:
    """An http(s) link, unwrapped from aggregator redirects and canonicalised; else None."""
    if not isinstance(link, str) or not is_http_url(link):
        return None
    url = unwrap_redirect(link)
    return url if is_http_url(url) else None


def item_identity(entry: Mapping[str, Any]) -> str:
    """A stable id for an entry: "id:<guid>", else "url:<canonical link>", else "hash:<sha1>".

    Works on feedparser entries and JSON Feed items (any mapping with id/link/url/title).
    """
    raw_id = entry.get("id") or entry.get("guid")
    if raw_id is not None and not isinstance(raw_id, (dict, list)):
        ident = " ".join(str(raw_id).split())
        if ident:
            if len(ident) > MAX_ID_CHARS:
                ident = "sha1:" + hashlib.sha1(ident.encode("utf-8", "replace")).hexdigest()
            return "id:" + ident
    link = _clean_link(entry.get("link") or entry.get("url"))
    if link:
        return "url:" + link
    # No id and no link: the item's own words. Not its date, which feeds bump on every
    # rebuild: a re-dated copy must stay the same item. Only an item with no text besides
    # its title ("Daily briefing") needs the date to be told from the next one.
    title = str(entry.get("title") or "")
    text = entry.get("summary") or entry.get("description") or entry.get("content_text") or ""
    if not isinstance(text, str) or not text.strip():
        text = "\x00" + str(
            entry.get("published") or entry.get("updated") or entry.get("date_published") or ""
        )
    digest = hashlib.sha1(f"{title}\n{text}".encode("utf-8", "replace")).hexdigest()
    return "hash:" + digest[:16]


# -- building items ---------------------------------------------------------------------------


@dataclass
class _Context:
    feed_name: str
    feed_title: str | None
    max_field_chars: int
    base_url: str = ""


def _source_and_title(title: str, entry_source: str, ctx: _Context) -> tuple[str, str]:
    if entry_source:
        head, suffix = split_source_suffix(title)
        if suffix and suffix.casefold() == entry_source.casefold():
            title = head
        return title, entry_source
    head, suffix = split_source_suffix(title)
    if suffix:
        return head, suffix
    return title, ctx.feed_title or ctx.feed_name


def _make_item(
    raw: Mapping[str, Any],
    *,
    title: Any,
    summary: Any,
    link: Any,
    published: str | None,
    entry_source: Any,
    ctx: _Context,
) -> FeedItem:
    plain_title = _plain(title, ctx.max_field_chars)
    source = _plain(entry_source, MAX_SOURCE_CHARS)
    plain_title, source = _source_and_title(plain_title, source, ctx)
    return FeedItem(
        feed=ctx.feed_name,
        identity=item_identity(raw),
        title=plain_title,
        url=_clean_link(link),
        summary=_plain(summary, ctx.max_field_chars),
        published=published,
        source=source,
    )


def _entry_summary(entry: Mapping[str, Any]) -> Any:
    summary = entry.get("summary")
    if summary:
        return summary
    content = entry.get("content")
    if isinstance(content, list) and content and isinstance(content[0], Mapping):
        return content[0].get("value")
    return None


def _entry_source_title(entry: Mapping[str, Any]) -> Any:
    source = entry.get("source")
    if isinstance(source, Mapping):
        return source.get("title")
    return None


def _raw_updated(entry: Mapping[str, Any]) -> Any:
    return entry["updated"] if "updated" in entry else None


def _entry_link(entry: Mapping[str, Any], base_url: str) -> str | None:
    """The entry's link made absolute against the feed URL (less its credentials and secret
    query parameters: see ``link_base``); a bare (non-URL) guid is no link."""
    link = entry.get("link")
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if entry.get("guidislink") and not is_http_url(link):
        return None
    return urljoin(link_base(base_url), link) if is_http_url(base_url) else link


def _feedparser_item(entry: Mapping[str, Any], ctx: _Context) -> FeedItem:
    published = struct_time_to_iso(entry.get("published_parsed"))
    if published is None and "updated_parsed" in entry:  # `in` avoids feedparser's fallback
        published = struct_time_to_iso(entry["updated_parsed"])
    link = _entry_link(entry, ctx.base_url)
    identity_view = {
        "id": entry.get("id"),
        "link": link,
        "title": entry.get("title"),
        "published": entry.get("published") or _raw_updated(entry),
    }
    return _make_item(
        identity_view,
        title=entry.get("title"),
        summary=_entry_summary(entry),
        link=link,
        published=published,
        entry_source=_entry_source_title(entry),
        ctx=ctx,
    )


def _json_item(item: Mapping[str, Any], ctx: _Context) -> FeedItem:
    summary = item.get("summary") or item.get("content_html") or item.get("content_text")
    link = item.get("url") or item.get("external_url")
    published = text_date_to_iso(item.get("date_published")) or text_date_to_iso(
        item.get("date_modified")
    )
    identity_view = {
        "id": item.get("id"),
        "link": link if isinstance(link, str) else None,
        "title": item.get("title"),
        "published": item.get("date_published"),
    }
    return _make_item(
        identity_view,
        title=item.get("title"),
        summary=summary,
        link=link,
        published=published,
        entry_source=None,
        ctx=ctx,
    )


def _collect(entries: list[Any], build: Any, ctx: _Context, max_items: int) -> list[FeedItem]:
    items: list[FeedItem] = []
    for entry in entries[: max(0, max_items)]:
        if not isinstance(entry, Mapping):
            continue
        try:
            items.append(build(entry, ctx))
        except Exception:  # one odd entry must not cost the others
            log.warning(
                "skipping an entry of feed %r that could not be read", ctx.feed_name, exc_info=True
            )
    return items


# -- bozo reasons -----------------------------------------------------------------------------


def _bozo_reason(exc: BaseException | None, content_type: str | None) -> str | None:
    """Plain words for feedparser's bozo_exception."""
    if exc is None:
        return None
    if isinstance(exc, xml.sax.SAXParseException):
        message = exc.getMessage() or "syntax error"
        return (
            f"not well-formed XML (line {exc.getLineNumber()}, column {exc.getColumnNumber()}):"
            f" {message}"
        )
    if isinstance(exc, feedparser.CharacterEncodingOverride):
        return "the declared character encoding was wrong; decoded with another encoding"
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return "the character encoding could not be determined"
    if isinstance(exc, feedparser.NonXMLContentType):
        mime = (content_type or "").split(";")[0].strip()[:100] or "no content type"
        return f"served as {mime}, not an XML content type"
    if isinstance(exc, feedparser.UndeclaredNamespace):
        return "uses an undeclared XML namespace prefix"
    text = " ".join(str(exc).split())[:200]
    return f"could not be parsed cleanly: {text}" if text else "could not be parsed cleanly"


# -- sniffing ---------------------------------------------------------------------------------

_HTML_START = re.compile(
    rb"^(?:\s|<\?xml[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])",
    re.IGNORECASE | re.DOTALL,
)


def _head(body: bytes) -> bytes:
    head = body[:_SNIFF_BYTES]
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            head = head[len(bom) :]
    return head


def _looks_like_html(body: bytes) -> bool:
    return bool(_HTML_START.match(_head(body)))


def _not_a_feed_reason(body: bytes, reason: str | None) -> str:
    if _looks_like_html(body):
        return "not a feed: the body is a web page (HTML)"
    if reason:
        return f"not a recognised feed format; {reason}"
    return "not a recognised feed format"


def _looks_like_json_feed(body: bytes, content_type: str | None) -> bool:
    """JSON Feed by content type, or any body that opens with "{" (XML never does)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    return mime == "application/feed+json" or _head(body).lstrip().startswith(b"{")


# -- parsers ----------------------------------------------------------------------------------


def _parse_json_feed(
    body: bytes, feed_name: str, max_items: int, max_field_chars: int
) -> ParsedFeed:
    try:
        data = json.loads(body.decode("utf-8-sig", errors="replace"))
    except (ValueError, RecursionError) as exc:
        error = f"not valid JSON: {exc}" if isinstance(exc, ValueError) else "not valid JSON"
        return ParsedFeed(None, [], True, error[:300], False)
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        return ParsedFeed(None, [], True, "a JSON document that is not a JSON Feed", False)
    title = _plain(data.get("title"), MAX_SOURCE_CHARS) or None
    raw_items = data.get("items")
    bozo, reason = False, None
    if not isinstance(raw_items, list):
        raw_items = []
        bozo, reason = True, "the JSON Feed has no list of items"
    ctx = _Context(feed_name, title, max_field_chars)
    items = _collect(raw_items, _json_item, ctx, max_items)
    return ParsedFeed(title, items, bozo, reason, bool(items or title))


def _parse_xml_feed(
    body: bytes, feed_name: str, url: str, content_type: str | None, max_items: int,
    max_field_chars: int,
) -> ParsedFeed:  # fmt: skip
    # Without a content type feedparser would call the feed bozo; application/xml makes it
    # honour the XML declaration's encoding, as for a local file.
    # No Content-Location: feedparser would resolve a bare guid into a made-up link; relative
    # links are resolved against the feed URL here instead (xml:base is still honoured).
    headers = {"content-type": content_type or "application/xml"}
    # A BytesIO, never the bytes themselves: feedparser would treat a str/bytes as a path.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, **FEEDPARSER_OPTIONS)
    feed = parsed.get("feed", {})
    title = _plain(feed.get("title"), MAX_SOURCE_CHARS) or None
    entries = list(parsed.get("entries", []))
    bozo = bool(parsed.get("bozo"))
    reason = _bozo_reason(parsed.get("bozo_exception"), content_type) if bozo else None
    version = parsed.get("version") or ""
    if not entries and not version:
        return ParsedFeed(None, [], True, _not_a_feed_reason(body, reason), False)
    ctx = _Context(feed_name, title, max_field_chars, base_url=url)
    items = _collect(entries, _feedparser_item, ctx, max_items)
    return ParsedFeed(title, items, bozo, reason, bool(items or title))


def parse_feed(
    body: bytes,
    *,
    feed_name: str,
    url: str,
    content_type: str | None = None,
    max_items: int = 1000,
    max_field_chars: int = 20000,
) -> ParsedFeed:
    """Parse a feed body into FeedItems; never raises."""
    if not body or not body.strip():
        return ParsedFeed(None, [], True, "the response was empty", False)
    try:
        if _looks_like_json_feed(body, content_type):
            return _parse_json_feed(body, feed_name, max_items, max_field_chars)
        return _parse_xml_feed(body, feed_name, url, content_type, max_items, max_field_chars)
    except Exception as exc:  # a parser bug must not take the whole run down
        log.warning("feed %r could not be parsed", feed_name, exc_info=True)
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        return ParsedFeed(None, [], True, f"could not be parsed: {reason}", False)
