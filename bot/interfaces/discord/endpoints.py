"""Point discord.py at a configurable Discord API / gateway (e.g. a local fake).

discord.py 2.x has exactly two process-wide knobs that decide where a bot talks to:

* ``discord.http.Route.BASE`` (a ``str`` class attribute, default
  ``https://discord.com/api/v10``). Every REST call -- the bot's ``HTTPClient``
  *and* the interaction/webhook adapter in ``discord.webhook.async_`` (interaction
  callbacks, ``followup``, ``edit_original_response`` ...) -- builds its URL as
  ``Route.BASE + path`` when the ``Route`` object is created, i.e. per request.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (a ``yarl.URL``, default
  ``wss://gateway.discord.gg/``). A plain ``discord.Client`` connects straight to
  it (``DiscordWebSocket.from_client`` with ``gateway=None``) without calling
  ``GET /gateway/bot``; discord.py replaces the query with
  ``?v=10&encoding=json&compress=zlib-stream`` (``zstd-stream`` if ``zstandard`` is
  importable). Resumes go to READY's ``resume_gateway_url``; an invalidated
  session goes back to ``DEFAULT_GATEWAY``. ``AutoShardedClient`` (without an
  explicit ``shard_count``) instead asks ``GET /gateway/bot`` (through
  ``Route.BASE``) and uses the ``url`` it returns.

Other ``discord.com`` strings in discord.py are not request targets for a bot:
``Webhook.url`` / ``jump_url`` properties build display links, ``Asset.BASE``
(``https://cdn.discordapp.com``) is only fetched when code reads an asset
(``Asset.read()`` / ``save()``), and ``Invite.BASE`` is ``https://discord.gg``.

Both knobs are class attributes, so they affect every client in the process and
are read lazily: call :func:`apply_discord_endpoints` before ``Client.start`` /
``login``. The function is idempotent -- it always sets absolute values (never
derived from the current ones), so calling it repeatedly with the same inputs
leaves the same state. :func:`reset_discord_endpoints` restores discord.py's
defaults (handy in test teardown).
"""

from __future__ import annotations

import os

import discord.gateway
import discord.http
import yarl

__all__ = [
    "DEFAULT_API_BASE",
    "DEFAULT_GATEWAY_URL",
    "ENV_API_BASE",
    "ENV_GATEWAY_URL",
    "apply_discord_endpoints",
    "current_discord_endpoints",
    "reset_discord_endpoints",
]

ENV_API_BASE = "DISCORD_API_BASE"
ENV_GATEWAY_URL = "DISCORD_GATEWAY_URL"

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


def _normalise_api_base(value: str) -> str:
    value = value.strip()
    url = yarl.URL(value)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"Discord API base must be an http(s) URL, got {value!r}")
    if url.query_string or url.fragment:
        raise ValueError(f"Discord API base must not have a query or fragment, got {value!r}")
    # Route does ``BASE + path`` with paths starting with "/", so no trailing slash.
    return value.rstrip("/")


def _normalise_gateway(value: str) -> yarl.URL:
    value = value.strip()
    url = yarl.URL(value)
    if url.scheme not in ("ws", "wss") or not url.host:
        raise ValueError(f"Discord gateway URL must be a ws(s) URL, got {value!r}")
    # discord.py replaces the query (v/encoding/compress) itself.
    return url.with_query(None).with_fragment(None)


def apply_discord_endpoints(api_base: str | None = None, gateway_url: str | None = None) -> None:
    """Point discord.py's REST base URL and default gateway at the given endpoints.

    ``api_base`` falls back to ``$DISCORD_API_BASE`` and then to
    ``https://discord.com/api/v10``; ``gateway_url`` falls back to
    ``$DISCORD_GATEWAY_URL`` and then to ``wss://gateway.discord.gg/``. Empty
    environment values count as unset. With no arguments and no environment this
    restores discord.py's defaults.

    Sets ``discord.http.Route.BASE`` and
    ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` (process-wide). Must be
    called before the client logs in / connects. Idempotent.

    Raises ``ValueError`` for a non-http(s) API base or a non-ws(s) gateway URL.
    """
    if api_base is None:
        api_base = os.environ.get(ENV_API_BASE) or DEFAULT_API_BASE
    if gateway_url is None:
        gateway_url = os.environ.get(ENV_GATEWAY_URL) or DEFAULT_GATEWAY_URL

    base = _normalise_api_base(api_base)
    gateway = _normalise_gateway(gateway_url)

    discord.http.Route.BASE = base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway


def reset_discord_endpoints() -> None:
    """Restore discord.py's built-in endpoints (ignores the environment)."""
    apply_discord_endpoints(DEFAULT_API_BASE, DEFAULT_GATEWAY_URL)


def current_discord_endpoints() -> tuple[str, str]:
    """Return ``(Route.BASE, str(DEFAULT_GATEWAY))`` as discord.py currently sees them."""
    return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
