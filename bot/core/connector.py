"""A chat client that runs inside the bot: what the App needs of it, nothing more.

The command line plugs connectors into the :class:`~bot.core.app.App` (today: the Discord
client, when ``DISCORD_TOKEN`` is set) as factories that receive the App's
:class:`~bot.core.service.TreatyService`. The App starts them with the bot, hands them to the
output registry (an output of their type posts through them) and closes them first on the way
out, since their commands read the database. The core never imports an interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from bot.core.service import TreatyService


class Connector(Protocol):
    """One long-lived client (e.g. a Discord gateway connection)."""

    @property
    def failure(self) -> BaseException | None:
        """Why the client stopped for good, when it did (already logged by the client)."""
        ...

    def serves(self, outputs: Iterable[Any]) -> bool:
        """Whether one of these outputs posts through this client (so digests wait for it)."""
        ...

    def launch(self) -> None:
        """Connect in the background (log in, open the gateway); returns at once."""
        ...

    def is_ready(self) -> bool: ...

    async def wait_ready(self, timeout: float) -> bool:
        """Wait until connected, at most ``timeout`` seconds; whether it is."""
        ...

    async def shutdown(self) -> None: ...


ConnectorFactory = Callable[[TreatyService], Connector]
