"""Build digests: the messages a team reads when something happened.

Each builder returns a ``Digest`` whose ``text`` is the plain-text body shared by every output;
the formats (``bot.delivery.formats``) lay the same facts out for Discord, Slack and JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.analysis.decide import Decision
from bot.clock import now_iso
from bot.config.topic import DEFAULT_TOPIC
from bot.models import Digest, DigestKind, Evidence, Status
from bot.redact import redact_text

# How digests name the parties when no topic is given: the default topic's display names.
PARTY_NAMES: Mapping[str, str] = DEFAULT_TOPIC.party_labels()


def party_name(party: str, parties: Mapping[str, str] | None = None) -> str:
    """``party`` (a key, or "both") as the topic names it."""
    return (PARTY_NAMES if parties is None else parties).get(party, party)


def status_phrase(status: str | None, party: str | None = None,
                  parties: Mapping[str, str] | None = None) -> str:
    """``parties``: the topic's party labels (``Topic.party_labels()``)."""
    if status is None:
        return "unknown (no evidence yet)"
    label = Status(status).label
    if status == Status.RATIFIED.value and party:
        return f"{label} (by {party_name(party, parties)})"
    return label


def quote_line(e: dict[str, Any] | Evidence) -> str:
    data = e.to_json() if isinstance(e, Evidence) else e
    quote = str(data.get("quote") or "").strip()
    if len(quote) > 400:
        quote = quote[:399].rstrip() + "…"
    where = ", ".join(
        part for part in (data.get("source"), (data.get("published") or "date unknown")[:10]) if part
    )
    line = f'  • "{quote}"\n    — {where} [{data.get("rule")}]'
    link = data.get("url")
    if link:
        line += f"\n    {link}"
    return line


def evidence_block(evidence: list[dict[str, Any]] | list[Evidence]) -> str:
    return "\n".join(quote_line(e) for e in evidence)


def _counts_line(counts: dict[str, int], sources: int) -> str:
    duplicates = counts["relevant"] - counts["independent"]
    text = (
        f"Based on {counts['relevant']} relevant article(s) of {counts['articles']} read, "
        f"{counts['independent']} independent"
    )
    if duplicates:
        text += f" ({duplicates} near-duplicate{'s' if duplicates != 1 else ''} counted once)"
    return text + f"; {sources} independent source(s) back the current status."


def baseline_digest(topic_name: str, decision: Decision, history: list[Decision],
                    counts: dict[str, int], notes: list[str],
                    parties: Mapping[str, str] | None = None) -> Digest:
    status = decision.status.value if decision.status else None
    phrase = status_phrase(status, decision.party, parties)
    lines = [f"{topic_name}", f"Status: {phrase.upper()} since {decision.since or 'an unknown date'}."]
    if decision.evidence:
        lines += ["", "Why:", evidence_block(decision.evidence)]
    if len(history) > 1:
        steps = " → ".join(f"{d.status.label} ({d.since or '?'})" for d in history if d.status)
        lines += ["", f"Timeline: {steps}"]
    if decision.conflicts:
        lines += ["", "Conflicting reports (not counted):", evidence_block(decision.conflicts)]
    lines += ["", _counts_line(counts, decision.sources)]
    lines += [f"Note: {n}" for n in notes]
    return Digest(
        kind=DigestKind.BASELINE,
        title=f"Treaty baseline: {phrase}",
        text="\n".join(lines),
        status=status,
        previous=None,
        evidence=[e.to_json() for e in decision.evidence],
        created_at=now_iso(),
        facts={
            "since": decision.since,
            "party": decision.party,
            "articles": counts["articles"],
            "relevant_articles": counts["relevant"],
            "sources": counts["independent"],
            "conflicts": [e.to_json() for e in decision.conflicts],
            "timeline": [{"status": d.status.value, "since": d.since} for d in history if d.status],
            "notes": notes,
        },
    )


def status_change_digest(topic_name: str, previous: str | None, previous_party: str | None,
                         decision: Decision, counts: dict[str, int],
                         new_stories: list[dict[str, Any]],
                         parties: Mapping[str, str] | None = None) -> Digest:
    status = decision.status.value if decision.status else None
    old = status_phrase(previous, previous_party, parties)
    new = status_phrase(status, decision.party, parties)
    lines = [topic_name, f"Status changed: {old} → {new.upper()} (since {decision.since or '?'})."]
    if decision.evidence:
        lines += ["", "Why:", evidence_block(decision.evidence)]
    if decision.conflicts:
        lines += ["", "Conflicting reports (not counted):", evidence_block(decision.conflicts)]
    if new_stories:
        lines += ["", f"Also new since the last digest ({len(new_stories)}):"]
        for story in new_stories[:10]:
            outlets = ", ".join(story.get("sources") or [story.get("source") or "?"])
            lines.append(f"  • {story['title']} — {outlets}"
                         + (f" {story['url']}" if story.get("url") else ""))
        if len(new_stories) > 10:
            lines.append(f"  … and {len(new_stories) - 10} more (`treatybot sources`)")
    lines += ["", _counts_line(counts, decision.sources)]
    return Digest(
        kind=DigestKind.STATUS_CHANGE,
        title=f"Treaty status: {old} → {new}",
        text="\n".join(lines),
        status=status,
        previous=previous,
        evidence=[e.to_json() for e in decision.evidence],
        created_at=now_iso(),
        facts={
            "since": decision.since,
            "party": decision.party,
            "articles": counts["articles"],
            "sources": decision.sources,
            "conflicts": [e.to_json() for e in decision.conflicts],
            "new_stories": new_stories,
        },
    )


def date_correction_digest(topic_name: str, decision: Decision, corrects: str | None,
                          counts: dict[str, int],
                          parties: Mapping[str, str] | None = None) -> Digest:
    """The current status stays; a better-dated report moved the day it happened."""
    status = decision.status.value if decision.status else None
    phrase = status_phrase(status, decision.party, parties)
    lines = [topic_name,
             f"Date corrected: {phrase.upper()} since {decision.since or '?'} "
             f"(was {corrects or '?'}): a report dates the event to that day."]
    if decision.evidence:
        lines += ["", "Why:", evidence_block(decision.evidence)]
    lines += ["", _counts_line(counts, decision.sources)]
    return Digest(
        kind=DigestKind.STATUS_CORRECTED,
        title=f"Treaty status date corrected: {phrase} since {decision.since or '?'}",
        text="\n".join(lines),
        status=status,
        previous=status,
        evidence=[e.to_json() for e in decision.evidence],
        created_at=now_iso(),
        facts={"since": decision.since, "corrects": corrects, "party": decision.party,
               "articles": counts["articles"], "sources": decision.sources},
    )


def feed_health_digest(feed: dict[str, Any], *, recovered: bool, status: str | None) -> Digest:
    """A feed failing (or working again); any URL in its last error is redacted."""
    name = feed["name"]
    last_error = feed.get("last_error")
    if isinstance(last_error, str):
        feed = {**feed, "last_error": redact_text(last_error)}
    if recovered:
        title = f"Feed recovered: {name}"
        text = f"The feed {name} works again after {feed.get('failures_before', '?')} failures."
    else:
        title = f"Feed failing: {name}"
        text = (
            f"The feed {name} has failed {feed['failures']} times in a row.\n"
            f"Last error: {feed.get('last_error') or 'unknown'}\n"
            f"Last success: {feed.get('last_success') or 'never'}\n"
            "The other feeds are still watched; fix the URL in watchlist.yaml or remove the feed."
        )
    return Digest(
        kind=DigestKind.FEED_HEALTH, title=title, text=text, status=status, created_at=now_iso(),
        facts={"feed": {k: feed.get(k) for k in ("name", "last_error", "failures", "last_success")},
               "recovered": recovered},
    )


def notice_digest(kind: DigestKind, title: str, text: str, *, status: str | None = None,
                  facts: dict[str, Any] | None = None) -> Digest:
    """config_error, config_reloaded, output_disabled: short notices for the team."""
    return Digest(kind=kind, title=title, text=text, status=status, created_at=now_iso(),
                  facts=facts or {})


def daily_digest(topic_name: str, status: str | None, party: str | None, since: str | None,
                 stories: list[dict[str, Any]], day: str,
                 parties: Mapping[str, str] | None = None) -> Digest:
    """The optional daily summary: the day's relevant stories, even without a status change."""
    phrase = status_phrase(status, party, parties)
    lines = [topic_name, f"Status: {phrase.upper()} since {since or 'an unknown date'} (unchanged)."]
    if stories:
        lines += ["", f"Relevant stories in the last 24 hours ({len(stories)}):"]
        for story in stories[:20]:
            lines.append(f"  • {story['title']} — {story.get('source') or '?'}"
                         + (f" {story['url']}" if story.get("url") else ""))
    else:
        lines += ["", "No new relevant stories in the last 24 hours."]
    return Digest(
        kind=DigestKind.DAILY, title=f"Treaty daily, {day}: {phrase}", text="\n".join(lines),
        status=status, created_at=now_iso(),
        facts={"since": since, "party": party, "day": day, "new_stories": stories},
    )
