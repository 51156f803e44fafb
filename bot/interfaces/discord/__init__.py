"""The Discord bot: ``/treaty`` slash commands and the ``discord`` output (posting as the bot).

    client      TreatyBot: the discord.py client, a Connector of the App; syncs the commands
    commands    the /treaty group, answered through the TreatyService only
    output      DiscordChannelOutput, registered as the watchlist's output type ``discord``
    formatting  texts that fit Discord's limits and ping nobody; the /treaty watch answers
    settings    DISCORD_TOKEN and DISCORD_GUILD_ID
    endpoints   DISCORD_API_BASE / DISCORD_GATEWAY_URL (a local fake in tests)

The command line plugs the client into the App with :func:`discord_connectors` (see
``bot.interfaces.assemble``), which registers the ``discord`` output. The package itself
imports discord.py only when one of its names is used: a bot without a token never pays
for it.

Environment: ``DISCORD_TOKEN`` (never logged), ``DISCORD_GUILD_ID`` (sync the commands to that
server only; they show up at once), ``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

from bot.delivery.base import Output
from bot.delivery.registry import (
    OutputContext,
    OutputUnavailable,
    register_output,
    registered_types,
)
from bot.interfaces.discord.settings import ENV_TOKEN, OUTPUT_TYPE, discord_token, guild_id_from_env

if TYPE_CHECKING:
    from bot.core.connector import Connector, ConnectorFactory
    from bot.core.service import TreatyService

_LAZY = {
    "DESCRIPTION_LIMIT": "bot.interfaces.discord.formatting",
    "fit": "bot.interfaces.discord.formatting",
    "inert": "bot.interfaces.discord.formatting",
    "DiscordChannelOutput": "bot.interfaces.discord.output",
    "delivery_error": "bot.interfaces.discord.output",
    "TreatyBot": "bot.interfaces.discord.client",
    "ENV_GUILD_ID": "bot.interfaces.discord.settings",
}

__all__ = sorted([*_LAZY, "ENV_TOKEN", "discord_connectors", "discord_token",
                  "guild_id_from_env"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _needs_token(spec: Any, context: OutputContext) -> Output:
    raise OutputUnavailable(f"set {ENV_TOKEN} to use the discord output; "
                            "digests for it are kept in the outbox")


def discord_connectors(env: Mapping[str, str]) -> dict[str, ConnectorFactory]:
    """The Discord client for the App when ``DISCORD_TOKEN`` is set, else nothing; either way
    the ``discord`` output is registered (without a client it says "set DISCORD_TOKEN" and its
    digests wait in the outbox).

    Raises TreatybotError when ``DISCORD_GUILD_ID`` is set but is not a server's ID.
    """
    token = discord_token(env)
    if token is None:
        if OUTPUT_TYPE not in registered_types():  # no client: the output can only wait
            register_output(OUTPUT_TYPE)(_needs_token)
        return {}
    guild_id = guild_id_from_env(env)
    from bot.interfaces.discord.client import TreatyBot

    import_module("bot.interfaces.discord.output")

    def connect(service: TreatyService) -> Connector:
        return TreatyBot(service, token=token, guild_id=guild_id)

    return {OUTPUT_TYPE: connect}
