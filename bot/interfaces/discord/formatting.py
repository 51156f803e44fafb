"""Texts for Discord that fit its limits and ping nobody, and the answers of ``/treaty watch``.

Digests are laid out by :mod:`bot.delivery.formats.discord`; this module is for the command
answers, which are plain text from :mod:`bot.core.views` (not HTML), so :func:`inert` escapes
markdown and breaks mentions without stripping anything, and :func:`fit` can keep the end of
a long text (the latest history) instead of its start.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import discord
from discord.utils import escape_markdown

from bot.config import EditResult, FeedEntry, format_duration
from bot.delivery.formats import COLOURS, DISCORD_LIMITS, ELLIPSIS
from bot.delivery.formats.common import MENTION_AT, ZWSP, u16_length
from bot.errors import Problem
from bot.redact import redact_url

NO_MENTIONS = discord.AllowedMentions.none()
CONTENT_LIMIT = DISCORD_LIMITS["content"]
DESCRIPTION_LIMIT = DISCORD_LIMITS["description"]
TITLE_LIMIT = DISCORD_LIMITS["title"]
ERROR_DETAIL_MAX = 200  # characters of an exception's text in a log line or a delivery error

NO_WATCHLIST_FILE = "The bot's watchlist was not read from a file; there is nothing to edit."

# a zero-width space after "<" breaks <@user>, <#channel>, <!channel> and <&...> forms alike
_ANGLE_MENTION = re.compile("<(?=[!@#&])")


def inert(text: str) -> str:
    """Text made inert for Discord: markdown escaped (links kept), mentions broken."""
    text = escape_markdown(text, ignore_links=True)
    text = MENTION_AT.sub("@" + ZWSP, text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def fit(text: str, limit: int, *, keep_end: bool = False) -> str:
    """``text`` cut to ``limit`` characters with "…"; ``keep_end`` keeps the last lines."""
    if u16_length(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    if keep_end:
        tail = text[-room:]
        while u16_length(tail) > room:
            tail = tail[1:]
        newline = tail.find("\n")
        if 0 <= newline < len(tail) // 2:
            tail = tail[newline:]  # start on a whole line: "…" then a newline
        return ELLIPSIS + tail
    head = text[:room]
    while u16_length(head) > room:
        head = head[:-1]
    return head.rstrip("\\").rstrip() + ELLIPSIS


def embed(title: str, text: str, *, colour: int | None = None,
          keep_end: bool = False) -> discord.Embed:
    """An answer's embed: ``text`` made inert and cut to the description's limit."""
    return discord.Embed(
        title=fit(title, TITLE_LIMIT),
        description=fit(inert(text), DESCRIPTION_LIMIT, keep_end=keep_end),
        colour=COLOURS["neutral"] if colour is None else colour,
    )


def short_error(error: BaseException | str) -> str:
    """An exception's (or an error body's) text on one line, at most
    :data:`ERROR_DETAIL_MAX` characters."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= ERROR_DETAIL_MAX else text[: ERROR_DETAIL_MAX - 1] + ELLIPSIS


# --------------------------------------------------------------------------------------
# /treaty watch and who may run it
# --------------------------------------------------------------------------------------


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
    """The answer to an accepted ``/treaty watch add|remove``; ``running``: the bot reloads
    the file by itself."""
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


def problems_text(heading: str, problems: Sequence[Problem]) -> str:
    """One line per problem, with the file's name only (not its folder)."""
    lines = [str(p.with_file_name()) for p in problems]
    return heading + "\n" + "\n".join(f"• {inert(line)}" for line in lines)


def interval_problem(path: Path, index: int, reason: str) -> Problem:
    """A refused ``interval`` of the feed ``/treaty watch add`` would append as
    ``feeds[index]``, worded as the watchlist check words it for the edit."""
    return Problem(str(path), None, None,
                   f"`feeds[{index}].interval`: {reason} (nothing was changed)")


def refusal_text(roles: Sequence[str], command: str) -> str:
    """Who may run ``command`` (``/treaty check``, ``/treaty watch add`` ...)."""
    who = "members with the Manage Server permission"
    if roles:
        who += " or one of the roles " + ", ".join(roles)
    return f"Only {who} can run {command}."
