"""The status timeline picture renders headless from the history."""

from __future__ import annotations

from datetime import date

import pytest

from bot.delivery.formats import render_timeline_png

pytest.importorskip("matplotlib")

HISTORY = [
    {"status": "drafting", "since": "2024-01-17", "evidence": [{}]},
    {"status": "delayed", "since": "2024-04-03", "evidence": [{}, {}]},
    {"status": "signed", "since": "2025-01-17", "evidence": [{}]},
    {"status": "ratified", "since": "2025-04-08", "party": "russia", "evidence": [{}]},
    {"status": "ratified", "since": "2025-05-21", "party": "both", "evidence": [{}]},
    {"status": "in_force", "since": "2025-10-02", "evidence": [{}]},
]


def test_history_renders_as_a_png():
    png = render_timeline_png(HISTORY, today=date(2026, 1, 1))
    assert png is not None and png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_no_history_gives_no_picture():
    assert render_timeline_png([]) is None
