"""Read one sentence and say which stage of the treaty's life it reports, if any.

Pure functions. Each finding names the rule that fired so every status can be explained.

How a sentence is read:
1. It must be about this treaty: it names both parties, or it sits in an article about the
   treaty and refers to "the treaty", "the pact", "the document"...; the part of the sentence
   holding the event must not be about a look-alike (another treaty of one of the parties, a
   trade deal, ... as the topic lists them).
2. Event words per stage (sign/ink/seal; ratify/approve by a parliament; enter into force;
   postpone/delay/suspend; draft/negotiate/finalise).
3. Modality: plans, hopes, expectations, "close to", "to be signed", conditionals and questions
   are not events. A future signing still tells that the treaty is being drafted; a signing
   or ratification as the condition of a later step ("once it is signed, it must be ratified")
   tells nothing. A signing held up (a precondition, a party that does not want to sign, "no
   clarity yet on when" the signing visit happens) is a delay; a bill for ratification sent
   to a committee is a step before the vote.
4. Negations and denials cancel an event; looking back ("the treaty signed in January", "the
   pact we have signed", "approved in April") confirms a stage but is marked retrospective.
5. The object of the act: another document signed, ratified or put in force by the same parties
   (a programme, plan, roadmap, "a dozen agreements", a document between ministries) is not the
   treaty; nor are habits ("the kind of treaty <A> often signs"), possibilities ("could
   postpone"), provisions ("enters into force on the date of ...") or past states ("was in force
   until ..."). Initialling is drafting. A document signed under, or "based on", the treaty is
   another document.
6. Each event keeps the date the sentence gives it, as written (``Finding.when``: "Friday",
   "17 January"); resolving it against the publication date is ``bot.analysis.eventdate``'s.

This module is the engine: it turns away sentences that cannot report an event, builds the
``SentenceContext`` once, and runs the rules (``bot.analysis.rules``: one per stage, then the
adjustments for denials, hearsay and unnamed agreements). The words they match are in
``bot.analysis.vocabulary``.
"""

from __future__ import annotations

from bot.analysis.relevance import TopicMatcher
from bot.analysis.rules import ADJUSTMENTS, STAGE_RULES
from bot.analysis.sentence import Finding, SentenceContext
from bot.analysis.vocabulary import (
    ANAPHORA,
    DELAYED,
    HOLD_UP,
    HYPOTHESIS,
    NO_DATE,
    OCCASION,
    PRONOUN_SUBJECT,
    TIMING_DOUBT,
)
from bot.text import fold

__all__ = ["Finding", "SentenceClassifier"]


class SentenceClassifier:
    """Classifies sentences about one topic."""

    def __init__(self, matcher: TopicMatcher | None = None) -> None:
        self.matcher = matcher or TopicMatcher()

    def context(
        self, sentence: str, *, in_treaty_article: bool = False, is_headline: bool = False
    ) -> SentenceContext | None:
        """The sentence read for the rules, or None when it cannot report an event: empty, a
        question or a hypothesis, or no treaty named or referred to."""
        text = sentence.strip()
        if not text:
            return None
        folded = fold(text)
        if folded.rstrip().endswith("?") or HYPOTHESIS.search(folded):
            return None
        if not ANAPHORA.search(folded) and not self.matcher.has_treaty_word(text) and not (
                # in a treaty article, doubt over the date of the visit that is to see it signed
                in_treaty_article and OCCASION.search(folded)
                and (TIMING_DOUBT.search(folded) or NO_DATE.search(folded))) and not (
                # "However, it has been delayed due to revisions by <B>"
                in_treaty_article and PRONOUN_SUBJECT.match(folded)
                and (DELAYED.search(folded) or HOLD_UP.search(folded))):
            return None
        return SentenceContext.read(text, folded, self.matcher,
                                    in_treaty_article=in_treaty_article, is_headline=is_headline)

    def findings(
        self, sentence: str, *, in_treaty_article: bool = False, is_headline: bool = False
    ) -> list[Finding]:
        """Every finding the rules read in the sentence, in the order of the rules."""
        ctx = self.context(sentence, in_treaty_article=in_treaty_article,
                           is_headline=is_headline)
        if ctx is None:
            return []
        found: list[Finding] = []
        for rule in STAGE_RULES:
            found += rule(ctx, found)
        for adjust in ADJUSTMENTS:
            found = adjust(ctx, found)
        return found

    def classify(
        self, sentence: str, *, in_treaty_article: bool = False, is_headline: bool = False
    ) -> Finding | None:
        """The single finding that best describes what the sentence reports, or None."""
        found = self.findings(
            sentence, in_treaty_article=in_treaty_article, is_headline=is_headline
        )
        if not found:
            return None
        return max(found, key=lambda f: f.sort_key)
