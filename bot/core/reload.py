"""Hot reload of the watchlist while the bot runs.

The file is polled (``bot.config.watcher.WatchlistWatcher``). A valid edit is applied without a
restart: feeds added or removed, intervals changed, outputs changed, topic and thresholds
updated. An invalid edit keeps the last good watchlist running and posts a ``config_error``
digest naming each problem with its line; the fix posts ``config_reloaded``.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from bot.config import Watchlist, WatchlistWatcher
from bot.delivery.digests import notice_digest
from bot.errors import Problem, StateError
from bot.models import Digest, DigestKind

log = logging.getLogger(__name__)


def describe_changes(old: Watchlist, new: Watchlist) -> list[str]:
    """Plain-words list of what an edit changed."""
    changes: list[str] = []
    old_feeds = {f.name: f for f in old.feeds}
    new_feeds = {f.name: f for f in new.feeds}
    for name in sorted(new_feeds.keys() - old_feeds.keys()):
        changes.append(f"feed added: {name}")
    for name in sorted(old_feeds.keys() - new_feeds.keys()):
        changes.append(f"feed removed: {name}")
    for name in sorted(new_feeds.keys() & old_feeds.keys()):
        if new_feeds[name].url != old_feeds[name].url:
            changes.append(f"feed {name}: new URL")
        if old.feed_interval(name) != new.feed_interval(name):
            changes.append(f"feed {name}: every {new.feed_interval(name):g}s")
    old_outputs = {o.key: o.describe() for o in old.outputs}
    new_outputs = {o.key: o.describe() for o in new.outputs}
    for key in sorted(new_outputs.keys() - old_outputs.keys()):
        changes.append(f"output added: {new_outputs[key]}")
    for key in sorted(old_outputs.keys() - new_outputs.keys()):
        changes.append(f"output removed: {old_outputs[key]}")
    for key in sorted(new_outputs.keys() & old_outputs.keys()):
        if new_outputs[key] != old_outputs[key]:
            changes.append(f"output changed: {new_outputs[key]}")
    if old.topic != new.topic:
        changes.append("topic changed")
    if old.status != new.status:
        changes.append("status thresholds changed")
    for section in ("poll", "health", "digest", "commands"):
        before, after = getattr(old, section).model_dump(), getattr(new, section).model_dump()
        changed = [key for key in after if before.get(key) != after[key]]
        if changed:
            changes.append(f"{section}: {', '.join(changed)} changed")
    if old.allow_local != new.allow_local:
        changes.append(f"allow_local: {'on' if new.allow_local else 'off'}")
    return changes or ["no effective change"]


class ReloadTarget(Protocol):
    """What a reload needs of the running bot (``bot.core.app.App`` is one)."""

    watchlist: Watchlist

    def reconfigure(self, watchlist: Watchlist) -> None: ...

    def current_status(self) -> str | None: ...

    def post_notice(self, digest: Digest) -> None:
        """Queue ``digest`` for every output and deliver it without waiting."""
        ...


class Reloader:
    """Watches the running app's watchlist file and applies or refuses each edit."""

    def __init__(self, app: ReloadTarget, *, interval: float = 2.0) -> None:
        self.app = app
        path = app.watchlist.path
        if path is None:
            raise ValueError("the watchlist was not read from a file; nothing to watch")
        self.watcher = WatchlistWatcher(
            path, on_valid=self._on_valid, on_invalid=self._on_invalid, interval=interval,
            current=app.watchlist,
        )

    async def start(self) -> None:
        await self.watcher.start()

    async def stop(self) -> None:
        await self.watcher.stop()

    async def _on_valid(self, watchlist: Watchlist) -> None:
        old = self.app.watchlist
        changes = describe_changes(old, watchlist)
        try:
            self.app.reconfigure(watchlist)
        except StateError as exc:  # e.g. another first topic: its state would be mixed up
            log.error("watchlist edit refused: %s", exc)
            self._post(DigestKind.CONFIG_ERROR, "Watchlist edit refused",
                       f"{exc}\nThe bot keeps running with the last good version.",
                       {"problems": [str(exc)]})
            return
        log.info("watchlist reloaded: %s", "; ".join(changes))
        self._post(DigestKind.CONFIG_RELOADED, "Watchlist reloaded",
                   "The watchlist was edited and is now in use:\n"
                   + "\n".join(f"  • {c}" for c in changes), {"changes": changes})

    async def _on_invalid(self, problems: list[Problem]) -> None:
        # the file's name, not the server's folders: the notice goes to chat
        lines = [str(p.with_file_name()) for p in problems]
        for line in lines:
            log.error("watchlist problem: %s", line)
        self._post(DigestKind.CONFIG_ERROR, "Watchlist edit refused",
                   f"The watchlist has {len(lines)} problem(s); the bot keeps running with the "
                   "last good version until it is fixed:\n" + "\n".join(f"  {x}" for x in lines)
                   + "\nRun `treatybot validate` to check it.", {"problems": lines})

    def _post(self, kind: DigestKind, title: str, text: str, facts: dict[str, Any]) -> None:
        """Notices go out in the background: a slow output must not hold up the watcher
        (the next edit would wait behind it)."""
        digest = notice_digest(kind, title, text, status=self.app.current_status(), facts=facts)
        self.app.post_notice(digest)
