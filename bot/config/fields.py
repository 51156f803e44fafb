"""What every watchlist model shares: the strict base model and the value types of its keys.

Every section derives from StrictModel and types its keys with these::

    StrictModel           unknown keys refused, frozen, inputs never echoed in errors
    Duration              "1h30m" or seconds -> float > 0 (NonNegativeDuration: >= 0)
    Size                  "5MB" or bytes -> int > 0
    Count                 a whole number >= 1 (not true/false)
    Words                 a list of non-empty texts; one text is a list of one (Aliases: >= 1 entry)
    resolve_path(value, base) -> Path    absolute; a relative ``value`` is relative to ``base``
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from bot.config.units import parse_duration, parse_size

__all__ = [
    "Aliases",
    "Count",
    "Duration",
    "NonNegativeDuration",
    "Size",
    "StrictModel",
    "Words",
    "resolve_path",
]


def _duration(value: object) -> object:
    return parse_duration(value) if value is not None else value


def _size(value: object) -> object:
    return parse_size(value) if value is not None else value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"should be a number, not {str(value).lower()}")
    return value


def _listify(value: object) -> object:
    """Accept ``check_roles: Moderators`` as ``[Moderators]``."""
    return [value] if isinstance(value, str) else value


def _no_empty_entries(values: list[str]) -> list[str]:
    if any(not v for v in values):
        raise ValueError("contains an empty entry")
    return values


Duration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]
NonNegativeDuration = Annotated[float, BeforeValidator(_duration), Field(ge=0)]
Size = Annotated[int, BeforeValidator(_size), Field(gt=0)]
Count = Annotated[int, BeforeValidator(_no_bool), Field(ge=1)]
Words = Annotated[list[str], BeforeValidator(_listify), AfterValidator(_no_empty_entries)]
Aliases = Annotated[Words, Field(min_length=1)]


class StrictModel(BaseModel):
    """The base of every watchlist section: a typo in a key is an error, not a silent default."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        coerce_numbers_to_str=True,
        str_strip_whitespace=True,
        hide_input_in_errors=True,  # webhook URLs are secrets
    )


def resolve_path(value: str | Path, base: Path) -> Path:
    """``value`` as an absolute path (``~`` expanded); a relative one is relative to ``base``."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else Path(base) / path).resolve()
