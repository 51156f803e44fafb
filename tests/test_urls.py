"""Feed URLs fit to show (``redact_url``), error texts fit to show (``redact_text``) and the
base that a feed's relative links are resolved against (``link_base``)."""

from __future__ import annotations

import pytest

from bot.ingest.parse import parse_feed
from bot.ingest.urls import link_base
from bot.redact import is_secret_param, redact_text, redact_url


@pytest.mark.parametrize(("url", "shown"), [
    # credentials in the user info: gone, the host stays
    ("https://user:PASSWORD987@private.example/rss", "https://…@private.example/rss"),
    ("https://user@private.example:8443/rss", "https://…@private.example:8443/rss"),
    ("https://us%40er:p%3Ass@private.example/rss", "https://…@private.example/rss"),
    ("https://user:p@ss@private.example/rss", "https://…@private.example/rss"),  # raw @
    ("https://user:p#ss@private.example/rss", "https://…@private.example/rss"),  # raw #
    ("https://user:pa/ss@private.example/rss", "https://…@private.example/rss"),  # raw /
    ("http://user:pw@[::1]:8080/rss", "http://…@[::1]:8080/rss"),
    # secret-looking query parameters: the value goes, the name and the others stay
    ("https://newsapi.example/rss?apiKey=NEWSKEY123&lang=en",
     "https://newsapi.example/rss?apiKey=…&lang=en"),
    ("https://x.example/f?TOKEN=a&access_token=b&client_secret=c&password=d&pwd=e",
     "https://x.example/f?TOKEN=…&access_token=…&client_secret=…&password=…&pwd=…"),
    ("https://x.example/f?auth=a&X-Amz-Signature=b&sig=c&sessionid=d&credential=e&code=f",
     "https://x.example/f?auth=…&X-Amz-Signature=…&sig=…&sessionid=…&credential=…&code=…"),
    ("https://x.example/f?secret=a", "https://x.example/f?secret=…"),
    ("https://x.example/f?accessKey=a&sid=b&pw=c;api_key=d",
     "https://x.example/f?accessKey=…&sid=…&pw=…;api_key=…"),  # ; separates pairs too
    ("https://x.example/f?api%4Bey=a%20b&q=treaty", "https://x.example/f?api%4Bey=…&q=treaty"),
    ("https://x.example/f#access_token=a&state=b", "https://x.example/f#access_token=…&state=b"),
    ("https://…@x.example/f?apiKey=…", "https://…@x.example/f?apiKey=…"),  # idempotent
    # nothing secret: kept as written
    ("https://tass.com/rss/v2.xml", "https://tass.com/rss/v2.xml"),
    ("https://news.google.com/rss/search?q=Russia+Iran+treaty&hl=en-US&gl=US&ceid=US:en",
     "https://news.google.com/rss/search?q=Russia+Iran+treaty&hl=en-US&gl=US&ceid=US:en"),
    ("https://blog.example/feed?author=3&keywords=treaty",
     "https://blog.example/feed?author=3&keywords=treaty"),
    ("https://medium.com/feed/@someone", "https://medium.com/feed/@someone"),
    ("https://search.example/rss?q=@treaty", "https://search.example/rss?q=@treaty"),
    ("https://x.example/f?apiKey=&token", "https://x.example/f?apiKey=&token"),  # no value
    ("http://[::1]:8080/rss?page=2", "http://[::1]:8080/rss?page=2"),
    ("https://reader:PASSW", "https://reader:…"),  # cut short before the @: not a port
    ("https://${HOST}:${PORT}/rss", "https://${HOST}:${PORT}/rss"),
    ("/srv/feeds/local.xml", "/srv/feeds/local.xml"),
    ("file:///srv/feeds/local.xml", "file:///srv/feeds/local.xml"),
    # the watchlist as written: ${NAME} references are no secrets
    ("https://newsapi.example/rss?apiKey=${NEWS_KEY}",
     "https://newsapi.example/rss?apiKey=${NEWS_KEY}"),
    ("https://${FEED_USER}:${FEED_PASS}@private.example/rss",
     "https://${FEED_USER}:${FEED_PASS}@private.example/rss"),
    ("https://user:${FEED_PASS}@private.example/rss", "https://…@private.example/rss"),
    ("https://x.example/f?apiKey=pre${NEWS_KEY}", "https://x.example/f?apiKey=…"),
])
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert redact_url(shown) == shown


@pytest.mark.parametrize("garbage", [
    "", "   ", "http://[broken/rss?token=s3cret-value", "::::", "?token=s3cret-value",
    "http://", "//user:s3cret-value@host", "\x00\n\t", "é" * 5000, "https://h/%zz?key=%%",
])
def test_redact_url_never_raises_and_never_shows_a_secret(garbage: str) -> None:
    shown = redact_url(garbage)
    assert isinstance(shown, str) and "s3cret-value" not in shown


@pytest.mark.parametrize(("value", "shown"), [(None, ""), (42, "…"), (b"https://a:b@c/", "…")])
def test_redact_url_of_what_is_not_a_string(value: object, shown: str) -> None:
    assert redact_url(value) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "secret"), [
    ("apiKey", True), ("API_KEY", True), ("x-api-key", True), ("oauth_token", True),
    ("Authorization", True), ("passwd", True), ("SID", True), ("api%5Fkey", True),
    ("q", False), ("lang", False), ("page", False), ("author", False), ("Keywords", False),
    ("format", False), ("id", False),
])
def test_is_secret_param(name: str, secret: bool) -> None:
    assert is_secret_param(name) is secret


URL = "http://reader:PASSWORD987@127.0.0.1:99999/rss?apiKey=NEWSKEY123&lang=en"


@pytest.mark.parametrize(("text", "shown"), [
    (f"invalid URL: {URL}", "invalid URL: http://…@127.0.0.1:99999/rss?apiKey=…&lang=en"),
    # a URL cut short (fetch.py shows at most 200 characters) in a secret
    (f"invalid URL: {URL[:URL.index('KEY123')]}",
     "invalid URL: http://…@127.0.0.1:99999/rss?apiKey=…"),
    (f"invalid URL: {URL[:URL.index('WORD987')]}", "invalid URL: http://reader:…"),
    (f"fetch {URL} failed: HTTP 404",
     "fetch http://…@127.0.0.1:99999/rss?apiKey=…&lang=en failed: HTTP 404"),
    ("auth failed for PASSWORD987 (key NEWSKEY123)", "auth failed for … (key …)"),
    ("bad key NEWSKEY%31%32%33", "bad key NEWSKEY%31%32%33"),  # not what the URL has
    ("HTTP 404 Not Found", "HTTP 404 Not Found"),
    ("connection refused", "connection refused"),
])
def test_redact_text(text: str, shown: str) -> None:
    assert redact_text(text, URL) == shown


def test_redact_text_finds_the_percent_decoded_secret_and_needs_no_url() -> None:
    url = "https://u:p%40ss%2Fword@h.example/rss?token=a%2Bb%3Dsecret"
    assert redact_text("refused p@ss/word and a+b=secret", url) == "refused … and …"
    assert redact_text(f"see {url} now") == "see https://…@h.example/rss?token=… now"
    assert redact_text(None) is None and redact_text("") == ""  # type: ignore[arg-type]


@pytest.mark.parametrize(("url", "base"), [
    ("https://user:PASSWORD987@private.example/rss", "https://private.example/rss"),
    ("https://newsapi.example/rss?apiKey=NEWSKEY123&lang=en",
     "https://newsapi.example/rss?lang=en"),
    ("https://newsapi.example/rss?apiKey=NEWSKEY123", "https://newsapi.example/rss"),
    ("https://tass.com/rss?a=1;b=2#top", "https://tass.com/rss?a=1;b=2"),  # as written
    ("https://tass.com/rss/v2.xml", "https://tass.com/rss/v2.xml"),
])
def test_link_base(url: str, base: str) -> None:
    assert link_base(url) == base


def test_relative_links_in_a_private_feed_do_not_carry_its_secrets() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Private</title>
<item><title>Path</title><link>/news/1</link><guid>1</guid></item>
<item><title>Anchor</title><link>#item-2</link><guid>2</guid></item>
<item><title>Absolute</title><link>https://other.example/a?id=3</link><guid>3</guid></item>
</channel></rss>"""
    parsed = parse_feed(body, feed_name="Private", url=URL, content_type="application/rss+xml")
    assert [item.url for item in parsed.items] == [
        "http://127.0.0.1:99999/news/1", "http://127.0.0.1:99999/rss?lang=en",
        "https://other.example/a?id=3"]
