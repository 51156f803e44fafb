"""How a step is confirmed and dated, end to end through the engine, the store and the views:
a single report waits as "reported, not yet confirmed", a preview is never merged with the
report of the act, a better-dated report corrects ``since`` (history and digest say so), and
an article in a language the bot does not read is kept, counted and listed."""

from __future__ import annotations

from pathlib import Path

from bot.analysis.decide import DecisionSettings
from bot.analysis.eventdate import resolve_when
from bot.analysis.language import detect_language, is_read
from bot.config.topic import DEFAULT_TOPIC
from bot.core.engine import Engine
from bot.core.service import StoreService
from bot.core.views import (
    history_report,
    history_text,
    sources_report,
    sources_text,
    status_report,
    status_text,
)
from bot.interfaces.web.page import page_html
from bot.store import Database

SIGNED_TITLE = "Putin and Pezeshkian sign comprehensive strategic partnership treaty"
SIGNED_TEXT = ("Russian President Vladimir Putin and Iranian President Masoud Pezeshkian signed "
               "the treaty on comprehensive strategic partnership in the Kremlin.")


def engine_in(tmp_path: Path) -> tuple[Engine, Database]:
    db = Database.in_folder(tmp_path)
    return Engine(db, DEFAULT_TOPIC, DecisionSettings(), ["console"]), db


def add(engine: Engine, key: str, title: str, text: str, published: str,
        url: str | None = None, source: str = "Wire"):
    return engine.ingest(key=key, kind="feed", title=title, paragraphs=[text], source=source,
                         url=url or f"https://news.example/{key}", published=published)


def test_one_report_waits_as_reported_not_yet_confirmed_everywhere(tmp_path: Path):
    engine, db = engine_in(tmp_path)
    add(engine, "plan", "Russia and Iran finalising strategic partnership treaty, Lavrov says",
        "Lavrov said Russia and Iran were in the final stages of agreeing the treaty.",
        "2024-10-01")
    add(engine, "one", SIGNED_TITLE, SIGNED_TEXT, "2025-01-17")
    engine.update_status()
    report = status_report(db, DEFAULT_TOPIC.name)
    assert report["status"] == "drafting"
    assert [c["status"] for c in report["unconfirmed"]] == ["signed"]
    assert "Reported, not yet confirmed: signed" in status_text(report)
    page = page_html(StoreService(db, DEFAULT_TOPIC.name, lambda: []))
    assert "Reported, not yet confirmed" in page and "news.example/one" in page
    # a second, independent story confirms it, since the first day
    add(engine, "two", "Iran, Russia ink 20-year pact in Moscow",
        "Pezeshkian and Putin put their signatures to the 47-article document on Friday.",
        "2025-01-18", source="Other wire")
    engine.update_status()
    report = status_report(db, DEFAULT_TOPIC.name)
    assert (report["status"], report["since"]) == ("signed", "2025-01-17")
    assert report["unconfirmed"] == []


def test_a_preview_and_the_report_of_the_signing_are_two_stories(tmp_path: Path):
    engine, _ = engine_in(tmp_path)
    preview = add(engine, "preview", "Putin and Pezeshkian to sign comprehensive strategic "
                  "partnership treaty in the Kremlin", "The presidents of Russia and Iran will "
                  "sign the treaty on comprehensive strategic partnership in the Kremlin.",
                  "2025-01-14")
    signed = add(engine, "signed", SIGNED_TITLE, SIGNED_TEXT, "2025-01-17")
    assert preview.status == "drafting" and signed.status == "signed"
    assert signed.duplicate_of is None  # alike in words, not the same news
    copy = add(engine, "copy", SIGNED_TITLE + " - AP News", SIGNED_TEXT, "2025-01-18")
    assert copy.duplicate_of == signed.article_id  # a copy of the report is one story


def test_a_better_dated_report_corrects_since_in_the_history_and_a_digest(tmp_path: Path):
    engine, db = engine_in(tmp_path)
    add(engine, "a", "Russia-Iran strategic partnership treaty enters into force",
        "The treaty on comprehensive strategic partnership between Russia and Iran has entered "
        "into force.", "2025-10-04")
    add(engine, "b", "Tehran hails pact with Moscow taking effect",
        "Iran's Foreign Ministry welcomed the entry into force of the comprehensive strategic "
        "partnership treaty with Russia.", "2025-10-05", source="IRNA")
    engine.update_status()
    assert (db.current_status()["status"], db.current_status()["since"]) == ("in_force",
                                                                              "2025-10-04")
    add(engine, "c", "Moscow: treaty with Iran took effect on Thursday",
        "The treaty on comprehensive strategic partnership between Russia and Iran entered into "
        "force on October 2, the Russian Foreign Ministry said.", "2025-10-06", source="TASS")
    digest = engine.update_status()
    assert digest is not None and digest.kind == "status_corrected"
    assert digest.facts["since"] == "2025-10-02" and digest.facts["corrects"] == "2025-10-04"
    history = history_report(db)
    assert [(h["status"], h["since"], h["corrects"]) for h in history][-1] == (
        "in_force", "2025-10-02", "2025-10-04")
    assert "date corrected; was 2025-10-04" in history_text(history)
    assert engine.update_status() is None  # once


def test_an_article_in_a_language_the_bot_does_not_read_is_counted_and_listed(tmp_path: Path):
    engine, db = engine_in(tmp_path)
    # real: EFE via Swissinfo, 2025-01-17 (tests/data/real/russia_iran/b_2025.json)
    spanish = add(engine, "es", "Los presidentes de Rusia e Irán firman un Acuerdo de Asociación "
                  "Estratégica Integral", "El presidente ruso, Vladímir Putin, y su homólogo "
                  "iraní, Masud Pezeshkian, firmaron este viernes en el Kremlin un acuerdo de "
                  "asociación estratégica integral.", "2025-01-17")
    assert spanish.language == "es" and not spanish.relevant
    engine.update_status()
    assert status_report(db, DEFAULT_TOPIC.name)["not_read"] == 1
    rows = sources_report(db)
    assert rows[0]["language"] == "es"
    assert "not read: written in es" in sources_text(rows)


def test_language_identification_leaves_short_and_english_text_to_be_read():
    assert detect_language("Putin, Pezeshkian sign strategic partnership treaty") in (None, "en")
    assert detect_language("Iran-Russia treaty") is None  # too short to tell
    assert detect_language("Россия и Иран подписали договор о всеобъемлющем стратегическом "
                           "партнерстве") == "ru"
    assert is_read(None) and is_read("en") and not is_read("es")


def test_the_words_dating_an_event_resolve_against_the_publication_day():
    assert resolve_when("Friday", "2025-01-18T09:00:00+00:00") == "2025-01-17"
    assert resolve_when("Friday", "2025-01-17") == "2025-01-17"  # the same day
    assert resolve_when("last Friday", "2025-01-17") == "2025-01-10"
    assert resolve_when("2 October", "2025-10-03") == "2025-10-02"
    assert resolve_when("October 2, 2025", "2025-12-01") == "2025-10-02"
    assert resolve_when("yesterday", "2025-03-01") == "2025-02-28"
    assert resolve_when("17 January", "2025-01-10") == "2024-01-17"  # the last one before
    assert resolve_when("in January", "2025-06-01") is None  # no single day
    assert resolve_when("2 October 2026", "2025-10-05") is None  # after the report: a plan
    assert resolve_when("Friday", None) is None
