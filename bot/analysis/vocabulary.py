"""The classifier's vocabulary: the regular expressions its rules read a folded sentence with.

Grouped by what they tell: whether an event is about this treaty, its modality (planned,
negated, denied, looking back, hearsay), which parliament acted, and the words of each stage.
Kept apart from the rules so that the wording can be reviewed (and tuned) in one place.
"""

from __future__ import annotations

import re

# --- is the event about this treaty? ----------------------------------------------------------
# words that refer back to it, the parts of a sentence, the other agreements it is not
ANAPHORA = re.compile(
    r"\b(treaty|pact|agreement|accord|deal|document|text|partnership|signing|draft|project|"
    r"ratification|bill|law|deadlines?|timeline|schedule|timeframes?|negotiat\w*)\b"
)
SEGMENT_SPLIT = re.compile(
    r"\s*(?:;|:|,|\s-\s|\s–\s|\s—\s|\bwhile\b|\bwhereas\b|\bbut\b|\balthough\b|\bthough\b|"
    r"\bunlike\b|\bhowever\b|\bas well as\b|\bcompared with\b|\bcompared to\b|\bsimilar to\b|"
    r"\bjust as\b|\bafter\b|\bbefore\b|\bwhen\b|\bamid\b)\s*"
)
ASKED = re.compile(r"\basked (whether|if|when)\b[^,;]*")
GENERIC_DEAL = re.compile(
    r"\b(several|other|two|three|four|five|\d+|a number of|various|additional|a series of|"
    r"dozens|many|numerous|scores|hundreds|a raft of|a package of|a host of)\s+"
    r"(\w+\s+){0,2}(agreements?|deals?|accords?|memorand\w+|documents?|contracts?)\b|"
    r"\ban?\s+(\S+\s+){0,3}(agreement|deal|accord|memorandum|contract)( with \w+)?\s+"
    r"(on|to|for|covering|in the field)\b"
)
REPLACES = re.compile(r"\b(to replace|replacing|replaces|supersed\w*|instead of)\b.*$", re.I)
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


# a law, order or decree coming into force is not the treaty doing so
OTHER_ACT = re.compile(r"\b(law|order|decree|directive|regulation|resolution|ban|tariffs?)\b")
OURS = re.compile(r"\b(strategic|comprehensive|partnership)\b")
SPECIFIC = re.compile(r"\b(treat(y|ies)|pact|strategic|comprehensive|partnership)\b")

# --- modality -----------------------------------------------------------------------------------
# hypotheses, plans and the future, negations, denials, looking back, hearsay, threats
HYPOTHESIS = re.compile(
    r"^(if|were|should|had)\b|\b(could|would|may|might)\b[^.]*\bif\b|"
    r"\bif\b[^.]*\b(could|would|may|might)\b|\b(whether or not|"
    r"or (be )?postpon\w*|or (be )?delay\w*|or (be )?put off|would (replace|mean|make))\b"
)
FUTURE_NEAR = re.compile(
    r"\b(to|will|would|shall|could|may|might|should|must|can|cannot|won't|wouldn't|'ll|"
    r"going to|about to|be)\s+(\w+\s+){0,2}$"
)
FUTURE_WIDE = re.compile(
    r"\b(expect\w*|hope\w*|hoping|plan\w*|ready|readiness|close to|set to|due to|intend\w*|"
    r"aim\w*|seek\w*|want\w*|wish\w*|prepar\w*|upcoming|ahead of|awaiting|await\w*|prospect\w*|"
    r"possibl\w*|potential\w*|likely|invit\w*|propos\w*|schedul\w*|slated|poised|eager|"
    r"looking forward|pave the way|agreed to|agree to|yet to|in order to|for signing|"
    r"recommend\w*|urg(e|ed|es)|call(ed|s)? (on|for)|"
    r"would|will|could|may|might|should|if|unless|whether|pending)\b"
)
FUTURE_CONJ = re.compile(r"\b(once|until|when|before)\b(?!\s+\w+ed\b)")
# "Once / After / As soon as they have signed it, it will go to parliament": a plan
FUTURE_FRAME = re.compile(r"^\W*(once|after|as soon as|when|if)\b[^.;]*\b(will|would|shall)\b")
PAST_EVENT = re.compile(r"(ed|ink|signed|sealed|inked)$")
FUTURE_AFTER = re.compile(
    r"^\W*(\w+\W+){0,3}?(soon|next (week|month|year)|in the coming|later this|"
    r"at the upcoming|during the upcoming|during (his|the) (upcoming|forthcoming|planned)|"
    r"in the near future|shortly)\b"
)
NEGATION = re.compile(
    r"\b(not|n't|never|no|nothing|none|nobody|without|yet to|failed to|nor|neither|"
    r"refus\w+|rather than|"
    r"instead of|no longer|cannot)\b"
)
DENIAL = re.compile(
    r"\b(den(y|ied|ies|ial)|dismiss\w*|refut\w*|not the case|mistranslat\w*|untrue|false|"
    r"baseless|reject(s|ed)? (the |these |those )?(report|claim|rumou?r)s?|no truth|wrongly|"
    r"erroneous\w*|falsely|incorrectly|mistakenly|inaccurate|was wrong|were wrong|"
    r"(is|are) wrong|fake|fabricat\w*|disinformation|misinformation|hoax|not true|"
    r"no information)\b"
)
RETRO_BEFORE = re.compile(
    r"(\b(treaty|pact|agreement|accord|document|deal)\s*,?\s*(which|that)?\s*"
    r"(was|were|had been)?\s*$)|"
    r"(\b(since|after|following|since it was|after it was|which was|that was|had been|had|"
    r"was first|originally)\s+(\w+\s+){0,1}$)"
)
RETRO_SENTENCE = re.compile(
    r"\b(had said|had announced|had stated|had reported|previously said|earlier said|"
    r"in (january|february|march|april|may|june|july|august|september|october|november|"
    r"december)\s*,?\s+\w[\w' ]{0,40}\bhad|(\w+ )?(decades?|years?) ago|"
    r"quarter of a century ago)\b"
)
# what a report is not sure of: no single such report is enough for an official act
HEARSAY = re.compile(
    r"\b(reportedly|unconfirmed|allegedly|purportedly|rumou?r\w*|"
    r"according to (\w+ ){0,2}(sources|reports|insiders|media reports)|"
    r"(sources|insiders) (say|said|told|claim\w*)|(is|are|was|were) said to have|"
    r"claim(s|ed)?|(media|tv|television|press|outlets|posts|intelligence) (said|say|reported|"
    r"report)|according to (western|israeli|us|american|foreign|unnamed|anonymous|"
    r"intelligence|media))\b"
)
THREAT = re.compile(
    r"\b(threat\w*|warn\w*|consider\w*|weigh\w*|mull\w*|call\w*|urg\w*|demand\w*|"
    r"debat\w*|propos\w*|bill to|motion to|push(ed|es|ing)? (for|to))\b"
)

# --- parliaments: which party ratified -----------------------------------------------------------
# A party's ratifying bodies are data (the topic's ``bodies``), written as phrases: words
# matched whole, "…" for "followed, within the sentence, by", a trailing "*" for any ending.
_WITHIN_SENTENCE = r"\b[^.]{0,40}\b"


def phrase_pattern(phrase: str) -> str:
    """The regular expression (without outer word boundaries) of one phrase, folded."""
    parts = []
    for part in re.split(r"\s*(?:…|\.\.\.)\s*", phrase.strip()):
        words = []
        for word in part.split(" "):
            if word.endswith("*"):
                words.append(re.escape(word[:-1]) + r"\w*")
            else:
                words.append(re.escape(word))
        parts.append(" ".join(words))
    return _WITHIN_SENTENCE.join(p for p in parts if p)


def phrases_regex(phrases: list[str]) -> re.Pattern[str] | None:
    """Any of ``phrases`` (folded), word-bounded; None when there are none."""
    if not phrases:
        return None
    return re.compile(r"\b(" + "|".join(phrase_pattern(p) for p in phrases) + r")\b")


ANY_PARLIAMENT = re.compile(r"\b(parliament\w*|lawmakers|legislat\w+|mps|deputies|senat\w+)\b")

# --- entry into force ----------------------------------------------------------------------------
IN_FORCE = re.compile(
    r"\b(enter(s|ed|ing)? into (force|effect)|c(ame|omes?|oming) into (force|effect)|"
    r"t(ook|akes?|aking|aken) effect|w(ent|ill go) into (force|effect)|"
    r"bec(ame|omes?|oming) (legally )?(effective|binding|operative)|"
    r"(now|is|was|has been|remains|are) (officially |formally |fully |legally )?in (force|effect)|"
    r"br(ing|ings|ought) (\w+ ){0,3}into force|(now|became|becomes|has become) legally binding|"
    r"legally binding after|"
    r"entry into force|in force since)\b"
)
IN_FORCE_PROVISION = re.compile(
    r"^\W*(\w+\W+){0,4}?(\d+|thirty|30) days after|^\W*(\w+\W+){0,3}?(upon|after|following) "
    r"(the )?(exchange|ratification|notification|receipt|last|final)|"
    r"^\W*(\w+\W+){0,2}?(once|when|as soon as|upon|if)\b"
)

# --- ratification, and the steps before it -------------------------------------------------------
def submitted_regex(bodies: list[str]) -> re.Pattern[str]:
    """Submitted for ratification, to parliament or to one of the ``bodies`` (plain names)."""
    names = sorted(bodies, key=len, reverse=True)
    to_body = "".join(rf"|to (the )?({'|'.join(phrase_pattern(b) for b in names)})" if names
                      else "")
    return re.compile(
        r"\b(submit\w*|sen[dt]\w*|forward\w*|introduc\w*|table[ds]?|refer\w*)\b[^.]{0,80}\b"
        r"(for ratification|to (the )?parliament" + to_body + r")"
        r"( for (approval|ratification|consideration))?|"
        r"\bratification (bill|law draft)\b[^.]{0,40}\b(submit\w*|introduc\w*|sent)|"
        r"\b(receiv\w*)\b[^.]{0,40}\bfor ratification|"
        r"\bcommittee\b[^.]{0,40}\b(recommend\w*|back\w*|approv\w*|endors\w*|support\w*)|"
        r"\b(awaiting|awaits|pending|await) (its |their )?ratification"
    )


RATIFY = re.compile(r"\bratif(y|ies|ied|ying|ication)\b")
def approve_regex(bodies: list[str]) -> re.Pattern[str]:
    """A parliament's approval; "<body> vote" for each of the ``bodies`` (plain names)."""
    names = sorted(bodies, key=len, reverse=True)
    body_vote = "".join(f"{phrase_pattern(b)} |" for b in names)
    return re.compile(
        r"\b(approv\w*|endors\w*|pass(es|ed)?|vot(e|ed|es) (for|in favou?r of|to (approve|ratify))|"
        r"back(s|ed)?|clear(s|ed)|(found|finds|deemed|declared) (\w+ ){0,3}(consistent|compatible)|"
        r"green-?light\w*|rubber-?stamp\w*|adopt\w*|okay\w*|oks|ok'd|"
        r"promulgat\w*|(ratification |" + body_vote + r"parliament's |parliamentary )vote|"
        r"gave (its|their) (approval|consent|final approval|go-ahead)|signs? (off|into law)|"
        r"sign(s|ed)? (the |a )?(law|bill|federal law))\b"
    )


EXCHANGE = re.compile(r"\bexchang\w* (\w+ ){0,3}(notes|instruments|documents)\b")
DRAFT_APPROVAL = re.compile(
    r"\b(approv\w*|endors\w*)\b[^.]{0,40}\bdraft\b|\bdraft\b[^.]{0,30}\b(approv\w*)|"
    r"\b(order|decree)\b[^.]{0,60}\b(approv\w*|draft|on (the )?signing|endors\w*|authori[sz]\w*)\b|"
    r"\bsign(s|ed|ing)?[ -]off\b"
)

# --- signing -------------------------------------------------------------------------------------
SIGN = re.compile(
    r"(?<!\ba )(?<!\bthe )(?<!\bno )"  # "a sign", "the signs": nouns
    r"\b(sign(s|ed)?(?!\s+(that|off|point|are)\b)(?!-off)|ink(s|ed)?|seal(s|ed)?|"
    r"put (their |his )?signatures? (to|on|under)|put pen to paper|"
    r"conclud(ed|es) (a|an|the|their) (\S+ ){0,6}(treaty|pact|agreement))\b(?! of\b)(?!s of\b)"
)
# "signed the roadmap / a memorandum / the decree ..." is not signing the treaty
OTHER_DOCUMENT = re.compile(
    r"^\s+(the |a |an |its |their )?(\w+ ){0,2}(road ?maps?|memorand\w+|mous?|protocols?|plans?|"
    r"declarations?|statements?|decrees?|orders?|laws?|bills?|letters?|contracts?|programm?es?|"
    r"communiques?|minutes|visa|deals? on|agreements? on|directives?|instructions?|"
    r"resolutions?|guest ?book|agenda|framework)\b"
)
# "signed a ... treaty" with one party named: some treaty, not necessarily this one
INDEFINITE_TREATY = re.compile(
    r"^\s+(a|an|another)\s+(\S+\s+){0,4}(treaty|pact|agreement|accord|deal)\b"
)
SIGNING_NOUN = re.compile(r"\bsigning\b(?! ceremony (was|took|has))")
SIGNING_PAST = re.compile(r"\b(since|after|following) (the |its )?signing\b")
BARE_VERB = re.compile(r"^(sign|ink|seal)$")

# --- delays, and a party leaving or suspending the signed treaty ---------------------------------
DELAYED = re.compile(
    r"\b(postpon\w*|delay(s|ed|ing)?|suspen(d|ds|ded|ding|sion)|put off|put on hold|on hold|"
    r"push(ed|es)? back|pushed back|(deadline|timeline|timeframe|date|schedule)s?\b[^.]{0,50}?"
    r"\b(shift\w*|change\w*|slip\w*|mov(e|ed)|revis\w*|pushed)|stall(s|ed|ing)?|"
    r"froze|frozen|freez\w+|halt(s|ed)?|defer(s|red)?|moved to a (separate|later)|"
    r"(will|would) not be signed at|not be signed (at|in|during)|"
    r"(signing|ceremony) (was |has been |had been )?(moved|rescheduled)|setback|"
    r"hold(ing|s)? up|held (\w+ ){0,3}up|slip(s|ped|ping)?|shifted to|moved to|set back|"
    r"not go ahead|rather than (being )?sign\w*|(will|would) now be signed|"
    r"(end(s|ed)?|conclud\w*|wrap(s|ped)? up|close[sd]?|fail(s|ed)?) (\w+ ){0,2}"
    r"without (a |the |any )?"
    r"(\w+ ){0,2}(signing|signature|treaty|pact|deal))\b"
)
DELAY_NEGATED = re.compile(r"\b(without|no|not) (any )?(further )?(delay|postponement|suspension)")
# After signature: a party leaves the treaty, or stops applying it. Talks suspended before
# signature are a delay (above), not this: the treaty itself must be what is left or suspended.
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


# --- drafting work -------------------------------------------------------------------------------
DRAFTING = re.compile(
    r"\b(draft(s|ed|ing)?|negotiat\w*|final stages?|final version|final phase|finalis\w*|"
    r"finaliz\w*|(text|document)\b[^.]{0,25}\b(agreed|ready|approved|coordinated)|"
    r"agreed (on )?the text|(working|work|worked|works) on|continu\w* (their |the )?work|"
    r"being (prepared|agreed|developed|drawn up|finalised|finalized|negotiated)|"
    r"high level of readiness|talks on the (new )?(treaty|pact|agreement)|"
    r"agreed to (develop|draft|prepare)|under (discussion|negotiation|preparation)|"
    r"initial(l)?(ed|ing) (the )?(\w+ ){0,3}(text|treaty|pact|agreement|document)|"
    r"final touches|agree\w* (the )?final text|working through|(is|was) (fully )?ready\b(?! to)|"
    r"close to (a |the )?(new )?(treaty|pact|deal|agreement))\b"
)
