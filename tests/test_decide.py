"""Deciding the status from dated evidence: lifecycle, support, no roll-back."""

from __future__ import annotations

from bot.analysis.decide import DecisionSettings, decide, timeline
from bot.models import Evidence, Status


def ev(status: str, date: str, story: int, confidence: float = 0.9, **kw) -> Evidence:
    return Evidence(status=Status(status), quote=f"{status} {date}", rule="test",
                    confidence=confidence, published=date, article_id=story, **kw)


def told(status: str, date: str, story: int, **kw) -> list[Evidence]:
    """One official report of a stage (an official source's own site), headline and text."""
    url = "https://en.kremlin.ru/events/president/news/1"
    return [ev(status, date, story, url=url, **kw),
            Evidence(status=Status(status), quote=f"the text: {status} on {date}", rule="test",
                     confidence=0.9, published=date, article_id=story, url=url, **kw)]


def headline_and_lead(status: str, date: str, story: int, **kw) -> list[Evidence]:
    """One ordinary story reporting a stage strongly in its headline and its first sentence."""
    return [ev(status, date, story, url=f"https://news.example/{story}", **kw),
            Evidence(status=Status(status), quote=f"the text: {status} on {date}", rule="test",
                     confidence=0.9, published=date, article_id=story,
                     url=f"https://news.example/{story}", **kw)]


def test_one_strong_sentence_alone_never_moves_the_status():
    """A single misread sentence (an odd clause, a look-alike) is not a report of the act."""
    lone = [ev("drafting", "2024-12-01", 1, 0.7), ev("signed", "2025-01-17", 2)]
    assert decide(lone).status is Status.DRAFTING
    assert decide(lone + told("signed", "2025-01-17", 3)).status is Status.SIGNED
    assert decide(lone + [ev("signed", "2025-01-18", 4)]).status is Status.SIGNED  # 2 stories


def test_latest_pre_signature_evidence_wins_and_delay_beats_work_on_the_same_day():
    evidence = [ev("drafting", "2024-01-17", 1, 0.7), ev("delayed", "2024-04-03", 2, 0.8),
                ev("drafting", "2024-06-11", 3, 0.7), ev("delayed", "2024-06-11", 3, 0.55)]
    decision = decide(evidence)
    assert decision.status is Status.DELAYED
    assert decision.since == "2024-04-03"


def test_one_weak_report_of_signing_is_not_enough():
    evidence = [ev("drafting", "2024-12-01", 1, 0.7), ev("signed", "2025-01-17", 2, 0.75)]
    assert decide(evidence).status is Status.DRAFTING


def test_two_independent_weak_reports_are_enough():
    evidence = [ev("signed", "2025-01-17", 2, 0.75), ev("signed", "2025-01-18", 3, 0.75)]
    decision = decide(evidence)
    assert decision.status is Status.SIGNED and decision.since == "2025-01-17"  # the first


def test_wire_copies_count_once():
    evidence = [ev("signed", "2025-01-17", 2, 0.75), ev("signed", "2025-01-17", 2, 0.75)]
    assert decide(evidence).status is not Status.SIGNED


def test_old_delay_report_arriving_late_does_not_roll_back():
    evidence = [*told("signed", "2025-01-17", 1), *told("in_force", "2025-10-02", 2),
                ev("delayed", "2024-06-11", 3, 0.8)]
    assert decide(evidence).status is Status.IN_FORCE


def test_ratification_by_both_parties():
    evidence = [ev("signed", "2025-01-17", 1), ev("ratified", "2025-04-08", 2, party="russia"),
                ev("ratified", "2025-04-09", 4, party="russia"),
                ev("ratified", "2025-06-11", 3, party="iran"),
                ev("ratified", "2025-06-12", 5, party="iran")]
    decision = decide(evidence)
    assert decision.status is Status.RATIFIED and decision.party == "both"


def test_contested_evidence_never_moves_the_status_and_is_reported():
    evidence = [ev("drafting", "2024-06-01", 1, 0.7),
                ev("delayed", "2024-06-11", 2, 0.3, contested=True)]
    decision = decide(evidence)
    assert decision.status is Status.DRAFTING
    assert decision.conflicts and decision.conflicts[0].contested


def test_min_sources_setting_is_honoured():
    evidence = [ev("signed", "2025-01-17", 2, 0.75), ev("signed", "2025-01-18", 3, 0.75)]
    strict = DecisionSettings(min_sources=3)
    assert decide(evidence, strict).status is not Status.SIGNED


def test_timeline_lists_each_change_once_in_order():
    evidence = [ev("drafting", "2024-01-17", 1, 0.7), ev("drafting", "2024-01-23", 2, 0.7),
                ev("delayed", "2024-04-03", 3, 0.8), *told("signed", "2025-01-17", 4),
                *told("ratified", "2025-04-08", 5, party="russia"),
                *told("in_force", "2025-10-02", 6)]
    steps = [(d.status.value, d.since) for d in timeline(evidence)]
    assert steps == [("drafting", "2024-01-17"), ("delayed", "2024-04-03"),
                     ("signed", "2025-01-17"), ("ratified", "2025-04-08"),
                     ("in_force", "2025-10-02")]


def test_only_an_explicit_withdrawal_after_signature_moves_the_status_back():
    signed = [*told("signed", "2025-01-17", 1), *told("in_force", "2025-10-02", 2)]
    old_suspension = ev("delayed", "2024-06-11", 3, 0.9)  # a pre-signature report, late
    weak = Evidence(status=Status.DELAYED, quote="Iran may suspend the treaty", rule="withdrawal",
                    confidence=0.6, published="2026-03-01", article_id=4)
    assert decide(signed + [old_suspension, weak]).status is Status.IN_FORCE
    strong = [Evidence(status=Status.DELAYED, quote=quote, rule="suspended_by_party",
                       confidence=0.9, published="2026-03-02", article_id=story)
              for story, quote in ((5, "Iran suspends the treaty with Russia"),
                                   (6, "Iran has suspended implementation of the treaty."))]
    decision = decide(signed + [old_suspension, weak, *strong])
    assert decision.status is Status.DELAYED and decision.since == "2026-03-02"
    assert decision.conflicts  # the signature and entry into force are shown as the other side


def test_a_headline_and_its_first_sentence_are_one_report_not_a_confirmation():
    evidence = [ev("drafting", "2024-12-01", 1, 0.7), *headline_and_lead("signed", "2025-01-17", 2)]
    decision = decide(evidence)
    assert decision.status is Status.DRAFTING
    assert [e.article_id for e in decision.unconfirmed] == [2]  # reported, not yet confirmed
    confirmed = decide(evidence + headline_and_lead("signed", "2025-01-17", 3))
    assert confirmed.status is Status.SIGNED and not confirmed.unconfirmed


def test_one_report_from_an_official_source_confirms_an_official_act():
    decision = decide([ev("drafting", "2024-12-01", 1, 0.7), *told("signed", "2025-01-17", 2)])
    assert decision.status is Status.SIGNED and decision.since == "2025-01-17"
    elsewhere = DecisionSettings(official_sources=("mfa.example",))
    assert decide([*told("signed", "2025-01-17", 2)], elsewhere).status is None


def test_since_is_the_day_the_text_dates_the_event_to():
    friday = [ev("signed", "2025-01-18", 2, occurred="2025-01-17"),
              ev("signed", "2025-01-19", 3)]
    assert decide(friday).since == "2025-01-17"


def test_a_later_better_dated_report_corrects_since():
    first = [ev("in_force", "2025-10-04", 2), ev("in_force", "2025-10-05", 3)]
    assert decide(first).since == "2025-10-04"
    better = first + [ev("in_force", "2025-10-06", 4, occurred="2025-10-02")]
    assert decide(better).since == "2025-10-02"
    history = timeline(better)
    assert [(d.status.value, d.since) for d in history][-1] == ("in_force", "2025-10-02")


def test_a_premature_claim_is_not_confirmed_by_the_real_event_months_later():
    claim = [ev("ratified", "2025-04-08", 1, party="russia"),
             ev("ratified", "2025-04-09", 2, party="russia"),
             ev("ratified", "2025-06-11", 3, party="iran"),
             ev("ratified", "2025-06-12", 4, party="iran"),
             ev("in_force", "2025-07-18", 5)]  # one ambassador's claim
    decision = decide(claim)
    assert decision.key == ("ratified", "both") and decision.since == "2025-06-11"
    assert [e.article_id for e in decision.unconfirmed] == [5]
    real = decide(claim + [ev("in_force", "2025-10-02", 6), ev("in_force", "2025-10-03", 7)])
    assert real.key == ("in_force", "both") and real.since == "2025-10-02"


def test_ratification_is_confirmed_party_by_party():
    one_each = [*told("signed", "2025-01-17", 1), ev("ratified", "2025-04-08", 2, party="russia"),
                ev("ratified", "2025-05-21", 3, party="iran")]
    assert decide(one_each).key == ("signed", None)  # neither party's is confirmed
    russia = one_each + [ev("ratified", "2025-04-09", 4, party="russia")]
    assert decide(russia).key == ("ratified", "russia")
    assert decide(russia).since == "2025-04-08"


def test_a_later_denial_withdraws_an_unconfirmed_report():
    claim = [ev("drafting", "2025-07-01", 1, 0.7), ev("in_force", "2025-07-18", 2)]
    assert [e.article_id for e in decide(claim).unconfirmed] == [2]
    denied = claim + [ev("in_force", "2025-07-20", 3, 0.3, contested=True)]
    decision = decide(denied)
    assert decision.unconfirmed == [] and decision.status is Status.DRAFTING
