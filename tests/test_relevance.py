"""Relevance: is an article, and a sentence, about the Russia–Iran treaty?"""

from __future__ import annotations

import pytest

from bot.analysis.relevance import TopicMatcher

matcher = TopicMatcher()


def test_every_seed_is_relevant(seeds):
    for key, article in seeds.items():
        result = matcher.article_relevance(article.title, article.paragraphs)
        assert result.relevant, (key, result.reason)


@pytest.mark.parametrize(
    "text, parties",
    [
        ("Pezeshkiyan met Putin in Moscow", {"iran", "russia"}),
        ("Amir Abdollahian spoke to Lavrov", {"iran", "russia"}),
        ("Amir-Abdollahian and Zakharova", {"iran", "russia"}),
        ("Araghchy visited the Kremlin", {"iran", "russia"}),
        ("A Russia-Iran treaty", {"iran", "russia"}),
        ("Prussian and Ukrainian history", set()),
    ],
)
def test_aliases_and_spelling_variants_name_the_parties(text, parties):
    assert matcher.parties_in(text) == parties


@pytest.mark.parametrize(
    "title, body",
    [
        ("Russia and North Korea sign strategic partnership treaty", ["Putin was in Pyongyang."]),
        ("Iran and China mark 25-year agreement", ["Beijing and Tehran signed it in 2021."]),
        ("Kremlin comments on Ukraine talks", ["Peskov said talks continue."]),
        ("Iran holds elections", ["Tehran voters went to the polls."]),
    ],
)
def test_articles_about_other_things_are_not_relevant(title, body):
    assert not matcher.article_relevance(title, body).relevant


def test_look_alike_sentence_is_not_about_the_treaty():
    sentence = "Russia signed a treaty with North Korea in June."
    assert not matcher.is_treaty_sentence(sentence, in_treaty_article=True)


def test_bare_treaty_sentence_counts_inside_a_treaty_article_only():
    sentence = "The treaty was signed on Friday."
    assert matcher.is_treaty_sentence(sentence, in_treaty_article=True)
    assert not matcher.is_treaty_sentence(sentence, in_treaty_article=False)


def test_a_look_alike_named_in_the_headline_owns_the_agreement_the_article_speaks_of():
    # REAL, russia_iran/a_2022_2024.json, 2023-12-25 (Sputnik): the EAEU free-trade agreement
    title = "Russia Expects Prompt Inclusion of Iran in EAEU - Putin"
    body = ("The signing took place amid the meeting of the Supreme Eurasian Economic Council in "
            "St. Petersburg, Russia. The agreement was signed by the chairman of the board of the "
            "Eurasian Economic Commission (EEC) Mikhail Myasnikovich, Russian Deputy Prime "
            "Minister Alexei Overchuk and Iranian Minister of Industry, Mine and Trade Abbas "
            "Aliabadi.")
    assert not matcher.article_relevance(title, [body]).relevant
    # the same sentence under a headline about the treaty speaks of the treaty
    assert matcher.article_relevance(
        "Russia and Iran sign strategic partnership treaty", [body]).relevant
