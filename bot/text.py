"""Small text helpers shared by cleaning, relevance, near-duplicates and classification.

Pure functions: folding for matching, words, sentences, and ``memoize`` for pure functions of
one text (the same sentence is read by several stages: once is enough).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

MEMO_SIZE = 4096  # texts remembered per memoised function
MEMO_MAX_CHARS = 1000  # longer texts are computed each time (bounds the memory held)


def memoize(function: Callable[[str], T] | None = None, *, size: int = MEMO_SIZE,
            max_chars: int = MEMO_MAX_CHARS) -> Any:
    """Remember the results of a pure function of one text: up to ``size`` texts of at most
    ``max_chars`` characters (longer ones are computed each time, so the memory held stays
    bounded). The same sentence is read by the relevance check, the fingerprint and several
    classifier rules: once is enough. The result is shared: only for immutable results."""
    if function is None:
        return lambda f: memoize(f, size=size, max_chars=max_chars)
    cached = lru_cache(maxsize=size)(function)

    def call(text: str) -> T:
        if len(text) > max_chars:
            return function(text)
        return cached(text)

    call.cache_clear = cached.cache_clear  # type: ignore[attr-defined]
    return call


class _FoldTable(dict[int, "int | str | None"]):
    """str.translate table for ``fold``: combining marks dropped, typographic quotes and dashes
    made plain; filled as characters are met (bounded: past the bound, computed each time)."""

    _PLAIN = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}
    _MAX = 20000

    def __missing__(self, code: int) -> int | str | None:
        char = chr(code)
        value: int | str | None = (
            None if unicodedata.combining(char) else self._PLAIN.get(char, code)
        )
        if len(self) < self._MAX:
            self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Lower-case, typographic quotes and dashes made plain, accents removed: for matching.

    Plain ASCII is only lower-cased; the rest is decomposed (NFKD) and goes through one
    translate table instead of a character-by-character generator."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_FOLD_TABLE).lower()


def normalize_space(text: str) -> str:
    return " ".join(text.split())


WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")


def words(text: str) -> list[str]:
    """The words of ``text``, folded."""
    return WORD_RE.findall(fold(text))


_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Rep", "Sen", "Gov",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "No", "Vol", "vs", "etc", "approx", "U.S", "U.N", "U.K", "E.U",
)
_ABBR_RE = re.compile(r"\b(" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")
_BOUNDARY_RE = re.compile(
    r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|"
    # scraped text with the space lost: "on Monday.The statement"; a word of two lower-case
    # letters or more before the stop and a capitalised word after it, so "U.S.", "No.5",
    # "3.5", "e.g." and "tass.com" stay whole
    r"(?<=[a-z]{2}[.!?])(?<!www[.])[\"”’')\]]*(?=[\"“‘(\[]?[A-Z][a-z])(?![A-Z]\w*\.[A-Za-z])"
    r"(?!(Az|Ru|Ir|Com|Net|Org|Info|Kz|Uz|Ua|Am|Su)\b)"  # "Caliber.Az reports"
)


@memoize(size=1024, max_chars=4000)
def split_sentences(paragraph: str) -> tuple[str, ...]:
    """Split a paragraph into sentences; keeps abbreviations such as "U.S." and "Jan." intact.
    Remembered: the relevance check, the fingerprint and the classifier all ask."""
    paragraph = normalize_space(paragraph)
    if not paragraph:
        return ()
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(paragraph):
        candidate = paragraph[start : match.start()].rstrip()
        # an abbreviation is at most 8 characters back from the end: search only there
        if _ABBR_RE.search(candidate, max(0, len(candidate) - 8)):
            continue
        end_quote = paragraph[match.start() : match.end()].strip()
        pieces.append((candidate + end_quote).strip())
        start = match.end()
    rest = paragraph[start:].strip()
    if rest:
        pieces.append(rest)
    return tuple(p for p in pieces if p)
