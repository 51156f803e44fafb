from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.interfaces.discord.client as discord_client
from bot.ingest.clean import CleanArticle
from bot.ingest.seeds import load_seeds
from bot.interfaces.discord.endpoints import apply_discord_endpoints, current_discord_endpoints

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds() -> dict[str, CleanArticle]:
    """The committed seed articles, cleaned, by their number ("000" ... "004")."""
    return {s.path.name[:3]: s.article for s in load_seeds(SEEDS)}


@pytest.fixture(autouse=True)
def _no_real_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a developer's real tokens (and so never reach the real services)."""
    for name in ("DISCORD_TOKEN", "DISCORD_GUILD_ID", "DISCORD_API_BASE", "DISCORD_GATEWAY_URL",
                 "SLACK_SIGNING_SECRET", "DISCORD_WEBHOOK_URL", "SLACK_WEBHOOK_URL",
                 "TREATYBOT_WATCHLIST", "TREATYBOT_STATE", "TREATYBOT_HTTP"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def discord_endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """discord.py's endpoints put back after a test pointed them at the local fake Discord; no
    long wait for guilds that the fake never sends."""
    monkeypatch.setattr(discord_client, "GUILD_READY_TIMEOUT", 0.05)
    previous = current_discord_endpoints()
    yield
    apply_discord_endpoints(*previous)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long runs (marked ``slow``) first: spread over pytest-xdist's workers from the
    start, they do not leave one worker busy long after the others are done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
