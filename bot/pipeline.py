"""The analysis path every article takes, seed or feed item:

clean → relevance → dedup → classify → store → decide status → digest (into the outbox).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .classify import Finding, SentenceClassifier
from .db import Database
from .decide import Decision, DecisionSettings, decide, timeline
from .dedup import Fingerprint, fingerprint, is_near_duplicate
from .digest import baseline_digest, status_change_digest
from .models import Digest, Evidence, FeedItem
from .relevance import TopicMatcher
from .seeds import load_seeds
from .text import split_sentences
from .topic import Topic

log = logging.getLogger(__name__)

BASELINE_KEY = "baseline"


@dataclass
class Analysis:
    relevant: bool
    reason: str
    findings: list[tuple[str, Finding]]  # (sentence, finding)
    fingerprint: Fingerprint

    @property
    def status(self) -> str | None:
        usable = [f for _, f in self.findings if not f.contested]
        if not usable:
            return None
        return max(usable, key=lambda f: f.sort_key).status.value


class Analyzer:
    """Pure text analysis of one article for one topic."""

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.matcher = TopicMatcher(topic)
        self.classifier = SentenceClassifier(self.matcher)

    def analyze(self, title: str, paragraphs: list[str]) -> Analysis:
        relevance = self.matcher.article_relevance(title, paragraphs)
        print_ = fingerprint(title, paragraphs)
        if not relevance.relevant:
            return Analysis(False, relevance.reason, [], print_)
        findings: list[tuple[str, Finding]] = []
        sentences = [(title, True)] + [(s, False) for p in paragraphs for s in split_sentences(p)]
        seen: set[str] = set()
        for sentence, is_headline in sentences:
            if sentence in seen:
                continue
            seen.add(sentence)
            finding = self.classifier.classify(
                sentence, in_treaty_article=True, is_headline=is_headline
            )
            if finding is not None:
                findings.append((sentence, finding))
        return Analysis(True, relevance.reason, findings, print_)


@dataclass
class IngestResult:
    article_id: int
    relevant: bool
    duplicate_of: int | None
    status: str | None


@dataclass
class SeedReport:
    loaded: int = 0
    notes: list[str] = field(default_factory=list)


class Engine:
    """Ties the analyzer to the state database and decides the status."""

    def __init__(self, db: Database, topic: Topic, settings: DecisionSettings,
                 outputs: list[str]) -> None:
        self.db = db
        self.topic = topic
        self.settings = settings
        self.outputs = outputs
        self.analyzer = Analyzer(topic)

    # -- ingest ------------------------------------------------------------------------
    def _find_original(self, print_: Fingerprint, published: str | None) -> int | None:
        for candidate in self.db.dedup_candidates(published):
            if is_near_duplicate(print_, Fingerprint.from_text(candidate.fingerprint)):
                return candidate.duplicate_of or candidate.id
        return None

    def ingest(self, *, key: str, kind: str, title: str, paragraphs: list[str], source: str,
               url: str | None = None, path: str | None = None, published: str | None = None,
               date_note: str | None = None, feed: str | None = None,
               seen: tuple[str, str] | None = None) -> IngestResult:
        analysis = self.analyzer.analyze(title, paragraphs)
        duplicate_of = None
        if analysis.relevant:
            duplicate_of = self._find_original(analysis.fingerprint, published)
        evidence = [
            Evidence(
                status=f.status, quote=sentence, rule=f.rule, confidence=f.confidence,
                title=title, url=url or path, source=source, published=published,
                party=f.party, retrospective=f.retrospective, contested=f.contested,
            )
            for sentence, f in analysis.findings
        ]
        article_id = self.db.add_article(
            key=key, kind=kind, title=title, source=source, body="\n\n".join(paragraphs),
            relevant=analysis.relevant, fingerprint=analysis.fingerprint.to_text(),
            evidence=evidence, status=analysis.status, duplicate_of=duplicate_of, feed=feed,
            url=url, path=path, published=published, date_note=date_note, seen=seen,
        )
        log.debug("stored %s relevant=%s status=%s dup=%s", key, analysis.relevant,
                  analysis.status, duplicate_of)
        return IngestResult(article_id, analysis.relevant, duplicate_of, analysis.status)

    def ingest_item(self, item: FeedItem) -> IngestResult:
        paragraphs = [p for p in [item.summary] if p]
        return self.ingest(
            key=f"feed:{item.feed}:{item.identity}", kind="feed", title=item.title,
            paragraphs=paragraphs, source=item.source, url=item.url,
            published=item.published, feed=item.feed, seen=(item.feed, item.identity),
        )

    def load_seeds(self, folder) -> SeedReport:  # noqa: ANN001 - a Path
        report = SeedReport()
        for seed in load_seeds(folder):
            if self.db.has_article(seed.key):
                continue
            self.ingest(
                key=seed.key, kind="seed", title=seed.article.title,
                paragraphs=seed.article.paragraphs, source=seed.outlet,
                path=str(seed.path), published=seed.published, date_note=seed.date_note,
            )
            report.loaded += 1
            if seed.published is None:
                report.notes.append(f"{seed.path.name}: {seed.date_note}")
        return report

    # -- decide ------------------------------------------------------------------------
    def decide(self) -> Decision:
        return decide(self.db.evidence(), self.settings)

    def update_status(self, *, seed_notes: list[str] | None = None,
                      new_stories: list[dict] | None = None) -> Digest | None:
        """Decide the status; record a change and queue its digest. Returns the digest queued."""
        evidence = self.db.evidence()
        decision = decide(evidence, self.settings)
        current = self.db.current_status()
        counts = self.db.counts()
        if current is None:
            if decision.status is None and counts["articles"] == 0:
                return None
            history = timeline(evidence, self.settings)
            if history and history[-1].key == decision.key:
                history[-1] = decision  # the current status carries all its evidence to date
            for step in history:
                previous = self.db.current_status()
                self.db.add_status(
                    step.status.value, previous["status"] if previous else None, step.since,
                    step.party, [e.to_json() for e in step.evidence],
                )
            digest = baseline_digest(self.topic.name, decision, history, counts, seed_notes or [])
            if self.db.enqueue_digest(digest, self.outputs, once_key=BASELINE_KEY) is None:
                return None
            return digest
        if decision.status is None or decision.key == (current["status"], current["party"]):
            return None
        self.db.add_status(decision.status.value, current["status"], decision.since,
                           decision.party, [e.to_json() for e in decision.evidence])
        digest = status_change_digest(self.topic.name, current["status"], current["party"],
                                      decision, counts, new_stories or [])
        self.db.enqueue_digest(digest, self.outputs)
        return digest
