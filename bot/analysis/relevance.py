"""Is an article, and a sentence in it, about the treaty?  Pure functions over a compiled Topic.

An article is relevant when it names both parties and has at least one sentence binding a
treaty word to them that is not about a look-alike agreement. Party aliases are matched exactly
(word boundaries) and, for longer names, fuzzily with rapidfuzz so spelling variants such as
"Pezeshkiyan" or "Amir Abdollahian" still count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.config.topic import DEFAULT_TOPIC, Topic
from bot.text import fold, memoize, split_sentences

_TOKEN_RE = re.compile(r"[A-Z][A-Za-z'’\-]{2,}(?:[ -][A-Z][A-Za-z'’\-]{3,})?")
FUZZY_MIN_LENGTH = 6
FUZZY_CUTOFF = 86.0


def _phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    alternatives = sorted({fold(p) for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alternatives) or r"(?!x)x"
    return re.compile(rf"(?<![\w])(?:{body})(?:'s|s|es)?(?![\w])")


def _squash(value: str) -> str:
    return re.sub(r"[^a-z]", "", fold(value))


@dataclass(frozen=True)
class SentenceFacts:
    """What the topic finds in one sentence: parties named, a treaty word, look-alikes."""

    parties: frozenset[str]
    treaty_word: bool
    lookalikes: frozenset[str]


@dataclass
class ArticleRelevance:
    relevant: bool
    parties: set[str] = field(default_factory=set)
    treaty_sentences: int = 0
    reason: str = ""


class TopicMatcher:
    """A Topic compiled into regular expressions and a fuzzy alias table."""

    def __init__(self, topic: Topic = DEFAULT_TOPIC) -> None:
        self.topic = topic
        self._party_res = {party: _phrase_regex(names) for party, names in topic.parties.items()}
        self._keyword_re = _phrase_regex(list(topic.keywords) + list(topic.aliases))
        self._lookalike_res = {k: _phrase_regex(v) for k, v in topic.lookalikes.items()}
        self._fuzzy_table: dict[str, str] = {}
        for party, names in topic.parties.items():
            for name in names:
                squashed = _squash(name)
                if len(squashed) >= FUZZY_MIN_LENGTH:
                    self._fuzzy_table[squashed] = party
        self._fuzzy_keys = list(self._fuzzy_table)
        self._fuzzy_party = lru_cache(maxsize=65536)(self._fuzzy_party_uncached)
        self._parties: Callable[[str], frozenset[str]] = memoize(self._parties_uncached)
        self._lookalikes: Callable[[str], frozenset[str]] = memoize(self._lookalikes_uncached)
        self._treaty_word: Callable[[str], bool] = memoize(self._treaty_word_uncached)

    # -- building blocks -------------------------------------------------------------
    def _fuzzy_party_uncached(self, token: str) -> str | None:
        squashed = _squash(token)
        if len(squashed) < FUZZY_MIN_LENGTH:
            return None
        found = process.extractOne(
            squashed, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        # Same first letter: keeps "Prussian" from reading as "Russian".
        if not found or found[0][0] != squashed[0]:
            return None
        return self._fuzzy_table[found[0]]

    def _parties_uncached(self, text: str) -> frozenset[str]:
        folded = fold(text)
        found = {party for party, regex in self._party_res.items() if regex.search(folded)}
        if len(found) < len(self._party_res):
            for token in _TOKEN_RE.findall(text):
                party = self._fuzzy_party(token)
                if party:
                    found.add(party)
        return frozenset(found)

    def parties_in(self, text: str) -> set[str]:
        return set(self._parties(text))

    def _treaty_word_uncached(self, text: str) -> bool:
        return bool(self._keyword_re.search(fold(text)))

    def has_treaty_word(self, text: str) -> bool:
        return self._treaty_word(text)

    def _lookalikes_uncached(self, text: str) -> frozenset[str]:
        folded = fold(text)
        return frozenset(
            name for name, regex in self._lookalike_res.items() if regex.search(folded)
        )

    def lookalikes_in(self, text: str) -> set[str]:
        return set(self._lookalikes(text))

    @property
    def first_party(self) -> str | None:
        """The topic's first party: the look-alikes are its other treaties (Russia's with
        North Korea...)."""
        return next(iter(self._party_res), None)

    def nearest_party(self, folded: str, position: int) -> str | None:
        """The party whose name (matched exactly in ``folded`` text) is nearest to
        ``position``; on a tie, the first party's."""
        best: tuple[int, str] | None = None
        for party, regex in self._party_res.items():
            for m in regex.finditer(folded):
                distance = abs(m.start() - position)
                if best is None or distance < best[0]:
                    best = (distance, party)
        return best[1] if best else None

    def sentence_facts(self, sentence: str) -> SentenceFacts:
        return SentenceFacts(
            parties=self._parties(sentence),
            treaty_word=self._treaty_word(sentence),
            lookalikes=self._lookalikes(sentence),
        )

    # -- decisions -------------------------------------------------------------------
    def is_treaty_sentence(self, sentence: str, *, in_treaty_article: bool) -> bool:
        """A sentence that speaks of this treaty (not a look-alike)."""
        facts = self.sentence_facts(sentence)
        if not facts.treaty_word:
            return False
        all_parties = len(facts.parties) == len(self.topic.parties)
        if facts.lookalikes and not all_parties:
            return False
        return all_parties or (in_treaty_article and not facts.lookalikes)

    def article_relevance(self, title: str, paragraphs: list[str]) -> ArticleRelevance:
        text = "\n".join([title, *paragraphs])
        parties = self.parties_in(text)
        if len(parties) < len(self.topic.parties):
            missing = sorted(set(self.topic.parties) - parties)
            return ArticleRelevance(False, parties, 0, f"does not name {', '.join(missing)}")
        sentences = [title, *(s for p in paragraphs for s in split_sentences(p))]
        bound = 0
        for sentence in sentences:
            facts = self.sentence_facts(sentence)
            if not facts.treaty_word or facts.lookalikes:
                continue
            if facts.parties:
                bound += 1
        if bound == 0:
            return ArticleRelevance(
                False, parties, 0, "no sentence ties a treaty word to the parties"
            )
        return ArticleRelevance(True, parties, bound, f"{bound} sentence(s) about the treaty")
