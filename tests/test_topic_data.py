"""The topic is data: every name of a party, a country, a parliament or an official lives in the
topic (the packaged default, ``bot/config/data/default_topic.yaml``, or a watchlist's
``topic:``), never in the code; a second treaty configured only in a watchlist is read with its
own parties, bodies and look-alikes.

EVERY SENTENCE IN THIS FILE IS INVENTED for the test: none is quoted from a real report.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.analysis.classify import SentenceClassifier
from bot.analysis.decide import DecisionSettings, decide
from bot.analysis.relevance import TopicMatcher
from bot.config import TopicConfig, check_watchlist, load_watchlist
from bot.config.topic import DEFAULT_TOPIC, DEFAULT_TOPIC_FILE, read_default_topic
from bot.core.settings import settings_from, topic_from
from bot.delivery.digests import baseline_digest, status_phrase
from bot.delivery.formats.common import summary_line
from bot.models import Evidence, Status

ROOT = Path(__file__).resolve().parent.parent

# Names that belong to a topic's data, never to the code (word-bounded, any case).
TOPIC_NAMES = [
    "Russia", "Russian", "Russians", "Iran", "Iranian", "Iranians", "Moscow", "Tehran",
    "Kremlin", "Putin", "Pezeshkian", "Raisi", "Lavrov", "Araghchi", "Peskov", "Zakharova",
    "Khamenei", "Ghalibaf", "Qalibaf", "Duma", "State Duma", "Federation Council", "Majlis",
    "Majles", "Guardian Council", "Islamic Consultative Assembly", "Expediency Council",
    "North Korea", "North Korean", "DPRK", "Pyongyang", "Kim Jong Un", "Belarus", "Minsk",
    "Lukashenko", "EAEU", "Eurasian Economic Union", "JCPOA", "Rosatom", "Gazprom", "Bushehr",
    "Khatami", "Kazan",
]
_NAMES_RE = re.compile(r"\b(" + "|".join(re.escape(n) for n in TOPIC_NAMES) + r")\b",
                       re.IGNORECASE)


def test_no_party_country_body_or_official_is_named_in_the_code():
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = _NAMES_RE.search(line)
            if m:
                found.append(f"{path.relative_to(ROOT)}:{number}: {m.group(0)!r}")
    assert not found, "topic names in the code (move them to the topic's data):\n" + "\n".join(
        found)


def test_the_default_topic_ships_as_data_and_is_read_like_a_watchlist_topic():
    assert DEFAULT_TOPIC_FILE.suffix == ".yaml"
    assert DEFAULT_TOPIC_FILE.is_relative_to(ROOT / "bot")
    data = read_default_topic()
    assert TopicConfig.model_validate(data).to_topic() == DEFAULT_TOPIC
    assert TopicConfig().to_topic() == DEFAULT_TOPIC  # no topic: section at all
    assert set(DEFAULT_TOPIC.parties) == set(DEFAULT_TOPIC.bodies) == set(DEFAULT_TOPIC.display)
    assert DEFAULT_TOPIC.lookalikes and DEFAULT_TOPIC.other_agreements
    assert DEFAULT_TOPIC.official_sources


def test_the_committed_watchlist_in_todays_form_reads_as_the_default_topic():
    """Parties written as plain lists keep the default bodies and display names."""
    watchlist = load_watchlist(ROOT / "watchlist.yaml", env={})
    assert topic_from(watchlist) == DEFAULT_TOPIC


# --- a second treaty, configured only in a watchlist ---------------------------------------------

SECOND = """\
topic:
  name: Comprehensive Strategic Partnership Treaty (second topic)
  parties:
    first:
      display: Northland
      names: [Northland, Northlander, Borealis City, President Aurel]
      bodies: [[Grand Assembly, Assembly], Senate of Northland]
    second:
      display: Southia
      names: [Southia, Southian, Austral City, Chairman Varo]
      bodies: [[People's Congress], Standing Committee of the People's Congress]
  keywords: [treaty, pact, strategic partnership]
  other_agreements: [gas, visa, trade]
  lookalikes:
    westmark_treaty: [Westmark, Westmarkian, Occidia City]
  official_sources: [president.northland.example, mfa.southia.example]
"""

# The same shape with real names, as the issue describes it (one party a state whose treaty
# with a third party is this topic's look-alike): configured only in the watchlist.
REAL_SHAPE = """\
topic:
  name: Russia–North Korea Treaty on Comprehensive Strategic Partnership
  parties:
    russia:
      display: Russia
      names: [Russia, Russian, Moscow, Kremlin, Putin]
      bodies: [[State Duma, Duma], Federation Council]
    north_korea:
      display: North Korea
      names: [North Korea, North Korean, DPRK, Pyongyang, Kim Jong Un]
      bodies: [[Supreme People's Assembly], Presidium of the Supreme People's Assembly]
  keywords: [treaty, pact, strategic partnership, comprehensive strategic partnership]
  lookalikes:
    iran_treaty: [Iran, Iranian, Tehran, Pezeshkian]
"""


def _watchlist(tmp_path: Path, text: str):
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    watchlist, problems = check_watchlist(path, env={})
    assert problems == [], [str(p) for p in problems]
    assert watchlist is not None
    return watchlist


def _classifier(tmp_path: Path, text: str) -> SentenceClassifier:
    return SentenceClassifier(TopicMatcher(topic_from(_watchlist(tmp_path, text))))


def _parties(classifier: SentenceClassifier, sentence: str) -> set[str | None]:
    return {f.party for f in classifier.findings(sentence, in_treaty_article=True)
            if f.status is Status.RATIFIED}


def test_a_second_topics_bodies_set_the_ratifying_party(tmp_path: Path):
    c = _classifier(tmp_path, REAL_SHAPE)
    # invented sentences
    assert _parties(c, "North Korea's Supreme People's Assembly ratified the treaty on "
                       "Tuesday.") == {"north_korea"}
    assert _parties(c, "The State Duma ratified the comprehensive strategic partnership treaty "
                       "with North Korea.") == {"russia"}
    assert _parties(c, "Both Russia and North Korea have now ratified the treaty.") == {"both"}
    best = c.classify("North Korea's Supreme People's Assembly ratified the treaty on Tuesday.",
                      in_treaty_article=True)
    assert best is not None and best.confidence == 0.9


def test_a_second_topic_with_invented_parties(tmp_path: Path):
    watchlist = _watchlist(tmp_path, SECOND)
    topic = topic_from(watchlist)
    c = SentenceClassifier(TopicMatcher(topic))
    # invented sentences
    assert _parties(c, "Southia's People's Congress ratified the treaty on Monday.") == {"second"}
    assert _parties(c, "The Grand Assembly voted to ratify the treaty.") == {"first"}
    assert _parties(c, "Both Northland and Southia have ratified the treaty.") == {"both"}
    assert c.findings("Northland and Westmark signed the strategic partnership treaty.") == []
    signed = c.classify("Northland and Southia signed the strategic partnership treaty.")
    assert signed is not None and signed.status is Status.SIGNED
    assert c.classify("Northland and Southia signed a gas deal.") is None
    # "both" means every party of this topic, and digests name them as the topic does
    settings = settings_from(watchlist)
    assert settings.parties == ("first", "second")
    evidence = [  # each party's ratification told by two independent stories
        Evidence(Status.RATIFIED, f"invented quote {i}", "ratified", 0.9,
                 published=day, article_id=i, party=party)
        for i, (party, day) in enumerate([("first", "2025-01-01"), ("second", "2025-02-01"),
                                          ("first", "2025-01-02"), ("second", "2025-02-03")])
    ]
    assert decide(evidence, settings).party == "both"
    assert decide(evidence[0::2], settings).party == "first"
    labels = topic.party_labels()
    assert status_phrase("ratified", "both", labels) == "ratified (by Northland and Southia)"
    assert status_phrase("ratified", "second", labels) == "ratified (by Southia)"
    assert topic.is_official_source("www.president.northland.example")
    assert not topic.is_official_source("northland.example")


def test_the_baseline_names_the_topic_it_follows(tmp_path: Path):
    topic = topic_from(_watchlist(tmp_path, SECOND))
    decision = decide([], DecisionSettings(parties=tuple(topic.parties)))
    digest = baseline_digest(topic.name, decision, [], {"articles": 0, "relevant": 0,
                                                        "independent": 0}, [])
    digest.status = "drafting"
    assert summary_line(digest).startswith(f"Now following {topic.name};")


def test_peace_is_a_word_of_the_data_not_of_the_code(tmp_path: Path):
    peace = SECOND.replace("Comprehensive Strategic Partnership Treaty", "Peace Treaty").replace(
        "keywords: [treaty, pact, strategic partnership]", "keywords: [treaty, peace treaty]")
    c = _classifier(tmp_path, peace)
    # invented sentence: a peace treaty is this topic's own kind of treaty
    found = c.classify("Northland and Southia signed the peace treaty on Friday.")
    assert found is not None and found.status is Status.SIGNED
    # the default topic lists "peace" among the other agreements: not its treaty
    default = SentenceClassifier()
    assert default.classify("Russia and Iran signed the peace treaty on Friday.",
                            in_treaty_article=True) is None


def test_a_third_countrys_majlis_is_not_a_partys_parliament():
    c = SentenceClassifier()
    # invented sentences
    for sentence in ("Azerbaijan's Milli Majlis ratified the treaty on Tuesday.",
                     "Azerbaijan's Milli Majlis passed the agreement with 95 votes."):
        for in_article in (True, False):
            assert "iran" not in {f.party for f in c.findings(sentence,
                                                              in_treaty_article=in_article)}
    assert _parties(c, "Iran's Majlis ratified the treaty on Tuesday.") == {"iran"}


@pytest.mark.parametrize(
    ("lookalikes", "expected"),
    [
        (
            "  lookalikes:\n    third: [Westmark, Southia]\n",
            "10:23: `topic.lookalikes.third[1]`: look-alike `third` lists `Southia`, a name of "
            "the party `b`",
        ),
        ("", "5:5: `topic.parties.b`: the default look-alike `north_korea` lists `dprk`"),
    ],
)
def test_validate_reports_a_lookalike_that_names_a_party(tmp_path: Path, lookalikes: str,
                                                         expected: str):
    text = ("topic:\n  name: Second treaty\n  parties:\n    a: [Northland]\n"
            "    b:\n      names: [Southia, DPRK]\n      bodies: [People's Congress]\n"
            "  keywords: [treaty]\n" + lookalikes)
    path = tmp_path / "watchlist.yaml"
    path.write_text(text, encoding="utf-8")
    watchlist, problems = check_watchlist(path, env={})
    assert watchlist is None
    assert any(str(p).startswith(f"{path}:{expected}") for p in problems), [
        str(p) for p in problems]


def test_a_party_written_as_a_mapping_refuses_unknown_keys(tmp_path: Path):
    path = tmp_path / "watchlist.yaml"
    path.write_text("topic:\n  parties:\n    a: {names: [Northland], bodys: [Diet]}\n"
                    "    b: [Southia]\n  lookalikes: {}\n", encoding="utf-8")
    _, problems = check_watchlist(path, env={})
    assert [str(p) for p in problems] == [
        f"{path}:2:3: `topic.parties`: party `a` has an unknown key `bodys`, did you mean "
        "`bodies`? (a party is a list of names, or {names, bodies, display})"
    ]


def test_the_readme_example_of_a_second_topic_is_valid(tmp_path: Path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"A second treaty:\n\n```yaml\n(.+?)```", readme, re.DOTALL)
    assert example is not None
    topic = topic_from(_watchlist(tmp_path, example.group(1)))
    assert topic.party_labels()["both"] == "Russia and North Korea"
    c = SentenceClassifier(TopicMatcher(topic))
    # invented sentence
    assert _parties(c, "North Korea's Supreme People's Assembly ratified the treaty.") == {
        "north_korea"}
