"""The watchlist's sections: ``topic:``, ``poll:``, ``health:``, ``status:``, ``digest:``,
``commands:`` and one entry of ``feeds:``.

Each model checks its own values; what needs the whole file (duplicate feed names, local feed
URLs without ``allow_local: true``) is checked by :class:`bot.config.schema.Watchlist`.
"""

from __future__ import annotations

import re
import zoneinfo
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator

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
from bot.config.topic import DEFAULT_KEYWORDS, DEFAULT_NAME, DEFAULT_PARTIES
from bot.redact import redact_url

__all__ = [
    "CommandsConfig",
    "DigestConfig",
    "Feed",
    "HealthConfig",
    "PollConfig",
    "StatusConfig",
    "TopicConfig",
]


class TopicConfig(StrictModel):
    """``topic:``: the treaty's names, its parties and their aliases, keywords.

    Its defaults are those of :class:`bot.config.topic.Topic`, which the matcher is built from.
    """

    name: str = Field(default=DEFAULT_NAME, min_length=1)
    parties: dict[str, Aliases] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_PARTIES.items()}, min_length=1
    )
    keywords: Aliases = Field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    aliases: Words = Field(default_factory=list)


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
                f"unknown time zone {value!r}{did_you_mean} (use an IANA name like Europe/Moscow)"
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
