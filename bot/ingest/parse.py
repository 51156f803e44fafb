"""Parse a feed body (RSS 0.9x/1.0/2.0, Atom, JSON Feed) into plain-text FeedItems.

Pure: no I/O. Never raises on a hostile or broken body; a broken feed is reported through
``ParsedFeed.bozo`` / ``bozo_reason`` in plain words and still yields what could be read.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import json
import logging
import re
import xml.sax
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser.datetimes import _parse_date as feedparser_date

from bot.ingest.urls import is_http_url, link_base, unwrap_redirect
from bot.models import FeedItem

log = logging.getLogger(__name__)

MIN_YEAR = 1990
MAX_FUTURE = timedelta(days=2)
MAX_ID_CHARS = 512
MAX_SOURCE_CHARS = 200
_SNIFF_BYTES = 4096
# No sanitizing and no link resolution inside HTML content: html_to_text drops every tag (and
# script/style with their content) anyway, so feedparser's work there would be thrown away.
FEEDPARSER_OPTIONS = {"sanitize_html": False, "resolve_relative_uris": False}


@dataclass
class ParsedFeed:
    title: str | None
    items: list[FeedItem]
    bozo: bool
    bozo_reason: str | None  # plain words
    is_feed: bool  # False when the body is an HTML page or has no entries and no feed title


# -- plain text -------------------------------------------------------------------------------

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head"}
)
_BLOCK_TAGS = frozenset(
    {
        "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd",
        "dt", "figcaption",
    }
)  # fmt: skip
_TAG_LIKE = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_SCRIPT_LIKE = re.compile(r"<\s*/?\s*script", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(java|vb)script\s*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


# One token at a time, each match consuming all it scans, so stripping stays linear even on
# hostile input (html.parser goes quadratic on thousands of unclosed "<a " tags).
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"  # comment; an unclosed one runs to the end
    r"|<!\[CDATA\[(?P<cdata>.*?)(?:\]\]>|\Z)"  # CDATA section: keep its text
    r"|<(?P<close>/)?(?P<tag>[a-zA-Z][^\s/>]*)(?P<rest>[^>]*)(?:>|\Z)"  # start or end tag
    r"|<[!?/][^>]*(?:>|\Z)"  # doctype, processing instruction, bogus comment
    r"|(?P<text>[^<]+|<)",  # text, or a "<" that opens nothing (one token each)
    re.DOTALL,
)
_SKIP_END = {tag: re.compile(f"</{tag}", re.IGNORECASE) for tag in _SKIP_TAGS}


def _strip_tags_once(value: str) -> str:
    """Text of an HTML fragment: tags dropped, script/style (and the like) with their content."""
    parts: list[str] = []
    pos, size = 0, len(value)
    while pos < size:
        match = _TOKEN.match(value, pos)
        if match is None:  # cannot happen: the last alternative matches any character
            break
        pos = match.end()
        if match.group("text") is not None:
            parts.append(html.unescape(match.group("text")))
        elif match.group("cdata") is not None:
            parts.append(match.group("cdata"))
        elif match.group("tag") is not None:
            tag = match.group("tag").lower()
            if tag in _BLOCK_TAGS:
                parts.append(" ")
            opens_skip = not match.group("close") and not match.group("rest").endswith("/")
            if tag in _SKIP_TAGS and opens_skip:
                found = _SKIP_END[tag].search(value, pos)
                pos = size if found is None else found.start()
    return "".join(parts)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags and script/style content gone, entities unescaped,
    whitespace collapsed. Markup that was escaped (``&lt;b&gt;``) is stripped as well."""
    if not value:
        return ""
    text = str(value)
    if "<" not in text and "&" not in text:  # plain text already: nothing to strip or unescape
        text = _SCRIPT_SCHEME.sub(lambda m: m.group(1) + "script ", text)
        return " ".join(_CONTROL.sub("", text).split())
    for _ in range(3):  # escaped markup becomes markup once unescaped: strip it again
        text = _strip_tags_once(text)
        if not _TAG_LIKE.search(text):
            break
    text = _SCRIPT_LIKE.sub(" ", text)
    text = _SCRIPT_SCHEME.sub(lambda m: m.group(1) + "script ", text)
    text = _CONTROL.sub("", text)
    return " ".join(text.split())


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


# -- sources, links, dates, identity ---------------------------------------------------------

_SUFFIX_SEPARATORS = (" - ", " – ", " — ")
_MAX_SUFFIX_WORDS = 6
_MAX_SUFFIX_CHARS = 60


def split_source_suffix(title: str) -> tuple[str, str | None]:
    """Split an aggregator-style " - Outlet" suffix off a title.

    "Putin and Pezeshkian sign treaty - Reuters" -> ("Putin and Pezeshkian sign treaty", "Reuters")
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


def _valid_date(value: datetime | None) -> str | None:
    """ISO 8601 UTC string, or None for a missing or absurd date."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.year < MIN_YEAR or value > datetime.now(timezone.utc) + MAX_FUTURE:
        return None
    return value.replace(microsecond=0).isoformat()


def _struct_to_iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    try:
        value = datetime.fromtimestamp(calendar.timegm(tuple(parsed)[:6] + (0, 0, 0)), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return _valid_date(value)


def _text_date_to_iso(text: Any) -> str | None:
    """Parse an RFC 3339 / ISO 8601 (or RFC 822) date string from a JSON Feed."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        return _valid_date(
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        )
    except ValueError:
        pass
    try:
        return _valid_date(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    return _struct_to_iso(feedparser_date(value))


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
    published = _struct_to_iso(entry.get("published_parsed"))
    if published is None and "updated_parsed" in entry:  # `in` avoids feedparser's fallback
        published = _struct_to_iso(entry["updated_parsed"])
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
    published = _text_date_to_iso(item.get("date_published")) or _text_date_to_iso(
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
        reason = f"not valid JSON: {exc}" if isinstance(exc, ValueError) else "not valid JSON"
        return ParsedFeed(None, [], True, reason[:300], False)
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
