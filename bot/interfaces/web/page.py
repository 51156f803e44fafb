"""The status page (``GET /``): status, timeline, sources and feeds on one self-contained page.

``templates/page.html`` lays it out (Jinja2, autoescape on). Every value reaches the page
through :func:`shown`, i.e. HTML-escaped (quotes included, ``None`` as nothing), and links
only through :func:`safe_href`, so hostile titles and URLs from feeds stay inert. No scripts,
no external assets: :data:`PAGE_HEADERS` says so to the browser too.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from bot.clock import now_iso
from bot.core.service import TreatyService
from bot.delivery.digests import status_phrase
from bot.redact import redact_url

log = logging.getLogger(__name__)

SOURCES_SHOWN = 15  # the newest relevant articles listed
TIMELINE_QUOTE_MAX = 300  # characters of a status change's first quote

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def safe_href(url: Any) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, paths)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def shown(value: Any) -> Markup:
    """A value as the page shows it: escaped for HTML text and attributes alike (``"`` as
    ``&quot;``), ``None`` as nothing; markup the template made itself stays as it is."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


TEMPLATES = Environment(
    loader=PackageLoader("bot.interfaces.web", "templates"),
    autoescape=True,
    finalize=shown,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
TEMPLATES.filters["safe_href"] = safe_href
TEMPLATES.filters["redact_url"] = redact_url


def timeline_image(service: TreatyService) -> bytes | None:
    """The timeline PNG, or None when there is none or it cannot be drawn (logged)."""
    try:
        return service.timeline_png() or None
    except Exception:
        log.exception("the timeline image could not be drawn")
        return None


def _evidence(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The key evidence as cited under the status: quote, where (source, date), rule, link."""
    return [
        {
            "quote": e.get("quote"),
            "where": ", ".join(p for p in (e.get("source"),
                                           (e.get("published") or "date unknown")[:10]) if p),
            "rule": e.get("rule"),
            "url": e.get("url"),
            "title": e.get("title") or "article",
        }
        for e in items
    ]


def _timeline(history: Sequence[Mapping[str, Any]],
              parties: Mapping[str, str]) -> list[dict[str, Any]]:
    """One entry per status change: its date, phrase and first quote with its source."""
    steps = []
    for change in history:
        quote = next((e.get("quote") for e in change["evidence"] if e.get("quote")), "")
        source = next((e.get("source") for e in change["evidence"] if e.get("source")), "")
        steps.append({
            "date": change["date"],
            "phrase": status_phrase(change["status"], change.get("party"), parties),
            "quote": quote[:TIMELINE_QUOTE_MAX],
            "source": source,
            "corrects": change.get("corrects"),
        })
    return steps


def page_html(service: TreatyService) -> str:
    """The whole page, read from ``service`` now."""
    report = service.status()
    phrase = (status_phrase(report["status"], report.get("party"), service.party_names)
              if report["status"] is not None else "")
    return TEMPLATES.get_template("page.html").render(
        topic=service.topic,
        report=report,
        phrase=phrase,
        evidence=_evidence(report["evidence"]),
        unconfirmed=[{**cited, "phrase": status_phrase(claim.get("status"), claim.get("party"),
                                                       service.party_names)}
                     for claim, cited in zip(report.get("unconfirmed") or [],
                                             _evidence(report.get("unconfirmed") or []),
                                             strict=True)],
        timeline=_timeline(service.history(), service.party_names),
        has_timeline_image=timeline_image(service) is not None,
        sources=service.sources(relevant_only=True, limit=SOURCES_SHOWN),
        feeds=service.feeds(),
        disabled_outputs=service.disabled_outputs(),
        generated=now_iso(),
    )
