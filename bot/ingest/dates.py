"""Dates as feeds write them, to ISO 8601 UTC text; a missing or absurd date becomes None.

    struct_time_to_iso(entry["published_parsed"])  feedparser's parsed dates (RSS, Atom)
    text_date_to_iso("2025-01-17T10:00:00Z")       JSON Feed dates (RFC 3339, RFC 822, ...)

Absurd: before :data:`MIN_YEAR`, or more than :data:`MAX_FUTURE` ahead of now.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from feedparser.datetimes import _parse_date as feedparser_date

from bot.clock import iso, utc_now

MIN_YEAR = 1990
MAX_FUTURE = timedelta(days=2)


def checked_iso(value: datetime | None) -> str | None:
    """ISO 8601 UTC text to the second (a naive datetime counts as UTC), or None for a
    missing or absurd date."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    value = value.astimezone(timezone.utc)
    if value.year < MIN_YEAR or value > utc_now() + MAX_FUTURE:
        return None
    return iso(value)


def struct_time_to_iso(parsed: Any) -> str | None:
    """A UTC ``time.struct_time`` (or 6+-tuple) as feedparser gives it, as ISO text; else None."""
    if not parsed:
        return None
    try:
        value = datetime.fromtimestamp(calendar.timegm(tuple(parsed)[:6] + (0, 0, 0)), timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return checked_iso(value)


def text_date_to_iso(text: Any) -> str | None:
    """Parse an RFC 3339 / ISO 8601 (or RFC 822, or any form feedparser reads) date string."""
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        return checked_iso(
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        )
    except ValueError:
        pass
    try:
        return checked_iso(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        pass
    return struct_time_to_iso(feedparser_date(value))
