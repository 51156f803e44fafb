"""The watchlist's sections: ``topic:``, ``poll:``, ``health:``, ``status:``, ``digest:``,
``commands:`` and one entry of ``feeds:``.

Each model checks its own values; what needs the whole file (duplicate feed names, local feed
URLs without ``allow_local: true``) is checked by :class:`bot.config.schema.Watchlist`.
"""

from __future__ import annotations

import copy
import re
import zoneinfo
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bot.config.fields import (
    Aliases,
    Count,
    Duration,
    NonNegativeDuration,
    Size,
    StrictModel,
    Words,
    resolve_path,
)
from bot.config.suggest import closest_match
from bot.config.topic import DEFAULT_NAME, DEFAULT_TOPIC, PARTY_KEYS, Topic
from bot.redact import redact_url
from bot.text import fold

__all__ = [
    "CommandsConfig",
    "DigestConfig",
    "Feed",
    "HealthConfig",
    "PollConfig",
    "StatusConfig",
    "TopicConfig",
    "TopicEntry",
    "topic_slug",
]


def _default(attribute: str) -> Any:
    value = getattr(DEFAULT_TOPIC, attribute)
    return lambda: copy.deepcopy(value)


class TopicConfig(StrictModel):
    """``topic:``: the treaty's name, its parties (each a list of names, or ``{names, bodies,
    display}``), keywords, aliases, the other agreements and look-alike treaties it is not, and
    its official sources.

    Its defaults are the default topic's (``bot/config/data/default_topic.yaml``, read the same
    way). A party written as a plain list keeps the default topic's bodies and display name for
    the same key, so a ``topic:`` written before parties had bodies reads as it always did;
    ``bodies`` and ``display`` hold what the mapping form of a party gives.
    """

    name: str = Field(default=DEFAULT_NAME, min_length=1)
    parties: dict[str, Aliases] = Field(default_factory=_default("parties"), min_length=1)
    keywords: Aliases = Field(default_factory=_default("keywords"))
    aliases: Words = Field(default_factory=list)
    bodies: dict[str, list[Annotated[str, Field(min_length=1)] | Aliases]] = Field(
        default_factory=_default("bodies"))
    display: dict[str, str] = Field(default_factory=_default("display"))
    other_agreements: Words = Field(default_factory=_default("other_agreements"))
    lookalikes: dict[str, Aliases] = Field(default_factory=_default("lookalikes"))
    official_sources: Words = Field(default_factory=_default("official_sources"))

    @model_validator(mode="before")
    @classmethod
    def _split_parties(cls, data: object) -> object:
        """``parties: {x: {names, bodies, display}}`` into ``parties``, ``bodies``, ``display``;
        a party written as a list keeps the default topic's bodies and display name."""
        if not isinstance(data, dict) or not isinstance(data.get("parties"), dict):
            return data
        data = dict(data)
        parties: dict[str, Any] = {}
        bodies = dict(data.get("bodies") or {})
        display = dict(data.get("display") or {})
        for party, value in data["parties"].items():
            if isinstance(value, dict):
                if set(map(str, value)) - set(PARTY_KEYS):
                    parties[party] = value  # refused, with a message, by _check_parties
                    continue
                parties[party] = value.get("names")
                if value.get("bodies") is not None:
                    bodies[party] = value["bodies"]
                if value.get("display") is not None:
                    display[party] = value["display"]
            else:
                parties[party] = value
            if party not in bodies and party in DEFAULT_TOPIC.bodies:
                bodies[party] = list(DEFAULT_TOPIC.bodies[party])
            if party not in display and party in DEFAULT_TOPIC.display:
                display[party] = DEFAULT_TOPIC.display[party]
        data["parties"] = parties
        data["bodies"] = {p: v for p, v in bodies.items() if p in parties}
        data["display"] = {p: v for p, v in display.items() if p in parties}
        return data

    @field_validator("parties", mode="before")
    @classmethod
    def _check_parties(cls, value: object) -> object:
        for party, entry in (value.items() if isinstance(value, dict) else ()):
            if isinstance(entry, dict):
                unknown = sorted(set(map(str, entry)) - set(PARTY_KEYS))
                hint = closest_match(unknown[0], PARTY_KEYS) if unknown else None
                did_you_mean = f", did you mean `{hint}`?" if hint else ""
                raise ValueError(
                    f"party `{party}` has an unknown key `{unknown[0] if unknown else ''}`"
                    f"{did_you_mean} (a party is a list of names, or "
                    f"{{{', '.join(PARTY_KEYS)}}})"
                )
        return value

    def to_topic(self) -> Topic:
        """The runtime Topic the matcher is built from."""
        return Topic(
            name=self.name,
            parties={k: list(v) for k, v in self.parties.items()},
            keywords=list(self.keywords),
            aliases=list(self.aliases),
            lookalikes={k: list(v) for k, v in self.lookalikes.items()},
            bodies={k: [b if isinstance(b, str) else list(b) for b in v]
                    for k, v in self.bodies.items()},
            display=dict(self.display),
            other_agreements=list(self.other_agreements),
            official_sources=list(self.official_sources),
        )

    def party_lookalike_clashes(self) -> Iterator[tuple[str, int, str]]:
        """(look-alike, index, party) for each look-alike name that is also a party's name:
        a sentence naming that party would be read as being about the other treaty."""
        names = {fold(n): p for p, values in self.parties.items() for n in values}
        for lookalike, values in self.lookalikes.items():
            for i, value in enumerate(values):
                party = names.get(fold(value))
                if party is not None:
                    yield lookalike, i, party


class PollConfig(StrictModel):
    interval: Duration = 15 * 60.0
    jitter: NonNegativeDuration = 30.0
    timeout: Duration = 20.0
    connect_timeout: Duration = 10.0
    max_bytes: Size = 5 * 1024 * 1024
    per_host: Count = 2
    max_backoff: Duration = 6 * 3600.0


class HealthConfig(StrictModel):
    failures_before_alert: Count = 5


class StatusConfig(StrictModel):
    min_sources: Count = 2
    min_confidence_single: float = Field(default=0.85, ge=0.0, le=1.0)


class DigestConfig(StrictModel):
    daily: str | None = None  # "HH:MM" in `timezone`
    timezone: str = "UTC"

    @field_validator("daily", mode="before")
    @classmethod
    def _check_daily(cls, value: object) -> object:
        if value is None or value is False or str(value).strip().lower() in ("", "off", "none"):
            return None
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(
                f'invalid time {str(value)!r}; use HH:MM from 00:00 to 23:59, e.g. "09:00"'
            )
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            hint = closest_match(value, zoneinfo.available_timezones())
            did_you_mean = f", did you mean `{hint}`?" if hint else ""
            raise ValueError(
                f"unknown time zone {value!r}{did_you_mean} (use an IANA name like Europe/Paris)"
            ) from None
        return value

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class CommandsConfig(StrictModel):
    check_roles: Words = Field(default_factory=list)


_HOST_LIKE = re.compile(
    r"(?:localhost|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})(?::\d+)?(?:/|$)", re.IGNORECASE
)
_FILE_SUFFIXES = (".xml", ".rss", ".atom", ".json", ".txt", ".html", ".htm", ".yaml", ".yml")


def _looks_like_missing_scheme(url: str) -> bool:
    """``tass.com/rss``: a host name written without ``https://``."""
    if "://" in url:
        return False
    first = url.split("/", 1)[0].split(":", 1)[0].lower()
    return bool(_HOST_LIKE.match(url)) and not first.endswith(_FILE_SUFFIXES)


def _check_feed_url(url: str) -> str:
    """Syntax only; whether a local URL is allowed is decided by the Watchlist."""
    if not url:
        raise ValueError("url is empty")
    if _looks_like_missing_scheme(url):
        shown = redact_url(url)
        raise ValueError(f"url {shown!r} has no scheme; did you mean `https://{shown}`?")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"url {redact_url(url)!r} has no host")
        return url
    if scheme == "file" or len(scheme) <= 1:
        return url  # a local file: allowed only with allow_local (checked later)
    raise ValueError(
        f"url {redact_url(url)!r} uses {scheme}://; only http:// and https:// feeds are "
        "supported "
        "(local files need `allow_local: true`)"
    )


class Feed(StrictModel):
    """One entry of ``feeds:``; a plain path as ``url`` is made absolute (see check_watchlist)."""

    name: str = Field(min_length=1)
    url: str
    interval: Duration | None = None  # default: poll.interval

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        url = _check_feed_url(value)
        base = (info.context or {}).get("base_dir")
        if base is not None and len(urlsplit(url).scheme) <= 1:
            return str(resolve_path(url, base))  # a plain path: relative to the watchlist
        return url


_SLUG = r"^[a-z0-9][a-z0-9_-]*$"


def topic_slug(name: str) -> str:
    """An id for a topic named ``name``: lower-case words joined by ``-``; ``default`` if none."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name).lower()).strip("-")
    return slug[:64].rstrip("-") or "default"


class TopicEntry(TopicConfig):
    """One entry of ``topics:``: a topic section with an ``id`` (a slug: lower-case letters,
    digits, ``-`` and ``_``) and, optionally, its own ``seeds`` folder."""

    id: str = Field(pattern=_SLUG, min_length=1, max_length=64)
    seeds: str | None = Field(default=None, min_length=1)
