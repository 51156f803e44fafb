"""Cleaning keeps the article body and drops the page furniture, on the real seeds."""

from __future__ import annotations

from bot.ingest.clean import clean_page


def _text(article) -> str:
    return "\n".join([article.title, *article.paragraphs])


def test_recent_posts_sidebar_and_its_time_lines_are_dropped(seeds):
    for key in ("000", "004"):
        text = _text(seeds[key])
        assert "Recent Posts" not in text
        assert "minutes ago" not in text and "hours ago" not in text
        assert "IAEA head tours" not in text and "Zhaleh Olov" not in text


def test_outlet_disclaimers_and_staff_blurbs_are_dropped(seeds):
    assert "do not necessarily reflect" not in _text(seeds["000"])
    assert "Editorial Staff is composed" not in _text(seeds["004"])


def test_comment_counters_and_moderation_notes_are_dropped(seeds):
    text = _text(seeds["002"])
    assert "COMMENTS (1)" not in text
    assert "Comments are moderated" not in text
    assert "Reply" not in text


def test_read_also_links_and_photo_credits_are_dropped(seeds):
    text = _text(seeds["002"])
    assert "Read also" not in text
    assert "PHOTO: REUTERS" not in text
    assert "naval drills" not in text


def test_in_world_list_of_unrelated_stories_is_dropped(seeds):
    text = _text(seeds["001"])
    assert "In World" not in text
    assert "Taiwan" not in text and "Leave a review" not in text


def test_article_body_is_kept(seeds):
    assert "delayed for an uncertain period" in _text(seeds["000"])
    assert "final stages of being agreed" in _text(seeds["001"])
    assert "temporarily suspended" in _text(seeds["002"])
    assert "Su-35 fighter jets" in _text(seeds["003"])
    assert "during the upcoming visit by the Russian president" in _text(seeds["004"])


def test_metadata_title_drops_the_photo_caption_above_it(seeds):
    article = seeds["001"]
    assert article.title.startswith("Putin and Iranian President Raisi to sign")
    assert not any("meets with Iranian President" in p for p in article.paragraphs)


def test_reuters_prefix_becomes_an_outlet_hint_not_text(seeds):
    assert seeds["001"].outlet_hint == "Reuters"
    assert not seeds["001"].paragraphs[0].startswith("Reuters:")


def test_dateline_gives_the_date_stated_in_the_page():
    article = clean_page("Some headline about things here\n\nReuters June 11, 2024\nBody text here.")
    assert article.date_in_text is not None and article.date_in_text.isoformat() == "2024-06-11"
    assert article.outlet_hint == "Reuters"


def test_without_a_title_the_first_headline_like_line_is_the_title():
    article = clean_page("Media Wire\n\nRussia says Moscow and Tehran close to a new treaty\n\nBody.")
    assert article.title == "Russia says Moscow and Tehran close to a new treaty"
