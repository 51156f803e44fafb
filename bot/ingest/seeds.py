"""Load the baseline articles: the text files in the seeds folder and their metadata file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.errors import ConfigError, Problem
from bot.ingest.clean import CleanArticle, clean_page

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.yaml"
SEED_SUFFIXES = (".txt", ".md", ".html", ".htm")


@dataclass
class Seed:
    path: Path
    article: CleanArticle
    outlet: str
    published: str | None  # ISO date
    date_note: str  # how the date was found, or why it is unknown

    @property
    def key(self) -> str:
        return f"seed:{self.path.name}"


def _read_metadata(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = Problem(str(path), line, column, f"cannot read seed metadata: {exc}")
        raise ConfigError([problem]) from exc
    if not isinstance(data, dict):
        raise ConfigError([Problem(str(path), 1, 1, "seed metadata must map file names to facts")])
    return {str(k): (v or {}) for k, v in data.items()}


def load_seeds(folder: Path) -> list[Seed]:
    """Every seed article in ``folder``, cleaned, with its outlet and date."""
    if not folder.is_dir():
        log.warning("seeds folder %s does not exist; starting without a baseline", folder)
        return []
    metadata = _read_metadata(folder)
    seeds: list[Seed] = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SEED_SUFFIXES or path.name.lower() == "readme.md":
            continue
        facts = metadata.get(path.name, {})
        raw = path.read_text(encoding="utf-8", errors="replace")
        article = clean_page(raw, title=facts.get("title"))
        published, note = _date_of(facts, article)
        outlet = str(facts.get("outlet") or article.outlet_hint or "unknown outlet")
        if not facts:
            log.info("seed %s has no metadata; %s", path.name, note)
        seeds.append(Seed(path, article, outlet, published, note))
    return seeds


def _date_of(facts: dict[str, Any], article: CleanArticle) -> tuple[str | None, str]:
    value = facts.get("published")
    if isinstance(value, date):
        note = "approximate date from metadata" if facts.get("approximate") else "from metadata"
        return value.isoformat(), note
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()).isoformat(), "from metadata"
        except ValueError:
            pass
    if article.date_in_text is not None:
        return article.date_in_text.isoformat(), "date taken from the article text"
    return None, "date unknown: no metadata and the text states no date"
