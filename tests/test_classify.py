"""The sentence classifier on the seeds and on the labelled evaluation set."""

from __future__ import annotations

import pytest

from bot.analysis.classify import SentenceClassifier
from bot.analysis.decide import DecisionSettings, decide
from bot.analysis.evaluate import EVAL_DATA, evaluate
from bot.config.topic import DEFAULT_TOPIC
from bot.core.engine import Analyzer
from bot.models import Evidence, Status

DATA = EVAL_DATA  # the labelled sets ship inside the package
classifier = SentenceClassifier()
analyzer = Analyzer(DEFAULT_TOPIC)

EXPECTED_SEED_STATUS = {
    "000": "delayed",  # Kabulov: delayed for an uncertain period (April 2024)
    "001": "drafting",  # Zakharova: final stages, to be signed soon (January 2024)
    "002": "delayed",  # Peskov: the schedule may shift (June 2024)
    "003": "drafting",  # rewrite of 001
    "004": "drafting",  # Amirabdollahian hopes it is signed during Putin's visit
}


@pytest.mark.parametrize("key, expected", sorted(EXPECTED_SEED_STATUS.items()))
def test_each_seed_reports_its_stage(seeds, key, expected):
    article = seeds[key]
    assert analyzer.analyze(article.title, article.paragraphs).status == expected


def test_no_seed_reads_as_signed_although_they_all_say_sign(seeds):
    for key, article in seeds.items():
        analysis = analyzer.analyze(article.title, article.paragraphs)
        statuses = {f.status for _, f in analysis.findings if not f.contested}
        assert Status.SIGNED not in statuses, key
        assert "sign" in (article.title + " ".join(article.paragraphs)).lower()


def test_denied_suspension_is_contested_not_evidence(seeds):
    analysis = analyzer.analyze(seeds["002"].title, seeds["002"].paragraphs)
    contested = [f for s, f in analysis.findings if f.contested]
    assert contested and all("suspended" in s for s, f in analysis.findings if f.contested)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Putin and Pezeshkian signed the treaty in the Kremlin on Friday.", "signed"),
        ("Putin and Pezeshkian are expected to sign the treaty on Friday.", "drafting"),
        ("Moscow and Tehran are close to signing the treaty.", "drafting"),
        ("The treaty with Iran is to be signed during the visit, Peskov said.", "drafting"),
        ("Putin approved the draft treaty with Iran and ordered its signing.", "drafting"),
        ("Putin signed the law ratifying the treaty with Iran.", "ratified"),
        ("Putin submitted the treaty with Iran to the State Duma for ratification.", "signed"),
        ("Russia and North Korea signed a comprehensive strategic partnership treaty.", None),
        ("Russia and Iran signed a deal on gas supplies.", None),
        ("No treaty was signed between Russia and Iran at the Kazan summit.", None),
        ("Will Russia and Iran sign the treaty in Kazan?", None),
        ("The Russia-Iran treaty entered into force on Thursday.", "in_force"),
        ("The Iran-EAEU free trade agreement entered into force on May 15.", None),
    ],
)
def test_modality_negation_and_lookalikes(sentence, expected):
    finding = classifier.classify(sentence, in_treaty_article=False)
    got = finding.status.value if finding and not finding.contested else None
    assert got == expected


def test_ratification_says_which_party():
    duma = classifier.classify("The State Duma ratified the treaty with Iran.", in_treaty_article=False)
    majlis = classifier.classify("Iran's Majlis approved the treaty with Russia.", in_treaty_article=False)
    assert duma and duma.party == "russia"
    assert majlis and majlis.party == "iran"


@pytest.mark.parametrize("name", ["status_eval.jsonl", "status_holdout.jsonl"])
def test_evaluation_meets_the_thresholds(name):
    """A false "signed" is the worst failure: precision ≥ 0.97 for the official acts,
    recall ≥ 0.9 for every status."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} not present")
    report = evaluate(path)
    assert report.total >= 150
    for status in ("signed", "ratified", "in_force"):
        assert report.precision(status) >= 0.97, (status, report.table())
    for status in ("drafting", "delayed", "signed", "ratified", "in_force"):
        assert report.recall(status) >= 0.9, (status, report.table())


@pytest.mark.parametrize(
    "sentence, rule",
    [
        ("Iran has suspended implementation of the Comprehensive Strategic Partnership Treaty "
         "with Russia.", "suspended_by_party"),
        ("Moscow has suspended the Russia-Iran treaty, Peskov said.", "suspended_by_party"),
        ("Russia withdrew from the strategic partnership treaty with Iran on Monday.",
         "withdrawal"),
        ("Tehran terminated the treaty with Moscow, the foreign ministry said.", "withdrawal"),
        # "denounce" is also plain criticism: not a withdrawal
        ("Iranian lawmakers denounced the treaty with Russia as one-sided.", None),
        # not done, or not this treaty: no rollback rule
        ("Iran threatened to withdraw from the treaty with Russia.", None),
        ("Iran has no plans to withdraw from the treaty with Russia, Araghchi said.", None),
        ("Iran will not withdraw from the treaty with Russia.", None),
        ("Russia and Iran could withdraw from the pact if sanctions bite.", None),
        ("Russia denounced its treaty with North Korea.", None),
        ("Iran suspended talks on the treaty with Russia in June.", None),  # a delay, pre-signature
        ("Iranian lawmakers called on the government to suspend the treaty with Russia.", None),
    ],
)
def test_withdrawal_or_suspension_by_a_party_is_told_apart_from_threats(sentence, rule):
    found = classifier.findings(sentence, in_treaty_article=True)
    rollback = [f.rule for f in found
                if f.rule in ("withdrawal", "suspended_by_party") and not f.contested]
    assert rollback == ([rule] if rule else [])


def test_denied_suspension_of_the_treaty_is_contested():
    found = classifier.findings(
        "The Kremlin denied reports that Iran had suspended the treaty with Russia.",
        in_treaty_article=True)
    assert found and all(f.contested for f in found)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # negated by "nothing"
        ("Nothing was signed in Kazan, but Russia and Iran say the treaty is ready.", "drafting"),
        # one party signs some treaty: Russia's treaty with North Korea was reported like this
        ("Russia signed a comprehensive strategic partnership treaty on Wednesday, days after "
         "talks with Iran", None),
        # approving or initialling a text, a decree authorising a signing: before signature
        ("Experts from Russia and Iran signed off on the final draft of the treaty", "drafting"),
        ("Pezeshkian signed the decree authorising the signing of the treaty", "drafting"),
        ("Russia and Iran initialled the text of the treaty", "drafting"),
        # another document was signed
        ("Russia and Iran signed the roadmap for the strategic partnership treaty", None),
        ("Russia and Iran signed a memorandum on the treaty's implementation", None),
        ("Russia and Iran have signed dozens of agreements over the years, and the treaty is "
         "the next step", None),
        # events in other words
        ("Kazan summit ends without treaty signing between Russia and Iran", "delayed"),
        ("Putin and Pezeshkian signed the treaty in the Kremlin on Friday.", "signed"),
    ],
)
def test_look_alike_signings_are_not_signatures(sentence, expected):
    finding = classifier.classify(sentence, in_treaty_article=True)
    got = finding.status.value if finding and not finding.contested else None
    assert got == expected


@pytest.mark.parametrize("sentence", [
    "Russia and Iran signed the treaty, according to unconfirmed reports",
    "Russia and Iran reportedly signed the treaty",
    "Russia and Iran signed the treaty, sources say",
])
def test_hearsay_of_a_signing_is_below_the_single_report_threshold(sentence):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.SIGNED
    assert finding.confidence < DecisionSettings().min_confidence_single  # needs a 2nd story


def test_a_headline_reports_entry_into_force_a_provision_does_not():
    headline = classifier.classify(
        "Russia-Iran treaty enters into force after exchange of instruments",
        in_treaty_article=True, is_headline=True)
    provision = classifier.classify(
        "The treaty enters into force 30 days after the exchange of instruments of "
        "ratification.", in_treaty_article=True, is_headline=True)
    assert headline is not None and headline.status is Status.IN_FORCE
    assert provision is None or provision.status is not Status.IN_FORCE


def test_an_exchange_of_instruments_completes_ratification_by_both():
    finding = classifier.classify(
        "Iran and Russia exchanged notes completing ratification of the treaty",
        in_treaty_article=True)
    assert finding is not None and finding.status is Status.RATIFIED and finding.party == "both"


def test_a_single_article_about_a_look_alike_signing_does_not_make_the_status_signed():
    """End to end from articles: the decision after each of these alone stays pre-signature."""
    articles = [
        ("Russia and Iran: treaty ready, nothing signed in Kazan",
         ["Nothing was signed in Kazan, but Russia and Iran say the treaty is ready."]),
        ("Russia signed a comprehensive strategic partnership treaty on Wednesday, days after "
         "talks with Iran", ["Putin was in Pyongyang for the ceremony with Kim Jong Un."]),
        ("Iran, Russia initial treaty text",
         ["Russia and Iran initialled the text of the treaty on comprehensive strategic "
          "partnership, officials said."]),
    ]
    for title, paragraphs in articles:
        analysis = analyzer.analyze(title, paragraphs)
        evidence = [Evidence(status=f.status, quote=s, rule=f.rule, confidence=f.confidence,
                             published="2024-10-24", article_id=1, party=f.party,
                             retrospective=f.retrospective, contested=f.contested)
                    for s, f in analysis.findings]
        status = decide(evidence).status
        assert status is None or status.rank < Status.SIGNED.rank, title


@pytest.mark.parametrize("sentence", [
    # found by an adversarial probe (296 invented sentences; 125 misread before, 50 after);
    # each of these read as signed, ratified or in force at 0.9
    "The Russia-Iran signing ceremony has been postponed.",
    "There are signs that the Russia-Iran treaty is close to completion.",
    "The BRICS summit in Kazan concluded without the signing of the Russia-Iran treaty.",
    "Iran and Russia sign off on final text of strategic partnership treaty.",
    "Putin and Pezeshkian met in Kazan but signed no treaty.",
    "The Russia-Iran treaty has still not, as of Friday, been signed.",
    "Reports that Iran and Russia signed the treaty are fake, Zakharova said.",
    "Once Russia and Iran have signed the treaty, it will be submitted to both parliaments.",
    "Russia, Iran sign treaty on mutual legal assistance in criminal matters.",
    "Russia and Iran signed a cybersecurity agreement in Moscow.",
    "Iran-Russia trade pact enters into force, cutting tariffs on most goods.",
    "A new Russian law on migrants entered into force on Monday.",
    "Putin signed a directive authorising the Foreign Ministry to sign the treaty with Iran.",
    "In Pyongyang on Wednesday, Putin signed the comprehensive strategic partnership treaty, "
    "a document Tehran hopes to sign with Moscow by autumn.",
    "Russia and Iran signed their basic relations treaty a quarter of a century ago.",
    "The treaty enters into force once Tehran completes its procedures, Lavrov said.",
    "Pezeshkian arrives in Moscow on Friday for a visit during which he and Putin sign the "
    "comprehensive strategic partnership treaty, the Kremlin said.",
])
def test_adversarial_sentences_are_not_read_as_official_acts(sentence):
    # (a headline keeps the present tense for what happened: "Iran, Russia sign treaty")
    for finding in classifier.findings(sentence, in_treaty_article=True):
        official = finding.status.rank >= Status.SIGNED.rank and not finding.contested
        assert not (official and not finding.retrospective
                    and finding.confidence >= DecisionSettings().min_confidence_single), finding


def test_a_prediction_in_a_headline_is_not_the_act():
    finding = classifier.classify("Iran and Russia sign treaty in January, Iranian envoy predicts",
                                  in_treaty_article=True, is_headline=True)
    assert finding is None or finding.status is Status.DRAFTING
    done = classifier.classify("Iran, Russia sign strategic partnership treaty in Moscow",
                               in_treaty_article=True, is_headline=True)
    assert done is not None and done.status is Status.SIGNED
