"""bot.delivery.base against the local webhook stand-in (127.0.0.1 only), and the local outputs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from webhook_standin import DISCORD_TOKEN, SLACK_PATH, WebhookStandin

from bot.delivery.base import Output, is_retryable
from bot.delivery.formats import render_text
from bot.delivery.local import ConsoleOutput, JsonlOutput
from bot.delivery.webhooks import DiscordWebhookOutput, SlackWebhookOutput
from bot.errors import DeliveryError, OutputDisabled, PermanentDeliveryError
from bot.models import Digest
from bot.redact import mask_url

REPO = Path(__file__).resolve().parents[1]
SECRETS = (DISCORD_TOKEN, SLACK_PATH[2], SLACK_PATH[1], SLACK_PATH[0])


def _digest(n: int = 1, **overrides: object) -> Digest:
    data: dict = {
        "kind": "status_change",
        "title": "Treaty status: drafting → signed",
        "text": "Russia–Iran treaty\nStatus changed: drafting → SIGNED. @everyone",
        "status": "signed",
        "previous": "drafting",
        "evidence": [
            {
                "status": "signed",
                "quote": "Putin and Pezeshkian signed the treaty.",
                "title": "Treaty signed",
                "url": "https://tass.com/politics/1",
                "source": "TASS",
                "published": "2025-01-17",
                "rule": "signed.past",
                "confidence": 0.9,
            }
        ],
        "created_at": "2025-01-17T12:00:00+00:00",
        "facts": {"since": "2025-01-17", "articles": 5, "sources": 4},
        "id": n,
    }
    data.update(overrides)
    return Digest(**data)


@pytest.fixture
async def hook() -> AsyncIterator[WebhookStandin]:
    async with WebhookStandin() as standin:
        yield standin


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def assert_error_hides_secret(error: BaseException) -> None:
    chain = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    assert_no_secret(str(error), repr(error), repr(error.args), chain)


# -- Discord ---------------------------------------------------------------------------------


async def test_discord_success_returns_message_id(hook, session) -> None:
    out = DiscordWebhookOutput(hook.discord_url(), session, key="discord_webhook#1")
    message_id = await out.send(_digest())
    assert message_id is not None and message_id.isdigit()
    assert len(hook.received) == 1
    request = hook.received[0]
    assert request.service == "discord"
    assert request.query == {"wait": "true"}
    assert request.payload["allowed_mentions"] == {"parse": []}
    assert request.payload["embeds"][0]["title"] == "Treaty status: drafting → signed"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.status == 200
    second = await out.send(_digest(2))
    assert second != message_id
    await out.close()
    assert not session.closed  # a shared session belongs to the caller


async def test_discord_keeps_existing_query(hook, session) -> None:
    out = DiscordWebhookOutput(hook.discord_url(query="thread_id=42&wait=false"), session)
    assert await out.send(_digest())
    assert hook.received[0].query == {"thread_id": "42", "wait": "true"}


async def test_discord_rate_limited(hook, session) -> None:
    hook.rate_limit(retry_after=0.2)
    out = DiscordWebhookOutput(hook.discord_url(), session)
    with pytest.raises(DeliveryError) as caught:
        await out.send(_digest())
    error = caught.value
    assert not isinstance(error, OutputDisabled)
    assert error.retry_after == pytest.approx(0.2)
    assert error.retryable is True and is_retryable(error)
    assert error.http_status == 429
    assert "rate limited" in str(error)
    # the script is used up: the next send goes through
    assert await out.send(_digest())
    assert [r.status for r in hook.received] == [429, 200]


async def test_discord_rate_limit_takes_the_longest_wait(hook, session) -> None:
    hook.answer(
        429,
        retry_after=0.5,
        is_global=True,
        headers={"Retry-After": "2"},
    )
    with pytest.raises(DeliveryError) as caught:
        await DiscordWebhookOutput(hook.discord_url(), session).send(_digest())
    assert caught.value.retry_after == pytest.approx(2.0)
    assert "(global)" in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_discord_server_error_is_retryable(hook, session, status: int) -> None:
    hook.fail(status)
    with pytest.raises(DeliveryError) as caught:
        await DiscordWebhookOutput(hook.discord_url(), session).send(_digest())
    error = caught.value
    assert type(error) is DeliveryError
    assert error.retryable is True and is_retryable(error)
    assert error.retry_after is None
    assert f"HTTP {status}" in str(error)


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_discord_gone_disables_the_output(hook, session, status: int) -> None:
    hook.fail(status)
    with pytest.raises(OutputDisabled) as caught:
        await DiscordWebhookOutput(hook.discord_url(), session).send(_digest())
    error = caught.value
    assert error.retryable is False and not is_retryable(error)
    assert error.http_status == status
    if status == 404:
        assert "Unknown Webhook" in str(error)


async def test_discord_bad_payload_is_permanent(hook, session) -> None:
    hook.fail(400)
    with pytest.raises(PermanentDeliveryError) as caught:
        await DiscordWebhookOutput(hook.discord_url(), session).send(_digest())
    error = caught.value
    assert isinstance(error, DeliveryError) and not isinstance(error, OutputDisabled)
    assert error.retryable is False and not is_retryable(error)
    assert "Invalid Form Body" in str(error)


async def test_discord_stall_beyond_timeout(hook, session) -> None:
    hook.stall(5.0)
    out = DiscordWebhookOutput(hook.discord_url(), session, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(DeliveryError) as caught:
        await out.send(_digest())
    assert time.monotonic() - started < 3
    error = caught.value
    assert type(error) is DeliveryError and error.retryable is True
    assert "no answer within 0.3 s" in str(error)


async def test_discord_stall_within_timeout_succeeds(hook, session) -> None:
    hook.stall(0.2)
    out = DiscordWebhookOutput(hook.discord_url(), session, timeout=5)
    assert await out.send(_digest())


async def test_connection_refused_is_retryable(session) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/webhooks/1/{DISCORD_TOKEN}"
    with pytest.raises(DeliveryError) as caught:
        await DiscordWebhookOutput(url, session, timeout=2).send(_digest())
    error = caught.value
    assert type(error) is DeliveryError and error.retryable is True
    assert "could not reach Discord webhook http://127.0.0.1:" in str(error)
    assert_error_hides_secret(error)


async def test_wait_is_needed_for_an_id(hook, session) -> None:
    """The stand-in, like Discord, answers 204 without wait=true."""
    async with session.post(hook.discord_url(), json={"content": "hi"}) as response:
        assert response.status == 204
    assert hook.received[0].payload == {"content": "hi"}


async def test_standin_refuses_what_discord_refuses(hook, session) -> None:
    async with session.post(hook.discord_url(), json={"content": "x" * 2001}) as response:
        assert response.status == 400
        assert (await response.json())["code"] == 50035


# -- Slack -----------------------------------------------------------------------------------


async def test_slack_success(hook, session) -> None:
    out = SlackWebhookOutput(hook.slack_url(), session, key="slack_webhook#1")
    assert await out.send(_digest()) is None
    request = hook.received[0]
    assert request.service == "slack"
    assert request.payload["blocks"][0]["type"] == "header"
    assert request.status == 200


async def test_slack_rate_limited(hook, session) -> None:
    hook.rate_limit(retry_after=3, service="slack")
    with pytest.raises(DeliveryError) as caught:
        await SlackWebhookOutput(hook.slack_url(), session).send(_digest())
    assert caught.value.retry_after == pytest.approx(3.0)
    assert is_retryable(caught.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, None),  # no_service
        (410, None),  # channel_is_archived
        (403, None),  # action_prohibited
        (401, None),  # invalid_token
        (400, "no_service"),
        (400, "channel_not_found"),
    ],
)
async def test_slack_gone_disables_the_output(hook, session, status: int, body) -> None:
    hook.fail(status, body=body)
    with pytest.raises(OutputDisabled) as caught:
        await SlackWebhookOutput(hook.slack_url(), session).send(_digest())
    assert not is_retryable(caught.value)


async def test_slack_errors(hook, session) -> None:
    out = SlackWebhookOutput(hook.slack_url(), session)
    hook.fail(500)
    with pytest.raises(DeliveryError) as caught:
        await out.send(_digest())
    assert type(caught.value) is DeliveryError and is_retryable(caught.value)
    assert "rollup_error" in str(caught.value)
    hook.fail(400)  # invalid_payload
    with pytest.raises(PermanentDeliveryError) as caught:
        await out.send(_digest())
    assert "invalid_payload" in str(caught.value)


async def test_slack_stall_beyond_timeout(hook, session) -> None:
    hook.stall(5.0, service="slack")
    with pytest.raises(DeliveryError) as caught:
        await SlackWebhookOutput(hook.slack_url(), session, timeout=0.3).send(_digest())
    assert is_retryable(caught.value)


# -- secrets -----------------------------------------------------------------------------------


async def test_webhook_url_never_leaks(hook, session, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    discord = DiscordWebhookOutput(hook.discord_url(), session, timeout=0.3)
    slack = SlackWebhookOutput(hook.slack_url(), session, timeout=0.3)
    for out in (discord, slack):
        assert DISCORD_TOKEN not in repr(out) and SLACK_PATH[2] not in repr(out)
        await out.send(_digest())  # success is logged too
        for script in (
            lambda: hook.rate_limit(),
            lambda: hook.fail(500),
            lambda: hook.fail(404),
            lambda: hook.fail(401),
            lambda: hook.fail(400),
            lambda: hook.stall(2.0),
            # a far end that repeats the URL back must not leak it either
            lambda out=out: hook.fail(500, body=f"bad {out._url} {out._url.rsplit('/', 1)[1]}"),
        ):
            script()
            with pytest.raises(DeliveryError) as caught:
                await out.send(_digest())
            errors.append(caught.value)
    assert len(errors) == 14
    for error in errors:
        assert_error_hides_secret(error)
        assert "http://127.0.0.1:" in str(error)  # masked URL: where, but not which
    assert_no_secret(caplog.text)
    assert_no_secret(*(r.getMessage() for r in caplog.records))
    assert "delivered digest 1" in caplog.text


def test_bad_url_is_refused_without_showing_it() -> None:
    with pytest.raises(ValueError) as caught:
        DiscordWebhookOutput(f"ftp://discord.com/api/webhooks/1/{DISCORD_TOKEN}")
    assert DISCORD_TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://discord.com/api/webhooks/123/abcDEF-secret", "https://discord.com/…"),
        ("https://hooks.slack.com/services/T0/B0/XXXX", "https://hooks.slack.com/…"),
        ("http://127.0.0.1:8765/api/webhooks/1/tok?wait=true", "http://127.0.0.1:8765/…"),
        ("https://user:password@example.com/x", "https://example.com/…"),
        ("https://[::1]:9/x", "https://[::1]:9/…"),
        ("not a url", "…"),
        ("http://[broken/x", "…"),
        (None, "…"),
    ],
)
def test_mask_url(url, masked: str) -> None:
    assert mask_url(url) == masked


# -- sessions and the protocol ------------------------------------------------------------------


async def test_outputs_follow_the_protocol(tmp_path, session) -> None:
    outputs = [
        ConsoleOutput(io.StringIO()),
        JsonlOutput(tmp_path / "d.jsonl"),
        DiscordWebhookOutput("https://discord.com/api/webhooks/1/t", session),
        SlackWebhookOutput("https://hooks.slack.com/services/T/B/X", session),
    ]
    for out in outputs:
        assert isinstance(out, Output)
    assert [o.type for o in outputs] == ["console", "jsonl", "discord_webhook", "slack_webhook"]
    assert [o.key for o in outputs] == ["console", "jsonl", "discord_webhook", "slack_webhook"]


async def test_own_session_when_none_given(hook) -> None:
    out = DiscordWebhookOutput(hook.discord_url())
    assert await out.send(_digest())
    own = out._session
    assert own is not None and not own.closed
    await out.close()
    assert own.closed


# -- the stand-in itself -------------------------------------------------------------------------


async def test_standin_control_endpoints(hook, session) -> None:
    async with session.post(f"{hook.url}/_standin/script", json={"status": 503, "times": 2}):
        pass
    out = DiscordWebhookOutput(hook.discord_url(), session)
    for _ in range(2):
        with pytest.raises(DeliveryError):
            await out.send(_digest())
    assert await out.send(_digest())
    async with session.get(f"{hook.url}/_standin/received") as response:
        received = await response.json()
    assert [r["status"] for r in received] == [503, 503, 200]
    await hook.wait_for(3, timeout=1)


def test_standin_runs_standalone(tmp_path) -> None:
    log_file = tmp_path / "hooks.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.webhook_standin", "--port", "0", "--log", str(log_file)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("webhook stand-in listening on http://127.0.0.1:")
        base = line.split()[-1]

        async def post() -> str | None:
            async with aiohttp.ClientSession() as client:
                url = f"{base}/api/webhooks/1/{DISCORD_TOKEN}"
                return await DiscordWebhookOutput(url, client).send(_digest())

        assert asyncio.run(post())
        records = [json.loads(x) for x in log_file.read_text(encoding="utf-8").splitlines()]
        assert len(records) == 1
        assert records[0]["allowed_mentions"] == {"parse": []}
        assert records[0]["_standin"]["status"] == 200
        assert records[0]["_standin"]["query"] == {"wait": "true"}
    finally:
        process.terminate()
        code = process.wait(timeout=10)
        process.stdout.close()
    assert code == 0


# -- local outputs --------------------------------------------------------------------------------


async def test_jsonl_appends_valid_lines(tmp_path) -> None:
    path = tmp_path / "deep" / "er" / "digests.jsonl"
    out = JsonlOutput(path, key="jsonl#1")
    for n in range(1, 4):
        assert await out.send(_digest(n)) is None
    await out.close()
    raw = path.read_text(encoding="utf-8")
    assert "Russia–Iran" in raw  # ensure_ascii=False
    lines = raw.splitlines()
    assert len(lines) == 3 and raw.endswith("\n")
    for n, line in enumerate(lines, start=1):
        record = json.loads(line)
        for key in ("kind", "status", "previous", "text", "evidence", "created_at"):
            assert key in record
        assert record["id"] == n
        assert record["status"] == "signed"


async def test_jsonl_recovers_from_a_partial_line(tmp_path) -> None:
    path = tmp_path / "digests.jsonl"
    path.write_bytes(b'{"kind": "daily", "tex')  # a crash mid-write
    await JsonlOutput(path).send(_digest(9))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["id"] == 9


async def test_jsonl_unwritable_is_a_delivery_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DeliveryError) as caught:
        await JsonlOutput(blocker / "sub" / "d.jsonl").send(_digest())
    assert is_retryable(caught.value)


async def test_console_prints(capsys) -> None:
    out = ConsoleOutput()
    digest = _digest()
    assert await out.send(digest) is None
    printed = capsys.readouterr().out
    assert printed == render_text(digest) + "\n\n"
    assert printed.startswith("Treaty status: drafting → signed\n")


async def test_console_to_a_stream() -> None:
    stream = io.StringIO()
    await ConsoleOutput(stream).send(_digest())
    await ConsoleOutput(stream).send(_digest(2, title="Second"))
    assert stream.getvalue().count("\n\n") >= 2
    assert "Second\n" in stream.getvalue()


async def test_console_closed_stream_is_a_delivery_error() -> None:
    stream = io.StringIO()
    stream.close()
    with pytest.raises(DeliveryError):
        await ConsoleOutput(stream).send(_digest())
