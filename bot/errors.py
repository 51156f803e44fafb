"""Errors raised by treatybot.

    TreatybotError
    ├── ConfigError            the watchlist cannot be used (carries one Problem per fault)
    │   └── WatchEditError     an edit of its feeds (`treatybot watch`, `/treaty watch`) was
    │                          refused; the file was not changed
    ├── StateError             the state folder or its database cannot be used
    │   └── StateLockedError   another treatybot process holds the state folder
    ├── FetchError             a feed could not be fetched (message in plain words)
    └── DeliveryError          an output could not take a digest
        └── OutputDisabled     the output refused us for good (401/404): stop using it
"""

from __future__ import annotations


class TreatybotError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(TreatybotError):
    def __init__(self, problems: list) -> None:  # list[bot.config.Problem]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class WatchEditError(ConfigError):
    """``watch add`` / ``watch remove`` refused: one Problem per reason, nothing written."""


class StateError(TreatybotError):
    pass


class StateLockedError(StateError):
    pass


class FetchError(TreatybotError):
    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        self.http_status = http_status
        super().__init__(message)


class DeliveryError(TreatybotError):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class OutputDisabled(DeliveryError):
    pass
