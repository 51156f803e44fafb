"""The day an event happened, from the words a report dates it with.

The classifier keeps the date expression attached to an event as written ("Friday",
"17 January", "yesterday"); this resolves it against the report's publication date. Pure
functions; only past days come out: an event a report tells of cannot happen after it.

    resolve_when("Friday", "2025-01-18T09:00:00+00:00")  -> "2025-01-17"
    resolve_when("2 October", "2025-10-03")              -> "2025-10-02"
    resolve_when("17 January", "2025-01-10")             -> "2024-01-17"  (the last one before)
"""

from __future__ import annotations

import re
from datetime import date, timedelta

__all__ = ["resolve_when"]

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_RELATIVE = {"today": 0, "tonight": 0, "this morning": 0, "this afternoon": 0,
             "this evening": 0, "yesterday": 1, "last night": 1}

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(\d{4}))?"
_DAY_MONTH = re.compile(rf"^(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}$")
_MONTH_DAY = re.compile(rf"^{_MONTH}\s+{_DAY}{_YEAR}$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEKDAY = re.compile(r"^(?:(last|this|on)\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?$")


def _day(published: str) -> date | None:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _calendar(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _on_or_before(when: str, today: date) -> date | None:
    text = " ".join(when.lower().replace(",", ", ").split()).strip(" ,.")
    text = re.sub(r"^on\s+", "", text)
    if text in _RELATIVE:
        return today - timedelta(days=_RELATIVE[text])
    if match := _ISO.match(text):
        return _calendar(int(match[1]), int(match[2]), int(match[3]))
    if match := _WEEKDAY.match(text):
        weekday = _WEEKDAYS[match[2]]
        back = (today.weekday() - weekday) % 7
        if match[1] == "last" and back == 0:
            back = 7
        return today - timedelta(days=back)
    match = _DAY_MONTH.match(text)
    if match:
        day, month, year = int(match[1]), _MONTHS[match[2]], match[3]
    elif match := _MONTH_DAY.match(text):
        month, day, year = _MONTHS[match[1]], int(match[2]), match[3]
    else:
        return None
    if year:
        return _calendar(int(year), month, day)
    found = _calendar(today.year, month, day)
    if found is not None and found > today:  # "17 January" read in March: this year's
        found = _calendar(today.year - 1, month, day)
    return found


def resolve_when(when: str | None, published: str | None) -> str | None:
    """The ISO day ``when`` names, read on the day ``published``; None when it names no single
    day, cannot be read, or lies after the publication (a plan, not an event)."""
    if not when or not published:
        return None
    today = _day(published)
    if today is None:
        return None
    found = _on_or_before(when, today)
    if found is None or found > today:
        return None
    return found.isoformat()
