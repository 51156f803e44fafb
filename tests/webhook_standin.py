"""A local stand-in for Discord's and Slack's incoming-webhook endpoints (127.0.0.1 only).

Routes
    POST /api/webhooks/{id}/{token}[?wait=true]   Discord: 200 JSON message (with "id") when
                                                  wait=true, else 204
    POST /services/{a}/{b}/{c}                     Slack: 200 text "ok"
    POST /_standin/script                          control: add a scripted answer (JSON body,
                                                  same keys as ``WebhookStandin.answer``)
    POST /_standin/reset                           control: forget the script and records
    GET  /_standin/received                        control: every request received, as JSON

Every request to a webhook route is recorded in ``.received`` (a list of ``Received``),
whatever the answer. Scripted answers are used first, in order, each for ``times`` requests:

    async with WebhookStandin() as hook:           # or the ``webhook_standin`` fixture
        hook.rate_limit(times=2, retry_after=0.2)  # 429 + Retry-After + Discord's JSON body
        hook.fail(500)                             # 500 (also 404, 401, 403, 410, 400 ...)
        hook.stall(3.0)                            # sleep 3 s, then answer normally
        url = hook.discord_url()                   # http://127.0.0.1:PORT/api/webhooks/…
        ...
        assert hook.received[-1].payload["allowed_mentions"] == {"parse": []}

Standalone, e.g. for a kill-and-restart test in a subprocess:

    python -m tests.webhook_standin --port 8765 --log /tmp/hooks.jsonl [--script JSON]

prints ``webhook stand-in listening on http://127.0.0.1:8765`` once ready and runs until
SIGINT/SIGTERM. Each request received is appended to the log file as one JSON line: the
payload the client sent, plus a ``"_standin"`` key holding {service, path, query, status,
at}; ``status`` is what the stand-in answered (2xx means the message was "posted").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger("webhook_standin")

DISCORD_TOKEN = "standin-SECRET-token-0123456789abcdefABCDEF"
DISCORD_WEBHOOK_ID = "1234567890123456789"
SLACK_PATH = ("T00STANDIN", "B00STANDIN", "SlackSecretToken0123456789")

_DISCORD_ERRORS: dict[int, dict[str, Any]] = {
    400: {"message": "Invalid Form Body", "code": 50035},
    401: {"message": "401: Unauthorized", "code": 0},
    403: {"message": "Missing Permissions", "code": 50013},
    404: {"message": "Unknown Webhook", "code": 10015},
    500: {"message": "500: Internal Server Error", "code": 0},
}
_SLACK_ERRORS: dict[int, str] = {
    400: "invalid_payload",
    401: "invalid_token",
    403: "action_prohibited",
    404: "no_service",
    410: "channel_is_archived",
    429: "rate_limited",
    500: "rollup_error",
}


@dataclass
class Received:
    """One request to a webhook route."""

    service: str  # "discord" or "slack"
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str
    payload: Any  # the parsed JSON, or None when the body was not JSON
    status: int | None = None  # what the stand-in answered (None while stalled)
    at: float = field(default_factory=time.time)


@dataclass
class Answer:
    """A scripted answer for the next ``times`` matching requests."""

    status: int | None = None  # None: answer as the real service would on success
    times: int = 1
    retry_after: float | None = None  # 429: Retry-After header and Discord's JSON field
    is_global: bool = False
    stall: float = 0.0  # seconds to sleep before answering
    body: Any = None  # None: the service's usual body for ``status``
    headers: dict[str, str] = field(default_factory=dict)
    service: str | None = None  # only for "discord" or "slack" requests; None: both


class WebhookStandin:
    """The stand-in server. Use as an async context manager, or start()/stop()."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, log_path: str | Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.log_path = Path(log_path) if log_path else None
        self.received: list[Received] = []
        self.script: list[Answer] = []
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._next_id = 1_250_000_000_000_000_000

    # -- lifecycle -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/webhooks/{id}/{token}", self._discord)
        app.router.add_post("/services/{a}/{b}/{c}", self._slack)
        app.router.add_post("/_standin/script", self._control_script)
        app.router.add_post("/_standin/reset", self._control_reset)
        app.router.add_get("/_standin/received", self._control_received)
        return app

    async def start(self) -> WebhookStandin:
        self._stopping.clear()
        # access_log=None: the access log would print request paths, i.e. webhook tokens.
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        self._stopping.set()  # wakes stalled handlers
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> WebhookStandin:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def discord_url(
        self, webhook_id: str = DISCORD_WEBHOOK_ID, token: str = DISCORD_TOKEN, query: str = ""
    ) -> str:
        url = f"{self.url}/api/webhooks/{webhook_id}/{token}"
        return f"{url}?{query}" if query else url

    def slack_url(self, *parts: str) -> str:
        a, b, c = parts or SLACK_PATH
        return f"{self.url}/services/{a}/{b}/{c}"

    # -- scripting ---------------------------------------------------------------------------

    def answer(self, status: int | None = None, times: int = 1, **options: Any) -> Answer:
        """Script the next ``times`` answers (see ``Answer`` for the options)."""
        entry = Answer(status=status, times=times, **options)
        self.script.append(entry)
        return entry

    def rate_limit(
        self,
        times: int = 1,
        retry_after: float = 0.2,
        *,
        is_global: bool = False,
        service: str | None = None,
    ) -> Answer:
        return self.answer(
            429, times, retry_after=retry_after, is_global=is_global, service=service
        )

    def fail(
        self, status: int = 500, times: int = 1, *, body: Any = None, service: str | None = None
    ) -> Answer:
        return self.answer(status, times, body=body, service=service)

    def stall(
        self,
        seconds: float,
        times: int = 1,
        *,
        then: int | None = None,
        service: str | None = None,
    ) -> Answer:
        """Sleep ``seconds`` before answering (normally, or with status ``then``)."""
        return self.answer(then, times, stall=seconds, service=service)

    def reset(self) -> None:
        self.script.clear()
        self.received.clear()

    # -- reading -------------------------------------------------------------------------------

    @property
    def payloads(self) -> list[Any]:
        return [r.payload for r in self.received]

    @property
    def delivered(self) -> list[Received]:
        """Requests answered with 2xx: the messages the real service would have posted."""
        return [r for r in self.received if r.status is not None and 200 <= r.status < 300]

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until at least ``count`` requests have arrived."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.received) >= count), timeout
            )
        return self.received

    # -- handlers ------------------------------------------------------------------------------

    def _take(self, service: str) -> Answer | None:
        for entry in self.script:
            if entry.service in (None, service):
                entry.times -= 1
                if entry.times <= 0:
                    self.script.remove(entry)
                return entry
        return None

    async def _record(self, service: str, request: web.Request) -> Received:
        body = await request.text()
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        record = Received(
            service=service,
            path=request.path,
            query=dict(request.query),
            headers=dict(request.headers),
            body=body,
            payload=payload,
        )
        self.received.append(record)
        async with self._arrived:
            self._arrived.notify_all()
        return record

    async def _stall(self, seconds: float) -> None:
        if seconds > 0:
            try:
                await asyncio.wait_for(self._stopping.wait(), seconds)
            except asyncio.TimeoutError:
                pass

    def _finish(self, record: Received, response: web.StreamResponse) -> web.StreamResponse:
        record.status = response.status
        if self.log_path is not None:
            line = dict(record.payload) if isinstance(record.payload, dict) else {}
            if not isinstance(record.payload, dict):
                line["raw"] = record.body
            line["_standin"] = {
                "service": record.service,
                "path": record.path,
                "query": record.query,
                "status": record.status,
                "at": record.at,
            }
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                handle.flush()
        return response

    def _scripted(self, service: str, entry: Answer) -> web.StreamResponse | None:
        status = entry.status
        if status is None:
            return None
        headers = dict(entry.headers)
        if status == 429:
            retry_after = 0.2 if entry.retry_after is None else entry.retry_after
            headers.setdefault("Retry-After", f"{retry_after:g}")
            if service == "discord":
                headers.setdefault("X-RateLimit-Global", "true" if entry.is_global else "false")
                body = entry.body or {
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": entry.is_global,
                }
                return web.json_response(body, status=429, headers=headers)
            return web.Response(text=entry.body or "rate_limited", status=429, headers=headers)
        if service == "discord":
            body = entry.body
            if body is None:
                body = _DISCORD_ERRORS.get(status, {"message": f"{status}: error", "code": 0})
            if isinstance(body, (dict, list)):
                return web.json_response(body, status=status, headers=headers)
            return web.Response(text=str(body), status=status, headers=headers)
        text = entry.body if entry.body is not None else _SLACK_ERRORS.get(status, "error")
        return web.Response(text=str(text), status=status, headers=headers)

    async def _discord(self, request: web.Request) -> web.StreamResponse:
        record = await self._record("discord", request)
        entry = self._take("discord")
        if entry is not None:
            await self._stall(entry.stall)
            scripted = self._scripted("discord", entry)
            if scripted is not None:
                return self._finish(record, scripted)
        problem = _discord_problem(record.payload)
        if problem:
            body = {"message": "Invalid Form Body", "code": 50035, "errors": problem}
            return self._finish(record, web.json_response(body, status=400))
        if request.query.get("wait", "").lower() != "true":
            return self._finish(record, web.Response(status=204))
        self._next_id += 1
        payload = record.payload
        message = {
            "id": str(self._next_id),
            "type": 0,
            "channel_id": "1000000000000000001",
            "webhook_id": request.match_info["id"],
            "content": payload.get("content", ""),
            "embeds": payload.get("embeds", []),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        }
        return self._finish(record, web.json_response(message))

    async def _slack(self, request: web.Request) -> web.StreamResponse:
        record = await self._record("slack", request)
        entry = self._take("slack")
        if entry is not None:
            await self._stall(entry.stall)
            scripted = self._scripted("slack", entry)
            if scripted is not None:
                return self._finish(record, scripted)
        payload = record.payload
        if not isinstance(payload, dict):
            return self._finish(record, web.Response(text="invalid_payload", status=400))
        if not payload.get("text") and not payload.get("blocks"):
            return self._finish(record, web.Response(text="no_text", status=400))
        if len(payload.get("blocks") or []) > 50:
            return self._finish(record, web.Response(text="invalid_blocks", status=400))
        return self._finish(record, web.Response(text="ok"))

    async def _control_script(self, request: web.Request) -> web.Response:
        data = await request.json()
        entries = data if isinstance(data, list) else [data]
        for entry in entries:
            self.answer(**entry)
        return web.json_response({"script": [asdict(e) for e in self.script]})

    async def _control_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    async def _control_received(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(r) for r in self.received])


def _discord_problem(payload: Any) -> dict[str, str] | None:
    """What real Discord would reject with 400 "Invalid Form Body", or None."""
    if not isinstance(payload, dict):
        return {"_errors": "The request body contains invalid JSON."}
    if len(payload.get("content") or "") > 2000:
        return {"content": "Must be 2000 or fewer in length."}
    embeds = payload.get("embeds") or []
    if not payload.get("content") and not embeds:
        return {"_errors": "Cannot send an empty message"}
    if len(embeds) > 10:
        return {"embeds": "Must be 10 or fewer in length."}
    for embed in embeds:
        total = len(embed.get("title", "")) + len(embed.get("description", ""))
        total += len(embed.get("footer", {}).get("text", ""))
        fields = embed.get("fields", [])
        if len(fields) > 25:
            return {"embeds": "fields: Must be 25 or fewer in length."}
        for item in fields:
            if not item.get("name") or not item.get("value"):
                return {"embeds": "fields: This field is required"}
            if len(item["name"]) > 256 or len(item["value"]) > 1024:
                return {"embeds": "fields: Must be 1024 or fewer in length."}
            total += len(item["name"]) + len(item["value"])
        if len(embed.get("title", "")) > 256 or len(embed.get("description", "")) > 4096:
            return {"embeds": "Must be 4096 or fewer in length."}
        if total > 6000:
            return {"embeds": "Embed size exceeds maximum size of 6000"}
    return None


@asynccontextmanager
async def running_standin(**kwargs: Any) -> AsyncIterator[WebhookStandin]:
    """``async with running_standin() as hook:`` (same as ``async with WebhookStandin()``)."""
    standin = WebhookStandin(**kwargs)
    await standin.start()
    try:
        yield standin
    finally:
        await standin.stop()


try:  # a fixture for conftest.py: ``from webhook_standin import webhook_standin``
    import pytest_asyncio

    @pytest_asyncio.fixture
    async def webhook_standin() -> AsyncIterator[WebhookStandin]:
        async with running_standin() as standin:
            yield standin

except ImportError:  # standalone use without the test dependencies
    pass


async def _serve(args: argparse.Namespace) -> None:
    standin = WebhookStandin(args.host, args.port, log_path=args.log)
    for entry in json.loads(args.script) if args.script else []:
        standin.answer(**entry)
    await standin.start()
    print(f"webhook stand-in listening on {standin.url}", flush=True)
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, done.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass
    try:
        await done.wait()
    finally:
        await standin.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: pick a free port")
    parser.add_argument("--log", help="append each received payload to this file (JSON lines)")
    parser.add_argument(
        "--script", help='scripted answers as JSON, e.g. \'[{"status": 500, "times": 2}]\''
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
