"""Is an article, and a sentence in it, about the treaty?  Pure functions over a compiled Topic.

An article is relevant when it names both parties and has at least one sentence binding a
treaty word to them that is not about a look-alike agreement. Party aliases are matched exactly
(word boundaries) and, for longer names, fuzzily with rapidfuzz so spelling variants (a letter
off, a hyphen missing) still count.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.analysis.vocabulary import (
    approve_regex,
    phrase_pattern,
    phrases_regex,
    submitted_regex,
)
from bot.config.topic import DEFAULT_TOPIC, Topic
from bot.text import WORD_RE, fold, memoize, split_sentences

_TOKEN_RE = re.compile(r"[A-Z][A-Za-z'’\-]{2,}(?:[ -][A-Z][A-Za-z'’\-]{3,})?")
# "<owner>'s [one or two words] " just before a body's name: whose body it is
_OWNER_BEFORE = re.compile(r"\b([a-z][\w-]*(?: [a-z][\w-]*)?)'s (?:[\w-]+ ){0,2}$")
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


# other documents of the same parties (or anyone's): a treaty "on" something else, or a kind of
# deal the topic names in ``other_agreements`` ("a gas deal", "the visa agreement")
_TREATY_ON = (
    r"\b(treaty|agreement|pact|deal|accord|convention)\s+(on|for|concerning|regarding)\s+"
    r"(the |a )?(?!(comprehensive|strategic|partnership|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|ratification|signing|signature|entry|approval|its|their|this|"
    r"that|which|day|eve|sidelines|occasion|basis|table|agenda|paper|track|schedule|time|"
    r"hold|course|consideration|review|weeks?|months?|years?|\d)\b)[a-z]{3,}"
)


def other_treaty_regex(kinds: list[str]) -> re.Pattern[str]:
    """A treaty "on" something else, or one of the ``kinds`` of deal (folded words)."""
    if not kinds:
        return re.compile(_TREATY_ON)
    return re.compile(
        _TREATY_ON + r"|\b(" + "|".join(phrase_pattern(k) for k in kinds) + r")\s+(\w+\s+)?"
        r"(treaty|pact|deal|agreement|accord|convention)s?\b"
    )


# After signature: a party leaves the treaty, or stops applying it. Talks suspended before
# signature are a delay (the classifier's DELAYED), not this: the treaty itself must be what is left or suspended.
def _treaty_noun(party_words: list[str]) -> str:
    """"the (new, landmark, <party>'s ...) treaty": ``party_words`` are the parties' names."""
    words = "".join(f"|{phrase_pattern(w)}|{phrase_pattern(w)}'s" for w in party_words)
    return (
        r"(the |this |its |their |a )?((comprehensive|strategic|partnership|landmark|new|"
        r"bilateral|historic|major|cooperation|20-year|twenty-year|\w+-\w+" + words + r") )"
        r"{0,4}(treaty|pact|partnership agreement)"
    )


def withdrawal_regex(party_words: list[str]) -> re.Pattern[str]:
    noun = _treaty_noun(party_words)
    return re.compile(
        r"\b(withdr(ew|aw|aws|awn|awing)|pull(ed|s|ing)? out) from " + noun + r"|"
        r"\b(terminat(e|ed|es|ing)|renounc(e|ed|es|ing)|scrap(s|ped|ping)?|"
        r"annul(s|led|ling)?) " + noun
    )


def suspended_treaty_regex(party_words: list[str]) -> re.Pattern[str]:
    noun = _treaty_noun(party_words)
    return re.compile(
        r"\bsuspen(d|ds|ded|ding) (the |its |their )?(implementation|application|participation|"
        r"operation|obligations?)( \w+){0,2} (of|in|under) " + noun + r"|"
        r"\bsuspen(d|ds|ded|ding) " + noun
    )


# a definite reference back to an agreement already named ("the agreement", "this deal")
_BACK_REFERENCE = re.compile(
    r"\b(the|this|that|said)\s+(agreement|deal|accord|document|pact|treaty|text)\b")
_PLAIN_WORDS = frozenset(
    "treaty treaties agreement agreements pact accord deal convention on of the and between with "
    "for new interstate inter-state relations".split())

_PAIR_JOINER = re.compile(r"\s*[-‐-―/]\s*")  # "A-B", "A – B", "A/B": two parties naming a treaty


class TopicMatcher:
    """A Topic compiled into regular expressions and a fuzzy alias table."""

    def __init__(self, topic: Topic = DEFAULT_TOPIC) -> None:
        self.topic = topic
        self._party_res = {party: _phrase_regex(names) for party, names in topic.parties.items()}
        self._keyword_re = _phrase_regex(list(topic.keywords) + list(topic.aliases))
        self._lookalike_res = {k: _phrase_regex(v) for k, v in topic.lookalikes.items()}
        self._compile_language(topic)
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

    def _compile_language(self, topic: Topic) -> None:
        """The classifier's patterns that take words from the topic: its parties' bodies (the
        first, a party's parliament, is where a treaty is sent and whose vote is reported) and
        names, every party at once ("both ... and ..."), the other kinds of deal."""
        bodies = {p: [fold(b) for b in topic.body_phrases(p)] for p in topic.parties}
        self._body_res = {p: regex for p, names in bodies.items()
                          if (regex := phrases_regex(names)) is not None}
        self._own_names = {p: re.compile(r"^(?:" + "|".join(
            re.escape(fold(n)) for n in sorted(topic.parties[p], key=len, reverse=True)
        ) + r")$") for p in self._body_res}
        plain = list(dict.fromkeys(fold(b) for p in topic.parties
                                   for b in topic.parliament_phrases(p)))
        self.submitted_re = submitted_regex(plain)
        self.approve_re = approve_regex(plain)
        names = list(dict.fromkeys(fold(n) for ns in topic.parties.values() for n in ns))
        self.withdrawal_re = withdrawal_regex(names)
        self.suspended_treaty_re = suspended_treaty_regex(names)
        shown = [fold(topic.display_name(p)) for p in topic.parties]
        every = "both" if len(shown) == 2 else "all"
        together = " and ".join(shown) if len(shown) <= 2 else (
            ", ".join(shown[:-1]) + " and " + shown[-1])
        self.all_parties_re = re.compile(
            rf"\b{every} ({phrase_pattern(together)}|countries|sides|parties)\b")
        own_words = set(WORD_RE.findall(fold(" ".join([topic.name, *topic.aliases,
                                                       *topic.keywords]))))
        kinds = [fold(k) for k in topic.other_agreements
                 if not set(WORD_RE.findall(fold(k))) & own_words]
        self.other_treaty_re = other_treaty_regex(kinds)
        # the words of the treaty's own name that are neither a party's name nor a plain noun
        # for an agreement ("strategic", "partnership"; "peace"): a sentence with one names it
        party_words = set(WORD_RE.findall(fold(" ".join(n for ns in topic.parties.values()
                                                        for n in ns))))
        specific = sorted((w for w in own_words - _PLAIN_WORDS
                           if not set(w.split("-")) & party_words), key=len, reverse=True)
        self._own_words_re = re.compile(
            r"\b(" + "|".join(re.escape(w) for w in specific if len(w) > 3) + r")\b"
            if any(len(w) > 3 for w in specific) else r"(?!x)x")

    def _bodies_named(self, folded: str) -> tuple[set[str], bool]:
        """The parties one of whose ratifying bodies ``folded`` names, and whether it names a
        body of the same name that belongs to a third country ("<third country>'s <body>": a
        possessive that is none of the party's names just before it)."""
        parties: set[str] = set()
        foreign = False
        for party, regex in self._body_res.items():
            for m in regex.finditer(folded):
                owner = _OWNER_BEFORE.search(folded, 0, m.start())
                if owner and not self._own_names[party].search(owner.group(1)):
                    foreign = True
                    continue
                parties.add(party)
                break
        return parties, foreign

    def parties_by_body(self, folded: str) -> set[str]:
        """The parties one of whose ratifying bodies ``folded`` names (not a third country's
        body of the same name)."""
        return self._bodies_named(folded)[0]

    def third_country_body(self, folded: str) -> bool:
        """``folded`` names a third country's body whose name is a party's body's name, and
        no body of a party."""
        parties, foreign = self._bodies_named(folded)
        return foreign and not parties

    # -- building blocks -------------------------------------------------------------
    def _fuzzy_party_uncached(self, token: str) -> str | None:
        squashed = _squash(token)
        if len(squashed) < FUZZY_MIN_LENGTH:
            return None
        found = process.extractOne(
            squashed, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        # Same first letter: a word with one more letter in front ("Prussian") is not the
        # party adjective it contains.
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
        """The topic's first party: the look-alikes are its other treaties (the same country's
        treaties with third countries)."""
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

    def acting_party(self, folded: str, position: int) -> str | None:
        """Like :meth:`nearest_party`, but a pair of parties that names the treaty itself
        ("the A-B treaty ratified") says nothing of who acted: mentions joined
        to another party's by a dash or slash are left out, and None when only those remain."""
        mentions = sorted((m.start(), m.end(), party) for party, regex in self._party_res.items()
                          for m in regex.finditer(folded))
        paired: set[int] = set()
        for i, (_, end, party) in enumerate(mentions):
            for j in range(i + 1, len(mentions)):
                start, _, other = mentions[j]
                if other != party and _PAIR_JOINER.fullmatch(folded[end:start]):
                    paired.update((i, j))
        best: tuple[int, str] | None = None
        for i, (start, _, party) in enumerate(mentions):
            if i not in paired and (best is None or abs(start - position) < best[0]):
                best = (abs(start - position), party)
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
        other_last = False  # the last agreement named was a look-alike: "the agreement" is it
        for sentence in sentences:
            facts = self.sentence_facts(sentence)
            own = bool(self._own_words_re.search(fold(sentence)))
            if facts.lookalikes:
                other_last = not own
                continue
            if not facts.treaty_word:
                continue
            if other_last and not own and _BACK_REFERENCE.search(fold(sentence)):
                continue  # "The agreement was signed by ..." after the look-alike's headline
            other_last = False
            if facts.parties:
                bound += 1
        if bound == 0:
            return ArticleRelevance(
                False, parties, 0, "no sentence ties a treaty word to the parties"
            )
        return ArticleRelevance(True, parties, bound, f"{bound} sentence(s) about the treaty")
