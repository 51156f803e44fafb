"""The watchlist (``watchlist.yaml``): what the bot follows, how it polls, where it posts.

Public API (imported on first use, so that ``bot.config.units`` stays cheap to import without
pydantic and ruamel.yaml; ``bot.config.topic`` reads the default topic's YAML file)::

    check_watchlist(path, *, env=None, text=None) -> (Watchlist | None, [Problem])
    load_watchlist(path, *, env=None) -> Watchlist          raises ConfigError(problems)
    Watchlist                  the effective configuration (bot.config.schema)
    TopicConfig, PollConfig, HealthConfig, StatusConfig, DigestConfig, CommandsConfig, Feed
                               its sections (bot.config.sections)
    OUTPUT_TYPES, AnyOutputSpec, OutputSpec, ConsoleOutput, JsonlOutput, DiscordOutput,
    DiscordWebhookOutput, SlackWebhookOutput    its outputs (bot.config.outputs)
    Topic, DEFAULT_TOPIC, DEFAULT_NAME, DEFAULT_PARTIES, DEFAULT_KEYWORDS, DEFAULT_LOOKALIKES
                               what the matcher follows, and its defaults (bot.config.topic)
    parse_duration, format_duration, parse_size, format_size    "1h30m", "5MB" (bot.config.units)
    WatchlistWatcher           reload on edits (bot.config.watcher)
    list_feeds, add_feed, remove_feed, FeedEntry, EditResult
                               ``treatybot watch``: edit the feeds in the file (bot.config.edit)

Inside: ``source`` reads the YAML with positions, ``envsubst`` fills in ``${NAME}``,
``messages`` turns pydantic's errors into Problems, ``loader`` puts them together.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time __getattr__ imports on first use
    from bot.config.edit import EditResult, FeedEntry, add_feed, list_feeds, remove_feed
    from bot.config.loader import check_watchlist, load_watchlist
    from bot.config.outputs import (
        OUTPUT_TYPES,
        AnyOutputSpec,
        ConsoleOutput,
        DiscordOutput,
        DiscordWebhookOutput,
        JsonlOutput,
        OutputSpec,
        SlackWebhookOutput,
    )
    from bot.config.schema import Watchlist
    from bot.config.sections import (
        CommandsConfig,
        DigestConfig,
        Feed,
        HealthConfig,
        PollConfig,
        StatusConfig,
        TopicConfig,
    )
    from bot.config.topic import (
        DEFAULT_KEYWORDS,
        DEFAULT_LOOKALIKES,
        DEFAULT_NAME,
        DEFAULT_PARTIES,
        DEFAULT_TOPIC,
        Topic,
    )
    from bot.config.units import format_duration, format_size, parse_duration, parse_size
    from bot.config.watcher import WatchlistWatcher

__all__ = [
    "DEFAULT_KEYWORDS",
    "DEFAULT_LOOKALIKES",
    "DEFAULT_NAME",
    "DEFAULT_PARTIES",
    "DEFAULT_TOPIC",
    "OUTPUT_TYPES",
    "AnyOutputSpec",
    "CommandsConfig",
    "ConsoleOutput",
    "DigestConfig",
    "DiscordOutput",
    "DiscordWebhookOutput",
    "EditResult",
    "Feed",
    "FeedEntry",
    "HealthConfig",
    "JsonlOutput",
    "OutputSpec",
    "PollConfig",
    "SlackWebhookOutput",
    "StatusConfig",
    "Topic",
    "TopicConfig",
    "Watchlist",
    "WatchlistWatcher",
    "add_feed",
    "check_watchlist",
    "format_duration",
    "format_size",
    "list_feeds",
    "load_watchlist",
    "parse_duration",
    "parse_size",
    "remove_feed",
]

# Where __getattr__ looks for a public name, lightest first: a module comes after the ones it
# imports, so a search costs little more than importing the module that holds the name.
_MODULES = ("topic", "units", "sections", "outputs", "schema", "loader", "watcher", "edit")


def __getattr__(name: str) -> Any:
    if name in __all__:
        for home in _MODULES:
            module = import_module(f"bot.config.{home}")
            if name in module.__all__:
                value = getattr(module, name)
                globals()[name] = value  # found directly from now on
                return value
    raise AttributeError(f"module 'bot.config' has no attribute {name!r}")
