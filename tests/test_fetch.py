"""bot.ingest.fetch against real aiohttp servers on 127.0.0.1 (no other network)."""

from __future__ import annotations

import asyncio
import gzip
import os
import shutil
import socket
import ssl
import subprocess
import time
import zlib
from email.utils import formatdate
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import servers
from aiohttp import web
from aiohttp.abc import AbstractResolver
from servers import closed_port, routes_app, serve, static_app

from bot.errors import FetchError
from bot.ingest.fetch import DEFAULT_USER_AGENT, Fetcher

serve_app = servers.serve_app  # the fixture, for tests below (a conftest may register it)

MB = 1024 * 1024


def local_fetcher(**options: Any) -> Fetcher:
    """A Fetcher that may reach the test servers on 127.0.0.1 (by default it refuses them)."""
    return Fetcher(allow_local=True, **options)


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Hello</title><link>http://example.com/a</link></item></channel></rss>"""


async def test_etag_then_not_modified() -> None:
    seen: list[str | None] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=RSS, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    async with serve(routes_app({"/feed": feed})) as base, local_fetcher() as fetcher:
        first = await fetcher.fetch(f"{base}/feed")
        empty = await fetcher.fetch(f"{base}/feed", etag="", last_modified="")
        second = await fetcher.fetch(f"{base}/feed", etag=first.etag)

    assert first.status == 200 and first.body == RSS and not first.not_modified
    assert first.etag == '"v1"'
    assert first.content_type is not None and first.content_type.startswith("application/rss+xml")
    assert empty.status == 200
    assert seen == [None, None, '"v1"']
    assert second.status == 304 and second.not_modified and second.body is None
    assert second.etag == '"v1"'


async def test_last_modified_only() -> None:
    stamp = "Wed, 01 Jan 2025 10:00:00 GMT"
    seen: list[tuple[str | None, str | None]] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(
            (request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since"))
        )
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(body=RSS, headers={"Last-Modified": stamp})

    async with serve(routes_app({"/feed": feed})) as base, local_fetcher() as fetcher:
        first = await fetcher.fetch(f"{base}/feed")
        second = await fetcher.fetch(
            f"{base}/feed", etag=first.etag, last_modified=first.last_modified
        )

    assert first.etag is None and first.last_modified == stamp
    assert seen == [(None, None), (None, stamp)]
    assert second.not_modified and second.body is None
    assert second.last_modified == stamp  # kept from the request when the 304 omits it


@pytest.mark.parametrize(
    ("status", "message"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
async def test_http_errors(status: int, message: str) -> None:
    async def fail(request: web.Request) -> web.Response:
        return web.Response(status=status, text="nope")

    async with serve(routes_app({"/feed": fail})) as base, local_fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(f"{base}/feed")
    assert str(info.value) == message
    assert info.value.http_status == status


async def test_timeout() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(body=RSS)

    async with serve(routes_app({"/feed": slow})) as base, local_fetcher(timeout=0.5) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"^timed out after 0\.5s$"):
            await fetcher.fetch(f"{base}/feed")
    assert time.monotonic() - started < 2


async def test_trickling_body_ends_at_timeout() -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        for _ in range(200):  # 40 s if nobody stops it
            await response.write(b"x")
            await asyncio.sleep(0.2)
        return response

    async with serve(routes_app({"/feed": trickle})) as base, local_fetcher(timeout=1) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"^timed out after 1s$"):
            await fetcher.fetch(f"{base}/feed")
    assert time.monotonic() - started < 2.5


async def test_redirect_loop() -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    async with serve(routes_app({"/loop": loop})) as base, local_fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"^too many redirects \(more than 5\)$"):
            await fetcher.fetch(f"{base}/loop")


async def test_redirect_followed_reports_final_url() -> None:
    async def old(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/new")

    async def new(request: web.Request) -> web.Response:
        return web.Response(body=RSS)

    async with serve(routes_app({"/old": old, "/new": new})) as base, local_fetcher() as fetcher:
        result = await fetcher.fetch(f"{base}/old")
    assert result.url == f"{base}/old" and result.final_url == f"{base}/new"
    assert result.body == RSS


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
async def test_up_to_max_redirects_are_followed(hops: int, ok: bool) -> None:
    async def step(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n < hops:
            raise web.HTTPFound(f"/r/{n + 1}")
        return web.Response(body=RSS)

    app = web.Application()
    app.router.add_get("/r/{n}", step)
    async with serve(app) as base, local_fetcher(max_redirects=5) as fetcher:
        if ok:
            result = await fetcher.fetch(f"{base}/r/0")
            assert result.final_url == f"{base}/r/{hops}" and result.body == RSS
        else:
            with pytest.raises(FetchError, match=r"^too many redirects \(more than 5\)$"):
                await fetcher.fetch(f"{base}/r/0")


async def test_redirect_keeps_conditional_headers_and_drops_the_fragment() -> None:
    seen: list[tuple[str, str | None]] = []

    async def old(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect("new?x=1#part")

    async def new(request: web.Request) -> web.Response:
        seen.append((str(request.rel_url), request.headers.get("If-None-Match")))
        return web.Response(status=304, headers={"ETag": '"v1"'})

    app = routes_app({"/feeds/old": old, "/feeds/new": new})
    async with serve(app) as base, local_fetcher() as fetcher:
        result = await fetcher.fetch(f"{base}/feeds/old", etag='"v1"')
    assert result.not_modified and result.final_url == f"{base}/feeds/new?x=1"
    assert seen == [("/feeds/new?x=1", '"v1"')]


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("ftp://example.com/feed", r"^redirected to a non-HTTP URL: ftp://example\.com/feed$"),
        ("file:///etc/passwd", r"^redirected to a non-HTTP URL: file:///etc/passwd$"),
        (None, r"^HTTP 302 Found$"),
    ],
)
async def test_bad_redirects(location: str | None, message: str) -> None:
    async def moved(request: web.Request) -> web.Response:
        headers = {"Location": location} if location else {}
        return web.Response(status=302, headers=headers)

    async with serve(routes_app({"/feed": moved})) as base, local_fetcher() as fetcher:
        with pytest.raises(FetchError, match=message):
            await fetcher.fetch(f"{base}/feed")


async def test_huge_streamed_body_stops_at_cap() -> None:
    sent = {"bytes": 0, "finished": False}
    done = asyncio.Event()
    chunk = b"a" * (64 * 1024)

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        try:
            while sent["bytes"] < 20 * MB:
                await response.write(chunk)
                sent["bytes"] += len(chunk)
            sent["finished"] = True
        finally:
            done.set()
        return response

    async with serve(routes_app({"/feed": huge})) as base, local_fetcher() as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"^response larger than 5\.0 MB limit$"):
            await fetcher.fetch(f"{base}/feed")
        elapsed = time.monotonic() - started
        await asyncio.wait_for(done.wait(), 5)  # the server's write fails once we hang up
    assert elapsed < 5
    assert not sent["finished"]  # the client hung up; the server never got all 20 MB out


async def test_declared_content_length_over_cap_fails_up_front() -> None:
    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"b" * (20 * MB))

    async with serve(routes_app({"/feed": big})) as base, local_fetcher() as fetcher:
        with pytest.raises(FetchError, match="larger than 5.0 MB") as info:
            await fetcher.fetch(f"{base}/feed")
    assert info.value.http_status == 200


async def test_gzip_body_is_decoded() -> None:
    seen: list[str] = []

    async def zipped(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Accept-Encoding", ""))
        return web.Response(
            body=gzip.compress(RSS),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
        )

    async with serve(routes_app({"/feed": zipped})) as base, local_fetcher() as fetcher:
        result = await fetcher.fetch(f"{base}/feed")
    assert result.body == RSS
    assert "gzip" in seen[0] and "deflate" in seen[0]


def _gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"\0" * MB
    parts = [packer.compress(block) for _ in range(size // MB)]
    parts.append(packer.flush())
    return b"".join(parts)


async def test_gzip_bomb_is_stopped_by_cap() -> None:
    bomb = _gzip_bomb(200 * MB)
    assert len(bomb) < MB

    async def boom(request: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    async with serve(routes_app({"/feed": boom})) as base, local_fetcher() as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"^response larger than 5\.0 MB limit$"):
            await fetcher.fetch(f"{base}/feed")
    assert time.monotonic() - started < 5


async def test_html_page_is_a_body_not_an_error() -> None:
    page = "<!doctype html><html><head><title>Hi</title></head><body>Hello</body></html>"
    app = static_app({"/": (page, "text/html; charset=utf-8")})
    async with serve(app) as base, local_fetcher() as fetcher:
        result = await fetcher.fetch(f"{base}/")
    assert result.status == 200 and result.body == page.encode()
    assert result.content_type == "text/html; charset=utf-8"


async def test_connection_refused() -> None:
    async with local_fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"^connection refused$") as info:
            await fetcher.fetch(f"http://127.0.0.1:{closed_port()}/feed")
    assert info.value.http_status is None


class _NoSuchHost(AbstractResolver):
    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list:
        raise OSError(socket.EAI_NONAME, "Name or service not known")

    async def close(self) -> None:
        return None


async def test_dns_failure_in_plain_words() -> None:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=_NoSuchHost()))
    try:
        fetcher = Fetcher(session=session)
        with pytest.raises(FetchError, match=r"^could not resolve host no-such-host\.invalid$"):
            await fetcher.fetch("http://no-such-host.invalid/feed")
        await fetcher.close()
        assert not session.closed  # a session passed in belongs to the caller
    finally:
        await session.close()


async def test_per_host_limit_is_respected() -> None:
    state = {"now": 0, "peak": 0}

    async def slow(request: web.Request) -> web.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        try:
            await asyncio.sleep(0.15)
        finally:
            state["now"] -= 1
        return web.Response(body=RSS)

    async with serve(routes_app({"/feed": slow})) as base, local_fetcher(per_host=2) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(f"{base}/feed?n={i}") for i in range(6)))
    assert all(r.status == 200 for r in results)
    assert state["peak"] == 2


async def test_user_agent() -> None:
    seen: list[str] = []

    async def feed(request: web.Request) -> web.Response:
        seen.append(request.headers.get("User-Agent", ""))
        return web.Response(body=RSS)

    async with serve(routes_app({"/feed": feed})) as base, local_fetcher() as fetcher:
        await fetcher.fetch(f"{base}/feed")
    assert seen[0] == DEFAULT_USER_AGENT
    assert seen[0].startswith("treatybot/0.") and "treaty" in seen[0]


async def test_fetcher_without_context_manager_creates_and_closes_session(serve_app) -> None:
    base = await serve_app(static_app({"/feed": RSS}))
    other = await serve_app(static_app({"/feed": (b"{}", "application/feed+json")}))
    fetcher = local_fetcher()
    try:
        result = await fetcher.fetch(f"{base}/feed")
        json_result = await fetcher.fetch(f"{other}/feed")
    finally:
        await fetcher.close()
    assert result.body == RSS and result.content_type == "application/xml"
    assert json_result.body == b"{}" and json_result.content_type == "application/feed+json"
    assert base != other


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return str(cert), str(key)


async def test_tls_error_in_plain_words(self_signed: tuple[str, str]) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed)
    async with serve(static_app({"/feed": RSS}), ssl_context=context) as base, local_fetcher() as f:
        assert base.startswith("https://")
        with pytest.raises(FetchError, match=r"^TLS error: .*certificate"):
            await f.fetch(f"{base}/feed")


async def test_unsupported_scheme_and_local_files_off_by_default(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError, match="unsupported URL scheme 'ftp'"):
            await fetcher.fetch("ftp://example.com/feed")
        with pytest.raises(FetchError, match="local files are not allowed"):
            await fetcher.fetch(str(path))
        with pytest.raises(FetchError, match="local files are not allowed"):
            await fetcher.fetch(path.as_uri())


@pytest.mark.parametrize("url", ["http://", "https://[::1/feed", "http://127.0.0.1:99999/feed"])
async def test_invalid_url(url: str) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError, match=r"^invalid URL: "):
            await fetcher.fetch(url)


async def test_local_files(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    async with Fetcher(allow_local=True) as fetcher:
        by_path = await fetcher.fetch(str(path))
        by_uri = await fetcher.fetch(path.as_uri())
        again = await fetcher.fetch(str(path), last_modified=by_path.last_modified)
        with pytest.raises(FetchError, match="file not found"):
            await fetcher.fetch(str(tmp_path / "missing.xml"))
    assert by_path.body == RSS and by_uri.body == RSS and by_path.status == 200
    assert by_path.last_modified == formatdate(path.stat().st_mtime, usegmt=True)  # HTTP-date
    assert by_path.content_type == "application/xml"
    assert again.not_modified and again.body is None and again.status == 304


async def test_local_file_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with open(path, "wb") as handle:
        handle.truncate(2 * MB)
    async with Fetcher(allow_local=True, max_bytes=MB) as fetcher:
        with pytest.raises(FetchError, match=r"^response larger than 1\.0 MB limit$"):
            await fetcher.fetch(os.fspath(path))
