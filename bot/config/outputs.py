"""The entries of the watchlist's ``outputs:`` list: where digests go, as configured.

These describe outputs; the running ones are built from them in :mod:`bot.delivery`. A webhook
URL is a secret: it is masked in every text these models produce (``describe``, ``repr``).

    OUTPUT_TYPES      {"console": ConsoleOutput, "jsonl": JsonlOutput, ...} by ``type:``
    AnyOutputSpec     one output of any type, told apart by its ``type:`` key
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator

from bot.config.fields import StrictModel, resolve_path
from bot.redact import mask_url

__all__ = [
    "OUTPUT_TYPES",
    "AnyOutputSpec",
    "ConsoleOutput",
    "DiscordOutput",
    "DiscordWebhookOutput",
    "JsonlOutput",
    "OutputSpec",
    "SlackWebhookOutput",
    "WebhookOutput",
]


class OutputSpec(StrictModel):
    """What every output has: an optional ``name`` and, once in a Watchlist, a unique key.

    Each subclass declares its ``type`` as a literal field (not here: a field declared in the
    base would move ``type`` ahead of the subclass's own keys in dumps).
    """

    name: str | None = Field(default=None, min_length=1)
    _key: str = PrivateAttr(default="")

    @property
    def key(self) -> str:
        """Unique per output: its name, else its type (plus ``#2``, ``#3``... if repeated)."""
        return self._key or self.name or self.type  # type: ignore[attr-defined]

    def assign_key(self, key: str) -> None:
        """Set the unique key (done once, by the Watchlist that holds this output)."""
        self._key = key

    def describe(self) -> str:
        """One line for humans (type, key, target); never shows a secret."""
        text = self.type  # type: ignore[attr-defined]
        if self.key != text:
            text += f" `{self.key}`"
        detail = self._detail()
        return f"{text}: {detail}" if detail else text

    def _detail(self) -> str:
        return ""


class ConsoleOutput(OutputSpec):
    type: Literal["console"] = "console"


class JsonlOutput(OutputSpec):
    type: Literal["jsonl"] = "jsonl"
    path: Path  # relative to the watchlist's folder; made absolute by check_watchlist

    @field_validator("path", mode="before")
    @classmethod
    def _resolve(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or not value.strip():
            if isinstance(value, str):
                raise ValueError("path is empty")
            return value
        base = (info.context or {}).get("base_dir")
        return resolve_path(value.strip(), base) if base is not None else Path(value.strip())

    def _detail(self) -> str:
        return str(self.path)


def _check_webhook_url(url: str) -> str:
    if not url:
        raise ValueError("url is empty")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = mask_url(url)
        shown = f" ({shown})" if shown != "…" else ""
        raise ValueError(f"not an http(s) URL{shown}; the value is hidden as it may be secret")
    return url


class WebhookOutput(OutputSpec):
    """A Discord or Slack incoming webhook: its ``url`` is the secret."""

    url: str = Field(repr=False)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _check_webhook_url(value)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield from super().__repr_args__()
        yield "url", mask_url(self.url)

    def _detail(self) -> str:
        return mask_url(self.url)


class DiscordWebhookOutput(WebhookOutput):
    type: Literal["discord_webhook"] = "discord_webhook"


class SlackWebhookOutput(WebhookOutput):
    type: Literal["slack_webhook"] = "slack_webhook"


class DiscordOutput(OutputSpec):
    type: Literal["discord"] = "discord"
    channel_id: int

    @field_validator("channel_id", mode="before")
    @classmethod
    def _check_channel(cls, value: object) -> object:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"\d{1,20}", text) or int(text) == 0:
            raise ValueError(
                f"channel_id must be the channel's numeric ID (e.g. 123456789012345678), not {value!r}"
            )
        return int(text)

    def _detail(self) -> str:
        return f"channel {self.channel_id}"


AnyOutputSpec = Annotated[
    ConsoleOutput | JsonlOutput | DiscordWebhookOutput | SlackWebhookOutput | DiscordOutput,
    Field(discriminator="type"),
]
OUTPUT_TYPES: dict[str, type[OutputSpec]] = {
    "console": ConsoleOutput,
    "jsonl": JsonlOutput,
    "discord_webhook": DiscordWebhookOutput,
    "slack_webhook": SlackWebhookOutput,
    "discord": DiscordOutput,
}
