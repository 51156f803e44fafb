"""HTTP (and optional local-file) fetching of feeds with aiohttp.

One :class:`Fetcher` owns one shared :class:`aiohttp.ClientSession`. Every failure comes out
as a :class:`~bot.errors.FetchError` whose message is in plain words ("HTTP 404 Not Found",
"timed out after 20s", "connection refused", ...). An HTML page served with status 200 is not
an error here: the feed parser decides what the body is.

Unless local feeds are allowed (the watchlist's ``allow_local``), every connection, redirects
included, must go to a public address: :mod:`bot.ingest.netguard` decides, hop by hop.

A little longer than the other modules: every way a transport can fail (DNS, TLS, resets,
timeouts, caps, redirects, files) is worded here, in one place.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from types import TracebackType
from urllib.parse import urlsplit
from urllib.request import url2pathname

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot._version import __version__
from bot.config.units import format_size
from bot.errors import FetchError
from bot.ingest.netguard import (
    PublicResolver,
    check_literal_address,
    redirect_target,
    resolver_refusal,
)
from bot.redact import redact_text, redact_url

log = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)


DEFAULT_USER_AGENT = (f"treatybot/{__version__} "
                      "(a feed reader following a treaty's status in the news)")


@dataclass
class FetchResult:
    url: str  # requested url
    final_url: str  # after redirects
    status: int  # HTTP status (200, 304, ...)
    body: bytes | None  # None on 304
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool  # True on 304
    elapsed: float


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _too_large(max_bytes: int, status: int | None = None) -> FetchError:
    return FetchError(
        f"response larger than {format_size(max_bytes, decimals=1)} limit", http_status=status
    )


def _http_error(status: int, reason: str | None) -> FetchError:
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    reason = " ".join(reason.split())[:100]
    message = f"HTTP {status} {reason}".rstrip()
    return FetchError(message, http_status=status)


class Fetcher:
    """Fetches feeds over HTTP(S) with one shared session, size cap, timeouts and redirect limit.

    ``allow_local``: local feeds are allowed, as with the watchlist's ``allow_local``:
    connections to loopback, private, link-local ... addresses and local files (a path or a
    ``file://`` URL). Off by default: every connection, redirects included, must then go to
    a public address. ``resolver`` looks up host names (default: aiohttp's); with local feeds off
    it is used through a :class:`PublicResolver`.

    A ``session`` passed in is used as it is, and its connector's resolver is its own: give
    it a ``PublicResolver`` (``aiohttp.TCPConnector(resolver=PublicResolver())``) unless
    local addresses are meant to be reachable. Literal addresses and redirects are checked
    either way.
    """

    def __init__(
        self,
        *,
        timeout: float = 20,
        connect_timeout: float = 10,
        max_bytes: int = 5 * 1024 * 1024,
        per_host: int = 2,
        max_redirects: int = 5,
        user_agent: str | None = None,
        allow_local: bool = False,
        resolver: AbstractResolver | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.max_redirects = max_redirects
        self.user_agent = user_agent or DEFAULT_USER_AGENT
        self._allow_local = allow_local
        self._resolver = resolver
        self._public_resolver: PublicResolver | None = None
        self._session = session
        self._owns_session = session is None
        self._client_timeout = aiohttp.ClientTimeout(
            total=timeout, connect=connect_timeout, sock_read=timeout
        )

    @property
    def allow_local(self) -> bool:
        """Whether local addresses and files may be fetched (fixed for the fetcher's life)."""
        return self._allow_local

    async def __aenter__(self) -> Fetcher:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this fetcher created it (a session passed in is left open)."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
        if self._public_resolver is not None:
            await self._public_resolver.close()
            self._public_resolver = None

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or (self._owns_session and self._session.closed):
            resolver = self._resolver
            if not self._allow_local:
                if self._public_resolver is None:
                    self._public_resolver = PublicResolver(self._resolver)
                resolver = self._public_resolver
            connector = aiohttp.TCPConnector(limit_per_host=self.per_host, resolver=resolver)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._client_timeout,
                auto_decompress=True,
            )
            self._owns_session = True
        return self._session

    # -- public -------------------------------------------------------------------------------

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """Fetch one URL; raise FetchError (message in plain words) when it cannot be had."""
        local_path = self._local_path(url)
        if local_path is not None:
            return await self._fetch_file(url, local_path, last_modified)
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(
                self._fetch_http(url, self._headers(etag, last_modified), started),
                timeout=self.timeout,
            )
        except FetchError as exc:
            log.debug("fetch %s failed: %s", redact_url(url), exc)
            raise
        except Exception as exc:  # anything else is translated into plain words
            error = self._translate(exc, url)
            log.debug("fetch %s failed: %s (%s)", redact_url(url), error,
                      redact_text(repr(exc), url))
            raise error from exc
        log.debug("fetched %s: %s in %.2fs", redact_url(url), result.status, result.elapsed)
        return result

    # -- http ---------------------------------------------------------------------------------

    def _headers(self, etag: str | None, last_modified: str | None) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        }
        if isinstance(etag, str) and etag.strip():
            headers["If-None-Match"] = etag.strip()
        if isinstance(last_modified, str) and last_modified.strip():
            headers["If-Modified-Since"] = last_modified.strip()
        return headers

    async def _fetch_http(self, url: str, headers: dict[str, str], started: float) -> FetchResult:
        """GET ``url``, following up to ``max_redirects`` redirects one by one, so that the
        address of every hop is checked before it is asked."""
        session = self._ensure_session()
        target = URL(url)
        for hop in range(self.max_redirects + 1):
            redirected = hop > 0
            if not self._allow_local:
                check_literal_address(target, redirected=redirected)
            try:
                async with session.get(
                    target, headers=headers, allow_redirects=False, timeout=self._client_timeout
                ) as resp:
                    location = redirect_target(resp)
                    if location is None:
                        return await self._result(url, resp, headers, started)
            except FetchError:
                raise
            except aiohttp.ClientConnectorError as exc:
                refusal = resolver_refusal(exc, redirected=redirected)
                raise (refusal or self._translate(exc, str(target))) from exc
            except Exception as exc:  # in plain words, naming this hop's host
                raise self._translate(exc, str(target)) from exc
            target = location
        raise FetchError(f"too many redirects (more than {self.max_redirects})")

    async def _result(
        self, url: str, resp: aiohttp.ClientResponse, headers: dict[str, str], started: float
    ) -> FetchResult:
        status = resp.status
        if status == 304:
            return FetchResult(
                url=url,
                final_url=str(resp.url),
                status=status,
                body=None,
                etag=resp.headers.get("ETag") or headers.get("If-None-Match"),
                last_modified=resp.headers.get("Last-Modified") or headers.get("If-Modified-Since"),
                content_type=resp.headers.get("Content-Type"),
                not_modified=True,
                elapsed=time.monotonic() - started,
            )
        if status >= 300:
            resp.close()
            raise _http_error(status, resp.reason)
        body = await self._read_capped(resp)
        return FetchResult(
            url=url,
            final_url=str(resp.url),
            status=status,
            body=body,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            content_type=resp.headers.get("Content-Type"),
            not_modified=False,
            elapsed=time.monotonic() - started,
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        """Read the (decompressed) body, giving up as soon as it passes max_bytes."""
        declared = resp.content_length
        if declared is not None and declared > self.max_bytes:
            resp.close()
            raise _too_large(self.max_bytes, resp.status)
        chunks: list[bytes] = []
        total = 0
        async for chunk in resp.content.iter_chunked(CHUNK_SIZE):
            total += len(chunk)
            if total > self.max_bytes:
                resp.close()
                raise _too_large(self.max_bytes, resp.status)
            chunks.append(chunk)
        return b"".join(chunks)

    def _translate(self, exc: BaseException, url: str) -> FetchError:
        """Turn an aiohttp/asyncio/OS exception into a FetchError in plain words."""
        host = urlsplit(url).hostname or redact_url(url)
        if isinstance(exc, aiohttp.TooManyRedirects):
            return FetchError(f"too many redirects (more than {self.max_redirects})")
        if isinstance(exc, aiohttp.ClientConnectorCertificateError):
            cert_error = exc.certificate_error
            detail = getattr(cert_error, "verify_message", None) or str(cert_error)
            return FetchError(f"TLS error: {detail}")
        if isinstance(exc, (aiohttp.ClientConnectorSSLError, aiohttp.ClientSSLError)):
            os_error = exc.os_error
            detail = getattr(os_error, "reason", None) or str(os_error) or "handshake failed"
            return FetchError(f"TLS error: {detail}")
        if isinstance(exc, aiohttp.ClientConnectorDNSError):
            return FetchError(f"could not resolve host {host}")
        if isinstance(exc, aiohttp.ClientConnectorError):
            return self._connect_error(exc, host)
        if isinstance(exc, aiohttp.ConnectionTimeoutError):
            return FetchError(
                f"timed out connecting to {host} after {_seconds(self.connect_timeout)}"
            )
        if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
            return FetchError(f"timed out after {_seconds(self.timeout)}")
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            return FetchError("server closed the connection without a complete response")
        if isinstance(exc, aiohttp.ClientPayloadError):
            return self._payload_error(exc)
        if isinstance(exc, (aiohttp.InvalidURL, ValueError, UnicodeError)):
            return FetchError(f"invalid URL: {redact_url(url)[:200]}")
        if isinstance(exc, aiohttp.NonHttpUrlClientError):
            return FetchError(f"redirected to a non-HTTP URL: {redact_text(str(exc), url)}")
        if isinstance(exc, aiohttp.ClientResponseError):
            return _http_error(exc.status, exc.message)
        if isinstance(exc, ConnectionResetError):
            return FetchError("connection reset by the server")
        if isinstance(exc, aiohttp.ClientError | OSError):
            detail = redact_text(str(exc), url) or type(exc).__name__
            return FetchError(f"request failed: {detail}")
        return FetchError(f"request failed: {type(exc).__name__}: {redact_text(str(exc), url)}")

    @staticmethod
    def _connect_error(exc: aiohttp.ClientConnectorError, host: str) -> FetchError:
        os_error = exc.os_error
        if isinstance(os_error, ConnectionRefusedError):
            return FetchError("connection refused")
        detail = getattr(os_error, "strerror", None) or str(os_error) or "unknown error"
        return FetchError(f"could not connect to {host}: {detail}")

    @staticmethod
    def _payload_error(exc: aiohttp.ClientPayloadError) -> FetchError:
        text = str(exc)
        if "content-encoding" in text.lower():
            return FetchError("could not decode the compressed response")
        return FetchError("response body was cut off or malformed")

    # -- local files --------------------------------------------------------------------------

    def _local_path(self, url: str) -> str | None:
        """The filesystem path a file:// URL or plain path names, or None for http(s)."""
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise FetchError(f"invalid URL: {redact_url(url)[:200]}") from exc
        scheme = parts.scheme.lower()
        if scheme in ("http", "https"):
            return None
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                raise FetchError(
                    f"file URL on another host is not supported: {redact_url(url)[:200]}")
            path = url2pathname(parts.path)
        elif scheme == "" or (len(scheme) == 1 and os.name == "nt"):
            path = url
        else:
            raise FetchError(f"unsupported URL scheme {scheme!r}")
        if not self._allow_local:
            raise FetchError(
                f"not an http(s) URL: {redact_url(url)[:200]} (local files are not allowed here)")
        return path

    async def _fetch_file(self, url: str, path: str, last_modified: str | None) -> FetchResult:
        started = time.monotonic()
        body, mtime = await asyncio.to_thread(self._read_file, path, last_modified)
        content_type, _ = mimetypes.guess_type(path)
        return FetchResult(
            url=url,
            final_url=url,
            status=200 if body is not None else 304,
            body=body,
            etag=None,
            last_modified=mtime,
            content_type=content_type,
            not_modified=body is None,
            elapsed=time.monotonic() - started,
        )

    def _read_file(self, path: str, last_modified: str | None) -> tuple[bytes | None, str]:
        """Read a local file under the size cap; body is None when it is unchanged."""
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                mtime = formatdate(info.st_mtime, usegmt=True)
                if last_modified and last_modified.strip() == mtime:
                    return None, mtime
                if info.st_size > self.max_bytes:
                    raise _too_large(self.max_bytes)
                body = handle.read(self.max_bytes + 1)
        except FileNotFoundError as exc:
            raise FetchError(f"file not found: {path}") from exc
        except IsADirectoryError as exc:
            raise FetchError(f"not a file: {path}") from exc
        except PermissionError as exc:
            raise FetchError(f"permission denied: {path}") from exc
        except OSError as exc:
            raise FetchError(f"could not read file {path}: {exc.strerror or exc}") from exc
        if len(body) > self.max_bytes:
            raise _too_large(self.max_bytes)
        return body, mtime
