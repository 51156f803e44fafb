"""Which addresses are local: the one reading of an IP address or host, shared by the
watchlist check (``allow_local``) and the fetcher's guard (:mod:`bot.ingest.netguard`).

    host_address("0x7f000001") -> 127.0.0.1 (as the socket layer reads it)
    is_public_address(ip) -> bool        False for loopback, private, 100.64/10, multicast ...
    local_url_reason(url) -> str | None  why a feed URL counts as local (needs allow_local)

Pure functions, no I/O: what a host *name* resolves to is checked when it is fetched.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known prefix: IPv4 inside IPv6
_IPV4_NUMBER = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


def host_address(host: str) -> IPAddress | None:
    """The IP address ``host`` spells out, read as the socket layer reads it; None for a name.

    Besides ``127.0.0.1`` and ``[::1]`` this knows the forms ``inet_aton`` (and so
    ``getaddrinfo``) accepts: ``127.1``, ``0x7f000001``, ``2130706433``, ``0177.0.0.1``.
    A trailing dot (``127.0.0.1.``) is ignored.
    """
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    if not text or not _IPV4_NUMBER.fullmatch(text):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(ip: IPAddress | str) -> bool:
    """Whether a connection to ``ip`` goes to the public internet.

    Not public: loopback, private, link-local, carrier-grade NAT (100.64.0.0/10), unspecified
    (``0.0.0.0``, ``::``), multicast, reserved and documentation ranges, and IPv6 addresses
    that carry one of those IPv4 addresses (``::ffff:127.0.0.1``). Text that is not an
    address (a scope like ``%eth0`` is fine) counts as not public.
    """
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip)
        except ValueError:
            return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_reserved
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
    )


def plain_address(ip: IPAddress) -> str:
    """The address as people write it: an IPv4 address carried in IPv6 shows as IPv4."""
    embedded = _embedded_ipv4(ip) if isinstance(ip, ipaddress.IPv6Address) else None
    return str(embedded or ip)


def _shown_address(host: str, ip: IPAddress) -> str:
    """``127.0.0.1``; ``0x7f000001 = 127.0.0.1`` when the URL spells it another way."""
    canonical = plain_address(ip)
    return host if host == canonical else f"{host} = {canonical}"


def host_local_reason(host: str) -> str | None:
    """Why a URL host counts as local (``a local or private address (…)``), or None.

    Only ``localhost`` names and literal addresses (in any form the socket layer accepts)
    are recognised here: what a name resolves to is checked when it is fetched.
    """
    name = host.strip("[]").lower()
    if name.rstrip(".") == "localhost" or name.rstrip(".").endswith(".localhost"):
        return f"a local or private address ({host})"
    ip = host_address(host)
    if ip is not None and not is_public_address(ip):
        return f"a local or private address ({_shown_address(host, ip)})"
    return None


def local_url_reason(url: str) -> str | None:
    """Why ``url`` counts as local (a file, loopback/private/link-local host), or None.

    Only literal IP addresses and ``localhost`` are recognised: the fetcher must still
    check the addresses a host name resolves to (see :mod:`bot.ingest.netguard`).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file" or len(scheme) <= 1:  # "file://", a plain path, or "C:\..."
        return "a local file"
    host = parts.hostname or ""
    return host_local_reason(host) if host else None
