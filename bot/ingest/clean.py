"""Turn a captured news page into its article: title, body paragraphs, and what the page said of itself.

Page furniture is dropped: "Recent Posts" sidebars and their "7 minutes ago" lines, comment
counters and moderation notes, "Read also" links, photo credits and captions, outlet disclaimers
and staff blurbs, "In World" lists of unrelated stories, section labels. Pure functions, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.text import normalize_space

# A line that starts page furniture running to the end of the page.
_TAIL_MARKERS = re.compile(
    r"^(recent posts|related posts|related articles|related news|most read|most popular|"
    r"in world|more in world|more stories|latest news|trending|comments?\s*\(\d+\)|"
    r"leave a (review|comment|reply)|you may also like|read more stories)\s*:?$",
    re.IGNORECASE,
)
# Single lines that are never article text.
_LINE_DROP = [
    re.compile(r"^(read also|read more|see also|also read|related)\s*:", re.IGNORECASE),
    re.compile(r"\b(photo|picture|image|file photo)\s*:\s*[\w .,/&-]+$", re.IGNORECASE),
    re.compile(r"^\(?(photo|image|credit)s?\b.{0,80}$", re.IGNORECASE),
    re.compile(r"^\d+\s+(second|minute|hour|day|week|month|year)s?\s+ago$", re.IGNORECASE),
    re.compile(r"^[-–—•*|]+$"),
    re.compile(r"^(reply|share|tweet|print|email|advertisement|subscribe)$", re.IGNORECASE),
    re.compile(r"^comments are moderated", re.IGNORECASE),
    re.compile(r"^for more information, please see our comments", re.IGNORECASE),
    re.compile(r"^replying to\b", re.IGNORECASE),
    re.compile(r"\|\s*\d+\s+\w+\s+ago\s*\|", re.IGNORECASE),  # "e | 7 months ago | Reply e"
]
# Whole paragraphs that are an outlet talking about itself.
_BOILERPLATE = [
    re.compile(r"do(es)? not necessarily reflect the (opinion|views?)", re.IGNORECASE),
    re.compile(r"editorial staff is composed of", re.IGNORECASE),
    re.compile(r"all rights reserved", re.IGNORECASE),
    re.compile(r"^(ifp media wire|ifp editorial staff|ifp exclusive|media wire)$", re.IGNORECASE),
]
_DATELINE_SOURCE = re.compile(
    r"^(?P<outlet>[A-Z][\w&.' ]{1,40}?)\s+(?P<date>(January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s+\d{1,2},\s+\d{4})$"
)
_PLACE_DATELINE = re.compile(r"^[A-Z][A-Z/ ,.'-]{2,60}:$")
_SOURCE_PREFIX = re.compile(r"^(?P<outlet>Reuters|AP|AFP|TASS|IRNA|RIA Novosti|Bloomberg)\s*[:–—-]\s+")
_DATE_IN_TEXT = re.compile(
    r"\b(?P<month>January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+(?P<day>\d{1,2}),\s+(?P<year>(19|20)\d\d)\b"
)


@dataclass
class CleanArticle:
    title: str
    paragraphs: list[str]
    outlet_hint: str | None = None  # "Reuters" from a "Reuters:" prefix or a dateline
    date_in_text: date | None = None  # a date the page states about itself
    dropped: list[str] = field(default_factory=list)  # furniture lines removed, for inspection

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def _is_headline_like(line: str) -> bool:
    words = line.split()
    return 3 <= len(words) <= 25 and not line.rstrip().endswith((".", ":", "”", '"'))


def _first_date(text: str) -> date | None:
    match = _DATE_IN_TEXT.search(text)
    if not match:
        return None
    try:
        return datetime.strptime(
            f"{match['month']} {match['day']} {match['year']}", "%B %d %Y"
        ).date()
    except ValueError:
        return None


def clean_page(raw: str, *, title: str | None = None) -> CleanArticle:
    """Extract the article from a captured page.

    ``title`` (from metadata) marks where the article starts: lines above it (photo captions,
    section labels) are furniture. Without it, the first headline-like line is the title.
    """
    lines = [normalize_space(line) for line in raw.replace("\r\n", "\n").split("\n")]
    dropped: list[str] = []
    kept: list[str] = []
    outlet_hint: str | None = None
    stated_date: date | None = None

    for line in lines:
        if not line:
            kept.append("")
            continue
        if _TAIL_MARKERS.match(line) and any(k for k in kept):
            dropped.extend(lines[lines.index(line) :])
            break
        if any(p.search(line) for p in _LINE_DROP) or any(p.search(line) for p in _BOILERPLATE):
            dropped.append(line)
            continue
        dateline = _DATELINE_SOURCE.match(line)
        if dateline:
            outlet_hint = outlet_hint or dateline["outlet"].strip()
            stated_date = stated_date or _first_date(line)
            dropped.append(line)
            continue
        if _PLACE_DATELINE.match(line):
            dropped.append(line)
            continue
        prefix = _SOURCE_PREFIX.match(line)
        if prefix:
            outlet_hint = outlet_hint or prefix["outlet"]
            line = line[prefix.end() :]
        kept.append(line)

    texts = [line for line in kept if line]
    found_title = title
    if title:
        norm = normalize_space(title).casefold()
        for index, line in enumerate(texts):
            if line.casefold() == norm:
                dropped.extend(texts[:index])
                texts = texts[index + 1 :]
                break
    else:
        for index, line in enumerate(texts):
            if _is_headline_like(line):
                found_title = line
                dropped.extend(texts[:index])
                texts = texts[index + 1 :]
                break
    if stated_date is None:
        stated_date = _first_date("\n".join(texts))
    return CleanArticle(
        title=found_title or (texts[0] if texts else ""),
        paragraphs=texts,
        outlet_hint=outlet_hint,
        date_in_text=stated_date,
        dropped=dropped,
    )
