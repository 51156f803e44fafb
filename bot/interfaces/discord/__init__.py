"""The Discord bot: ``/treaty`` slash commands and the ``discord`` output (posting as the bot).

    client      TreatyBot: the discord.py client, a Connector of the App; syncs the commands
    commands    the /treaty group, answered through the TreatyService only
    output      DiscordChannelOutput, registered as the watchlist's output type ``discord``
    formatting  texts that fit Discord's limits and ping nobody; the /treaty watch answers
    settings    DISCORD_TOKEN and DISCORD_GUILD_ID
    endpoints   DISCORD_API_BASE / DISCORD_GATEWAY_URL (a local fake in tests)

The command line plugs the client into the App with :func:`discord_connectors` (see
``bot.interfaces.assemble``); importing this package registers the ``discord`` output, which
says "set DISCORD_TOKEN" (its digests wait in the outbox) while there is no client.

Environment: ``DISCORD_TOKEN`` (never logged), ``DISCORD_GUILD_ID`` (sync the commands to that
server only; they show up at once), ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.connector import Connector, ConnectorFactory
from bot.core.service import TreatyService
from bot.interfaces.discord.client import TreatyBot
from bot.interfaces.discord.formatting import DESCRIPTION_LIMIT, fit, inert
from bot.interfaces.discord.output import DiscordChannelOutput, delivery_error
from bot.interfaces.discord.settings import (
    ENV_GUILD_ID,
    ENV_TOKEN,
    OUTPUT_TYPE,
    discord_token,
    guild_id_from_env,
)

__all__ = [
    "DESCRIPTION_LIMIT",
    "ENV_GUILD_ID",
    "ENV_TOKEN",
    "DiscordChannelOutput",
    "TreatyBot",
    "delivery_error",
    "discord_connectors",
    "discord_token",
    "fit",
    "guild_id_from_env",
    "inert",
]


def discord_connectors(env: Mapping[str, str]) -> dict[str, ConnectorFactory]:
    """The Discord client for the App when ``DISCORD_TOKEN`` is set, else nothing.

    Raises TreatybotError when ``DISCORD_GUILD_ID`` is set but is not a server's ID.
    """
    token = discord_token(env)
    if token is None:
        return {}
    guild_id = guild_id_from_env(env)

    def connect(service: TreatyService) -> Connector:
        return TreatyBot(service, token=token, guild_id=guild_id)

    return {OUTPUT_TYPE: connect}
