"""Measure the sentence classifier against a labelled set (by default
``bot/analysis/data/status_eval.jsonl``, which ships with the package; see the README there)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.analysis.classify import SentenceClassifier
from bot.models import Status

LABELS = [s.value for s in Status] + ["none"]
EVAL_DATA = Path(__file__).resolve().parent / "data"  # the labelled sets, package data
DEFAULT_EVAL_FILE = EVAL_DATA / "status_eval.jsonl"
HOLDOUT_EVAL_FILE = EVAL_DATA / "status_holdout.jsonl"  # written apart from the classifier


@dataclass
class EvalReport:
    total: int
    confusion: dict[str, Counter] = field(default_factory=dict)  # expected -> predicted counts
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def precision(self, label: str) -> float:
        predicted = sum(self.confusion[e][label] for e in self.confusion)
        return self.confusion.get(label, Counter())[label] / predicted if predicted else 1.0

    def recall(self, label: str) -> float:
        expected = sum(self.confusion.get(label, Counter()).values())
        return self.confusion[label][label] / expected if expected else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "accuracy": sum(self.confusion[x][x] for x in self.confusion) / max(1, self.total),
            "per_status": {
                label: {
                    "precision": round(self.precision(label), 4),
                    "recall": round(self.recall(label), 4),
                    "support": sum(self.confusion.get(label, Counter()).values()),
                }
                for label in LABELS
            },
            "confusion": {e: dict(self.confusion.get(e, Counter())) for e in LABELS},
            "mistakes": self.mistakes,
        }

    def table(self) -> str:
        lines = [f"{'status':<10} {'precision':>9} {'recall':>7} {'support':>8}"]
        for label in LABELS:
            support = sum(self.confusion.get(label, Counter()).values())
            lines.append(f"{label:<10} {self.precision(label):>9.3f} {self.recall(label):>7.3f} {support:>8}")
        lines += ["", "confusion (rows: expected, columns: predicted)"]
        lines.append(" " * 10 + "".join(f"{label[:8]:>9}" for label in LABELS))
        for expected in LABELS:
            row = self.confusion.get(expected, Counter())
            lines.append(f"{expected:<10}" + "".join(f"{row[p]:>9}" for p in LABELS))
        return "\n".join(lines)


def evaluate(path: Path = DEFAULT_EVAL_FILE, classifier: SentenceClassifier | None = None) -> EvalReport:
    classifier = classifier or SentenceClassifier()
    confusion: dict[str, Counter] = {label: Counter() for label in LABELS}
    mistakes: list[dict[str, Any]] = []
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        total += 1
        finding = classifier.classify(
            item["text"], in_treaty_article=item.get("context") == "treaty",
            is_headline=item.get("kind") == "headline",
        )
        predicted = finding.status.value if finding and not finding.contested else "none"
        expected = item.get("expected") or "none"
        confusion[expected][predicted] += 1
        if predicted != expected:
            mistakes.append({"text": item["text"], "expected": expected, "predicted": predicted,
                             "rule": finding.rule if finding else None, "trap": item.get("trap"),
                             "context": item.get("context")})
    return EvalReport(total, confusion, mistakes)
