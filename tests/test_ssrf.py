"""Local addresses stay out of reach unless ``allow_local: true``: at fetch time, for the first
request and every redirect, whatever way the address is written and whatever a name resolves
to. Real servers on 127.0.0.1; a stand-in DNS (an aiohttp resolver) plays the part of names
that no test may look up on the internet."""

from __future__ import annotations

import io
import shutil
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from servers import serve

from bot.addresses import host_local_reason
from bot.config import load_watchlist
from bot.core.app import App
from bot.errors import FetchError
from bot.ingest.fetch import Fetcher
from bot.ingest.netguard import LocalAddressError, PublicResolver

ROOT = Path(__file__).resolve().parent.parent
RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Hello</title><link>http://example.com/a</link></item></channel></rss>"""
HINT = "; set `allow_local: true` in the watchlist to allow local feeds"


class StandInDNS(AbstractResolver):
    """Answers for the names it is given; any other name does not exist."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[Any]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
            for address in self.names[host]
        ]

    async def close(self) -> None:
        return None


class PublicFeedHost(AbstractResolver):
    """``feeds.example`` stands for a public feed host (it is the test server on 127.0.0.1, as
    no test may reach the internet); every other name goes through ``others``."""

    def __init__(self, others: AbstractResolver) -> None:
        self.others = others

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[Any]:
        if host == "feeds.example":
            return await StandInDNS({host: ["127.0.0.1"]}).resolve(host, port, family)
        return await self.others.resolve(host, port, family)

    async def close(self) -> None:
        await self.others.close()


@dataclass
class Site:
    """The test server: a feed, a page that must never be reached, and redirects."""

    base: str = ""
    port: int = 0
    hits: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed", self._feed)
        app.router.add_get("/secret", self._secret)
        app.router.add_get("/moved", self._moved)
        return app

    async def _feed(self, request: web.Request) -> web.Response:
        self.hits.append("/feed")
        return web.Response(body=RSS, content_type="application/rss+xml")

    async def _secret(self, request: web.Request) -> web.Response:
        self.hits.append("/secret")
        return web.Response(text="internal only")

    async def _moved(self, request: web.Request) -> web.Response:
        self.hits.append("/moved")
        raise web.HTTPFound(request.query["to"].replace("PORT", str(self.port)))


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    site = Site()
    async with serve(site.app()) as base:
        site.base, site.port = base, int(base.rsplit(":", 1)[1])
        yield site


# ---------------------------------------------------------------------------------------------
# The first request
# ---------------------------------------------------------------------------------------------


async def test_a_name_resolving_to_loopback_is_refused_at_fetch_time(site: Site) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(f"http://localhost:{site.port}/feed")
    message = str(info.value)
    assert message.startswith("localhost resolves only to a local or private address (")
    assert "127.0.0.1" in message and message.endswith(HINT)
    assert site.hits == []

    async with Fetcher(allow_local=True) as fetcher:  # the same URL when local feeds are allowed
        result = await fetcher.fetch(f"http://localhost:{site.port}/feed")
    assert result.body == RSS and site.hits == ["/feed"]


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.1 (127.0.0.1)"),
        ("0x7f000001", "0x7f000001 (127.0.0.1)"),
        ("2130706433", "2130706433 (127.0.0.1)"),
        ("0177.0.0.1", "0177.0.0.1 (127.0.0.1)"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1 (127.0.0.1)"),
        ("[::1]", "::1"),
        ("0.0.0.0", "0.0.0.0"),
    ],
)
async def test_a_literal_local_address_is_refused_in_any_spelling(
    site: Site, host: str, shown: str
) -> None:
    async with Fetcher() as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(f"http://{host}:{site.port}/feed")
    assert str(info.value) == f"{shown} is a local or private address{HINT}"
    assert site.hits == []


@pytest.mark.parametrize(
    ("name", "addresses", "shown"),
    [
        ("intranet.example", ["10.1.2.3"], "10.1.2.3"),
        ("metadata.example", ["169.254.169.254"], "169.254.169.254"),
        ("cgnat.example", ["100.64.0.1"], "100.64.0.1"),
        ("mapped.example", ["::ffff:192.168.0.1", "fd00::1"], "::ffff:192.168.0.1, fd00::1"),
        (
            "many.example",
            ["127.0.0.1", "10.0.0.1", "192.168.1.1", "172.16.0.1"],
            "10.0.0.1, 127.0.0.1, 172.16.0.1, ...",
        ),
    ],
)
async def test_a_name_the_dns_points_at_a_private_address_is_refused(
    name: str, addresses: list[str], shown: str
) -> None:
    dns = StandInDNS({name: addresses})
    started = time.monotonic()
    async with Fetcher(resolver=dns, connect_timeout=5) as fetcher:
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(f"https://{name}/feed.xml")
    assert str(info.value) == f"{name} resolves only to a local or private address ({shown}){HINT}"
    assert dns.asked == [name]
    assert time.monotonic() - started < 1  # refused, not a connection attempt that timed out


async def test_the_public_resolver_keeps_only_public_addresses() -> None:
    dns = StandInDNS({"dual.example": ["127.0.0.1", "93.184.216.34", "::1", "2606:4700::1"]})
    resolver = PublicResolver(dns)
    found = await resolver.resolve("dual.example", 443, socket.AF_UNSPEC)
    assert [r["host"] for r in found] == ["93.184.216.34", "2606:4700::1"]
    with pytest.raises(OSError) as info:  # a name that does not exist stays a DNS failure
        await resolver.resolve("nowhere.example", 443)
    assert not isinstance(info.value, LocalAddressError)


async def test_unknown_names_are_still_dns_failures() -> None:
    async with Fetcher(resolver=StandInDNS({})) as fetcher:
        with pytest.raises(FetchError, match=r"^could not resolve host nowhere\.example$"):
            await fetcher.fetch("http://nowhere.example/feed")


# ---------------------------------------------------------------------------------------------
# Redirects: a public feed host (the stand-in) that sends the fetcher somewhere local
# ---------------------------------------------------------------------------------------------


def stand_in_session() -> aiohttp.ClientSession:
    """A session in which feeds.example is the public feed host, and every other name is
    resolved by a PublicResolver (intranet.example -> 127.0.0.1, localhost as the system has it).
    """
    others = PublicResolver(StandInDNS({"intranet.example": ["127.0.0.1"]}))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=PublicFeedHost(others)))


@pytest.mark.parametrize(
    ("target", "refusal"),
    [
        ("http://127.0.0.1:PORT/secret", "redirected to 127.0.0.1, a local or private address"),
        (
            "http://0x7f000001:PORT/secret",
            "redirected to 0x7f000001 (127.0.0.1), a local or private address",
        ),
        (
            "http://[::ffff:127.0.0.1]:PORT/secret",
            "redirected to ::ffff:7f00:1 (127.0.0.1), a local or private address",
        ),
        (
            "http://intranet.example:PORT/secret",
            "redirected to intranet.example, which resolves only to a local or private address "
            "(127.0.0.1)",
        ),
    ],
)
async def test_a_redirect_to_a_local_address_is_refused(
    site: Site, target: str, refusal: str
) -> None:
    start = f"http://feeds.example:{site.port}/moved?to={target}"
    async with stand_in_session() as session:
        fetcher = Fetcher(session=session)
        with pytest.raises(FetchError) as info:
            await fetcher.fetch(start)
        assert str(info.value) == refusal + HINT
        assert site.hits == ["/moved"]  # the redirect was read; its target never asked

        ok = await fetcher.fetch(f"http://feeds.example:{site.port}/moved?to=/feed")
        assert ok.final_url == f"http://feeds.example:{site.port}/feed" and ok.body == RSS
        assert site.hits == ["/moved", "/moved", "/feed"]


@pytest.mark.parametrize(
    "target", ["http://127.0.0.1:PORT/secret", "http://[::ffff:127.0.0.1]:PORT/secret"]
)
async def test_the_same_redirects_reach_the_server_with_local_feeds_allowed(
    site: Site, target: str
) -> None:
    """The refusals above are the check at work: allowed, these redirects do reach the page."""
    async with stand_in_session() as session:
        fetcher = Fetcher(session=session, allow_local=True)
        result = await fetcher.fetch(f"http://feeds.example:{site.port}/moved?to={target}")
    assert result.body == b"internal only" and site.hits == ["/moved", "/secret"]


async def test_a_failed_redirect_names_the_host_it_went_to(site: Site) -> None:
    async with stand_in_session() as session:
        fetcher = Fetcher(session=session)
        with pytest.raises(FetchError, match=r"^could not resolve host nowhere\.example$"):
            await fetcher.fetch(
                f"http://feeds.example:{site.port}/moved?to=http://nowhere.example/feed"
            )


# ---------------------------------------------------------------------------------------------
# The running bot: the refusal is the feed's error, like any other failed fetch
# ---------------------------------------------------------------------------------------------


def loopback_name() -> str:
    """A host name the watchlist accepts (not ``localhost``) that this machine resolves to
    127.0.0.1 only: its own name, as most systems have it in /etc/hosts."""
    for name in (socket.gethostname(), "localhost.localdomain"):
        if not name or host_local_reason(name) is not None:
            continue
        try:
            infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
        except OSError:
            continue
        addresses = {info[4][0] for info in infos}
        if "127.0.0.1" in addresses and all(a.startswith("127.") or a == "::1" for a in addresses):
            return name
    pytest.skip("no host name on this machine resolves to 127.0.0.1 only (besides localhost)")


def watchlist(folder: Path, url: str, *, allow_local: bool) -> Path:
    if not (folder / "seeds").exists():
        shutil.copytree(ROOT / "seeds", folder / "seeds")
    path = folder / "watchlist.yaml"
    path.write_text(
        f"allow_local: {'true' if allow_local else 'false'}\n"
        f"feeds:\n  - name: Sneaky\n    url: {url}\n"
        "outputs:\n  - type: jsonl\n    path: digests.jsonl\n",
        encoding="utf-8",
    )
    return path


async def run_once(folder: Path, url: str, *, allow_local: bool) -> dict[str, Any]:
    app = App(
        load_watchlist(watchlist(folder, url, allow_local=allow_local)),
        folder / "state",
        console_stream=io.StringIO(),
    )
    await app.start()
    try:
        await app.run_once()
        (state,) = app.db.feed_states()
        return state
    finally:
        await app.close()


async def test_the_bot_records_a_refused_feed_as_failed(site: Site, tmp_path: Path) -> None:
    name = loopback_name()
    url = f"http://{name}:{site.port}/feed"
    state = await run_once(tmp_path, url, allow_local=False)
    assert state["failures"] == 1
    assert state["last_error"].startswith(f"{name} resolves only to a local or private address")
    assert site.hits == []

    state = await run_once(tmp_path, url, allow_local=True)
    assert state["failures"] == 0 and state["last_error"] is None
    assert site.hits == ["/feed"]
