"""Edit the feeds in the watchlist file: ``treatybot watch ...`` and ``/treaty watch ...``.

The file is hand-edited and commented, so it is edited as text, never re-dumped: ruamel.yaml's
round-trip parser (the one :mod:`bot.config.watchlist` reads the file with) tells where the ``feeds:``
list and each of its items start and end, and only those lines change. Comments, blank lines,
quoting, the order of keys and every other key stay byte for byte, and so do the file's line
endings (LF or CRLF) and its UTF-8 byte order mark, if it has one.

Every edit is checked before it is written: the new text goes through
:func:`bot.config.watchlist.check_watchlist`, the same check as ``treatybot validate`` and the hot reload
(a duplicate name, a bad URL, a private, loopback or link-local address without
``allow_local: true``, a bad interval ...). A refused edit raises :class:`WatchEditError` with
one :class:`~bot.config.watchlist.Problem` per fault and leaves the file untouched. An accepted edit is
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
import io
import json
import logging
import os
import stat
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.config.units import format_duration
from bot.config.watchlist import Watchlist, _suggest, check_watchlist
from bot.errors import ConfigError, Problem, WatchEditError
from bot.redact import redact_url

log = logging.getLogger(__name__)

__all__ = ["EditResult", "FeedEntry", "add_feed", "list_feeds", "remove_feed"]

_BOM = codecs.BOM_UTF8
_NULLS = ("", "~", "null", "Null", "NULL")
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
    hint = _suggest(name, names)
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
    layout: _Layout
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
            layout = _Layout.of(text)
        except (YAMLError, _Unusual):
            raise _unusual(path) from None
        if len(layout.items) != len(watchlist.feeds):
            raise _unusual(path)
        return cls(path, target, raw, text, _newline(text), watchlist, layout, env)

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
            url = _scalar_value(node, "url")
            entries.append(FeedEntry(feed.name, feed.url if url is None else url,
                                     self.watchlist.feed_interval(feed),
                                     _scalar_value(node, "interval"), self.item_line(i)))
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
                       _Layout.of(new_text), self.env)

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


def _newline(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"


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


# --------------------------------------------------------------------------------------------
# Where the feeds are in the text, and the text with one more or one less
# --------------------------------------------------------------------------------------------


class _Unusual(Exception):
    """The feeds list is laid out in a way we do not edit."""


@dataclass
class _Item:
    start: int  # block: the item's "-"; flow: the item itself
    end: int  # just after its last character
    node: Node


@dataclass
class _Layout:
    key: ScalarNode | None  # the `feeds` key, None when there is none
    value: Node | None
    items: list[_Item]

    @property
    def flow(self) -> bool:
        return isinstance(self.value, SequenceNode) and bool(self.value.flow_style)

    @classmethod
    def of(cls, text: str) -> _Layout:
        root = YAML(typ="rt").compose(text)
        if root is None:
            return cls(None, None, [])
        if not isinstance(root, MappingNode) or root.flow_style:
            raise _Unusual
        for key, value in root.value:
            if isinstance(key, ScalarNode) and key.value == "feeds":
                return cls(key, value, _items(text, value))
        return cls(None, None, [])

    # -- adding ---------------------------------------------------------------------------

    def added(self, text: str, fields: Mapping[str, str], newline: str) -> str:
        if self.flow and self.items:
            flow = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
            at = self.items[-1].end
            return text[:at] + ", {" + flow + "}" + text[at:]
        if self.items:
            dash, key = self._columns(text)
            at = _line_end(text, self.items[-1].end)
            lines = _block_item(fields, dash, key, newline)
            if not text[:at].endswith("\n"):  # the last line, without a line break: keep it so
                lines = newline + lines[: -len(newline)]
            return text[:at] + lines + text[at:]
        if self.key is None:  # no `feeds:` at all: add it at the end
            lines = _block_item(fields, 2, 4, newline)
            prefix = "" if not text or text.endswith("\n") else newline
            return text + prefix + "feeds:" + newline + lines
        # `feeds:`, `feeds: ~` or `feeds: []`: drop the empty value, list the item below
        colon = self._colon(text)
        cut = colon + 1
        if self.value is not None and not (isinstance(self.value, ScalarNode)
                                           and self.value.value == ""):
            cut = self.value.end_mark.index
        text = text[: colon + 1] + text[cut:]
        at = _line_end(text, colon)
        dash = self.key.start_mark.column + 2
        prefix = "" if text[:at].endswith("\n") else newline
        return text[:at] + prefix + _block_item(fields, dash, dash + 2, newline) + text[at:]

    def _columns(self, text: str) -> tuple[int, int]:
        """The columns of the items' "-" and of their keys, from the first block mapping."""
        for item in self.items:
            node = item.node
            if isinstance(node, MappingNode) and not node.flow_style:
                return item.start - _line_start(text, item.start), node.start_mark.column
        dash = self.items[0].start - _line_start(text, self.items[0].start)
        return dash, dash + 2

    def _colon(self, text: str) -> int:
        assert self.key is not None
        colon = text.find(":", self.key.end_mark.index)
        if colon < 0 or text[self.key.end_mark.index:colon].strip():
            raise _Unusual
        return colon

    # -- removing -------------------------------------------------------------------------

    def removed(self, text: str, index: int) -> str:
        item = self.items[index]
        if self.flow:
            if len(self.items) == 1:  # and its trailing comma, if any: `[\n  {...},\n]`
                after = len(text) - len(text[item.end:].lstrip())
                end = after + 1 if text[after:after + 1] == "," else item.end
                return text[: item.start] + text[end:]
            if index > 0:
                return text[: self.items[index - 1].end] + text[item.end:]
            return text[: item.start] + text[self.items[1].start:]
        start, end = _line_start(text, item.start), _line_end(text, item.end)
        if end == len(text) and not text.endswith("\n") and start > 0:
            start -= 2 if text[start - 2:start] == "\r\n" else 1  # the last line: no break after
        text = text[:start] + text[end:]
        if len(self.items) == 1:  # the list is now empty: say so, as `feeds: []`
            colon = self._colon(text)
            text = text[: colon + 1] + " []" + text[colon + 1:]
        return text


def _items(text: str, value: Node) -> list[_Item]:
    if not isinstance(value, SequenceNode):
        if isinstance(value, ScalarNode) and value.value in _NULLS:
            return []
        raise _Unusual
    items = []
    for node in value.value:
        if value.flow_style:
            items.append(_Item(node.start_mark.index, node.end_mark.index, node))
            continue
        dash = node.start_mark.index - 1
        while dash >= 0 and text[dash] in " \t\r\n":
            dash -= 1
        if dash < 0 or text[dash] != "-" or text[_line_start(text, dash):dash].strip():
            raise _Unusual
        end = len(text[: _content_end(node)].rstrip())
        rest = text[end:_line_end(text, end)].strip()
        if rest and not rest.startswith("#"):
            raise _Unusual
        items.append(_Item(dash, end, node))
    for before, after in zip(items, items[1:], strict=False):
        if not before.start < before.end <= after.start:
            raise _Unusual  # an alias pointing elsewhere, or worse
    return items


def _content_end(node: Node) -> int:
    """Just after the last character that belongs to ``node`` (its trailing comments excluded)."""
    if isinstance(node, MappingNode) and not node.flow_style:
        return max((_content_end(n) for pair in node.value for n in pair),
                   default=node.start_mark.index)
    if isinstance(node, SequenceNode) and not node.flow_style:
        return max((_content_end(n) for n in node.value), default=node.start_mark.index)
    return node.end_mark.index


def _scalar_value(node: Node, key: str) -> str | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
            return str(v.value)
    return None


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Just after the line break of the line holding ``index`` (or the end of the text)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _block_item(fields: Mapping[str, str], dash: int, key: int, newline: str) -> str:
    """``  - name: TASS\\n    url: https://...\\n``, each value quoted only if YAML needs it."""
    lines = []
    for i, (name, value) in enumerate(fields.items()):
        indent = " " * dash + "-" + " " * (key - dash - 1) if i == 0 else " " * key
        lines.append(f"{indent}{name}: {_yaml_scalar(value)}")
    return newline.join(lines) + newline


def _yaml_scalar(value: str) -> str:
    """``value`` as ruamel.yaml writes it in a block mapping (plain, or quoted if it must be)."""
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000  # never fold a long URL
    buffer = io.StringIO()
    yaml.dump({"k": value}, buffer)
    written = buffer.getvalue().removeprefix("k: ").rstrip("\n")
    if "\n" in written or buffer.getvalue()[:3] != "k: ":
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string too
    return written
