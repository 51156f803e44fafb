"""The ``/treaty`` slash commands, answered through the :class:`~bot.core.service.TreatyService`.

    /treaty status    the current status, since when, key evidence, sources, last check
    /treaty history   the status changes, oldest first (and the timeline picture)
    /treaty sources   the latest relevant stories
    /treaty feeds     each feed's health
    /treaty check     poll every feed now                       (who passes ``may_act``)
    /treaty watch list                    the feeds in the watchlist file
    /treaty watch add name url [interval] add a feed to the file (who passes ``may_act``)
    /treaty watch remove name             remove a feed from the file (who passes ``may_act``)

``may_act`` (an ``app_commands.check``): Manage Server, or a role in ``commands.check_roles``;
the refusal is answered from :meth:`TreatyTree.on_error`, and so is a bad ``interval`` (the
:class:`IntervalTransformer` reads it as the watchlist does). Every answer pings nobody and fits
Discord's limits; a command that fails answers "Something went wrong ..." and logs the traceback.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from bot.config import EditResult, parse_duration
from bot.core.service import TreatyService, UnknownTopic
from bot.core.views import feeds_text, history_text, sources_text, status_text
from bot.delivery.formats import COLOURS, render_timeline_png
from bot.errors import ConfigError
from bot.interfaces.discord.formatting import (
    CONTENT_LIMIT,
    NO_MENTIONS,
    NO_WATCHLIST_FILE,
    embed,
    fit,
    inert,
    interval_problem,
    problems_text,
    refusal_text,
    watch_edit_text,
    watch_list_text,
)

log = logging.getLogger(__name__)

SOURCES_SHOWN = 10
TIMELINE_TITLE = "Treaty status"

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


class ServiceClient(discord.Client):
    """A Discord client that answers from one service (the TreatyBot of ``client.py``): the
    checks and the error handler find it as ``interaction.client.service``."""

    service: TreatyService


Interaction = discord.Interaction[ServiceClient]


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


# --------------------------------------------------------------------------------------
# Who may act, and the interval option
# --------------------------------------------------------------------------------------


def may_check(interaction: discord.Interaction[Any], roles: list[str]) -> bool:
    """Manage Server, or one of ``roles`` (by name, case-insensitive); never in DMs."""
    user = interaction.user
    if not isinstance(user, discord.Member):
        return False
    if interaction.permissions.manage_guild or user.guild_permissions.manage_guild:
        return True
    wanted = {r.casefold() for r in roles}
    return any(role.name.casefold() in wanted for role in user.roles)


def may_act(interaction: Interaction) -> bool:
    """The check of ``/treaty check`` and ``/treaty watch add|remove``."""
    return may_check(interaction, interaction.client.service.check_roles)


class BadInterval(app_commands.TransformerError):
    """The ``interval`` of ``/treaty watch add`` is not a duration the watchlist accepts."""

    def __init__(self, value: str, reason: str,
                 transformer: app_commands.Transformer[Any]) -> None:
        super().__init__(value, discord.AppCommandOptionType.string, transformer)
        self.reason = reason


class IntervalTransformer(app_commands.Transformer[ServiceClient]):
    """A duration as the watchlist writes it (``30m``, ``1h30m``, ``90s``, seconds): the text
    is kept as typed, since the edit writes it into the file; a bad one raises BadInterval
    with the words of the watchlist check."""

    async def transform(self, interaction: Interaction, value: Any, /) -> str:
        text = str(value).strip()
        try:
            seconds = parse_duration(text)
        except ValueError as exc:
            raise BadInterval(text, str(exc), self) from None
        if seconds <= 0:
            raise BadInterval(text, f"should be greater than 0, got {text!r}", self)
        return text


async def interval_refusal(service: TreatyService, reason: str) -> str:
    """The answer to a bad interval: the problem as the edit itself would report it."""
    path = service.watchlist_path
    if path is None:
        return NO_WATCHLIST_FILE
    try:
        index = len(await asyncio.to_thread(service.watch_list))  # the new feed's place
    except ConfigError as exc:
        return problems_text("The feed was not added:", exc.problems)
    return problems_text("The feed was not added:", [interval_problem(path, index, reason)])


class TreatyTree(app_commands.CommandTree[ServiceClient]):
    """The command tree: refusals and bad options get their answer; a failing command gets a
    short answer and a log line."""

    async def on_error(self, interaction: Interaction,
                       error: app_commands.AppCommandError, /) -> None:
        command = interaction.command
        service = interaction.client.service
        if isinstance(error, app_commands.CheckFailure) and command is not None:
            refusal = refusal_text(service.check_roles, f"/{command.qualified_name}")
            await reply(interaction, refusal, ephemeral=True)
            return
        if isinstance(error, BadInterval):
            await reply(interaction, await interval_refusal(service, error.reason), ephemeral=True)
            return
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error(
            "/%s failed (user %s, guild %s): %s",
            command.qualified_name if command is not None else "treaty ?", interaction.user.id,
            interaction.guild_id, original, exc_info=original,
        )
        what = ERROR_WHAT.get(command.name if command is not None else "?", "answering")
        await reply(interaction,
                    f"Something went wrong {what}; the team has been told in the bot's log.",
                    ephemeral=True)


# --------------------------------------------------------------------------------------
# /treaty
# --------------------------------------------------------------------------------------


class TreatyCommands(app_commands.Group):
    """``/treaty ...``: read the bot's state; ``check`` polls the feeds now; ``watch`` edits
    the watchlist's feeds."""

    watch = app_commands.Group(name="watch", description="The feeds in the watchlist")

    def __init__(self, service: TreatyService) -> None:
        super().__init__(name="treaty", description="The treaty tracker",
                         guild_only=True)
        self.service = service
        self._check_lock = asyncio.Lock()
        self._edit_lock = asyncio.Lock()  # one watchlist edit at a time

    @app_commands.command(name="status", description="Current status, key evidence, sources")
    @app_commands.describe(topic="Which topic (default: the first)")
    async def status(self, interaction: Interaction, topic: str | None = None) -> None:
        try:
            report = self.service.status() if topic is None else self.service.status(topic)
        except UnknownTopic as exc:
            await reply(interaction, str(exc), ephemeral=True)
            return
        colour = COLOURS.get(report["status"] or "", COLOURS["neutral"])
        text = status_text(report, self.service.party_names_of(topic))
        await reply(interaction, embed=embed("Treaty status", text, colour=colour))

    @status.autocomplete("topic")
    async def _topic_choices(self, interaction: Interaction,
                             current: str) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        return [app_commands.Choice(name=f"{t['name']} ({t['id']})"[:100], value=t["id"])
                for t in self.service.topics()
                if typed in t["id"] or typed in t["name"].casefold()][:25]

    @app_commands.command(name="history", description="The status changes, oldest first")
    async def history(self, interaction: Interaction) -> None:
        history = self.service.history()
        answer = embed("Status history", history_text(history, self.service.party_names),
                       keep_end=True)
        if not history:
            await reply(interaction, embed=answer)
            return
        # drawing the picture may take longer than Discord's 3 seconds: defer first
        await interaction.response.defer(thinking=True)
        png = await asyncio.to_thread(render_timeline_png, history, title=TIMELINE_TITLE)
        file = None
        if png is not None:
            file = discord.File(io.BytesIO(png), filename="timeline.png")
            answer.set_image(url="attachment://timeline.png")
        await reply(interaction, embed=answer, file=file)

    @app_commands.command(name="sources", description="The latest relevant stories")
    async def sources(self, interaction: Interaction) -> None:
        rows = self.service.sources(relevant_only=True, limit=SOURCES_SHOWN)
        await reply(interaction, embed=embed("Latest sources", sources_text(rows)))

    @app_commands.command(name="feeds", description="Each feed's health")
    async def feeds(self, interaction: Interaction) -> None:
        text = feeds_text(self.service.feeds(), self.service.disabled_outputs())
        await reply(interaction, embed=embed("Feed health", text))

    @app_commands.command(name="check", description="Poll every feed now")
    @app_commands.check(may_act)
    async def check(self, interaction: Interaction) -> None:
        if self._check_lock.locked():
            await reply(interaction, "A check is already running; its summary will be posted "
                        "when it finishes.", ephemeral=True)
            return
        async with self._check_lock:
            await interaction.response.defer(thinking=True)
            log.info("/treaty check by user %s", interaction.user.id)
            summary = await self.service.check()
        await reply(interaction, inert(summary))

    # -- /treaty watch -----------------------------------------------------------------------
    @watch.command(name="list", description="The feeds in the watchlist file")
    async def watch_list(self, interaction: Interaction) -> None:
        path = self.service.watchlist_path
        if path is None:
            await reply(interaction, NO_WATCHLIST_FILE, ephemeral=True)
            return
        try:
            entries = await asyncio.to_thread(self.service.watch_list)
        except ConfigError as exc:
            await reply(interaction, problems_text("The watchlist has problems:", exc.problems),
                        ephemeral=True)
            return
        title = f"Feeds in {path.name} ({len(entries)})"
        await reply(interaction, embed=embed(title, watch_list_text(entries)))

    @watch.command(name="add", description="Add a feed to the watchlist")
    @app_commands.describe(name="A short name for the feed, e.g. TASS",
                           url="The feed's address (http or https)",
                           interval="How often to poll it, e.g. 30m or 1h (default: the "
                                    "watchlist's poll.interval)")
    @app_commands.check(may_act)
    async def watch_add(self, interaction: Interaction,
                        name: app_commands.Range[str, 1, 100],
                        url: app_commands.Range[str, 1, 2000],
                        interval: app_commands.Transform[str, IntervalTransformer] | None = None,
                        ) -> None:
        await self._edit(interaction, "add",
                         lambda: self.service.watch_add(name, url, interval=interval))

    @watch.command(name="remove", description="Remove a feed from the watchlist")
    @app_commands.describe(name="The feed's name, as /treaty watch list shows it")
    @app_commands.check(may_act)
    async def watch_remove(self, interaction: Interaction,
                           name: app_commands.Range[str, 1, 100]) -> None:
        await self._edit(interaction, "remove", lambda: self.service.watch_remove(name))

    async def _edit(self, interaction: Interaction, action: str,
                    edit: Callable[[], EditResult]) -> None:
        """The edit runs in a thread, one at a time; it is checked before it is written."""
        if self.service.watchlist_path is None:
            await reply(interaction, NO_WATCHLIST_FILE, ephemeral=True)
            return
        try:
            async with self._edit_lock:
                result = await asyncio.to_thread(edit)
        except ConfigError as exc:  # WatchEditError: refused, the file is untouched
            verb = "added" if action == "add" else "removed"
            await reply(interaction, problems_text(f"The feed was not {verb}:", exc.problems),
                        ephemeral=True)
            return
        log.info("/treaty watch %s by user %s: %s", action, interaction.user.id,
                 result.describe())
        await reply(interaction, watch_edit_text(result, running=self.service.hot_reload))
