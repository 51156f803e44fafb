"""End-to-end checks of tests/fakediscord.py with the real discord.py client (no internet)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterator

import discord
import discord.gateway
import discord.http
import pytest
import yarl
from discord import app_commands
from fakediscord import (
    ADMIN_PERMISSIONS,
    CHANNEL_ID,
    GUILD_ID,
    FakeDiscord,
    running_client,
)

from bot.interfaces.discord.endpoints import (
    DEFAULT_API_BASE,
    DEFAULT_GATEWAY_URL,
    apply_discord_endpoints,
    current_discord_endpoints,
    reset_discord_endpoints,
)

NO_MENTIONS = discord.AllowedMentions.none()


class TreatyClient(discord.Client):
    """A minimal bot shaped like the project's: a /treaty group on a CommandTree."""

    def __init__(self, *, guild_scoped: bool = True) -> None:
        super().__init__(intents=discord.Intents.default())
        self.tree = app_commands.CommandTree(self)
        guild = discord.Object(GUILD_ID) if guild_scoped else None
        self.tree.add_command(make_treaty_group(), guild=guild)
        self.command_errors: list[BaseException] = []

        @self.tree.error
        async def on_tree_error(
            interaction: discord.Interaction, error: app_commands.AppCommandError
        ) -> None:
            self.command_errors.append(error)


def make_treaty_group() -> app_commands.Group:
    group = app_commands.Group(name="treaty", description="Russia-Iran treaty tracker")

    @group.command(name="status", description="Current status")
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("status text", allowed_mentions=NO_MENTIONS)

    @group.command(name="digest", description="A slow answer")
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("digest ready", allowed_mentions=NO_MENTIONS)
        await interaction.followup.send("and one more", allowed_mentions=NO_MENTIONS)

    @group.command(name="article", description="Show one article")
    @app_commands.describe(number="Article number")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def article(interaction: discord.Interaction, number: int, lang: str = "en") -> None:
        await interaction.response.send_message(
            f"article {number} ({lang})", ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    return group


@pytest.fixture(autouse=True)
def restore_endpoints() -> Iterator[None]:
    previous = current_discord_endpoints()
    yield
    apply_discord_endpoints(*previous)
    assert discord.http.Route.BASE == previous[0]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.start() as fake:
        yield fake


@pytest.fixture
async def client(fake: FakeDiscord) -> AsyncIterator[TreatyClient]:
    bot = TreatyClient()
    async with running_client(bot, fake):
        await bot.tree.sync(guild=discord.Object(GUILD_ID))
        yield bot
    assert bot.is_closed()
    # discord.py must have left nothing running behind it.
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    assert leftovers == []


# ------------------------------------------------------------------ discord_env


def test_apply_discord_endpoints_args_env_and_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_API_BASE", raising=False)
    monkeypatch.delenv("DISCORD_GATEWAY_URL", raising=False)
    reset_discord_endpoints()
    assert discord.http.Route.BASE == DEFAULT_API_BASE == "https://discord.com/api/v10"
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL(DEFAULT_GATEWAY_URL)

    apply_discord_endpoints("http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/gateway?v=9")
    apply_discord_endpoints(
        "http://127.0.0.1:9/api/v10/", "ws://127.0.0.1:9/gateway?v=9"
    )  # idempotent
    assert discord.http.Route.BASE == "http://127.0.0.1:9/api/v10"
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
    assert discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY == yarl.URL("ws://127.0.0.1:9/gateway")

    monkeypatch.setenv("DISCORD_API_BASE", "http://127.0.0.1:8/api/v10")
    monkeypatch.setenv("DISCORD_GATEWAY_URL", "ws://127.0.0.1:8/gateway")
    apply_discord_endpoints()
    assert current_discord_endpoints() == ("http://127.0.0.1:8/api/v10", "ws://127.0.0.1:8/gateway")

    monkeypatch.setenv("DISCORD_API_BASE", "")  # empty = unset
    monkeypatch.delenv("DISCORD_GATEWAY_URL")
    apply_discord_endpoints()
    assert current_discord_endpoints() == (DEFAULT_API_BASE, DEFAULT_GATEWAY_URL)

    with pytest.raises(ValueError):
        apply_discord_endpoints("ws://127.0.0.1/api", None)
    with pytest.raises(ValueError):
        apply_discord_endpoints(None, "https://127.0.0.1/gateway")


# ------------------------------------------------------------ fake + real client


async def test_slash_command_round_trip(fake: FakeDiscord, client: TreatyClient) -> None:
    # discord.py logged in, identified and synced the group to the guild.
    assert fake.identify_payloads[0]["token"] == "fake-token"
    assert fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    # A plain Client connects to DEFAULT_GATEWAY with zlib transport compression
    # (zstd-stream only if the zstandard module is installed).
    assert fake.gateway_queries[0]["v"] == "10"
    assert fake.gateway_queries[0]["encoding"] == "json"
    assert fake.gateway_queries[0]["compress"] in ("zlib-stream", "zstd-stream")
    assert [s.method for s in fake.command_syncs] == ["PUT"]
    assert fake.command_syncs[0].guild_id == GUILD_ID
    (synced,) = fake.guild_commands[GUILD_ID]
    assert synced["name"] == "treaty"
    assert {o["name"] for o in synced["options"]} == {"status", "digest", "article"}
    assert client.get_channel(CHANNEL_ID) is not None

    iid = await fake.send_interaction("treaty", "status")
    callback = await fake.wait_for_callback(iid)

    assert callback.body["type"] == 4
    assert callback.body["data"]["content"] == "status text"
    assert callback.body["data"]["allowed_mentions"] == {"parse": []}
    assert callback.time - fake.interactions[iid].dispatched_at < 3.0
    assert fake.interactions[iid].payload["data"]["id"] == synced["id"]
    assert client.command_errors == []
    assert fake.rejected_callbacks == []
    assert fake.unhandled == []
    assert fake.errors == []


async def test_client_posts_embed_to_channel(fake: FakeDiscord, client: TreatyClient) -> None:
    channel = client.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="Article 3", description="Mutual consultations", colour=0x2F3136)
    embed.add_field(name="Status", value="in force")

    message = await channel.send(embed=embed, allowed_mentions=NO_MENTIONS)

    assert isinstance(message, discord.Message)
    assert message.channel.id == CHANNEL_ID
    assert message.author.id == client.user.id
    assert message.embeds[0].title == "Article 3"
    (posted,) = fake.channel_messages
    assert posted.channel_id == CHANNEL_ID
    assert posted.body["embeds"][0]["title"] == "Article 3"
    assert posted.body["embeds"][0]["fields"] == [
        {"name": "Status", "value": "in force", "inline": True}
    ]
    assert posted.body["allowed_mentions"] == {"parse": []}

    fetched = await client.fetch_channel(CHANNEL_ID)
    assert fetched.id == CHANNEL_ID
    again = await channel.fetch_message(message.id)
    assert again.embeds[0].description == "Mutual consultations"

    edited = await message.edit(content="updated", allowed_mentions=NO_MENTIONS)
    assert edited.content == "updated"
    assert fake.message_edits[0][2]["content"] == "updated"

    upload = await channel.send("text", file=discord.File(io.BytesIO(b"treaty"), "treaty.txt"))
    assert upload.attachments[0].filename == "treaty.txt"
    assert fake.channel_messages[-1].body["_files"] == [{"filename": "treaty.txt", "size": 6}]
    assert fake.uploaded_files == [(f"channel:{CHANNEL_ID}", "treaty.txt", b"treaty")]

    # Discord's own limits are enforced, so a too-long post fails like it would in production.
    with pytest.raises(discord.HTTPException) as excinfo:
        await channel.send("x" * 2001)
    assert excinfo.value.code == 50035
    assert fake.unhandled == []


async def test_deferred_response_then_followups(fake: FakeDiscord, client: TreatyClient) -> None:
    iid = await fake.send_interaction("treaty", "digest")
    callback = await fake.wait_for_callback(iid)
    await fake.wait_for(
        lambda: len([c for c in fake.webhook_calls if c.interaction_id == iid]) >= 2
    )

    assert callback.body == {"type": 5}  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, thinking
    followups = [c for c in fake.webhook_calls if c.interaction_id == iid]
    assert [c.kind for c in followups] == ["followup", "followup"]
    assert followups[0].body["content"] == "digest ready"
    assert followups[0].body["allowed_mentions"] == {"parse": []}
    assert followups[1].body["content"] == "and one more"
    # The first followup replaced the "thinking..." message, the second is a new one.
    record = fake.interactions[iid]
    assert record.original_message is not None
    assert record.original_message["content"] == "digest ready"
    assert len(record.followup_ids) == 1
    assert client.command_errors == []
    assert fake.unhandled == []
    assert fake.errors == []


async def test_options_permissions_and_ephemeral(fake: FakeDiscord, client: TreatyClient) -> None:
    denied = await fake.send_interaction("treaty", "article", {"number": 3})
    await fake.wait_for(lambda: client.command_errors)
    assert isinstance(client.command_errors[0], app_commands.MissingPermissions)
    assert not any(c.interaction_id == denied for c in fake.callbacks)

    iid = await fake.send_interaction(
        "treaty", "article", {"number": 12, "lang": "fa"}, user_permissions=ADMIN_PERMISSIONS
    )
    callback = await fake.wait_for_callback(iid)
    assert callback.body["data"]["content"] == "article 12 (fa)"
    assert callback.body["data"]["flags"] == 64  # ephemeral
    options = fake.interactions[iid].payload["data"]["options"][0]["options"]
    assert options == [
        {"name": "number", "type": 4, "value": 12},
        {"name": "lang", "type": 3, "value": "fa"},
    ]
    assert fake.unhandled == []


async def test_late_callback_is_refused_like_discord(
    fake: FakeDiscord, client: TreatyClient
) -> None:
    fake.interaction_deadline = 0.0
    iid = await fake.send_interaction("treaty", "status")
    await fake.wait_for(lambda: fake.rejected_callbacks)
    assert fake.rejected_callbacks[0].interaction_id == iid
    assert fake.rejected_callbacks[0].reason.startswith("late")
    assert fake.callbacks == []
    assert fake.errors[0].error["code"] == 10062
    await fake.wait_for(lambda: client.command_errors)  # discord.py surfaces NotFound to the tree


async def test_unknown_routes_are_recorded(fake: FakeDiscord, client: TreatyClient) -> None:
    with pytest.raises(discord.NotFound):
        await client.http.request(
            discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=GUILD_ID)
        )
    assert fake.unhandled == [("GET", f"/guilds/{GUILD_ID}/bans")]


async def test_bad_token_fails_login() -> None:
    async with FakeDiscord.start(token="right-token") as fake:
        bot = TreatyClient()
        with pytest.raises(discord.LoginFailure):
            async with running_client(bot, fake, token="wrong-token"):
                pass  # pragma: no cover
        assert bot.is_closed()


async def test_gateway_reconnect_resumes(fake: FakeDiscord, client: TreatyClient) -> None:
    await fake.request_reconnect()
    await fake.wait_for(lambda: fake.resume_payloads, timeout=5.0)
    await fake.wait_for(lambda: fake.connected)
    assert len(fake.identify_payloads) == 1
    started = time.monotonic()
    iid = await fake.send_interaction("treaty", "status")
    callback = await fake.wait_for_callback(iid)
    assert callback.time - started < 3.0


async def test_global_command_and_user_message(fake: FakeDiscord) -> None:
    bot = TreatyClient(guild_scoped=False)
    seen: list[discord.Message] = []

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    async with running_client(bot, fake):
        await bot.tree.sync()
        assert fake.command_syncs[0].guild_id is None
        iid = await fake.send_interaction("treaty", "status")
        assert "guild_id" not in fake.interactions[iid].payload["data"]  # global command
        callback = await fake.wait_for_callback(iid)
        assert callback.body["data"]["content"] == "status text"

        await fake.send_user_message("hello treaty")
        user_msg = await fake.wait_for(lambda: [m for m in seen if not m.author.bot])
        # No MESSAGE_CONTENT intent: Discord blanks other users' content.
        assert user_msg[0].content == ""
        assert user_msg[0].channel.id == CHANNEL_ID
    assert fake.unhandled == []
