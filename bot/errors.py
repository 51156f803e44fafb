"""Errors raised by treatybot.

    TreatybotError
    ├── ConfigError            the watchlist cannot be used (carries one Problem per fault)
    │   └── WatchEditError     an edit of its feeds (`treatybot watch`, `/treaty watch`) was
    │                          refused; the file was not changed
    ├── StateError             the state folder or its database cannot be used
    │   └── StateLockedError   another treatybot process holds the state folder
    ├── FetchError             a feed could not be fetched (message in plain words)
    └── DeliveryError          an output could not take a digest
        ├── OutputDisabled     the output refused us for good (401/404): stop using it
        └── PermanentDeliveryError  this message was refused; sending it again will not help

A ``Problem`` is one fault in a file the team edits (the watchlist, the seeds' metadata), with
its ``file:line:column``; a ``ConfigError`` carries one per fault.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One fault in the watchlist; ``line`` and ``column`` are 1-based (or None if unknown)."""

    path: str
    line: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"

    def with_file_name(self) -> Problem:
        """The same problem naming the file only, not its folders (for chat and notices)."""
        return replace(self, path=Path(self.path).name)


class TreatybotError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(TreatybotError):
    problems: list[Problem]

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class WatchEditError(ConfigError):
    """``watch add`` / ``watch remove`` refused: one Problem per reason, nothing written."""


class StateError(TreatybotError):
    pass


class StateLockedError(StateError):
    pass


class FetchError(TreatybotError):
    http_status: int | None

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        self.http_status = http_status
        super().__init__(message)


class DeliveryError(TreatybotError):
    """``retryable``: None when the class decides (see ``bot.delivery.base.is_retryable``);
    ``http_status``: the far end's answer, when there was one."""

    retry_after: float | None
    retryable: bool | None = None
    http_status: int | None = None

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class OutputDisabled(DeliveryError):
    retryable = False


class PermanentDeliveryError(DeliveryError):
    """The far end rejected this particular message; retrying it will not help."""

    retryable = False
