"""bot.ingest.parse, .html and .urls: parsing feed bodies into plain-text FeedItems; canonical URLs."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.ingest.html import html_to_text, strip_html_keep_lines
from bot.ingest.parse import ParsedFeed, item_identity, parse_feed, split_source_suffix
from bot.ingest.urls import canonical_url, unwrap_redirect

CORPUS = Path("/work/shared/corpora/feedparser")
FEED_URL = "https://example.org/feed.xml"

RSS2 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
<channel>
  <title>Example News</title>
  <link>https://example.org/</link>
  <item>
    <title>Russia and Iran sign &lt;b&gt;treaty&lt;/b&gt;</title>
    <link>https://example.org/a?utm_source=rss&amp;utm_medium=feed&amp;id=7#comments</link>
    <guid isPermaLink="false">tag:example.org,2025:1</guid>
    <description><![CDATA[<p>The <b>treaty</b> was signed.<script>alert(1)</script></p>]]></description>
    <pubDate>Fri, 17 Jan 2025 10:30:00 GMT</pubDate>
  </item>
  <item>
    <title>Second</title>
    <link>https://example.org/b</link>
    <pubDate>Sat, 18 Jan 2025 08:00:00 +0300</pubDate>
  </item>
</channel>
</rss>
"""

RSS1 = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://rdf.example/">
    <title>RDF Wire</title>
    <link>https://rdf.example/</link>
    <description>d</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://rdf.example/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://rdf.example/1">
    <title>Duma ratifies the treaty</title>
    <link>https://rdf.example/1</link>
    <description>Lawmakers voted.</description>
    <dc:date>2025-04-08T12:00:00Z</dc:date>
  </item>
</rdf:RDF>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Desk</title>
  <id>urn:uuid:feed</id>
  <updated>2025-01-20T00:00:00Z</updated>
  <entry>
    <title type="html">Treaty &lt;em&gt;enters&lt;/em&gt; into force</title>
    <link rel="alternate" href="https://atom.example/x"/>
    <id>urn:uuid:entry-1</id>
    <updated>2025-06-02T09:00:00+02:00</updated>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">In <i>force</i>.</div></summary>
    <source><title>TASS</title><id>urn:tass</id></source>
  </entry>
  <entry>
    <title>Relative link</title>
    <link href="/relative/path"/>
    <id>urn:uuid:entry-2</id>
    <updated>2025-06-03T09:00:00Z</updated>
  </entry>
</feed>
"""

JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON Wire",
    "items": [
        {
            "id": "j1",
            "url": "https://json.example/1?fbclid=abc",
            "title": "Iran's parliament approves <i>pact</i>",
            "content_html": "<p>Majlis vote.</p><style>p{}</style>",
            "date_published": "2025-05-21T10:00:00+03:30",
        },
        {
            "id": "j2",
            "external_url": "https://json.example/2",
            "content_text": "No title here",
            "date_published": "not a date",
        },
    ],
}

HTML_PAGE = b"""<!DOCTYPE html>
<html><head><title>Welcome to Example</title></head>
<body><h1>Example</h1><p>This is a web page, not a feed.</p></body></html>"""


def rss(items: str, title: str = "Example News") -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"{items}</channel></rss>"
    ).encode()


def parse(body: bytes | str, **kwargs: object) -> ParsedFeed:
    data = body.encode() if isinstance(body, str) else body
    return parse_feed(data, feed_name=str(kwargs.pop("feed_name", "test")), url=FEED_URL, **kwargs)  # type: ignore[arg-type]


# -- formats ----------------------------------------------------------------------------------


def test_rss2() -> None:
    feed = parse(RSS2, content_type="application/rss+xml")
    assert feed.is_feed and not feed.bozo and feed.bozo_reason is None
    assert feed.title == "Example News"
    first, second = feed.items
    assert first.feed == "test"
    assert first.title == "Russia and Iran sign treaty"
    assert first.summary == "The treaty was signed."
    assert first.url == "https://example.org/a?id=7"
    assert first.identity == "id:tag:example.org,2025:1"
    assert first.published == "2025-01-17T10:30:00+00:00"
    assert first.source == "Example News"
    assert second.identity == "url:https://example.org/b"
    assert second.published == "2025-01-18T05:00:00+00:00"


def test_rss1_rdf() -> None:
    feed = parse(RSS1)
    assert feed.is_feed and feed.title == "RDF Wire"
    (item,) = feed.items
    assert item.title == "Duma ratifies the treaty"
    assert item.url == "https://rdf.example/1"
    assert item.summary == "Lawmakers voted."
    assert item.published == "2025-04-08T12:00:00+00:00"
    assert item.source == "RDF Wire"


def test_atom() -> None:
    feed = parse(ATOM, content_type="application/atom+xml")
    assert feed.is_feed and feed.title == "Atom Desk"
    first, second = feed.items
    assert first.title == "Treaty enters into force"
    assert first.summary == "In force."
    assert first.url == "https://atom.example/x"
    assert first.identity == "id:urn:uuid:entry-1"
    assert first.published == "2025-06-02T07:00:00+00:00"
    assert first.source == "TASS"  # the entry's own <source>
    assert second.url == "https://example.org/relative/path"  # resolved against the feed URL
    assert second.source == "Atom Desk"


@pytest.mark.parametrize("content_type", [None, "application/feed+json", "application/json"])
def test_json_feed(content_type: str | None) -> None:
    feed = parse(json.dumps(JSON_FEED), content_type=content_type)
    assert feed.is_feed and not feed.bozo and feed.title == "JSON Wire"
    first, second = feed.items
    assert first.title == "Iran's parliament approves pact"
    assert first.summary == "Majlis vote."
    assert first.url == "https://json.example/1"
    assert first.identity == "id:j1"
    assert first.published == "2025-05-21T06:30:00+00:00"
    assert first.source == "JSON Wire"
    assert second.title == "" and second.summary == "No title here"
    assert second.url == "https://json.example/2"
    assert second.published is None


def test_json_that_is_not_a_json_feed() -> None:
    for body in (b'{"hello": "world"}', b"{not json", b"[" * 100000):
        feed = parse(body, content_type="application/json")
        assert not feed.is_feed and feed.bozo and feed.items == [] and feed.bozo_reason


# -- plain text and safety --------------------------------------------------------------------


def test_html_in_titles_becomes_plain_text() -> None:
    body = rss(
        "<item><title>&lt;b&gt;Russia&lt;/b&gt; &amp;amp; Iran &lt;i&gt;agree&lt;/i&gt;</title>"
        "<link>https://e.example/1</link></item>"
    )
    (item,) = parse(body).items
    assert item.title == "Russia & Iran agree"


def test_script_is_stripped_everywhere() -> None:
    body = rss(
        "<item><title>&lt;script&gt;alert('t')&lt;/script&gt;Headline</title>"
        "<description>&lt;p&gt;Body&lt;/p&gt;&lt;script type='text/javascript'&gt;steal()"
        "&lt;/script&gt;&lt;a href='javascript:evil()'&gt;link&lt;/a&gt;</description>"
        "<link>https://e.example/2</link></item>"
        "<item><title type='text'>&amp;lt;script&amp;gt;double&amp;lt;/script&amp;gt;</title>"
        "<link>https://e.example/3</link></item>"
    )
    items = parse(body).items
    assert items[0].title == "Headline"
    assert items[0].summary == "Body link"
    for item in items:
        for text in (item.title, item.summary):
            assert "<script" not in text.lower() and "javascript:" not in text.lower()


def test_javascript_link_is_dropped() -> None:
    body = rss(
        "<item><title>Bad link</title><link>javascript:alert(1)</link></item>"
        "<item><title>Data link</title><link>data:text/html,hi</link></item>"
    )
    items = parse(body).items
    assert [item.url for item in items] == [None, None]
    assert all(item.identity.startswith("hash:") for item in items)


def test_html_to_text() -> None:
    assert html_to_text("<p>A&nbsp;<b>bold</b>\n\n move</p><p>Next</p>") == "A bold move Next"
    assert html_to_text("x<style>.a{color:red}</style>y<script>var a = '<p>';</script>z") == "xyz"
    assert html_to_text("Tom &amp; Jerry &#8211; &quot;ok&quot;") == 'Tom & Jerry – "ok"'
    assert html_to_text("a < b and c > d") == "a < b and c > d"
    assert html_to_text("&lt;script&gt;x&lt;/script&gt;ok") == "ok"
    assert html_to_text("<script>never closed") == ""
    assert html_to_text("") == ""
    assert "javascript:" not in html_to_text("javascript:alert(1)")


def test_strip_html_keep_lines() -> None:
    """The chat-message stripper: complete tags only, line breaks and spacing kept."""
    assert strip_html_keep_lines("<p>Putin &amp; Pezeshkian</p>") == "Putin & Pezeshkian"
    assert strip_html_keep_lines("a < b and c > d") == "a < b and c > d"
    assert strip_html_keep_lines("<scr<b>ipt>alert(1)</script>") == "alert(1)"  # inert text
    assert strip_html_keep_lines("x\x1b[31mred\x07\x85") == "x[31mred"
    assert strip_html_keep_lines("one\r\n<b>two</b>\rthree  four") == "one\ntwo\nthree  four"
    assert strip_html_keep_lines("see <https://example.org> <@123>") == (
        "see <https://example.org> <@123>"
    )
    assert strip_html_keep_lines(None) == ""


def test_hostile_markup_is_stripped_in_linear_time() -> None:
    hostile = ["<a " * 60000, "<!--" * 60000, "<" * 200000, "&lt;b " * 60000, "<?" * 100000]
    started = time.monotonic()
    for value in hostile:
        assert "<script" not in html_to_text(value).lower()
    body = rss(f"<item><title>t</title><description>{'&lt;a ' * 60000}</description></item>")
    (item,) = parse(body).items
    assert item.summary == ""
    assert time.monotonic() - started < 5


def test_unicode_around_skipped_tags() -> None:
    assert html_to_text("İİİ<script>x</script>ok <SCRIPT>y</SCRIPT>fine") == "İİİok fine"
    assert html_to_text("<svg/>kept <style>.a{}") == "kept"


def test_fields_are_capped() -> None:
    body = rss(
        f"<item><title>{'word ' * 100}</title><description>{'x' * 5000}</description></item>"
    )
    (item,) = parse(body, max_field_chars=50).items
    assert len(item.title) <= 50 and len(item.summary) <= 50
    assert item.summary.endswith("…")


def test_max_items() -> None:
    body = rss("".join(f"<item><title>t{i}</title><guid>g{i}</guid></item>" for i in range(30)))
    feed = parse(body, max_items=10)
    assert [item.title for item in feed.items] == [f"t{i}" for i in range(10)]


# -- identity, links, sources, dates ---------------------------------------------------------


def test_identity_stable_across_reorder_and_date_bumps() -> None:
    a = (
        "<item><title>A</title><guid>guid-a</guid><pubDate>{d}</pubDate></item>"
        "<item><title>B</title><link>https://e.example/b?utm_campaign=x</link>"
        "<pubDate>{d}</pubDate></item>"
    )
    c = "<item><title>C</title><link>https://e.example/c#top</link><pubDate>{d}</pubDate></item>"
    before = parse(rss((a + c).format(d="Mon, 06 Jan 2025 10:00:00 GMT"))).items
    after = parse(rss((c + a).format(d="Tue, 07 Jan 2025 12:00:00 GMT"))).items
    assert {i.title: i.identity for i in before} == {i.title: i.identity for i in after}
    assert {i.title: i.url for i in before}["A"] is None  # a bare guid is not a link
    assert {i.identity for i in before} == {
        "id:guid-a",
        "url:https://e.example/b",
        "url:https://e.example/c",
    }


def test_item_identity_fallbacks() -> None:
    assert item_identity({"id": "  x  "}) == "id:x"
    assert item_identity({"id": "", "link": "HTTPS://E.example:443/p?utm_source=z"}) == (
        "url:https://e.example/p"
    )
    hashed = item_identity({"title": "T", "published": "2025-01-01"})
    assert re.fullmatch(r"hash:[0-9a-f]{16}", hashed)
    assert hashed == item_identity({"title": "T", "published": "2025-01-01", "link": "ftp://x"})
    assert hashed != item_identity({"title": "T", "published": "2025-01-02"})  # title only
    # with text of its own, a bumped date is the same item; other text is another item
    worded = item_identity({"title": "T", "summary": "S", "published": "2025-01-01"})
    assert worded == item_identity({"title": "T", "summary": "S", "published": "2025-03-09"})
    assert worded != item_identity({"title": "T", "summary": "S2", "published": "2025-01-01"})


def test_tracking_params_and_fragment_dropped() -> None:
    body = rss(
        "<item><title>T</title><link>HTTPS://News.Example:443/story?b=2&amp;utm_source=x&amp;"
        "fbclid=1&amp;a=1&amp;ref=rss#section</link></item>"
    )
    (item,) = parse(body).items
    assert item.url == "https://news.example/story?a=1&b=2"


def test_google_news_redirect_unwrapped() -> None:
    target = "https%3A%2F%2Fwww.reuters.com%2Fworld%2Ftreaty%3Futm_source%3Dgoogle%23x"
    link = f"https://www.google.com/url?rct=j&amp;sa=t&amp;url={target}&amp;ct=ga"
    body = rss(f"<item><title>Treaty signed - Reuters</title><link>{link}</link></item>")
    (item,) = parse(body).items
    assert item.url == "https://www.reuters.com/world/treaty"
    assert item.identity == "url:https://www.reuters.com/world/treaty"


def test_source_suffix() -> None:
    body = rss(
        "<item><title>Putin and Pezeshkian sign treaty - Reuters</title>"
        "<link>https://e.example/1</link></item>"
        "<item><title>No suffix here</title><link>https://e.example/2</link></item>",
        title='"treaty" - Google News',
    )
    first, second = parse(body, feed_name="google").items
    assert (first.title, first.source) == ("Putin and Pezeshkian sign treaty", "Reuters")
    assert (second.title, second.source) == ("No suffix here", '"treaty" - Google News')


def test_source_falls_back_to_feed_name() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>x</title></item></channel></rss>'
    (item,) = parse(body, feed_name="my-feed").items
    assert item.source == "my-feed"


def test_split_source_suffix() -> None:
    assert split_source_suffix("Putin and Pezeshkian sign treaty - Reuters") == (
        "Putin and Pezeshkian sign treaty",
        "Reuters",
    )
    assert split_source_suffix("Moscow - Tehran pact ratified – The Moscow Times") == (
        "Moscow - Tehran pact ratified",
        "The Moscow Times",
    )
    assert split_source_suffix("No outlet") == ("No outlet", None)
    long_tail = "Signing - what it means for the region and for everybody else in the world"
    assert split_source_suffix(long_tail) == (long_tail, None)
    assert split_source_suffix("A - Is it signed?") == ("A - Is it signed?", None)


def _date_item(date: str) -> bytes:
    return rss(f"<item><title>t</title><guid>g</guid><pubDate>{date}</pubDate></item>")


def test_absurd_dates_become_none() -> None:
    soon = datetime.now(timezone.utc) + timedelta(hours=12)
    later = datetime.now(timezone.utc) + timedelta(days=30)
    fmt = "%a, %d %b %Y %H:%M:%S GMT"
    assert parse(_date_item("Thu, 01 Jan 1970 00:00:00 GMT")).items[0].published is None
    assert parse(_date_item("Mon, 01 Jan 1900 00:00:00 GMT")).items[0].published is None
    assert parse(_date_item(later.strftime(fmt))).items[0].published is None
    assert parse(_date_item("Fri, 01 Jan 2100 00:00:00 GMT")).items[0].published is None
    assert parse(_date_item("garbage")).items[0].published is None
    assert parse(_date_item(soon.strftime(fmt))).items[0].published is not None


# -- not feeds, broken feeds ------------------------------------------------------------------


def test_html_page_is_not_a_feed() -> None:
    feed = parse(HTML_PAGE, content_type="text/html; charset=utf-8")
    assert not feed.is_feed and feed.items == [] and feed.title is None
    assert feed.bozo_reason and "web page" in feed.bozo_reason


@pytest.mark.parametrize("body", [b"", b"   \n", b"/etc/passwd", b"just some text"])
def test_empty_or_junk_is_not_a_feed(body: bytes) -> None:
    feed = parse(body)
    assert not feed.is_feed and feed.items == [] and feed.bozo_reason


def test_feed_without_entries_or_title_is_not_a_feed() -> None:
    assert not parse(b'<rss version="2.0"><channel></channel></rss>').is_feed
    assert parse(b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>').is_feed


def test_bozo_feed_still_yields_items() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken & Co</title>'
        b"<item><title>Iran & Russia</title><link>https://e.example/1</link></item>"
        b"<item><title>Second<title></item>"
    )
    feed = parse(body)
    assert feed.bozo and feed.is_feed
    assert feed.bozo_reason and feed.bozo_reason.startswith("not well-formed XML")
    assert "Traceback" not in feed.bozo_reason
    assert feed.items and feed.items[0].title == "Iran & Russia"


# -- urls -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a?utm_source=x&b=2&a=1#frag", "http://example.com/a?a=1&b=2"),
        ("https://x.example:443?", "https://x.example/"),
        ("https://x.example:8443/p", "https://x.example:8443/p"),
        ("https://x.example/p?gclid=1&mc_cid=2&mc_eid=3&yclid=4&_ga=5", "https://x.example/p"),
        (
            "https://x.example/p?ref_src=a&cmpid=b&ocid=c&at_medium=d&at_campaign=e",
            "https://x.example/p",
        ),
        ("https://x.example/p?rss=1&from=rss&feature=x&UTM_Medium=y", "https://x.example/p"),
        ("https://x.example/p?q=a%20b&id=3", "https://x.example/p?id=3&q=a%20b"),
        ("https://x.example/Case/Path", "https://x.example/Case/Path"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://news.google.com/url?sa=t&url=https://tass.com/politics/1%3Futm_source%3Dx",
            "https://tass.com/politics/1",
        ),
        ("https://www.google.com/url?q=https%3A%2F%2Firna.ir%2Fx%23y&sa=D", "https://irna.ir/x"),
        (
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fen.mehrnews.com%2Fnews%2F1&h=AT0",
            "https://en.mehrnews.com/news/1",
        ),
        (
            "https://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3A%2F%2Fapnews.com%2Fa&c=1",
            "https://apnews.com/a",
        ),
        ("https://t.co/AbCdEf", "https://t.co/AbCdEf"),
        (
            "https://www.google.com/url?url=javascript:alert(1)",
            "https://www.google.com/url?url=javascript:alert(1)",
        ),
        (
            "https://example.com/url?url=https://other.example/",
            "https://example.com/url?url=https://other.example/",
        ),
    ],
)
def test_unwrap_redirect(url: str, expected: str) -> None:
    assert unwrap_redirect(url) == expected


# -- robustness corpus ------------------------------------------------------------------------

_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.MULTILINE)


def _corpus_headers(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file asks for in its leading comment ("Header: ...")."""
    head = body[:2000]
    return {name.decode().lower(): value.decode("latin-1") for name, value in _HEADER.findall(head)}


def _corpus_files() -> list[Path]:
    skip = {"README.md", "LICENSE"}
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in skip)


def test_corpus_never_raises_and_never_leaks_script() -> None:
    files = _corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {CORPUS}")
    started = time.monotonic()
    leaks: list[str] = []
    feeds = 0
    for path in files:
        body = path.read_bytes()
        headers = _corpus_headers(body)
        result = parse_feed(
            body,
            feed_name=path.stem,
            url=headers.get("content-location") or f"http://127.0.0.1/{path.name}",
            content_type=headers.get("content-type"),
        )
        assert isinstance(result, ParsedFeed)
        feeds += result.is_feed
        for item in result.items:
            for text in (item.title, item.summary, item.url or "", item.source, item.identity):
                lowered = text.lower()
                if "<script" in lowered or "javascript:" in lowered:
                    leaks.append(f"{path.relative_to(CORPUS)}: {text[:120]!r}")
            assert item.url is None or item.url.startswith(("http://", "https://"))
    elapsed = time.monotonic() - started
    assert not leaks, "\n".join(leaks[:20])
    assert len(files) > 2000 and feeds > 1000
    assert elapsed < 30, f"corpus took {elapsed:.1f}s"
