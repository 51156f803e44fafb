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
    BETWEEN_AGENCIES,
    CLAUSE_END,
    CONDITION_BEFORE,
    DENIAL,
    DOCUMENT_NOUN,
    DRAFT_APPROVAL,
    FUTURE_AFTER,
    FUTURE_CONJ,
    FUTURE_FRAME,
    FUTURE_NEAR,
    FUTURE_WIDE,
    GENERIC_DEAL,
    GENERIC_KIND,
    GENERIC_OBJECT,
    HABITUAL_BEFORE,
    NEGATION,
    OTHER_DOCUMENT,
    OURS,
    PASSIVE_BEFORE,
    PAST_EVENT,
    POSSIBILITY_BEFORE,
    REPLACES,
    RETRO_AFTER,
    RETRO_BEFORE,
    RETRO_OPENING,
    RETRO_RELATIVE,
    RETRO_SENTENCE,
    SEGMENT_SPLIT,
    SPECIFIC,
    UNDER_TREATY,
    WHEN,
    WHEN_NOT_EVENT,
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
    # the date of the event as the sentence writes it ("Friday", "17 January", "yesterday"),
    # when the sentence states one for this event; resolved against the publication elsewhere
    when: str | None = None

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

    def is_condition(self, match: re.Match[str]) -> bool:
        """A condition on an act still to come: "after the agreement is signed, it must be
        ratified", "once it is ratified": no event (not even a plan)."""
        before = self.folded[max(0, match.start() - 60) : match.start()]
        return bool(PAST_EVENT.search(match.group(0))) and bool(CONDITION_BEFORE.search(before))

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
        """Looking back at the event as background ("the treaty, signed in January, ...", "the
        treaty that <A>'s leader signed", "signed last year"): it confirms, it is not news."""
        before = self.folded[max(0, match.start() - 60) : match.start()]
        return (bool(RETRO_BEFORE.search(before)) or bool(RETRO_RELATIVE.search(before))
                or bool(RETRO_AFTER.match(self.folded[match.end() :]))
                or bool(RETRO_SENTENCE.search(self.folded))
                or bool(RETRO_OPENING.match(self.folded)))

    # -- what was acted on, and how often ------------------------------------------------------
    def acts_on_other(self, match: re.Match[str], kinds: re.Pattern[str] = OTHER_DOCUMENT) -> bool:
        """What was signed, ratified or put in force at ``match`` is another document: its object
        ("signed a two-year cooperation programme") or, said in the passive, its subject ("a
        programme of consultations was sealed", "the new regulations entered into force")."""
        folded, start, end = self.folded, match.start(), match.end()
        inside = DOCUMENT_NOUN.search(match.group(0))
        if inside and inside.group("ours"):  # "found the treaty consistent with ..."
            return False
        if kinds.match(folded[end:]) or BETWEEN_AGENCIES.match(folded[end:]):
            return True
        related = UNDER_TREATY.search(folded, end)
        if related and not SPECIFIC.search(folded, self._clause_start(start), related.start()):
            return True  # "the document was signed ... and comes after the implementation of
            # the <treaty>": a document under (after, implementing) the treaty is not the treaty
        stop = CLAUSE_END.search(folded, end)
        named = DOCUMENT_NOUN.search(folded, end, min(stop.start() if stop else len(folded),
                                                      end + 60))
        passive = PASSIVE_BEFORE.search(folded[:start]) or re.match(r"\s+by\b", folded[end:])
        if named and not passive:
            return bool(named.group("other"))  # the object: "signed in <capital> a programme"
        spans = [span for span in _segments(self.text) if span[0] <= start]
        subject = DOCUMENT_NOUN.search(folded, spans[-1][0] if spans else 0, start)
        return bool(subject and subject.group("other"))

    def _clause_start(self, position: int) -> int:
        """Where the sentence's part holding ``position`` starts (with what it leans on)."""
        starts = [start for start, end in _segments(self.text) if start <= position]
        return starts[-1] if starts else 0

    def is_habitual(self, match: re.Match[str]) -> bool:
        """A habit or a kind, not an event: "the kind of treaty <A>'s leader often signs", "<A>
        signs such treaties with its partners"."""
        before = self.folded[max(0, match.start() - 40) : match.start()]
        return (bool(HABITUAL_BEFORE.search(before))
                or bool(GENERIC_KIND.search(self.folded[: match.start()]))
                or bool(GENERIC_OBJECT.match(self.folded[match.end() :])))

    def is_possible(self, match: re.Match[str]) -> bool:
        """Only a possibility: "can also postpone", "could be delayed", "may postpone"."""
        return bool(POSSIBILITY_BEFORE.search(self.folded[max(0, match.start() - 40) :
                                                          match.start()]))

    def when_at(self, match: re.Match[str]) -> str | None:
        """The date the sentence gives for the event at ``match``, as written ("Friday", "17
        January", "yesterday"): in its clause after the event word, else just before it, else
        opening the sentence ("On Friday, ..."); never a term ("until 2045"), a deadline or a
        dateline ("Nov 6 (Interfax)")."""
        text, start, end = self.text, match.start(), match.end()
        stop = CLAUSE_END.search(text.lower(), end)
        limit = min(stop.start() if stop else len(text), end + 120)
        clause = max(text.rfind(c, 0, start) for c in ",;:")
        candidates = [m for m in WHEN.finditer(text) if self._event_date(m)]
        after = [m for m in candidates if end <= m.start() < limit]
        before = [m for m in candidates if max(clause, start - 40) < m.start() < start]
        opening = [m for m in candidates
                   if re.fullmatch(r"\W*(on\s+)?", text[: m.start()], re.I)
                   and re.match(r"\s*,", text[m.end() :])]
        for found in (after[:1], before[-1:], opening[:1]):
            if found:
                return found[0].group(0)
        return None

    def _event_date(self, m: re.Match[str]) -> bool:
        if WHEN_NOT_EVENT.search(self.text[max(0, m.start() - 20) : m.start()]):
            return False
        return not re.match(r"\s*\(", self.text[m.end() :])  # "Nov 6 (Interfax) -"
