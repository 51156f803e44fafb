"""The analysis path every article takes, seed or feed item:

clean → relevance → dedup → classify → store → decide status → digest (into the outbox).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from bot.analysis.classify import Finding, SentenceClassifier
from bot.analysis.decide import LADDER, Decision, DecisionSettings, decide, timeline
from bot.analysis.dedup import Fingerprint, find_near_duplicate, fingerprint
from bot.analysis.eventdate import resolve_when
from bot.analysis.language import detect_language, is_read
from bot.analysis.relevance import TopicMatcher
from bot.config.topic import Topic
from bot.delivery.digests import baseline_digest, date_correction_digest, status_change_digest
from bot.ingest.seeds import load_seeds
from bot.models import Digest, Evidence, FeedItem
from bot.store import Database
from bot.text import split_sentences

log = logging.getLogger(__name__)

BASELINE_KEY = "baseline"
# the newest article when the last status digest was queued: the stories after it are "new"
STORIES_MARK = "stories_mark"
UNCONFIRMED = "unconfirmed"  # the reports of a step not confirmed yet (JSON evidence list)
MAX_SENTENCE_CHARS = 1000  # no real sentence is longer; a longer one is junk or an attack


@dataclass
class Analysis:
    relevant: bool
    reason: str
    findings: list[tuple[str, Finding]]  # (sentence, finding)
    # for the near-duplicate search, which looks at relevant articles only: None when irrelevant
    fingerprint: Fingerprint | None
    language: str | None = None  # as detected; None when too short to tell

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
        language = detect_language(" ".join([title, *paragraphs[:2]])[:1000])
        if not is_read(language):
            return Analysis(False, f"written in {language}, a language the bot does not read",
                            [], None, language)
        relevance = self.matcher.article_relevance(title, paragraphs)
        if not relevance.relevant:
            return Analysis(False, relevance.reason, [], None, language)
        print_ = fingerprint(title, paragraphs)
        findings: list[tuple[str, Finding]] = []
        # the classifier's cost grows with the square of a sentence's length: cap it
        sentences = [(title[:MAX_SENTENCE_CHARS], True)] + [
            (s[:MAX_SENTENCE_CHARS], False) for p in paragraphs for s in split_sentences(p)
        ]
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
        return Analysis(True, relevance.reason, findings, print_, language)


@dataclass
class IngestResult:
    article_id: int
    relevant: bool
    duplicate_of: int | None
    status: str | None
    language: str | None = None


@dataclass
class SeedReport:
    loaded: int = 0
    notes: list[str] = field(default_factory=list)


PRINT_CACHE_SIZE = 4096  # parsed fingerprints of stored originals kept for the dedup search


class Engine:
    """Ties the analyzer to the state database and decides the status."""

    def __init__(self, db: Database, topic: Topic, settings: DecisionSettings,
                 outputs: list[str], *, topic_id: str | None = None) -> None:
        self.db = db
        self.topic = topic
        # several topics in one bot: each digest says which (its facts' ``topic``)
        self.topic_id = topic_id
        # "ratified by both" means by every party of this topic
        # "ratified by both" means by every party of this topic; its official sources confirm
        self.settings = replace(settings, parties=tuple(topic.parties),
                                official_sources=tuple(topic.official_sources))
        self.outputs = outputs
        self.analyzer = Analyzer(topic)
        # stored fingerprints never change: each is read and parsed once (least recently used
        # ones dropped first)
        self._prints: OrderedDict[int, Fingerprint] = OrderedDict()
        self._prints_rollbacks = db.rollbacks
        # what the last update_status found nothing to do on (Database.last_ids)
        self._settled: tuple[int, int, int] | None = None
        # every piece of evidence, in Database.evidence() order; only new rows are read
        self._evidence: list[tuple[tuple[bool, str, int], Evidence]] = []
        self._evidence_upto = 0
        self._evidence_rollbacks = db.rollbacks

    # -- ingest ------------------------------------------------------------------------
    def _stored_prints(self, ids: list[int]) -> list[tuple[int, Fingerprint]]:
        cache = self._prints
        if self._prints_rollbacks != self.db.rollbacks:
            cache.clear()  # an article read before a rollback may be gone, its id reused
            self._prints_rollbacks = self.db.rollbacks
        missing = [i for i in ids if i not in cache]
        if missing:
            for article_id, text in self.db.fingerprints(missing).items():
                cache[article_id] = Fingerprint.from_text(text)
        found = []
        for article_id in ids:
            print_ = cache.get(article_id)
            if print_ is not None:
                cache.move_to_end(article_id)
                found.append((article_id, print_))
        while len(cache) > PRINT_CACHE_SIZE:
            cache.popitem(last=False)
        return found

    def _find_original(self, print_: Fingerprint, published: str | None,
                       status: str | None) -> int | None:
        """The stored original this article repeats: the newest near-duplicate among the
        relevant originals of its days that report the same step (a preview and the report of
        the event are two stories, however alike their words)."""
        candidates = self._stored_prints(self.db.dedup_candidate_ids(published, status=status))
        return find_near_duplicate(print_, candidates)

    def ingest(self, *, key: str, kind: str, title: str, paragraphs: list[str], source: str,
               url: str | None = None, path: str | None = None, published: str | None = None,
               date_note: str | None = None, feed: str | None = None,
               seen: tuple[str, str] | None = None) -> IngestResult:
        analysis = self.analyzer.analyze(title, paragraphs)
        duplicate_of = None
        if analysis.fingerprint is not None:
            duplicate_of = self._find_original(analysis.fingerprint, published, analysis.status)
        evidence = [
            Evidence(
                status=f.status, quote=sentence, rule=f.rule, confidence=f.confidence,
                title=title, url=url or path, source=source, published=published,
                party=f.party, retrospective=f.retrospective, contested=f.contested,
                occurred=resolve_when(f.when, published),
            )
            for sentence, f in analysis.findings
        ]
        article_id = self.db.add_article(
            key=key, kind=kind, title=title, source=source, body="\n\n".join(paragraphs),
            relevant=analysis.relevant,
            # an irrelevant article is never a near-duplicate candidate: no fingerprint kept
            fingerprint=analysis.fingerprint.to_text() if analysis.fingerprint else "",
            evidence=evidence, status=analysis.status, duplicate_of=duplicate_of, feed=feed,
            url=url, path=path, published=published, date_note=date_note, seen=seen,
            language=analysis.language,
        )
        log.debug("stored %s relevant=%s status=%s dup=%s", key, analysis.relevant,
                  analysis.status, duplicate_of)
        return IngestResult(article_id, analysis.relevant, duplicate_of, analysis.status,
                            analysis.language)

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
    def evidence(self) -> list[Evidence]:
        """``Database.evidence()``, kept up to date by reading only the rows added since."""
        last = self.db.last_evidence_id()
        if self._evidence_rollbacks != self.db.rollbacks or last < self._evidence_upto:
            # rows read before a rollback may be gone (and their ids reused): read all again
            self._evidence, self._evidence_upto = [], 0
            self._evidence_rollbacks = self.db.rollbacks
        if last > self._evidence_upto:
            new = self.db.evidence_since(self._evidence_upto)
            if self._evidence:
                self._evidence = sorted(self._evidence + new, key=lambda pair: pair[0])
            else:
                self._evidence = new
            self._evidence_upto = max([last, *(key[2] for key, _ in new)])
        return [e for _, e in self._evidence]

    def decide(self) -> Decision:
        return decide(self.evidence(), self.settings)

    def update_status(self, *, seed_notes: list[str] | None = None,
                      new_stories: list[dict] | None = None) -> Digest | None:
        """Decide the status; record a change and queue its digest. Returns the digest queued.

        ``new_stories``: for a state made before the stories mark was kept; otherwise the
        digest lists every relevant story stored since the last status digest."""
        marks = self.db.last_ids()
        if marks == self._settled:
            return None  # no article and no status since the last call that changed nothing
        result = self._update_status(seed_notes=seed_notes, new_stories=new_stories)
        self._settled = marks if result is None and marks[1] else None
        return result

    def _update_status(self, *, seed_notes: list[str] | None,
                       new_stories: list[dict] | None) -> Digest | None:
        evidence = self.evidence()
        decision = decide(evidence, self.settings)
        self._keep_unconfirmed(decision)
        current = self.db.current_status()
        counts = self.db.counts()
        if current is None:
            if decision.status is None and counts["articles"] == 0:
                return None
            history = timeline(evidence, self.settings)
            if history and history[-1].key == decision.key:
                history[-1] = decision  # the current status carries all its evidence to date
            digest = baseline_digest(self.topic.name, decision, history, counts, seed_notes or [],
                                     self.topic.party_labels())
            self.tag(digest)
            with self.db.batch():  # the history and its digest: both, or neither
                previous_status = None
                for step in history:
                    assert step.status is not None  # the timeline holds reached stages only
                    self.db.add_status(step.status.value, previous_status, step.since,
                                       step.party, [e.to_json() for e in step.evidence],
                                       corrects=step.corrects)
                    previous_status = step.status.value
                if self.db.enqueue_digest(digest, self.outputs, once_key=BASELINE_KEY) is None:
                    return None
                self.db.set_value(STORIES_MARK, str(self.db.last_ids()[0]))
            return digest
        if decision.status is None:
            return None
        if decision.key == (current["status"], current["party"]):
            return self._correct_date(decision, current["since"], counts)
        mark = self.db.get_value(STORIES_MARK)
        if mark is not None:  # every relevant story since the last status digest
            new_stories = self.db.stories_after(int(mark))
        digest = status_change_digest(self.topic.name, current["status"], current["party"],
                                      decision, counts, new_stories or [],
                                      self.topic.party_labels())
        self.tag(digest)
        with self.db.batch():  # the status, its digest and the mark: all, or none
            self.db.add_status(decision.status.value, current["status"], decision.since,
                               decision.party, [e.to_json() for e in decision.evidence])
            self.db.enqueue_digest(digest, self.outputs)
            self.db.set_value(STORIES_MARK, str(self.db.last_ids()[0]))
        return digest

    def _keep_unconfirmed(self, decision: Decision) -> None:
        """The reports not confirmed yet, for the views (``status --json``: ``unconfirmed``)."""
        text = json.dumps([e.to_json() for e in decision.unconfirmed], ensure_ascii=False,
                          sort_keys=True)
        if (self.db.get_value(UNCONFIRMED) or "[]") != text:
            self.db.set_value(UNCONFIRMED, text)

    def _correct_date(self, decision: Decision, since: str | None,
                      counts: dict[str, int]) -> Digest | None:
        """A better-dated report moved the day the current step happened: record and post it."""
        if decision.status not in LADDER or not decision.since or decision.since == since:
            return None
        assert decision.status is not None
        digest = date_correction_digest(self.topic.name, decision, since, counts,
                                        self.topic.party_labels())
        self.tag(digest)
        with self.db.batch():
            self.db.add_status(decision.status.value, decision.status.value, decision.since,
                               decision.party, [e.to_json() for e in decision.evidence],
                               corrects=since)
            self.db.enqueue_digest(digest, self.outputs)
        return digest

    def tag(self, digest: Digest) -> None:
        """With several topics, the digest's facts say which one it is about."""
        if self.topic_id is not None:
            digest.facts["topic"] = self.topic_id
