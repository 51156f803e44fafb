"""The watchlist: parsing, every kind of fault with its line, secrets, and live reloading."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.addresses import host_address, is_public_address
from bot.config import (
    DEFAULT_KEYWORDS,
    ConsoleOutput,
    DiscordOutput,
    DiscordWebhookOutput,
    JsonlOutput,
    SlackWebhookOutput,
    Watchlist,
    WatchlistWatcher,
    check_watchlist,
    format_duration,
    load_watchlist,
    parse_duration,
    parse_size,
)
from bot.errors import ConfigError, Problem
from bot.redact import mask_url

DATA = Path(__file__).parent / "data" / "watchlists"
SECRET_DISCORD = "https://discord.com/api/webhooks/1234567890/SECRETdiscordTOKENabcd"
SECRET_SLACK = "https://hooks.slack.com/services/T0000/B0000/SECRETslackTOKENwxyz"
ENV = {"DISCORD_WEBHOOK_URL": SECRET_DISCORD, "SLACK_WEBHOOK_URL": SECRET_SLACK}


def write(tmp_path: Path, text: str, name: str = "watchlist.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    return check_watchlist(write(tmp_path, text), env=ENV if env is None else env)


# ---------------------------------------------------------------------------------------------
# Broken watchlists: each gives a problem on the right line with a useful message
# ---------------------------------------------------------------------------------------------

BROKEN = [
    ("tab indentation", "poll:\n\tinterval: 15m\n", 2, "tab character in indentation"),
    ("indented too far", "poll:\n  interval: 15m\n   jitter: 30s\n", 3, "bad indentation"),
    ("indented too little", "poll:\n  interval: 15m\n jitter: 30s\n", 3, "bad indentation"),
    ("duplicate key", "seeds: a\npoll:\n  interval: 1m\nseeds: b\n", 4, "duplicate key `seeds`"),
    ("missing colon", "seeds: x\npoll\n  interval: 15m\n", 2, "missing ':' after `poll`"),
    (
        "missing colon in a list item",
        "feeds:\n  - name TASS\n    url: https://tass.com/rss\n",
        2,
        "missing ':' after `name`",
    ),
    ("unclosed quote", 'feeds:\n  - name: "TASS\n    url: https://x.org/\n', 2, "unclosed quote"),
    ("unclosed bracket", "feeds: [ {name: a, url: 'https://x.org/'}\n", 1, "unclosed '['"),
    (
        "colon inside an unquoted value",
        "feeds:\n  - name: TASS: Russia\n    url: https://tass.com/rss\n",
        2,
        "put the value in quotes",
    ),
    (
        "unknown top-level key",
        "seeds: s\nfeds: []\n",
        2,
        "`feds`: unknown key, did you mean `feeds`?",
    ),
    (
        "unknown nested key",
        "poll:\n  intervall: 15m\n",
        2,
        "`intervall`: unknown key, did you mean `interval`?",
    ),
    ("bad duration", "poll:\n  interval: 15 minutes\n", 2, "invalid duration '15 minutes'"),
    ("negative interval", "poll:\n  interval: -5m\n", 2, "negative"),
    ("zero interval", "poll:\n  interval: 0\n", 2, "greater than 0"),
    (
        "negative feed interval",
        "feeds:\n  - name: A\n    url: https://a.org/\n    interval: -1\n",
        4,
        "negative",
    ),
    ("empty value", "poll:\n  interval:\n  jitter: 5s\n", 2, "empty value"),
    ("feed without url", "feeds:\n  - name: TASS\n", 2, "missing required key `url`"),
    (
        "feed without name",
        "feeds:\n  - url: https://tass.com/rss\n",
        2,
        "missing required key `name`",
    ),
    (
        "ftp feed",
        "feeds:\n  - name: TASS\n    url: ftp://tass.com/rss\n",
        3,
        "only http:// and https://",
    ),
    (
        "url without scheme",
        "feeds:\n  - name: A\n    url: tass.com/rss/v2.xml\n",
        3,
        "did you mean `https://tass.com/rss/v2.xml`?",
    ),
    ("http url without host", "feeds:\n  - name: A\n    url: http:///rss\n", 3, "has no host"),
    (
        "localhost feed",
        "feeds:\n  - name: Dev\n    url: http://localhost:8080/rss\n",
        3,
        "set `allow_local: true`",
    ),
    (
        "private address feed",
        "feeds:\n  - name: Dev\n    url: http://10.1.2.3/rss\n",
        3,
        "allow_local",
    ),
    (
        "link-local feed",
        "feeds:\n  - name: Meta\n    url: http://169.254.169.254/\n",
        3,
        "allow_local",
    ),
    ("file feed", "feeds:\n  - name: Dev\n    url: fixtures/feed.xml\n", 3, "is a local file"),
    *(
        (
            f"{why} feed ({host})",
            f"feeds:\n  - name: Dev\n    url: http://{host}:18731/a.xml\n",
            3,
            f"is a local or private address ({shown}); set `allow_local: true`",
        )
        for why, host, shown in [
            ("hex IPv4", "0x7f000001", "0x7f000001 = 127.0.0.1"),
            ("decimal IPv4", "2130706433", "2130706433 = 127.0.0.1"),
            ("octal IPv4", "0177.0.0.1", "0177.0.0.1 = 127.0.0.1"),
            ("short IPv4", "127.1", "127.1 = 127.0.0.1"),
            ("IPv4-mapped IPv6", "[::ffff:127.0.0.1]", "::ffff:127.0.0.1 = 127.0.0.1"),
            ("hex IPv4-mapped IPv6", "[::ffff:a00:1]", "::ffff:a00:1 = 10.0.0.1"),
            ("carrier-grade NAT", "100.64.0.1", "100.64.0.1"),
            ("unspecified", "0.0.0.0", "0.0.0.0"),
            ("multicast", "224.0.0.1", "224.0.0.1"),
            ("reserved", "240.0.0.1", "240.0.0.1"),
            ("IPv6 unique local", "[fd00::1]", "fd00::1"),
            ("trailing-dot localhost", "localhost.", "localhost."),
        ]
    ),
    (
        "duplicate feed name",
        "feeds:\n  - name: TASS\n    url: https://a.org/\n  - name: tass\n    url: https://b.org/\n",
        4,
        "duplicate feed name",
    ),
    (
        "unknown output type",
        "outputs:\n  - type: console\n  - type: discrod\n    channel_id: 1\n",
        3,
        "unknown output type `discrod`, did you mean `discord`? (known types: console, jsonl, "
        "discord_webhook, slack_webhook, discord)",
    ),
    ("output without type", "outputs:\n  - path: x.jsonl\n", 2, "missing `type:`"),
    ("jsonl without path", "outputs:\n  - type: jsonl\n", 2, "missing required key `path`"),
    (
        "discord without channel_id",
        "outputs:\n  - type: discord\n",
        2,
        "missing required key `channel_id`",
    ),
    (
        "channel_id not a number",
        "outputs:\n  - type: discord\n    channel_id: general\n",
        3,
        "numeric ID",
    ),
    (
        "unknown output key",
        "outputs:\n  - type: jsonl\n    path: a.jsonl\n    pathh: b.jsonl\n",
        4,
        "`pathh`: unknown key, did you mean `path`?",
    ),
    (
        "unset variable",
        "outputs:\n  - type: console\n  - type: discord_webhook\n    url: ${MISSING_HOOK}\n",
        4,
        "${MISSING_HOOK} is not set in the environment",
    ),
    (
        "missing colon on the first section, a list below",
        "feeds\n  - name: a\n    url: https://x.example/f\n",
        1,
        "missing ':' after `feeds`",
    ),
    (
        "missing colon on the first section",
        "poll\n  interval: 10m\n",
        1,
        "missing ':' after `poll`",
    ),
    ("missing colon, read as text", "outputs\n  - console\n", 1, "missing ':' after `outputs`"),
    ("missing colon, section alone", "# comment\n\nfeeds\n", 3, "missing ':' after `feeds`"),
    (
        "missing colon before a comment",
        "feeds   # the sources\n  - name: a\n",
        1,
        "missing ':' after `feeds`",
    ),
    (
        "missing colon on a nested section",
        "topic:\n  parties\n    russia: [Putin]\n",
        2,
        "missing ':' after `parties`",
    ),
    ("NUL byte", "seeds: s\nfeeds:\n  - name: a\x00b\n", 3, "a NUL byte (U+0000) is not allowed"),
    ("control character", "topic:\n  name: \x1b[31mred\n", 2, "control character U+001B"),
    (
        "unclosed ${",
        "feeds:\n  - name: a\n    url: https://${HOST X/feed\n",
        3,
        "`${HOST` has no closing `}`; write `${NAME}`, or `$$` for a literal `$`",
    ),
    ("${ at the end", "topic:\n  name: Treaty ${\n", 2, "`${` has no closing `}`"),
    (
        "shell default in ${}",
        "topic:\n  name: ${NAME:-Treaty}\n",
        2,
        "`${NAME:-Treaty}`: not a variable name (defaults like `:-` are not supported)",
    ),
    ("not a name in ${}", "topic:\n  name: ${1st}\n", 2, "`${1st}`: not a variable name"),
    ("top level a list", "- feeds\n- outputs\n", 1, "top level must be a mapping"),
    ("top level a scalar", "just some text\n", 1, "top level must be a mapping"),
    ("feeds not a list", "feeds: TASS\n", 1, "`feeds`: should be a list"),
    ("feeds a mapping", "feeds:\n  name: TASS\n  url: https://tass.com/\n", 1, "should be a list"),
    ("section not a mapping", "poll: 15m\n", 1, "`poll`: should be a mapping"),
    ("bad daily time", "digest:\n  daily: 25:00\n", 2, "invalid time '25:00'"),
    (
        "unknown timezone",
        "digest:\n  timezone: Europe/Moskow\n",
        2,
        "did you mean `Europe/Moscow`?",
    ),
    ("bad size", "poll:\n  max_bytes: lots\n", 2, "invalid size 'lots'"),
    ("bad count", "status:\n  min_sources: two\n", 2, "whole number"),
    ("confidence above 1", "status:\n  min_confidence_single: 1.5\n", 2, "less than or equal to 1"),
    ("per_host zero", "poll:\n  per_host: 0\n", 2, "greater than or equal to 1"),
    (
        "party without aliases",
        "topic:\n  parties:\n    russia: []\n",
        3,
        "`topic.parties.russia`: needs at least 1",
    ),
    ("no parties", "topic:\n  parties: {}\n", 2, "`topic.parties`: needs at least 1"),
    (
        "empty keyword",
        "topic:\n  keywords: [treaty, '']\n",
        2,
        "`topic.keywords`: contains an empty entry",
    ),
    ("no outputs", "outputs: []\n", 1, "no outputs"),
    (
        "duplicate output name",
        "outputs:\n  - type: console\n    name: a\n  - type: jsonl\n    name: a\n    path: x\n",
        5,
        "duplicate output name `a`",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "message"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_broken_watchlist_is_reported_on_its_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = write(tmp_path, text)
    watchlist, problems = check_watchlist(path, env={})
    assert watchlist is None
    assert problems, "expected at least one problem"
    assert any(p.line == line and message in p.message for p in problems), [
        str(p) for p in problems
    ]
    for problem in problems:
        assert problem.path == str(path)
        assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: ")


def test_broken_table_is_big_enough() -> None:
    assert len(BROKEN) >= 22


def test_unset_variable_points_at_the_variable(tmp_path: Path) -> None:
    text = "outputs:\n  - type: discord_webhook\n    url: ${DISCORD_WEBHOOK_URL}\n"
    _, problems = check(tmp_path, text, env={})
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'watchlist.yaml'}:3:10: ${{DISCORD_WEBHOOK_URL}} is not set in the environment"
    ]


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    text = "feds: []\npoll:\n  interval: soon\n  jitter: 1x\noutputs:\n  - type: nope\n"
    _, problems = check(tmp_path, text)
    assert [p.line for p in problems] == [1, 3, 4, 6]


def test_columns_are_one_based(tmp_path: Path) -> None:
    _, problems = check(tmp_path, "poll:\n  intervall: 15m\n")
    assert (problems[0].line, problems[0].column) == (2, 3)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path)
    (problem,) = caught.value.problems
    assert f"no watchlist at {path}; create one or pass --watchlist" in problem.message


def test_load_raises_config_error_with_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "feds: []\n")
    with pytest.raises(ConfigError) as caught:
        load_watchlist(path, env={})
    assert caught.value.problems[0].line == 1
    assert "did you mean `feeds`?" in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_bytes(b"seeds: \xff\xfe\n")
    _, problems = check_watchlist(path)
    assert "not UTF-8" in problems[0].message


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"seeds: s\nfeeds:\n  - name: a\xffb\n",
            "3:12: not UTF-8 text: byte 0xFF cannot be read (invalid start byte)",
        ),
        (  # a byte order mark is not a column; columns count characters, not bytes
            b"\xef\xbb\xbftopic:\r\n  name: Caf\xc3\xa9 \xe9t\xe9\r\n",
            "2:14: not UTF-8 text: byte 0xE9 cannot be read (invalid continuation byte)",
        ),
    ],
)
def test_not_utf8_points_at_the_byte(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_bytes(data)
    _, problems = check_watchlist(path)
    assert [str(p) for p in problems] == [f"{path}:{expected}; save the file as UTF-8"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("feeds\n  - name: a\n    url: https://x.example/f\n", "1:1: missing ':' after `feeds`"),
        ("poll\n  interval: 10m\n", "1:1: missing ':' after `poll`"),
        ("outputs\n  - console\n", "1:1: missing ':' after `outputs`"),
        ("seeds: s\ntopic:\n  parties\n    russia: [Putin]\n", "3:3: missing ':' after `parties`"),
        (
            "seeds: s\nfeeds:\n  - name: a\x00b\n",
            "3:12: a NUL byte (U+0000) is not allowed in YAML; delete it",
        ),
        (
            "feeds:\n  - name: a\n    url: https://${HOST X/feed\n",
            "3:18: `${HOST` has no closing `}`; write `${NAME}`, or `$$` for a literal `$`",
        ),
    ],
)
def test_clearer_messages_at_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    _, problems = check_watchlist(path, env={"HOST": "x.example"})
    assert [str(p) for p in problems] == [f"{path}:{expected}"]


def test_a_broken_reference_is_not_used_as_text(tmp_path: Path) -> None:
    text = (
        "topic:\n  name: ${PLACE} ${PLACE\n"
        "outputs:\n  - type: slack_webhook\n    url: https://hooks.example/${T:-SECRETtoken}\n"
    )
    watchlist, problems = check(tmp_path, text, env={"PLACE": "Moscow", "T": "x"})
    assert watchlist is None
    assert [(p.line, p.column) for p in problems] == [(2, 18), (5, 32)]
    assert "SECRET" not in str(problems) and "`${…}`: not a variable name" in problems[1].message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for name, prev in zip("bcdefg", "abcdef", strict=True):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    _, problems = check(tmp_path, text)
    assert "too many values" in problems[0].message


def test_problem_str() -> None:
    assert str(Problem("w.yaml", 12, 10, "boom")) == "w.yaml:12:10: boom"
    assert str(Problem("w.yaml", 3, None, "boom")) == "w.yaml:3: boom"
    assert str(Problem("w.yaml", None, None, "boom")) == "w.yaml: boom"


# ---------------------------------------------------------------------------------------------
# Valid watchlists
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# nothing yet\n", "---\n", "poll:\nfeeds:\noutputs:\n"]
)
def test_empty_file_gives_defaults(tmp_path: Path, text: str) -> None:
    watchlist, problems = check(tmp_path, text)
    assert problems == []
    assert watchlist is not None
    assert watchlist.path == tmp_path / "watchlist.yaml"
    assert watchlist.base_dir == tmp_path
    assert watchlist.seeds_dir == (tmp_path / "seeds").resolve()
    assert watchlist.topic.name == "Russia–Iran Treaty on Comprehensive Strategic Partnership"
    assert "Vladimir Putin" in watchlist.topic.parties["russia"]
    assert "Federation Council" in watchlist.topic.parties["russia"]
    assert "Amir-Abdollahian" in watchlist.topic.parties["iran"]
    assert watchlist.topic.keywords == DEFAULT_KEYWORDS
    assert watchlist.topic.aliases == []
    assert watchlist.poll.interval == 900
    assert watchlist.poll.jitter == 30
    assert watchlist.poll.timeout == 20
    assert watchlist.poll.connect_timeout == 10
    assert watchlist.poll.max_bytes == 5 * 1024 * 1024
    assert watchlist.poll.per_host == 2
    assert watchlist.poll.max_backoff == 6 * 3600
    assert watchlist.health.failures_before_alert == 5
    assert watchlist.status.min_sources == 2
    assert watchlist.status.min_confidence_single == 0.85
    assert watchlist.digest.daily is None
    assert watchlist.digest.timezone == "UTC"
    assert watchlist.commands.check_roles == []
    assert watchlist.allow_local is False
    assert watchlist.feeds == []
    assert [type(o) for o in watchlist.outputs] == [ConsoleOutput]
    assert watchlist.outputs[0].key == "console"


def test_full_example(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    shutil.copy(DATA / "full.yaml", path)
    watchlist = load_watchlist(path, env=ENV)
    assert watchlist.topic.aliases == ["comprehensive strategic partnership treaty"]
    assert watchlist.topic.parties["iran"][-1] == "Araghchi"
    assert watchlist.digest.daily == "09:00"
    assert str(watchlist.digest.tzinfo) == "Europe/Moscow"
    assert watchlist.commands.check_roles == ["Analysts", "Editors"]
    assert [f.name for f in watchlist.feeds] == ["TASS", "IRNA"]
    assert watchlist.feed_interval(watchlist.feeds[0]) == 1800
    assert watchlist.feed_interval(watchlist.feeds[1]) == 900
    assert watchlist.feed_interval("IRNA") == 900
    console, jsonl, discord_hook, slack, discord = watchlist.outputs
    assert isinstance(console, ConsoleOutput)
    assert (
        isinstance(jsonl, JsonlOutput)
        and jsonl.path == (tmp_path / "state/digests.jsonl").resolve()
    )
    assert isinstance(discord_hook, DiscordWebhookOutput) and discord_hook.url == SECRET_DISCORD
    assert isinstance(slack, SlackWebhookOutput) and slack.url == SECRET_SLACK
    assert isinstance(discord, DiscordOutput) and discord.channel_id == 123456789012345678
    assert [o.key for o in watchlist.outputs] == [
        "console",
        "jsonl",
        "discord_webhook",
        "newsroom",
        "discord",
    ]
    summary = watchlist.summary()
    for expected in (
        "Russia–Iran Treaty",
        "seeds",
        "TASS",
        "https://tass.com/rss/v2.xml",
        "every 30m",
    ):
        assert expected in summary
    assert "Feeds (2)" in summary and "Poll: every 15m" in summary
    assert "https://discord.com/…" in summary and "https://hooks.slack.com/…" in summary


def test_variable_substitution(tmp_path: Path) -> None:
    text = (
        "topic:\n  name: Treaty of ${PLACE}\n"
        "outputs:\n  - type: discord_webhook\n    url: 'https://discord.com/api/webhooks/${HOOK_ID}/${HOOK_TOKEN}'\n"
        "  - type: jsonl\n    path: $${literal}.jsonl\n"
    )
    env = {"PLACE": "Moscow", "HOOK_ID": "42", "HOOK_TOKEN": "tok"}
    watchlist, problems = check(tmp_path, text, env=env)
    assert problems == []
    assert watchlist.topic.name == "Treaty of Moscow"
    assert watchlist.outputs[0].url == "https://discord.com/api/webhooks/42/tok"
    assert watchlist.outputs[1].path.name == "${literal}.jsonl"


def test_variables_default_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TREATYBOT_TEST_HOOK", SECRET_SLACK)
    path = write(tmp_path, "outputs:\n  - type: slack_webhook\n    url: ${TREATYBOT_TEST_HOOK}\n")
    assert load_watchlist(path).outputs[0].url == SECRET_SLACK


def test_allow_local(tmp_path: Path) -> None:
    text = (
        "allow_local: true\nfeeds:\n"
        "  - name: Dev server\n    url: http://127.0.0.1:8080/feed.xml\n"
        "  - name: Fixture\n    url: fixtures/feed.xml\n"
        "  - name: File URL\n    url: file:///tmp/feed.xml\n"
        "  - name: Localhost\n    url: http://localhost/feed\n"
    )
    watchlist, problems = check(tmp_path, text)
    assert problems == []
    assert watchlist.feeds[0].url == "http://127.0.0.1:8080/feed.xml"
    assert watchlist.feeds[1].url == str((tmp_path / "fixtures/feed.xml").resolve())
    assert watchlist.feeds[2].url == "file:///tmp/feed.xml"


def test_without_allow_local_loopback_is_rejected(tmp_path: Path) -> None:
    text = "feeds:\n  - name: Dev\n    url: http://127.0.0.1:8080/feed.xml\n"
    _, problems = check(tmp_path, text)
    assert "allow_local" in problems[0].message


def test_public_addresses_are_fine(tmp_path: Path) -> None:
    text = "feeds:\n  - name: A\n    url: http://93.184.216.34/rss\n  - name: B\n    url: https://[2606:4700::1]/rss\n"
    watchlist, problems = check(tmp_path, text)
    assert problems == [] and len(watchlist.feeds) == 2


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("0x7f000001", "0x7f000001 = 127.0.0.1"),
        ("2130706433", "2130706433 = 127.0.0.1"),
        ("0177.0.0.1", "0177.0.0.1 = 127.0.0.1"),
        ("127.1", "127.1 = 127.0.0.1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 = 127.0.0.1"),
        ("100.64.0.1", "100.64.0.1"),
    ],
)
def test_local_addresses_in_any_spelling_are_refused(tmp_path: Path, host: str, shown: str) -> None:
    url = f"http://{host}:18731/a.xml"
    _, problems = check(tmp_path, f"feeds:\n  - name: Dev\n    url: {url}\n")
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'watchlist.yaml'}:3:10: `feeds[0].url`: feed url {url!r} is a local or "
        f"private address ({shown}); set `allow_local: true` to allow local feeds"
    ]
    watchlist, problems = check(
        tmp_path, f"allow_local: true\nfeeds:\n  - name: Dev\n    url: {url}\n"
    )
    assert problems == [] and watchlist.feeds[0].url == url


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1", True),
        ("64:ff9b::5db8:d822", True),  # 93.184.216.34 through NAT64
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:7f00:1", False),
        ("2002:a00:1::", False),  # 6to4 around 10.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 around 127.0.0.1
        ("not an address", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("example.org", None),
        ("cafe.be", None),
        ("08.0.0.1", None),
        ("127.0.0.1 x", None),
        ("", None),
    ],
)
def test_host_address_reads_what_the_socket_layer_reads(host: str, address: str | None) -> None:
    found = host_address(host)
    assert (str(found) if found is not None else None) == address


def test_shorthand_output_and_repeated_keys(tmp_path: Path) -> None:
    text = "outputs:\n  - console\n  - type: console\n  - type: jsonl\n    path: a.jsonl\n    name: archive\n"
    watchlist, problems = check(tmp_path, text)
    assert problems == []
    assert [o.key for o in watchlist.outputs] == ["console", "console#2", "archive"]
    assert watchlist.output("archive") is watchlist.outputs[2]


def test_single_role_becomes_a_list(tmp_path: Path) -> None:
    watchlist, _ = check(tmp_path, "commands:\n  check_roles: Moderators\n")
    assert watchlist.commands.check_roles == ["Moderators"]


def test_fingerprint_is_stable(tmp_path: Path) -> None:
    base = "feeds:\n  - name: A\n    url: https://a.org/rss\n"
    first, _ = check(tmp_path, base)
    again, _ = check(tmp_path, "# a comment\n" + base.replace("https", "https"))
    other, _ = check(tmp_path, base.replace("a.org", "b.org"))
    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != other.fingerprint()
    assert len(first.fingerprint()) == 64


# ---------------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------------


def test_webhook_urls_never_leak(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    shutil.copy(DATA / "full.yaml", path)
    watchlist = load_watchlist(path, env=ENV)
    texts = [watchlist.summary(), repr(watchlist), str(watchlist)]
    texts += [repr(o) for o in watchlist.outputs] + [str(o) for o in watchlist.outputs]
    for text in texts:
        assert "SECRET" not in text
        assert "abcd" not in text and "wxyz" not in text


def test_bad_webhook_url_problem_does_not_leak(tmp_path: Path) -> None:
    text = "outputs:\n  - type: slack_webhook\n    url: ${HOOK}\n    colour: red\n"
    _, problems = check(tmp_path, text, env={"HOOK": "hooks.slack.com/services/T0/B0/SECRETtoken"})
    assert len(problems) == 2
    assert all("SECRET" not in str(p) for p in problems)
    _, problems = check(
        tmp_path, text.replace("    colour: red\n", ""), env={"HOOK": "ftp://h.example/SECRET"}
    )
    assert "SECRET" not in str(problems) and "ftp://h.example/…" in problems[0].message


def test_direct_construction_errors_do_not_leak() -> None:
    with pytest.raises(ValueError) as caught:
        Watchlist(outputs=[{"type": "discord_webhook", "url": "gopher://x.org/SECRET"}])
    assert "SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (SECRET_DISCORD, "https://discord.com/…"),
        (SECRET_SLACK, "https://hooks.slack.com/…"),
        ("https://user:pass@example.org:8443/path?token=SECRET", "https://example.org:8443/…"),
        ("not a url SECRET", "…"),
        ("", ""),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


# ---------------------------------------------------------------------------------------------
# Durations and sizes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90),
        ("10m", 600),
        ("1h", 3600),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        ("500ms", 0.5),
        ("1.5h", 5400),
        ("15M", 900),
        (45, 45),
        (2.5, 2.5),
        ("30", 30),
        (0, 0),
    ],
)
def test_parse_duration(value: object, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value", ["15 minutes", "soon", "", "m", "10x", "-5m", -1, True, None, "1h30"]
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        (1000, 1000),
        ("5MB", 5 * 1024 * 1024),
        ("512KB", 512 * 1024),
        ("512kb", 512 * 1024),
        ("1.5 MB", int(1.5 * 1024 * 1024)),
        ("2MiB", 2 * 1024 * 1024),
        ("100B", 100),
        ("4096", 4096),
        ("1G", 1024**3),
    ],
)
def test_parse_size(value: object, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["lots", "5 parsecs", 0, -5, "0MB", True, None, ""])
def test_parse_size_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_size(value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(900, "15m"), (5400, "1h30m"), (90, "1m30s"), (0.5, "0.5s"), (0, "0s"), (86400, "1d")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


# ---------------------------------------------------------------------------------------------
# The watcher
# ---------------------------------------------------------------------------------------------

VALID_A = "feeds:\n  - name: A\n    url: https://a.org/rss\n"
VALID_B = "feeds:\n  - name: B\n    url: https://b.org/rss\n"
BROKEN_TEXT = "feeds:\n  - name: A\n    url: https://a.org/rss\n    intervall: 5m\n"


async def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.01)


class Recorder:
    def __init__(self) -> None:
        self.valid: list[Watchlist] = []
        self.invalid: list[list[Problem]] = []

    async def on_valid(self, watchlist: Watchlist) -> None:
        self.valid.append(watchlist)

    async def on_invalid(self, problems: list[Problem]) -> None:
        self.invalid.append(problems)


async def test_watcher_reports_broken_then_fixed(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_A)
    recorder = Recorder()
    watcher = WatchlistWatcher(
        path, on_valid=recorder.on_valid, on_invalid=recorder.on_invalid, interval=0.05, env={}
    )
    await watcher.start()
    try:
        first = watcher.current
        assert first is not None and first.feeds[0].name == "A"
        assert recorder.valid == [] and recorder.invalid == []

        path.write_text(BROKEN_TEXT, encoding="utf-8")
        await wait_until(lambda: recorder.invalid)
        (problem,) = recorder.invalid[0]
        assert problem.line == 4 and "did you mean `interval`?" in problem.message
        assert watcher.current is first

        await asyncio.sleep(0.3)  # the same broken content is reported once
        path.write_text(BROKEN_TEXT, encoding="utf-8")  # touched, same content
        await asyncio.sleep(0.3)
        assert len(recorder.invalid) == 1

        path.write_text(VALID_B, encoding="utf-8")
        await wait_until(lambda: recorder.valid)
        assert recorder.valid[0].feeds[0].name == "B"
        assert watcher.current is recorder.valid[0]
    finally:
        await watcher.stop()
    assert not watcher.running


async def test_watcher_ignores_edits_that_change_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, VALID_A)
    recorder = Recorder()
    current = load_watchlist(path, env={})
    watcher = WatchlistWatcher(
        path,
        on_valid=recorder.on_valid,
        on_invalid=recorder.on_invalid,
        interval=0.05,
        env={},
        current=current,
    )
    await watcher.start()
    try:
        path.write_text("# just a comment\n" + VALID_A, encoding="utf-8")
        await asyncio.sleep(0.4)
        assert recorder.valid == [] and recorder.invalid == []
        assert watcher.current is current
    finally:
        await watcher.stop()


async def test_watcher_reports_a_deleted_file_and_survives_failing_callbacks(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, VALID_A)
    calls: list[list[Problem]] = []

    async def on_invalid(problems: list[Problem]) -> None:
        calls.append(problems)
        raise RuntimeError("callback bug")

    async def on_valid(watchlist: Watchlist) -> None:
        calls.append([])

    watcher = WatchlistWatcher(
        path, on_valid=on_valid, on_invalid=on_invalid, interval=0.05, env={}
    )
    await watcher.start()
    try:
        path.unlink()
        await wait_until(lambda: calls)
        assert "no watchlist at" in calls[0][0].message
        path.write_text(VALID_B, encoding="utf-8")
        await wait_until(lambda: len(calls) == 2)
        assert calls[1] == [] and watcher.current.feeds[0].name == "B"
    finally:
        await watcher.stop()
