"""A fake Discord (REST + gateway) on 127.0.0.1 that the real discord.py client can talk to.

One aiohttp app on one port serves the REST API under ``/api/v10`` (and ``/api/v9``)
and the gateway websocket at ``/gateway``. Point discord.py at it with
``bot.interfaces.discord.endpoints.apply_discord_endpoints(fake.api_base, fake.gateway_url)`` (or
use :func:`running_client`, which also restores the endpoints afterwards).

Import it as a top-level module (pytest puts ``tests/`` on ``sys.path``, as for
``servers`` / ``webhook_standin``): ``from fakediscord import FakeDiscord, ...``.
Typical use::

    async with FakeDiscord.start() as fake:
        client = MyClient(intents=discord.Intents.default())
        async with running_client(client, fake):
            await client.tree.sync(guild=discord.Object(GUILD_ID))
            iid = await fake.send_interaction("treaty", "status")
            cb = await fake.wait_for_callback(iid)
            assert cb.body["data"]["content"] == "..."

It serves what the tests use, no more: log-in (``/users/@me``, the application), the
gateway (identify, resume, heartbeats), command sync (list, bulk overwrite), interaction
callbacks and followups, and posting, reading and editing a channel's messages.

Everything the bot sends is recorded (see the attributes set in
``FakeDiscord.__init__``). REST routes the fake does not know are answered with
404 ``{"message": "Unknown", "code": 0}`` and appended to ``unhandled`` -- assert
``fake.unhandled == []`` at the end of a test to catch calls the fake ignored.

Behaviour mirrors real Discord where it is cheap to do so: interaction callbacks
are refused after 3 s (404, code 10062) or when already acknowledged (400, 40060);
followups need an acknowledged interaction; empty / oversized messages and embeds
are refused with Discord's error codes (50006 / 50035); GUILD_CREATE is only sent
with the GUILDS intent; MESSAGE_CREATE echoes of the bot's own messages are only
sent with the GUILD_MESSAGES intent. Refusals are listed in ``errors``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import secrets
import socket
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    import discord

__all__ = [
    "ADMIN_PERMISSIONS",
    "APP_ID",
    "BOT_ROLE_ID",
    "BOT_USER_ID",
    "CHANNEL_ID",
    "DEFAULT_MEMBER_PERMISSIONS",
    "GUILD_ID",
    "MOD_ROLE_ID",
    "OWNER_ID",
    "USER_ID",
    "Callback",
    "ChannelMessage",
    "CommandSync",
    "FakeDiscord",
    "FakeInteraction",
    "RecordedError",
    "RejectedCallback",
    "WebhookCall",
    "running_client",
]

# --------------------------------------------------------------------------- ids

BOT_USER_ID = 1200000000000000001
APP_ID = BOT_USER_ID  # as for any bot created in the developer portal
OWNER_ID = 1200000000000000002
USER_ID = 1200000000000000003  # the default member who invokes commands
GUILD_ID = 1300000000000000001
CHANNEL_ID = 1300000000000000002
MOD_ROLE_ID = 1300000000000000003
BOT_ROLE_ID = 1300000000000000004
BOT_USERNAME = "TreatyBot"
GUILD_NAME = "Treaty Watchers"
HEARTBEAT_INTERVAL_MS = 41250  # sent in HELLO

# ------------------------------------------------------------------- permissions

_P_CREATE_INSTANT_INVITE = 1 << 0
_P_ADMINISTRATOR = 1 << 3
_P_MANAGE_GUILD = 1 << 5
_P_ADD_REACTIONS = 1 << 6
_P_VIEW_CHANNEL = 1 << 10
_P_SEND_MESSAGES = 1 << 11
_P_EMBED_LINKS = 1 << 14
_P_ATTACH_FILES = 1 << 15
_P_READ_MESSAGE_HISTORY = 1 << 16
_P_MENTION_EVERYONE = 1 << 17
_P_USE_EXTERNAL_EMOJIS = 1 << 18
_P_USE_APPLICATION_COMMANDS = 1 << 31
_P_SEND_MESSAGES_IN_THREADS = 1 << 38

_MEMBER_PERMS = (
    _P_CREATE_INSTANT_INVITE
    | _P_ADD_REACTIONS
    | _P_VIEW_CHANNEL
    | _P_SEND_MESSAGES
    | _P_EMBED_LINKS
    | _P_ATTACH_FILES
    | _P_READ_MESSAGE_HISTORY
    | _P_USE_EXTERNAL_EMOJIS
    | _P_USE_APPLICATION_COMMANDS
    | _P_SEND_MESSAGES_IN_THREADS
)
#: What an ordinary member (only @everyone) has; the default for ``send_interaction``.
DEFAULT_MEMBER_PERMISSIONS = str(_MEMBER_PERMS)
#: What Discord reports in ``member.permissions`` for an administrator: every permission
#: bit (== ``discord.Permissions.all().value`` in discord.py 2.7). discord.py does NOT
#: expand a bare ADMINISTRATOR bit for ``interaction.permissions``, so send all bits.
ADMIN_PERMISSIONS = str(8866461766385663 | _P_ADMINISTRATOR)
_MOD_PERMS = _MEMBER_PERMS | _P_MANAGE_GUILD | _P_MENTION_EVERYONE
_BOT_PERMS = _MEMBER_PERMS

# ---------------------------------------------------------------------- intents

INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15

_DISCORD_EPOCH_MS = 1420070400000
_MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat()


class _DiscordError(Exception):
    """Raised inside handlers to answer with a Discord-style JSON error."""

    def __init__(self, status: int, message: str, code: int, errors: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.errors = errors

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _form_error(field_path: str, message: str) -> _DiscordError:
    return _DiscordError(
        400,
        "Invalid Form Body",
        50035,
        {field_path: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}},
    )


# ----------------------------------------------------------------- record types


class RecordedError(NamedTuple):
    """A request the fake refused (4xx) on a route it knows."""

    time: float
    method: str
    path: str
    status: int
    error: dict[str, Any]


class Callback(NamedTuple):
    """An accepted ``POST /interactions/{id}/{token}/callback``."""

    time: float  # time.monotonic(); compare with FakeInteraction.dispatched_at
    interaction_id: int
    body: dict[str, Any]


class RejectedCallback(NamedTuple):
    time: float
    interaction_id: int
    body: Any
    reason: str


class ChannelMessage(NamedTuple):
    """A ``POST /channels/{channel_id}/messages`` body (files listed under ``_files``)."""

    channel_id: int
    body: dict[str, Any]


class WebhookCall(NamedTuple):
    """A request on an interaction webhook; ``kind`` is ``followup`` (the one the fake serves)."""

    time: float
    kind: str
    interaction_id: int
    message_id: int | None
    body: Any


class CommandSync(NamedTuple):
    """A write to the application command endpoints (PUT = bulk overwrite)."""

    time: float
    method: str  # PUT
    guild_id: int | None  # None = global commands
    payload: Any


@dataclass
class FakeInteraction:
    """An interaction the fake dispatched; updated as the bot answers it."""

    id: int
    token: str
    payload: dict[str, Any]
    dispatched_at: float  # time.monotonic()
    responded_at: float | None = None
    response_type: int | None = None
    original_message: dict[str, Any] | None = None
    followup_ids: list[int] = field(default_factory=list)


@dataclass
class _Connection:
    ws: web.WebSocketResponse
    compress: str | None
    encoding: str
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    compressor: Any = None
    session: _Session | None = None
    closed: bool = False


@dataclass
class _Session:
    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0


_Handler = Callable[[web.Request, "re.Match[str]", Any], Awaitable[web.StreamResponse]]


def _json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py only parses a body as JSON if Content-Type is exactly "application/json".
    return web.Response(
        body=json.dumps(data, separators=(",", ":")).encode(),
        status=status,
        content_type="application/json",
    )


def _no_content() -> web.Response:
    return web.Response(status=204)


class FakeDiscord:
    """A fake Discord API + gateway for one bot in one guild with one text channel.

    Construct, then ``async with fake.running(): ...`` -- or simply
    ``async with FakeDiscord.start(**options) as fake: ...``.

    Options:
        token: if set, REST calls with another ``Authorization: Bot <token>`` get 401
            and an IDENTIFY with another token is closed with 4004.
        interaction_deadline: seconds after dispatch within which the initial
            callback must arrive (real Discord: 3); ``None`` disables the check.

    Messages the bot posts are echoed as MESSAGE_CREATE to sessions with the GUILD_MESSAGES
    intent, like Discord does.
    """

    def __init__(
        self, *, token: str | None = None, interaction_deadline: float | None = 3.0
    ) -> None:
        self.token = token
        # what IDENTIFY checks; set it apart from ``token`` to have the gateway refuse a token
        # the REST API accepted (a token reset between login and connect)
        self.gateway_token = token
        self.interaction_deadline = interaction_deadline
        self.channel_id = CHANNEL_ID

        # --- recordings (public) ---
        #: REST routes the fake does not implement -> (method, path?query)
        self.unhandled: list[tuple[str, str]] = []
        #: 4xx answers on known routes (validation, unknown ids, deadline...)
        self.errors: list[RecordedError] = []
        #: accepted interaction callbacks
        self.callbacks: list[Callback] = []
        #: refused interaction callbacks (late, duplicate, unknown)
        self.rejected_callbacks: list[RejectedCallback] = []
        #: POST /channels/{id}/messages bodies
        self.channel_messages: list[ChannelMessage] = []
        #: (channel_id, message_id, body) of PATCH /channels/{id}/messages/{id}
        self.message_edits: list[tuple[int, int, dict[str, Any]]] = []
        #: followups on interaction webhooks
        self.webhook_calls: list[WebhookCall] = []
        #: application-command writes (global and guild)
        self.command_syncs: list[CommandSync] = []
        #: the ``d`` of every IDENTIFY received
        self.identify_payloads: list[dict[str, Any]] = []
        #: the ``d`` of every RESUME received
        self.resume_payloads: list[dict[str, Any]] = []
        #: the query of every gateway websocket request (v, encoding, compress)
        self.gateway_queries: list[dict[str, str]] = []
        #: uploaded files: (where, filename, bytes); where = "channel:<id>" / "interaction:<id>"
        self.uploaded_files: list[tuple[str, str, bytes]] = []

        # --- state ---
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.messages: dict[int, dict[str, Any]] = {}  # every message the fake knows, by id
        self.users: dict[int, dict[str, Any]] = {}
        self.roles: list[dict[str, Any]] = []
        self.channels: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[str, Any]] = {}

        self._last_snowflake = 0
        self._request_files: dict[int, list[tuple[str, str, bytes]]] = {}  # id(request) -> files
        self._connections: list[_Connection] = []
        self._sessions: dict[str, _Session] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._routes: list[tuple[str, re.Pattern[str], _Handler, bool]] = []
        self._build_world()
        self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, **options: Any) -> AsyncIterator[FakeDiscord]:
        """``async with FakeDiscord.start() as fake`` -- construct, serve, then shut down."""
        fake = cls(**options)
        async with fake.running():
            yield fake

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeDiscord]:
        await self.serve()
        try:
            yield self
        finally:
            await self.aclose()

    async def serve(self) -> None:
        """Bind 127.0.0.1 on a free port and start answering."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already serving")
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/gateway", self._gateway_handler)
        app.router.add_route("GET", "/gateway/", self._gateway_handler)
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest_handler)
        app.router.add_route("*", "/{tail:.*}", self._rest_handler)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner

    async def aclose(self) -> None:
        """Close gateway connections (code 1001) and stop the server."""
        for conn in list(self._connections):
            conn.closed = True
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"fake discord shutting down")
        self._connections.clear()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeDiscord is not serving")
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/api/v10`` -- for ``discord.http.Route.BASE``."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        """``ws://127.0.0.1:PORT/gateway`` -- for ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -------------------------------------------------------------------- world

    def snowflake(self) -> int:
        """A fresh, increasing, time-based snowflake."""
        ms = int(time.time() * 1000) - _DISCORD_EPOCH_MS
        value = max(ms << 22, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    def _build_world(self) -> None:
        self.bot_user: dict[str, Any] = {
            "id": str(BOT_USER_ID),
            "username": BOT_USERNAME,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": True,
            "system": False,
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "flags": 0,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
            "locale": "en-US",
        }
        self.users[BOT_USER_ID] = self.bot_user
        self.add_user(OWNER_ID, "owner")
        self.add_user(USER_ID, "alice")
        self.roles = [
            self._role(GUILD_ID, "@everyone", _MEMBER_PERMS, 0),
            self._role(MOD_ROLE_ID, "Moderator", _MOD_PERMS, 1),
            self._role(BOT_ROLE_ID, BOT_USERNAME, _BOT_PERMS, 2, managed=True, bot_id=BOT_USER_ID),
        ]
        self.channels[CHANNEL_ID] = {
            "id": str(CHANNEL_ID),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "treaty-watch",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "default_auto_archive_duration": 1440,
            "flags": 0,
        }
        self.members[BOT_USER_ID] = self._member(BOT_USER_ID, [BOT_ROLE_ID])
        self.members[OWNER_ID] = self._member(OWNER_ID, [MOD_ROLE_ID])
        self.members[USER_ID] = self._member(USER_ID, [])

    def add_user(self, user_id: int, username: str, *, bot: bool = False) -> dict[str, Any]:
        """Register a (non-member) user object and return it."""
        user = {
            "id": str(user_id),
            "username": username,
            "discriminator": "0",
            "global_name": username.capitalize(),
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "banner": None,
            "accent_color": None,
        }
        self.users[user_id] = user
        return user

    @staticmethod
    def _role(
        role_id: int,
        name: str,
        permissions: int,
        position: int,
        *,
        managed: bool = False,
        bot_id: int | None = None,
    ) -> dict[str, Any]:
        role: dict[str, Any] = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
        }
        if bot_id is not None:
            role["tags"] = {"bot_id": str(bot_id)}
        return role

    def _member(self, user_id: int, roles: list[int]) -> dict[str, Any]:
        return {
            "user": self.users[user_id],
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in roles],
            "joined_at": "2025-01-17T12:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }

    def guild_payload(self) -> dict[str, Any]:
        """The full guild object sent in GUILD_CREATE."""
        return {
            "id": str(GUILD_ID),
            "name": GUILD_NAME,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(OWNER_ID),
            "region": "",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "system_channel_id": str(self.channel_id) if self.channels else None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": copy.deepcopy(self.roles),
            "joined_at": "2025-01-17T12:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": copy.deepcopy(list(self.members.values())),
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"} for c in self.channels.values()
            ],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "application_id": None,
            "premium_progress_bar_enabled": False,
        }

    def _message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        *,
        author: dict[str, Any] | None = None,
        message_type: int = 0,
        webhook_id: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        embeds = []
        for embed in body.get("embeds") or []:
            embed = dict(embed)
            embed.setdefault("type", "rich")
            embeds.append(embed)
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": author or self.bot_user,
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": attachments or [],
            "embeds": embeds,
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0) | extra_flags,
            "components": body.get("components") or [],
            "sticker_items": [],
        }
        if int(channel_id) in self.channels:
            message["guild_id"] = str(GUILD_ID)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(APP_ID)
        self.messages[int(message["id"])] = message
        return message

    # ---------------------------------------------------------------- waiting

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 3.0) -> Any:
        """Wait until ``predicate()`` is truthy and return its value.

        Re-checked after everything the fake records and at least every 20 ms, so
        predicates on client-side state work too. Raises ``AssertionError`` (with
        ``unhandled`` / ``errors`` for context) on timeout.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"FakeDiscord.wait_for timed out after {timeout}s; "
                    f"unhandled={self.unhandled!r} errors={self.errors!r}"
                )
            async with self._changed:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(0.02, remaining))

    async def wait_for_callback(self, interaction_id: int, timeout: float = 3.0) -> Callback:
        """Wait for the (accepted) initial callback of ``interaction_id``."""

        def find() -> Callback | None:
            return next((c for c in self.callbacks if c.interaction_id == interaction_id), None)

        return await self.wait_for(find, timeout)

    async def wait_for_webhook_call(
        self, interaction_id: int, kind: str = "followup", timeout: float = 3.0
    ) -> WebhookCall:
        """Wait for a webhook call (``followup``, ``edit_original``...) of ``interaction_id``."""

        def find() -> WebhookCall | None:
            return next(
                (
                    c
                    for c in self.webhook_calls
                    if c.interaction_id == interaction_id and c.kind == kind
                ),
                None,
            )

        return await self.wait_for(find, timeout)

    # -------------------------------------------------------------- gateway

    @property
    def connected(self) -> bool:
        return any(c.session is not None and not c.closed for c in self._connections)

    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        compress = request.query.get("compress")
        encoding = request.query.get("encoding", "json")
        conn = _Connection(ws=ws, compress=compress, encoding=encoding)
        if encoding != "json":
            await ws.close(code=4002, message=b"fake discord only speaks encoding=json")
            return ws
        if compress == "zlib-stream":
            conn.compressor = zlib.compressobj()
        elif compress == "zstd-stream":
            conn.compressor = _zstd_compressor()
            if conn.compressor is None:
                await ws.close(
                    code=4000, message=b"zstd-stream requested but no zstd module available"
                )
                return ws
        elif compress:
            await ws.close(code=4000, message=b"unknown compress")
            return ws

        self._connections.append(conn)
        try:
            await self._send(
                conn,
                {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS, "_trace": []}},
            )
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    payload = json.loads(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    payload = json.loads(msg.data.decode())
                else:
                    break
                await self._on_gateway_payload(conn, payload)
                await self._notify()
        finally:
            conn.closed = True
            if conn in self._connections:
                self._connections.remove(conn)
            await self._notify()
        return ws

    async def _send(self, conn: _Connection, payload: dict[str, Any]) -> None:
        async with conn.lock:
            if conn.closed or conn.ws.closed:
                return
            if payload.get("op") == 0 and conn.session is not None:
                conn.session.seq += 1
                payload["s"] = conn.session.seq
            else:
                payload.setdefault("s", None)
            payload.setdefault("t", None)
            data = json.dumps(payload, separators=(",", ":"))
            if conn.compress == "zlib-stream":
                raw = conn.compressor.compress(data.encode()) + conn.compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await conn.ws.send_bytes(raw)
            elif conn.compress == "zstd-stream":
                await conn.ws.send_bytes(conn.compressor(data.encode()))
            else:
                await conn.ws.send_str(data)

    async def _on_gateway_payload(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == 1:  # heartbeat
            await self._send(conn, {"op": 11, "d": None})
        elif op == 2:  # identify
            await self._identify(conn, data or {})
        elif op == 6:  # resume
            self.resume_payloads.append(data)
            session = self._sessions.get((data or {}).get("session_id", ""))
            if session is None or (self.token is not None and data.get("token") != self.token):
                await self._send(conn, {"op": 9, "d": False})
                return
            conn.session = session
            await self._send(conn, {"op": 0, "t": "RESUMED", "d": {"_trace": []}})
        # anything else: ignored

    async def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.identify_payloads.append(data)
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if self.gateway_token is not None and data.get("token") != self.gateway_token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0) or 0)
        shard = data.get("shard")
        session = _Session(session_id=uuid.uuid4().hex, intents=intents, shard=shard)
        self._sessions[session.session_id] = session
        conn.session = session
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.bot_user,
            "user_settings": {},
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "guild_join_requests": [],
            "auth": {},
            "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = shard
        await self._send(conn, {"op": 0, "t": "READY", "d": ready})
        if intents & INTENT_GUILDS:
            await self._send(conn, {"op": 0, "t": "GUILD_CREATE", "d": self.guild_payload()})

    async def dispatch(self, event: str, data: dict[str, Any], *, intent: int | None = None) -> int:
        """Send a DISPATCH (op 0) ``event`` to every READY session; returns how many got it.

        With ``intent``, only sessions that identified with that intent bit receive it.
        """
        sent = 0
        for conn in list(self._connections):
            if conn.session is None or conn.closed:
                continue
            if intent is not None and not conn.session.intents & intent:
                continue
            await self._send(conn, {"op": 0, "t": event, "d": copy.deepcopy(data)})
            sent += 1
        return sent

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT (discord.py then RESUMEs on ``resume_gateway_url``)."""
        for conn in list(self._connections):
            await self._send(conn, {"op": 7, "d": None})

    # ------------------------------------------------------------ interactions

    def find_command(
        self, name: str, guild_id: int | None = GUILD_ID
    ) -> tuple[dict[str, Any] | None, int | None]:
        """Find a synced chat-input command by name: guild commands first, then global.

        Returns ``(command, scope_guild_id)`` -- scope ``None`` for a global command.
        """
        if guild_id is not None:
            for cmd in self.guild_commands.get(guild_id, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd, guild_id
        for cmd in self.global_commands:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd, None
        return None, None

    async def send_interaction(
        self,
        name: str = "treaty",
        sub: str | None = "status",
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        user_permissions: str | int = DEFAULT_MEMBER_PERMISSIONS,
        user_id: int = USER_ID,
        roles: Sequence[int] | None = None,
        channel_id: int | None = None,
        require_synced: bool = False,
    ) -> int:
        """Dispatch INTERACTION_CREATE for the slash command ``/name [sub] [options]``.

        ``sub`` may be ``"group sub"`` for a subcommand group, or ``None`` for a
        top-level command. ``options`` is ``{name: value}`` (types taken from the
        synced command schema, else inferred: bool 5, int 4, float 10, str 3) or a
        list of raw option dicts. ``data.guild_id``/``data.id`` follow the synced
        commands like Discord does (guild command -> guild_id set; global -> not);
        if nothing was synced the interaction is sent with ``data.guild_id`` so that
        discord.py's tree finds guild or (fallback) global commands. Returns the
        interaction id; its record is ``fake.interactions[id]``.
        """
        channel_id = self.channel_id if channel_id is None else channel_id
        command, scope = self.find_command(name)
        if command is None and require_synced:
            raise LookupError(
                f"command {name!r} was not synced to the fake (syncs: {self.command_syncs!r})"
            )

        sub_path = sub.split() if sub else []
        schema_options: list[dict[str, Any]] = list(command.get("options", [])) if command else []
        option_chain: list[dict[str, Any]] = []
        for depth, part in enumerate(sub_path):
            schema = next((o for o in schema_options if o.get("name") == part), None)
            is_last = depth == len(sub_path) - 1
            opt_type = schema["type"] if schema else (1 if is_last else 2)
            option_chain.append({"name": part, "type": opt_type, "options": []})
            schema_options = list(schema.get("options", [])) if schema else []

        leaf_options = self._build_options(options, schema_options)
        top_options: list[dict[str, Any]]
        if option_chain:
            for parent, child in zip(option_chain, option_chain[1:], strict=False):
                parent["options"] = [child]
            option_chain[-1]["options"] = leaf_options
            top_options = [option_chain[0]]
        else:
            top_options = leaf_options

        command_data: dict[str, Any] = {
            "id": command["id"] if command else str(self.snowflake()),
            "name": name,
            "type": 1,
            "options": top_options,
        }
        if command is None:
            command_data["guild_id"] = str(GUILD_ID)
        elif scope is not None:
            command_data["guild_id"] = str(scope)

        if user_id not in self.users:
            self.add_user(user_id, f"user{user_id % 10000}")
        member_roles = (
            [str(r) for r in roles]
            if roles is not None
            else list(self.members.get(user_id, {}).get("roles", []))
        )
        member = self._member(user_id, [int(r) for r in member_roles])
        member["permissions"] = str(user_permissions)

        interaction_id = self.snowflake()
        token = f"fake-interaction-token-{secrets.token_hex(24)}"
        channel = self.channels.get(channel_id) or {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(GUILD_ID),
            "name": "unknown",
            "position": 0,
            "permission_overwrites": [],
        }
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(APP_ID),
            "type": 2,
            "data": command_data,
            "guild_id": str(GUILD_ID),
            "guild": {"id": str(GUILD_ID), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(channel_id),
            "channel": channel,
            "member": member,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(_BOT_PERMS),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": _MAX_ATTACHMENT_SIZE,
        }
        record = FakeInteraction(
            id=interaction_id, token=token, payload=payload, dispatched_at=time.monotonic()
        )
        self.interactions[interaction_id] = record
        if not await self.dispatch("INTERACTION_CREATE", payload):
            raise RuntimeError("no READY gateway session to send the interaction to")
        return interaction_id

    @staticmethod
    def _build_options(
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        schema: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        if not options:
            return []
        if not isinstance(options, Mapping):
            return [dict(o) for o in options]
        built = []
        for key, value in options.items():
            spec = next((o for o in schema if o.get("name") == key), None)
            if spec is not None:
                opt_type = spec["type"]
            elif isinstance(value, bool):
                opt_type = 5
            elif isinstance(value, int):
                opt_type = 4
            elif isinstance(value, float):
                opt_type = 10
            else:
                opt_type = 3
            if opt_type in (6, 7, 8, 9) and not isinstance(value, str):
                value = str(value)
            built.append({"name": key, "type": opt_type, "value": value})
        return built

    async def send_user_message(
        self, content: str, *, channel_id: int | None = None, user_id: int = USER_ID
    ) -> dict[str, Any]:
        """Dispatch MESSAGE_CREATE for a member's message (needs GUILD_MESSAGES intent).

        Content is blanked for sessions without MESSAGE_CONTENT, like Discord does.
        """
        channel_id = self.channel_id if channel_id is None else channel_id
        if user_id not in self.users:
            self.add_user(user_id, f"user{user_id % 10000}")
        message = self._message(channel_id, {"content": content}, author=self.users[user_id])
        await self._dispatch_message_create(message, user_id)
        return message

    async def _dispatch_message_create(
        self, message: dict[str, Any], author_id: int, event_name: str = "MESSAGE_CREATE"
    ) -> None:
        event = dict(message)
        if "guild_id" in event:
            member = dict(self.members.get(author_id) or self._member(author_id, []))
            member.pop("user", None)
            event["member"] = member
        for conn in list(self._connections):
            if (
                conn.session is None
                or conn.closed
                or not conn.session.intents & INTENT_GUILD_MESSAGES
            ):
                continue
            data = copy.deepcopy(event)
            if author_id != BOT_USER_ID and not conn.session.intents & INTENT_MESSAGE_CONTENT:
                data.update(content="", embeds=[], attachments=[], components=[])
            await self._send(conn, {"op": 0, "t": event_name, "d": data})

    # ------------------------------------------------------------------- REST

    def _build_routes(self) -> None:
        """The routes discord.py uses for this project's bot and the tests of the fake."""
        r = self._add_route
        r("GET", r"/users/@me", self._get_me)
        r("GET", r"/oauth2/applications/@me", self._get_application)
        cmds = r"/applications/(?P<app_id>\d+)(?:/guilds/(?P<guild_id>\d+))?/commands"
        r("GET", cmds, self._list_commands)
        r("PUT", cmds, self._put_commands)
        r(
            "POST",
            r"/interactions/(?P<interaction_id>\d+)/(?P<token>[^/]+)/callback",
            self._callback,
            auth=False,
        )
        r("POST", r"/webhooks/(?P<app_id>\d+)/(?P<token>[^/]+)", self._followup, auth=False)
        chan = r"/channels/(?P<channel_id>\d+)"
        r("GET", chan, self._get_channel)
        r("POST", chan + r"/messages", self._post_message)
        r("GET", chan + r"/messages/(?P<message_id>\d+)", self._get_message)
        r("PATCH", chan + r"/messages/(?P<message_id>\d+)", self._edit_message)

    def _add_route(
        self, method: str, pattern: str, handler: _Handler, *, auth: bool = True
    ) -> None:
        self._routes.append((method, re.compile(pattern + r"/?"), handler, auth))

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        now = time.monotonic()
        version = request.match_info.get("version")
        path = "/" + request.match_info.get("tail", "")
        body, files = await self._read_body(request)
        auth = request.headers.get("Authorization")
        try:
            if version is None or version not in ("9", "10"):
                return self._unhandled(request, request.path)
            for method, pattern, handler, needs_auth in self._routes:
                if method != request.method:
                    continue
                match = pattern.fullmatch(path)
                if match is None:
                    continue
                if files:
                    self._request_files[id(request)] = files
                try:
                    if needs_auth and self.token is not None and auth != f"Bot {self.token}":
                        raise _DiscordError(401, "401: Unauthorized", 0)
                    return await handler(request, match, body)
                except _DiscordError as exc:
                    self.errors.append(
                        RecordedError(now, request.method, path, exc.status, exc.payload())
                    )
                    return _json_response(exc.payload(), exc.status)
                except Exception as exc:
                    # A bug in the fake: never answer 5xx (discord.py retries those).
                    error = {"message": f"fake discord handler crashed: {exc!r}", "code": 0}
                    self.errors.append(RecordedError(now, request.method, path, 400, error))
                    return _json_response(error, 400)
            return self._unhandled(request, path)
        finally:
            self._request_files.pop(id(request), None)
            await self._notify()

    def _unhandled(self, request: web.Request, path: str) -> web.Response:
        qs = request.query_string
        self.unhandled.append((request.method, path + (f"?{qs}" if qs else "")))
        return _json_response({"message": "Unknown", "code": 0}, 404)

    @staticmethod
    async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, str, bytes]]]:
        if not request.can_read_body:
            return None, []
        ctype = request.content_type
        if ctype == "multipart/form-data":
            form = await request.post()
            payload: Any = None
            files: list[tuple[str, str, bytes]] = []
            for key, value in form.items():
                if key == "payload_json":
                    payload = json.loads(value if isinstance(value, str) else value.file.read())
                elif isinstance(value, web.FileField):
                    files.append((key, value.filename, value.file.read()))
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return json.loads(raw), []
        except ValueError:
            return raw.decode(errors="replace"), []

    def _attachments_for(self, request: web.Request, where: str) -> list[dict[str, Any]]:
        files = self._request_files.get(id(request), [])
        result = []
        for _field_name, filename, data in files:
            self.uploaded_files.append((where, filename, data))
            attachment_id = self.snowflake()
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": filename,
                    "size": len(data),
                    "url": f"{self.base_url}/attachments/{attachment_id}/{filename}",
                    "proxy_url": f"{self.base_url}/attachments/{attachment_id}/{filename}",
                }
            )
        return result

    # --- validation mirroring Discord's limits

    @staticmethod
    def _validate_message(body: Any, *, require_content: bool = True) -> None:
        if not isinstance(body, Mapping):
            raise _DiscordError(400, "Cannot send an empty message", 50006)
        content = body.get("content") or ""
        if not isinstance(content, str):
            raise _form_error("content", "Could not interpret value as string.")
        if len(content) > 2000:
            raise _form_error("content", "Must be 2000 or fewer in length.")
        embeds = body.get("embeds") or []
        if len(embeds) > 10:
            raise _form_error("embeds", "Must be 10 or fewer in length.")
        total = 0
        limits = {"title": 256, "description": 4096}
        for i, embed in enumerate(embeds):
            for key, limit in limits.items():
                value = embed.get(key) or ""
                total += len(value)
                if len(value) > limit:
                    raise _form_error(f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                raise _form_error(f"embeds.{i}.fields", "Must be 25 or fewer in length.")
            for j, fld in enumerate(fields):
                name, value = fld.get("name") or "", fld.get("value") or ""
                if not name or not value:
                    raise _form_error(f"embeds.{i}.fields.{j}", "This field is required")
                if len(name) > 256:
                    raise _form_error(
                        f"embeds.{i}.fields.{j}.name", "Must be 256 or fewer in length."
                    )
                if len(value) > 1024:
                    raise _form_error(
                        f"embeds.{i}.fields.{j}.value", "Must be 1024 or fewer in length."
                    )
                total += len(name) + len(value)
            footer = (embed.get("footer") or {}).get("text") or ""
            if len(footer) > 2048:
                raise _form_error(f"embeds.{i}.footer.text", "Must be 2048 or fewer in length.")
            author = (embed.get("author") or {}).get("name") or ""
            if len(author) > 256:
                raise _form_error(f"embeds.{i}.author.name", "Must be 256 or fewer in length.")
            total += len(footer) + len(author)
        if total > 6000:
            raise _form_error("embeds", "Embed size exceeds maximum size of 6000")
        has_payload = content or embeds or body.get("components") or body.get("attachments")
        if require_content and not has_payload:
            raise _DiscordError(400, "Cannot send an empty message", 50006)

    # --- users / gateway / application

    async def _get_me(self, request: web.Request, match: re.Match[str], body: Any) -> web.Response:
        return _json_response(self.bot_user)

    async def _get_application(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        return _json_response(
            {
                "id": str(APP_ID),
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": self.users[OWNER_ID],
                "team": None,
                "flags": 0,
                "tags": [],
                "rpc_origins": [],
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "approximate_guild_count": 1,
                "bot": self.bot_user,
                "integration_types_config": {"0": {}},
            }
        )

    # --- application commands

    def _check_app(self, match: re.Match[str]) -> int | None:
        if int(match["app_id"]) != APP_ID:
            raise _DiscordError(403, "Missing Access", 50001)
        guild_id = match["guild_id"]
        if guild_id is not None and int(guild_id) != GUILD_ID:
            raise _DiscordError(403, "Missing Access", 50001)
        return int(guild_id) if guild_id is not None else None

    def _command_list(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.setdefault(guild_id, [])

    def _store_command(
        self, data: Mapping[str, Any], guild_id: int | None, existing: dict[str, Any] | None
    ) -> dict:
        if not isinstance(data, Mapping) or not data.get("name"):
            raise _form_error("name", "This field is required")
        command = copy.deepcopy(dict(data))
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command.setdefault("options", [])
        command.setdefault("default_member_permissions", None)
        command.setdefault("nsfw", False)
        command["id"] = existing["id"] if existing else str(self.snowflake())
        command["application_id"] = str(APP_ID)
        command["version"] = str(self.snowflake())
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        else:
            command.pop("guild_id", None)
        return command

    async def _list_commands(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        return _json_response(self._command_list(self._check_app(match)))

    async def _put_commands(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        guild_id = self._check_app(match)
        if not isinstance(body, list):
            raise _form_error("_root", "Must be an array.")
        self.command_syncs.append(
            CommandSync(time.monotonic(), "PUT", guild_id, copy.deepcopy(body))
        )
        current = {(c["name"], c.get("type", 1)): c for c in self._command_list(guild_id)}
        names = [(c.get("name"), c.get("type", 1)) for c in body if isinstance(c, Mapping)]
        if len(names) != len(set(names)):
            raise _form_error("_root", "Application command names must be unique")
        new = [
            self._store_command(c, guild_id, current.get((c.get("name"), c.get("type", 1))))
            for c in body
        ]
        if guild_id is None:
            self.global_commands = new
        else:
            self.guild_commands[guild_id] = new
        return _json_response(new)

    # --- interactions

    async def _callback(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        now = time.monotonic()
        interaction_id = int(match["interaction_id"])
        record = self.interactions.get(interaction_id)

        def reject(reason: str, error: _DiscordError) -> _DiscordError:
            self.rejected_callbacks.append(RejectedCallback(now, interaction_id, body, reason))
            return error

        if record is None or record.token != match["token"]:
            raise reject("unknown interaction", _DiscordError(404, "Unknown interaction", 10062))
        if record.responded_at is not None:
            raise reject(
                "already acknowledged",
                _DiscordError(400, "Interaction has already been acknowledged.", 40060),
            )
        if (
            self.interaction_deadline is not None
            and now - record.dispatched_at > self.interaction_deadline
        ):
            raise reject(
                f"late: {now - record.dispatched_at:.3f}s after dispatch",
                _DiscordError(404, "Unknown interaction", 10062),
            )
        if not isinstance(body, Mapping) or not isinstance(body.get("type"), int):
            raise reject("bad body", _form_error("type", "This field is required"))
        cb_type = body["type"]
        data = body.get("data") or {}
        if cb_type not in (1, 4, 5, 6, 7, 8, 9, 10, 12):
            raise reject("bad type", _form_error("type", "Value is not a valid enum value."))
        if cb_type == 4:
            try:
                self._validate_message(data)
            except _DiscordError as exc:
                raise reject(exc.message, exc) from None

        record.responded_at = now
        record.response_type = cb_type
        self.callbacks.append(Callback(now, interaction_id, copy.deepcopy(dict(body))))

        message: dict[str, Any] | None = None
        if cb_type in (4, 5):
            attachments = self._attachments_for(request, f"interaction:{interaction_id}")
            message = self._message(
                int(record.payload["channel_id"]),
                data if cb_type == 4 else {"flags": data.get("flags", 0)},
                webhook_id=APP_ID,
                message_type=20,
                attachments=attachments,
                extra_flags=128 if cb_type == 5 else 0,  # 128 = LOADING ("is thinking...")
            )
            message["interaction_metadata"] = {
                "id": str(interaction_id),
                "type": 2,
                "user": record.payload["member"]["user"],
                "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
                "name": record.payload["data"]["name"],
            }
            record.original_message = message
            if cb_type == 4 and not int(message["flags"]) & 64:
                await self._dispatch_message_create(message, BOT_USER_ID)

        if request.query.get("with_response") not in ("1", "true", "True"):
            return _no_content()
        flags = int(data.get("flags") or 0) if isinstance(data, Mapping) else 0
        response: dict[str, Any] = {
            "interaction": {
                "id": str(interaction_id),
                "type": record.payload["type"],
                "activity_instance_id": None,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": cb_type == 5,
                "response_message_ephemeral": bool(flags & 64),
            }
        }
        if message is not None:
            response["resource"] = {"type": cb_type, "message": message}
        return _json_response(response)

    def _interaction_for_webhook(self, match: re.Match[str]) -> FakeInteraction:
        if int(match["app_id"]) != APP_ID:
            raise _DiscordError(404, "Unknown Webhook", 10015)
        token = match["token"]
        record = next((i for i in self.interactions.values() if i.token == token), None)
        if record is None or record.responded_at is None:
            # Discord only accepts webhook calls for acknowledged interactions.
            raise _DiscordError(404, "Unknown Webhook", 10015)
        return record

    async def _followup(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        record = self._interaction_for_webhook(match)
        self._validate_message(body)
        self.webhook_calls.append(
            WebhookCall(time.monotonic(), "followup", record.id, None, copy.deepcopy(body))
        )
        attachments = self._attachments_for(request, f"interaction:{record.id}")
        # The first followup after a deferral replaces the "thinking" message, as on Discord.
        original = record.original_message
        event_name = "MESSAGE_CREATE"
        if record.response_type == 5 and original is not None and int(original["flags"]) & 128:
            self._apply_edit(original, {**body, "flags": body.get("flags") or 0}, attachments)
            message = original
            event_name = "MESSAGE_UPDATE"
        else:
            message = self._message(
                int(record.payload["channel_id"]), body, webhook_id=APP_ID, attachments=attachments
            )
            record.followup_ids.append(int(message["id"]))
        if not int(message["flags"]) & 64:
            await self._dispatch_message_create(message, BOT_USER_ID, event_name)
        return _json_response(message)

    def _apply_edit(
        self, message: dict[str, Any], body: Mapping[str, Any], attachments: list[dict[str, Any]]
    ) -> None:
        for key in ("content", "components"):
            if key in body and body[key] is not None:
                message[key] = body[key]
        if body.get("flags") is not None:
            # Editing cannot toggle EPHEMERAL (64) and always ends LOADING (128).
            message["flags"] = (int(body["flags"]) & ~64) | (int(message["flags"]) & 64)
        message["flags"] = int(message["flags"]) & ~128
        if "embeds" in body:
            message["embeds"] = [{"type": "rich", **e} for e in body.get("embeds") or []]
        if "attachments" in body or attachments:
            kept = [
                a
                for a in message.get("attachments", [])
                if any(a["id"] == str(b.get("id")) for b in body.get("attachments") or [])
            ]
            message["attachments"] = kept + attachments
        message["edited_timestamp"] = _now_iso()

    # --- channels / messages

    def _channel(self, match: re.Match[str]) -> tuple[int, dict[str, Any]]:
        channel_id = int(match["channel_id"])
        channel = self.channels.get(channel_id)
        if channel is None:
            raise _DiscordError(404, "Unknown Channel", 10003)
        return channel_id, channel

    def _channel_message(self, match: re.Match[str]) -> tuple[int, dict[str, Any]]:
        channel_id, _ = self._channel(match)
        message = self.messages.get(int(match["message_id"]))
        if message is None or int(message["channel_id"]) != channel_id:
            raise _DiscordError(404, "Unknown Message", 10008)
        return channel_id, message

    async def _get_channel(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        _, channel = self._channel(match)
        return _json_response(channel)

    async def _post_message(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        channel_id, channel = self._channel(match)
        self._validate_message(
            body if body is not None else {}, require_content=id(request) not in self._request_files
        )
        recorded = copy.deepcopy(dict(body or {}))
        files = self._request_files.get(id(request), [])
        if files:
            recorded["_files"] = [{"filename": name, "size": len(data)} for _, name, data in files]
        self.channel_messages.append(ChannelMessage(channel_id, recorded))
        attachments = self._attachments_for(request, f"channel:{channel_id}")
        message = self._message(channel_id, body or {}, attachments=attachments)
        channel["last_message_id"] = message["id"]
        await self._dispatch_message_create(message, BOT_USER_ID)
        return _json_response(message)

    async def _get_message(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        _, message = self._channel_message(match)
        return _json_response(message)

    async def _edit_message(
        self, request: web.Request, match: re.Match[str], body: Any
    ) -> web.Response:
        channel_id, message = self._channel_message(match)
        if message["author"]["id"] != str(BOT_USER_ID):
            raise _DiscordError(403, "Cannot edit a message authored by another user", 50005)
        body = body or {}
        self._validate_message({**message, **body})
        self.message_edits.append((channel_id, int(message["id"]), copy.deepcopy(body)))
        self._apply_edit(message, body, self._attachments_for(request, f"channel:{channel_id}"))
        await self._dispatch_message_create(message, BOT_USER_ID, "MESSAGE_UPDATE")
        return _json_response(message)

    # --- guild


def _zstd_compressor() -> Callable[[bytes], bytes] | None:
    """A per-connection zstd-stream compressor (flush per message), if a zstd module exists."""
    try:
        import zstandard  # type: ignore[import-not-found]
    except ImportError:
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            return None
        stdlib_compressor = zstd.ZstdCompressor()

        def compress_stdlib(data: bytes) -> bytes:
            return stdlib_compressor.compress(data, mode=zstd.ZstdCompressor.FLUSH_BLOCK)

        return compress_stdlib
    cobj = zstandard.ZstdCompressor().compressobj()

    def compress(data: bytes) -> bytes:
        return cobj.compress(data) + cobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    return compress


# ----------------------------------------------------------------- client helper


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    token: str = "fake-token",
    ready_timeout: float = 10.0,
    guild_ready_timeout: float | None = 0.05,
) -> AsyncIterator[discord.Client]:
    """Run ``client.start(token)`` against ``fake`` until ``on_ready``; close it cleanly on exit.

    Points discord.py at the fake (restoring the previous endpoints afterwards), starts
    the client in a task, waits until ``client.is_ready()`` (raising the client's own
    exception if ``start`` fails first), yields, then ``await client.close()`` and
    awaits the task.

    ``guild_ready_timeout``: discord.py waits this long after the last GUILD_CREATE
    before firing ``on_ready`` (its default is 2 s). The helper lowers it on the
    client's connection state to keep tests fast; pass ``None`` to leave it alone
    (or build the client with ``guild_ready_timeout=...`` yourself).
    """
    from bot.interfaces.discord.endpoints import apply_discord_endpoints, current_discord_endpoints

    previous = current_discord_endpoints()
    apply_discord_endpoints(fake.api_base, fake.gateway_url)
    if guild_ready_timeout is not None:
        client._connection.guild_ready_timeout = guild_ready_timeout
    task = asyncio.create_task(client.start(token), name="fake-discord-client")
    body_failed = True
    try:
        deadline = time.monotonic() + ready_timeout
        while not client.is_ready():
            if task.done():
                task.result()  # raises the client's exception
                raise RuntimeError("client.start() returned before the client became ready")
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"client not ready after {ready_timeout}s; unhandled={fake.unhandled!r} errors={fake.errors!r}"
                )
            await asyncio.sleep(0.01)
        yield client
        body_failed = False
    finally:
        try:
            await client.close()
            done, _ = await asyncio.wait({task}, timeout=5.0)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            elif not task.cancelled():
                exc = task.exception()
                if exc is not None and not body_failed:
                    raise exc
        finally:
            apply_discord_endpoints(*previous)
