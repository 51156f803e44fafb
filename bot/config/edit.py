"""Edit the feeds in the watchlist file: ``treatybot watch ...`` and ``/treaty watch ...``.

The file is hand-edited and commented, so it is edited as text, never re-dumped: ruamel.yaml's
round-trip parser (the one :mod:`bot.config.source` reads the file with) tells where the
``feeds:`` list and each of its items start and end, and only those lines change
(:mod:`bot.config.feeds_text`). Comments, blank lines,
quoting, the order of keys and every other key stay byte for byte, and so do the file's line
endings (LF or CRLF) and its UTF-8 byte order mark, if it has one.

Every edit is checked before it is written: the new text goes through
:func:`bot.config.check_watchlist`, the same check as ``treatybot validate`` and the hot reload
(a duplicate name, a bad URL, a private, loopback or link-local address without
``allow_local: true``, a bad interval ...). A refused edit raises :class:`WatchEditError` with
one :class:`~bot.errors.Problem` per fault and leaves the file untouched. An accepted edit is
written atomically (a temporary file in the same folder, then ``os.replace``); a running bot
reloads the file within seconds (:mod:`bot.core.reload`).

Public API::

    list_feeds(path) -> [FeedEntry]                         raises ConfigError(problems)
    add_feed(path, name, url, *, interval=None) -> EditResult     raises WatchEditError
    remove_feed(path, name) -> EditResult                         raises WatchEditError
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import logging
import os
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml.error import YAMLError

from bot.config.feeds_text import FeedsLayout, UnusualLayout, newline_of, scalar_value
from bot.config.loader import check_watchlist
from bot.config.schema import Watchlist
from bot.config.suggest import closest_match
from bot.config.units import format_duration
from bot.errors import ConfigError, Problem, WatchEditError
from bot.redact import redact_url

log = logging.getLogger(__name__)

__all__ = ["EditResult", "FeedEntry", "add_feed", "list_feeds", "remove_feed"]

_BOM = codecs.BOM_UTF8
_HAND_EDIT = "edit the file by hand (nothing was changed)"


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    """One feed as the file has it: ``url`` and ``own_interval`` as written (``${NAME}`` kept)."""

    name: str
    url: str
    interval: float  # seconds between polls: its own interval, else poll.interval
    own_interval: str | None  # the feed's `interval:` as written, or None (the default)
    line: int | None  # 1-based line of the item in the file

    def describe(self) -> str:
        """``TASS: https://tass.com/rss/v2.xml (every 15m)``."""
        return f"{self.name}: {redact_url(self.url)} (every {format_duration(self.interval)})"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "url": redact_url(self.url), "interval": self.interval,
                "own_interval": self.own_interval, "line": self.line}


@dataclass(frozen=True)
class EditResult:
    """What an accepted edit did; ``watchlist`` is the new file's content, already checked."""

    action: Literal["added", "removed"]
    feed: FeedEntry
    path: Path
    watchlist: Watchlist

    def describe(self) -> str:
        """``added feed `TASS` (https://tass.com/rss/v2.xml, every 15m) to watchlist.yaml``."""
        where = "to" if self.action == "added" else "from"
        every = format_duration(self.feed.interval)
        url = redact_url(self.feed.url)
        return (f"{self.action} feed `{self.feed.name}` ({url}, every {every}) "
                f"{where} {self.path.name}")


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def list_feeds(path: Path, *, env: Mapping[str, str] | None = None) -> list[FeedEntry]:
    """The feeds in the watchlist file, in file order; ConfigError if the file has problems."""
    source = _Source.read(Path(path), env, refuse=ConfigError)
    return source.entries()


def add_feed(path: Path, name: str, url: str, *, interval: str | None = None,
             env: Mapping[str, str] | None = None) -> EditResult:
    """Append a feed ``{name, url, interval?}`` to the watchlist's ``feeds:`` list.

    ``interval`` is written as given, in the watchlist's duration units (``30m``, ``1h30m``,
    ``90s`` or a number of seconds). Raises WatchEditError, and writes nothing, when the file
    has problems, a feed of that name exists (names are compared case-insensitively, as the
    watchlist check does) or the new watchlist would not pass :func:`check_watchlist`.
    """
    path = Path(path)
    name, url = name.strip(), url.strip()
    interval = interval.strip() if interval is not None else None
    fields = {"name": name, "url": url}
    if interval is not None:
        fields["interval"] = interval
    _check_one_line(path, fields)
    source = _Source.read(path, env)
    existing = source.find(name)
    if existing is not None:
        feed = source.watchlist.feeds[existing]
        raise WatchEditError([source.problem(
            f"a feed named `{feed.name}` is already in the watchlist; remove it first or "
            f"choose another name (nothing was changed)", source.item_line(existing))])
    new_text = source.layout.added(source.text, fields, source.newline)
    index = len(source.watchlist.feeds)
    watchlist = source.check(new_text, index)
    names = [f.name for f in watchlist.feeds]
    if names[:-1] != [f.name for f in source.watchlist.feeds] or len(names) != index + 1:
        raise _unusual(path)
    source.write(new_text)
    entry = source.edited(new_text, watchlist).entries()[-1]
    log.debug("watchlist %s: added feed %s (%s)", path, entry.name, redact_url(entry.url))
    return EditResult("added", entry, path, watchlist)


def remove_feed(path: Path, name: str, *, env: Mapping[str, str] | None = None) -> EditResult:
    """Remove the feed called ``name`` (exact, else case-insensitive) from the watchlist.

    Raises WatchEditError, and writes nothing, when the file has problems, no feed has that
    name, or the new watchlist would not pass :func:`check_watchlist`.
    """
    path = Path(path)
    source = _Source.read(path, env)
    index = source.find(name.strip())
    if index is None:
        raise WatchEditError([source.problem(_unknown_feed(name.strip(), source.watchlist))])
    entry = source.entries()[index]
    new_text = source.layout.removed(source.text, index)
    watchlist = source.check(new_text, None)
    expected = [f.name for i, f in enumerate(source.watchlist.feeds) if i != index]
    if [f.name for f in watchlist.feeds] != expected:
        raise _unusual(path)
    source.write(new_text)
    log.debug("watchlist %s: removed feed %s (%s)", path, entry.name, redact_url(entry.url))
    return EditResult("removed", entry, path, watchlist)


def _unknown_feed(name: str, watchlist: Watchlist) -> str:
    names = [f.name for f in watchlist.feeds]
    if not names:
        return f"no feed named `{name}`: the watchlist has no feeds (nothing was changed)"
    hint = closest_match(name, names)
    did_you_mean = f"; did you mean `{hint}`?" if hint else ""
    known = ", ".join(f"`{n}`" for n in names)
    return f"no feed named `{name}`{did_you_mean} (feeds: {known}; nothing was changed)"


def _check_one_line(path: Path, fields: Mapping[str, str]) -> None:
    """Each value goes on one line of the file: no line breaks or control characters."""
    for key, value in fields.items():
        if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
            raise WatchEditError([Problem(str(path), None, None,
                                          f"the feed's {key} contains a line break or a control "
                                          "character (nothing was changed)")])


# --------------------------------------------------------------------------------------------
# The file: read, checked, written
# --------------------------------------------------------------------------------------------


@dataclass
class _Source:
    path: Path  # as given: used in messages, as check_watchlist does
    target: Path  # the real file (a symlink is followed, not replaced)
    raw: bytes
    text: str  # without the byte order mark
    newline: str
    watchlist: Watchlist
    layout: FeedsLayout
    env: Mapping[str, str] | None = None

    @classmethod
    def read(cls, path: Path, env: Mapping[str, str] | None,
             refuse: type[ConfigError] = WatchEditError) -> _Source:
        target = Path(os.path.realpath(path))
        try:
            raw = target.read_bytes()
            text = raw[len(_BOM):].decode("utf-8") if raw.startswith(_BOM) else raw.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            raw, text = b"", None  # check_watchlist reads it again and explains
        watchlist, problems = check_watchlist(path, env=env, text=text)
        if text is not None and problems and refuse is WatchEditError:
            problems = [Problem(str(path), None, None,
                                f"the watchlist has {len(problems)} problem(s); fix them "
                                "before editing its feeds (nothing was changed)"), *problems]
        if problems or watchlist is None or text is None:
            raise refuse(problems or [Problem(str(path), None, None, "cannot read the watchlist")])
        try:
            layout = FeedsLayout.of(text)
        except (YAMLError, UnusualLayout):
            raise _unusual(path) from None
        if len(layout.items) != len(watchlist.feeds):
            raise _unusual(path)
        return cls(path, target, raw, text, newline_of(text), watchlist, layout, env)

    def problem(self, message: str, line: int | None = None) -> Problem:
        return Problem(str(self.path), line, None, message)

    def find(self, name: str) -> int | None:
        """The index of the feed called ``name``: exact, else case-insensitive."""
        feeds = self.watchlist.feeds
        for i, feed in enumerate(feeds):
            if feed.name == name:
                return i
        wanted = name.casefold()
        return next((i for i, f in enumerate(feeds) if f.name.casefold() == wanted), None)

    def item_line(self, index: int) -> int:
        return self.text.count("\n", 0, self.layout.items[index].start) + 1

    def entries(self) -> list[FeedEntry]:
        entries = []
        for i, feed in enumerate(self.watchlist.feeds):
            node = self.layout.items[i].node
            url = scalar_value(node, "url")
            entries.append(FeedEntry(feed.name, feed.url if url is None else url,
                                     self.watchlist.feed_interval(feed),
                                     scalar_value(node, "interval"), self.item_line(i)))
        return entries

    def check(self, new_text: str, index: int | None) -> Watchlist:
        """The new text through check_watchlist. Problems of the new feed (``feeds[index]``)
        lose their line: it is not in the file."""
        watchlist, problems = check_watchlist(self.path, env=self.env, text=new_text)
        if problems or watchlist is None:
            marker = f"`feeds[{index}]"
            raise WatchEditError([
                Problem(p.path, None, None, f"{p.message} (nothing was changed)")
                if index is not None and marker in p.message else p
                for p in problems
            ])
        return watchlist

    def edited(self, new_text: str, watchlist: Watchlist) -> _Source:
        """This source as it is after writing ``new_text``."""
        return _Source(self.path, self.target, b"", new_text, self.newline, watchlist,
                       FeedsLayout.of(new_text), self.env)

    def write(self, new_text: str) -> None:
        data = (_BOM if self.raw.startswith(_BOM) else b"") + new_text.encode("utf-8")
        try:
            current = self.target.read_bytes()
        except OSError:
            current = None
        if current != self.raw:
            raise WatchEditError([self.problem(
                "the watchlist changed while it was being edited; nothing was written, "
                "try again")])
        try:
            _atomic_write(self.target, data)
        except OSError as exc:
            why = exc.strerror or str(exc)
            hint = ""
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                hint = " (the bot may only read it here, e.g. mounted read-only in Docker)"
            raise WatchEditError([self.problem(
                f"cannot write the watchlist: {why}{hint}; {_HAND_EDIT}")]) from None


def _unusual(path: Path) -> WatchEditError:
    return WatchEditError([Problem(
        str(path), None, None,
        "the `feeds:` list is written in a way this command cannot edit safely (anchors, "
        f"aliases or merge keys?); {_HAND_EDIT}")])


def _atomic_write(target: Path, data: bytes) -> None:
    """A temporary file in the same folder, then ``os.replace``; the file keeps its mode.

    Where that is impossible (the folder is not writable, or the file is a bind mount that
    cannot be replaced) the file is rewritten in place.
    """
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        mode = 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        log.info("cannot create a temporary file next to %s (%s); rewriting it in place",
                 target, exc.strerror or exc)
        _write_in_place(target, data)
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV):
                raise
            log.info("cannot replace %s (%s); rewriting it in place", target,
                     exc.strerror or exc)
            _write_in_place(target, data)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):  # make the rename durable
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _write_in_place(target: Path, data: bytes) -> None:
    with open(target, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())
