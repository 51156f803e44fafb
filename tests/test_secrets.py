"""Secrets never reach a terminal or a log: webhook tokens (Discord, Slack), DISCORD_TOKEN and
SLACK_SIGNING_SECRET, through every command at -vv, deliveries that fail every way (401, 404,
500 echoing the URL, time-outs, refused connections, a refused bot token) and broken
watchlists (unset variable, bad URL, a YAML error on the very line of a pasted URL). Feed URLs
with a password or an API key in them are fetched as written but shown redacted: in the
commands' output, the log, the digests, the status page and /metrics."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import shutil
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from fakediscord import CHANNEL_ID, FakeDiscord
from feedsite import Item, rss
from hostile import SIGNED_SUMMARY, SIGNED_TITLE, BotRun, run_bot
from servers import closed_port, serve
from webhook_standin import WebhookStandin

from bot.config import load_watchlist
from bot.core.app import App
from bot.interfaces.slack import command_text
from bot.interfaces.web import create_web_app, serve_web

ROOT = Path(__file__).resolve().parent.parent

# Fakes, obviously: each one unique so a leak says which.
HOOK_TOKENS = {
    "ok": "AbCdEfOkWebhookToken0123456789-zyxwvutsrqponm",
    "401": "AbCdEf401WebhookToken0123456789-zyxwvutsrqpo",
    "404": "AbCdEf404WebhookToken0123456789-zyxwvutsrqpo",
    "500": "AbCdEf500WebhookToken0123456789-zyxwvutsrqpo",
    "slow": "AbCdEfSlowWebhookToken0123456789-zyxwvutsrqp",
    "refused": "AbCdEfRefusedWebhookToken0123456789-zyxwvut",
    "badenv": "AbCdEfBadEnvWebhookToken0123456789-zyxwvuts",
    "pasted": "AbCdEfPastedWebhookToken0123456789-zyxwvuts",
}
SLACK_TOKENS = {"ok": "SlackOkSecretPath0123456789ab", "404": "Slack404SecretPath0123456789a",
                "500": "Slack500SecretPath0123456789a"}
# Shaped like the real ones, made up afresh for each run: no token-like value lives in the repo.
DISCORD_TOKEN = ".".join([
    base64.b64encode(str(10**17 + secrets.randbelow(9 * 10**17)).encode()).decode().rstrip("="),
    secrets.token_urlsafe(5), secrets.token_urlsafe(28),
])
SLACK_SIGNING_SECRET = secrets.token_hex(16)
SECRETS = [*HOOK_TOKENS.values(), *SLACK_TOKENS.values(), DISCORD_TOKEN, SLACK_SIGNING_SECRET]

# Test hooks in the bot's process: quick retries, a 1 s webhook time-out, a 3 s retry window.
FAST_RETRIES = """
import bot.core.app, bot.delivery.outbox, bot.delivery.webhooks
bot.delivery.outbox.BASE_RETRY = 0.2
bot.delivery.webhooks.WebhookOutput.__init__.__kwdefaults__["timeout"] = 1.0
bot.core.app.App.run_once.__kwdefaults__["retry_window"] = 3.0
"""


def leaks(text: str, secrets: list[str] = SECRETS) -> list[str]:
    found = [s for s in secrets if s in text]
    # a token cut short still identifies the webhook: no 16-character piece of one either
    found += [s for s in secrets if s not in found
              and any(s[i:i + 16] in text for i in range(0, len(s) - 15, 4))]
    return found


def folder_with(tmp_path: Path, name: str, outputs: str, *, extra: str = "") -> Path:
    folder = tmp_path / name
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    (folder / "watchlist.yaml").write_text(f"allow_local: true\nfeeds: []\n{extra}{outputs}",
                                           encoding="utf-8")
    return folder


def hook_output(name: str, variable: str, kind: str = "discord_webhook") -> str:
    return f"  - name: {name}\n    type: {kind}\n    url: ${{{variable}}}\n"


async def cli(folder: Path, env: dict[str, str], *args: str, prelude: str = "") -> BotRun:
    return await asyncio.to_thread(run_bot, list(args), cwd=folder, env=env, timeout=120,
                                   prelude=prelude)


@pytest.mark.slow
async def test_no_command_prints_a_token_even_when_deliveries_fail(tmp_path: Path) -> None:
    hooks = {kind: WebhookStandin() for kind in ("ok", "401", "404", "500", "slow")}
    hooks["401"].fail(401, times=1000)
    hooks["404"].fail(404, times=1000)
    echo = "upstream said: POST {url} failed; token {token}"
    hooks["500"].fail(500, times=1000, body=echo.format(
        url=f"/api/webhooks/500/{HOOK_TOKENS['500']}", token=HOOK_TOKENS["500"]),
        service="discord")
    hooks["500"].fail(500, times=1000, body=echo.format(
        url=f"/services/T5/B5/{SLACK_TOKENS['500']}", token=SLACK_TOKENS["500"]), service="slack")
    hooks["slow"].stall(30, times=1000)
    for hook in hooks.values():
        await hook.start()
    try:
        async with FakeDiscord.start() as fake:
            env = {**os.environ, "DISCORD_TOKEN": DISCORD_TOKEN,
                   "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
                   "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url,
                   "REFUSED_HOOK": f"http://127.0.0.1:{closed_port()}/api/webhooks/9/"
                                   f"{HOOK_TOKENS['refused']}"}
            for kind, hook in hooks.items():
                env[f"HOOK_{kind.upper()}"] = hook.discord_url("123456", HOOK_TOKENS[kind])
            for kind in ("ok", "404", "500"):
                env[f"SLACK_{kind}"] = hooks[kind].slack_url(f"T{kind}", f"B{kind}",
                                                             SLACK_TOKENS[kind])
            outputs = ("outputs:\n  - type: jsonl\n    path: digests.jsonl\n"
                       f"  - type: discord\n    channel_id: {CHANNEL_ID}\n"
                       + "".join(hook_output(f"discord-{k}", f"HOOK_{k.upper()}") for k in hooks)
                       + hook_output("discord-refused", "REFUSED_HOOK")
                       + "".join(hook_output(f"slack-{k}", f"SLACK_{k}", "slack_webhook")
                                 for k in ("ok", "404", "500")))
            folder = folder_with(tmp_path, "team", outputs)
            runs: list[tuple[str, BotRun]] = []
            for attempt in range(2):  # the second run retries what is pending
                run = await cli(folder, env, "run", "--once", "-vv", prelude=FAST_RETRIES)
                assert run.returncode == 0, run.stderr[-3000:]
                runs.append((f"run --once -vv #{attempt + 1}", run))
            for args in (["feeds"], ["feeds", "--json"], ["validate"], ["status"],
                         ["status", "--json"], ["history", "--json"], ["sources", "--json"]):
                run = await cli(folder, env, *args, "-vv")
                assert run.returncode == 0, (args, run.stderr[-2000:])
                runs.append((" ".join(args), run))
            assert fake.channel_messages  # the bot token was used, and worked
    finally:
        for hook in hooks.values():
            await hook.stop()
    first = runs[0][1].stderr
    assert "refused us for good (HTTP 401" in first and "(HTTP 404" in first
    assert "server error (HTTP 500" in first and "gave no answer within 1 s" in first
    assert "could not reach" in first
    assert hooks["ok"].delivered and hooks["401"].received and hooks["slow"].received
    problems = {name: leaks(run.stdout + run.stderr) for name, run in runs}
    state = (folder / "state" / "treatybot.sqlite3").read_bytes().decode("utf-8", "replace")
    problems["digests.jsonl"] = leaks((folder / "digests.jsonl").read_text(encoding="utf-8"))
    problems["state database"] = leaks(state)
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
    assert "http://127.0.0.1:" in first and "/…" in first  # masked forms are what is shown


@pytest.mark.slow
async def test_a_refused_bot_token_is_not_printed(tmp_path: Path) -> None:
    async with FakeDiscord.start(token="the-right-token") as fake:
        env = {**os.environ, "DISCORD_TOKEN": DISCORD_TOKEN,
               "DISCORD_API_BASE": fake.api_base, "DISCORD_GATEWAY_URL": fake.gateway_url}
        folder = folder_with(tmp_path, "refused", "outputs:\n  - type: jsonl\n    path: d.jsonl\n"
                             f"  - type: discord\n    channel_id: {CHANNEL_ID}\n")
        run = await cli(folder, env, "run", "--once", "-vv")
        feeds = await cli(folder, env, "feeds", "-vv")
    assert run.returncode == 0, run.stderr[-3000:]
    assert fake.channel_messages == []
    assert "DISABLED" in feeds.stdout
    assert not leaks(run.stdout + run.stderr + feeds.stdout + feeds.stderr)


BROKEN = {
    "unset variable": hook_output("hook", "NOT_SET_ANYWHERE"),
    "bad scheme from the environment": hook_output("hook", "BAD_HOOK"),
    "scheme typo in a pasted URL": (
        "  - type: discord_webhook\n"
        f"    url: htps://127.0.0.1:9/api/webhooks/1/{HOOK_TOKENS['pasted']}\n"),
    "YAML error on the line of a pasted URL": (
        "  - type: discord_webhook\n"
        f"    url: https://127.0.0.1:9/api/webhooks/1/{HOOK_TOKENS['pasted']}: [\n"),
    "tab before a pasted URL": (
        "  - type: discord_webhook\n"
        f"\turl: https://127.0.0.1:9/api/webhooks/1/{HOOK_TOKENS['pasted']}\n"),
    "misspelt key next to a pasted URL": (
        "  - type: discord_webhook\n"
        f"    urll: https://127.0.0.1:9/api/webhooks/1/{HOOK_TOKENS['pasted']}\n"),
    "URL given as a list": (
        "  - type: slack_webhook\n"
        f"    url: [https://127.0.0.1:9/services/T/B/{SLACK_TOKENS['ok']}]\n"),
    "URL with a space": (
        "  - type: discord_webhook\n"
        f"    url: https://127.0.0.1:9/api/webhooks/1/{HOOK_TOKENS['pasted']} extra\n"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BROKEN))
async def test_a_broken_watchlist_names_the_problem_not_the_secret(case: str,
                                                                   tmp_path: Path) -> None:
    env = {**os.environ, "DISCORD_TOKEN": DISCORD_TOKEN,
           "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
           "BAD_HOOK": f"ftp://127.0.0.1/api/webhooks/1/{HOOK_TOKENS['badenv']}"}
    env.pop("NOT_SET_ANYWHERE", None)
    folder = folder_with(tmp_path, "broken", "outputs:\n" + BROKEN[case])
    runs = {args: await cli(folder, env, *args.split(), prelude=FAST_RETRIES)
            for args in ("validate", "run --once -vv", "feeds", "status")}
    validate = runs["validate"]
    print(case, "->", (validate.stderr or validate.stdout).strip()[:300])
    if case != "URL with a space":  # a URL with a space in it is a valid string: see below
        assert validate.returncode == 1 and validate.stderr.strip()
        assert runs["run --once -vv"].returncode != 0
    for args, run in runs.items():
        assert "Traceback" not in run.stderr, (args, run.stderr[-2000:])
        assert not leaks(run.stdout + run.stderr), (args, leaks(run.stdout + run.stderr),
                                                     (run.stdout + run.stderr)[-1500:])


# -- feed URLs with a secret in them --------------------------------------------------------------

NEWS_KEY = "NewsApiKey0123456789abcdefXYZ"  # ?apiKey=${NEWS_KEY}
FEED_PASS = "FeedPassword987-zyxwvutsrqpon"  # https://reader:${FEED_PASS}@...
LITERAL_TOKEN = "LiteralFeedToken0123456789qrs"  # written in the watchlist itself
FEED_SECRETS = [NEWS_KEY, FEED_PASS, LITERAL_TOKEN]


class PrivateFeeds:
    """Feeds that answer only with the right API key, password or token; ``seen`` records
    what each request brought (path, apiKey, token, basic-auth user:password)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None, str | None, str | None]] = []
        self.app = web.Application()
        self.app.router.add_get("/{name}.xml", self._handle)

    async def _handle(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        basic = (base64.b64decode(auth.removeprefix("Basic ")).decode()
                 if auth.startswith("Basic ") else None)
        name = request.match_info["name"]
        self.seen.append((name, request.query.get("apiKey"), request.query.get("token"), basic))
        allowed = {"keyed": request.query.get("apiKey") == NEWS_KEY,
                   "private": basic == f"reader:{FEED_PASS}",
                   "literal": request.query.get("token") == LITERAL_TOKEN}
        if not allowed.get(name):
            # what a careless server does: echo the request, URL and all
            return web.Response(status=401, text=f"refused {request.url} ({auth})")
        # relative links: resolved against the feed URL, they must not take its secrets along
        link = "/news/signed" if name == "private" else "#signed"
        items = [Item(f"{SIGNED_TITLE} ({name})", SIGNED_SUMMARY, "2025-01-17", link, name)]
        return web.Response(body=rss(f"The {name} wire", items),
                            headers={"Content-Type": "application/rss+xml; charset=utf-8"})


def private_feeds_folder(tmp_path: Path, base: str) -> Path:
    host = base.removeprefix("http://")
    feeds = (
        "feeds:\n"
        f"  - name: Keyed\n    url: {base}/keyed.xml?apiKey=${{NEWS_KEY}}&edition=en\n"
        f"  - name: Private\n    url: http://reader:${{FEED_PASS}}@{host}/private.xml\n"
        f"  - name: Literal\n    url: {base}/literal.xml?edition=ru&token={LITERAL_TOKEN}\n"
        # a port no URL may have: the fetcher refuses it with the URL in its message
        "  - name: Broken\n"
        "    url: http://reader:${FEED_PASS}@127.0.0.1:99999/rss?apiKey=${NEWS_KEY}\n"
    )
    folder = folder_with(tmp_path, "private", "outputs:\n  - type: jsonl\n    path: digests.jsonl\n"
                         "  - type: console\n")
    text = (folder / "watchlist.yaml").read_text(encoding="utf-8").replace("feeds: []\n", feeds)
    (folder / "watchlist.yaml").write_text(text + "health:\n  failures_before_alert: 1\n",
                                           encoding="utf-8")
    return folder


async def web_pages(folder: Path, env: dict[str, str]) -> dict[str, str]:
    """The status page, /metrics and /status.json of the bot over ``folder`` as its HTTP
    endpoint serves them, and the Slack /treaty feeds answer."""
    app = App(load_watchlist(folder / "watchlist.yaml", env=env), folder / "state")
    await app.start()
    runner = None
    try:
        reader = app.service
        runner = await serve_web(create_web_app(reader), "127.0.0.1", 0)
        host, port = runner.addresses[0][:2]
        pages = {"slack /treaty feeds": command_text(reader, "feeds")}
        async with aiohttp.ClientSession() as session:
            for path in ("/", "/metrics", "/status.json"):
                async with session.get(f"http://{host}:{port}{path}") as response:
                    assert response.status == 200, (path, response.status)
                    pages[path] = await response.text()
        return pages
    finally:
        if runner is not None:
            await runner.cleanup()
        await app.close()


def private_env() -> dict[str, str]:
    return {**os.environ, "NEWS_KEY": NEWS_KEY, "FEED_PASS": FEED_PASS}


@pytest.mark.slow
async def test_feed_url_secrets_are_sent_to_the_feed_but_never_shown(tmp_path: Path) -> None:
    feeds = PrivateFeeds()
    env = private_env()
    async with serve(feeds.app) as base:
        folder = private_feeds_folder(tmp_path, base)
        runs: dict[str, BotRun] = {}
        for attempt in (1, 2):  # the second run: conditional requests, backoff of the broken one
            runs[f"run --once -vv #{attempt}"] = await cli(folder, env, "run", "--once", "-vv")
        for args in ("feeds", "feeds --json", "status", "status --json", "sources --json",
                     "history --json", "watch list", "watch list --json"):
            runs[args] = await cli(folder, env, *args.split(), "-vv")
        pages = await web_pages(folder, env)
    for args, run in runs.items():
        assert run.returncode == 0, (args, run.stderr[-2000:])
    # the secrets reached the feeds: fetching uses the URL as written
    assert ("keyed", NEWS_KEY, None, None) in feeds.seen
    assert ("private", None, None, f"reader:{FEED_PASS}") in feeds.seen
    assert ("literal", None, LITERAL_TOKEN, None) in feeds.seen
    assert all(name != "keyed" or key == NEWS_KEY for name, key, _, _ in feeds.seen)

    shown = {name: run.stdout + run.stderr for name, run in runs.items()}
    for name in ("run --once -vv #1", "run --once -vv #2"):
        shown[name] = runs[name].stdout + runs[name].stderr
    shown.update(pages)
    shown["digests.jsonl"] = (folder / "digests.jsonl").read_text(encoding="utf-8")
    problems = {name: leaks(text, FEED_SECRETS) for name, text in shown.items()}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}

    # what is shown instead: the feed, recognisable, with its secrets as …
    port = base.rsplit(":", 1)[1]
    assert f"{base}/keyed.xml?apiKey=…&edition=en" in shown["feeds"]
    assert f"http://…@127.0.0.1:{port}/private.xml" in shown["feeds"]
    assert f"{base}/literal.xml?edition=ru&token=…" in shown["feeds"]
    rows = {row["name"]: row for row in json.loads(runs["feeds --json"].stdout)}
    assert rows["Keyed"]["url"] == f"{base}/keyed.xml?apiKey=…&edition=en" and rows["Keyed"]["ok"]
    assert rows["Private"]["ok"] and rows["Literal"]["ok"]
    assert rows["Broken"]["last_error"].startswith("invalid URL: http://…@127.0.0.1:99999/rss")
    assert "apiKey=…" in rows["Broken"]["last_error"]
    assert "Feed failing: Broken" in shown["digests.jsonl"]  # the error went out, redacted
    assert f"{base}/keyed.xml?apiKey=…&amp;edition=en" in pages["/"]
    assert 'treatybot_feed_up{feed="Private"} 1.0' in pages["/metrics"]
    # the watchlist as written: ${NAME} is no secret and stays; a written-in token does not
    assert f"{base}/keyed.xml?apiKey=${{NEWS_KEY}}&edition=en" in shown["watch list"]
    assert f"{base}/literal.xml?edition=ru&token=… (every" in shown["watch list"]
    # article links resolved against a feed URL keep neither its password nor its key
    links = {a["feed"]: a["url"] for a in json.loads(runs["sources --json"].stdout)
             if a.get("feed")}
    assert links == {"Keyed": f"{base}/keyed.xml?edition=en",
                     "Private": f"http://127.0.0.1:{port}/news/signed",
                     "Literal": f"{base}/literal.xml?edition=ru"}


@pytest.mark.slow
async def test_fetch_logs_and_validate_do_not_show_a_feed_secret(tmp_path: Path) -> None:
    async with serve(PrivateFeeds().app) as base:
        folder = private_feeds_folder(tmp_path, base)
        runs = {args: await cli(folder, private_env(), *args.split())
                for args in ("validate", "run --once -vv")}
    assert runs["validate"].returncode == 0, runs["validate"].stderr
    assert "/keyed.xml?apiKey=…&edition=en" in runs["validate"].stdout
    problems = {args: leaks(run.stdout + run.stderr, FEED_SECRETS) for args, run in runs.items()}
    assert not any(problems.values()), problems
