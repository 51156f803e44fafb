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


# --- issue 15: the object of the act, habits, possibilities, provisions, past states, dates --------
# REAL sentences are quoted exactly from tests/data/real/ (file and date in the comment); the
# invented ones are marked as such.
def _official(found):
    """The findings that would move the status: an official act, fresh, not contested."""
    return [f for f in found if f.status.rank >= Status.SIGNED.rank and not f.contested
            and not f.retrospective]


def _real_topic_classifier(name):
    import json
    from pathlib import Path

    from bot.analysis.relevance import TopicMatcher
    from bot.config.sections import TopicConfig
    path = Path(__file__).resolve().parent / "data" / "real" / f"{name}.json"
    topic = TopicConfig.model_validate(json.loads(path.read_text("utf-8"))["topic"]).to_topic()
    return SentenceClassifier(TopicMatcher(topic))


@pytest.mark.parametrize("sentence, is_headline", [
    # REAL, russia_iran/b_2025.json, 2025-12-17 (Trend): the foreign ministries' 2026-2028 programme
    ("Iran and Russia seal biennium cooperation deal", True),
    ("Cooperation program document has been signed between Iranian and Russian foreign "
     "ministries, Trend reports via the Ministry of Foreign Affairs of Iran.", False),
    # REAL, russia_iran/b_2025.json, 2025-12-17 (the same event, another outlet)
    ("Iran, Russia sign foreign ministry cooperation program in Moscow", True),
    ("Iran and Russia signed a cooperation document between their foreign ministries on "
     "Wednesday after talks in Moscow, setting out a consultations program for the years 2026 "
     "to 2028.", False),
    # invented: the same kinds of document, said in other ways
    ("The foreign ministers of Russia and Iran signed a two-year cooperation programme in "
     "Moscow.", False),
    ("Lavrov and Araghchi sealed a programme of consultations between the two ministries.", False),
    ("A two-year cooperation programme was signed by Lavrov and Araghchi.", False),
    ("Russia and Iran signed in Moscow a programme of consultations for 2026-2028.", False),
    ("Russia and Iran signed a dozen agreements during the visit.", False),
    ("Russia and Iran signed several documents on Friday.", False),
    ("Russia and Iran signed a joint statement on the Caspian.", False),
])
def test_another_document_signed_by_the_same_parties_is_not_the_treaty(sentence, is_headline):
    found = classifier.findings(sentence, in_treaty_article=True, is_headline=is_headline)
    assert not _official(found), found


@pytest.mark.parametrize("sentence, when", [
    # REAL, russia_iran/b_2025.json, 2025-01-17 (Reuters): a recall bug before ("agreement on
    # Friday" was read as an agreement on some other subject)
    ("Russia and Iran signed a strategic partnership agreement on Friday that their leaders said "
     "would strengthen ties in security and other areas, as a missile strike by Moscow’s military "
     "hit apartment blocks in eastern Ukraine, killing at least four people.", "Friday"),
    # REAL, russia_iran/b_2025.json, 2025-01-17
    ("Russian leader Vladimir Putin and Iranian President Masoud Pezeshkian signed a treaty on "
     "“comprehensive strategic partnership” between their countries on January 17",
     "January 17"),
    # invented: the treaty signed along with other documents is still the treaty signed
    ("Putin and Pezeshkian signed the treaty along with several other documents.", None),
])
def test_the_treaty_signed_with_other_documents_is_a_signing(sentence, when):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.SIGNED and not finding.retrospective
    assert finding.when == when


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/a_2022_2024.json, 2024-12-03 (Reuters): read as "signed" at 0.9 before
    "Moscow is preparing to sign a new bilateral treaty with Tehran that will include closer "
    "defense cooperation, the kind of treaty that Russian President Vladimir Putin often signs in "
    "person with his foreign counterparts.",
    # invented
    "Russia signs such treaties with its partners.",
    "Russia usually signs treaties of this kind with its allies, Iran included.",
])
def test_habitual_and_generic_sentences_report_no_event(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert not _official(found), found


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/a_2022_2024.json, 2024-09-07 (Jalali to TASS), as the splitter gives it:
    # read as a delay at 0.8 before
    "Because this summit is a large-scale event. (…) We can also postpone the signing of this "
    "document to a separate meeting either in Tehran or in Moscow.",
    # invented
    "Russia and Iran can also postpone the signing of the treaty.",
    "The signing of the treaty with Iran could be delayed.",
    "Moscow may postpone the signing of the treaty with Iran.",
])
def test_a_possible_postponement_is_not_a_delay(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert not [f for f in found if f.status is Status.DELAYED], found


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/b_2025.json, 2025-02-26: read as in force, and ratified by both, before
    "It comes into force on the date of the exchange of instruments of ratification after "
    "approval by the parliaments of both countries.",
    # invented
    "The treaty between Russia and Iran enters into force on the date of the exchange of "
    "instruments.",
    "The Russia-Iran treaty will take effect 30 days after the exchange of notifications.",
    "The Russia-Iran treaty is valid for 20 years.",
    "The Russia-Iran treaty remains in force for 20 years with automatic five-year extensions.",
])
def test_provisions_of_the_text_are_not_its_entry_into_force(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert not _official(found), found


@pytest.mark.parametrize("sentence", [
    # invented
    "The Russia-Iran treaty was in force until 1996.",
    "The old Russia-Iran treaty expired.",
])
def test_a_past_state_is_not_the_current_one(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert not [f for f in found if f.status is Status.IN_FORCE], found


def test_a_look_alike_that_expired_is_not_in_force():
    # REAL, russia_iran/a_2022_2024.json, 2024-12-05 (the old Russia–DPRK treaty)
    dprk = _real_topic_classifier("russia_dprk")
    assert not _official(dprk.findings(
        "The Treaty of Friendship, Good-Neighborliness and Cooperation between Russia and the "
        "DPRK dated February 9, 2000 has expired.", in_treaty_article=True))


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/b_2025.json, 2025-04-21 (in an April article about the ratification law)
    "The agreement was initially signed during a summit between Putin and Iranian President "
    "Masoud Pezeshkian in Russia on Jan. 17, where the leaders pledged closer cooperation in "
    "trade, defense, energy, and regional infrastructure projects.",
    # REAL, russia_iran/b_2025.json, 2025-06-20
    "Iranian and Russian parliaments recently approved a strategic pact that did not contain an "
    "explicit mutual defense clause but did include statements on working together against "
    "shared threats, sharing military and civilian nuclear technology, and creating further "
    "economic cooperation.",
    # REAL, russia_iran/b_2025.json, 2025-12-12
    "“We are determined to put into effect and operationalize the agreement we have signed,” he "
    "said, noting that Iran will complete all domestic preparations for major corridor projects "
    "by year’s end.",
    # invented
    "The treaty signed in January between Russia and Iran set up a new partnership.",
    "Since the signing of the treaty last year, Russia and Iran have expanded trade.",
    "Putin and Pezeshkian signed the treaty in January.",
])
def test_retrospective_mentions_are_marked_not_fresh(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert found and not _official(found), found
    assert any(f.retrospective for f in found if f.status.rank >= Status.SIGNED.rank)


def test_a_look_alike_signed_in_june_is_retrospective_in_a_later_report():
    # REAL, russia_dprk.json, 2024-10-24 (AP) and 2024-11-06 (AFP): the June signing recalled
    dprk = _real_topic_classifier("russia_dprk")
    for sentence in [
        "The lower house of the Russian parliament, the State Duma, voted quickly on Thursday to "
        "endorse the “comprehensive strategic partnership” treaty that Russia’s President "
        "Vladimir Putin signed with North Korean leader King Jong Un on a visit to Pyongyang in "
        "June.",
        "Having become one of Russia's most staunch and important backers in its military "
        "campaign against Ukraine, Pyongyang first signed the strategic partnership with Moscow "
        "in June.",
    ]:
        signed = [f for f in dprk.findings(sentence, in_treaty_article=True)
                  if f.status is Status.SIGNED]
        assert signed and all(f.retrospective for f in signed), sentence


@pytest.mark.parametrize("sentence", [
    # invented
    "Russia and Iran initialled the treaty.",
    "The treaty between Russia and Iran was initialed in Moscow.",
    "Russia and Iran pre-signed the treaty on Tuesday.",
    "Russia and Iran paraphed the treaty text.",
])
def test_initialled_is_not_signed(sentence):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.DRAFTING


def test_a_real_pre_signing_is_drafting():
    # REAL, armenia_azerbaijan.json, 2025-08-07 (headline of a section, and its sentence)
    peace = _real_topic_classifier("armenia_azerbaijan")
    for sentence in ["Pre-signing of Peace Agreement",
                     "The foreign ministers of Armenia and Azerbaijan will pre-sign a peace "
                     "agreement that has been in development for the past 4–5 months."]:
        found = peace.findings(sentence, in_treaty_article=True)
        assert found and {f.status for f in found} == {Status.DRAFTING}, sentence


@pytest.mark.parametrize("sentence, expected", [
    # invented: talks without a deal are about the talks
    ("Russia-Iran talks ended without a deal.", None),
    ("Talks between Russia and Iran on the treaty ended without a deal on Friday.", None),
    # a signing that was expected and did not happen is a delay
    ("Kazan summit ends without treaty signing between Russia and Iran", "delayed"),
    ("The signing of the Russia-Iran treaty, expected at the summit, did not happen and no date "
     "has been set.", "delayed"),
    ("There is still no new date for the signing of the Russia-Iran treaty, which had been "
     "expected in October.", "delayed"),
    # "no date yet" alone: still being prepared
    ("Kremlin: no date yet for signing of the treaty with Iran", "drafting"),
])
def test_talks_without_a_deal_and_no_date_yet(sentence, expected):
    finding = classifier.classify(sentence, in_treaty_article=True)
    got = finding.status.value if finding and not finding.contested else None
    assert got == expected


@pytest.mark.parametrize("paragraph, sentences", [
    # REAL, russia_iran/a_2022_2024.json, 2023-03-30: scraped without the space
    ("These stories topped Thursday’s newspaper headlines across Russia.The foreign ministries "
     "of Russia and Iran will finalize a draft",
     ("These stories topped Thursday’s newspaper headlines across Russia.",
      "The foreign ministries of Russia and Iran will finalize a draft")),
    # invented
    ("The talks ended on Monday.The statement said so.",
     ("The talks ended on Monday.", "The statement said so.")),
    ("The U.S. said No.5 rose 3.5 per cent, e.g. on tass.com and Caliber.Az on Monday.",
     ("The U.S. said No.5 rose 3.5 per cent, e.g. on tass.com and Caliber.Az on Monday.",)),
])
def test_sentences_glued_by_scraping_are_split(paragraph, sentences):
    from bot.text import split_sentences
    assert split_sentences(paragraph) == sentences


@pytest.mark.parametrize("sentence, when", [
    # REAL, russia_iran/b_2025.json, 2025-05-21 (Tasnim) and 2025-05-22
    ("TEHRAN -- Iran’s parliament on Wednesday approved a 20-year strategic partnership pact "
     "with Russia that was reached at the start of this year, Tasnim news agency reported.",
     "Wednesday"),
    ("The Iranian parliament approved yesterday a 20-year strategic partnership agreement with "
     "Russia, marking an important step towards enhancing bilateral relations, including defense "
     "cooperation.", "yesterday"),
    # REAL, russia_iran/b_2025.json, 2025-10-02
    ("The comprehensive strategic partnership treaty between Moscow and Tehran came into effect "
     "on Thursday, the Russian Foreign Ministry announced.", "Thursday"),
    # REAL, russia_iran/b_2025.json, 2025-04-21
    ("Putin signed the law ratifying the agreement on Monday after both the State Duma and the "
     "Federation Council of Russia approved the document earlier this month.", "Monday"),
    # invented: only the event's own date, not a term or another date in the sentence
    ("Putin and Pezeshkian signed on Friday the treaty that will run until 2045.", "Friday"),
    ("On 17 January, Putin and Pezeshkian signed the treaty in the Kremlin.", "17 January"),
    ("The Russia-Iran treaty entered into force on 2 October.", "2 October"),
    ("The Russia-Iran treaty, signed on January 17, entered into force on October 2, the "
     "ministry said.", "October 2"),
    ("The Russia-Iran signing ceremony was postponed last Tuesday.", "last Tuesday"),
    ("Dec 5 (Interfax) - The Russia-Iran treaty entered into force.", None),
])
def test_the_event_keeps_its_own_date_as_written(sentence, when):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.when == when


# --- issue 15, round 2: misreads found by replaying the real reports ----------------------------
@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/b_2025.json, 2025-03-27 (headline, then its first sentence)
    "Bill on ratification of Russia-Iran Partnership Treaty sent to State Duma Сommittee",
    "The bill submitted to the State Duma for the ratification of the Comprehensive Strategic "
    "Partnership Treaty betweeen Russia and Iran has already been sent to the relevant "
    "committee, the press service of the lower house of the Russian parliament reported.",
    # invented: the bill's other steps before the vote
    "The State Duma committee considered the ratification bill for the treaty with Iran.",
    "The Duma debated the bill on ratification of the treaty with Iran on Tuesday.",
])
def test_a_bill_for_ratification_sent_or_debated_is_not_a_ratification(sentence):
    found = classifier.findings(sentence, in_treaty_article=True)
    assert not [f for f in found if f.status.rank > Status.SIGNED.rank], found


@pytest.mark.parametrize("sentence, party", [
    # invented: the bill passed, the law signed: a ratification
    ("The Duma passed the bill on ratification of the treaty with Iran.", "russia"),
    ("The bill on the ratification of the treaty was approved by the Duma.", "russia"),
    ("The ratification bill was passed by the Majlis on Sunday.", "iran"),
    ("Putin signed the federal law on the ratification of the treaty with Iran.", "russia"),
])
def test_a_bill_for_ratification_passed_is_a_ratification(sentence, party):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.RATIFIED and finding.party == party


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/b_2025.json, 2025-01-14 (TASS, quoting the ambassador)
    "\"After the agreement is signed, it must be ratified by Iran's parliament.",
    # invented
    "Once the treaty is signed, it will be sent to the parliaments.",
    "The treaty with Iran must be ratified once it is signed.",
    "Once it is ratified by the Duma, the treaty goes to the Federation Council.",
])
def test_a_signing_or_ratification_as_a_condition_is_no_event(sentence):
    assert classifier.findings(sentence, in_treaty_article=True) == []


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/a_2022_2024.json, 2024-06-25 (Reuters) and 2024-06-26
    "Earlier in June, Russia's foreign ministry said that work on the agreement was temporarily "
    "suspended, while Iran said there was no break in preparing the new pact.",
    "However, work on the deal was halted in June due to issues faced by the Iranian partners, "
    "following the deaths of President Ebrahim Raisi and other key officials of the Islamic "
    "Republic.",
    # REAL, russia_iran/a_2022_2024.json, 2024-06-11
    "Earlier, Zamir Kabulov, director of the second Asia department at the Russian Foreign "
    "Ministry, told RIA Novosti that work on the treaty had been suspended due to issues on the "
    "Iranian side, as the Iranian leadership is currently focused on preparing for the upcoming "
    "presidential elections.",
])
def test_a_delay_recalled_earlier_in_the_month_is_retrospective_not_work(sentence):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.DELAYED and finding.retrospective


@pytest.mark.parametrize("sentence, retro", [
    # REAL, russia_iran/b_2025.json, 2025-04-25: a month and year opening the sentence
    ("In January 2025, Russian President Vladimir Putin and Iranian President Masoud Pezeshkian "
     "signed a 20-year Comprehensive Strategic Partnership Treaty in Moscow, encompassing "
     "cooperation in trade, military, science, education, and culture.", True),
    # invented: a single day is the event's date, not a look back
    ("On 17 January, Putin and Pezeshkian signed the treaty.", False),
    ("Earlier today, Putin and Pezeshkian signed the treaty.", False),
])
def test_a_month_or_year_opening_the_sentence_looks_back(sentence, retro):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.SIGNED
    assert finding.retrospective is retro


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/a_2022_2024.json, 2024-12-03 (Reuters): doubt over the signing visit
    "A visit to Russia by Iranian President Masoud Pezeshkian is being prepared, but there is no "
    "clarity yet on when it will take place, Kremlin spokesman Dmitry Peskov said on Tuesday.",
    # REAL, russia_iran/a_2022_2024.json, 2024-04-03: "it" in an article about the treaty
    "However, it has been delayed due to revisions by the Iranian side.",
])
def test_doubt_over_the_signing_visit_and_a_bare_it_delayed_are_delays(sentence):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.DELAYED
    assert classifier.classify(sentence, in_treaty_article=False) is None


@pytest.mark.parametrize("sentence", [
    # REAL, armenia_azerbaijan.json, 2024-10-02 (headline; Mirzoyan quoted)
    "Azerbaijan shows no interest in signing peace agreement - Armenian Foreign Ministry",
    "However, it is not being signed because Azerbaijan continually presents new preconditions.",
    "We see that they do not want to sign the agreement,\" the Minister noted at a security forum "
    "in Warsaw.",
    # REAL, armenia_azerbaijan.json, 2024-12-11
    "“The territorial claims in Armenia’s Constitution are a significant barrier to achieving "
    "sustainable peace,” Mammadov said, adding that Azerbaijan cannot move forward with a peace "
    "agreement as long as Armenia maintains these territorial claims.",
    # REAL, armenia_azerbaijan.json, 2025-03-13 (Reuters)
    "However, the timeline for signing the deal is uncertain as Azerbaijan has said a "
    "prerequisite for its signature is a change to Armenia's constitution, which it says makes "
    "implicit claims to its territory.",
    # REAL, armenia_azerbaijan.json, 2025-05-14 (RIA Novosti)
    "Currently, the main condition for signing the agreement is to amend the Constitution of "
    "Armenia in order to eliminate claims to the sovereignty and territorial integrity of "
    "Azerbaijan, and the need for the official dissolution of the outdated and dysfunctional "
    "OSCE Minsk Group and relevant structures was noted.",
    # REAL, armenia_azerbaijan.json, 2025-08-05
    "The leaders of Armenia and Azerbaijan will not sign a peace treaty in Washington, but a "
    "memorandum on striving for peace, Middle East Eye reports, citing its sources.",
    # REAL, armenia_azerbaijan.json, 2025-08-27 (Aliyev)
    "\"Formally, the peace agreement has not been signed for one specific reason: the Armenian "
    "constitution still contains a provision that calls into question the territorial integrity "
    "of Azerbaijan,\" said President Ilham Aliyev in an interview with Al Arabiya TV.",
    # REAL, armenia_azerbaijan.json, 2026-02-07
    "Azerbaijan has indicated that the peace deal could be signed before the elections on the "
    "condition that Yerevan commits not to have any ‘territorial claims’ against Azerbaijan in "
    "its new constitution.",
])
def test_a_signing_held_up_by_unwillingness_or_a_precondition_is_a_delay(sentence):
    peace = _real_topic_classifier("armenia_azerbaijan")
    finding = peace.classify(sentence, in_treaty_article=True)
    assert finding is not None and finding.status is Status.DELAYED, finding


@pytest.mark.parametrize("sentence, expected", [
    # invented: no hold-up
    ("Lavrov said there were no preconditions for signing the treaty with Iran.", None),
    ("Putin and Pezeshkian will sign the treaty at the Kremlin on Friday.", "drafting"),
])
def test_no_precondition_and_a_plain_plan_are_not_delays(sentence, expected):
    finding = classifier.classify(sentence, in_treaty_article=True)
    assert (finding.status.value if finding else None) == expected


def test_a_declaration_signed_at_the_ceremony_is_not_the_peace_agreement():
    # REAL, armenia_azerbaijan.json, 2025-08-09 and 2025-08-11: what was signed was a declaration
    # (a "joint statement"); the agreement was initialled. (The headline "Armenia and Azerbaijan
    # sign historic peace deal at White House" reads as a signing: a sentence cannot tell.)
    peace = _real_topic_classifier("armenia_azerbaijan")
    for sentence in [
        "At a meeting at the White House, the leaders of Armenia and Azerbaijan, in the presence "
        "of US President Donald Trump, agreed to permanently resolve their decades-long conflict "
        "and signed a declaration.",
        "All three then signed a document that the White House described as a “joint "
        "statement.”",
    ]:
        assert not _official(peace.findings(sentence, in_treaty_article=True)), sentence
    initialled = peace.classify(
        "Azerbaijan and Armenia have published the full text of a peace agreement initialed by "
        "their foreign ministers in the presence of the two nations’ leaders, as well as US "
        "President Donald Trump, during a meeting in Washington last week.",
        in_treaty_article=True)
    assert initialled is not None and initialled.status is Status.DRAFTING


@pytest.mark.parametrize("sentence", [
    # REAL, russia_iran/b_2025.json, 2025-12-17: the ministries' programme, under the treaty
    "The document was signed on Wednesday by Iranian Foreign Minister Seyed Abbas Araghchi and "
    "his Russian counterpart Sergei Lavrov at the conclusion of their negotiations and comes "
    "after the implementation of the Comprehensive Iran-Russia Strategic Treaty.",
    # invented
    "Russia and Iran signed a gas agreement within the framework of the strategic partnership "
    "treaty.",
])
def test_a_document_signed_under_the_treaty_is_not_the_treaty_nor_its_drafting(sentence):
    assert classifier.findings(sentence, in_treaty_article=True) == []


def test_entry_into_force_recalled_in_a_relative_clause_is_retrospective():
    # REAL, russia_iran/b_2025.json, 2025-12-17 (Lavrov)
    sentence = ("“Without any doubt, the main and key document in our relations is the "
                "comprehensive strategic partnership treaty between the Russian Federation and the "
                "Islamic Republic of Iran, which was signed this year and has entered into force,” "
                "Lavrov offering no details on the consultations agreement.")
    found = classifier.findings(sentence, in_treaty_article=True)
    assert found and not _official(found), found


def test_implementation_begun_is_entry_into_force():
    # REAL, russia_iran/b_2025.json, 2025-10-03 (Iran's MFA, Thursday 2 October)
    finding = classifier.classify(
        "Iran and Russia began implementing a 20-year strategic partnership treaty on Thursday, "
        "signed by Presidents Putin and Pezeshkian in Moscow on January 17, 2025.",
        in_treaty_article=True)
    assert finding is not None and finding.status is Status.IN_FORCE
    assert not finding.retrospective and finding.when == "Thursday"


@pytest.mark.parametrize("sentence", [
    # invented: a precondition lifted or met holds nothing up
    "Azerbaijan dropped its preconditions for signing the peace agreement with Armenia.",
    "The preconditions for signing the peace agreement were met, Armenia and Azerbaijan said.",
])
def test_a_precondition_lifted_is_no_delay(sentence):
    peace = _real_topic_classifier("armenia_azerbaijan")
    assert not [f for f in peace.findings(sentence, in_treaty_article=True)
                if f.status is Status.DELAYED]
