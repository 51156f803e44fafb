"""Read one sentence and say which stage of the treaty's life it reports, if any.

Pure functions. Each finding names the rule that fired so every status can be explained.

How a sentence is read:
1. It must be about this treaty: it names both parties, or it sits in an article about the
   treaty and refers to "the treaty", "the pact", "the document"...; the part of the sentence
   holding the event must not be about a look-alike (North Korea, the EAEU trade deal, ...).
2. Event words per stage (sign/ink/seal; ratify/approve by a parliament; enter into force;
   postpone/delay/suspend; draft/negotiate/finalise).
3. Modality: plans, hopes, expectations, "close to", "to be signed", conditionals and questions
   are not events. A future signing still tells that the treaty is being drafted.
4. Negations and denials cancel an event; looking back ("the treaty signed in January")
   confirms a stage but is marked retrospective.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.analysis.relevance import TopicMatcher, fold, memoize
from bot.models import Status

# --- vocabulary --------------------------------------------------------------------------
_ANAPHORA = re.compile(
    r"\b(treaty|pact|agreement|accord|deal|document|text|partnership|signing|draft|project|"
    r"ratification|bill|law|deadlines?|timeline|schedule|timeframes?|negotiat\w*)\b"
)
_SEGMENT_SPLIT = re.compile(
    r"\s*(?:;|:|,|\s-\s|\s–\s|\s—\s|\bwhile\b|\bwhereas\b|\bbut\b|\balthough\b|\bthough\b|"
    r"\bunlike\b|\bhowever\b|\bas well as\b|\bcompared with\b|\bcompared to\b|\bsimilar to\b|"
    r"\bjust as\b|\bafter\b|\bbefore\b|\bwhen\b|\bamid\b)\s*"
)

_HYPOTHESIS = re.compile(
    r"^(if|were|should|had)\b|\b(could|would|may|might)\b[^.]*\bif\b|"
    r"\bif\b[^.]*\b(could|would|may|might)\b|\b(whether or not|"
    r"or (be )?postpon\w*|or (be )?delay\w*|or (be )?put off|would (replace|mean|make))\b"
)
_GENERIC_DEAL = re.compile(
    r"\b(several|other|two|three|four|five|\d+|a number of|various|additional|a series of|"
    r"dozens|many|numerous|scores|hundreds|a raft of|a package of|a host of)\s+"
    r"(\w+\s+){0,2}(agreements?|deals?|accords?|memorand\w+|documents?|contracts?)\b|"
    r"\ban?\s+(\S+\s+){0,3}(agreement|deal|accord|memorandum|contract)( with \w+)?\s+"
    r"(on|to|for|covering|in the field)\b"
)
_REPLACES = re.compile(r"\b(to replace|replacing|replaces|supersed\w*|instead of)\b.*$", re.I)
_ASKED = re.compile(r"\basked (whether|if|when)\b[^,;]*")
# other Russia-Iran (or anyone's) documents: a treaty "on" something else, a kind of deal
_OTHER_TREATY = re.compile(
    r"\b(treaty|agreement|pact|deal|accord|convention)\s+(on|for|concerning|regarding)\s+"
    r"(the |a )?(?!(comprehensive|strategic|partnership|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|ratification|signing|signature|entry|approval|its|their|this|"
    r"that|which|day|eve|sidelines|occasion|basis|table|agenda|paper|track|schedule|time|"
    r"hold|course|consideration|review|weeks?|months?|years?|\d)\b)[a-z]{3,}|"
    r"\b(extradition|railway|rail|trade|free-trade|free trade|security|cybersecurity|cyber|"
    r"visa|visa-free|gas|oil|nuclear|caspian|legal|customs|tax|investment|energy|transport|"
    r"military|defen[cs]e|consular|ceasefire|peace|migration|banking|payment|grain|"
    r"transit|space|arms|weapons|fisheries|aviation|shipping|framework|preferential|"
    r"card|interim|loan|supply|purchase|sales?)\s+(\w+\s+)?(treaty|pact|deal|agreement|"
    r"accord|convention)s?\b"
)
# a law, order or decree coming into force is not the treaty doing so
_OTHER_ACT = re.compile(r"\b(law|order|decree|directive|regulation|resolution|ban|tariffs?)\b")
_OURS = re.compile(r"\b(strategic|comprehensive|partnership)\b")
_SPECIFIC = re.compile(r"\b(treat(y|ies)|pact|strategic|comprehensive|partnership)\b")
_FUTURE_NEAR = re.compile(
    r"\b(to|will|would|shall|could|may|might|should|must|can|cannot|won't|wouldn't|'ll|"
    r"going to|about to|be)\s+(\w+\s+){0,2}$"
)
_FUTURE_WIDE = re.compile(
    r"\b(expect\w*|hope\w*|hoping|plan\w*|ready|readiness|close to|set to|due to|intend\w*|"
    r"aim\w*|seek\w*|want\w*|wish\w*|prepar\w*|upcoming|ahead of|awaiting|await\w*|prospect\w*|"
    r"possibl\w*|potential\w*|likely|invit\w*|propos\w*|schedul\w*|slated|poised|eager|"
    r"looking forward|pave the way|agreed to|agree to|yet to|in order to|for signing|"
    r"recommend\w*|urg(e|ed|es)|call(ed|s)? (on|for)|"
    r"would|will|could|may|might|should|if|unless|whether|pending)\b"
)
_FUTURE_CONJ = re.compile(r"\b(once|until|when|before)\b(?!\s+\w+ed\b)")
# "Once / After / As soon as they have signed it, it will go to parliament": a plan
_FUTURE_FRAME = re.compile(r"^\W*(once|after|as soon as|when|if)\b[^.;]*\b(will|would|shall)\b")
_PAST_EVENT = re.compile(r"(ed|ink|signed|sealed|inked)$")
_FUTURE_AFTER = re.compile(
    r"^\W*(\w+\W+){0,3}?(soon|next (week|month|year)|in the coming|later this|"
    r"at the upcoming|during the upcoming|during (his|the) (upcoming|forthcoming|planned)|"
    r"in the near future|shortly)\b"
)
_NEGATION = re.compile(
    r"\b(not|n't|never|no|nothing|none|nobody|without|yet to|failed to|nor|neither|refus\w+|rather than|"
    r"instead of|no longer|cannot)\b"
)
_DENIAL = re.compile(
    r"\b(den(y|ied|ies|ial)|dismiss\w*|refut\w*|not the case|mistranslat\w*|untrue|false|"
    r"baseless|reject(s|ed)? (the |these |those )?(report|claim|rumou?r)s?|no truth|wrongly|"
    r"erroneous\w*|falsely|incorrectly|mistakenly|inaccurate|was wrong|were wrong|"
    r"(is|are) wrong|fake|fabricat\w*|disinformation|misinformation|hoax|not true|"
    r"no information)\b"
)
_RETRO_BEFORE = re.compile(
    r"(\b(treaty|pact|agreement|accord|document|deal)\s*,?\s*(which|that)?\s*(was|were|had been)?\s*$)|"
    r"(\b(since|after|following|since it was|after it was|which was|that was|had been|had|"
    r"was first|originally)\s+(\w+\s+){0,1}$)"
)
_RETRO_SENTENCE = re.compile(
    r"\b(had said|had announced|had stated|had reported|previously said|earlier said|"
    r"in (january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s*,?\s+\w[\w' ]{0,40}\bhad|(\w+ )?(decades?|years?) ago|"
    r"quarter of a century ago)\b"
)

_RUSSIA_BODY = re.compile(
    r"\b(state duma|duma|federation council|senators?|russian (lawmakers|parliament|"
    r"legislators|mps|deputies)|upper house|lower house|putin\b[^.]{0,40}\blaw)\b"
)
_IRAN_BODY = re.compile(
    r"\b(majlis|majles|qalibaf|iranian (parliament|lawmakers|legislators|mps)|iran's parliament|"
    r"parliament of iran|guardian council|islamic consultative assembly|ghalibaf|"
    r"expediency council|pezeshkian\b[^.]{0,40}\b(law|promulgat\w*))\b"
)
_ANY_PARLIAMENT = re.compile(r"\b(parliament\w*|lawmakers|legislat\w+|mps|deputies|senat\w+)\b")

_IN_FORCE = re.compile(
    r"\b(enter(s|ed|ing)? into (force|effect)|c(ame|omes?|oming) into (force|effect)|"
    r"t(ook|akes?|aking|aken) effect|w(ent|ill go) into (force|effect)|"
    r"bec(ame|omes?|oming) (legally )?(effective|binding|operative)|"
    r"(now|is|was|has been|remains|are) (officially |formally |fully |legally )?in (force|effect)|"
    r"br(ing|ings|ought) (\w+ ){0,3}into force|(now|became|becomes|has become) legally binding|"
    r"legally binding after|"
    r"entry into force|in force since)\b"
)
_IN_FORCE_PROVISION = re.compile(
    r"^\W*(\w+\W+){0,4}?(\d+|thirty|30) days after|^\W*(\w+\W+){0,3}?(upon|after|following) "
    r"(the )?(exchange|ratification|notification|receipt|last|final)|"
    r"^\W*(\w+\W+){0,2}?(once|when|as soon as|upon|if)\b"
)
_SUBMITTED = re.compile(
    r"\b(submit\w*|sen[dt]\w*|forward\w*|introduc\w*|table[ds]?|refer\w*)\b[^.]{0,80}\b"
    r"(for ratification|to the (state )?duma|to (the )?parliament|to (the )?majl[ie]s)"
    r"( for (approval|ratification|consideration))?|"
    r"\bratification (bill|law draft)\b[^.]{0,40}\b(submit\w*|introduc\w*|sent)|"
    r"\b(receiv\w*)\b[^.]{0,40}\bfor ratification|"
    r"\bcommittee\b[^.]{0,40}\b(recommend\w*|back\w*|approv\w*|endors\w*|support\w*)|"
    r"\b(awaiting|awaits|pending|await) (its |their )?ratification"
)
_RATIFY = re.compile(r"\bratif(y|ies|ied|ying|ication)\b")
_APPROVE = re.compile(
    r"\b(approv\w*|endors\w*|pass(es|ed)?|vot(e|ed|es) (for|in favou?r of|to (approve|ratify))|"
    r"back(s|ed)?|clear(s|ed)|(found|finds|deemed|declared) (\w+ ){0,3}(consistent|compatible)|"
    r"green-?light\w*|rubber-?stamp\w*|adopt\w*|okay\w*|oks|ok'd|"
    r"promulgat\w*|(ratification |majl[ie]s |duma |parliament's |parliamentary )vote|"
    r"gave (its|their) (approval|consent|final approval|go-ahead)|signs? (off|into law)|"
    r"sign(s|ed)? (the |a )?(law|bill|federal law))\b"
)
_DRAFT_APPROVAL = re.compile(
    r"\b(approv\w*|endors\w*)\b[^.]{0,40}\bdraft\b|\bdraft\b[^.]{0,30}\b(approv\w*)|"
    r"\b(order|decree)\b[^.]{0,60}\b(approv\w*|draft|on (the )?signing|endors\w*|authori[sz]\w*)\b|"
    r"\bsign(s|ed|ing)?[ -]off\b"
)
_SIGN = re.compile(
    r"(?<!\ba )(?<!\bthe )(?<!\bno )"  # "a sign", "the signs": nouns
    r"\b(sign(s|ed)?(?!\s+(that|off|point|are)\b)(?!-off)|ink(s|ed)?|seal(s|ed)?|"
    r"put (their |his )?signatures? (to|on|under)|put pen to paper|"
    r"conclud(ed|es) (a|an|the|their) (\S+ ){0,6}(treaty|pact|agreement))\b(?! of\b)(?!s of\b)"
)
# what a report is not sure of: no single such report is enough for an official act
_HEARSAY = re.compile(
    r"\b(reportedly|unconfirmed|allegedly|purportedly|rumou?r\w*|"
    r"according to (\w+ ){0,2}(sources|reports|insiders|media reports)|"
    r"(sources|insiders) (say|said|told|claim\w*)|(is|are|was|were) said to have|"
    r"claim(s|ed)?|(media|tv|television|press|outlets|posts|intelligence) (said|say|reported|"
    r"report)|according to (western|israeli|us|american|foreign|unnamed|anonymous|"
    r"intelligence|media))\b"
)
HEARSAY_CONFIDENCE = 0.6
# "signed the roadmap / a memorandum / the decree ..." is not signing the treaty
_OTHER_DOCUMENT = re.compile(
    r"^\s+(the |a |an |its |their )?(\w+ ){0,2}(road ?maps?|memorand\w+|mous?|protocols?|plans?|"
    r"declarations?|statements?|decrees?|orders?|laws?|bills?|letters?|contracts?|programm?es?|"
    r"communiques?|minutes|visa|deals? on|agreements? on|directives?|instructions?|"
    r"resolutions?|guest ?book|agenda|framework)\b"
)
# "signed a ... treaty" with one party named: some treaty, not necessarily this one
_INDEFINITE_TREATY = re.compile(r"^\s+(a|an|another)\s+(\S+\s+){0,4}(treaty|pact|agreement|accord|deal)\b")
_EXCHANGE = re.compile(r"\bexchang\w* (\w+ ){0,3}(notes|instruments|documents)\b")
_SIGNING_NOUN = re.compile(r"\bsigning\b(?! ceremony (was|took|has))")
_SIGNING_PAST = re.compile(r"\b(since|after|following) (the |its )?signing\b")
_BARE_VERB = re.compile(r"^(sign|ink|seal)$")
_DELAYED = re.compile(
    r"\b(postpon\w*|delay(s|ed|ing)?|suspen(d|ds|ded|ding|sion)|put off|put on hold|on hold|"
    r"push(ed|es)? back|pushed back|(deadline|timeline|timeframe|date|schedule)s?\b[^.]{0,50}?"
    r"\b(shift\w*|change\w*|slip\w*|mov(e|ed)|revis\w*|pushed)|stall(s|ed|ing)?|"
    r"froze|frozen|freez\w+|halt(s|ed)?|defer(s|red)?|moved to a (separate|later)|"
    r"(will|would) not be signed at|not be signed (at|in|during)|"
    r"(signing|ceremony) (was |has been |had been )?(moved|rescheduled)|setback|"
    r"hold(ing|s)? up|held (\w+ ){0,3}up|slip(s|ped|ping)?|shifted to|moved to|set back|"
    r"not go ahead|rather than (being )?sign\w*|(will|would) now be signed|"
    r"(end(s|ed)?|conclud\w*|wrap(s|ped)? up|close[sd]?|fail(s|ed)?) (\w+ ){0,2}without (a |the |any )?"
    r"(\w+ ){0,2}(signing|signature|treaty|pact|deal))\b"
)
# After signature: a party leaves the treaty, or stops applying it. Talks suspended before
# signature are a delay (above), not this: the treaty itself must be what is left or suspended.
_TREATY_NOUN = (
    r"(the |this |its |their |a )?((comprehensive|strategic|partnership|landmark|new|bilateral|"
    r"historic|major|cooperation|20-year|twenty-year|\w+-\w+|russian|iranian|russia's|iran's) )"
    r"{0,4}(treaty|pact|partnership agreement)"
)
_WITHDRAWAL = re.compile(
    r"\b(withdr(ew|aw|aws|awn|awing)|pull(ed|s|ing)? out) from " + _TREATY_NOUN + r"|"
    r"\b(terminat(e|ed|es|ing)|renounc(e|ed|es|ing)|scrap(s|ped|ping)?|"
    r"annul(s|led|ling)?) " + _TREATY_NOUN
)
_SUSPENDED_TREATY = re.compile(
    r"\bsuspen(d|ds|ded|ding) (the |its |their )?(implementation|application|participation|"
    r"operation|obligations?)( \w+){0,2} (of|in|under) " + _TREATY_NOUN + r"|"
    r"\bsuspen(d|ds|ded|ding) " + _TREATY_NOUN
)
_THREAT = re.compile(
    r"\b(threat\w*|warn\w*|consider\w*|weigh\w*|mull\w*|call\w*|urg\w*|demand\w*|"
    r"debat\w*|propos\w*|bill to|motion to|push(ed|es|ing)? (for|to))\b"
)
_DELAY_NEGATED = re.compile(r"\b(without|no|not) (any )?(further )?(delay|postponement|suspension)")
_DRAFTING = re.compile(
    r"\b(draft(s|ed|ing)?|negotiat\w*|final stages?|final version|final phase|finalis\w*|"
    r"finaliz\w*|(text|document)\b[^.]{0,25}\b(agreed|ready|approved|coordinated)|"
    r"agreed (on )?the text|(working|work|worked|works) on|continu\w* (their |the )?work|"
    r"being (prepared|agreed|developed|drawn up|finalised|finalized|negotiated)|"
    r"high level of readiness|talks on the (new )?(treaty|pact|agreement)|"
    r"agreed to (develop|draft|prepare)|under (discussion|negotiation|preparation)|"
    r"initial(l)?(ed|ing) (the )?(\w+ ){0,3}(text|treaty|pact|agreement|document)|"
    r"final touches|agree\w* (the )?final text|working through|(is|was) (fully )?ready\b(?! to)|close to (a |the )?(new )?(treaty|pact|deal|agreement))\b"
)


@dataclass(frozen=True)
class Finding:
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
    for match in _SEGMENT_SPLIT.finditer(sentence):
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(sentence):
        spans.append((start, len(sentence)))
    return tuple(spans) or ((0, len(sentence)),)


class SentenceClassifier:
    """Classifies sentences about one topic."""

    def __init__(self, matcher: TopicMatcher | None = None) -> None:
        self.matcher = matcher or TopicMatcher()

    # -- binding -------------------------------------------------------------------
    def _segment_for(self, text: str, position: int) -> str:
        spans = _segments(text)
        for index, (start, end) in enumerate(spans):
            if start <= position < end:
                segment = text[start:end]
                # A relative clause, or a part with no names of its own, belongs to what precedes.
                while index > 0 and self._leans_back(segment):
                    index -= 1
                    segment = text[spans[index][0] : spans[index][1]] + ", " + segment
                return _REPLACES.sub("", segment)
        return text

    def _leans_back(self, segment: str) -> bool:
        folded = fold(segment)
        if re.match(r"\s*(which|that|who|whose)\b", folded):
            return True
        return not (
            self.matcher.lookalikes_in(segment)
            or self.matcher.parties_in(segment)
            or _ANAPHORA.search(folded)
        )

    def _bound(self, original: str, folded: str, position: int, *, in_treaty_article: bool) -> bool:
        segment = self._segment_for(original, position)
        lookalikes = self.matcher.lookalikes_in(segment)
        parties = self.matcher.parties_in(segment)
        folded_segment = fold(segment)
        if _GENERIC_DEAL.search(folded_segment) and not _SPECIFIC.search(folded_segment):
            return False  # "signed several agreements on ..." is not this treaty
        other = _OTHER_TREATY.search(folded_segment)
        if other and (not _OURS.search(folded_segment) or not other.group(0).split()[1:2] == ["on"]
                      and not re.match(r"(treaty|agreement|pact|deal|accord|convention)\b",
                                       other.group(0))):
            return False  # "a treaty on mutual legal assistance", "the 'strategic' energy deal"
        if lookalikes:
            # "the Iran treaty, unlike the one with North Korea" keeps the Iran part only when
            # this very segment names the other party of our treaty.
            return False
        sentence_parties = self.matcher.parties_in(original)
        if len(sentence_parties) >= 2 and (parties or _ANAPHORA.search(fold(segment))):
            if self.matcher.lookalikes_in(original) and len(parties) < 2:
                # The look-alikes are the first party's other treaties (Russia's with North
                # Korea...): with one in the sentence, the event's own clause must name the
                # other party ("the Iran treaty is now in force"), not only the first one
                # ("in Pyongyang, Putin signed the ... treaty, which Tehran wants too").
                first = next(iter(self.matcher._party_res), None)  # noqa: SLF001
                return bool(parties - {first}) or (not parties and len(sentence_parties) >= 2
                                                   and not self.matcher.lookalikes_in(segment))
            return True
        if in_treaty_article:
            return bool(_ANAPHORA.search(folded)) or bool(parties)
        return False

    # -- modality --------------------------------------------------------------------
    @staticmethod
    def _is_future(folded: str, start: int, end: int) -> bool:
        if _FUTURE_FRAME.match(folded):
            return True
        before = folded[max(0, start - 80) : start]
        clause_start = max(before.rfind(";"), before.rfind(". "))
        before = before[clause_start + 1 :]
        if _FUTURE_NEAR.search(before):
            return True
        past = bool(_PAST_EVENT.search(folded[start:end]))
        if past and re.search(r"\b(finally|eventually|at last|ultimately)\s+$", before):
            return False  # "once slated for Kazan, finally inked in Moscow"
        if not past and re.search(r"\b(predicts?|forecasts?|expects?|hopes?|anticipates?)\b",
                                  folded[end:]):
            return True  # "Iran and Russia sign treaty in January, Iranian envoy predicts"
        wide = " ".join(before.split()[-7:])
        if _FUTURE_WIDE.search(wide) or (not past and _FUTURE_CONJ.search(wide)):
            return True
        return bool(_FUTURE_AFTER.search(folded[end : end + 60]))

    @staticmethod
    def _is_negated(folded: str, start: int) -> bool:
        # "has still not, as of Friday, been signed": a negation before an aside
        if re.search(r"\b(not|never|n't)\s*,[^,;]{0,40},\s*(\w+\s+){0,2}$",
                     folded[max(0, start - 90) : start]):
            return True
        before = re.split(r"[;:,\u2014\u2013]|\s-\s", folded[max(0, start - 60) : start])[-1]
        before = " ".join(before.split()[-5:])
        return bool(_NEGATION.search(before))

    @staticmethod
    def _is_retro(folded: str, start: int) -> bool:
        before = folded[max(0, start - 60) : start]
        return bool(_RETRO_BEFORE.search(before)) or bool(_RETRO_SENTENCE.search(folded))

    # -- rules -----------------------------------------------------------------------
    def findings(
        self, sentence: str, *, in_treaty_article: bool = False, is_headline: bool = False
    ) -> list[Finding]:
        text = sentence.strip()
        if not text:
            return []
        folded = fold(text)
        if folded.rstrip().endswith("?") or _HYPOTHESIS.search(folded):
            return []
        if not _ANAPHORA.search(folded) and not self.matcher.has_treaty_word(text):
            return []  # no treaty named or referred to
        found: list[Finding] = []
        denied = bool(_DENIAL.search(folded))

        asked = [(m.start(), m.end()) for m in _ASKED.finditer(folded)]

        def bound(match: re.Match[str]) -> bool:
            if any(start <= match.start() < end for start, end in asked):
                return False  # inside a reporter's question
            if "?" in folded[match.end() :]:
                return False  # "Will the treaty be signed in Kazan? Kremlin won't say"
            return self._bound(text, folded, match.start(), in_treaty_article=in_treaty_article)

        # in force
        for m in _IN_FORCE.finditer(folded):
            if not bound(m) or self._is_negated(folded, m.start()):
                continue
            subject = fold(self._segment_for(text, m.start()))[: max(0, m.start())]
            if _OTHER_ACT.search(subject) and not re.search(r"\b(treaty|pact)\b", subject):
                continue  # "the new law on migrants entered into force", "the order comes ..."
            past = re.match(r"(entered|came|took|went|became|was|has been)\b", m.group(0))
            provision = _IN_FORCE_PROVISION.search(folded[m.end() : m.end() + 80])
            if provision and is_headline and "days" not in provision.group(0):
                provision = None  # a headline reports the event: "enters into force after ..."
            if not past and provision:
                continue
            if self._is_future(folded, m.start(), m.end()) and m.group(0) != "entry into force":
                continue
            if m.group(0) == "entry into force" and re.search(
                r"\b(ahead of|before|pending|awaiting|await|upon|after|prepar\w*|for)\s+(its |the )?$",
                folded[max(0, m.start() - 30) : m.start()],
            ):
                continue
            if (
                _RUSSIA_BODY.search(folded)
                and not re.search(r"\bministry|mfa\b", folded)
                and not re.search(r"\bnot (in|on|after)\b", folded)
            ):
                # "the Federation Council vote brought it into force": a claim, the act was the vote
                found.append(Finding(Status.RATIFIED, "in_force_claim_by_vote", 0.6, "russia"))
                continue
            found.append(
                Finding(
                    Status.IN_FORCE,
                    "entered_into_force",
                    0.9,
                    retrospective=self._is_retro(folded, m.start()) and "since" in folded,
                )
            )

        # ratification, and its look-alike "submitted for ratification"
        submitted = _SUBMITTED.search(folded)
        if submitted and bound(submitted) and not self._is_negated(folded, submitted.start()):
            future = re.search(
                r"\b(will|to|would|expected to|plans? to)\s+(\w+\s+)?(submit|send)", folded
            )
            if not future:
                found.append(Finding(Status.SIGNED, "submitted_for_ratification", 0.85))
        for m in list(_RATIFY.finditer(folded)) + list(_APPROVE.finditer(folded)):
            if submitted and submitted.start() <= m.start() < submitted.end() + 1:
                continue
            is_ratify_word = m.group(0).startswith("ratif")
            if not is_ratify_word and _DRAFT_APPROVAL.search(folded):
                continue
            russia = bool(_RUSSIA_BODY.search(folded))
            iran = bool(_IRAN_BODY.search(folded))
            if not is_ratify_word and not (russia or iran or _ANY_PARLIAMENT.search(folded)):
                continue
            if not bound(m) or self._is_negated(folded, m.start()):
                continue
            if submitted and "committee" in submitted.group(0):
                continue  # a committee's recommendation comes before the vote
            if m.group(0) == "ratification" and not re.search(
                r"\b(law|bill|instrument|complet\w*|approved|signed|vote)\b", folded
            ):
                continue
            if self._is_future(folded, m.start(), m.end()):
                continue
            if (re.search(r"\bboth (russia and iran|countries|sides|parties)\b", folded)
                    or _EXCHANGE.search(folded)):
                party = "both"
            elif russia and not iran:
                party = "russia"
            elif iran and not russia:
                party = "iran"
            else:
                party = self._party_by_nearest(folded, m.start())
            rule = "parliament_approval" if not is_ratify_word else "ratified"
            if re.search(r"\bsigns?\b|\bsigned\b", folded) and re.search(r"\blaw\b", folded):
                rule = "signs_law_ratifying"
            found.append(
                Finding(
                    Status.RATIFIED,
                    rule,
                    0.9 if (russia or iran) else 0.75,
                    party,
                    retrospective=self._is_retro(folded, m.start()),
                )
            )

        # approval of a draft is not signing
        draft_approval = _DRAFT_APPROVAL.search(folded)
        if (
            draft_approval
            and bound(draft_approval)
            and not any(f.status is Status.RATIFIED for f in found)
        ):
            found.append(Finding(Status.DRAFTING, "approve_draft", 0.75))

        # signing
        if not draft_approval and not any(f.rule == "signs_law_ratifying" for f in found):
            for m in _SIGN.finditer(folded):
                if not bound(m):
                    continue
                if self._is_negated(folded, m.start()):
                    continue
                infinitive = _BARE_VERB.match(m.group(0)) and re.search(
                    r"\bto \w+\b", folded[max(0, m.start() - 80) : m.start()]
                )
                # in running text (not a headline) news puts a signing still to come in the
                # present: "a visit during which he and Putin sign the treaty"
                scheduled = not is_headline and m.group(0) in ("sign", "ink", "seal")
                if infinitive or scheduled or self._is_future(folded, m.start(), m.end()):
                    found.append(Finding(Status.DRAFTING, "future_signing", 0.7))
                    continue
                after = folded[m.end() : m.end() + 60]
                if re.match(r"\s+(no|nothing|none)\b", after):
                    continue  # "signed no treaty", "signed nothing in Kazan"
                if _OTHER_DOCUMENT.match(after):
                    continue  # a roadmap, memorandum, decree... was signed, not the treaty
                segment = self._segment_for(text, m.start())
                if (_INDEFINITE_TREATY.match(after)
                        and len(self.matcher.parties_in(segment)) < 2):
                    continue  # "Russia signed a ... treaty", the other party not named there
                retro = self._is_retro(folded, m.start())
                both_named = len(self.matcher.parties_in(text)) >= 2
                found.append(
                    Finding(
                        Status.SIGNED,
                        "signed",
                        0.9 if both_named and not retro else 0.75,
                        retrospective=retro,
                    )
                )
            for m in _SIGNING_PAST.finditer(folded):
                if bound(m):
                    found.append(Finding(Status.SIGNED, "signed", 0.6, retrospective=True))
            for m in _SIGNING_NOUN.finditer(folded):
                if bound(m) and self._is_future(folded, m.start(), m.end()):
                    if not self._is_negated(folded, m.start()):
                        found.append(Finding(Status.DRAFTING, "future_signing", 0.7))

        # delays
        for m in _DELAYED.finditer(folded):
            if not bound(m):
                continue
            if _DELAY_NEGATED.search(folded[max(0, m.start() - 25) : m.end()]):
                continue
            if self._is_negated(folded, m.start()) and not m.group(0).startswith("not be signed"):
                continue
            if re.search(r"\b(signed|sign)\b[^.]{0,60}\bor\b[^.]{0,40}$", folded[: m.start()]):
                continue  # "may be signed in Kazan or postponed": a hypothesis
            hedged = bool(
                re.search(
                    r"\b(may|might|could|possibly)\b", folded[max(0, m.start() - 60) : m.end()]
                )
            ) or bool(_THREAT.search(folded[max(0, m.start() - 40) : m.start()]))
            retro = bool(_RETRO_SENTENCE.search(folded)) or bool(
                re.search(
                    r"\b(after (months|years|weeks) of|once|previously|earlier)\s+(\w+\s+)?$",
                    folded[max(0, m.start() - 40) : m.start()],
                )
            )
            if denied:
                found.append(Finding(Status.DELAYED, "delay_denied", 0.3, contested=True))
            elif hedged:
                found.append(
                    Finding(Status.DELAYED, "schedule_may_shift", 0.55, retrospective=retro)
                )
            else:
                found.append(Finding(Status.DELAYED, "delayed", 0.8, retrospective=retro))

        # a party withdraws from, or suspends, the signed treaty
        for regex, rule in ((_WITHDRAWAL, "withdrawal"), (_SUSPENDED_TREATY, "suspended_by_party")):
            for m in regex.finditer(folded):
                if not bound(m) or self._is_negated(folded, m.start()):
                    continue
                window = folded[max(0, m.start() - 60) : m.start()]
                if self._is_future(folded, m.start(), m.end()) or _THREAT.search(window):
                    continue  # threatened, urged, proposed, planned: not done
                if re.search(r"\b(may|might|could|possibly|reportedly)\b", window):
                    continue
                if denied:
                    found.append(Finding(Status.DELAYED, f"{rule}_denied", 0.3, contested=True))
                else:
                    found.append(Finding(Status.DELAYED, rule, 0.9,
                                         retrospective=self._is_retro(folded, m.start())))

        # drafting work
        for m in _DRAFTING.finditer(folded):
            if not bound(m) or self._is_negated(folded, m.start()):
                continue
            if m.group(0).startswith("draft") and draft_approval:
                continue
            found.append(
                Finding(
                    Status.DRAFTING,
                    "drafting_work",
                    0.7,
                    retrospective=bool(_RETRO_SENTENCE.search(folded)),
                )
            )

        if denied and found:
            # reported, then denied (or called wrong): nothing here moves the status
            found = [
                f
                if f.contested
                else Finding(f.status, f"{f.rule}_denied", 0.3, f.party, f.retrospective, True)
                for f in found
            ]
        if _HEARSAY.search(folded):
            # reported by unnamed sources: counts only with another story behind it
            found = [
                replace(f, confidence=min(f.confidence, HEARSAY_CONFIDENCE))
                if f.status.rank >= Status.SIGNED.rank else f
                for f in found
            ]
        if not in_treaty_article and not _SPECIFIC.search(folded):
            # standing alone, "Russia and Iran sign agreement" may be any agreement
            found = [f for f in found if f.status.rank == 0]
        return found

    def _party_by_nearest(self, folded: str, position: int) -> str | None:
        best: tuple[int, str] | None = None
        for party, regex in self.matcher._party_res.items():  # noqa: SLF001
            for m in regex.finditer(folded):
                distance = abs(m.start() - position)
                if best is None or distance < best[0]:
                    best = (distance, party)
        return best[1] if best else None

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
