"""Whether a fetch may connect: the local-address guard of :class:`bot.ingest.fetch.Fetcher`.

Unless local feeds are allowed (the watchlist's ``allow_local``), every connection goes to a
public address: the first request and every redirect hop. A literal address in a URL
(``127.0.0.1``, ``0x7f000001``, ``[::ffff:10.0.0.1]``) is checked before it is requested
(:func:`check_literal_address`), and a host name only ever connects to the public addresses it
resolves to (:class:`PublicResolver`), so neither a name that resolves to 127.0.0.1 nor a
redirect to an intranet address gets through. A redirect may only lead to another http(s) URL
(:func:`redirect_target`).

What counts as local is :mod:`bot.addresses` (shared with the watchlist check); this module
applies it to connections and words the refusals.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.addresses import host_address, is_public_address, plain_address
from bot.errors import FetchError
from bot.redact import redact_url

if TYPE_CHECKING:
    from aiohttp.abc import ResolveResult

log = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
LOCAL_HINT = "set `allow_local: true` in the watchlist to allow local feeds"


def _listed(addresses: list[str]) -> str:
    """At most three addresses, comma-separated, "..." when there are more."""
    return ", ".join(addresses[:3]) + (", ..." if len(addresses) > 3 else "")


class LocalAddressError(OSError):
    """A host name resolves only to local or private addresses (and those are refused)."""

    def __init__(self, host: str, addresses: list[str]) -> None:
        self.host, self.addresses = host, addresses
        super().__init__(
            f"{host} resolves only to a local or private address ({_listed(addresses)})"
        )


class PublicResolver(AbstractResolver):
    """A resolver that keeps only the public addresses another resolver finds.

    A name that resolves only to loopback, private, link-local ... addresses (see
    :func:`bot.addresses.is_public_address`) raises :class:`LocalAddressError`, so no
    connection is made. aiohttp connects to exactly the addresses its resolver returns, so a
    name cannot pass as public here and then connect to 127.0.0.1 (no second lookup to rebind).
    """

    def __init__(self, resolver: AbstractResolver | None = None) -> None:
        self._owns_inner = resolver is None
        self._inner = resolver if resolver is not None else DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        public = [r for r in found if is_public_address(r["host"])]
        if found and not public:
            raise LocalAddressError(host, sorted({r["host"] for r in found}))
        if len(public) < len(found):
            log.debug(
                "%s: using its public addresses only (%s)",
                host,
                ", ".join(r["host"] for r in public),
            )
        return public

    async def close(self) -> None:
        if self._owns_inner:
            await self._inner.close()


def literal_local_address(url: URL) -> str | None:
    """The URL's host, if it is a literal local or private address (``127.0.0.1``, also
    spelled ``127.1``, ``0x7f000001``, ``[::ffff:127.0.0.1]`` ...); None for a public address
    or a name (what a name resolves to is for :class:`PublicResolver`)."""
    host = url.raw_host
    ip = host_address(host) if host else None
    if host is None or ip is None or is_public_address(ip):
        return None
    canonical = plain_address(ip)
    return host if host == canonical else f"{host} ({canonical})"


def local_refusal(host: str, addresses: list[str] | None, *, redirected: bool) -> FetchError:
    """``127.0.0.1 is a local or private address; set `allow_local: true` ...`` and the like.

    ``addresses`` are what the name ``host`` resolved to; None when ``host`` is an address.
    """
    if addresses is None:
        what = "a local or private address"
        text = f"redirected to {host}, {what}" if redirected else f"{host} is {what}"
    else:
        what = f"resolves only to a local or private address ({_listed(addresses)})"
        text = f"redirected to {host}, which {what}" if redirected else f"{host} {what}"
    return FetchError(f"{text}; {LOCAL_HINT}")


def check_literal_address(target: URL, *, redirected: bool) -> None:
    """Raise FetchError if ``target`` names a literal local address (aiohttp does not ask the
    resolver about an address, so :class:`PublicResolver` never sees these)."""
    shown = literal_local_address(target)
    if shown is not None:
        raise local_refusal(shown, None, redirected=redirected)


def resolver_refusal(exc: aiohttp.ClientConnectorError, *, redirected: bool) -> FetchError | None:
    """The refusal in plain words when a connection failed because :class:`PublicResolver`
    refused the host; None for any other connection error."""
    error = exc.os_error
    if isinstance(error, LocalAddressError):
        return local_refusal(error.host, error.addresses, redirected=redirected)
    return None


def redirect_target(resp: aiohttp.ClientResponse) -> URL | None:
    """Where a redirect points (absolute, no fragment), or None if ``resp`` is not one to
    follow. A redirect to an invalid or non-HTTP URL (``file:///etc/passwd``) is an error."""
    if resp.status not in REDIRECT_STATUSES:
        return None
    location = resp.headers.get("Location") or resp.headers.get("URI")
    if not location:
        return None  # a 3xx without a target: an HTTP error for the caller
    try:
        target = resp.url.join(URL(location))
    except ValueError as exc:
        raise FetchError(f"redirected to an invalid URL: {redact_url(location)[:200]}") from exc
    if target.scheme not in ("http", "https") or not target.raw_host:
        raise FetchError(f"redirected to a non-HTTP URL: {redact_url(location)[:200]}")
    return target.with_fragment(None)
