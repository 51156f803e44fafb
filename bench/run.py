"""The benchmark itself: ``python -m bench [--quick] [--json PATH]``. See bench/README.md."""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import logging
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import feedparser

from bot.analysis.dedup import fingerprint
from bot.config import load_watchlist
from bot.core.app import App
from bot.core.views import status_report, status_text
from bot.ingest.parse import FEEDPARSER_OPTIONS
from bot.store import Database

from .corpus import Feed, Generator
from .stages import Stages

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

TARGETS = {
    "pipeline_vs_floor": 0.5,  # whole pipeline at least half the speed of bare feedparser
    "cost_growth": 2.0,  # the last item of the largest store costs at most 2x that of 1,000
    "poll_304_seconds": 2.0,
    "status_p99_ms": 50.0,
    "peak_rss_mb": 200.0,
}


@dataclass(frozen=True)
class Sizes:
    feeds: int
    per_feed: int
    stores: tuple[int, ...]
    idle_feeds: int
    idle_per_feed: int
    status_calls: int
    repeats: int  # floor and empty-store pipeline runs (the best one counts)
    store_repeats: int  # runs per store size


FULL = Sizes(feeds=60, per_feed=50, stores=(1_000, 10_000, 100_000), idle_feeds=500,
             idle_per_feed=3, status_calls=300, repeats=3, store_repeats=2)
QUICK = Sizes(feeds=10, per_feed=20, stores=(100, 1_000), idle_feeds=50, idle_per_feed=2,
              status_calls=30, repeats=1, store_repeats=1)

RELEVANT_SHARE = 0.12  # of the articles put in the store beforehand
DUPLICATE_SHARE = 0.3  # of those relevant ones
STORE_DAYS = 365  # the stored articles' dates spread over the last year


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024, 1)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "ram_gb": ram_gb,
            "python": platform.python_version(), "platform": platform.platform(),
            "feedparser": feedparser.__version__, "sqlite": __import__("sqlite3").sqlite_version}


# -- the feed site ---------------------------------------------------------------------------

class Site:
    """The feeds written to a folder and served by ``bench.server`` in its own process."""

    def __init__(self, folder: Path, feeds: list[Feed]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.bodies: dict[str, bytes] = {}
        for feed in feeds:
            body = feed.rss()
            (folder / f"{feed.name}.xml").write_bytes(body)
            self.bodies[feed.name] = body
        self.folder = folder
        self.process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> Site:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(self.folder)], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"the feed server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{line.split()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- state -------------------------------------------------------------------------------------

def write_watchlist(folder: Path, base_url: str, feeds: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    # Generous timeouts: a busy machine must not turn a feed into a failure (bench/README.md).
    lines = ["allow_local: true", f"seeds: {SEEDS}", "poll:", "  timeout: 10m",
             "  connect_timeout: 10m", "feeds:"]
    for name in feeds:
        lines += [f"  - name: {name}", f"    url: {base_url}/{name}.xml"]
    lines += ["outputs:", "  - type: jsonl", "    path: digests.jsonl"]
    path = folder / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prefill(state: Path, count: int, generator: Generator) -> float:
    """Put ``count`` made-up earlier articles in a new store, in one transaction. Seconds taken."""
    started = time.perf_counter()
    db = Database.in_folder(state)
    rng = random.Random(count)
    now = generator.now.timestamp()
    added = "2025-01-01T00:00:00+00:00"
    relevant_ids: list[int] = []
    articles: list[tuple[Any, ...]] = []
    evidence: list[tuple[Any, ...]] = []
    seen: list[tuple[Any, ...]] = []

    def flush(conn: Any) -> None:
        conn.executemany(
            "INSERT INTO articles(id, key, kind, feed, title, url, source, published, added_at, "
            "body, relevant, status, duplicate_of, fingerprint) "
            "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", articles)
        conn.executemany(
            "INSERT INTO evidence(article_id, status, quote, rule, confidence) VALUES(?,?,?,?,?)",
            evidence)
        conn.executemany(
            "INSERT INTO seen_items(feed, identity, article_id, first_seen) VALUES(?,?,?,?)", seen)
        articles.clear()
        evidence.clear()
        seen.clear()

    with db.transaction() as conn:
        for article_id in range(1, count + 1):
            relevant = rng.random() < RELEVANT_SHARE
            title, body = generator.stored_article(relevant)
            published = datetime.fromtimestamp(now - rng.uniform(0, STORE_DAYS * 86400),
                                               timezone.utc).replace(microsecond=0).isoformat()
            feed = f"archive-{article_id % 40:02d}"
            identity = f"id:archive-{article_id}"
            duplicate_of = None
            status = None
            if relevant:
                if relevant_ids and rng.random() < DUPLICATE_SHARE:
                    duplicate_of = rng.choice(relevant_ids[-50:])
                else:
                    relevant_ids.append(article_id)
                status = rng.choice(("drafting", "drafting", "delayed"))
                evidence.append((article_id, status, body.split(". ")[0], "drafting_work", 0.7))
                print_ = fingerprint(title, [body]).to_text()
            else:
                print_ = title.lower()
            articles.append((article_id, f"feed:{feed}:{identity}", "feed", feed, title,
                             f"https://archive.example.org/{article_id}", "Archive", published,
                             added, body, int(relevant), status, duplicate_of, print_))
            seen.append((feed, identity, article_id, added))
            if len(articles) >= 5000:
                flush(conn)
        flush(conn)
    with db.transaction() as conn:
        conn.execute("ANALYZE")  # what a store that has been running would have
    db.close()
    return time.perf_counter() - started


# -- measurements ------------------------------------------------------------------------------

# How bot/ingest/parse.py calls feedparser: it strips all HTML itself, so it turns off feedparser's
# sanitizer and its link resolution inside HTML content.
BOT_PARSE_OPTIONS = FEEDPARSER_OPTIONS


def measure_floor(bodies: list[bytes], **options: Any) -> dict[str, Any]:
    """Bare feedparser.parse on the very bodies the pipeline reads: with feedparser's defaults
    (the floor of the target), or with ``options`` (BOT_PARSE_OPTIONS: as the bot calls it)."""
    headers = {"content-type": "application/rss+xml; charset=utf-8"}
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    items = 0
    for body in bodies:
        items += len(feedparser.parse(io.BytesIO(body), response_headers=headers,
                                      **options).entries)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    return {"items": items, "seconds": round(wall, 4), "cpu_seconds": round(cpu, 4),
            "items_per_s": round(items / wall, 1), "us_per_item": round(wall / items * 1e6, 1),
            "cpu_us_per_item": round(cpu / items * 1e6, 1)}


async def measure_cycle(folder: Path, base_url: str, feeds: list[str], *,
                        template: Path | None = None, keep: bool = False) -> dict[str, Any]:
    """One App.cycle over ``feeds``, on a copy of the store in ``template`` (else a new one)."""
    if folder.exists():
        shutil.rmtree(folder)
    state = folder / "state"
    if template is not None:
        shutil.copytree(template, state)
    watchlist = load_watchlist(write_watchlist(folder, base_url, feeds))
    app = App(watchlist, state, console_stream=io.StringIO())
    await app.start()
    try:
        assert app.db is not None
        before = app.db.counts()["articles"]
        await app.cycle(feeds=[])  # the seeds and the baseline status, not measured
        gc.collect()
        stages = Stages()
        with stages:
            cpu = time.process_time()
            started = time.perf_counter()
            report = await app.cycle(respect_backoff=False)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu
        failed = [p for p in report.polls if not p.ok]
        if failed:
            raise RuntimeError(f"{len(failed)} feed(s) failed, e.g. {failed[0].error}")
        items = sum(p.new_items for p in report.polls)
        counts = app.db.counts()
    finally:
        await app.close()
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    shown = stages.exclusive(wall)
    return {
        "store_before": before,
        "items": items,
        "relevant": sum(p.relevant_items for p in report.polls),
        "new_stories": sum(len(p.new_stories) for p in report.polls),
        "seconds": round(wall, 4),
        "cpu_seconds": round(cpu, 4),
        "items_per_s": round(items / wall, 1) if wall else None,
        "us_per_item": round(wall / items * 1e6, 1) if items else None,
        "cpu_us_per_item": round(cpu / items * 1e6, 1) if items else None,
        "stages": {
            label: {"seconds": round(seconds, 4),
                    "us_per_item": round(seconds / items * 1e6, 1) if items else None,
                    "share": round(seconds / wall, 3) if wall else None}
            for label, seconds in shown.items()
        },
        "store_after": counts,
    }


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["runs"] = len(runs)
    best["runs_items_per_s"] = [r["items_per_s"] for r in runs]
    return best


async def measure_304(folder: Path, base_url: str, feeds: list[str]) -> dict[str, Any]:
    """A second cycle of ``feeds`` (all unchanged: 304) through App.cycle, on the given store."""
    state = folder / "state"
    watchlist = load_watchlist(write_watchlist(folder, base_url, feeds))
    app = App(watchlist, state, console_stream=io.StringIO())
    await app.start()
    try:
        first = await app.cycle(respect_backoff=False)
        if any(not p.ok for p in first.polls):
            raise RuntimeError("a feed failed in the first cycle of the 304 measurement")
        gc.collect()
        stages = Stages()
        with stages:
            started = time.perf_counter()
            second = await app.cycle(respect_backoff=False)
            wall = time.perf_counter() - started
        assert app.db is not None
        articles = app.db.counts()["articles"]
    finally:
        await app.close()
    not_modified = sum(1 for p in second.polls if p.not_modified)
    return {
        "feeds": len(feeds),
        "not_modified": not_modified,
        "store_articles": articles,
        "first_cycle_items": sum(p.new_items for p in first.polls),
        "seconds": round(wall, 4),
        "stages": {label: round(seconds, 4) for label, seconds in stages.exclusive(wall).items()},
    }


def measure_status(state: Path, calls: int) -> dict[str, Any]:
    """``/treaty status``: status_report + status_text, as the slash command handlers call them."""
    db = Database.in_folder(state)
    try:
        topic = "Russia–Iran Treaty on Comprehensive Strategic Partnership"
        for _ in range(5):
            status_text(status_report(db, topic))
        times = []
        for _ in range(calls):
            started = time.perf_counter()
            text = status_text(status_report(db, topic))
            times.append((time.perf_counter() - started) * 1000)
        articles = db.counts()["articles"]
    finally:
        db.close()
    times.sort()

    def pct(p: float) -> float:
        return round(times[min(len(times) - 1, int(round(p / 100 * (len(times) - 1))))], 3)

    return {"store_articles": articles, "calls": calls, "p50_ms": pct(50), "p99_ms": pct(99),
            "max_ms": round(times[-1], 3), "mean_ms": round(statistics.fmean(times), 3),
            "text_lines": len(text.splitlines())}


# -- the run -----------------------------------------------------------------------------------

async def run(quick: bool, work: Path, log: Any = print) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    generator = Generator()
    feeds = generator.feeds(sizes.feeds, sizes.per_feed, prefix="feed")
    idle = Generator(seed=7).feeds(sizes.idle_feeds, sizes.idle_per_feed, prefix="idle",
                                   treaty_share=0.02)
    results: dict[str, Any] = {"mode": "quick" if quick else "full", "machine": machine(),
                               "targets": {}}
    site = Site(work / "site", feeds + idle)
    names = [f.name for f in feeds]
    bodies = [site.bodies[n] for n in names]
    total_items = sum(len(f.items) for f in feeds)
    results["corpus"] = {
        "feeds": len(feeds), "items": total_items,
        "treaty_items": sum(1 for f in feeds for i in f.items if i.treaty),
        "bytes": sum(len(b) for b in bodies),
    }
    with site:
        # floor and pipeline in turns, best of each: a busy machine slows both alike
        log(f"corpus: {total_items} items in {len(feeds)} feeds; the floor (bare feedparser) "
            f"and the pipeline on an empty store, {sizes.repeats} time(s) each...")
        await measure_cycle(work / "warm-up", site.base_url, names[:2])
        floors, same_options, runs = [], [], []
        for repeat in range(sizes.repeats):
            floors.append(measure_floor(bodies))
            same_options.append(measure_floor(bodies, **BOT_PARSE_OPTIONS))
            runs.append(await measure_cycle(work / f"pipeline-{repeat}", site.base_url, names))
        results["floor"] = _best(floors)
        results["floor_bot_options"] = {**_best(same_options), "options": BOT_PARSE_OPTIONS}
        results["pipeline"] = _best(runs)

        results["scaling"] = []
        largest = work / f"store-{sizes.stores[-1]}"
        for size in sizes.stores:
            log(f"pipeline on a store of {size:,} articles...")
            template = work / f"template-{size}"
            seconds = prefill(template, size, Generator(seed=size))
            runs = []
            for repeat in range(sizes.store_repeats):
                last = repeat == sizes.store_repeats - 1
                runs.append(await measure_cycle(
                    largest if last and size == sizes.stores[-1] else work / f"store-{size}",
                    site.base_url, names, template=template,
                    keep=last and size == sizes.stores[-1],
                ))
            shutil.rmtree(template, ignore_errors=True)
            row = _best(runs)
            row["prefill_seconds"] = round(seconds, 2)
            results["scaling"].append(row)

        log(f"poll cycle of {len(idle)} unchanged feeds (304)...")
        results["poll_304"] = await measure_304(largest, site.base_url, [f.name for f in idle])

    log("status command latency...")
    results["status"] = measure_status(largest / "state", sizes.status_calls)
    results["peak_rss_mb"] = {"store_articles": results["status"]["store_articles"],
                              "mb": peak_rss_mb()}
    shutil.rmtree(largest, ignore_errors=True)

    floor = results["floor"]
    pipe = results["pipeline"]
    scaling = results["scaling"]
    vs_floor = pipe["items_per_s"] / floor["items_per_s"]
    growth = scaling[0]["items_per_s"] / scaling[-1]["items_per_s"]
    results["pipeline"]["vs_floor"] = round(vs_floor, 3)
    results["pipeline"]["vs_floor_cpu"] = round(
        floor["cpu_us_per_item"] / pipe["cpu_us_per_item"], 3)
    # the stricter comparison: feedparser doing only what the bot asks of it
    results["pipeline"]["vs_floor_bot_options"] = round(
        pipe["items_per_s"] / results["floor_bot_options"]["items_per_s"], 3)
    results["targets"] = {
        "pipeline_vs_floor": {"value": round(vs_floor, 3), "target": ">= 0.5",
                              "met": vs_floor >= TARGETS["pipeline_vs_floor"]},
        "cost_growth": {"value": round(growth, 3),
                        "target": f"<= 2 ({scaling[-1]['store_before']:,} vs "
                                  f"{scaling[0]['store_before']:,} stored)",
                        "met": growth <= TARGETS["cost_growth"]},
        "poll_304_seconds": {"value": results["poll_304"]["seconds"], "target": "< 2",
                             "met": results["poll_304"]["seconds"] < TARGETS["poll_304_seconds"]},
        "status_p99_ms": {"value": results["status"]["p99_ms"], "target": "< 50",
                          "met": results["status"]["p99_ms"] < TARGETS["status_p99_ms"]},
        "peak_rss_mb": {"value": results["peak_rss_mb"]["mb"], "target": "< 200",
                        "met": results["peak_rss_mb"]["mb"] < TARGETS["peak_rss_mb"]},
    }
    return results


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    corpus = results["corpus"]
    pipe = results["pipeline"]
    floor = results["floor"]
    same = results["floor_bot_options"]
    lines = [
        f"treatybot bench ({results['mode']}): {m['cpus']} CPU(s) {m['cpu']}, "
        f"{m['ram_gb']} GB RAM, Python {m['python']}, feedparser {m['feedparser']}, "
        f"SQLite {m['sqlite']}",
        f"corpus: {corpus['items']:,} items ({corpus['treaty_items']} on the treaty) in "
        f"{corpus['feeds']} feeds, {corpus['bytes'] / 1024:.0f} KB",
        "",
        f"{'':<34}{'items/s':>10}{'µs/item':>10}{'CPU µs/item':>13}",
        f"{'end to end (empty store)':<34}{pipe['items_per_s']:>10,.0f}"
        f"{pipe['us_per_item']:>10,.0f}{pipe['cpu_us_per_item']:>13,.0f}",
        f"{'bare feedparser.parse (floor)':<34}{floor['items_per_s']:>10,.0f}"
        f"{floor['us_per_item']:>10,.0f}{floor['cpu_us_per_item']:>13,.0f}",
        f"{'feedparser.parse (bot options)':<34}{same['items_per_s']:>10,.0f}"
        f"{same['us_per_item']:>10,.0f}{same['cpu_us_per_item']:>13,.0f}",
        f"pipeline / floor: {pipe['vs_floor']:.2f} by wall time, {pipe['vs_floor_cpu']:.2f} by CPU "
        f"time (best of {pipe['runs']}; {pipe['relevant']} relevant items, "
        f"{pipe['new_stories']} new stories)",
        f"pipeline / feedparser as the bot calls it (no sanitizer, no relative links in HTML): "
        f"{pipe['vs_floor_bot_options']:.2f}",
        "",
        f"  {'stage':<32}{'µs/item':>9}{'share':>8}",
    ]
    for label, stage in pipe["stages"].items():
        lines.append(f"  {label:<32}{stage['us_per_item']:>9,.1f}{stage['share'] * 100:>7.1f}%")
    lines += ["", f"  {'articles stored before':<24}{'items/s':>10}{'µs/item':>10}"
              f"{'dedup µs':>10}{'decide ms':>11}"]
    for row in results["scaling"]:
        lines.append(
            f"  {row['store_before']:<24,}{row['items_per_s']:>10,.0f}{row['us_per_item']:>10,.0f}"
            f"{row['stages']['dedup search']['us_per_item']:>10,.1f}"
            f"{row['stages']['decide status']['seconds'] * 1000:>11,.1f}"
        )
    p = results["poll_304"]
    s = results["status"]
    lines += [
        "",
        f"poll cycle, {p['feeds']} unchanged feeds: {p['seconds']:.3f} s "
        f"({p['not_modified']} answered 304; store of {p['store_articles']:,} articles)",
        f"/treaty status at {s['store_articles']:,} articles: p50 {s['p50_ms']:.2f} ms, "
        f"p99 {s['p99_ms']:.2f} ms ({s['calls']} calls)",
        f"peak RSS: {results['peak_rss_mb']['mb']:.0f} MB (store of "
        f"{results['peak_rss_mb']['store_articles']:,} articles)",
        "",
        "targets:",
    ]
    for name, t in results["targets"].items():
        lines.append(f"  {name:<20}{t['value']!s:>10}  {t['target']:<34}"
                     f"{'met' if t['met'] else 'MISSED'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes (a smoke run well under a minute)")
    parser.add_argument("--json", type=Path, default=Path("bench-results.json"),
                        help="where to write the results (default: bench-results.json)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the feeds and stores (default: a temporary folder)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="treatybot-bench-") as tmp:
        work = args.work or Path(tmp)
        results = asyncio.run(run(args.quick, work, log))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    print(table(results))
    print(f"\nresults written to {args.json}")
    return 0
