"""Decide the treaty's status from dated evidence.

Rules (see README "How the status is decided"):
- Signed, ratified and in force form a ladder. A rung is reached when the evidence for it (or
  for a higher rung) is well supported: one report at or above ``min_confidence_single`` (an
  official act reported plainly), or ``min_sources`` independent stories otherwise. Wire copies
  and rewrites are one story. Once reached, a rung is never lost to older or weaker evidence.
- Before signature, drafting and delayed alternate: the most recent dated evidence wins, and on
  one date a delay outweighs "work continues".
- Contested evidence (reported, then denied) never moves the status; it is listed as conflict.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass
class Decision:
    status: Status | None
    since: str | None = None
    party: str | None = None  # for ratified: one of the topic's parties, or both (all)
    evidence: list[Evidence] = field(default_factory=list)  # strongest first, one per story
    conflicts: list[Evidence] = field(default_factory=list)
    sources: int = 0  # independent stories behind the status

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


def _reached(stage: Status, evidence: list[Evidence], settings: DecisionSettings) -> str | None:
    """The date on which ``stage`` became well supported, or None if it has not."""
    backing = sorted(
        (e for e in evidence if e.status.rank >= stage.rank and e.published),
        key=_date,
    )
    told = _strong_quotes(backing, settings)
    stories: set[int | str] = set()
    for e in backing:
        stories.add(_story(e))
        # one story is enough when two of its own sentences (the headline and the text, as a
        # real report does) say it strongly: one odd sentence, misread, never is
        if _strong(e, settings) and len(told[_story(e)]) >= 2:
            return _date(e)
        if len(stories) >= settings.min_sources:
            return _date(e)
    return None


def _strong(e: Evidence, settings: DecisionSettings) -> bool:
    return e.confidence >= settings.min_confidence_single and not e.retrospective


def _strong_quotes(backing: list[Evidence],
                   settings: DecisionSettings) -> dict[int | str, set[str]]:
    """Each story's distinct strong sentences (wire copies repeat the same one)."""
    told: dict[int | str, set[str]] = {}
    for e in backing:
        quotes = told.setdefault(_story(e), set())
        if _strong(e, settings):
            quotes.add(" ".join(e.quote.split()).lower())
    return told


def _withdrawal_after(since: str, evidence: list[Evidence],
                      settings: DecisionSettings) -> str | None:
    """The date a withdrawal/suspension after ``since`` became well supported, if it did."""
    later = [e for e in evidence
             if e.rule in ROLLBACK_RULES and e.published and _date(e) > since]
    if not later:
        return None
    return _reached(Status.DELAYED, later, settings)


def _ratified_party(evidence: list[Evidence], status: Status,
                    settings: DecisionSettings) -> str | None:
    if status is Status.IN_FORCE:
        return ALL_PARTIES
    if status is not Status.RATIFIED:
        return None
    parties = {e.party for e in evidence if e.status is Status.RATIFIED and e.party}
    if ALL_PARTIES in parties or (settings.parties and set(settings.parties) <= parties):
        return ALL_PARTIES
    return next(iter(parties), None)


def _both_since(evidence: list[Evidence], settings: DecisionSettings) -> str:
    """The date on which the last party's ratification was first reported."""
    firsts = []
    for party in settings.parties:
        dates = [_date(e) for e in evidence
                 if e.status is Status.RATIFIED and e.party in (party, ALL_PARTIES) and e.published]
        if dates:
            firsts.append(min(dates))
    return max(firsts) if firsts else ""


def decide(evidence: list[Evidence], settings: DecisionSettings | None = None) -> Decision:
    settings = settings or DecisionSettings()
    usable = [e for e in evidence if not e.contested]
    contested = [e for e in evidence if e.contested]

    for stage in reversed(LADDER):
        since = _reached(stage, usable, settings)
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
        party = _ratified_party(usable, stage, settings)
        if stage is Status.RATIFIED and party == ALL_PARTIES:
            since = max(since, _both_since(usable, settings))
        return Decision(
            status=stage,
            since=since,
            party=party,
            evidence=_strongest(exact),
            conflicts=[e for e in contested if _date(e) >= since],
            sources=len(_stories(backing)),
        )

    early = [e for e in usable if e.status.rank == 0 and e.published and not e.retrospective]
    if not early:
        undated = [e for e in usable if e.status.rank == 0]
        if not undated:
            return Decision(status=None, conflicts=contested)
        status = Status.DELAYED if any(e.status is Status.DELAYED for e in undated) else Status.DRAFTING
        chosen = [e for e in undated if e.status is status]
        return Decision(status, None, None, _strongest(chosen), contested, len(_stories(chosen)))

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
    )


def timeline(evidence: list[Evidence], settings: DecisionSettings | None = None) -> list[Decision]:
    """The status changes, oldest first, as the dated evidence unfolds."""
    settings = settings or DecisionSettings()
    days = sorted({_date(e) for e in evidence if e.published})
    changes: list[Decision] = []
    for day in days:
        upto = [e for e in evidence if e.published and _date(e) <= day]
        decision = decide(upto, settings)
        if decision.status is None:
            continue
        if not changes or changes[-1].key != decision.key:
            changes.append(decision)
    final = decide(evidence, settings)
    if final.status is not None and (not changes or changes[-1].key != final.key):
        changes.append(final)
    return changes
