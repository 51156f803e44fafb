"""Replay labelled real reports through the engine, as a running bot would have seen them.

A replay file (``tests/data/real/``) holds real reports, each labelled with what it reports
(``event``) and the status a correct bot holds after reading it (``expect_status_after``,
``expect_since``). The reports are read one publication day at a time, in order; after each day
the status is judged against the label:

    ok           the label's status (and, for signed and later, its ``since``)
    unconfirmed  one step behind, with the label's step shown as reported, not yet confirmed
    misdated     the right step, another day
    early        a step the label has not reached: the worst error
    wrong        anything else (drafting for delayed, a step missing without a report of it)

``treatybot eval --replay FILE...`` prints the days that are not ok and how many articles were
read as their label says; the tests hold the replays to it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

from bot.analysis.decide import Decision, DecisionSettings
from bot.config.topic import ALL_PARTIES, Topic
from bot.core.engine import Engine
from bot.ingest.html import html_to_text
from bot.store import Database

# what an article labelled with an event should be read as (None: not scored)
_PRE_SIGNING = frozenset({None, "drafting", "delayed"})
EVENT_READINGS: dict[str, frozenset[str | None] | None] = {
    "signed": frozenset({"signed"}),
    "ratified": frozenset({"ratified"}),
    "in_force": frozenset({"in_force"}),
    "plan": frozenset({None, "drafting"}),
    "drafting": frozenset({None, "drafting"}),
    "delay": frozenset({"delayed"}),
    "denial": _PRE_SIGNING,
    "lookalike": _PRE_SIGNING,
    "other_document": _PRE_SIGNING,
    "unrelated": _PRE_SIGNING,
    "provision": _PRE_SIGNING,
    "retrospective": None,
    "claim": None,
}
VERDICTS = ("ok", "unconfirmed", "misdated", "early", "wrong")
_RANK = {None: 0, "drafting": 0, "delayed": 0, "signed": 1, "ratified": 2, "in_force": 4}

Held = tuple[str | None, str | None]  # (status, party)


def rank(held: Held) -> float:
    """How far up the ladder: ratified by every party is above ratified by one."""
    status, party = held
    return _RANK.get(status, 0) + (1 if status == "ratified" and party == ALL_PARTIES else 0)


def held(decision: Decision) -> Held:
    status = decision.status.value if decision.status else None
    return status, decision.party if status in ("ratified", "in_force") else None


def judge(expected: Held, got: Held, since: str | None, expected_since: str | None,
          unconfirmed: Iterable[Held]) -> str:
    """One of ``VERDICTS`` for a day (see the module docstring)."""
    if rank(got) > rank(expected):
        return "early"
    if got == expected:
        if got[0] not in _PRE_SIGNING and expected_since and since != expected_since:
            return "misdated"
        return "ok"
    claims = set(unconfirmed)
    if rank(got) < rank(expected) and (expected in claims or (
            expected[0] == "ratified" and any(c[0] == "ratified" for c in claims))):
        return "unconfirmed"
    return "wrong"


@dataclass
class DayResult:
    day: str
    expected: Held
    expected_since: str | None
    got: Held
    since: str | None
    unconfirmed: list[Held]
    verdict: str
    last_title: str

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "expected": list(self.expected),
                "expected_since": self.expected_since, "got": list(self.got),
                "since": self.since, "unconfirmed": [list(u) for u in self.unconfirmed],
                "verdict": self.verdict, "last_title": self.last_title}


@dataclass
class ArticleResult:
    published: str
    url: str
    title: str
    event: str
    read_as: str | None
    relevant: bool
    language: str | None
    agrees: bool | None  # None: not scored (a look back, a claim) or not read

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ReplayReport:
    days: list[DayResult] = field(default_factory=list)
    articles: list[ArticleResult] = field(default_factory=list)

    def verdicts(self) -> dict[str, int]:
        return {v: sum(1 for d in self.days if d.verdict == v) for v in VERDICTS}

    def agreement(self) -> tuple[int, int]:
        """(articles read as labelled, articles scored)."""
        scored = [a for a in self.articles if a.agrees is not None]
        return sum(1 for a in scored if a.agrees), len(scored)

    def to_json(self) -> dict[str, Any]:
        agreed, scored = self.agreement()
        return {"days": len(self.days), "verdicts": self.verdicts(),
                "articles": {"scored": scored, "agree": agreed,
                             "not_read": sum(1 for a in self.articles if not a.relevant
                                             and a.language not in (None, "en"))},
                "wrong_days": [d.to_json() for d in self.days if d.verdict != "ok"],
                "disagreements": [a.to_json() for a in self.articles if a.agrees is False]}

    def text(self) -> str:
        agreed, scored = self.agreement()
        counts = ", ".join(f"{n} {v}" for v, n in self.verdicts().items() if n)
        lines = [f"{len(self.days)} days replayed: {counts}",
                 f"articles read as labelled: {agreed} of {scored}"]
        for d in self.days:
            if d.verdict != "ok":
                lines.append(f"  {d.day} {d.verdict:11} got {_show(d.got)} since {d.since}, "
                             f"expected {_show(d.expected)} since {d.expected_since}"
                             f"  ({d.last_title[:70]})")
        for a in self.articles:
            if a.agrees is False:
                lines.append(f"  article {a.published} [{a.event}] read as {a.read_as}: "
                             f"{a.title[:80]}")
        return "\n".join(lines)


def _show(h: Held) -> str:
    return f"{h[0]}" + (f" ({h[1]})" if h[1] else "")


def load_reports(paths: Iterable[Path]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The reports of every file, in publication order (a link read once), and the ``topic``
    section the first file that has one gives (None: the default topic)."""
    reports: list[dict[str, Any]] = []
    topic: dict[str, Any] | None = None
    seen: set[str] = set()
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        topic = topic or data.get("topic")
        for report in data["reports"]:
            if report["url"] not in seen:
                seen.add(report["url"])
                reports.append(report)
    reports.sort(key=lambda r: r["published"])  # stable: each file's order within a day
    return reports, topic


def replay(reports: list[dict[str, Any]], topic: Topic,
           settings: DecisionSettings | None = None) -> ReplayReport:
    """Read ``reports`` day by day into a fresh state and judge the status after each day."""
    result = ReplayReport()
    with tempfile.TemporaryDirectory(prefix="treatybot-replay-") as folder:
        db = Database(Path(folder) / "replay.sqlite3")
        try:
            engine = Engine(db, topic, settings or DecisionSettings(), [])
            for day, group in groupby(reports, key=lambda r: r["published"]):
                batch = list(group)
                for report in batch:
                    result.articles.append(_read(engine, report))
                decision = engine.decide()
                last = batch[-1]
                expected = (last["expect_status_after"][0], last["expect_status_after"][1])
                got = held(decision)
                claims = [held(Decision(e.status, party=e.party)) for e in decision.unconfirmed]
                claims = [(s, p if s in ("ratified", "in_force") else None) for s, p in claims]
                since = decision.since
                verdict = judge(expected, got, since, last.get("expect_since"), claims)
                result.days.append(DayResult(day, expected, last.get("expect_since"), got, since,
                                             claims, verdict, last["title"]))
        finally:
            db.close()
    return result


def _read(engine: Engine, report: dict[str, Any]) -> ArticleResult:
    # as a feed item gives it: plain text, whitespace collapsed (bot.ingest.parse)
    title, text = html_to_text(report["title"]), html_to_text(report["text"])
    ingested = engine.ingest(key=f"replay:{report['url']}", kind="feed", title=title,
                             paragraphs=[text] if text else [], source=report["outlet"],
                             url=report["url"], published=report["published"])
    language = ingested.language
    expected = EVENT_READINGS.get(report.get("event") or "")
    read = ingested.relevant or language in (None, "en")
    agrees = None if expected is None or not read else ingested.status in expected
    return ArticleResult(report["published"], report["url"], report["title"],
                         report.get("event") or "?", ingested.status, ingested.relevant,
                         language, agrees)
