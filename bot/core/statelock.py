"""One bot per state folder: an exclusive lock file, so two bots never post everything twice."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from bot.errors import StateError, StateLockedError

LOCK_NAME = "treatybot.lock"


class StateLock:
    """An exclusive lock on the state folder: two running bots would post everything twice."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LOCK_NAME
        self._handle: IO[str] | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held while running
        except OSError as exc:
            raise self._unusable(exc) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StateLockedError(
                f"the state folder {self.path.parent} is in use by treatybot ({holder}, lock "
                f"{self.path.name}); stop it first, or pass --state to use another folder"
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}\n")
            handle.flush()
        except OSError as exc:
            handle.close()
            raise self._unusable(exc) from None
        self._handle = handle

    def _unusable(self, exc: OSError) -> StateError:
        return StateError(
            f"cannot use the state folder {self.path.parent}: {exc.strerror or exc} "
            f"({self.path.name}); check that it exists and is writable, or pass --state"
        )

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
