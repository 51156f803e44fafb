"""Reload the watchlist when someone edits it, by plain polling (no extra dependency).

    watcher = WatchlistWatcher(path, on_valid=apply, on_invalid=complain, current=watchlist)
    await watcher.start()
    ...
    await watcher.stop()

Every ``interval`` seconds the file's mtime, size and content hash are read. A change is acted on
once the content has been the same for two polls in a row (an editor may still be writing it).
Then the file is checked: valid content with a new fingerprint calls ``on_valid(watchlist)`` and
becomes ``.current``; broken content calls ``on_invalid(problems)`` once per distinct content,
and ``.current`` stays the last good watchlist.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

from bot.config.loader import check_watchlist
from bot.config.schema import Watchlist
from bot.errors import Problem

logger = logging.getLogger(__name__)

__all__ = ["OnInvalid", "OnValid", "WatchlistWatcher"]

OnValid = Callable[[Watchlist], Awaitable[Any] | Any]
OnInvalid = Callable[[list[Problem]], Awaitable[Any] | Any]

Snapshot = tuple[int, int, str] | None  # (mtime_ns, size, sha256) or None when missing


class WatchlistWatcher:
    """Poll a watchlist file and report valid and broken edits."""

    def __init__(
        self,
        path: Path,
        *,
        on_valid: OnValid,
        on_invalid: OnInvalid,
        interval: float = 2.0,
        env: Mapping[str, str] | None = None,
        current: Watchlist | None = None,
    ) -> None:
        self.path = Path(path)
        self.interval = interval
        self.current = current
        self._on_valid = on_valid
        self._on_invalid = on_invalid
        self._env = env
        self._task: asyncio.Task[None] | None = None
        self._acted: Snapshot | bool = False  # the snapshot last acted on (False: none yet)
        self._pending: Snapshot | bool = False  # a changed snapshot waiting to settle
        self._last_invalid: str | None = None  # content hash last reported as broken

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Check the file once now, then keep polling in a background task."""
        if self.running:
            return
        await self.check_now()
        self._task = asyncio.create_task(self._run(), name=f"watch {self.path.name}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    async def check_now(self) -> None:
        """Check the file as it is now, without waiting for it to settle."""
        snapshot, text = self._read()
        await self._act(snapshot, text)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self._poll()
            except Exception:  # keep watching whatever happens
                logger.exception("watching %s failed", self.path)

    async def _poll(self) -> None:
        snapshot, text = self._read()
        if snapshot == self._acted:
            self._pending = False
            return
        if snapshot != self._pending:
            self._pending = snapshot  # changed: wait one more poll for the edit to settle
            return
        self._pending = False
        await self._act(snapshot, text)

    def _read(self) -> tuple[Snapshot, str | None]:
        try:
            stat = os.stat(self.path)
            data = self.path.read_bytes()
        except OSError:
            return None, None
        snapshot = (stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())
        try:
            return snapshot, data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return snapshot, None  # check_watchlist reads the file and explains

    async def _act(self, snapshot: Snapshot, text: str | None) -> None:
        self._acted = snapshot
        watchlist, problems = check_watchlist(self.path, env=self._env, text=text)
        if watchlist is None:
            await self._invalid(snapshot, problems)
        else:
            await self._valid(watchlist)

    async def _invalid(self, snapshot: Snapshot, problems: list[Problem]) -> None:
        key = snapshot[2] if snapshot else "missing"
        if key == self._last_invalid:
            return
        self._last_invalid = key
        logger.warning(
            "watchlist %s is broken (%d problems); keeping the last good one",
            self.path,
            len(problems),
        )
        await _call(self._on_invalid, problems)

    async def _valid(self, watchlist: Watchlist) -> None:
        self._last_invalid = None
        if self.current is not None and self.current.fingerprint() == watchlist.fingerprint():
            return
        first = self.current is None and self._task is None
        self.current = watchlist
        if first:
            return  # the initial load at start(): nothing changed yet
        logger.info("watchlist %s changed; reloading", self.path)
        await _call(self._on_valid, watchlist)


async def _call(callback: Callable[[Any], Any], argument: Any) -> None:
    """Run a sync or async callback; log its failures instead of stopping the watcher."""
    try:
        result = callback(argument)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("watchlist callback %r failed", callback)
