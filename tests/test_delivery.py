"""Digests delivered to webhook stand-ins: exactly the expected ones, within Discord's limits,
mentions disabled; rate limits, retries and disabled outputs; nothing lost across a SIGKILL."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feedsite import FeedSite, Item
from servers import serve
from webhook_standin import WebhookStandin

import bot.delivery.outbox
from bot.config import load_watchlist
from bot.core.app import App
from bot.delivery.formats import discord_embed_length

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cretT0kenValue-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef"


def setup_folder(folder: Path, feeds: dict[str, str], outputs: str) -> Path:
    shutil.copytree(ROOT / "seeds", folder / "seeds", dirs_exist_ok=True)
    lines = ["allow_local: true", "feeds:"]
    for name, url in feeds.items():
        lines += [f"  - name: {name}", f"    url: {url}"]
    if not feeds:
        lines[-1] = "feeds: []"
    path = folder / "watchlist.yaml"
    path.write_text("\n".join(lines) + "\n" + outputs, encoding="utf-8")
    return path


OUTPUTS = """outputs:
  - type: discord_webhook
    url: ${HOOK_URL}
  - type: slack_webhook
    url: ${SLACK_URL}
  - type: jsonl
    path: digests.jsonl
"""


@pytest.fixture
async def standin():
    async with WebhookStandin() as server:
        yield server


@pytest.fixture
def hook_env(standin, monkeypatch):
    monkeypatch.setenv("HOOK_URL", standin.discord_url(token=TOKEN))
    monkeypatch.setenv("SLACK_URL", standin.slack_url())


async def run_cycle(path: Path, state: Path):
    app = App(load_watchlist(path), state, console_stream=io.StringIO())
    await app.start()
    try:
        return await app.run_once()
    finally:
        await app.close()


def check_discord_payload(payload: dict) -> None:
    assert payload["allowed_mentions"] == {"parse": []}
    assert len(payload.get("content") or "") <= 2000
    for embed in payload.get("embeds", []):
        assert len(embed.get("title", "")) <= 256
        assert len(embed.get("description", "")) <= 4096
        assert len(embed.get("fields", [])) <= 25
        assert discord_embed_length(embed) <= 6000


async def test_replay_delivers_exactly_the_expected_digests(standin, hook_env, tmp_path):
    site = FeedSite()
    tass = site.feed("tass", title="TASS")
    async with serve(site.app) as base:
        path = setup_folder(tmp_path, {"tass": f"{base}/tass.xml"}, OUTPUTS)
        await run_cycle(path, tmp_path / "state")  # baseline
        tass.items.insert(0, Item("Putin, Pezeshkian sign treaty on comprehensive strategic "
                                  "partnership @everyone <@&123>",
                                  "The presidents of Russia and Iran signed the treaty in the "
                                  "Kremlin on Friday.", "2025-01-17",
                                  "http://en.kremlin.ru/events/president/news/76120"))  # official
        tass.items.insert(0, Item("Kremlin says talks on gas supplies with Tehran continue",
                                  "Gazprom and NIGC discussed volumes.", "2025-01-20",
                                  "https://tass.example/2"))
        await run_cycle(path, tmp_path / "state")  # signed
        await run_cycle(path, tmp_path / "state")  # nothing new: nothing sent
    discord = [r for r in standin.delivered if r.service == "discord"]
    slack = [r for r in standin.delivered if r.service == "slack"]
    assert len(discord) == 2 and len(slack) == 2
    assert all(r.query.get("wait") == "true" for r in discord)
    for record in discord:
        check_discord_payload(record.payload)
    first, second = (r.payload for r in discord)
    assert "baseline" in first["embeds"][0]["title"].lower()
    assert "signed" in second["embeds"][0]["title"].lower()
    raw = json.dumps(second)
    assert "@everyone" not in raw.replace("@\u200beveryone", "")  # pings nobody
    for record in slack:
        blocks = record.payload["blocks"]
        assert len(blocks) <= 50
        assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    kinds = [json.loads(x)["kind"] for x in (tmp_path / "digests.jsonl").read_text().splitlines()]
    assert kinds == ["baseline", "status_change"]


async def test_rate_limit_waits_for_retry_after_then_delivers(standin, hook_env, tmp_path):
    standin.rate_limit(times=1, retry_after=0.3, service="discord")
    path = setup_folder(tmp_path, {}, OUTPUTS)
    started = time.monotonic()
    report = await run_cycle(path, tmp_path / "state")
    discord = [r for r in standin.received if r.service == "discord"]
    assert [r.status for r in discord] == [429, 200]
    assert report.delivery.delivered == 3  # the summary counts the delivery after the wait too
    assert discord[1].at - discord[0].at >= 0.3
    assert time.monotonic() - started < 10


async def test_server_errors_are_retried_with_backoff(standin, hook_env, tmp_path, monkeypatch):
    monkeypatch.setattr(bot.delivery.outbox, "BASE_RETRY", 0.2)
    standin.fail(500, times=2, service="slack")
    path = setup_folder(tmp_path, {}, OUTPUTS)
    await run_cycle(path, tmp_path / "state")
    slack = [r.status for r in standin.received if r.service == "slack"]
    assert slack == [500, 500, 200]
    discord = [r.status for r in standin.received if r.service == "discord"]
    assert discord == [200]  # one failing output never blocks another


async def test_a_404_disables_the_output_and_the_team_is_told(standin, hook_env, tmp_path):
    standin.fail(404, times=5, service="discord")
    path = setup_folder(tmp_path, {}, OUTPUTS)
    await run_cycle(path, tmp_path / "state")
    records = [json.loads(x) for x in (tmp_path / "digests.jsonl").read_text().splitlines()]
    assert [r["kind"] for r in records] == ["baseline", "output_disabled"]
    assert "discord_webhook" in records[1]["text"]
    assert TOKEN not in records[1]["text"]
    result = subprocess.run([sys.executable, "-m", "bot", "feeds"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ})
    assert "discord_webhook is DISABLED" in result.stdout
    assert TOKEN not in result.stdout + result.stderr


async def test_digests_queued_while_an_output_is_disabled_arrive_once_it_is_fixed(
        standin, hook_env, tmp_path):
    standin.fail(404, times=1, service="discord")
    path = setup_folder(tmp_path, {}, OUTPUTS)
    await run_cycle(path, tmp_path / "state")  # the baseline: discord refuses, disabled
    assert [r.status for r in standin.received if r.service == "discord"] == [404]
    # the team fixes the webhook (a restart with the watchlist enables it again)
    await run_cycle(path, tmp_path / "state")
    discord = [r for r in standin.received if r.service == "discord"]
    assert [r.status for r in discord] == [404, 200]
    assert "baseline" in discord[1].payload["embeds"][0]["title"].lower()  # not lost


@pytest.mark.slow
async def test_a_delivery_failing_for_hours_is_kept_and_retried_not_dropped(
        standin, hook_env, tmp_path, caplog):
    import logging
    import sqlite3

    from bot.store import DB_NAME, Database

    path = setup_folder(tmp_path, {}, OUTPUTS)
    standin.fail(503, times=100, service="slack")
    await run_cycle(path, tmp_path / "state")  # first attempt fails: pending, retry scheduled
    conn = sqlite3.connect(tmp_path / "state" / DB_NAME)
    try:  # as if it had failed all day: the last of the quick attempts, then due now
        with conn:
            conn.execute("UPDATE deliveries SET attempts = ?, next_attempt_at = NULL "
                         "WHERE output = 'slack_webhook'", (bot.delivery.outbox.MAX_ATTEMPTS - 1,))
    finally:
        conn.close()
    caplog.set_level(logging.ERROR, logger="bot.delivery.outbox")
    await run_cycle(path, tmp_path / "state")
    db = Database.in_folder(tmp_path / "state")
    try:
        (slack,) = [d for d in db.deliveries() if d["output"] == "slack_webhook"]
    finally:
        db.close()
    assert slack["state"] == "pending" and slack["attempts"] == bot.delivery.outbox.MAX_ATTEMPTS
    assert "still failing" in caplog.text and "retried every 60 minutes" in caplog.text


def _start_standin(port_file: Path, log: Path, script: list[dict]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "webhook_standin.py"), "--port", "0",
         "--log", str(log), "--script", json.dumps(script)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _standin_url(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()  # "webhook stand-in listening on http://127.0.0.1:N"
    return line.strip().rsplit(" ", 1)[-1]


@pytest.mark.parametrize("answer_after_kill, most", [(500, 1), (None, 2)])
def test_sigkill_during_delivery_loses_nothing(tmp_path, answer_after_kill, most):
    """Kill the bot while its webhook POST is in flight, restart it: the digest arrives.

    When the server had already accepted the message before the kill (answer None = 200), the
    restart sends it again: that is the documented duplicate window (acknowledged by the far
    end, not yet recorded in the outbox). Otherwise it arrives exactly once."""
    log = tmp_path / "standin.jsonl"
    proc = _start_standin(tmp_path / "port", log, [{"stall": 3, "status": answer_after_kill,
                                                   "times": 1}])
    try:
        base = _standin_url(proc)
        env = {**os.environ, "HOOK_URL": f"{base}/api/webhooks/1/{TOKEN}"}
        setup_folder(tmp_path, {}, "outputs:\n  - type: discord_webhook\n    url: ${HOOK_URL}\n")
        bot_proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--once"], cwd=tmp_path,
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        # wait until the request is in flight (the stand-in logs it only when it answers)
        while time.monotonic() < deadline and not _in_flight(base):
            time.sleep(0.05)
        assert _in_flight(base), "the bot never started delivering"
        bot_proc.send_signal(signal.SIGKILL)
        bot_proc.wait(10)
        time.sleep(3.2)  # the stalled request is answered after the kill
        rerun = subprocess.run([sys.executable, "-m", "bot", "run", "--once"], cwd=tmp_path,
                               env=env, capture_output=True, text=True, timeout=60)
        assert rerun.returncode == 0, rerun.stderr
        assert TOKEN not in rerun.stderr
        delivered = [json.loads(x) for x in log.read_text().splitlines()]
        ok = [d for d in delivered if 200 <= d["_standin"]["status"] < 300]
        assert 1 <= len(ok) <= most
        assert all("baseline" in d["embeds"][0]["title"].lower() for d in ok)
        again = subprocess.run([sys.executable, "-m", "bot", "run", "--once"], cwd=tmp_path,
                               env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0
        assert len([x for x in log.read_text().splitlines()]) == len(delivered)  # nothing more
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def _in_flight(base: str) -> bool:
    import urllib.request

    with urllib.request.urlopen(f"{base}/_standin/received", timeout=2) as response:
        return bool(json.loads(response.read()))
