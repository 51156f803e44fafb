"""What the bot follows: the treaty's parties (their names, ratifying bodies and display names),
the words that name it, the other agreements and look-alike treaties it is not, and the sites
whose single report of an official act is authoritative.

All of it is data. The default topic ships as ``bot/config/data/default_topic.yaml`` and is
read the same way as a watchlist's ``topic:`` section, which replaces it; the code holds only
language (how English reports a signing, a ratification, a plan, a denial).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

__all__ = [
    "ALL_PARTIES",
    "DEFAULT_KEYWORDS",
    "DEFAULT_LOOKALIKES",
    "DEFAULT_NAME",
    "DEFAULT_PARTIES",
    "DEFAULT_TOPIC",
    "DEFAULT_TOPIC_FILE",
    "PARTY_KEYS",
    "Topic",
    "read_default_topic",
    "topic_from_data",
]

DEFAULT_TOPIC_FILE = Path(__file__).resolve().parent / "data" / "default_topic.yaml"
PARTY_KEYS = ("names", "bodies", "display")  # the keys of a party written as a mapping
ALL_PARTIES = "both"  # a ratification by every party of the topic


def _words(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def display_from_key(key: str) -> str:
    """The name shown for a party written without ``display``: its key, as words."""
    return " ".join(w[:1].upper() + w[1:] for w in key.replace("_", " ").split())


@dataclass(frozen=True)
class Topic:
    name: str
    parties: dict[str, list[str]]  # party -> names (country, capital, officials)
    keywords: list[str]
    aliases: list[str] = field(default_factory=list)  # names of the treaty itself
    lookalikes: dict[str, list[str]] = field(default_factory=dict)  # treaty -> its marks
    # party -> its ratifying bodies; the first (a list: its spellings) is its parliament
    bodies: dict[str, list[str | list[str]]] = field(default_factory=dict)
    display: dict[str, str] = field(default_factory=dict)  # party -> name shown
    other_agreements: list[str] = field(default_factory=list)  # kinds of deal it is not
    official_sources: list[str] = field(default_factory=list)  # domains

    def body_phrases(self, party: str) -> list[str]:
        """Every phrase naming one of ``party``'s ratifying bodies."""
        return [p for entry in self.bodies.get(party, []) for p in _words(entry)]

    def parliament_phrases(self, party: str) -> list[str]:
        """The spellings of ``party``'s parliament: its first body."""
        entries = self.bodies.get(party, [])
        return _words(entries[0]) if entries else []

    def display_name(self, party: str) -> str:
        return self.display.get(party) or display_from_key(party)

    def party_label(self, party: str | None) -> str | None:
        """How a digest names ``party``: its display name, or every party's for "both"."""
        if party is None:
            return None
        if party in (ALL_PARTIES, "all"):
            names = [self.display_name(p) for p in self.parties]
            if len(names) <= 2:
                return " and ".join(names)
            return ", ".join(names[:-1]) + " and " + names[-1]
        return self.display_name(party)

    def party_labels(self) -> dict[str, str]:
        """Every label a digest may need: each party's, and "both"."""
        labels = {p: self.display_name(p) for p in self.parties}
        labels[ALL_PARTIES] = self.party_label(ALL_PARTIES) or ALL_PARTIES
        return labels

    def is_official_source(self, domain: str) -> bool:
        """``domain`` (a host name) is one of the official sources, or a subdomain of one."""
        host = domain.lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.official_sources)


def _bodies(value: object) -> list[str | list[str]]:
    if isinstance(value, str):
        return [value]
    return [v if isinstance(v, str) else _words(v) for v in value or []]  # type: ignore[attr-defined]


def split_parties(
    raw: Mapping[str, Any],
) -> tuple[dict[str, list[str]], dict[str, list[str | list[str]]], dict[str, str]]:
    """Parties as written (a list of names, or ``{names, bodies, display}``) into names,
    bodies and display names per party."""
    names: dict[str, list[str]] = {}
    bodies: dict[str, list[str | list[str]]] = {}
    display: dict[str, str] = {}
    for party, value in raw.items():
        if isinstance(value, Mapping):
            names[party] = _words(value.get("names"))
            if value.get("bodies") is not None:
                bodies[party] = _bodies(value.get("bodies"))
            if value.get("display"):
                display[party] = str(value["display"])
        else:
            names[party] = _words(value)
    return names, bodies, display


def topic_from_data(data: Mapping[str, Any]) -> Topic:
    """A Topic from ``topic:`` data as written (the default topic's file). A watchlist's
    ``topic:`` is checked by ``bot.config.sections.TopicConfig``, whose defaults are this
    data; a test keeps the two readings of the default file equal."""
    names, bodies, display = split_parties(data.get("parties") or {})
    lookalikes = data.get("lookalikes") or {}
    return Topic(
        name=str(data.get("name") or ""),
        parties=names,
        keywords=_words(data.get("keywords")),
        aliases=_words(data.get("aliases")),
        lookalikes={str(k): _words(v) for k, v in lookalikes.items()},
        bodies=bodies,
        display=display,
        other_agreements=_words(data.get("other_agreements")),
        official_sources=_words(data.get("official_sources")),
    )


def read_default_topic(path: Path = DEFAULT_TOPIC_FILE) -> dict[str, Any]:
    """The default topic's data, as written in the package's data file."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the default topic must be a mapping")
    return data


DEFAULT_TOPIC = topic_from_data(read_default_topic())
DEFAULT_NAME = DEFAULT_TOPIC.name
DEFAULT_PARTIES: dict[str, list[str]] = DEFAULT_TOPIC.parties
DEFAULT_KEYWORDS: list[str] = DEFAULT_TOPIC.keywords
DEFAULT_LOOKALIKES: dict[str, list[str]] = DEFAULT_TOPIC.lookalikes
