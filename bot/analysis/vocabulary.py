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
    r"dozens|(a |half a )?dozen|a few|many|numerous|scores|hundreds|a raft of|a package of|"
    r"a host of|a set of|a range of|a batch of|a slew of|a bunch of)\s+"
    r"(\w+\s+){0,2}(agreements?|deals?|accords?|memorand\w+|documents?|contracts?)\b|"
    r"\ban?\s+(\S+\s+){0,3}(agreement|deal|accord|memorandum|contract)( with \w+)?\s+"
    r"(on|to|for|covering|in the field)\b"
)
REPLACES = re.compile(r"\b(to replace|replacing|replaces|supersed\w*|instead of)\b.*$", re.I)
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
# "after / once / when the agreement is signed, it must be ratified": a condition on a signing
# still to come, not an event (the present passive in a clause of time or condition)
CONDITION_BEFORE = re.compile(
    r"\b(after|once|when|whenever|as soon as|until|unless|if|before|upon)\s+"
    r"([\w'-]+\s+){0,5}?(is|are|gets?|has been|have been)\s+(\w+ly\s+)?$"
)
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
    r"entry into force|in force since|(began|begun|begins|started|starts) (implementing|to implement"
    r"|applying|to apply) (the |a |an |their |its )?([\w-]+ ){0,4}(treaty|pact|agreement|accord))\b"
)
IN_FORCE_PROVISION = re.compile(
    r"^\W*(\w+\W+){0,4}?(\d+|thirty|30) days after|^\W*(\w+\W+){0,3}?(upon|after|following) "
    r"(the )?(exchange|ratification|notification|receipt|last|final)|"
    r"^\W*(\w+\W+){0,2}?(once|when|as soon as|upon|if)\b|"
    r"^\W*(on|from|as of) the (date|day) (of|when|on which|following)\b"
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
# "ratification" as what a bill is for, or what a text is submitted for: a step before the vote
# ("the bill on ratification ... sent to the committee", "submitted ... for the ratification of")
RATIFICATION_BILL = re.compile(
    r"\b(bills?|draft( law)?|motion|proposal|request|submission|documents?|package)\s+"
    r"(on|for|of|about|concerning)\s+(the\s+)?$|\bfor\s+(the\s+)?$"
)
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
    r"(?<!pre-)(?<!pre)(?<!counter-)(?<!counter)"  # pre-signed: initialled, not signed
    r"\b(sign(s|ed)?(?!\s+(that|off|point|are)\b)(?!-off)|ink(s|ed)?|seal(s|ed)?|"
    r"put (their |his )?signatures? (to|on|under)|put pen to paper|"
    r"conclud(ed|es) (a|an|the|their) (\S+ ){0,6}(treaty|pact|agreement))\b(?! of\b)(?!s of\b)"
)
# The object of the act: kinds of document between the same parties that are not the treaty
# (language, not treaty data: a programme, memorandum, roadmap, plan, regulations, a bill...).
DOC_KINDS = (
    r"(road ?maps?|memorand\w+|mous?|protocols?|plans?|declarations?|statements?|decrees?|"
    r"orders?|laws?|bills?|letters?|contracts?|program(me)?s?|communiques?|minutes|visa|"
    r"(deals?|agreements?) on(?! (the |a )?(new )?(comprehensive|strategic|partnership|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|\d|sidelines|eve|occasion|margins|its|"
    r"their|this|that|which)\b)|directives?|instructions?|resolutions?|regulations?|"
    r"guest ?book|agenda|framework|concepts?|charters?|timetables?)"
)
_MODIFIER = (r"(?:(?!(treaty|pact|agreement|accord|document|deal|with|on|in|at|by|for|of|to|"
             r"from|and|under|after|during|into|as|a|an|the|is|are|was|were|has|have|had|be|"
             r"been|which|that|it)\b)[\w'-]+ )")
# "signed the roadmap / a two-year cooperation programme / the decree ..." is not the treaty
OTHER_DOCUMENT = re.compile(
    r"^\s+(the |a |an |its |their |this |that )?" + _MODIFIER + r"{0,3}(" + DOC_KINDS + r"|"
    # a deal for a short period is a plan: "a biennium cooperation deal", "a 2026-2028 accord"
    r"(biennium|biennial|annual|yearly|(one|two|three|1|2|3)-year|\d{4}-\d{4}) ([\w-]+ ){0,2}"
    r"(deal|agreement|accord|document)s?)\b"
)
# the first noun naming a document in a passive subject ("a programme ... was signed")
DOCUMENT_NOUN = re.compile(
    r"\b(?:(?P<ours>treaty|pact|agreement|accord|document|deal|partnership)|"
    r"(?P<other>" + DOC_KINDS + r"))\b"
)
# signed between agencies, not states: "a cooperation document between their foreign ministries"
BETWEEN_AGENCIES = re.compile(
    r"^[^.;]{0,60}?\bbetween (the |their |both |two )?([\w-]+ ){0,3}(ministries|agencies|"
    r"departments|companies|firms|banks|regulators|corporations|universities|chambers|regions|"
    r"provinces|cities|news agencies)\b"
)
# a document signed under, after or to implement the treaty (named after it): another document
UNDER_TREATY = re.compile(
    r"\b(under|within (the )?framework of|in the framework of|pursuant to|based on|in line with|"
    r"to implement|(implementation|operationali[sz]ation) of|comes? after|follows?)\s+"
    r"(the |its |their )?([\w-]+ ){0,6}?(treaty|pact|agreement|accord)\b"
)
PASSIVE_BEFORE = re.compile(r"\b(was|were|been|being|be|is|are)\s+(\w+ly\s+)?$")
# "the kind of treaty <A>'s leader often signs", "<A> signs such treaties": no event
HABITUAL_BEFORE = re.compile(
    r"\b(often|usually|routinely|regularly|typically|always|frequently|generally|normally|"
    r"habitually|tends? to|used to)\s+(\w+\s+)?$"
)
GENERIC_KIND = re.compile(r"\b(kinds?|sorts?|types?) of (\w+ )?(treaty|treaties|pacts?|agreements?"
                          r"|deals?|documents?)\b")
GENERIC_OBJECT = re.compile(
    r"^\s+(such|these kinds? of|this kind of|similar|many|most|all)\b|"
    r"^\s+(treaties|pacts|agreements|accords|deals)\b(?! (on|with \w+ on)\b)"
)
# a possibility, not a report: "can also postpone", "could be delayed", "may postpone"
POSSIBILITY_BEFORE = re.compile(
    r"\b(can|could|may|might|possibly|perhaps|maybe|cannot rule out|not rule out)\s+"
    r"(also |even |still |well |yet |then |easily |always )?(be |have been |get )?$"
)
# a past state: "was in force until 1996", "remained in force till the new treaty"
UNTIL_AFTER = re.compile(r"^\W*(\w+\W+){0,3}?(until|till|up to|through)\b")
# a provision on how long it is valid: "remains in force for 20 years"
DURATION_AFTER = re.compile(r"^\s+for (a (period|term) of )?\S+ (\S+ )?years?\b")
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
    r"(signing|ceremony)\b[^.;]{0,60}\b(did not|didn't|failed to) (happen|take place|go ahead|"
    r"materiali[sz]e)|"
    r"(end(s|ed)?|conclud\w*|wrap(s|ped)? up|close[sd]?|fail(s|ed)?) (\w+ ){0,2}"
    r"without (a |the |any )?"
    r"(\w+ ){0,2}(signing|signature))\b"
)
# "no date yet" is drafting; for a signing that was expected and did not happen, a delay
NO_DATE = re.compile(
    r"\bno (new |firm |specific |exact )?dates?\b|\bdates? (has |had |have )?(not |yet to )(yet )?"
    r"(been )?(set|fixed|agreed|announced|determined)\b"
)
EXPECTED_MISSED = re.compile(
    r"\bno new dates?\b|\b(did not|didn't|failed to) (happen|take place|materiali[sz]e|go ahead)|"
    r"\bhad been (expected|planned|scheduled|due|slated)\b|\b(was|were) (once|originally|"
    r"initially) (expected|planned|scheduled|due|slated)\b|\bmissed\b"
)
# the signing held up, said without "postpone": unwillingness, a precondition, a reason it is
# not signed, no progress "as long as" something lasts, not signing at the expected occasion
HOLD_UP = re.compile(
    r"\b((do|does|did)(n't| not) want to sign|(shows?|showed|has|have|had) no (interest|political "
    r"will|desire|willingness) (in|to) sign\w*|(refus\w+|unwilling|reluctant) to sign|"
    r"(pre-?conditions?|prerequisites?)\b|conditions? (for|of|to) (its |the )?(sign\w*)|"
    r"(sign\w*|signature)\b[^.;]{0,60}\bon (the )?condition (that|of)|"
    r"not (being |been |yet |be )*signed (because|due to|owing to|as long as|until|"
    r"for (one|a|the|this|that) (\w+ )?reason)|(cannot|can't|can not|unable to|won't|will not) "
    r"(move forward|proceed|progress|advance|go ahead|be signed)\b[^.;]{0,60}\b(as long as|until|"
    r"unless|while)|((will|would) not|won't|wouldn't) sign (\w+ ){0,4}(in|at|during) (?!least\b))"
)
# doubt over when (or whether) the signing, or the visit for it, happens: a (weak) delay
TIMING_DOUBT = re.compile(
    r"\b(no clarity|not (yet )?clear|unclear|uncertain\w*|no certainty|no confirmation)\b"
    r"[^.;]{0,50}?\b(when|whether|timing|timeline|date|schedule)\b|"
    r"\b(timing|timeline|timeframe|date|schedule)\b[^.;]{0,40}?\b(uncertain|unclear|in doubt|"
    r"up in the air|not (yet )?clear)\b"
)
# "However, it has been delayed ...", "it is not being signed because ...": in an article about
# the treaty, a sentence whose subject is only "it" and that reports a hold-up speaks of it
PRONOUN_SUBJECT = re.compile(r"^\W*((however|but|yet|so|still|since then|now)\W+)?(it|this)\s+"
                             r"(has|had|was|is|have|will|would|cannot|can't)\b")
OCCASION = re.compile(r"\b(visit|trip|meeting|summit|ceremony)\b")
DELAY_NEGATED = re.compile(r"\b(without|no|not) (any )?(further )?(delay|postponement|suspension)")
# --- drafting work -------------------------------------------------------------------------------
DRAFTING = re.compile(
    r"\b(draft(s|ed|ing)?|negotiat\w*|final stages?|final version|final phase|finalis\w*|"
    r"finaliz\w*|(text|document)\b[^.]{0,25}\b(agreed|ready|approved|coordinated)|"
    r"agreed (on )?the text|(working|work|worked|works) on|continu\w* (their |the )?work|"
    r"being (prepared|agreed|developed|drawn up|finalised|finalized|negotiated)|"
    r"high level of readiness|talks on the (new )?(treaty|pact|agreement)|"
    r"agreed to (develop|draft|prepare)|under (discussion|negotiation|preparation)|"
    r"initial(l)?(ed|ing) (the )?(\w+ ){0,3}(text|treaty|pact|agreement|document)|"
    r"(was|were|been|being) initial(l)?ed|pre-?sign\w*|paraph\w*|"
    r"(treaty|pact|agreement|accord|document|text|deal) (\w+ )?initial(l)?ed|"
    r"final touches|agree\w* (the )?final text|working through|(is|was) (fully )?ready\b(?! to)|"
    r"close to (a |the )?(new )?(treaty|pact|deal|agreement))\b"
)

# --- looking back, and the event's own date ------------------------------------------------------
_MONTH = (r"(january|february|march|april|may|june|july|august|september|october|november|"
          r"december|(jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?)")
# after the event word: a time that is not a single recent day ("signed in January", "last year")
RETRO_AFTER = re.compile(
    r"^[^.;]{0,40}?\b(in " + _MONTH + r"(?! \d)( \d{4})?|in \d{4}|back in|last (year|month|summer|"
    r"spring|autumn|fall|winter)|earlier this year|(a|one|two|three|several|\w+) (years?|months?) "
    r"ago)\b"
)
# opening the sentence: the report looks back ("Earlier in June, ...", "Earlier, <A> said",
# "In January 2025, ...", "Last year, ..."); a single day ("On 17 January") is a date, not this
RETRO_OPENING = re.compile(
    r"^\W*(earlier\s*(,|in \w+|this (year|month)|that (day|month|year)|last \w+)|previously|"
    r"before that|back in \w+( \d{4})?|"
    r"in (" + _MONTH + r"|\d{4})( \d{4})?\s*,|in (early|mid|late)[- ]\w+|"
    r"last (year|month|summer|spring|autumn|fall|winter)\s*,)(?!\s+(today|this week)\b)"
)
# "the treaty that <A>'s leader signed", "which <B> first signed": a relative clause looks back
RETRO_RELATIVE = re.compile(
    r"\b(treaty|pact|agreement|accord|document|deal|partnership)[\"'”’]?\s+(that|which)\s+"
    r"([\w.'-]+\s+){1,5}(had\s+)?$|\b(first|originally|initially|recently|previously|already)\s+$|"
    r"\b(treaty|pact|agreement|accord|document|deal)\s+(we|they|he|she|you)\s+(have\s+|had\s+)?$"
    r"|\b(after|since)\s+([\w'-]+\s+){1,4}(had\s+)?$"
)
# a date expression as written: "Friday", "last Tuesday", "17 January", "January 17, 2025"
WHEN = re.compile(
    r"\b(?:(?:last|this)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+\d{4})?(?![\w-])|"
    r"\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4})?|"
    r"\b(?:yesterday|today|tonight|last night|this (?:morning|afternoon|evening))\b|"
    r"\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
# a date that is not the event's: a term ("until 2045"), a deadline, a dateline "Nov 6 (Interfax)"
WHEN_NOT_EVENT = re.compile(
    r"\b(until|till|through|by|before|after|from|since|to|ahead of|expires?|expiring|runs?|"
    r"valid|between|and|or)\s+(the\s+)?$",
    re.IGNORECASE,
)
# where the event's clause ends after the event word
CLAUSE_END = re.compile(r"[;.!?]|,\s*(which|that|who|while|but|and)\b|\b(which|that|who|while|"
                        r"until|till|but|was|were|is|are|has|have|had|will|would)\b")
