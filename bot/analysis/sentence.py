"""One sentence, read once: the context the classifier's rules share, and what they ask of it.

``SentenceContext`` holds the sentence, its folded form, what the topic finds in it and the flags
several rules share (a denial, a reporter's question, a submission for ratification, a draft's
approval). Its methods answer what every event word raises: is it about this treaty
(``bound``: not a look-alike, not inside a question) and how is it said (``is_future``,
``is_negated``, ``is_retro``). ``Finding`` is what a rule reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from bot.analysis.relevance import SentenceFacts, TopicMatcher
from bot.analysis.vocabulary import (
    ANAPHORA,
    ASKED,
    DENIAL,
    DRAFT_APPROVAL,
    FUTURE_AFTER,
    FUTURE_CONJ,
    FUTURE_FRAME,
    FUTURE_NEAR,
    FUTURE_WIDE,
    GENERIC_DEAL,
    NEGATION,
    OURS,
    PAST_EVENT,
    REPLACES,
    RETRO_BEFORE,
    RETRO_SENTENCE,
    SEGMENT_SPLIT,
    SPECIFIC,
)
from bot.models import Status
from bot.text import fold, memoize


@dataclass(frozen=True)
class Finding:
    """A stage a sentence reports, and the rule that read it (so every status is explained)."""

    status: Status
    rule: str
    confidence: float
    party: str | None = None
    retrospective: bool = False
    contested: bool = False

    @property
    def sort_key(self) -> tuple[int, int, int, float]:
        order = [Status.DRAFTING, Status.DELAYED, Status.SIGNED, Status.RATIFIED, Status.IN_FORCE]
        return (
            0 if self.contested else 1,
            0 if self.retrospective else 1,
            order.index(self.status),
            self.confidence,
        )


@memoize
def _segments(sentence: str) -> tuple[tuple[int, int], ...]:
    """Character spans of the comma/conjunction-delimited parts of a sentence (remembered: each
    rule that fires asks again)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in SEGMENT_SPLIT.finditer(sentence):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return tuple(spans) or ((0, len(sentence)),)


@dataclass(frozen=True)
class SentenceContext:
    """A sentence that refers to a treaty, with what the rules share about it."""

    text: str  # the sentence, stripped
    folded: str  # ``fold(text)``: what the vocabulary is matched against
    matcher: TopicMatcher
    in_treaty_article: bool  # from an article about the treaty: "the pact" means this one
    is_headline: bool
    denied: bool  # the sentence denies, or calls wrong, what it reports
    asked: tuple[tuple[int, int], ...]  # spans of a reporter's question ("asked whether ...")
    submitted: re.Match[str] | None  # submitted for ratification (or a committee's advice)
    draft_approval: re.Match[str] | None  # a draft approved, a decree on signing: not signed

    @classmethod
    def read(cls, text: str, folded: str, matcher: TopicMatcher, *, in_treaty_article: bool,
             is_headline: bool) -> SentenceContext:
        return cls(
            text=text,
            folded=folded,
            matcher=matcher,
            in_treaty_article=in_treaty_article,
            is_headline=is_headline,
            denied=bool(DENIAL.search(folded)),
            asked=tuple((m.start(), m.end()) for m in ASKED.finditer(folded)),
            submitted=matcher.submitted_re.search(folded),
            draft_approval=DRAFT_APPROVAL.search(folded),
        )

    @cached_property
    def facts(self) -> SentenceFacts:
        """What the topic finds in the whole sentence (asked only by the rules that need it)."""
        return self.matcher.sentence_facts(self.text)

    # -- binding: is the event at this match about this treaty? ----------------------------
    def segment_at(self, position: int) -> str:
        """The part of the sentence holding ``position``, with the parts it leans back on."""
        spans = _segments(self.text)
        for index, (start, end) in enumerate(spans):
            if start <= position < end:
                segment = self.text[start:end]
                # A relative clause, or a part with no names of its own, belongs to what precedes.
                while index > 0 and self._leans_back(segment):
                    index -= 1
                    segment = self.text[spans[index][0] : spans[index][1]] + ", " + segment
                return REPLACES.sub("", segment)
        return self.text

    def _leans_back(self, segment: str) -> bool:
        folded = fold(segment)
        if re.match(r"\s*(which|that|who|whose)\b", folded):
            return True
        return not (
            self.matcher.lookalikes_in(segment)
            or self.matcher.parties_in(segment)
            or ANAPHORA.search(folded)
        )

    def bound(self, match: re.Match[str]) -> bool:
        """The event word at ``match`` speaks of this treaty, outside any question."""
        if any(start <= match.start() < end for start, end in self.asked):
            return False  # inside a reporter's question
        if "?" in self.folded[match.end() :]:
            return False  # "Will the treaty be signed next week? Officials won't say"
        return self._bound_at(match.start())

    def _bound_at(self, position: int) -> bool:
        segment = self.segment_at(position)
        lookalikes = self.matcher.lookalikes_in(segment)
        parties = self.matcher.parties_in(segment)
        folded_segment = fold(segment)
        if GENERIC_DEAL.search(folded_segment) and not SPECIFIC.search(folded_segment):
            return False  # "signed several agreements on ..." is not this treaty
        other = self.matcher.other_treaty_re.search(folded_segment)
        if other and (not OURS.search(folded_segment) or not other.group(0).split()[1:2] == ["on"]
                      and not re.match(r"(treaty|agreement|pact|deal|accord|convention)\b",
                                       other.group(0))):
            return False  # "a treaty on mutual legal assistance", "the 'strategic' energy deal"
        if lookalikes:
            # "our treaty, unlike the one with <a third country>" keeps our part only when this
            # very segment names the other party of our treaty.
            return False
        sentence_parties = self.facts.parties
        if len(sentence_parties) >= 2 and (parties or ANAPHORA.search(fold(segment))):
            if self.facts.lookalikes and len(parties) < 2:
                # The look-alikes are the first party's other treaties (with third
                # countries): with one in the sentence, the event's own clause must name the
                # other party ("the <B> treaty is now in force"), not only the first one
                # ("in <a third capital>, <A's leader> signed the ... treaty, which <B> wants
                # too").
                first = self.matcher.first_party
                return bool(parties - {first}) or (not parties and len(sentence_parties) >= 2
                                                   and not self.matcher.lookalikes_in(segment))
            return True
        if self.in_treaty_article:
            return bool(ANAPHORA.search(self.folded)) or bool(parties)
        return False

    # -- modality: how is the event at this match said? -------------------------------------
    def is_future(self, match: re.Match[str]) -> bool:
        """Planned, hoped for, expected, conditional: not (yet) an event."""
        folded, start, end = self.folded, match.start(), match.end()
        if FUTURE_FRAME.match(folded):
            return True
        before = folded[max(0, start - 80) : start]
        clause_start = max(before.rfind(";"), before.rfind(". "))
        before = before[clause_start + 1 :]
        if FUTURE_NEAR.search(before):
            return True
        past = bool(PAST_EVENT.search(folded[start:end]))
        if past and re.search(r"\b(finally|eventually|at last|ultimately)\s+$", before):
            return False  # "once slated for October, finally inked in January"
        if not past and re.search(r"\b(predicts?|forecasts?|expects?|hopes?|anticipates?)\b",
                                  folded[end:]):
            return True  # "<B> and <A> sign treaty in January, envoy predicts"
        wide = " ".join(before.split()[-7:])
        if FUTURE_WIDE.search(wide) or (not past and FUTURE_CONJ.search(wide)):
            return True
        return bool(FUTURE_AFTER.search(folded[end : end + 60]))

    def is_negated(self, match: re.Match[str]) -> bool:
        """A negation shortly before the event word."""
        folded, start = self.folded, match.start()
        # "has still not, as of Friday, been signed": a negation before an aside
        if re.search(r"\b(not|never|n't)\s*,[^,;]{0,40},\s*(\w+\s+){0,2}$",
                     folded[max(0, start - 90) : start]):
            return True
        before = re.split(r"[;:,\u2014\u2013]|\s-\s", folded[max(0, start - 60) : start])[-1]
        before = " ".join(before.split()[-5:])
        return bool(NEGATION.search(before))

    def is_retro(self, match: re.Match[str]) -> bool:
        """Looking back at the event as background ("the treaty, signed in January, ...")."""
        before = self.folded[max(0, match.start() - 60) : match.start()]
        return bool(RETRO_BEFORE.search(before)) or bool(RETRO_SENTENCE.search(self.folded))
