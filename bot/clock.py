"""Time as the bot writes it: aware UTC datetimes and ISO 8601 text to the second.

The one home for "now": storage, digests, the app and the page all take their timestamps here,
so every stored and shown time has the same shape (``2025-01-17T10:00:00+00:00``).
"""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def now_iso() -> str:
    """The current UTC time as ISO text, e.g. ``2025-01-17T10:00:00+00:00``."""
    return utc_now().isoformat()


def iso(moment: datetime) -> str:
    """An aware datetime as ISO text in UTC, to the second."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()
