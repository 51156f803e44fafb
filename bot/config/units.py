"""Durations and sizes as people write them in the watchlist: ``90s``, ``1h30m``, ``5MB``.

    parse_duration("1h30m") -> 5400.0     format_duration(5400) -> "1h30m"
    parse_size("5MB") -> 5242880          format_size(5242880) -> "5 MB"
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "format_size", "parse_duration", "parse_size"]

_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_UNIT_WORDS = {
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "day": "d", "days": "d", "week": "w", "weeks": "w",
}  # fmt: skip
_NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_DURATION_PART = re.compile(rf"\s*({_NUMBER})\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_DURATION_HINT = "use e.g. 90s, 15m, 1h30m, 2d, or a number of seconds"


def parse_duration(value: object) -> float:
    """``90s``, ``10m``, ``1h``, ``1h30m``, ``2d``, ``500ms`` or a number of seconds -> seconds.

    Raises ValueError for anything else, including negative durations.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"invalid duration {value!r}; {_DURATION_HINT}")
    if isinstance(value, int | float):
        return _non_negative(float(value), value)
    text = str(value).strip()
    if re.fullmatch(rf"[+-]?(?:{_NUMBER})", text):
        return _non_negative(float(text), value)
    if text.startswith("-"):
        raise ValueError(f"duration {text!r} is negative; it must be positive")
    return _parse_duration_units(text)


def _non_negative(seconds: float, original: object) -> float:
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"invalid duration {original!r}; {_DURATION_HINT}")
    if seconds < 0:
        raise ValueError(f"duration {original!r} is negative; it must be positive")
    return seconds


def _parse_duration_units(text: str) -> float:
    total, pos = 0.0, 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
        pos = match.end()
    if pos and text[pos:].strip() == "":
        return total
    raise ValueError(f"invalid duration {text!r} ({_DURATION_HINT}){_duration_guess(text)}")


def _duration_guess(text: str) -> str:
    """A ``, did you mean `15m`?`` hint for ``15 minutes`` and the like."""
    match = re.fullmatch(rf"({_NUMBER})\s*([a-z]+)", text.strip(), re.IGNORECASE)
    if match and match.group(2).lower() in _UNIT_WORDS:
        return f"; did you mean `{match.group(1)}{_UNIT_WORDS[match.group(2).lower()]}`?"
    return ""


def format_duration(seconds: float) -> str:
    """5400 -> ``1h30m``; 90 -> ``1m30s``; 0.5 -> ``0.5s``."""
    if seconds < 60 and seconds != int(seconds):
        return f"{seconds:g}s"
    rest, parts = int(round(seconds)), []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return "".join(parts) or "0s"


_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kb": 1024, "kib": 1024,
    "m": 1024**2, "mb": 1024**2, "mib": 1024**2,
    "g": 1024**3, "gb": 1024**3, "gib": 1024**3,
}  # fmt: skip
_SIZE_HINT = "use e.g. 5MB, 512KB or a number of bytes"


def parse_size(value: object) -> int:
    """``5MB``, ``512KB``, ``1.5 MB``, ``100B`` or an int -> bytes (KB = 1024 bytes)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"invalid size {value!r}; {_SIZE_HINT}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value <= 0:
            raise ValueError(f"size {value!r} must be positive")
        return value
    match = re.fullmatch(rf"\s*({_NUMBER})\s*([a-z]*)\s*", str(value), re.IGNORECASE)
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise ValueError(f"invalid size {str(value)!r}; {_SIZE_HINT}")
    size = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])
    if size <= 0:
        raise ValueError(f"size {str(value)!r} must be positive")
    return size


def format_size(size: int, *, decimals: int | None = None) -> str:
    """5242880 -> ``5 MB``; 1536 -> ``1.5 KB``. With ``decimals`` (as fetch errors word a
    limit): ``format_size(5242880, decimals=1)`` -> ``5.0 MB``, 100 -> ``100 bytes``."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor and (decimals is None or unit != "GB"):
            value = size / factor
            return f"{value:g} {unit}" if decimals is None else f"{value:.{decimals}f} {unit}"
    return f"{size} B" if decimals is None else f"{size} bytes"
