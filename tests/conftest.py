from __future__ import annotations

from pathlib import Path

import pytest

from bot.clean import CleanArticle
from bot.seeds import load_seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds() -> dict[str, CleanArticle]:
    """The committed seed articles, cleaned, by their number ("000" ... "004")."""
    return {s.path.name[:3]: s.article for s in load_seeds(SEEDS)}
