"""Canonical URLs: one spelling per article, so the same story is recognised across feeds.

Pure functions, no I/O.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from bot.redact import PAIR_SEPARATORS, is_secret_param, url_parts

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


def link_base(url: str) -> str:
    """``url`` as the base that relative links in its body are resolved against: without its
    credentials, secret query parameters and fragment, so that no article link inherits the
    feed's password or API key (``urljoin`` keeps the user info, and a ``#x`` link the query)."""
    if not isinstance(url, str):
        return ""
    try:
        scheme, authority, path, query, _ = url_parts(url.strip())
        base = scheme + ("" if authority is None else "//" + authority.rpartition("@")[2]) + path
        if query is not None:
            pieces = PAIR_SEPARATORS.split(query)[::2]
            kept = [p for p in pieces
                    if not (p.partition("=")[1] and is_secret_param(p.partition("=")[0]))]
            if len(kept) == len(pieces):
                base += "?" + query  # as written: nothing secret in it
            elif kept:
                base += "?" + "&".join(kept)
        return base
    except Exception:  # noqa: BLE001 - no base is better than a wrong one
        return ""
