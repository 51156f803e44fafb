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
   are not events. A future signing still tells that the treaty is being drafted.
4. Negations and denials cancel an event; looking back ("the treaty signed in January")
   confirms a stage but is marked retrospective.

This module is the engine: it turns away sentences that cannot report an event, builds the
``SentenceContext`` once, and runs the rules (``bot.analysis.rules``: one per stage, then the
adjustments for denials, hearsay and unnamed agreements). The words they match are in
``bot.analysis.vocabulary``.
"""

from __future__ import annotations

from bot.analysis.relevance import TopicMatcher
from bot.analysis.rules import ADJUSTMENTS, STAGE_RULES
from bot.analysis.sentence import Finding, SentenceContext
from bot.analysis.vocabulary import ANAPHORA, HYPOTHESIS
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
        if not ANAPHORA.search(folded) and not self.matcher.has_treaty_word(text):
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
