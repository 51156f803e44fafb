"""What the environment tells the Discord client: its token and the server to sync to.

``DISCORD_TOKEN`` (never logged) and ``DISCORD_GUILD_ID``; where discord.py connects
(``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``) is :mod:`bot.interfaces.discord.endpoints`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from bot.errors import TreatybotError

ENV_TOKEN = "DISCORD_TOKEN"
ENV_GUILD_ID = "DISCORD_GUILD_ID"

#: the watchlist's output type that posts through the client, and the connector's name
OUTPUT_TYPE = "discord"


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
