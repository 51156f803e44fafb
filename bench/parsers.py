"""feedparser against fastfeedparser: speed on the benchmark corpus, and whether fastfeedparser
keeps feedparser's titles, links and dates on feedparser's own well-formed test feeds.

    python -m bench.parsers [--corpus /work/shared/corpora/feedparser] [--json PATH]

fastfeedparser is not a dependency of the bot: ``pip install fastfeedparser`` to run this.
"""

from __future__ import annotations

import argparse
import calendar
import io
import json
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import feedparser

from bot.ingest.html import html_to_text

from .corpus import Generator

DEFAULT_CORPUS = Path("/work/shared/corpora/feedparser")


def _space(value: Any) -> str:
    return " ".join(str(value or "").split())


def _fp_date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc).isoformat()
            except (OverflowError, ValueError, OSError):
                return None
    return None


def _ffp_date(entry: Any) -> str | None:
    value = entry.get("published") or entry.get("updated")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def speed(repeats: int = 3) -> dict[str, Any]:
    import fastfeedparser

    bodies = [f.rss() for f in Generator().feeds(60, 50)]
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    result: dict[str, Any] = {}
    for name, parse in (
        ("feedparser", lambda b: feedparser.parse(io.BytesIO(b), response_headers=headers)),
        ("fastfeedparser", fastfeedparser.parse),
    ):
        best = None
        items = 0
        for _ in range(repeats):
            started = time.perf_counter()
            items = sum(len(parse(b)["entries"]) for b in bodies)
            elapsed = time.perf_counter() - started
            best = elapsed if best is None else min(best, elapsed)
        assert best is not None
        result[name] = {"items": items, "seconds": round(best, 4),
                        "items_per_s": round(items / best, 1)}
    result["speedup"] = round(result["fastfeedparser"]["items_per_s"]
                              / result["feedparser"]["items_per_s"], 2)
    return result


def fidelity(corpus: Path, examples: int = 8) -> dict[str, Any]:
    import fastfeedparser

    files = sorted(p for p in (corpus / "wellformed").rglob("*") if p.is_file())
    stats = {"files": len(files), "files_with_entries": 0, "raised": 0, "entry_count_differs": 0,
             "entries_compared": 0, "title_same": 0, "title_text_same": 0, "link_same": 0,
             "date_same": 0}
    mismatches: dict[str, list[dict[str, Any]]] = {"title": [], "title_text": [], "link": [],
                                                   "date": [], "raised": [], "entries": []}
    for path in files:
        body = path.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = feedparser.parse(io.BytesIO(body),
                                         response_headers={"content-type": "application/xml"})
        if not reference.entries:
            continue
        stats["files_with_entries"] += 1
        name = str(path.relative_to(corpus))
        try:
            other = fastfeedparser.parse(body)
        except Exception as exc:  # noqa: BLE001 - counted
            stats["raised"] += 1
            if len(mismatches["raised"]) < examples:
                mismatches["raised"].append({"file": name, "error": f"{type(exc).__name__}: "
                                                                    f"{str(exc)[:120]}"})
            continue
        entries = other.get("entries") or []
        if len(entries) != len(reference.entries):
            stats["entry_count_differs"] += 1
            if len(mismatches["entries"]) < examples:
                mismatches["entries"].append({"file": name, "feedparser": len(reference.entries),
                                              "fastfeedparser": len(entries)})
        for ref, got in zip(reference.entries, entries, strict=False):
            stats["entries_compared"] += 1
            pairs = {
                "title": (_space(ref.get("title")), _space(got.get("title"))),
                # what the bot keeps of a title: its plain text
                "title_text": (html_to_text(ref.get("title") or ""),
                               html_to_text(got.get("title") or "")),
                "link": (ref.get("link") or None, got.get("link") or None),
                "date": (_fp_date(ref), _ffp_date(got)),
            }
            for field, (want, have) in pairs.items():
                if want == have:
                    stats[f"{field}_same"] += 1
                elif len(mismatches[field]) < examples:
                    mismatches[field].append({"file": name, "feedparser": want,
                                              "fastfeedparser": have})
    compared = max(1, stats["entries_compared"])
    stats["title_same_share"] = round(stats["title_same"] / compared, 3)
    stats["title_text_same_share"] = round(stats["title_text_same"] / compared, 3)
    stats["link_same_share"] = round(stats["link_same"] / compared, 3)
    stats["date_same_share"] = round(stats["date_same"] / compared, 3)
    return {"stats": stats, "examples": mismatches}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parsers", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        import fastfeedparser  # noqa: F401
    except ImportError:
        print("fastfeedparser is not installed: pip install fastfeedparser", file=sys.stderr)
        return 2
    results = {"speed": speed()}
    if (args.corpus / "wellformed").is_dir():
        results["fidelity"] = fidelity(args.corpus)
    s = results["speed"]
    print(f"corpus speed: feedparser {s['feedparser']['items_per_s']:,.0f} items/s, "
          f"fastfeedparser {s['fastfeedparser']['items_per_s']:,.0f} items/s "
          f"(x{s['speedup']})")
    if "fidelity" in results:
        st = results["fidelity"]["stats"]
        print(f"well-formed test feeds: {st['files_with_entries']} with entries; fastfeedparser "
              f"raised on {st['raised']}, entry count differs on {st['entry_count_differs']}")
        print(f"  of {st['entries_compared']} entries: title same {st['title_same_share']:.1%} "
              f"(as plain text {st['title_text_same_share']:.1%}), "
              f"link same {st['link_same_share']:.1%}, date same {st['date_same_share']:.1%}")
        for field, rows in results["fidelity"]["examples"].items():
            for row in rows[:4]:
                print(f"  {field}: {json.dumps(row, ensure_ascii=False)[:200]}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
