"""The Discord bot: its commands called with a small fake interaction, and end to end (start-up,
sync, a command, the discord output) with the real App and discord.py client against
tests/fakediscord.py.

No internet: the fake serves REST and the gateway on 127.0.0.1, and the watchlists have no feeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands
from fakediscord import (
    ADMIN_PERMISSIONS,
    CHANNEL_ID,
    DEFAULT_MEMBER_PERMISSIONS,
    GUILD_ID,
    USER_ID,
    FakeDiscord,
)

from bot.config import load_watchlist
from bot.core.app import App
from bot.core.service import AppService, StoreService, TreatyService
from bot.delivery.base import is_retryable
from bot.errors import DeliveryError, OutputDisabled, PermanentDeliveryError
from bot.interfaces.assemble import make_app
from bot.interfaces.cli import _run
from bot.interfaces.discord import (
    DESCRIPTION_LIMIT,
    DiscordChannelOutput,
    TreatyBot,
    delivery_error,
    fit,
    inert,
)
from bot.interfaces.discord.commands import BadInterval, IntervalTransformer, TreatyCommands
from bot.models import Digest
from bot.store import Database

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "fake-token"
ANALYST_ROLE_ID = 1300000000000000099
ERROR_TEXT = "Something went wrong reading the status; the team has been told in the bot's log."
COMMANDS_LOG = "bot.interfaces.discord.commands"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def _restored_discord(discord_endpoints: None) -> None:
    """Every test here leaves discord.py's endpoints as it found them (conftest.py)."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.start() as fake:
        yield fake


def connect_to(monkeypatch: pytest.MonkeyPatch, fake: FakeDiscord, *, guild: bool = True,
               token: str = TOKEN) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", token)
    monkeypatch.setenv("DISCORD_API_BASE", fake.api_base)
    monkeypatch.setenv("DISCORD_GATEWAY_URL", fake.gateway_url)
    if guild:
        monkeypatch.setenv("DISCORD_GUILD_ID", str(GUILD_ID))


def team_folder(tmp_path: Path, outputs: str, extra: str = "") -> Path:
    """The committed seeds and a watchlist without feeds (nothing leaves this machine)."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    (tmp_path / "watchlist.yaml").write_text(f"{extra}outputs:\n{outputs}", encoding="utf-8")
    return tmp_path


def discord_output(channel_id: int = CHANNEL_ID) -> str:
    return f"  - type: discord\n    channel_id: {channel_id}\n"


def app_for(folder: Path) -> App:
    """The App as `treatybot run` builds it (with the Discord client when DISCORD_TOKEN is set)."""
    return make_app(load_watchlist(folder / "watchlist.yaml"), folder / "state",
                    console_stream=io.StringIO())


def discord_client(app: App) -> TreatyBot:
    client = app.connectors["discord"]
    assert isinstance(client, TreatyBot)
    return client


@contextlib.asynccontextmanager
async def running_app(folder: Path) -> AsyncIterator[App]:
    """An App after its first cycle (baseline: delayed) with its Discord bot connected."""
    app = app_for(folder)
    await app.start()
    try:
        await app.cycle()
        await app.start_connectors()
        assert await discord_client(app).wait_ready(5.0)
        yield app
    finally:
        await app.close()
    assert discord_client(app).is_closed()
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert leftovers == []


@contextlib.asynccontextmanager
async def started_service(folder: Path) -> AsyncIterator[AppService]:
    """The service of an App after its first cycle (baseline: delayed); no Discord client."""
    app = App(load_watchlist(folder / "watchlist.yaml"), folder / "state",
              console_stream=io.StringIO())
    await app.start()
    try:
        await app.cycle()
        yield app.service
    finally:
        await app.close()


def embed_text(data: dict[str, Any]) -> str:
    embeds = data.get("embeds") or []
    return (data.get("content") or "") + "\n".join(
        f"{e.get('title', '')}\n{e.get('description', '')}" for e in embeds
    )


# ------------------------------------------------------------- a fake interaction


class Answer:
    """One answer of a command, as Discord would get it: ``kind`` is "message" (the initial
    response), "defer" or "followup"; ``data`` as in the interaction callback's body."""

    def __init__(self, kind: str, kwargs: dict[str, Any]) -> None:
        self.kind = kind
        self.time = time.monotonic()
        self.kwargs = kwargs
        self.data: dict[str, Any] = {}
        if "content" in kwargs:
            self.data["content"] = kwargs["content"]
        if "embed" in kwargs:
            self.data["embeds"] = [kwargs["embed"].to_dict()]
        if "allowed_mentions" in kwargs:
            self.data["allowed_mentions"] = kwargs["allowed_mentions"].to_dict()
        if kwargs.get("ephemeral"):
            self.data["flags"] = 64

    def file(self) -> tuple[str, bytes] | None:
        attached = self.kwargs.get("file")
        return None if attached is None else (attached.filename, attached.fp.read())


class RecordingInteraction:
    """What the commands use of a ``discord.Interaction``; the answers are recorded."""

    def __init__(self, client: TreatyBot, command: app_commands.Command[Any, ..., Any]) -> None:
        self.client = client
        self.command = command
        self.id = 1
        self.user = SimpleNamespace(id=USER_ID)  # a user, not a server's member
        self.guild_id = GUILD_ID
        self.answers: list[Answer] = []
        self.response = SimpleNamespace(is_done=lambda: bool(self.answers),
                                        send_message=self._answer("message"),
                                        defer=self._answer("defer"))
        self.followup = SimpleNamespace(send=self._answer("followup"))
        self.created = time.monotonic()

    def _answer(self, kind: str) -> Any:
        async def record(**kwargs: Any) -> None:
            self.answers.append(Answer(kind, kwargs))

        return record


async def invoke(service: TreatyService, path: str, **options: Any) -> RecordingInteraction:
    """``/treaty <path>`` as discord.py runs it: the checks, the callback, and the tree's
    error handler for what they raise."""
    client = TreatyBot(service, token=TOKEN)
    command: Any = client.tree.get_command("treaty")
    for name in path.split():
        command = command.get_command(name)
    interaction = RecordingInteraction(client, command)
    try:
        if not all(check(interaction) for check in command.checks):
            raise app_commands.CheckFailure(f"the checks of {path} failed")
        await command.callback(command.binding, interaction, **options)
    except app_commands.AppCommandError as error:
        await client.tree.on_error(interaction, error)
    except Exception as exc:
        await client.tree.on_error(interaction, app_commands.CommandInvokeError(command, exc))
    return interaction


# ------------------------------------------------------------------------- commands


async def test_the_bot_syncs_its_commands_and_answers_status(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_to(monkeypatch, fake)
    async with running_app(team_folder(tmp_path, "  - console\n")):
        (synced,) = fake.guild_commands[GUILD_ID]
        assert synced["name"] == "treaty"
        assert {o["name"] for o in synced["options"]} == {
            "status", "history", "sources", "feeds", "check", "watch"
        }
        iid = await fake.send_interaction("treaty", "status", require_synced=True)
        callback = await fake.wait_for_callback(iid)
        assert callback.time - fake.interactions[iid].dispatched_at < 3.0
        assert callback.body["type"] == 4
        assert callback.body["data"]["allowed_mentions"] == {"parse": []}
        assert "flags" not in callback.body["data"] or not callback.body["data"]["flags"] & 64
        for embed in callback.body["data"]["embeds"]:
            assert len(embed["description"]) <= DESCRIPTION_LIMIT
        status = embed_text(callback.body["data"])

    assert "Status: DELAYED since 2024-04-03" in status
    assert "delayed for an uncertain period" in status  # April 2024 evidence
    assert "timeline may change" in status  # June 2024
    assert "Last check:" in status
    assert fake.unhandled == []
    assert fake.errors == []
    assert fake.rejected_callbacks == []


async def test_the_other_views_answer_from_state(tmp_path: Path) -> None:
    answers = {}
    async with started_service(team_folder(tmp_path, "  - console\n")) as service:
        # history draws the timeline picture: it defers, then follows up with the image
        history = await invoke(service, "history")
        deferred, followup = history.answers
        assert deferred.kind == "defer" and deferred.kwargs == {"thinking": True}
        assert deferred.time - history.created < 3.0
        assert followup.kind == "followup"
        assert followup.data["allowed_mentions"] == {"parse": []}
        answers["history"] = embed_text(followup.data)
        uploaded = followup.file()
        assert uploaded is not None
        name, data = uploaded
        assert name == "timeline.png" and data.startswith(b"\x89PNG")
        for sub in ("sources", "feeds"):
            interaction = await invoke(service, sub)
            (answer,) = interaction.answers
            assert answer.time - interaction.created < 3.0
            assert answer.kind == "message"
            assert answer.data["allowed_mentions"] == {"parse": []}
            assert "flags" not in answer.data or not answer.data["flags"] & 64
            for embed in answer.data["embeds"]:
                assert len(embed["description"]) <= DESCRIPTION_LIMIT
            answers[sub] = embed_text(answer.data)

    assert "2024-04-03  delayed" in answers["history"]
    assert "Kremlin says Russia and Iran still working on a cooperation pact" in answers["sources"]
    assert "No feeds in the watchlist." in answers["feeds"]


async def test_check_needs_manage_server_or_a_listed_role(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a role without Manage Server, in the guild the bot sees at connect time
    fake.roles.append({**fake.roles[0], "id": str(ANALYST_ROLE_ID), "name": "Analysts",
                       "position": 3, "permissions": DEFAULT_MEMBER_PERMISSIONS})
    connect_to(monkeypatch, fake, guild=False)  # global commands this time
    folder = team_folder(tmp_path, "  - console\n", "commands:\n  check_roles: [analysts]\n")
    async with running_app(folder):
        assert [(s.method, s.guild_id) for s in fake.command_syncs] == [("PUT", None)]

        denied = await fake.send_interaction("treaty", "check", require_synced=True)
        refusal = await fake.wait_for_callback(denied)
        assert refusal.body["type"] == 4
        assert refusal.body["data"]["flags"] == 64  # only the member sees it
        assert "Manage Server" in refusal.body["data"]["content"]
        assert "analysts" in refusal.body["data"]["content"]
        assert refusal.body["data"]["allowed_mentions"] == {"parse": []}

        for who in ({"user_permissions": ADMIN_PERMISSIONS}, {"roles": [ANALYST_ROLE_ID]}):
            iid = await fake.send_interaction("treaty", "check", **who)
            deferred = await fake.wait_for_callback(iid)
            assert deferred.body == {"type": 5}
            followup = await fake.wait_for_webhook_call(iid, "followup")
            assert followup.body["content"].startswith("cycle: feeds 0 ok, 0 failed")
            assert followup.body["allowed_mentions"] == {"parse": []}
    assert fake.unhandled == []
    assert fake.errors == []


async def test_who_may_not_act_is_told_who_may(tmp_path: Path) -> None:
    folder = team_folder(tmp_path, "  - console\n", "commands:\n  check_roles: [analysts]\n")
    service = AppService(App(load_watchlist(folder / "watchlist.yaml"), folder / "state"))
    before = (folder / "watchlist.yaml").read_bytes()
    irna = {"name": "IRNA", "url": "https://en.irna.ir/rss"}
    for path, options in (("check", {}), ("watch add", irna), ("watch remove", {"name": "TASS"})):
        (answer,) = (await invoke(service, path, **options)).answers
        assert answer.data == {
            "content": "Only members with the Manage Server permission or one of the roles "
                       f"analysts can run /treaty {path}.",
            "allowed_mentions": {"parse": []}, "flags": 64}
    assert (folder / "watchlist.yaml").read_bytes() == before


async def test_a_bad_interval_is_refused_in_the_words_of_the_watchlist_check(
    tmp_path: Path,
) -> None:
    folder = team_folder(tmp_path, "  - console\n",
                         "feeds:\n  - name: TASS\n    url: https://tass.com/rss/v2.xml\n")
    service = AppService(App(load_watchlist(folder / "watchlist.yaml"), folder / "state"))
    interaction = RecordingInteraction(TreatyBot(service, token=TOKEN), None)
    transformer = IntervalTransformer()
    assert await transformer.transform(interaction, " 1h30m ") == "1h30m"  # written as typed
    # the texts the edit itself gives (check_watchlist on the new file), to the member only
    for value, reason in (
        ("soon", "invalid duration 'soon' (use e.g. 90s, 15m, 1h30m, 2d, or a number of "
                 "seconds)"),
        ("15 minutes", "invalid duration '15 minutes' (use e.g. 90s, 15m, 1h30m, 2d, or a "
                       "number of seconds); did you mean \\`15m\\`?"),
        ("0s", "should be greater than 0, got '0s'"),
    ):
        with pytest.raises(BadInterval) as refused:
            await transformer.transform(interaction, value)
        await interaction.client.tree.on_error(interaction, refused.value)
        assert interaction.answers[-1].data == {
            "content": "The feed was not added:\n• watchlist.yaml: \\`feeds[1].interval\\`: "
                       f"{reason} (nothing was changed)",
            "allowed_mentions": {"parse": []}, "flags": 64}


async def test_a_failing_command_answers_briefly_and_logs_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("the database fell over")

    service = StoreService(None, "the treaty")
    monkeypatch.setattr(service, "status", broken)
    with caplog.at_level(logging.ERROR, logger=COMMANDS_LOG):
        (answer,) = (await invoke(service, "status")).answers
    assert answer.kind == "message"
    assert answer.data["content"] == ERROR_TEXT
    assert answer.data["flags"] == 64
    assert answer.data["allowed_mentions"] == {"parse": []}
    (record,) = [r for r in caplog.records if r.name == COMMANDS_LOG]
    assert "/treaty status failed" in record.getMessage()
    assert record.exc_info and "the database fell over" in str(record.exc_info[1])
    assert TOKEN not in caplog.text


async def test_run_forever_serves_commands_next_to_the_scheduler(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_to(monkeypatch, fake)  # a token and no discord output: commands only
    app = app_for(team_folder(tmp_path, "  - console\n"))
    client = discord_client(app)
    await app.start()
    stop = asyncio.Event()
    runner = asyncio.create_task(app.run_forever(stop))
    try:
        await fake.wait_for(client.is_ready, 5.0)
        await fake.wait_for(lambda: app.scheduler is not None, 5.0)
        iid = await fake.send_interaction("treaty", "status", require_synced=True)
        callback = await fake.wait_for_callback(iid)
        assert "DELAYED since 2024-04-03" in embed_text(callback.body["data"])
    finally:
        stop.set()
        await asyncio.wait_for(runner, 5.0)
        await app.close()
    assert client.is_closed()
    assert fake.unhandled == []


# --------------------------------------------------------------------------- output


async def test_run_once_posts_the_baseline_through_the_bot_once(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    connect_to(monkeypatch, fake)
    folder = team_folder(tmp_path, discord_output())
    caplog.set_level(logging.INFO)

    await _run(app_for(folder), True)  # `treatybot run --once`

    (posted,) = fake.channel_messages
    assert posted.channel_id == CHANNEL_ID
    assert posted.body["allowed_mentions"] == {"parse": []}
    (embed,) = posted.body["embeds"]
    assert "delayed" in posted.body["content"].lower()
    assert "DELAYED since 2024-04-03" in embed["description"]
    assert any("delayed for an uncertain period" in f["value"] for f in embed["fields"])
    db = Database.in_folder(folder / "state")
    try:
        (delivery,) = db.deliveries()
        assert delivery["output"] == "discord" and delivery["state"] == "delivered"
        message_id = int(delivery["remote_id"])
        assert fake.messages[message_id]["embeds"][0]["title"] == embed["title"]
    finally:
        db.close()

    await _run(app_for(folder), True)  # nothing new: no second post, no second sync

    assert len(fake.channel_messages) == 1
    assert [(s.method, s.guild_id) for s in fake.command_syncs] == [("PUT", GUILD_ID)]
    assert "slash commands unchanged" in caplog.text
    assert TOKEN not in caplog.text
    assert fake.unhandled == []
    assert fake.errors == []


async def test_changed_commands_are_synced_again(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_to(monkeypatch, fake)
    folder = team_folder(tmp_path, "  - console\n")
    async with running_app(folder):
        pass
    async with running_app(folder):
        pass
    assert len(fake.command_syncs) == 1
    original = TreatyCommands.__init__

    def renamed(self: TreatyCommands, service: TreatyService) -> None:
        original(self, service)
        self.description = "The treaty tracker, reworded"

    monkeypatch.setattr(TreatyCommands, "__init__", renamed)
    async with running_app(folder):
        pass
    assert len(fake.command_syncs) == 2
    assert fake.guild_commands[GUILD_ID][0]["description"] == "The treaty tracker, reworded"


async def test_unknown_channel_disables_the_output(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect_to(monkeypatch, fake)
    folder = team_folder(tmp_path, "  - console\n" + discord_output(CHANNEL_ID + 1000))
    await _run(app_for(folder), True)
    assert fake.channel_messages == []
    db = Database.in_folder(folder / "state")
    try:
        reason = db.disabled_outputs()["discord"]
        assert "404" in reason and "Unknown Channel" in reason
    finally:
        db.close()


async def test_a_refused_token_disables_the_output_and_is_not_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeDiscord.start(token="the-right-token") as fake:
        connect_to(monkeypatch, fake, token="a-wrong-token")
        folder = team_folder(tmp_path, "  - console\n" + discord_output())
        await _run(app_for(folder), True)
    assert fake.channel_messages == []
    db = Database.in_folder(folder / "state")
    try:
        assert "refused the token" in db.disabled_outputs()["discord"]
    finally:
        db.close()
    assert "a-wrong-token" not in caplog.text


async def test_without_a_token_the_output_waits_in_the_outbox(tmp_path: Path) -> None:
    folder = team_folder(tmp_path, "  - console\n" + discord_output())
    app = app_for(folder)
    await app.start()
    try:
        assert app.outbox is not None
        assert "set DISCORD_TOKEN" in app.outbox.unavailable["discord"]
        assert await app.start_connectors() is False
        await app.cycle()
        assert app.db is not None
        states = {d["output"]: d["state"] for d in app.db.deliveries()}
        assert states == {"console": "delivered", "discord": "pending"}
    finally:
        await app.close()


async def test_output_before_the_client_connects_is_retryable() -> None:
    client = TreatyBot(StoreService(None, "the treaty"), token=TOKEN)
    output = DiscordChannelOutput(client, CHANNEL_ID, ready_wait=0.01)
    digest = Digest(kind="baseline", title="t", text="x", status="delayed")
    with pytest.raises(DeliveryError, match="discord client not connected") as excinfo:
        await output.send(digest)
    assert is_retryable(excinfo.value)


# ----------------------------------------------------------------------- error mapping


def http_error(cls: type[discord.HTTPException], status: int, message: str = "",
               code: int = 0, headers: dict[str, str] | None = None) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="", headers=headers or {})
    return cls(response, {"message": message, "code": code})


@pytest.mark.parametrize(
    ("error", "kind", "retryable", "retry_after"),
    [
        (http_error(discord.HTTPException, 429, headers={"Retry-After": "7"}), DeliveryError,
         True, 7.0),
        (discord.RateLimited(42.0), DeliveryError, True, 42.0),
        (http_error(discord.DiscordServerError, 503, "Service Unavailable"), DeliveryError,
         True, None),
        (http_error(discord.HTTPException, 401, "401: Unauthorized"), OutputDisabled, False,
         None),
        (http_error(discord.Forbidden, 403, "Missing Permissions", 50013), OutputDisabled,
         False, None),
        (http_error(discord.NotFound, 404, "Unknown Channel", 10003), OutputDisabled, False,
         None),
        (http_error(discord.HTTPException, 400, "Invalid Form Body", 50035),
         PermanentDeliveryError, False, None),
        (OSError("connection reset"), DeliveryError, True, None),
    ],
)
def test_discord_errors_map_to_delivery_errors(
    error: BaseException, kind: type[DeliveryError], retryable: bool, retry_after: float | None
) -> None:
    mapped = delivery_error(error, "Discord channel 1")
    assert type(mapped) is kind
    assert is_retryable(mapped) is retryable
    assert mapped.retry_after == retry_after
    status = getattr(error, "status", None) or (429 if retry_after == 42.0 else None)
    assert getattr(mapped, "http_status", None) == status


def test_texts_fit_and_ping_nobody() -> None:
    assert fit("a" * 5000, 2000) == "a" * 1999 + "…"
    lines = "\n".join(f"line {i}" for i in range(2000))
    tail = fit(lines, 100, keep_end=True)
    assert len(tail) <= 100 and tail.startswith("…\nline") and tail.endswith("line 1999")
    assert fit("short", 10) == "short"
    text = inert("@everyone <@123> **bold** https://example.com/a_b_c")
    assert "@everyone" not in text and "<@1" not in text
    assert "\\*\\*bold\\*\\*" in text and "https://example.com/a_b_c" in text


async def test_commands_deleted_on_discord_are_synced_again_though_unchanged(
    tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    connect_to(monkeypatch, fake)
    folder = team_folder(tmp_path, "  - console\n")
    async with running_app(folder):
        pass
    assert len(fake.command_syncs) == 1
    fake.guild_commands[GUILD_ID] = []  # someone removed them (or the application was reset)
    caplog.set_level(logging.INFO, logger="bot.interfaces.discord.client")
    async with running_app(folder):
        pass
    assert [s.method for s in fake.command_syncs] == ["PUT", "PUT"]
    assert [c["name"] for c in fake.guild_commands[GUILD_ID]] == ["treaty"]
    assert "missing on Discord" in caplog.text


async def test_a_token_refused_by_the_gateway_disables_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The REST login passed, then the gateway closed with 4004 (the token was reset): the
    client does not reconnect, so the output is disabled and says why, instead of waiting."""
    async with FakeDiscord.start(token=TOKEN) as fake:
        fake.gateway_token = "the token after a reset"
        connect_to(monkeypatch, fake)
        folder = team_folder(tmp_path, "  - console\n" + discord_output())
        await _run(app_for(folder), True)
    assert fake.channel_messages == []
    db = Database.in_folder(folder / "state")
    try:
        reason = db.disabled_outputs()["discord"]
        assert "4004" in reason and "authentication failed" in reason
    finally:
        db.close()
    assert TOKEN not in caplog.text
