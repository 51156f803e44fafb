"""What the commands show, read from the store: one dict per view and one text renderer each.

``treatybot status``, ``/treaty status`` and the digests share these texts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypedDict

from bot.analysis.language import READ_LANGUAGES, is_read
from bot.core.engine import UNCONFIRMED
from bot.delivery.digests import evidence_block, party_name, status_phrase
from bot.redact import redact_text, redact_url
from bot.store import Database

EVIDENCE_FIELDS = ("status", "quote", "title", "url", "source", "published", "rule", "confidence",
                   "party", "retrospective", "occurred")


class FeedCounts(TypedDict):
    total: int
    failing: int


class StatusView(TypedDict):
    """``treatybot status --json`` (a documented contract: add fields, never rename)."""

    topic: str
    status: str | None
    party: str | None
    ratified_by: str | None
    since: str | None
    updated_at: str | None
    last_check: str | None
    articles: int
    relevant_articles: int
    sources: int
    evidence: list[dict[str, Any]]
    changes: int
    feeds: FeedCounts
    # reports of a later step (or another party's ratification) not confirmed yet: the claim
    # and its evidence; never the status until confirmed
    unconfirmed: list[dict[str, Any]]
    not_read: int  # articles in a language the bot does not read (see ``sources``)


class HistoryEntry(TypedDict):
    """One element of ``treatybot history --json``."""

    status: str
    previous: str | None
    date: str | None
    since: str | None
    decided_at: str
    party: str | None
    evidence: list[dict[str, Any]]
    corrects: str | None  # this entry only corrects the date: the ``since`` it replaces


class FeedView(TypedDict):
    """One element of ``treatybot feeds --json``: fit to show (secrets redacted)."""

    name: str
    url: str
    ok: bool
    checked: bool
    last_error: str | None
    failures: int
    last_attempt: str | None
    last_success: str | None
    http_status: int | None
    items_seen: int
    next_attempt: str | None
    interval: float | None


def _evidence(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e.get(k) for k in EVIDENCE_FIELDS} for e in items]


def status_report(db: Database, topic: str,
                  watched: list[str] | None = None, *,
                  feeds_db: Database | None = None) -> StatusView:
    """The status view. ``watched``: the names of the watchlist's feeds, so that ``feeds``
    counts those (checked or not) and not feeds removed from it; None counts every feed read.
    ``feeds_db``: where feed health is kept, when not ``db`` (a topic other than the first)."""
    current = db.current_status()
    counts = db.counts()
    feeds = (feeds_db or db).feed_states()
    if watched is not None:
        names = set(watched)
        feeds = [f for f in feeds if f["name"] in names]
    last_check = max((a for f in feeds if (a := f.get("last_attempt"))), default=None)
    history = db.status_history()
    return {
        "topic": topic,
        "status": current["status"] if current else None,
        "party": current["party"] if current else None,
        "ratified_by": (current["party"] if current and current["status"] == "ratified" else None),
        "since": current["since"] if current else None,
        "updated_at": current["decided_at"] if current else None,
        "last_check": last_check,
        "articles": counts["articles"],
        "relevant_articles": counts["relevant"],
        "sources": counts["independent"],
        "evidence": _evidence(current["evidence"]) if current else [],
        "changes": len(history),
        "feeds": {"total": len(watched) if watched is not None else len(feeds),
                  "failing": sum(1 for f in feeds if f["failures"])},
        "unconfirmed": unconfirmed_claims(db),
        "not_read": sum(n for lang, n in db.language_counts().items()
                        if lang not in READ_LANGUAGES),
    }


def unconfirmed_claims(db: Database) -> list[dict[str, Any]]:
    """The reports of a step not confirmed yet, as the engine last decided (see decide.py)."""
    stored = db.get_value(UNCONFIRMED)
    try:
        items = json.loads(stored) if stored else []
    except ValueError:
        return []
    return _evidence(items) if isinstance(items, list) else []


def empty_status(topic: str, watched: list[str] | None = None) -> StatusView:
    """The status view of a state folder the bot has not used yet."""
    return {"topic": topic, "status": None, "party": None, "ratified_by": None, "since": None,
            "updated_at": None, "last_check": None, "articles": 0, "relevant_articles": 0,
            "sources": 0, "evidence": [], "changes": 0,
            "feeds": {"total": len(watched or []), "failing": 0}, "unconfirmed": [], "not_read": 0}


def status_text(report: StatusView, parties: Mapping[str, str] | None = None) -> str:
    """``parties``: how the topic names its parties (``Topic.party_labels()``)."""
    if report["status"] is None and not report.get("unconfirmed"):
        return (f"{report['topic']}\nNo status yet: run `treatybot run --once` to load the baseline "
                "and check the feeds.")
    lines = [report["topic"]]
    if report["status"] is None:
        lines.append("Status: no confirmed status yet")
    else:
        phrase = status_phrase(report["status"], report.get("party"), parties)
        lines.append(f"Status: {phrase.upper()} since {report['since'] or 'an unknown date'}")
    if report["evidence"]:
        lines += ["Key evidence:", evidence_block(report["evidence"])]
    for claim in report.get("unconfirmed") or []:
        step = status_phrase(claim.get("status"), claim.get("party"), parties)
        lines.append(f"Reported, not yet confirmed: {step} — \"{(claim.get('quote') or '')[:200]}\""
                     f" ({claim.get('source') or '?'}, {(claim.get('published') or '?')[:10]})")
    if report.get("not_read"):
        lines.append(f"Not read: {report['not_read']} articles in a language the bot does not read "
                     "(see `treatybot sources`).")
    lines.append(
        f"Sources: {report['sources']} independent of {report['relevant_articles']} relevant "
        f"articles ({report['articles']} read)."
    )
    feeds = report["feeds"]
    check = report["last_check"] or "never"
    lines.append(f"Last check: {check}; feeds: {feeds['total']} watched, {feeds['failing']} failing.")
    return "\n".join(lines)


def history_report(db: Database) -> list[HistoryEntry]:
    return [
        {"status": h["status"], "previous": h["previous"], "date": h["since"],
         "since": h["since"], "decided_at": h["decided_at"], "party": h["party"],
         "evidence": _evidence(h["evidence"]), "corrects": h["corrects"]}
        for h in db.status_history()
    ]


def history_text(history: list[HistoryEntry], parties: Mapping[str, str] | None = None) -> str:
    if not history:
        return "No status changes recorded yet."
    lines = []
    for h in history:
        who = h["party"]
        party = f" by {party_name(who, parties)}" if who and h["status"] == "ratified" else ""
        fixed = f" (date corrected; was {h['corrects']})" if h.get("corrects") else ""
        lines.append(f"{h['date'] or '????-??-??'}  {h['status']}{party}{fixed}")
        for e in h["evidence"][:1]:
            quote = (e.get("quote") or "")[:200]
            lines.append(f'            "{quote}" — {e.get("source")}')
    return "\n".join(lines)


def sources_report(db: Database, *, relevant_only: bool = False,
                   limit: int | None = None) -> list[dict[str, Any]]:
    return [a.to_json() for a in db.articles(relevant_only=relevant_only, limit=limit,
                                              newest_first=limit is not None)]


def sources_text(sources: list[dict[str, Any]]) -> str:
    if not sources:
        return "No articles yet."
    lines = []
    for s in sources:
        flag = "relevant" if s["relevant"] else "not relevant"
        if not is_read(s.get("language")):
            flag = f"not read: written in {s['language']}"
        dup = f", repeats #{s['duplicate_of']}" if s["duplicate_of"] else ""
        where = s.get("url") or s.get("path") or ""
        lines.append(
            f"#{s['id']} {s['published'] or 'date unknown'}  {s['title']}\n"
            f"    {s['source']}; {flag}; reports: {s['status'] or '-'}{dup}\n    {where}"
        )
    return "\n".join(lines)


def feeds_report(db: Database, configured: list[dict[str, Any]],
                 outputs: dict[str, str] | None = None) -> list[FeedView]:
    """One row per configured feed, fit to show: the URL and the last error are redacted
    (``bot.redact.redact_url``), as the feed URL may carry a password or an API key."""
    states = {f["name"]: f for f in db.feed_states()}
    rows: list[FeedView] = []
    for feed in configured:
        state: dict[str, Any] = dict(states.get(feed["name"]) or {})
        failures = int(state.get("failures") or 0)
        rows.append({
            "name": feed["name"],
            "url": redact_url(feed["url"]),
            "ok": bool(state.get("last_attempt")) and failures == 0,
            "checked": bool(state.get("last_attempt")),
            "last_error": redact_text(state.get("last_error"), feed["url"]),
            "failures": failures,
            "last_attempt": state.get("last_attempt"),
            "last_success": state.get("last_success"),
            "http_status": state.get("http_status"),
            "items_seen": int(state.get("items_seen") or 0),
            "next_attempt": state.get("next_attempt"),
            "interval": feed.get("interval"),
        })
    return rows


def unchecked_feeds(configured: list[dict[str, Any]]) -> list[FeedView]:
    """The feeds view of a state folder the bot has not used yet."""
    return [{"name": f["name"], "url": redact_url(f["url"]), "ok": False, "checked": False,
             "last_error": None, "failures": 0, "last_attempt": None, "last_success": None,
             "http_status": None, "items_seen": 0, "next_attempt": None,
             "interval": f["interval"]} for f in configured]


def feeds_text(rows: list[FeedView], disabled_outputs: dict[str, str]) -> str:
    lines = []
    if not rows:
        lines.append("No feeds in the watchlist.")
    for r in rows:
        if not r["checked"]:
            state = "not checked yet"
        elif r["ok"]:
            state = f"ok (HTTP {r['http_status']})"
        else:
            state = f"FAILING x{r['failures']}: {r['last_error']}"
        lines.append(f"{r['name']}: {state}")
        lines.append(f"    {redact_url(r['url'])}")
        lines.append(
            f"    last success {r['last_success'] or 'never'}; {r['items_seen']} items seen; "
            f"next attempt {r['next_attempt'] or '-'}"
        )
    for key, reason in disabled_outputs.items():
        lines.append(f"Output {key} is DISABLED: {reason}")
    return "\n".join(lines)
