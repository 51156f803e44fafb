"""The benchmark runs (quick mode) and writes every section of its JSON. No timing is asserted:
the numbers depend on the machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_writes_every_section(tmp_path: Path):
    out = tmp_path / "bench.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "targets:" in run.stdout
    results = json.loads(out.read_text(encoding="utf-8"))

    assert results["mode"] == "quick"
    assert {"cpus", "cpu", "ram_gb", "python"} <= set(results["machine"])
    assert results["corpus"]["items"] > 0 and results["corpus"]["treaty_items"] > 0

    floor, pipeline = results["floor"], results["pipeline"]
    assert floor["items"] == pipeline["items"] == results["corpus"]["items"]
    assert results["floor_bot_options"]["items"] == floor["items"]
    assert pipeline["vs_floor_bot_options"] > 0
    assert floor["items_per_s"] > 0 and pipeline["items_per_s"] > 0
    assert pipeline["relevant"] > 0
    stages = pipeline["stages"]
    for stage in ("parse: feedparser.parse", "relevance", "dedup search", "classify",
                  "store (SQLite writes)", "decide status"):
        assert stage in stages and stages[stage]["seconds"] >= 0, stage

    scaling = results["scaling"]
    assert len(scaling) >= 2
    assert [row["store_before"] for row in scaling] == sorted(r["store_before"] for r in scaling)
    assert all(row["items"] == results["corpus"]["items"] and row["items_per_s"] > 0
               for row in scaling)

    poll = results["poll_304"]
    assert poll["feeds"] > 0 and poll["not_modified"] == poll["feeds"] and poll["seconds"] > 0

    status = results["status"]
    assert status["calls"] > 0 and 0 < status["p50_ms"] <= status["p99_ms"]
    assert status["store_articles"] >= scaling[-1]["store_before"]

    assert results["peak_rss_mb"]["mb"] > 0
    assert set(results["targets"]) == {"pipeline_vs_floor", "cost_growth", "poll_304_seconds",
                                       "status_p99_ms", "peak_rss_mb"}
    assert all(isinstance(t["met"], bool) for t in results["targets"].values())
