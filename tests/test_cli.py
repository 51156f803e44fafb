"""The command-line contract, end to end: real processes, real SQLite files in tmp_path."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def treatybot(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A team folder: the committed seeds, a watchlist with a console and a jsonl output and
    one feed on a closed loopback port (fails politely, like the real feeds with no network)."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (tmp_path / "watchlist.yaml").write_text(
        "allow_local: true\n"
        "feeds:\n"
        "  - name: Dead feed\n"
        "    url: http://127.0.0.1:9/feed.xml\n"
        "outputs:\n"
        "  - type: console\n"
        "  - type: jsonl\n"
        "    path: out/digests.jsonl\n",
        encoding="utf-8",
    )
    return tmp_path


def test_first_run_prints_the_delayed_baseline_with_quoted_evidence(workdir: Path):
    result = treatybot("run", "--once", cwd=workdir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Treaty baseline: delayed" in out
    assert "DELAYED since 2024-04-03" in out
    assert "delayed for an uncertain period" in out  # April 2024, Kabulov
    assert "timeline may change" in out  # June 2024, Peskov
    assert "2024-04-03" in out and "2024-06-11" in out
    assert "feed Dead feed failed" in result.stderr
    assert (workdir / "state" / "treatybot.sqlite3").exists()


def test_baseline_is_posted_once_ever(workdir: Path):
    assert treatybot("run", "--once", cwd=workdir).returncode == 0
    second = treatybot("run", "--once", cwd=workdir)
    assert second.returncode == 0
    assert "baseline" not in second.stdout
    lines = (workdir / "out" / "digests.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["baseline"]


def test_jsonl_digest_follows_the_contract(workdir: Path):
    treatybot("run", "--once", cwd=workdir)
    record = json.loads((workdir / "out" / "digests.jsonl").read_text().splitlines()[0])
    for key in ("kind", "status", "previous", "text", "evidence", "created_at"):
        assert key in record
    assert record["status"] == "delayed" and record["previous"] is None
    assert record["evidence"][0]["quote"]


def test_status_json_follows_the_contract(workdir: Path):
    treatybot("run", "--once", cwd=workdir)
    result = treatybot("status", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    for key in ("topic", "status", "since", "updated_at", "articles", "sources", "evidence"):
        assert key in data
    assert data["status"] == "delayed" and data["since"] == "2024-04-03"
    assert data["articles"] == 5 and data["sources"] == 4
    for item in data["evidence"]:
        assert set(item) >= {"status", "quote", "title", "url", "source", "published"}
    assert {e["published"] for e in data["evidence"]} == {"2024-04-03", "2024-06-11"}


def test_history_json_lists_changes_oldest_first(workdir: Path):
    treatybot("run", "--once", cwd=workdir)
    data = json.loads(treatybot("history", "--json", cwd=workdir).stdout)
    assert [(h["status"], h["date"]) for h in data] == [("drafting", "2024-01-17"),
                                                        ("delayed", "2024-04-03")]
    assert all(h["evidence"] for h in data)


def test_sources_json_marks_the_rewrite_as_a_duplicate(workdir: Path):
    treatybot("run", "--once", cwd=workdir)
    data = json.loads(treatybot("sources", "--json", cwd=workdir).stdout)
    assert len(data) == 5
    for item in data:
        assert set(item) >= {"id", "title", "source", "published", "relevant", "status",
                             "duplicate_of"}
        assert "url" in item or "path" in item
    by_file = {Path(item["path"]).name[:3]: item for item in data}
    assert by_file["003"]["duplicate_of"] == by_file["001"]["id"]
    assert all(by_file[k]["duplicate_of"] is None for k in ("000", "001", "002", "004"))
    assert {k: v["status"] for k, v in by_file.items()} == {
        "000": "delayed", "001": "drafting", "002": "delayed", "003": "drafting",
        "004": "drafting"}


def test_state_and_watchlist_can_be_given_by_environment(workdir: Path, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    env = {**__import__("os").environ, "TREATYBOT_STATE": str(other / "st"),
           "TREATYBOT_WATCHLIST": str(workdir / "watchlist.yaml")}
    assert treatybot("run", "--once", cwd=other, env=env).returncode == 0
    assert (other / "st" / "treatybot.sqlite3").exists()


def test_seed_without_metadata_takes_its_date_from_the_text_or_says_unknown(tmp_path: Path):
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "002_655b4ba9bfca9600.txt", tmp_path / "seeds")  # "June 11, 2024"
    shutil.copy(ROOT / "seeds" / "004_8a000bb5904a3ed8.txt", tmp_path / "seeds")  # no date
    (tmp_path / "watchlist.yaml").write_text("outputs: [console]\n")
    result = treatybot("run", "--once", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "004_8a000bb5904a3ed8.txt: date unknown" in result.stdout
    data = json.loads(treatybot("sources", "--json", cwd=tmp_path).stdout)
    dates = {Path(d["path"]).name[:3]: d["published"] for d in data}
    assert dates == {"002": "2024-06-11", "004": None}


def test_validate_reports_problems_with_line_numbers(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text("feeds:\n  - name: TASS\n    url: https://tass.com/rss/v2.xml\n")
    ok = treatybot("validate", str(good), cwd=tmp_path)
    assert ok.returncode == 0 and "TASS" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("feeds:\n  - name: TASS\n    url: https://tass.com/rss/v2.xml\n    intervall: 5m\n")
    result = treatybot("validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "bad.yaml:4:5:" in result.stderr and "did you mean `interval`" in result.stderr


def test_unbuilt_output_type_is_reported_and_does_not_stop_the_run(workdir: Path):
    (workdir / "watchlist.yaml").write_text(
        "outputs:\n  - type: console\n  - type: discord\n    channel_id: 123456789012345678\n")
    result = treatybot("run", "--once", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "not available" in result.stderr
    assert "Treaty baseline: delayed" in result.stdout


def test_console_script_and_module_are_the_same_program(workdir: Path):
    module = treatybot("--help", cwd=workdir)
    assert module.returncode == 0 and "status" in module.stdout and "run" in module.stdout
    script = Path(sys.executable).with_name("treatybot")
    assert script.exists(), "the console script is installed beside the interpreter"
    assert subprocess.run([script, "--help"], capture_output=True, text=True).stdout == module.stdout
    assert module.stdout.startswith("Usage: treatybot ")


def test_status_counts_the_watchlists_feeds_not_those_removed_from_it(workdir: Path):
    def feeds_in_status() -> dict:
        result = treatybot("status", "--json", cwd=workdir)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["feeds"]

    assert feeds_in_status() == {"total": 1, "failing": 0}  # watched, not checked yet
    assert treatybot("run", "--once", cwd=workdir).returncode == 0
    assert feeds_in_status() == {"total": 1, "failing": 1}  # the dead feed failed
    removed = treatybot("watch", "remove", "Dead feed", cwd=workdir)
    assert removed.returncode == 0, removed.stderr
    assert feeds_in_status() == {"total": 0, "failing": 0}  # its state is kept, not counted


def test_a_broken_watchlist_at_start_runs_the_last_good_one_and_says_so(workdir: Path):
    import signal
    import time

    assert treatybot("run", "--once", cwd=workdir).returncode == 0  # a good run: kept
    path = workdir / "watchlist.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("outputs:", "outputs\n"),
                    encoding="utf-8")  # a typo: the bot restarts (a deploy, a reboot) on it

    once = treatybot("run", "--once", cwd=workdir)  # a person is watching: stop, say where
    assert once.returncode == 1 and "watchlist.yaml:" in once.stderr

    proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=workdir, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    digests = workdir / "out" / "digests.jsonl"
    try:
        deadline = time.monotonic() + 60
        kinds: list[str] = []
        while time.monotonic() < deadline and "config_error" not in kinds:
            time.sleep(0.3)
            assert proc.poll() is None, proc.communicate()[1]  # still running
            if digests.exists():
                kinds = [json.loads(x)["kind"] for x in digests.read_text().splitlines()]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    assert "config_error" in kinds  # the team is told, in the channels
    assert "running with the last good watchlist" in stderr
    assert proc.returncode == 0


def test_validate_warns_when_the_seeds_folder_is_missing(workdir: Path):
    shutil.rmtree(workdir / "seeds")
    result = treatybot("validate", cwd=workdir)
    assert result.returncode == 0 and "OK" in result.stdout
    assert "seeds folder" in result.stderr and "without a baseline" in result.stderr
