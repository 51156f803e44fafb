"""Near-duplicates: wire copies and rewrites of one story count once.

A rewrite keeps the story's facts (names, numbers, quotes) but changes the wording, so two
measures are combined: how much of the shorter text's vocabulary the other one contains, and
how well its sentences align with the other's (rapidfuzz token_set_ratio, best match per
sentence). Short items (a feed title and lead) are compared on title and lead alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.text import split_sentences, words

_STOP = frozenset(
    "the a an and or of to in on for with by at from that this is was were be been are as it its "
    "their his her they he she which who said says say will would has have had not but also about "
    "over after into between two new than more could may might there what when while during".split()
)

CONTAINMENT_THRESHOLD = 0.55
ALIGNMENT_THRESHOLD = 72.0
TITLE_THRESHOLD = 82.0
LEAD_THRESHOLD = 70.0


def _content(text: str) -> str:
    """The content words of ``text``: its words less stop words and short words."""
    return " ".join(w for w in words(text) if w not in _STOP and len(w) > 2)


@dataclass(frozen=True)
class Fingerprint:
    title: str
    lead: str
    sentences: tuple[str, ...]
    vocabulary: frozenset[str]

    @property
    def is_short(self) -> bool:
        return len(self.sentences) < 4

    def to_text(self) -> str:
        """A compact form to store: the title, lead and sentences, one per line."""
        return "\n".join([self.title, self.lead, *self.sentences])

    @classmethod
    def from_text(cls, stored: str) -> Fingerprint:
        lines = stored.split("\n")
        title, lead, sentences = lines[0], (lines[1] if len(lines) > 1 else ""), lines[2:]
        vocabulary = frozenset(" ".join([title, *sentences]).split())
        return cls(title, lead, tuple(sentences), vocabulary)


def fingerprint(title: str, paragraphs: list[str]) -> Fingerprint:
    sentences = [_content(s) for p in paragraphs for s in split_sentences(p)]
    sentences = [s for s in sentences if s]
    content_title = _content(title)
    lead = sentences[0] if sentences else ""
    vocabulary = frozenset(" ".join([content_title, *sentences]).split())
    return Fingerprint(content_title, lead, tuple(sentences), vocabulary)


def _alignment(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    scores = [process.extractOne(s, b, scorer=fuzz.token_set_ratio)[1] for s in a]
    return sum(scores) / len(scores)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """0–100: how much ``a`` and ``b`` tell the same story in the same way."""
    if a.is_short or b.is_short:
        title = fuzz.token_set_ratio(a.title, b.title)
        lead = fuzz.token_set_ratio(a.lead, b.lead) if a.lead and b.lead else 0.0
        return max(title if title >= TITLE_THRESHOLD else 0.0, lead, (title + lead) / 2)
    shared = len(a.vocabulary & b.vocabulary)
    containment = shared / max(1, min(len(a.vocabulary), len(b.vocabulary)))
    alignment = min(_alignment(a.sentences, b.sentences), _alignment(b.sentences, a.sentences))
    return max(containment * 100 / CONTAINMENT_THRESHOLD * ALIGNMENT_THRESHOLD / 100, alignment)


def _scores(query: str, choices: list[str]) -> list[float]:
    """fuzz.token_set_ratio(query, choice) for every choice, in one call into rapidfuzz."""
    scores = [0.0] * len(choices)
    for _, score, index in process.extract(query, choices, scorer=fuzz.token_set_ratio,
                                           limit=None):
        scores[index] = score
    return scores


def find_near_duplicate(a: Fingerprint, candidates: list[tuple[int, Fingerprint]]) -> int | None:
    """The key of the first candidate ``a`` is a near-duplicate of, or None. Short items (either
    one) are near-duplicates on their titles, or on their leads with titles not far apart; full
    articles when their ``similarity`` reaches the alignment threshold. The title and lead
    scores of all candidates are computed at once."""
    if not candidates:
        return None
    titles = _scores(a.title, [b.title for _, b in candidates])
    leads = _scores(a.lead, [b.lead for _, b in candidates]) if a.lead else None
    for index, (key, b) in enumerate(candidates):
        if a.is_short or b.is_short:
            title = titles[index]
            lead = leads[index] if leads is not None and b.lead else 0.0
            if title >= TITLE_THRESHOLD or (lead >= LEAD_THRESHOLD and title >= 60):
                return key
        elif similarity(a, b) >= ALIGNMENT_THRESHOLD:
            return key
    return None

