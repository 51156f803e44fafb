"""A small news site for tests: RSS feeds on 127.0.0.1 whose items can change between polls.

Each feed answers with an ETag (and/or Last-Modified) and honours conditional requests, and
records the headers of every request so tests can check what the bot sent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web


@dataclass
class Item:
    title: str
    summary: str
    published: str  # YYYY-MM-DD
    link: str
    guid: str | None = None


@dataclass
class Feed:
    items: list[Item] = field(default_factory=list)
    title: str = "Test feed"
    etag: bool = True
    last_modified: bool = True
    status: int = 200  # anything else: answer that status with no feed
    body_override: bytes | None = None
    requests: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> bytes:
        if self.body_override is not None:
            return self.body_override
        return rss(self.title, self.items)


def _date(day: str) -> str:
    moment = datetime.fromisoformat(day).replace(hour=9, tzinfo=timezone.utc)
    return format_datetime(moment)


def rss(title: str, items: list[Item]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>http://example.org/</link>",
        "<description>test</description>",
    ]
    for item in items:
        guid = f"<guid>{escape(item.guid)}</guid>" if item.guid else ""
        parts.append(
            f"<item><title>{escape(item.title)}</title><link>{escape(item.link)}</link>{guid}"
            f"<description>{escape(item.summary)}</description>"
            f"<pubDate>{_date(item.published)}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


class FeedSite:
    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.app = web.Application()
        self.app.router.add_get("/{name}.xml", self._handle)

    def feed(self, name: str, **kwargs: object) -> Feed:
        self.feeds.setdefault(name, Feed(**kwargs))  # type: ignore[arg-type]
        return self.feeds[name]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        feed = self.feeds.get(request.match_info["name"])
        if feed is None:
            return web.Response(status=404, text="no such feed")
        feed.requests.append({k: v for k, v in request.headers.items()})
        if feed.status != 200:
            return web.Response(status=feed.status, text="server trouble")
        body = feed.body()
        tag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        modified = format_datetime(datetime(2025, 1, 1, tzinfo=timezone.utc) if not feed.items
                                   else datetime.fromisoformat(max(i.published for i in feed.items))
                                   .replace(tzinfo=timezone.utc), usegmt=True)
        headers = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if feed.etag:
            headers["ETag"] = tag
        if feed.last_modified:
            headers["Last-Modified"] = modified
        if feed.etag and request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers=headers)
        if (not feed.etag and feed.last_modified
                and request.headers.get("If-Modified-Since") == modified):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers=headers)
