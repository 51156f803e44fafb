"""The Discord bot: ``/treaty`` slash commands and the ``discord`` output (posting as the bot).

One :class:`TreatyBot` (a ``discord.Client``) per process, owned by :class:`bot.core.app.App` and run
in the App's event loop next to the scheduler. Everything is set up in ``setup_hook``: the
command tree is synced there, and only when the commands changed (a hash of their payloads is
kept in the state database).

    /treaty status    the current status, since when, key evidence, sources, last check
    /treaty history   the status changes, oldest first
    /treaty sources   the latest relevant stories
    /treaty feeds     each feed's health
    /treaty check     poll every feed now (Manage Server, or a role in commands.check_roles)
    /treaty watch list                    the feeds in the watchlist file
    /treaty watch add name url [interval] add a feed to the file (who may run check)
    /treaty watch remove name             remove a feed from the file (who may run check)

The commands answer from the state database only (``check`` defers first, then runs a cycle);
``watch`` reads and edits the watchlist file through :mod:`bot.config.edit` (checked before it is
written, comments kept), and the running bot's hot reload (:mod:`bot.core.reload`) applies the edit.
Every answer pings nobody (``AllowedMentions.none()``) and fits Discord's limits. A command
that fails answers "Something went wrong ..." and logs the traceback (``CommandTree.on_error``).

Environment: ``DISCORD_TOKEN`` (never logged), ``DISCORD_GUILD_ID`` (sync the commands to that
server only; they show up at once), ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL`` (see
:mod:`bot.interfaces.discord.endpoints`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
from discord import app_commands
from discord.utils import MISSING, escape_markdown

from bot.config.edit import EditResult, FeedEntry, add_feed, list_feeds, remove_feed
from bot.config.units import format_duration
from bot.core.views import (
    feeds_report,
    feeds_text,
    history_report,
    history_text,
    sources_report,
    sources_text,
    status_report,
    status_text,
)
from bot.delivery.base import mark
from bot.delivery.render import COLOURS, render_discord
from bot.delivery.timeline import render_timeline_png
from bot.errors import (
    ConfigError,
    DeliveryError,
    OutputDisabled,
    PermanentDeliveryError,
    Problem,
    TreatybotError,
)
from bot.interfaces.discord.endpoints import apply_discord_endpoints
from bot.models import Digest
from bot.redact import redact_url

if TYPE_CHECKING:
    from bot.core.app import App

log = logging.getLogger(__name__)

__all__ = [
    "ENV_GUILD_ID",
    "ENV_TOKEN",
    "DiscordChannelOutput",
    "TreatyBot",
    "delivery_error",
    "discord_token",
    "fit",
    "guild_id_from_env",
    "inert",
]

ENV_TOKEN = "DISCORD_TOKEN"
ENV_GUILD_ID = "DISCORD_GUILD_ID"

NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = 2000
DESCRIPTION_LIMIT = 4096
TITLE_LIMIT = 256
ELLIPSIS = "…"
ZWSP = "\u200b"

#: discord.py waits this long after the last GUILD_CREATE before ``on_ready`` (its default).
GUILD_READY_TIMEOUT = 2.0
#: a 429 asking for a longer wait raises ``RateLimited`` instead of sleeping (30 is the minimum).
MAX_RATELIMIT_TIMEOUT = 30.0
#: how long the discord output waits for the client before giving the digest back to the outbox.
SEND_READY_WAIT = 10.0
#: the whole of one post (discord.py retries 5xx itself and sleeps on short rate limits).
SEND_TIMEOUT = 90.0
LOGIN_RETRY_FIRST = 5.0
LOGIN_RETRY_MAX = 300.0
SOURCES_SHOWN = 10

HASH_KEY = "discord_commands_hash:{scope}"

ERROR_WHAT = {
    "status": "reading the status",
    "history": "reading the history",
    "sources": "reading the sources",
    "feeds": "reading the feeds",
    "check": "running the check",
    "list": "reading the watchlist",
    "add": "adding the feed",
    "remove": "removing the feed",
}

_DISABLED_STATUSES = frozenset({401, 403, 404})
# Gateway close codes after which discord.py does not reconnect (the client stops).
FATAL_CLOSE_CODES = {
    4004: f"authentication failed: check {ENV_TOKEN}",
    4010: "invalid shard",
    4011: "sharding required",
    4012: "invalid API version",
    4013: "invalid intents",
    4014: "disallowed intents: enable them in the Developer Portal",
}
_RETRYABLE_4XX = frozenset({408, 425})
_DETAIL_MAX = 200


# --------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------


def discord_token(env: Mapping[str, str] | None = None) -> str | None:
    """``$DISCORD_TOKEN`` without surrounding blanks, or None when unset or empty."""
    value = (os.environ if env is None else env).get(ENV_TOKEN, "").strip()
    return value or None


def guild_id_from_env(env: Mapping[str, str] | None = None) -> int | None:
    """``$DISCORD_GUILD_ID`` as an int, None when unset; TreatybotError when not an ID."""
    raw = (os.environ if env is None else env).get(ENV_GUILD_ID, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,20}", raw) or int(raw) == 0:
        raise TreatybotError(
            f"{ENV_GUILD_ID} must be the server's numeric ID (e.g. 123456789012345678), "
            f"not {raw!r}"
        )
    return int(raw)


# --------------------------------------------------------------------------------------
# Text that fits and pings nobody
# --------------------------------------------------------------------------------------

_MENTION_AT = re.compile("@(?!\u200b)")
_ANGLE_MENTION = re.compile("<(?=[!@#&])")


def inert(text: str) -> str:
    """Feed text made inert for Discord: markdown escaped (links kept), mentions broken."""
    text = escape_markdown(text, ignore_links=True)
    text = _MENTION_AT.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def _u16(text: str) -> int:
    """Length as Discord counts it (UTF-16 code units); never less than len()."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` cut to ``limit`` characters with "…"; ``keep_end`` keeps the last lines."""
    if _u16(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if keep_end:
        tail = text[-room:]
        while _u16(tail) > room:
            tail = tail[1:]
        newline = tail.find("\n")
        if 0 <= newline < len(tail) // 2:
            tail = tail[newline:]  # start on a whole line: "…" then a newline
        return ELLIPSIS + tail
    head = text[:room]
    while _u16(head) > room:
        head = head[:-1]
    return head.rstrip("\\").rstrip() + ELLIPSIS


def _embed(title: str, text: str, *, colour: int | None = None,
           keep_end: bool = False) -> discord.Embed:
    return discord.Embed(
        title=fit(title, TITLE_LIMIT),
        description=fit(inert(text), DESCRIPTION_LIMIT, keep_end=keep_end),
        colour=COLOURS["neutral"] if colour is None else colour,
    )


# --------------------------------------------------------------------------------------
# The bot
# --------------------------------------------------------------------------------------


class TreatyTree(app_commands.CommandTree["TreatyBot"]):
    """The command tree; a failing command gets a short answer and a log line."""

    async def on_error(
        self, interaction: discord.Interaction[TreatyBot], error: app_commands.AppCommandError, /
    ) -> None:
        command = interaction.command
        name = command.name if command is not None else "?"
        original = getattr(error, "original", error)
        log.error(
            "/%s failed (user %s, guild %s): %s",
            command.qualified_name if command is not None else "treaty ?", interaction.user.id,
            interaction.guild_id, original, exc_info=original,
        )
        what = ERROR_WHAT.get(name, "answering")
        await reply(
            interaction,
            f"Something went wrong {what}; the team has been told in the bot's log.",
            ephemeral=True,
        )


async def reply(interaction: discord.Interaction[Any], content: str | None = None, *,
                embed: discord.Embed | None = None, ephemeral: bool = False,
                file: discord.File | None = None) -> None:
    """Answer once: the initial response, or a followup when the interaction was answered."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, "ephemeral": ephemeral}
    if content is not None:
        kwargs["content"] = fit(content, CONTENT_LIMIT)
    if embed is not None:
        kwargs["embed"] = embed
    if file is not None:
        kwargs["file"] = file
    try:
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)
    except discord.HTTPException as exc:
        log.warning("could not answer interaction %s: %s", interaction.id, exc)


class TreatyCommands(app_commands.Group):
    """``/treaty ...``: read the bot's state; ``check`` polls the feeds now; ``watch`` edits
    the watchlist's feeds."""

    watch = app_commands.Group(name="watch", description="The feeds in the watchlist")

    def __init__(self, bot: TreatyBot) -> None:
        super().__init__(name="treaty", description="The Russia–Iran treaty tracker",
                         guild_only=True)
        self.bot = bot
        self._check_lock = asyncio.Lock()
        self._edit_lock = asyncio.Lock()  # one watchlist edit at a time

    @property
    def app(self) -> App:
        return self.bot.core.app

    def _db(self) -> Any:
        if self.app.db is None:
            raise RuntimeError("the state database is not open")
        return self.app.db

    @app_commands.command(name="status", description="Current status, key evidence, sources")
    async def status(self, interaction: discord.Interaction[TreatyBot]) -> None:
        watchlist = self.app.watchlist
        report = status_report(self._db(), watchlist.topic.name,
                               [feed.name for feed in watchlist.feeds])
        colour = COLOURS.get(report["status"] or "", COLOURS["neutral"])
        await reply(interaction, embed=_embed("Treaty status", status_text(report), colour=colour))

    @app_commands.command(name="history", description="The status changes, oldest first")
    async def history(self, interaction: discord.Interaction[TreatyBot]) -> None:
        history = history_report(self._db())
        text = history_text(history)
        embed = _embed("Status history", text, keep_end=True)
        if not history:
            await reply(interaction, embed=embed)
            return
        # drawing the picture may take longer than Discord's 3 seconds: defer first
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(render_timeline_png, history, title="Treaty status")
        file = None
        if png is not None:
            file = discord.File(io.BytesIO(png), filename="timeline.png")
            embed.set_image(url="attachment://timeline.png")
        await reply(interaction, embed=embed, file=file)

    @app_commands.command(name="sources", description="The latest relevant stories")
    async def sources(self, interaction: discord.Interaction[TreatyBot]) -> None:
        rows = sources_report(self._db(), relevant_only=True, limit=SOURCES_SHOWN)
        await reply(interaction, embed=_embed("Latest sources", sources_text(rows)))

    @app_commands.command(name="feeds", description="Each feed's health")
    async def feeds(self, interaction: discord.Interaction[TreatyBot]) -> None:
        db, watchlist = self._db(), self.app.watchlist
        configured = [{"name": f.name, "url": f.url, "interval": watchlist.feed_interval(f)}
                      for f in watchlist.feeds]
        text = feeds_text(feeds_report(db, configured), db.disabled_outputs())
        await reply(interaction, embed=_embed("Feed health", text))

    @app_commands.command(name="check", description="Poll every feed now")
    async def check(self, interaction: discord.Interaction[TreatyBot]) -> None:
        roles = list(self.app.watchlist.commands.check_roles)
        if not may_check(interaction, roles):
            await reply(interaction, _refusal(roles), ephemeral=True)
            return
        if self._check_lock.locked():
            await reply(interaction, "A check is already running; its summary will be posted "
                        "when it finishes.", ephemeral=True)
            return
        async with self._check_lock:
            await interaction.response.defer(thinking=True)
            log.info("/treaty check by user %s", interaction.user.id)
            report = await self.app.cycle()
        await reply(interaction, inert(report.summary()))

    # -- /treaty watch ---------------------------------------------------------------------
    @watch.command(name="list", description="The feeds in the watchlist file")
    async def watch_list(self, interaction: discord.Interaction[TreatyBot]) -> None:
        path = self.app.watchlist.path
        if path is None:
            await reply(interaction, NO_WATCHLIST_FILE, ephemeral=True)
            return
        try:
            entries = await asyncio.to_thread(list_feeds, path)
        except ConfigError as exc:
            await reply(interaction, _problems_text("The watchlist has problems:", exc.problems),
                        ephemeral=True)
            return
        title = f"Feeds in {path.name} ({len(entries)})"
        await reply(interaction, embed=_embed(title, watch_list_text(entries)))

    @watch.command(name="add", description="Add a feed to the watchlist")
    @app_commands.describe(name="A short name for the feed, e.g. TASS",
                           url="The feed's address (http or https)",
                           interval="How often to poll it, e.g. 30m or 1h (default: the "
                                    "watchlist's poll.interval)")
    async def watch_add(self, interaction: discord.Interaction[TreatyBot],
                        name: app_commands.Range[str, 1, 100],
                        url: app_commands.Range[str, 1, 2000],
                        interval: str | None = None) -> None:
        await self._edit(interaction, "add", add_feed, name, url, interval=interval)

    @watch.command(name="remove", description="Remove a feed from the watchlist")
    @app_commands.describe(name="The feed's name, as /treaty watch list shows it")
    async def watch_remove(self, interaction: discord.Interaction[TreatyBot],
                           name: app_commands.Range[str, 1, 100]) -> None:
        await self._edit(interaction, "remove", remove_feed, name)

    async def _edit(self, interaction: discord.Interaction[TreatyBot], action: str,
                    edit: Callable[..., EditResult], *args: Any, **kwargs: Any) -> None:
        """Who may run /treaty check may edit; the edit is checked before it is written."""
        roles = list(self.app.watchlist.commands.check_roles)
        if not may_check(interaction, roles):
            await reply(interaction, _refusal(roles, f"/treaty watch {action}"), ephemeral=True)
            return
        path = self.app.watchlist.path
        if path is None:
            await reply(interaction, NO_WATCHLIST_FILE, ephemeral=True)
            return
        try:
            async with self._edit_lock:
                result = await asyncio.to_thread(edit, path, *args, **kwargs)
        except ConfigError as exc:  # WatchEditError: refused, the file is untouched
            verb = "added" if action == "add" else "removed"
            await reply(interaction, _problems_text(f"The feed was not {verb}:", exc.problems),
                        ephemeral=True)
            return
        log.info("/treaty watch %s by user %s: %s", action, interaction.user.id,
                 result.describe())
        running = getattr(self.app, "scheduler", None) is not None  # run_forever: hot reload on
        await reply(interaction, watch_edit_text(result, running=running))


NO_WATCHLIST_FILE = "The bot's watchlist was not read from a file; there is nothing to edit."


def watch_list_text(entries: list[FeedEntry]) -> str:
    """The feeds for ``/treaty watch list`` (plain text; made inert by the embed)."""
    if not entries:
        return "No feeds in the watchlist. Add one with /treaty watch add."
    lines = []
    for entry in entries:
        every = format_duration(entry.interval)
        lines.append(f"{entry.name}: every {every}" + ("" if entry.own_interval else
                                                        " (the default)"))
        lines.append(f"    {redact_url(entry.url)}")
    return "\n".join(lines)


def watch_edit_text(result: EditResult, *, running: bool) -> str:
    """The answer to an accepted ``/treaty watch add|remove``."""
    feed = result.feed
    every = format_duration(feed.interval)
    what = f"**{inert(feed.name)}** ({inert(redact_url(feed.url))}, every {every})"
    if result.action == "added":
        text = f"Added feed {what} to {inert(result.path.name)}. "
        text += ("The bot reloads the watchlist within a few seconds and polls the new feed "
                 "then." if running else "It is polled from the bot's next run.")
    else:
        text = f"Removed feed {what} from {inert(result.path.name)}. "
        text += ("The bot reloads the watchlist within a few seconds and stops polling it; "
                 "what was read from it stays." if running
                 else "It is no longer polled from the bot's next run.")
    return text


def _problems_text(heading: str, problems: list[Problem]) -> str:
    """One line per problem, with the file's name only (not its folder)."""
    lines = [str(p.with_file_name()) for p in problems]
    return heading + "\n" + "\n".join(f"• {inert(line)}" for line in lines)


def may_check(interaction: discord.Interaction[Any], roles: list[str]) -> bool:
    """Manage Server, or one of ``roles`` (by name, case-insensitive); never in DMs."""
    user = interaction.user
    if not isinstance(user, discord.Member):
        return False
    if interaction.permissions.manage_guild or user.guild_permissions.manage_guild:
        return True
    wanted = {r.casefold() for r in roles}
    return any(role.name.casefold() in wanted for role in user.roles)


def _refusal(roles: list[str], command: str = "/treaty check") -> str:
    who = "members with the Manage Server permission"
    if roles:
        who += " or one of the roles " + ", ".join(roles)
    return f"Only {who} can run {command}."


class TreatyBot(discord.Client):
    """The project's Discord client: the /treaty commands and the channel posts."""

    def __init__(self, app: App, *, guild_id: int | None = None,
                 guild_ready_timeout: float | None = None) -> None:
        # This bot never joins voice: no "PyNaCl is not installed" warnings on every start.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=discord.Intents(guilds=True),
            allowed_mentions=NO_MENTIONS,
            max_ratelimit_timeout=MAX_RATELIMIT_TIMEOUT,
            guild_ready_timeout=(GUILD_READY_TIMEOUT if guild_ready_timeout is None
                                 else guild_ready_timeout),
        )
        self.app = app
        self.guild_id = guild_id
        self.tree = TreatyTree(self)
        self.tree.add_command(TreatyCommands(self))
        self.failure: BaseException | None = None  # why the client stopped for good
        self.synced: bool | None = None  # after setup_hook: True synced, False skipped/failed
        self._task: asyncio.Task[None] | None = None

    # -- life cycle --------------------------------------------------------------------
    def launch(self, token: str) -> None:
        """Log in and connect in a background task of the running loop (once)."""
        if self._task is not None:
            return
        apply_discord_endpoints()
        self._task = asyncio.create_task(self._run(token), name="treatybot-discord")

    @property
    def launched(self) -> bool:
        return self._task is not None

    async def _run(self, token: str) -> None:
        try:
            if await self._login_with_retries(token):
                await self.connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded; the outputs report it
            self.failure = exc
            log.error("the Discord client stopped: %s", exc, exc_info=exc)

    async def _login_with_retries(self, token: str) -> bool:
        delay = LOGIN_RETRY_FIRST
        while not self.is_closed():
            try:
                await self.login(token)
                return True
            except discord.LoginFailure as exc:
                self.failure = exc
                log.error("Discord refused the token in %s (401); the bot stays offline",
                          ENV_TOKEN)
                return False
            except (OSError, aiohttp.ClientError, asyncio.TimeoutError,
                    discord.HTTPException) as exc:
                log.warning("could not log in to Discord (%s); retrying in %.0fs",
                            _short(exc), delay)
                await self._drop_http_session()
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOGIN_RETRY_MAX)
        return False

    async def _drop_http_session(self) -> None:
        """Before another login: close the half-made session (it owns the connector)."""
        with contextlib.suppress(Exception):
            await self.http.close()
        self.http.connector = MISSING

    async def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for READY; False at once if it cannot come."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.is_ready():
            if self._task is None or self._task.done() or self.is_closed():
                return False
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def shutdown(self) -> None:
        """Close the connection and wait for the background task."""
        task, self._task = self._task, None
        if task is None:
            return
        with contextlib.suppress(Exception):
            await self.close()
        done, _ = await asyncio.wait({task}, timeout=5.0)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- discord.py hooks ----------------------------------------------------------------
    async def setup_hook(self) -> None:
        self.synced = await self.sync_commands()

    async def on_ready(self) -> None:
        user = self.user
        log.info("connected to Discord as %s (id %s) in %d server(s)",
                 user, user.id if user else "?", len(self.guilds))

    # -- command sync --------------------------------------------------------------------
    def _scope(self) -> tuple[discord.Object | None, str]:
        if self.guild_id is None:
            return None, "global"
        return discord.Object(self.guild_id), str(self.guild_id)

    def commands_hash(self) -> str:
        target, _ = self._scope()
        payload = [c.to_dict(self.tree) for c in self.tree.get_commands(guild=target)]
        blob = json.dumps({"application_id": self.application_id, "commands": payload},
                          sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    async def sync_commands(self) -> bool:
        """Sync the tree (to DISCORD_GUILD_ID, else globally) when its commands changed."""
        target, scope = self._scope()
        if target is not None:
            self.tree.copy_global_to(guild=target)
        where = f"server {scope}" if target is not None else "all servers (global)"
        digest = self.commands_hash()
        key = HASH_KEY.format(scope=scope)
        db = self.app.db
        if db is not None and db.get_value(key) == digest:
            if await self._commands_registered(target):
                log.info("slash commands unchanged for %s; not syncing", where)
                return False
            log.warning("slash commands missing on Discord for %s (deleted, or the "
                        "application was reset); syncing them again", where)
        try:
            synced = await self.tree.sync(guild=target)
        except (discord.HTTPException, app_commands.AppCommandError) as exc:
            log.error("could not sync the slash commands to %s: %s", where, _short(exc))
            return False
        if db is not None:
            db.set_value(key, digest)
        log.info("synced %d slash command(s) to %s", len(synced), where)
        return True

    async def _commands_registered(self, target: discord.Object | None) -> bool:
        """Whether Discord still has every command of the tree (one GET). When it cannot be
        asked, assume it has: the sync stays skipped, as the stored hash says."""
        try:
            registered = await self.tree.fetch_commands(guild=target)
        except (discord.HTTPException, app_commands.AppCommandError) as exc:
            log.warning("could not list the registered slash commands: %s", _short(exc))
            return True
        names = {command.name for command in registered}
        return all(c.name in names for c in self.tree.get_commands(guild=target))


# --------------------------------------------------------------------------------------
# The discord output
# --------------------------------------------------------------------------------------


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + ELLIPSIS


def _header_seconds(exc: discord.HTTPException) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("Retry-After", "X-RateLimit-Reset-After"):
        try:
            return max(float(headers.get(name)), 0.0)
        except (TypeError, ValueError):
            continue
    return None


def _close_code(failure: BaseException | None) -> int | None:
    """The gateway close code that stopped the client, if that is what stopped it."""
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return 4014
    if isinstance(failure, discord.ConnectionClosed):
        return failure.code
    return None


def delivery_error(exc: BaseException, where: str) -> DeliveryError:
    """What an exception from discord.py means for the outbox (see bot.delivery.base)."""
    if isinstance(exc, discord.RateLimited):
        return mark(DeliveryError(f"{where}: rate limited by Discord",
                                  retry_after=exc.retry_after), retryable=True, http_status=429)
    if isinstance(exc, discord.HTTPException):
        return _http_error(exc, where)
    if isinstance(exc, (OSError, aiohttp.ClientError, asyncio.TimeoutError)):
        return mark(DeliveryError(f"{where}: could not reach Discord ({_short(exc)})"),
                    retryable=True)
    return mark(DeliveryError(f"{where}: {_short(exc)}"), retryable=True)


def _http_error(exc: discord.HTTPException, where: str) -> DeliveryError:
    status = exc.status
    detail = f"HTTP {status}" + (f" {_short(exc.text)}" if exc.text else "")
    if exc.code:
        detail += f" (code {exc.code})"
    if status == 429:
        return mark(DeliveryError(f"{where}: rate limited by Discord",
                                  retry_after=_header_seconds(exc)), retryable=True,
                    http_status=status)
    if status >= 500 or status in _RETRYABLE_4XX:
        return mark(DeliveryError(f"{where}: Discord answered {detail}"), retryable=True,
                    http_status=status)
    if status in _DISABLED_STATUSES or isinstance(exc, (discord.Forbidden, discord.NotFound)):
        hint = _disabled_hint(status)
        return mark(OutputDisabled(f"{where}: Discord answered {detail}{hint}"),
                    retryable=False, http_status=status)
    return mark(PermanentDeliveryError(f"{where}: Discord refused the message: {detail}"),
                retryable=False, http_status=status)


def _disabled_hint(status: int) -> str:
    if status == 403:
        return "; the bot needs View Channel, Send Messages and Embed Links there"
    if status == 404:
        return "; check the channel_id in the watchlist"
    return "; check DISCORD_TOKEN"


class DiscordChannelOutput:
    """Posts each digest to one channel through the bot (``render_discord``: content + embed)."""

    type = "discord"

    def __init__(self, bot: TreatyBot, channel_id: int, *, key: str = "discord",
                 ready_wait: float | None = None, timeout: float = SEND_TIMEOUT) -> None:
        self.bot = bot
        self.channel_id = int(channel_id)
        self.key = key
        self.ready_wait = SEND_READY_WAIT if ready_wait is None else ready_wait
        self.timeout = timeout
        self.where = f"Discord channel {self.channel_id}"

    async def send(self, digest: Digest) -> str | None:
        await self._ready()
        payload = render_discord(digest)
        channel = self._channel()
        try:
            message = await asyncio.wait_for(
                channel.send(
                    content=payload.get("content") or None,
                    embeds=[discord.Embed.from_dict(e) for e in payload.get("embeds", [])],
                    allowed_mentions=NO_MENTIONS,
                ),
                timeout=self.timeout,
            )
        except (discord.DiscordException, OSError, aiohttp.ClientError,
                asyncio.TimeoutError) as exc:
            raise delivery_error(exc, self.where) from None
        log.info("posted digest %s (%s) to %s as message %s", digest.id, digest.kind,
                 self.where, message.id)
        return str(message.id)

    async def _ready(self) -> None:
        failure = self.bot.failure
        if isinstance(failure, discord.LoginFailure):
            raise mark(OutputDisabled(f"{self.where}: Discord refused the token in {ENV_TOKEN}"),
                       retryable=False, http_status=401)
        code = _close_code(failure)
        if code in FATAL_CLOSE_CODES:
            # the client has stopped for good: waiting for it would hold the digests forever
            raise mark(OutputDisabled(f"{self.where}: the Discord gateway closed the connection "
                                      f"({code}: {FATAL_CLOSE_CODES[code]})"),
                       retryable=False)
        if not await self.bot.wait_ready(self.ready_wait):
            raise mark(DeliveryError("discord client not connected"), retryable=True)

    def _channel(self) -> Any:
        channel = self.bot.get_channel(self.channel_id)
        if channel is None:
            return self.bot.get_partial_messageable(self.channel_id)
        if not hasattr(channel, "send"):
            raise mark(OutputDisabled(f"{self.where} is not a channel the bot can post in"),
                       retryable=False)
        return channel

    async def close(self) -> None:
        return None  # the client belongs to the App

    def __repr__(self) -> str:
        return f"DiscordChannelOutput(key={self.key!r}, channel_id={self.channel_id})"
