"""The "did you mean" hint: the known word closest to a misspelt one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest_match(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (case-insensitive), or None."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None
