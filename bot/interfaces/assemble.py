"""The running bot put together: the core ``App`` with the chat clients the environment asks for.

The core never imports an interface; this is where they meet. Today the one client is
Discord's (when ``DISCORD_TOKEN`` is set); importing :mod:`bot.interfaces.discord` also
registers its ``discord`` output, so a watchlist that has one says what is missing without it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import Watchlist
from bot.core.app import App
from bot.interfaces.discord import discord_connectors


def make_app(watchlist: Watchlist, state_dir: Path, *, env: Mapping[str, str] | None = None,
             **kwargs: Any) -> App:
    """``App(watchlist, state_dir, **kwargs)`` with the connectors of ``env`` (default: the
    process environment). Raises TreatybotError for a bad ``DISCORD_GUILD_ID``."""
    connectors = discord_connectors(os.environ if env is None else env)
    return App(watchlist, state_dir, connectors=connectors, **kwargs)
