"""Secrets out of everything shown: URLs and text fit for logs, pages and chat messages.

Two strengths, one home:

    mask_url(url)          webhook URLs (the token is the path): scheme and host only,
                           "https://discord.com/api/webhooks/1/abc" -> "https://discord.com/…"
    redact_url(url)        feed URLs: user info and secret-looking query values become "…",
                           the rest is kept so a person still recognises the feed
    redact_text(text, url) the same inside free text (error messages, logs)

Pure functions, no I/O; they never raise on hostile input.
"""

from __future__ import annotations

import re
from typing import overload
from urllib.parse import unquote, unquote_plus, urlsplit


def mask_url(url: str) -> str:
    """Keep only scheme and host: ``https://discord.com/api/webhooks/1/abc`` -> ``https://discord.com/…``.

    Path, query, user info and in particular the token at the end are never shown.
    """
    if url is None:  # no URL at all (an output without one): still say something is hidden
        return "…"
    text = str(url).strip()
    if not text:
        return ""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "…"
    if not parts.scheme or not host:
        return "…"
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme}://{netloc}/…"



REDACTED = "…"
# A query parameter whose name contains one of these (case-insensitive) carries a secret.
SECRET_PARAM_WORDS = ("key", "token", "secret", "pass", "pwd", "auth", "sig", "signature",
                      "session", "credential", "code", "access", "jwt", "bearer")
SECRET_PARAM_NAMES = frozenset({"sid", "pw"})  # whole names only: the letters are too common
# Ordinary feed parameters that merely contain one of the words above.
HARMLESS_PARAM_NAMES = frozenset({"author", "authors", "keyword", "keywords"})
_PLACEHOLDERS = re.compile(r"(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+")  # ${NAME} as the file has it
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
PAIR_SEPARATORS = re.compile(r"([&;])")
_URL_IN_TEXT = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//[^\s'\"<>`]+")
_MIN_PIECE = 4  # shorter "secrets" are not hunted for in free text: they would match anything


def is_secret_param(name: str) -> bool:
    """Whether a query parameter called ``name`` (as written, maybe %-encoded) holds a secret."""
    lowered = unquote_plus(name).strip().lower()
    if lowered in HARMLESS_PARAM_NAMES:
        return False
    return lowered in SECRET_PARAM_NAMES or any(word in lowered for word in SECRET_PARAM_WORDS)


def _redact_pairs(text: str) -> str:
    """``a=1&apiKey=s3cret`` -> ``a=1&apiKey=…``; separators and other pairs as written."""
    pieces = PAIR_SEPARATORS.split(text)
    for i in range(0, len(pieces), 2):
        name, eq, value = pieces[i].partition("=")
        if eq and value and is_secret_param(name) and not _PLACEHOLDERS.fullmatch(value):
            pieces[i] = f"{name}={REDACTED}"
    return "".join(pieces)


def _looks_like_userinfo(authority: str) -> bool:
    """``user:pa`` of ``user:pa/ss@host``: a colon not followed by a port number."""
    host_port = authority.rsplit("]", 1)[-1]  # an IPv6 literal has colons of its own
    if ":" not in host_port:
        return False
    port = host_port.rsplit(":", 1)[1]
    return not port.isdigit()


def _split_authority(rest: str) -> tuple[str, str]:
    """(authority, what follows) of the text after ``//``; a password that holds a raw
    ``/``, ``?`` or ``#`` (a broken URL) still counts as part of the authority."""
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:end]
    if "@" not in authority and _looks_like_userinfo(authority) and "@" in rest:
        end = rest.rfind("@")
        end = min((i for i in (rest.find(c, end) for c in "/?#") if i >= 0), default=len(rest))
        authority = rest[:end]
    return authority, rest[end:]


def _redact_authority(authority: str) -> str:
    userinfo, at, host = authority.rpartition("@")
    if not at:
        if _looks_like_userinfo(authority):  # "user:pass" cut short before its "@", or junk
            host, _, port = authority.rpartition(":")
            if port and not _PLACEHOLDERS.fullmatch(port):
                return f"{host}:{REDACTED}"
        return authority
    kept = all(not part or _PLACEHOLDERS.fullmatch(part) for part in userinfo.split(":"))
    return f"{userinfo if kept else REDACTED}@{host}"


def url_parts(text: str) -> tuple[str, str | None, str, str | None, str | None]:
    """(scheme with its colon, authority or None, path, query or None, fragment or None),
    cut the way a browser would; never raises."""
    scheme, rest = "", text
    match = _SCHEME.match(text)
    if match and text.startswith("//", match.end()):
        scheme, rest = match.group(0), text[match.end() :]
    authority = None
    if rest.startswith("//"):
        authority, rest = _split_authority(rest[2:])
    rest, hash_, fragment = rest.partition("#")
    path, question, query = rest.partition("?")
    return scheme, authority, path, query if question else None, fragment if hash_ else None


def _redact(text: str) -> str:
    scheme, authority, path, query, fragment = url_parts(text)
    shown = scheme + ("" if authority is None else "//" + _redact_authority(authority)) + path
    if query is not None:
        shown += "?" + _redact_pairs(query)
    if fragment is not None:  # "#access_token=..." carries secrets the same way
        shown += "#" + _redact_pairs(fragment)
    return shown


def redact_url(url: str) -> str:
    """A feed URL fit to show in a terminal, a log, a page or a chat.

    The credentials of ``https://user:pass@host/`` become ``https://…@host/``; the value of
    every query parameter whose name looks secret (``apiKey``, ``token``, ``sig``, ``auth``,
    ... see :func:`is_secret_param`) becomes ``…``. Scheme, host, port, path and the other
    parameters are kept as written, so the feed stays recognisable; ``${NAME}`` references (a
    watchlist as written) are kept too, being no secrets. Never raises: anything that is not
    a string is shown as ``…``. Idempotent: a redacted URL stays as it is.
    """
    if not isinstance(url, str):
        return "" if url is None else REDACTED
    try:
        return _redact(url.strip())
    except Exception:  # noqa: BLE001 - a URL to show must never break what shows it
        return REDACTED


def _secret_pieces(url: str) -> list[str]:
    """The secret parts of ``url`` as they may be written: credentials, secret parameter
    values, each raw and %-decoded; longest first."""
    _, authority, _, query, fragment = url_parts(url.strip())
    pieces: set[str] = set()
    userinfo = (authority or "").rpartition("@")[0]
    if userinfo:  # the whole of it, and the password alone (a user name is a common word)
        pieces.update((userinfo, userinfo.partition(":")[2]))
    for text in (query or "", fragment or ""):
        for pair in PAIR_SEPARATORS.split(text)[::2]:
            name, eq, value = pair.partition("=")
            if eq and is_secret_param(name):
                pieces.add(value)
    pieces |= {unquote_plus(piece) for piece in pieces} | {unquote(piece) for piece in pieces}
    found = {p for p in pieces if len(p) >= _MIN_PIECE and not _PLACEHOLDERS.fullmatch(p)}
    return sorted(found, key=len, reverse=True)


@overload
def redact_text(text: str, url: str | None = None) -> str: ...
@overload
def redact_text(text: None, url: str | None = None) -> None: ...
def redact_text(text: str | None, url: str | None = None) -> str | None:
    """``text`` (an error message, a log line) with every URL in it redacted as
    :func:`redact_url` does and, when ``url`` is given, that URL's secrets removed wherever
    they appear (an exception may quote a password, or a URL cut short). Never raises."""
    if not isinstance(text, str) or not text:
        return text
    try:
        if url:
            text = text.replace(url.strip(), redact_url(url))
        text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
        for piece in _secret_pieces(url) if url else []:
            text = text.replace(piece, REDACTED)
        return text
    except Exception:  # noqa: BLE001 - an error message to show must never break
        return REDACTED
