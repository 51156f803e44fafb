"""Decide the treaty's status from dated evidence.

Rules (see README "How the status is decided"):
- Signed, ratified and in force form a ladder. A rung is **confirmed** by ``min_sources``
  independent stories that report the same event (their event days within
  ``same_event_days`` of each other), or by one plain report from one of the topic's
  ``official_sources``. Wire copies and rewrites are one story; a headline and its own first
  sentence are one report. Once reached, a rung is never lost to older or weaker evidence.
- A story's **event day** is the day its text dates the event to ("signed on Friday",
  ``Evidence.occurred``), else its publication day. ``since`` is the earliest event day of the
  stories that confirm the rung, so a later, better-dated report corrects it. A look back
  without a date ("the treaty signed in January") neither confirms nor dates.
- A report of an official act that is not confirmed yet is ``unconfirmed``: shown, never the
  status.
- Before signature, drafting and delayed alternate: the most recent dated evidence wins, and on
  one date a delay outweighs "work continues".
- Contested evidence (reported, then denied) never moves the status; it is listed as conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from bot.config.topic import ALL_PARTIES, DEFAULT_TOPIC
from bot.models import Evidence, Status

LADDER = (Status.SIGNED, Status.RATIFIED, Status.IN_FORCE)
# the only evidence that moves the lifecycle backwards once the treaty is signed
ROLLBACK_RULES = frozenset({"withdrawal", "suspended_by_party"})


@dataclass(frozen=True)
class DecisionSettings:
    min_sources: int = 2
    min_confidence_single: float = 0.85
    # the topic's parties: "ratified by both" means by every one of them
    parties: tuple[str, ...] = tuple(DEFAULT_TOPIC.parties)
    # domains whose one plain report of an official act confirms it
    official_sources: tuple[str, ...] = tuple(DEFAULT_TOPIC.official_sources)
    same_event_days: int = 14  # reports of one act: event days this close (see below)


@dataclass
class Decision:
    status: Status | None
    since: str | None = None
    party: str | None = None  # for ratified: one of the topic's parties, or both (all)
    evidence: list[Evidence] = field(default_factory=list)  # strongest first, one per story
    conflicts: list[Evidence] = field(default_factory=list)
    sources: int = 0  # independent stories behind the status
    # reports of a later step (or of another party's ratification) not confirmed yet
    unconfirmed: list[Evidence] = field(default_factory=list)
    corrects: str | None = None  # in a timeline: this entry only corrects the date it replaces

    @property
    def key(self) -> tuple[str | None, str | None]:
        return (self.status.value if self.status else None, self.party)


def _date(e: Evidence) -> str:
    return (e.published or "")[:10]


def _story(e: Evidence) -> int | str:
    """The story a piece of evidence belongs to: copies of one article share it."""
    return e.article_id if e.article_id is not None else e.quote


def _stories(evidence: Iterable[Evidence]) -> set[int | str]:
    return {_story(e) for e in evidence}


def _strongest(evidence: list[Evidence], limit: int = 3) -> list[Evidence]:
    best: dict[int | str, Evidence] = {}
    for e in evidence:
        story = _story(e)
        current = best.get(story)
        if current is None or (not e.retrospective, e.confidence) > (
            not current.retrospective, current.confidence
        ):
            best[story] = e
    ordered = sorted(best.values(), key=lambda e: (not e.retrospective, e.confidence, _date(e)),
                     reverse=True)
    return ordered[:limit]


def _strong(e: Evidence, settings: DecisionSettings) -> bool:
    return e.confidence >= settings.min_confidence_single and not e.retrospective


def is_official(e: Evidence, settings: DecisionSettings) -> bool:
    """``e`` comes from one of the official sources (its link's host, or a subdomain of one)."""
    if not e.url or not settings.official_sources:
        return False
    host = (urlsplit(e.url).hostname or "").lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in settings.official_sources)


@dataclass
class _Story:
    day: str | None  # the event day it reports (None: only looks back, without a date)
    first_known: str  # the day it was first published
    official: bool  # a plain report from an official source


def _story_facts(evidence: list[Evidence], settings: DecisionSettings) -> dict[int | str, _Story]:
    """Each story's event day: the earliest day its text dates the event to, else the day it
    was first published (unless it only looks back)."""
    grouped: dict[int | str, list[Evidence]] = {}
    for e in evidence:
        grouped.setdefault(_story(e), []).append(e)
    stories = {}
    for key, items in grouped.items():
        known = min(_date(e) for e in items)
        stated = [e.occurred for e in items if e.occurred and e.occurred <= _date(e)]
        fresh = [_date(e) for e in items if not e.retrospective]
        day = min(stated) if stated else (min(fresh) if fresh else None)
        official = any(_strong(e, settings) and is_official(e, settings) for e in items)
        stories[key] = _Story(day, known, official)
    return stories


def _plus(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def _confirmed_since(evidence: list[Evidence], settings: DecisionSettings, *,
                     steps: bool = False) -> str | None:
    """The event day of the best-supported group of stories that confirms the event in
    ``evidence``, or None if none does.

    A group starts at a story's event day (its anchor) and holds the stories dated up to
    ``same_event_days`` later: the steps of one act (a vote, then the law) and the reports of it
    on the following days. The anchor itself must be corroborated within half that span (or be
    official), so a lone misread weeks earlier never dates the act; for an act done in
    ``steps`` (a party's ratification: one house, the other, the law) any later step within the
    span corroborates it. The largest group wins."""
    stories = _story_facts([e for e in evidence if e.published], settings)
    if not stories:
        return None
    dated = sorted((s.day, key) for key, s in stories.items() if s.day)
    near = settings.same_event_days if steps else settings.same_event_days // 2
    best: tuple[int, str] | None = None  # (members, anchor)
    for anchor, key in dated:
        try:
            end, close = _plus(anchor, settings.same_event_days), _plus(anchor, near)
        except ValueError:
            continue
        members = [(day, stories[k]) for day, k in dated if anchor <= day <= end]
        official = any(s.official for _, s in members)
        corroborated = stories[key].official or settings.min_sources <= 1 or any(
            k != key and anchor <= day <= close for day, k in dated)
        if not corroborated or (len(members) < settings.min_sources and not official):
            continue
        if best is None or len(members) > best[0]:
            best = (len(members), anchor)
    # looks back without a date ("the treaty signed in January") never confirm on their own:
    # "after the treaty is signed" reads the same way, and the date would be a guess
    return best[1] if best is not None else None


def _reached(stage: Status, evidence: list[Evidence], settings: DecisionSettings) -> str | None:
    """The day the event of ``stage`` happened, if it is confirmed; else None. Reports of this
    very step date it; a report of a later step confirms it too (a ratified treaty was signed)."""
    exact = [e for e in evidence if e.status is stage and e.published]
    since = _confirmed_since(exact, settings)
    if since is None:
        since = _confirmed_since([e for e in evidence if e.status.rank >= stage.rank], settings)
    return since


def _withdrawal_after(since: str, evidence: list[Evidence],
                      settings: DecisionSettings) -> str | None:
    """The date a withdrawal/suspension after ``since`` became well supported, if it did."""
    later = [e for e in evidence if e.rule in ROLLBACK_RULES and e.published
             and _date(e) > since and e.confidence >= settings.min_confidence_single]
    if not later:
        return None
    return _reached(Status.DELAYED, later, settings)


def _party_since(evidence: list[Evidence], settings: DecisionSettings) -> dict[str, str]:
    """Each party whose ratification is confirmed, with its day (entry into force means every
    party has ratified)."""
    found: dict[str, str] = {}
    for party in settings.parties:
        own = [e for e in evidence if e.status is Status.RATIFIED and e.published
               and e.party in (party, ALL_PARTIES)]
        since = _confirmed_since(own, settings, steps=True)
        if since is None:
            since = _confirmed_since(
                own + [e for e in evidence if e.status is Status.IN_FORCE and e.published],
                settings)
        if since is not None:
            found[party] = since
    return found


def _unconfirmed(evidence: list[Evidence], status: Status, party: str | None,
                 denials: list[Evidence]) -> list[Evidence]:
    """Fresh reports of a step above ``status`` (or of another party's ratification), unless a
    report on the same day or later denies that step (``denials``: contested evidence)."""
    above = [e for e in evidence if not e.retrospective and (
        e.status.rank > status.rank
        or (e.status is status is Status.RATIFIED and e.party not in (None, party, ALL_PARTIES)
            and party != ALL_PARTIES))]
    above = [e for e in above if not any(
        d.status is e.status and _date(d) >= _date(e) for d in denials)]
    if not above:
        return []
    top = max(e.status.rank for e in above)
    return _strongest([e for e in above if e.status.rank == top])


def _rung(stage: Status, usable: list[Evidence],
          settings: DecisionSettings) -> tuple[str | None, str | None]:
    """(since, party) when ``stage`` is confirmed, else (None, None). Ratification is confirmed
    per party: by every party ("both"), since the last of them; by some, since the first."""
    if stage is not Status.RATIFIED:
        since = _reached(stage, usable, settings)
        return since, (ALL_PARTIES if stage is Status.IN_FORCE and since else None)
    confirmed = _party_since(usable, settings)
    if confirmed and set(settings.parties) <= set(confirmed):
        return max(confirmed.values()), ALL_PARTIES
    if confirmed:
        party = min(confirmed, key=lambda p: (confirmed[p], p))
        return confirmed[party], party
    # a ratification whose party no report names
    unnamed = [e for e in usable if e.status is Status.RATIFIED and e.party is None]
    return _confirmed_since(unnamed, settings), None


def decide(evidence: list[Evidence], settings: DecisionSettings | None = None) -> Decision:
    settings = settings or DecisionSettings()
    usable = [e for e in evidence if not e.contested]
    contested = [e for e in evidence if e.contested]

    for stage in reversed(LADDER):
        since, party = _rung(stage, usable, settings)
        if since is None:
            continue
        rollback = _withdrawal_after(since, usable, settings)
        if rollback is not None:
            # an explicit, well-supported withdrawal or suspension by a party after signature
            backing = [e for e in usable if e.status.rank >= stage.rank]
            return Decision(
                status=Status.DELAYED,
                since=rollback,
                evidence=_strongest([e for e in usable if e.rule in ROLLBACK_RULES
                                     and _date(e) >= rollback]),
                conflicts=_strongest(backing) + [e for e in contested if _date(e) >= rollback],
                sources=len(_stories(e for e in usable if e.rule in ROLLBACK_RULES)),
            )
        backing = [e for e in usable if e.status.rank >= stage.rank]
        exact = [e for e in backing if e.status is stage] or backing
        if stage is Status.RATIFIED and party not in (None, ALL_PARTIES):
            exact = [e for e in exact if e.party in (party, ALL_PARTIES)] or exact
        return Decision(
            status=stage,
            since=since,
            party=party,
            evidence=_strongest(exact),
            conflicts=[e for e in contested if _date(e) >= since],
            sources=len(_stories(backing)),
            unconfirmed=_unconfirmed(usable, stage, party, contested),
        )

    early = [e for e in usable if e.status.rank == 0 and e.published and not e.retrospective]
    if not early:
        undated = [e for e in usable if e.status.rank == 0]
        if not undated:
            return Decision(status=None, conflicts=contested,
                            unconfirmed=_unconfirmed(usable, Status.DRAFTING, None, contested))
        status = Status.DELAYED if any(e.status is Status.DELAYED for e in undated) else Status.DRAFTING
        chosen = [e for e in undated if e.status is status]
        return Decision(status, None, None, _strongest(chosen), contested, len(_stories(chosen)),
                        _unconfirmed(usable, status, None, contested))

    by_date: dict[str, Status] = {}
    for e in early:
        day = _date(e)
        if by_date.get(day) is not Status.DELAYED:
            by_date[day] = e.status
    days = sorted(by_date)
    status = by_date[days[-1]]
    since = days[-1]
    for day in reversed(days):
        if by_date[day] is not status:
            break
        since = day
    in_run = [e for e in early if e.status is status and _date(e) >= since]
    return Decision(
        status=status,
        since=since,
        evidence=_strongest(in_run),
        conflicts=[e for e in contested if _date(e) >= since],
        sources=len(_stories(in_run)),
        unconfirmed=_unconfirmed(usable, status, None, contested),
    )


def timeline(evidence: list[Evidence], settings: DecisionSettings | None = None) -> list[Decision]:
    """The status changes, oldest first, as the dated evidence unfolds; a later, better-dated
    report of the current step adds an entry that corrects its date (``corrects``)."""
    settings = settings or DecisionSettings()
    days = sorted({_date(e) for e in evidence if e.published})
    changes: list[Decision] = []

    def add(decision: Decision) -> None:
        if decision.status is None:
            return
        if not changes or changes[-1].key != decision.key:
            changes.append(decision)
        elif decision.since and changes[-1].since and decision.since != changes[-1].since \
                and decision.status in LADDER:
            decision.corrects = changes[-1].since
            changes.append(decision)

    for day in days:
        add(decide([e for e in evidence if e.published and _date(e) <= day], settings))
    add(decide(evidence, settings))
    return changes
