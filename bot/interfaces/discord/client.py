"""The project's Discord client: the ``/treaty`` commands and the channel posts, one per process.

:class:`TreatyBot` is a :class:`~bot.core.connector.Connector`: the App builds it from its
service (``discord_connectors`` in the package), launches it in its own event loop next to the
scheduler and closes it first on the way out. Everything is set up in ``setup_hook``: the
command tree is synced there, and only when the commands changed (a hash of their payloads is
kept in the state database, through the service).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Iterable
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.utils import MISSING

from bot.core.service import ServiceUnavailable, TreatyService
from bot.interfaces.discord.commands import ServiceClient, TreatyCommands, TreatyTree
from bot.interfaces.discord.endpoints import apply_discord_endpoints
from bot.interfaces.discord.formatting import NO_MENTIONS, short_error
from bot.interfaces.discord.settings import ENV_TOKEN, OUTPUT_TYPE

log = logging.getLogger(__name__)

#: discord.py waits this long after the last GUILD_CREATE before ``on_ready`` (its default).
GUILD_READY_TIMEOUT = 2.0
#: a 429 asking for a longer wait raises ``RateLimited`` instead of sleeping (30 is the minimum).
MAX_RATELIMIT_TIMEOUT = 30.0
LOGIN_RETRY_FIRST = 5.0
LOGIN_RETRY_MAX = 300.0

HASH_KEY = "discord_commands_hash:{scope}"  # state database key: the synced commands' hash


class TreatyBot(ServiceClient):
    """The Discord client of one :class:`~bot.core.service.TreatyService`."""

    def __init__(self, service: TreatyService, *, token: str, guild_id: int | None = None,
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
        self.service = service
        self.guild_id = guild_id
        self.tree = TreatyTree(self)
        self.tree.add_command(TreatyCommands(service))
        self.failure: BaseException | None = None  # why the client stopped for good
        self.synced: bool | None = None  # after setup_hook: True synced, False skipped/failed
        self._token = token  # never logged
        self._task: asyncio.Task[None] | None = None

    # -- the Connector ---------------------------------------------------------------------
    def serves(self, outputs: Iterable[Any]) -> bool:
        """Whether a ``discord`` output is among ``outputs`` (it posts through this client)."""
        return any(output.type == OUTPUT_TYPE for output in outputs)

    def launch(self) -> None:
        """Log in and connect in a background task of the running loop (once)."""
        if self._task is not None:
            return
        apply_discord_endpoints()
        self._task = asyncio.create_task(self._run(), name="treatybot-discord")

    @property
    def launched(self) -> bool:
        return self._task is not None

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

    # -- connecting ------------------------------------------------------------------------
    async def _run(self) -> None:
        try:
            if await self._login_with_retries():
                await self.connect()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded; the outputs report it
            self.failure = exc
            log.error("the Discord client stopped: %s", exc, exc_info=exc)

    async def _login_with_retries(self) -> bool:
        delay = LOGIN_RETRY_FIRST
        while not self.is_closed():
            try:
                await self.login(self._token)
                return True
            except discord.LoginFailure as exc:
                self.failure = exc
                log.error("Discord refused the token in %s (401); the bot stays offline",
                          ENV_TOKEN)
                return False
            except (OSError, aiohttp.ClientError, asyncio.TimeoutError,
                    discord.HTTPException) as exc:
                log.warning("could not log in to Discord (%s); retrying in %.0fs",
                            short_error(exc), delay)
                await self._drop_http_session()
                await asyncio.sleep(delay)
                delay = min(delay * 2, LOGIN_RETRY_MAX)
        return False

    async def _drop_http_session(self) -> None:
        """Before another login: close the half-made session (it owns the connector)."""
        with contextlib.suppress(Exception):
            await self.http.close()
        self.http.connector = MISSING

    # -- discord.py hooks ------------------------------------------------------------------
    async def setup_hook(self) -> None:
        self.synced = await self.sync_commands()

    async def on_ready(self) -> None:
        user = self.user
        log.info("connected to Discord as %s (id %s) in %d server(s)",
                 user, user.id if user else "?", len(self.guilds))

    # -- command sync ----------------------------------------------------------------------
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
        if self._stored_hash(key) == digest:
            if await self._commands_registered(target):
                log.info("slash commands unchanged for %s; not syncing", where)
                return False
            log.warning("slash commands missing on Discord for %s (deleted, or the "
                        "application was reset); syncing them again", where)
        try:
            synced = await self.tree.sync(guild=target)
        except (discord.HTTPException, app_commands.AppCommandError) as exc:
            log.error("could not sync the slash commands to %s: %s", where, short_error(exc))
            return False
        with contextlib.suppress(ServiceUnavailable):  # no state database: nothing to keep
            self.service.store_value(key, digest)
        log.info("synced %d slash command(s) to %s", len(synced), where)
        return True

    def _stored_hash(self, key: str) -> str | None:
        try:
            return self.service.stored_value(key)
        except ServiceUnavailable:  # no state database: sync
            return None

    async def _commands_registered(self, target: discord.Object | None) -> bool:
        """Whether Discord still has every command of the tree (one GET). When it cannot be
        asked, assume it has: the sync stays skipped, as the stored hash says."""
        try:
            registered = await self.tree.fetch_commands(guild=target)
        except (discord.HTTPException, app_commands.AppCommandError) as exc:
            log.warning("could not list the registered slash commands: %s", short_error(exc))
            return True
        names = {command.name for command in registered}
        return all(c.name in names for c in self.tree.get_commands(guild=target))
