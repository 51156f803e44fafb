"""Small text helpers shared by cleaning, relevance and classification (pure functions)."""

from __future__ import annotations

import re
import unicodedata

_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Gen", "Col", "Lt", "Sgt", "Rep", "Sen", "Gov",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "No", "Vol", "vs", "etc", "approx", "U.S", "U.N", "U.K", "E.U",
)
_ABBR_RE = re.compile(r"\b(" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")\.$")
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_SPACE_RE = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def fold(text: str) -> str:
    """Lower-case, typographic quotes and dashes made plain, accents removed: for matching."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = (
        text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
        .replace("–", "-").replace("—", "-")
    )
    return text.lower()


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences; keeps abbreviations such as "U.S." and "Jan." intact."""
    paragraph = normalize_space(paragraph)
    if not paragraph:
        return []
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
    return [p for p in pieces if p]


_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")


def words(text: str) -> list[str]:
    return _WORD_RE.findall(fold(text))
