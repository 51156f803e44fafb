"""``/treaty`` over HTTP: Slack's request signatures and the answers, through a real server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.analysis.decide import DecisionSettings
from bot.config.topic import DEFAULT_TOPIC
from bot.core.engine import Engine
from bot.core.service import StoreService
from bot.interfaces.slack import (
    command_response,
    parse_subcommand,
    sign,
    slack_command_handler,
    slack_message,
    verify_signature,
)
from bot.interfaces.web import create_web_app, serve_web
from bot.store import Database

ROOT = Path(__file__).resolve().parent.parent

# A request as Slack sends it, with a signing secret made up for each run (no secret lives in
# the repo). The expected signature is computed here from Slack's documented recipe
# (https://api.slack.com/authentication/verifying-requests-from-slack): HMAC-SHA256 of
# "v0:<timestamp>:<body>" with the signing secret, hex, prefixed "v0=".
EXAMPLE_SECRET = secrets.token_hex(16)
EXAMPLE_TIMESTAMP = "1531420618"
EXAMPLE_BODY = (
    b"team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar"
    b"&user_id=U2CERLKJA&user_name=roadrunner&command=%2Ftreaty&text="
)
EXAMPLE_SIGNATURE = "v0=" + hmac.new(
    EXAMPLE_SECRET.encode(), b"v0:" + EXAMPLE_TIMESTAMP.encode() + b":" + EXAMPLE_BODY,
    hashlib.sha256,
).hexdigest()
EXAMPLE_NOW = 1531420618 + 10

SECRET = "test-signing-secret-0123456789"
FEEDS = [{"name": "Good Feed", "url": "https://good.example/rss", "interval": 900.0}]


# -- signatures ------------------------------------------------------------------------------


def test_a_request_signed_as_slack_documents_verifies():
    assert verify_signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY, EXAMPLE_SIGNATURE,
                            now=EXAMPLE_NOW)
    assert sign(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY) == EXAMPLE_SIGNATURE


def test_a_tampered_body_fails():
    tampered = EXAMPLE_BODY.replace(b"text=", b"text=status")
    assert not verify_signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, tampered, EXAMPLE_SIGNATURE,
                                now=EXAMPLE_NOW)


def test_a_wrong_secret_fails():
    assert not verify_signature(secrets.token_hex(16), EXAMPLE_TIMESTAMP,
                                EXAMPLE_BODY, EXAMPLE_SIGNATURE, now=EXAMPLE_NOW)


@pytest.mark.parametrize("age", [6 * 60, -6 * 60])
def test_a_timestamp_more_than_five_minutes_away_fails(age: int):
    assert not verify_signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY,
                                EXAMPLE_SIGNATURE, now=int(EXAMPLE_TIMESTAMP) + age)


def test_a_timestamp_just_within_five_minutes_passes():
    assert verify_signature(EXAMPLE_SECRET, EXAMPLE_TIMESTAMP, EXAMPLE_BODY, EXAMPLE_SIGNATURE,
                            now=int(EXAMPLE_TIMESTAMP) + 299)


@pytest.mark.parametrize("timestamp, signature", [
    ("", EXAMPLE_SIGNATURE),  # missing timestamp header
    (EXAMPLE_TIMESTAMP, ""),  # missing signature header
    ("nan", EXAMPLE_SIGNATURE),
    ("1531420618.0", EXAMPLE_SIGNATURE),
    ("-1531420618", EXAMPLE_SIGNATURE),
    (EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE.removeprefix("v0=")),
    (EXAMPLE_TIMESTAMP, "v1=" + EXAMPLE_SIGNATURE[3:]),
    (EXAMPLE_TIMESTAMP, EXAMPLE_SIGNATURE.upper()),
    (EXAMPLE_TIMESTAMP, "v0=é" + EXAMPLE_SIGNATURE[4:]),  # non-ASCII must not raise
], ids=["no-timestamp", "no-signature", "nan", "float", "negative", "no-prefix", "v1",
        "upper-case", "non-ascii"])
def test_malformed_headers_fail(timestamp: str, signature: str):
    assert not verify_signature(EXAMPLE_SECRET, timestamp, EXAMPLE_BODY, signature,
                                now=EXAMPLE_NOW)


def test_an_empty_secret_never_verifies():
    signature = sign("", EXAMPLE_TIMESTAMP, EXAMPLE_BODY)
    assert not verify_signature("", EXAMPLE_TIMESTAMP, EXAMPLE_BODY, signature, now=EXAMPLE_NOW)
    with pytest.raises(ValueError):
        slack_command_handler(object(), "")  # type: ignore[arg-type]


# -- answers ---------------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "state" / "treatybot.sqlite3")
    engine = Engine(database, DEFAULT_TOPIC, DecisionSettings(), ["console"])
    engine.load_seeds(ROOT / "seeds")
    engine.update_status()
    yield database
    database.close()


@pytest.fixture
def reader(db: Database) -> StoreService:
    return StoreService(db, DEFAULT_TOPIC.name, FEEDS)


@pytest.mark.parametrize("text, expected", [
    ("", "status"), ("   ", "status"), ("History", "history"), ("feeds now", "feeds"),
])
def test_the_subcommand_is_the_first_word(text: str, expected: str):
    assert parse_subcommand(text) == expected


def _all_text(payload: dict) -> str:
    return "\n".join(b["text"]["text"] for b in payload["blocks"])


@pytest.mark.parametrize("text, expected", [
    ("", "DELAYED since 2024-04-03"),
    ("status", "DELAYED since 2024-04-03"),
    ("history", "2024-01-17  drafting"),
    ("sources", "Kremlin says Russia and Iran still working on a cooperation pact"),
    ("feeds", "Good Feed: not checked yet"),
    ("help", "Usage: /treaty"),
    ("bogus", "Unknown subcommand"),
])
def test_each_subcommand_answers_from_the_report_texts(reader: StoreService, text: str,
                                                       expected: str):
    payload = command_response(reader, text)
    assert payload["response_type"] == "ephemeral"
    assert expected in _all_text(payload)
    assert payload["text"]


def test_unknown_subcommands_get_the_help(reader: StoreService):
    text = _all_text(command_response(reader, "sigend"))
    assert "Unknown subcommand" in text and "history" in text and "feeds" in text


def test_answers_escape_slack_control_characters(reader: StoreService, db: Database):
    db.add_article(key="feed:x:1", kind="feed", feed="Good Feed", relevant=True,
                   title="Tom & Jerry <!channel> <https://evil.example|click>", source="S",
                   body="", fingerprint="", evidence=[], status=None,
                   url="https://news.example/a", published="2030-01-01")
    text = _all_text(command_response(reader, "sources"))
    assert "Tom &amp; Jerry" in text
    assert "<!channel>" not in text and "<https://evil.example" not in text
    assert "<" not in text.replace("&lt;", "") and ">" not in text.replace("&gt;", "")


def test_long_answers_stay_within_slacks_limits():
    payload = slack_message("\n".join(f"line {i} " + "x" * 120 for i in range(3000)))
    assert len(payload["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in payload["blocks"])
    assert len(payload["text"]) <= 3000


# -- end to end ------------------------------------------------------------------------------


@pytest.fixture
async def base_url(reader: StoreService) -> AsyncIterator[str]:
    runner = await serve_web(create_web_app(reader, slack_signing_secret=SECRET), "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def _command_body(text: str) -> bytes:
    return urlencode({
        "token": "legacy-token", "team_id": "T1", "channel_id": "C1", "user_id": "U1",
        "user_name": "analyst", "command": "/treaty", "text": text,
        "response_url": "https://hooks.slack.invalid/commands/1", "trigger_id": "1.2.3",
    }).encode()


def _headers(body: bytes, *, secret: str = SECRET, timestamp: str | None = None) -> dict:
    timestamp = timestamp or str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": sign(secret, timestamp, body),
    }


async def test_a_signed_status_command_gets_the_status_within_three_seconds(base_url: str):
    body = _command_body("status")
    started = time.monotonic()
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{base_url}/slack/commands", data=body,
                                headers=_headers(body),
                                timeout=aiohttp.ClientTimeout(total=3)) as response:
            assert response.status == 200
            assert response.content_type == "application/json"
            payload = await response.json()
    assert time.monotonic() - started < 3
    assert payload["response_type"] == "ephemeral"
    assert "DELAYED since 2024-04-03" in payload["text"]
    assert "DELAYED since 2024-04-03" in _all_text(payload)


async def test_an_empty_text_means_status(base_url: str):
    body = _command_body("")
    async with aiohttp.ClientSession() as session, session.post(
        f"{base_url}/slack/commands", data=body, headers=_headers(body)
    ) as response:
        assert response.status == 200
        assert "DELAYED since" in (await response.json())["text"]


@pytest.mark.parametrize("case", ["bad signature", "wrong secret", "old", "no headers",
                                  "tampered"])
async def test_unsigned_or_badly_signed_requests_get_401(base_url: str, case: str,
                                                         caplog: pytest.LogCaptureFixture):
    body = _command_body("status")
    headers = _headers(body)
    if case == "bad signature":
        headers["X-Slack-Signature"] = "v0=" + "0" * 64
    elif case == "wrong secret":
        headers = _headers(body, secret="not-the-secret")
    elif case == "old":
        headers = _headers(body, timestamp=str(int(time.time()) - 6 * 60))
    elif case == "no headers":
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
    elif case == "tampered":
        body = _command_body("history")
    async with aiohttp.ClientSession() as session, session.post(
        f"{base_url}/slack/commands", data=body, headers=headers
    ) as response:
        assert response.status == 401
        reason = await response.text()
    assert reason and len(reason) < 100 and "DELAYED" not in reason
    assert SECRET not in caplog.text


async def test_concurrent_commands_are_all_answered(base_url: str):
    async def one(text: str) -> int:
        body = _command_body(text)
        async with aiohttp.ClientSession() as session, session.post(
            f"{base_url}/slack/commands", data=body, headers=_headers(body)
        ) as response:
            await response.read()
            return response.status

    statuses = await asyncio.gather(*(one(t) for t in ["status", "history", "sources", "feeds"]))
    assert statuses == [200, 200, 200, 200]
