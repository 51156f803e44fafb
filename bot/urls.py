"""Canonical URLs: one spelling per article, so the same story is recognised across feeds.

Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "ocid",
        "at_medium",
        "at_campaign",
        "at_campaign_type",
        "at_link",
        "at_link_id",
        "at_link_origin",
        "at_link_type",
        "at_format",
        "at_ptr_name",
        "at_bbc_team",
        "rss",
        "from",
        "feature",
        "smid",
        "smtyp",
        "spm",
        "wt_mc",
        "wt.mc_id",
        "__twitter_impression",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "ito",
    }
)
TRACKING_PREFIXES = ("utm_", "at_custom", "pk_", "mtm_")

DEFAULT_PORTS = {"http": 80, "https": 443}

# (host, path) of aggregator redirects -> query parameters that carry the real URL.
# t.co and news.google.com/articles/... hide the target and cannot be unwrapped offline.
REDIRECTORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("news.google.com", "/url"): ("url", "q"),
    ("www.google.com", "/url"): ("url", "q"),
    ("google.com", "/url"): ("url", "q"),
    ("l.facebook.com", "/l.php"): ("u",),
    ("lm.facebook.com", "/l.php"): ("u",),
    ("www.facebook.com", "/l.php"): ("u",),
    ("www.bing.com", "/news/apiclick.aspx"): ("url",),
    ("bing.com", "/news/apiclick.aspx"): ("url",),
    ("www.bing.com", "/news/apiclick"): ("url",),
    ("duckduckgo.com", "/l/"): ("uddg",),
    ("www.youtube.com", "/redirect"): ("q",),
    ("t.umblr.com", "/redirect"): ("z",),
    ("out.reddit.com", "/"): ("url",),
    ("href.li", "/"): ("url",),
    ("feedproxy.google.com", "/"): ("url",),
    ("feeds.feedburner.com", "/"): ("url",),
}

MAX_UNWRAP_DEPTH = 4


def _is_tracking(key: str) -> bool:
    name = unquote_plus(key).strip().lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking parameters and sort the rest, keeping each pair's original encoding."""
    pairs = [pair for pair in query.split("&") if pair]
    kept = [pair for pair in pairs if not _is_tracking(pair.partition("=")[0])]
    return "&".join(sorted(kept))


def _clean_netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    try:
        parts = urlsplit(f"//{hostport}")
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return netloc.lower()
    if not host:
        return netloc.lower()
    host = host.rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        host = f"{host}:{port}"
    return f"{userinfo}@{host}" if userinfo else host


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking params, sorted query."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    netloc = _clean_netloc(scheme, parts.netloc) if parts.netloc else ""
    path = parts.path
    if not path and netloc and scheme in DEFAULT_PORTS:
        path = "/"
    return urlunsplit((scheme, netloc, path, _clean_query(parts.query), ""))


def _redirect_target(url: str) -> str | None:
    """The real URL an aggregator redirect carries, or None when url is not one."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    params = REDIRECTORS.get((host, parts.path or "/"))
    if params is None:
        return None
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    for name in params:
        target = query.get(name, "").strip()
        if target.lower().startswith(("http://", "https://")):
            return target
    return None


def unwrap_redirect(url: str) -> str:
    """Follow aggregator redirect links (google.com/url?url=..., l.facebook.com/l.php?u=...)
    to the URL they carry, then canonicalise. Other URLs are only canonicalised."""
    current = url
    for _ in range(MAX_UNWRAP_DEPTH):
        target = _redirect_target(current)
        if target is None:
            break
        current = target
    return canonical_url(current)


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


# --------------------------------------------------------------------------------------------
# Feed URLs fit to show: secrets out, the rest kept so a person still recognises the feed
# --------------------------------------------------------------------------------------------

REDACTED = "…"
# A query parameter whose name contains one of these (case-insensitive) carries a secret.
SECRET_PARAM_WORDS = ("key", "token", "secret", "pass", "pwd", "auth", "sig", "signature",
                      "session", "credential", "code", "access", "jwt", "bearer")
SECRET_PARAM_NAMES = frozenset({"sid", "pw"})  # whole names only: the letters are too common
# Ordinary feed parameters that merely contain one of the words above.
HARMLESS_PARAM_NAMES = frozenset({"author", "authors", "keyword", "keywords"})
_PLACEHOLDERS = re.compile(r"(?:\$\{[A-Za-z_][A-Za-z0-9_]*\})+")  # ${NAME} as the file has it
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_PAIR_SEPARATORS = re.compile(r"([&;])")
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
    pieces = _PAIR_SEPARATORS.split(text)
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


def _parts(text: str) -> tuple[str, str | None, str, str | None, str | None]:
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
    scheme, authority, path, query, fragment = _parts(text)
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
    _, authority, _, query, fragment = _parts(url.strip())
    pieces: set[str] = set()
    userinfo = (authority or "").rpartition("@")[0]
    if userinfo:  # the whole of it, and the password alone (a user name is a common word)
        pieces.update((userinfo, userinfo.partition(":")[2]))
    for text in (query or "", fragment or ""):
        for pair in _PAIR_SEPARATORS.split(text)[::2]:
            name, eq, value = pair.partition("=")
            if eq and is_secret_param(name):
                pieces.add(value)
    pieces |= {unquote_plus(piece) for piece in pieces} | {unquote(piece) for piece in pieces}
    found = {p for p in pieces if len(p) >= _MIN_PIECE and not _PLACEHOLDERS.fullmatch(p)}
    return sorted(found, key=len, reverse=True)


def redact_text(text: str, url: str | None = None) -> str:
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


def link_base(url: str) -> str:
    """``url`` as the base that relative links in its body are resolved against: without its
    credentials, secret query parameters and fragment, so that no article link inherits the
    feed's password or API key (``urljoin`` keeps the user info, and a ``#x`` link the query)."""
    if not isinstance(url, str):
        return ""
    try:
        scheme, authority, path, query, _ = _parts(url.strip())
        base = scheme + ("" if authority is None else "//" + authority.rpartition("@")[2]) + path
        if query is not None:
            pieces = _PAIR_SEPARATORS.split(query)[::2]
            kept = [p for p in pieces
                    if not (p.partition("=")[1] and is_secret_param(p.partition("=")[0]))]
            if len(kept) == len(pieces):
                base += "?" + query  # as written: nothing secret in it
            elif kept:
                base += "?" + "&".join(kept)
        return base
    except Exception:  # noqa: BLE001 - no base is better than a wrong one
        return ""
