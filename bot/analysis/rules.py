"""The classifier's rules: one function per stage of the treaty's life, over a SentenceContext.

``STAGE_RULES`` run in this order; each gets the findings of the rules before it, because a few
stages rule others out (a ratification read in the sentence means a draft's approval there is
the ratification law's, and a law signed is not the treaty signed). ``ADJUSTMENTS`` then apply
to everything found: a denial contests it, hearsay weakens it, and standing alone an unnamed
"agreement" proves no official act.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.analysis.sentence import Finding, SentenceContext
from bot.analysis.vocabulary import (
    ANY_PARLIAMENT,
    BARE_VERB,
    DELAY_NEGATED,
    DELAYED,
    DRAFTING,
    DURATION_AFTER,
    EXCHANGE,
    EXPECTED_MISSED,
    HEARSAY,
    HOLD_UP,
    IN_FORCE,
    IN_FORCE_PROVISION,
    INDEFINITE_TREATY,
    NO_DATE,
    OTHER_ACT,
    OTHER_DOCUMENT,
    RATIFICATION_BILL,
    RATIFY,
    RETRO_AFTER,
    RETRO_OPENING,
    RETRO_SENTENCE,
    SIGN,
    SIGNING_NOUN,
    SIGNING_PAST,
    SPECIFIC,
    THREAT,
    TIMING_DOUBT,
    UNTIL_AFTER,
)
from bot.config.topic import ALL_PARTIES
from bot.models import Status
from bot.text import fold

HEARSAY_CONFIDENCE = 0.6  # the most an official act reported by unnamed sources counts

# (the sentence, what the rules before found) -> what this rule finds
Rule = Callable[[SentenceContext, Sequence[Finding]], list[Finding]]


# --- stages ------------------------------------------------------------------------------------
def entry_into_force(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """Entered into force, took effect; not a provision ("enters into force 30 days after"),
    another act coming into force, or the claim that a parliament's vote brought it into force."""
    folded = ctx.folded
    found: list[Finding] = []
    for m in IN_FORCE.finditer(folded):
        if not ctx.bound(m) or ctx.is_negated(m):
            continue
        subject = fold(ctx.segment_at(m.start()))[: max(0, m.start())]
        if OTHER_ACT.search(subject) and not re.search(r"\b(treaty|pact)\b", subject):
            continue  # "the new law on migrants entered into force", "the order comes ..."
        after = folded[m.end() :]
        if ctx.acts_on_other(m) or ctx.is_habitual(m):
            continue  # "the cooperation programme came into force"
        if UNTIL_AFTER.match(after) or DURATION_AFTER.match(after):
            continue  # a past state ("was in force until 1996"), a term ("for 20 years")
        past = re.match(r"(entered|came|took|went|became|was|has been)\b", m.group(0))
        provision = IN_FORCE_PROVISION.search(folded[m.end() : m.end() + 80])
        if provision and ctx.is_headline and "days" not in provision.group(0):
            provision = None  # a headline reports the event: "enters into force after ..."
        if not past and provision:
            continue
        if ctx.is_future(m) and m.group(0) != "entry into force":
            continue
        if m.group(0) == "entry into force" and re.search(
            r"\b(ahead of|before|pending|awaiting|await|upon|after|prepar\w*|for)\s+(its |the )?$",
            folded[max(0, m.start() - 30) : m.start()],
        ):
            continue
        voters = ctx.matcher.parties_by_body(folded)
        if (
            voters
            and not re.search(r"\bministry|mfa\b", folded)
            and not re.search(r"\bnot (in|on|after)\b", folded)
        ):
            # "the upper house's vote brought it into force": a claim, the act was the vote
            voter = (next(iter(voters)) if len(voters) == 1
                     else ctx.matcher.nearest_party(folded, m.start()))
            found.append(Finding(Status.RATIFIED, "in_force_claim_by_vote", 0.6, voter))
            continue
        found.append(
            Finding(
                Status.IN_FORCE,
                "entered_into_force",
                0.9,
                retrospective=(ctx.is_retro(m) and "since" in folded) or bool(
                    RETRO_AFTER.match(after) or re.search(
                        r"\b(following|after|since) (the |its )?$|,\s*which\b[^,;]{0,40}$",
                        folded[max(0, m.start() - 50) : m.start()])),
                when=ctx.when_at(m),
            )
        )
    return found


def ratification(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """A parliament's vote, the president's ratification law, the exchange of instruments; and
    its look-alike, submission for ratification (which confirms only the signing)."""
    folded, submitted = ctx.folded, ctx.submitted
    found: list[Finding] = []
    if submitted and ctx.bound(submitted) and not ctx.is_negated(submitted):
        future = re.search(
            r"\b(will|to|would|expected to|plans? to)\s+(\w+\s+)?(submit|sen[dt]|forward|refer)",
            folded
        )
        if not future:
            found.append(Finding(Status.SIGNED, "submitted_for_ratification", 0.85))
    voters = ctx.matcher.parties_by_body(folded)  # the parties whose bodies it names
    for m in list(RATIFY.finditer(folded)) + list(ctx.matcher.approve_re.finditer(folded)):
        if submitted and submitted.start() <= m.start() < submitted.end() + 1:
            continue
        is_ratify_word = m.group(0).startswith("ratif")
        if m.group(0) == "ratification" and RATIFICATION_BILL.search(
                folded[max(0, m.start() - 40) : m.start()]) or re.match(
                r"\s+(bill|draft|law draft)\b", folded[m.end() :]):
            continue  # "the bill on (the) ratification ... sent to the committee": its step
        if not is_ratify_word and ctx.draft_approval:
            continue
        if not is_ratify_word and not (voters or ANY_PARLIAMENT.search(folded)):
            continue
        other = None if is_ratify_word else OTHER_DOCUMENT.match(folded[m.end():])
        if other and not re.search(r"\b(laws?|bills?)\b", other.group(0)):
            continue  # "parliament adopts a statement on the deal": another document approved
        if not voters and ctx.matcher.third_country_body(folded):
            continue  # "<third country>'s <same-named body> ratified": not a party's
        if not ctx.bound(m) or ctx.is_negated(m) or ctx.is_habitual(m) or ctx.is_condition(m):
            continue
        if re.search(r"\b(after|upon|pending|before|subject to|requires?|awaiting|following)\s+"
                     r"(\w+\s+)?$", folded[max(0, m.start() - 30) : m.start()]) and \
                m.group(0) in ("approval", "ratification"):
            continue  # a condition: "comes into force ... after approval by the parliaments"
        if m.group(0) != "ratification" and ctx.acts_on_other(m) and not (
                re.match(r"\W*(\S+\s+){0,4}?(laws?|bills?)\b", folded[m.end() :])
                and re.search(r"ratif|treaty|pact|partnership", folded[m.start() : m.end() + 90])
        ) and not re.search(r"\b(bills?|laws?)\s+(on|for|of)\s+(the\s+)?ratif|"
                            r"\bratification (bill|law)", folded[: m.start()]):
            continue  # "<B>'s parliament approved a bill on migration", "ratified the programme"
        if submitted and "committee" in submitted.group(0):
            continue  # a committee's recommendation comes before the vote
        if m.group(0) == "ratification" and not re.search(
            r"\b(law|bill|instrument|complet\w*|approved|signed|vote)\b", folded
        ):
            continue
        if ctx.is_future(m):
            continue
        party: str | None
        if ctx.matcher.all_parties_re.search(folded) or EXCHANGE.search(folded):
            party = ALL_PARTIES
        elif len(voters) == 1:
            party = next(iter(voters))
        else:
            party = ctx.matcher.acting_party(folded, m.start())
        rule = "parliament_approval" if not is_ratify_word else "ratified"
        if re.search(r"\bsigns?\b|\bsigned\b", folded) and re.search(r"\blaw\b", folded):
            rule = "signs_law_ratifying"
        found.append(
            Finding(
                Status.RATIFIED,
                rule,
                0.9 if voters else 0.75,
                party,
                retrospective=ctx.is_retro(m),
                when=ctx.when_at(m),
            )
        )
    return found


def draft_approval(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """Approving the draft, a decree on its signing: the treaty is still being drafted."""
    if (
        ctx.draft_approval
        and ctx.bound(ctx.draft_approval)
        and not any(f.status is Status.RATIFIED for f in earlier)
    ):
        return [Finding(Status.DRAFTING, "approve_draft", 0.75)]
    return []


def signing(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """Signed, inked, sealed; a signing still to come is drafting. Not another document signed,
    nor "a ... treaty" signed by one party, nor the ratification law signed."""
    if ctx.draft_approval or any(f.rule == "signs_law_ratifying" for f in earlier):
        return []
    folded = ctx.folded
    found: list[Finding] = []
    for m in SIGN.finditer(folded):
        if not ctx.bound(m):
            continue
        if ctx.is_negated(m) or ctx.is_habitual(m) or ctx.is_condition(m):
            continue  # not signed; "the kind of treaty <A>'s leader often signs"; "once it is
            # signed, ..."
        if ctx.acts_on_other(m):
            continue  # a roadmap, memorandum, programme, decree... was (or will be) signed
        infinitive = BARE_VERB.match(m.group(0)) and re.search(
            r"\bto \w+\b", folded[max(0, m.start() - 80) : m.start()]
        )
        # in running text (not a headline) news puts a signing still to come in the
        # present: "a visit during which the two presidents sign the treaty"
        scheduled = not ctx.is_headline and m.group(0) in ("sign", "ink", "seal")
        if infinitive or scheduled or ctx.is_future(m):
            found.append(Finding(Status.DRAFTING, "future_signing", 0.7))
            continue
        after = folded[m.end() : m.end() + 60]
        if re.match(r"\s+(no|nothing|none)\b", after):
            continue  # "signed no treaty", "signed nothing at the summit"
        segment = ctx.segment_at(m.start())
        if INDEFINITE_TREATY.match(after) and len(ctx.matcher.parties_in(segment)) < 2:
            continue  # "<A> signed a ... treaty", the other party not named there
        retro = ctx.is_retro(m)
        both_named = len(ctx.facts.parties) >= 2
        found.append(
            Finding(
                Status.SIGNED,
                "signed",
                0.9 if both_named and not retro else 0.75,
                retrospective=retro,
                when=ctx.when_at(m),
            )
        )
    for m in SIGNING_PAST.finditer(folded):
        if ctx.bound(m):
            found.append(Finding(Status.SIGNED, "signed", 0.6, retrospective=True))
    for m in SIGNING_NOUN.finditer(folded):
        if ctx.bound(m) and ctx.is_future(m):
            if not ctx.is_negated(m):
                found.append(Finding(Status.DRAFTING, "future_signing", 0.7))
    return found


def delay(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """Postponed, suspended, put off, the schedule shifted; hedged ("may shift") weaker, denied
    contested."""
    folded = ctx.folded
    found: list[Finding] = []
    for m in DELAYED.finditer(folded):
        if not ctx.bound(m):
            continue
        if DELAY_NEGATED.search(folded[max(0, m.start() - 25) : m.end()]):
            continue
        if ctx.is_negated(m) and not m.group(0).startswith("not be signed"):
            continue
        if ctx.is_possible(m):
            continue  # "can also postpone", "could be delayed": a possibility, not a delay
        if re.search(r"\b(signed|sign)\b[^.]{0,60}\bor\b[^.]{0,40}$", folded[: m.start()]):
            continue  # "may be signed at the summit or postponed": a hypothesis
        hedged = bool(
            re.search(r"\b(may|might|could|possibly)\b", folded[max(0, m.start() - 60) : m.end()])
        ) or bool(THREAT.search(folded[max(0, m.start() - 40) : m.start()]))
        retro = bool(RETRO_SENTENCE.search(folded)) or bool(
            re.search(
                r"\b(after (months|years|weeks) of|once|previously|earlier)\s+(\w+\s+)?$",
                folded[max(0, m.start() - 40) : m.start()],
            )
        ) or bool(RETRO_OPENING.match(folded) or RETRO_AFTER.match(folded[m.end() :]))
        if ctx.denied:
            found.append(Finding(Status.DELAYED, "delay_denied", 0.3, contested=True))
        elif hedged:
            found.append(Finding(Status.DELAYED, "schedule_may_shift", 0.55, retrospective=retro))
        else:
            found.append(Finding(Status.DELAYED, "delayed", 0.8, retrospective=retro,
                                 when=ctx.when_at(m)))
    for m in HOLD_UP.finditer(folded):  # "shows no interest in signing", "a precondition"
        if re.search(r"\b(met|fulfill?ed|removed|lifted|dropped|waived|withdr[ae]wn?)\b",
                     folded[max(0, m.start() - 30) : m.end() + 50]):
            continue  # "the preconditions were met", "Baku dropped its preconditions"
        if not found and ctx.bound(m) and not ctx.is_negated(m) and not ctx.denied:
            found.append(Finding(Status.DELAYED, "held_up", 0.7,
                                 retrospective=bool(RETRO_OPENING.match(folded))))
    for m in TIMING_DOUBT.finditer(folded):  # "no clarity yet on when it will take place"
        if not found and ctx.bound(m) and not ctx.is_negated(m) and not ctx.denied:
            found.append(Finding(Status.DELAYED, "timing_uncertain", 0.5))
    for m in NO_DATE.finditer(folded):
        if found or not ctx.bound(m) or re.search(
                r"\b(not|n't|never|yet to)\b\W+(\w+\W+){0,3}(sign|signed|ink)", folded):
            continue  # "has not been signed, and no date is set" reports the negation
        if EXPECTED_MISSED.search(folded):  # a signing that was expected did not happen
            found.append(Finding(Status.DELAYED, "expected_signing_missed", 0.7))
        else:  # "no date yet": still being prepared
            found.append(Finding(Status.DRAFTING, "no_date_yet", 0.6))
    return found


def withdrawal_or_suspension(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """A party withdraws from, or suspends, the signed treaty (done, not threatened)."""
    folded = ctx.folded
    found: list[Finding] = []
    for regex, rule in ((ctx.matcher.withdrawal_re, "withdrawal"),
                        (ctx.matcher.suspended_treaty_re, "suspended_by_party")):
        for m in regex.finditer(folded):
            if not ctx.bound(m) or ctx.is_negated(m):
                continue
            window = folded[max(0, m.start() - 60) : m.start()]
            if ctx.is_future(m) or THREAT.search(window):
                continue  # threatened, urged, proposed, planned: not done
            if re.search(r"\b(may|might|could|possibly|reportedly)\b", window):
                continue
            if ctx.denied:
                found.append(Finding(Status.DELAYED, f"{rule}_denied", 0.3, contested=True))
            else:
                found.append(Finding(Status.DELAYED, rule, 0.9, retrospective=ctx.is_retro(m)))
    return found


def drafting_work(ctx: SentenceContext, earlier: Sequence[Finding]) -> list[Finding]:
    """Negotiating, drafting, finalising, the text agreed or ready."""
    found: list[Finding] = []
    for m in DRAFTING.finditer(ctx.folded):
        if not ctx.bound(m) or ctx.is_negated(m):
            continue
        if m.group(0).startswith("draft") and ctx.draft_approval:
            continue
        if m.group(0).startswith("work") and DELAYED.search(
                re.split(r"[;,]", ctx.folded[m.end() : m.end() + 60])[0]):
            continue  # "work on the deal was halted": the work stopped, a delay
        if m.group(0).startswith("negotiat") and re.search(
                r"\b((conclusion|end|close|outcome|results?|wake) of|after|following) (the |their )?"
                r"(\w+ )?$", ctx.folded[max(0, m.start() - 40) : m.start()]):
            continue  # "signed at the conclusion of their negotiations": the talks are over
        found.append(
            Finding(
                Status.DRAFTING,
                "drafting_work",
                0.7,
                retrospective=bool(RETRO_SENTENCE.search(ctx.folded)),
            )
        )
    return found


STAGE_RULES: tuple[Rule, ...] = (
    entry_into_force,
    ratification,
    draft_approval,
    signing,
    delay,
    withdrawal_or_suspension,
    drafting_work,
)


# --- adjustments to everything found ------------------------------------------------------------
def denial(ctx: SentenceContext, found: Sequence[Finding]) -> list[Finding]:
    """Reported, then denied (or called wrong): nothing here moves the status."""
    if not ctx.denied:
        return list(found)
    return [
        f if f.contested
        else Finding(f.status, f"{f.rule}_denied", 0.3, f.party, f.retrospective, True)
        for f in found
    ]


def hearsay(ctx: SentenceContext, found: Sequence[Finding]) -> list[Finding]:
    """Reported by unnamed sources: an official act counts only with another story behind it."""
    if not HEARSAY.search(ctx.folded):
        return list(found)
    return [
        replace(f, confidence=min(f.confidence, HEARSAY_CONFIDENCE))
        if f.status.rank >= Status.SIGNED.rank else f
        for f in found
    ]


def unnamed_agreement(ctx: SentenceContext, found: Sequence[Finding]) -> list[Finding]:
    """Standing alone, "<A> and <B> sign agreement" may be any agreement: only the stages
    before signature (rank 0) are kept unless the treaty is named."""
    if ctx.in_treaty_article or SPECIFIC.search(ctx.folded):
        return list(found)
    return [f for f in found if f.status.rank == 0]


ADJUSTMENTS: tuple[Rule, ...] = (denial, hearsay, unnamed_agreement)
