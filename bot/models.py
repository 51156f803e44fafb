"""Plain data shapes that travel through the pipeline.

watchlist -> fetch -> parse (FeedItem) -> clean -> relevance -> dedup -> classify (Evidence)
-> store -> decide (Decision) -> digest (Digest) -> outbox -> outputs
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """The treaty's lifecycle, in order."""

    DRAFTING = "drafting"
    DELAYED = "delayed"
    SIGNED = "signed"
    RATIFIED = "ratified"
    IN_FORCE = "in_force"

    @property
    def rank(self) -> int:
        """Position in the lifecycle; drafting and delayed share the pre-signature rank."""
        return _RANK[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_RANK = {
    Status.DRAFTING: 0,
    Status.DELAYED: 0,
    Status.SIGNED: 1,
    Status.RATIFIED: 2,
    Status.IN_FORCE: 3,
}


@dataclass(frozen=True)
class Evidence:
    """One sentence that says something about the treaty's status."""

    status: Status
    quote: str
    rule: str
    confidence: float
    title: str = ""
    url: str | None = None
    source: str = ""
    published: str | None = None  # ISO date (YYYY-MM-DD) or None when unknown
    article_id: int | None = None
    party: str | None = None  # for ratified: a party of the topic, or "both" (every party)
    retrospective: bool = False  # looks back at an earlier event: confirms, is not news
    contested: bool = False  # reported and denied in the same text
    occurred: str | None = None  # the day the event happened, as the text dates it (ISO date)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data


@dataclass
class FeedItem:
    """One entry of a feed, as plain text, before analysis."""

    feed: str  # feed name from the watchlist
    identity: str  # stable id: guid, else canonical link, else hash of title and date
    title: str
    url: str | None
    summary: str
    published: str | None  # ISO datetime (UTC) or None
    source: str  # outlet name, e.g. "TASS" (from the feed title or a "- Outlet" suffix)


class DigestKind(str, Enum):
    """What a digest is about; the value is the ``kind`` field of the JSON contract."""

    BASELINE = "baseline"
    STATUS_CHANGE = "status_change"
    STATUS_CORRECTED = "status_corrected"  # the same status, its date corrected by a report
    FEED_HEALTH = "feed_health"
    DAILY = "daily"
    CONFIG_ERROR = "config_error"
    CONFIG_RELOADED = "config_reloaded"
    OUTPUT_DISABLED = "output_disabled"

    def __str__(self) -> str:
        return self.value


@dataclass
class Digest:
    """A message for the team; rendered per output format."""

    kind: str  # a DigestKind value (stored and sent as its text)
    title: str
    text: str  # plain-text body (the console rendering)
    status: str | None = None
    previous: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    created_at: str = ""  # ISO datetime UTC
    facts: dict[str, Any] = field(default_factory=dict)  # articles, sources, since, feed, ...
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "previous": self.previous,
            "text": self.text,
            "evidence": self.evidence,
            "created_at": self.created_at,
            **{k: v for k, v in self.facts.items() if k not in {"kind", "status", "text"}},
        }
