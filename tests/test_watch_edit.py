"""Editing the watchlist's feeds: ``bot.config.edit``, ``treatybot watch`` and ``/treaty watch``.

Real files in tmp_path; the CLI in a real process; the Discord commands through the real
discord.py client against tests/fakediscord.py; the hot reload with a real App and a feed site
on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import io
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from fakediscord import ADMIN_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS, GUILD_ID, FakeDiscord
from feedsite import FeedSite, Item
from servers import serve

import bot.config.edit as watch_edit
from bot.config import add_feed, check_watchlist, list_feeds, load_watchlist, remove_feed
from bot.core.app import App
from bot.errors import ConfigError, WatchEditError
from bot.interfaces.assemble import make_app

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fake-token"
ANALYST_ROLE_ID = 1300000000000000099

# A hand-edited watchlist: comments everywhere, flow lists over several lines, quoting.
COMMENTED = """\
# Our watchlist -- edited by hand, keep the comments!
topic:
  parties:
    russia: [
      Russia, Moscow, Kremlin,   # the usual names
      "Vladimir Putin"
    ]
    iran: [Iran, Tehran, 'Islamic Republic']
poll:
  interval: 15m   # default for every feed
  jitter: 30s

# Feeds, most trusted first.
feeds:
  # Russian state media
  - name: TASS
    url: https://tass.com/rss/v2.xml   # English edition
  - name: "News search: Russia Iran treaty"
    url: https://news.google.com/rss/search?q=Russia+Iran+treaty&hl=en-US
    interval: 30m
  # - name: Reuters (no public feed any more)
  #   url: https://example.org/reuters

# Where digests go.
outputs:
  - type: console   # the terminal
"""

NEW_LINES = """\
  - name: IRNA English
    url: https://en.irna.ir/rss
    interval: 1h
"""


def write(folder: Path, text: str, name: str = "watchlist.yaml") -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


@contextlib.contextmanager
def untouched(path: Path) -> Iterator[None]:
    """The file keeps its bytes and its mtime through the block."""
    before, stat = path.read_bytes(), path.stat()
    yield
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def refused(path: Path, *args: str, interval: str | None = None,
            action: str = "add") -> list[str]:
    """Run a refused edit; the file must be left as it was. Returns the problem lines."""
    with untouched(path), pytest.raises(WatchEditError) as excinfo:
        if action == "add":
            add_feed(path, *args, interval=interval)
        else:
            remove_feed(path, *args)
    assert excinfo.value.problems
    return [str(p) for p in excinfo.value.problems]


# ---------------------------------------------------------------------------- the module


def test_add_then_remove_changes_only_the_feed_lines(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    inode = path.stat().st_ino
    result = add_feed(path, "IRNA English", "https://en.irna.ir/rss", interval="1h")
    assert path.stat().st_ino != inode  # a new file put in place: never half-written
    anchor = "    interval: 30m\n"
    assert path.read_text(encoding="utf-8") == COMMENTED.replace(anchor, anchor + NEW_LINES)
    assert result.action == "added" and result.feed.name == "IRNA English"
    assert result.feed.interval == 3600 and result.feed.own_interval == "1h"
    assert [f.name for f in result.watchlist.feeds][-1] == "IRNA English"
    assert "added feed `IRNA English` (https://en.irna.ir/rss, every 1h)" in result.describe()
    watchlist, problems = check_watchlist(path)
    assert problems == [] and watchlist is not None and watchlist.feed("IRNA English")

    removed = remove_feed(path, "irna english")  # names match case-insensitively
    assert removed.action == "removed" and removed.feed.url == "https://en.irna.ir/rss"
    assert path.read_bytes() == COMMENTED.encode("utf-8")


def test_the_committed_watchlist_survives_byte_for_byte(tmp_path: Path) -> None:
    original = (ROOT / "watchlist.yaml").read_bytes()
    path = tmp_path / "watchlist.yaml"
    path.write_bytes(original)
    add_feed(path, "Al Mayadeen: English", "https://english.almayadeen.net/rss")
    text = path.read_text(encoding="utf-8")
    assert "  - name: 'Al Mayadeen: English'\n    url: https://english.almayadeen.net/rss\n" in text
    assert text.index("Al Mayadeen") < text.index("# Where digests go")  # inside feeds:
    assert text.replace("  - name: 'Al Mayadeen: English'\n"
                        "    url: https://english.almayadeen.net/rss\n", "") == original.decode()
    remove_feed(path, "Al Mayadeen: English")
    assert path.read_bytes() == original
    remove_feed(path, "IFP News")  # the first one: only its two lines go
    assert path.read_text(encoding="utf-8") == original.decode().replace(
        "  - name: IFP News\n    url: https://ifpnews.com/feed/\n", "")


def test_line_endings_byte_order_mark_and_file_mode_are_kept(tmp_path: Path) -> None:
    text = "\ufeff# feeds\r\nfeeds:\r\n  - name: TASS\r\n    url: https://tass.com/rss\r\n"
    path = write(tmp_path, text)
    path.chmod(0o640)
    add_feed(path, "IRNA", "https://en.irna.ir/rss")
    assert path.read_bytes() == (text + "  - name: IRNA\r\n    url: https://en.irna.ir/rss\r\n"
                                 ).encode("utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    remove_feed(path, "IRNA")
    assert path.read_bytes() == text.encode("utf-8")


def test_a_symlinked_watchlist_stays_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path, COMMENTED, "team-watchlist.yaml")
    link = tmp_path / "watchlist.yaml"
    link.symlink_to(real.name)
    add_feed(link, "IRNA", "https://en.irna.ir/rss")
    assert link.is_symlink() and "name: IRNA" in real.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("feeds: []   # none yet\noutputs: [console]\n",
         "feeds:   # none yet\n  - name: IRNA\n    url: https://en.irna.ir/rss\n"
         "outputs: [console]\n"),
        ("feeds:\noutputs: [console]\n",
         "feeds:\n  - name: IRNA\n    url: https://en.irna.ir/rss\noutputs: [console]\n"),
        ("outputs: [console]\n",
         "outputs: [console]\nfeeds:\n  - name: IRNA\n    url: https://en.irna.ir/rss\n"),
        ("", "feeds:\n  - name: IRNA\n    url: https://en.irna.ir/rss\n"),
        ("feeds: [{name: TASS, url: 'https://tass.com/rss'}]\n",
         "feeds: [{name: TASS, url: 'https://tass.com/rss'}, "
         '{name: "IRNA", url: "https://en.irna.ir/rss"}]\n'),
        ("feeds:\n    -   name: TASS\n        url: https://tass.com/rss",  # no final newline
         "feeds:\n    -   name: TASS\n        url: https://tass.com/rss\n"
         "    -   name: IRNA\n        url: https://en.irna.ir/rss"),
    ],
    ids=["empty list", "empty key", "no feeds key", "empty file", "flow list", "wide indent"],
)
def test_other_layouts_of_the_feeds_list(tmp_path: Path, before: str, after: str) -> None:
    path = write(tmp_path, before)
    add_feed(path, "IRNA", "https://en.irna.ir/rss")
    assert path.read_text(encoding="utf-8") == after
    remove_feed(path, "IRNA")
    if "TASS" in before:
        assert path.read_text(encoding="utf-8") == before
    else:  # the list is empty again, and says so
        assert [f.name for f in load_watchlist(path).feeds] == []
        assert "feeds: []" in path.read_text(encoding="utf-8")


def test_removing_the_last_feed_leaves_an_empty_list(tmp_path: Path) -> None:
    path = write(tmp_path, "feeds:  # public feeds\n  - name: TASS\n    url: https://tass.com/rss\n"
                           "outputs: [console]\n")
    remove_feed(path, "TASS")
    assert path.read_text(encoding="utf-8") == "feeds: []  # public feeds\noutputs: [console]\n"


def test_list_feeds_shows_them_as_written(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, COMMENTED.replace("https://tass.com/rss/v2.xml",
                                             "https://tass.com/rss?key=${TASS_KEY}"))
    monkeypatch.setenv("TASS_KEY", "s3cret")  # never shown
    entries = list_feeds(path)
    assert [(e.name, e.url, e.interval, e.own_interval, e.line) for e in entries] == [
        ("TASS", "https://tass.com/rss?key=${TASS_KEY}", 900.0, None, 16),
        ("News search: Russia Iran treaty",
         "https://news.google.com/rss/search?q=Russia+Iran+treaty&hl=en-US", 1800.0, "30m", 18),
    ]
    assert entries[1].describe() == ("News search: Russia Iran treaty: https://news.google.com/"
                                     "rss/search?q=Russia+Iran+treaty&hl=en-US (every 30m)")


# ---------------------------------------------------------------------------- refusals


def test_a_name_already_there_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    (line,) = refused(path, "tass", "https://other.example/rss")
    assert line == (f"{path}:16: a feed named `TASS` is already in the watchlist; remove it "
                    "first or choose another name (nothing was changed)")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1/x", "127.0.0.1"),
        ("http://10.0.0.5/f", "10.0.0.5"),
        ("http://169.254.169.254/latest", "169.254.169.254"),
        ("http://localhost:8080/rss", "localhost"),
        ("http://[::1]/rss", "::1"),
        ("http://192.168.1.20/rss", "192.168.1.20"),
    ],
)
def test_local_addresses_need_allow_local(tmp_path: Path, url: str, host: str) -> None:
    path = write(tmp_path, COMMENTED)
    (line,) = refused(path, "Local", url)
    assert line == (f"{path}: `feeds[2].url`: feed url {url!r} is a local or private address "
                    f"({host}); set `allow_local: true` to allow local feeds (nothing was changed)")

    allowed = write(tmp_path, "allow_local: true\n" + COMMENTED, "allowed.yaml")
    add_feed(allowed, "Local", url)
    assert load_watchlist(allowed).feed("Local").url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("tass.com/rss", "has no scheme; did you mean `https://tass.com/rss`?"),
        ("ftp://tass.com/rss", "only http:// and https:// feeds are supported"),
        ("http:///rss", "has no host"),
        ("fixtures/feed.xml", "is a local file; set `allow_local: true`"),
        ("", "url is empty"),
    ],
)
def test_a_bad_url_is_refused_with_the_validate_message(tmp_path: Path, url: str,
                                                        message: str) -> None:
    path = write(tmp_path, COMMENTED)
    (line,) = refused(path, "Bad", url)
    assert line.startswith(f"{path}: `feeds[2].url`: ") and message in line


def test_a_bad_interval_or_name_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    (line,) = refused(path, "IRNA", "https://en.irna.ir/rss", interval="5 minutes")
    assert "`feeds[2].interval`: invalid duration '5 minutes'" in line
    assert "did you mean `5m`?" in line
    (line,) = refused(path, "IRNA", "https://en.irna.ir/rss", interval="-5m")
    assert "negative" in line
    (line,) = refused(path, "   ", "https://en.irna.ir/rss")
    assert "`feeds[2].name`" in line
    (line,) = refused(path, "two\nlines", "https://en.irna.ir/rss")
    assert "line break" in line


def test_removing_an_unknown_feed_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    (line,) = refused(path, "Tass News", action="remove")
    assert line == (f"{path}: no feed named `Tass News`; did you mean `TASS`? (feeds: `TASS`, "
                    "`News search: Russia Iran treaty`; nothing was changed)")
    empty = write(tmp_path, "feeds: []\n", "empty.yaml")
    (line,) = refused(empty, "TASS", action="remove")
    assert "the watchlist has no feeds" in line


def test_a_broken_watchlist_is_not_edited(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED.replace("  jitter: 30s", "  jitter: 30s\n  intervall: 5m"))
    lines = refused(path, "IRNA", "https://en.irna.ir/rss")
    assert lines[0].endswith("the watchlist has 1 problem(s); fix them before editing its feeds "
                             "(nothing was changed)")
    assert lines[1] == f"{path}:12:3: `intervall`: unknown key, did you mean `interval`?"
    refused(path, "TASS", action="remove")
    with pytest.raises(ConfigError):
        list_feeds(path)
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(WatchEditError, match="no watchlist at"):
        add_feed(missing, "IRNA", "https://en.irna.ir/rss")
    assert not missing.exists()


def test_an_edit_racing_a_hand_edit_writes_nothing(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, COMMENTED)
    calls = []

    def check_and_meanwhile_edit(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # after the file was read, before it is written
            path.write_text(COMMENTED + "# edited by hand meanwhile\n", encoding="utf-8")
        return check_watchlist(*args, **kwargs)

    monkeypatch.setattr(watch_edit, "check_watchlist", check_and_meanwhile_edit)
    with pytest.raises(WatchEditError, match="changed while it was being edited"):
        add_feed(path, "IRNA", "https://en.irna.ir/rss")
    assert path.read_text(encoding="utf-8").endswith("# edited by hand meanwhile\n")


def test_a_file_that_cannot_be_replaced_is_rewritten_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, COMMENTED)
    inode = path.stat().st_ino

    def busy(src: str, dst: str) -> None:  # a single-file bind mount (Docker)
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(watch_edit.os, "replace", busy)
    add_feed(path, "IRNA", "https://en.irna.ir/rss")
    assert path.stat().st_ino == inode and "name: IRNA" in path.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["watchlist.yaml"]


def test_a_read_only_watchlist_is_refused_clearly(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, COMMENTED)

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(watch_edit.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(watch_edit, "_write_in_place", read_only)
    (line,) = refused(path, "IRNA", "https://en.irna.ir/rss")
    assert line == (f"{path}: cannot write the watchlist: Read-only file system (the bot may "
                    "only read it here, e.g. mounted read-only in Docker); edit the file by hand "
                    "(nothing was changed)")


# ---------------------------------------------------------------------------- the CLI


def treatybot(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_cli_watch_list_add_remove(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)

    listed = treatybot("watch", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "Feeds in watchlist.yaml (2):",
        "  - TASS: https://tass.com/rss/v2.xml (every 15m)",
        "  - News search: Russia Iran treaty: "
        "https://news.google.com/rss/search?q=Russia+Iran+treaty&hl=en-US (every 30m)",
    ]

    added = treatybot("watch", "add", "IRNA English", "https://en.irna.ir/rss",
                      "--interval", "1h", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(
        "added feed `IRNA English` (https://en.irna.ir/rss, every 1h) to watchlist.yaml")
    rows = json.loads(treatybot("watch", "list", "--json", cwd=tmp_path).stdout)
    assert rows[-1] == {"name": "IRNA English", "url": "https://en.irna.ir/rss",
                        "interval": 3600.0, "own_interval": "1h", "line": 21}
    assert all(set(row) == {"name", "url", "interval", "own_interval", "line"} for row in rows)

    removed = treatybot("watch", "remove", "irna english", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed feed `IRNA English`")
    assert path.read_bytes() == COMMENTED.encode("utf-8")


def test_cli_refusals_exit_1_with_one_line_per_problem(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with untouched(path):
        local = treatybot("watch", "add", "Metadata", "http://169.254.169.254/latest",
                          cwd=tmp_path)
        duplicate = treatybot("watch", "add", "TASS", "https://tass.com/other", cwd=tmp_path)
        unknown = treatybot("watch", "remove", "Reuters", cwd=tmp_path)
        bad_interval = treatybot("watch", "add", "IRNA", "https://en.irna.ir/rss",
                                 "--interval", "soon", cwd=tmp_path)
    for result in (local, duplicate, unknown, bad_interval):
        assert result.returncode == 1
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert local.stderr.startswith("watchlist.yaml: `feeds[2].url`: feed url "
                                   "'http://169.254.169.254/latest' is a local or private address")
    assert "set `allow_local: true`" in local.stderr
    assert duplicate.stderr.startswith("watchlist.yaml:16: a feed named `TASS` is already")
    assert unknown.stderr.startswith("watchlist.yaml: no feed named `Reuters`")
    assert "invalid duration 'soon'" in bad_interval.stderr

    missing = treatybot("watch", "list", "--watchlist", "nowhere.yaml", cwd=tmp_path)
    assert missing.returncode == 1 and "no watchlist at nowhere.yaml" in missing.stderr


# ---------------------------------------------------------------------------- Discord


@pytest.fixture(autouse=True)
def _restored_discord(discord_endpoints: None) -> None:
    """Every test here leaves discord.py's endpoints as it found them (conftest.py)."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.start() as fake:
        fake.roles.append({**fake.roles[0], "id": str(ANALYST_ROLE_ID), "name": "Analysts",
                           "position": 3, "permissions": DEFAULT_MEMBER_PERMISSIONS})
        yield fake


def connect_to(monkeypatch: pytest.MonkeyPatch, fake: FakeDiscord) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DISCORD_API_BASE", fake.api_base)
    monkeypatch.setenv("DISCORD_GATEWAY_URL", fake.gateway_url)
    monkeypatch.setenv("DISCORD_GUILD_ID", str(GUILD_ID))


def team_folder(tmp_path: Path, text: str) -> Path:
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    write(tmp_path, text)
    return tmp_path


@contextlib.asynccontextmanager
async def running_app(folder: Path) -> AsyncIterator[App]:
    """An App with its Discord bot connected (no scheduler: nothing is polled)."""
    app = make_app(load_watchlist(folder / "watchlist.yaml"), folder / "state",
                   console_stream=io.StringIO())
    await app.start()
    try:
        await app.start_connectors()
        assert await app.connectors["discord"].wait_ready(5.0)
        yield app
    finally:
        await app.close()


async def answer(fake: FakeDiscord, sub: str, options: dict[str, str] | None = None,
                 **who: object) -> dict:
    iid = await fake.send_interaction("treaty", sub, options, require_synced=True, **who)
    callback = await fake.wait_for_callback(iid)
    assert callback.body["type"] == 4
    assert callback.body["data"]["allowed_mentions"] == {"parse": []}
    return callback.body["data"]


def ephemeral(data: dict) -> bool:
    return bool(int(data.get("flags") or 0) & 64)


ROLES_LINE = "commands:\n  check_roles: [analysts]\n"


async def test_discord_watch_commands(tmp_path: Path, fake: FakeDiscord,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    connect_to(monkeypatch, fake)
    folder = team_folder(tmp_path, ROLES_LINE + COMMENTED)
    path = folder / "watchlist.yaml"
    async with running_app(folder):
        (synced,) = fake.guild_commands[GUILD_ID]
        watch = next(o for o in synced["options"] if o["name"] == "watch")
        assert watch["type"] == 2 and [o["name"] for o in watch["options"]] == [
            "list", "add", "remove"]

        # list: open to every member
        data = await answer(fake, "watch list")
        assert not ephemeral(data)
        (embed,) = data["embeds"]
        assert embed["title"] == "Feeds in watchlist.yaml (2)"
        assert "TASS: every 15m (the default)\n    https://tass.com/rss/v2.xml" in embed[
            "description"]

        # add: refused politely for a member without Manage Server or the role
        with untouched(path):
            data = await answer(fake, "watch add",
                                {"name": "IRNA", "url": "https://en.irna.ir/rss"})
        assert ephemeral(data)
        assert data["content"] == ("Only members with the Manage Server permission or one of "
                                   "the roles analysts can run /treaty watch add.")

        # add: by a member with the role
        data = await answer(fake, "watch add", {"name": "IRNA English",
                                                "url": "https://en.irna.ir/rss",
                                                "interval": "1h"}, roles=[ANALYST_ROLE_ID])
        assert not ephemeral(data)
        assert data["content"] == (
            "Added feed **IRNA English** (https://en.irna.ir/rss, every 1h) to watchlist.yaml. "
            "It is polled from the bot's next run.")
        anchor = "    interval: 30m\n"
        assert path.read_text(encoding="utf-8") == ROLES_LINE + COMMENTED.replace(
            anchor, anchor + NEW_LINES)

        # add: a refused edit says why, to the member only, and writes nothing
        with untouched(path):
            data = await answer(fake, "watch add", {"name": "Metadata",
                                                    "url": "http://169.254.169.254/latest"},
                                user_permissions=ADMIN_PERMISSIONS)
        assert ephemeral(data)
        assert data["content"].startswith("The feed was not added:\n• watchlist.yaml: ")
        assert "169.254.169.254" in data["content"] and "allow\\_local: true" in data["content"]

        data = await answer(fake, "watch list")
        assert "IRNA English: every 1h\n    https://en.irna.ir/rss" in data["embeds"][0][
            "description"]

        # remove: an unknown name, then the real one, by a member with Manage Server
        with untouched(path):
            data = await answer(fake, "watch remove", {"name": "Reuters"},
                                user_permissions=ADMIN_PERMISSIONS)
        assert ephemeral(data) and "no feed named" in data["content"]
        with untouched(path):
            data = await answer(fake, "watch remove", {"name": "TASS"})
        assert ephemeral(data) and "/treaty watch remove" in data["content"]
        data = await answer(fake, "watch remove", {"name": "irna english"},
                            user_permissions=ADMIN_PERMISSIONS)
        assert data["content"].startswith("Removed feed **IRNA English**")
        assert path.read_bytes() == (ROLES_LINE + COMMENTED).encode("utf-8")
    assert fake.unhandled == []
    assert fake.errors == []
    assert fake.rejected_callbacks == []


# ---------------------------------------------------------------------------- hot reload

SIGNED = Item("Putin, Pezeshkian sign treaty on comprehensive strategic partnership",
              "The presidents of Russia and Iran signed the treaty in the Kremlin on Friday.",
              "2025-01-17", "https://tass.example/1", guid="tass-1")


async def test_a_running_bot_polls_a_feed_added_with_watch_add(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = FeedSite()
    tass = site.feed("tass", items=[])
    irna = site.feed("irna", items=[SIGNED], etag=False, last_modified=False)
    connect_to(monkeypatch, fake)
    async with serve(site.app) as base_url:
        folder = team_folder(tmp_path, (
            "# hand-written\nallow_local: true\npoll:\n  interval: 1h\n  jitter: 0s\n"
            f"feeds:\n  - name: tass\n    url: {base_url}/tass.xml\n"
            "outputs:\n  - type: jsonl\n    path: digests.jsonl\n"))
        app = make_app(load_watchlist(folder / "watchlist.yaml"), folder / "state",
                       console_stream=io.StringIO())
        app.reload_interval = 0.1
        await app.start()
        stop = asyncio.Event()
        runner = asyncio.create_task(app.run_forever(stop))
        try:
            await fake.wait_for(lambda: app.scheduler is not None
                                and app.connectors["discord"].is_ready(), 10.0)
            assert tass.requests and not irna.requests
            data = await answer(fake, "watch add", {"name": "irna",
                                                    "url": f"{base_url}/irna.xml"},
                                user_permissions=ADMIN_PERMISSIONS)
            assert data["content"].endswith("The bot reloads the watchlist within a few seconds "
                                            "and polls the new feed then.")
            await fake.wait_for(lambda: irna.requests, 10.0)  # no restart
            await fake.wait_for(lambda: app.db.articles(relevant_only=True), 5.0)
        finally:
            stop.set()
            await asyncio.wait_for(runner, 5.0)
            await app.close()
    lines = (folder / "digests.jsonl").read_text(encoding="utf-8").splitlines()
    reloaded = [d for d in map(json.loads, lines) if d["kind"] == "config_reloaded"]
    assert len(reloaded) == 1 and "feed added: irna" in reloaded[0]["text"]
    assert (folder / "watchlist.yaml").read_text(encoding="utf-8").startswith("# hand-written\n")
