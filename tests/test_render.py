"""bot.delivery.formats: one renderer per format; limits, escaping and mention safety."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.delivery.formats import (
    COLOURS,
    DISCORD_LIMITS,
    SLACK_LIMITS,
    discord_embed_length,
    render_discord,
    render_for,
    render_json,
    render_slack,
    render_text,
)
from bot.delivery.formats import plain_text as strip_html
from bot.models import Digest

TOPIC = "Russia–Iran Treaty on Comprehensive Strategic Partnership"
EVIDENCE = [
    {
        "status": "signed",
        "quote": "Vladimir Putin and Masoud Pezeshkian signed the treaty in Moscow on Friday.",
        "title": "Russia and Iran sign strategic partnership treaty",
        "url": "https://tass.com/politics/1890000",
        "source": "TASS",
        "published": "2025-01-17",
        "rule": "signed.past_tense",
        "confidence": 0.92,
    },
    {
        "status": "signed",
        "quote": "The two presidents put their signatures to the 20-year pact.",
        "title": "Putin, Pezeshkian sign pact",
        "url": "https://www.reuters.com/world/putin-pezeshkian-sign-pact-2025-01-17/",
        "source": "Reuters",
        "published": "2025-01-17",
        "rule": "signed.signatures",
        "confidence": 0.88,
    },
    {"status": "signed", "quote": "Signed, says IRNA.", "source": None, "url": None},
]


def _digest(kind: str, **overrides: Any) -> Digest:
    base: dict[str, Any] = {
        "kind": kind,
        "title": f"Treaty {kind.replace('_', ' ')}",
        "text": f"{TOPIC}\nSomething happened ({kind}).",
        "created_at": "2025-01-17T12:00:00+00:00",
        "id": 7,
    }
    base.update(overrides)
    return Digest(**base)


SAMPLES: dict[str, Digest] = {
    "baseline": _digest(
        "baseline",
        title="Treaty baseline: drafting",
        text=f"{TOPIC}\nStatus: DRAFTING since 2024-06-11.\n\n"
        f"Based on 5 relevant article(s) of 40 read, 4 independent.",
        status="drafting",
        evidence=EVIDENCE[:1],
        facts={"since": "2024-06-11", "articles": 40, "sources": 4},
    ),
    "status_change": _digest(
        "status_change",
        title="Treaty status: drafting → signed",
        text=f"{TOPIC}\nStatus changed: drafting → SIGNED (since 2025-01-17).\n\n"
        'Why:\n  • "Vladimir Putin and Masoud Pezeshkian signed the treaty."\n'
        "    — TASS, 2025-01-17 [signed.past_tense]\n    https://tass.com/politics/1890000\n\n"
        "Also new since the last digest (1):\n  • Treaty signed — TASS https://tass.com/x_y\n\n"
        "Based on 5 relevant article(s) of 40 read, 4 independent.",
        status="signed",
        previous="drafting",
        evidence=EVIDENCE,
        facts={
            "since": "2025-01-17",
            "articles": 5,
            "sources": 4,
            "new_stories": [{"title": "Treaty signed", "url": "https://tass.com/x_y"}],
            "conflicts": [],
        },
    ),
    "feed_health": _digest(
        "feed_health",
        title="Feed failing: TASS",
        text="The feed TASS has failed 5 times in a row.\nLast error: HTTP 503",
        status="delayed",
        facts={"feed": {"name": "TASS", "failures": 5}, "recovered": False},
    ),
    "daily": _digest("daily", status="ratified", facts={"articles": 3, "sources": 2}),
    "config_error": _digest(
        "config_error",
        title="The watchlist has 2 problems",
        text="watchlist.yaml:3:5: feeds[0].url is not a URL\nwatchlist.yaml:9:1: unknown key",
        facts={"problems": ["watchlist.yaml:3:5: feeds[0].url is not a URL"]},
    ),
    "config_reloaded": _digest("config_reloaded", status="in_force"),
    "output_disabled": _digest(
        "output_disabled",
        title="Output discord_webhook#1 disabled",
        text="Discord answered 404 Unknown Webhook; digests are no longer sent there.",
    ),
}


# -- helpers -------------------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _all_text(payload: Any) -> str:
    return "\n".join(_strings(payload))


def assert_discord_limits(payload: dict[str, Any]) -> None:
    assert set(payload) == {"content", "embeds", "allowed_mentions"}
    assert payload["allowed_mentions"] == {"parse": []}
    assert isinstance(payload["content"], str) and 0 < len(payload["content"]) <= 2000
    assert len(payload["embeds"]) == 1
    embed = payload["embeds"][0]
    assert 0 < len(embed["title"]) <= 256
    assert len(embed.get("description", "")) <= 4096
    assert len(embed.get("fields", [])) <= 25
    for field in embed.get("fields", []):
        assert 0 < len(field["name"]) <= 256
        assert 0 < len(field["value"]) <= 1024
    assert len(embed["footer"]["text"]) <= 2048
    total = (
        len(embed["title"])
        + len(embed.get("description", ""))
        + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
        + len(embed["footer"]["text"])
    )
    assert total <= 6000
    assert discord_embed_length(embed) <= 6000
    assert isinstance(embed["color"], int)
    json.dumps(payload)


def assert_slack_limits(payload: dict[str, Any]) -> None:
    assert set(payload) == {"text", "blocks"}
    assert 0 < len(payload["text"]) <= 3000
    blocks = payload["blocks"]
    assert 0 < len(blocks) <= 50
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["type"] == "plain_text"
    assert 0 < len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        assert block["type"] in {"header", "section", "context", "divider"}
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
            assert 0 < len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
            for element in block["elements"]:
                assert 0 < len(element["text"]) <= 3000
    json.dumps(payload)


# -- every kind, every renderer --------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_text(kind: str) -> None:
    digest = SAMPLES[kind]
    text = render_text(digest)
    title, rule, *body = text.split("\n")
    assert title == digest.title
    assert set(rule) == {"="} and len(rule) >= 10
    assert "\n".join(body) == digest.text


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_json(kind: str) -> None:
    digest = SAMPLES[kind]
    data = render_json(digest)
    for key in ("kind", "status", "previous", "text", "evidence", "created_at"):
        assert key in data
    assert data["kind"] == kind
    assert data["text"] == digest.text
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_discord(kind: str) -> None:
    digest = SAMPLES[kind]
    payload = render_discord(digest)
    assert_discord_limits(payload)
    embed = payload["embeds"][0]
    assert embed["title"].replace("\\", "") == digest.title
    assert embed["timestamp"] == "2025-01-17T12:00:00+00:00"
    assert "treatybot" in embed["footer"]["text"]
    assert len(embed.get("fields", [])) == min(len(digest.evidence), 3)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_render_slack(kind: str) -> None:
    digest = SAMPLES[kind]
    payload = render_slack(digest)
    assert_slack_limits(payload)
    assert payload["blocks"][0]["text"]["text"] == digest.title
    assert payload["text"].startswith(digest.title.replace("_", "ˍ"))


def test_discord_status_change_layout() -> None:
    payload = render_discord(SAMPLES["status_change"])
    assert payload["content"] == "Treaty status changed: drafting → signed"
    embed = payload["embeds"][0]
    assert embed["color"] == COLOURS["signed"]
    first, second, third = embed["fields"]
    assert first["name"] == "TASS · 2025-01-17"
    assert first["value"].startswith("“Vladimir Putin and Masoud Pezeshkian signed")
    assert "(https://tass.com/politics/1890000)" in first["value"]
    assert second["name"] == "Reuters · 2025-01-17"
    assert third["name"] == "Unknown outlet"
    assert "](" not in third["value"]  # no URL, no link
    # The three quotes are shown as fields, so the text's "Why:" paragraph is left out ...
    assert "Why:" not in embed["description"]
    assert "Also new since the last digest" in embed["description"]
    # ... and URLs in the text stay usable (no escaping inside links).
    assert "https://tass.com/x_y" in embed["description"]
    assert "5 articles from 4 sources" in embed["footer"]["text"]


def test_why_paragraph_kept_when_not_all_evidence_fits() -> None:
    digest = _digest(
        "status_change",
        text="Head\n\nWhy:\n  • quote\n\nTail",
        status="signed",
        evidence=EVIDENCE * 2,
    )
    assert "Why:" in render_discord(digest)["embeds"][0]["description"]
    assert "Why:" in _all_text(render_slack(digest))


@pytest.mark.parametrize(
    ("kind", "status", "facts", "colour"),
    [
        ("status_change", "drafting", {}, COLOURS["drafting"]),
        ("status_change", "delayed", {}, COLOURS["delayed"]),
        ("status_change", "signed", {}, COLOURS["signed"]),
        ("status_change", "ratified", {}, COLOURS["ratified"]),
        ("status_change", "in_force", {}, COLOURS["in_force"]),
        ("daily", None, {}, COLOURS["neutral"]),
        ("config_error", "signed", {}, COLOURS["error"]),
        ("output_disabled", None, {}, COLOURS["error"]),
        ("feed_health", "signed", {"recovered": False}, COLOURS["error"]),
        ("feed_health", "signed", {"recovered": True}, COLOURS["signed"]),
    ],
)
def test_discord_colours(kind: str, status: str | None, facts: dict, colour: int) -> None:
    payload = render_discord(_digest(kind, status=status, facts=facts))
    assert payload["embeds"][0]["color"] == colour


def test_colours_are_distinct() -> None:
    statuses = ["drafting", "delayed", "signed", "ratified", "in_force", "error"]
    assert len({COLOURS[s] for s in statuses}) == len(statuses)


def test_slack_status_change_layout() -> None:
    payload = render_slack(SAMPLES["status_change"])
    types = [b["type"] for b in payload["blocks"]]
    assert types[0] == "header" and types[1] == "context" and types[-1] == "context"
    assert "divider" in types
    text = _all_text(payload)
    assert "Treaty status changed: drafting → signed" in text
    assert (
        "<https://tass.com/politics/1890000|Russia and Iran sign strategic partnership treaty>"
        in text
    )
    assert "*TASS · 2025-01-17*" in text
    assert "https://tass.com/x_y" in text  # URLs keep their underscores
    assert "Why:" not in text


def test_render_for_dispatch() -> None:
    digest = SAMPLES["status_change"]
    assert render_for("console", digest) == render_text(digest)
    assert render_for("jsonl", digest) == render_json(digest)
    assert render_for("discord_webhook", digest) == render_discord(digest)
    assert render_for("discord", digest) == render_discord(digest)
    assert render_for("slack_webhook", digest) == render_slack(digest)
    assert render_for("discord_webhook#2", digest) == render_discord(digest)
    with pytest.raises(ValueError, match="carrier_pigeon"):
        render_for("carrier_pigeon", digest)


def test_renderers_are_pure() -> None:
    digest = SAMPLES["status_change"]
    before = json.dumps(digest.to_json(), sort_keys=True)
    for kind in ("console", "jsonl", "discord", "slack_webhook"):
        assert render_for(kind, digest) == render_for(kind, digest)
    assert json.dumps(digest.to_json(), sort_keys=True) == before


def test_empty_text_falls_back_to_facts() -> None:
    digest = _digest(
        "config_error",
        title="Broken watchlist",
        text="",
        facts={"problems": ["watchlist.yaml:3:5: bad URL"]},
    )
    assert "watchlist.yaml:3:5: bad URL" in render_text(digest)
    assert "watchlist.yaml:3:5: bad URL" in render_discord(digest)["embeds"][0]["description"]
    assert "watchlist.yaml:3:5: bad URL" in _all_text(render_slack(digest))


def test_bad_timestamp_is_left_out() -> None:
    embed = render_discord(_digest("daily", created_at="yesterday"))["embeds"][0]
    assert "timestamp" not in embed
    embed = render_discord(_digest("daily", created_at="2025-01-17T12:00:00Z"))["embeds"][0]
    assert embed["timestamp"] == "2025-01-17T12:00:00+00:00"


# -- limits --------------------------------------------------------------------------------


def _huge_digest() -> Digest:
    paragraph = ("The treaty is discussed at length by everyone involved. " * 40).strip()
    text = "\n\n".join([paragraph] * 150) + "\n\n" + "x" * 20_000
    evidence = [
        {
            "status": "signed",
            "quote": f"Quote {i}: " + "very long sentence " * 400,
            "title": "T" * 5000,
            "url": "https://example.com/" + "p" * 500 + f"/{i}",
            "source": "Outlet " * 200,
            "published": "2025-01-17",
        }
        for i in range(40)
    ]
    return Digest(
        kind="status_change",
        title="Headline " * 120_000,  # about 1 MB
        text=text,
        status="signed",
        previous="drafting",
        evidence=evidence,
        created_at="2025-01-17T12:00:00+00:00",
        facts={"since": "2025-01-17" * 500, "articles": 10**9, "sources": 10**9},
    )


def test_documented_limits() -> None:
    assert DISCORD_LIMITS["total"] == 6000 and DISCORD_LIMITS["content"] == 2000
    assert DISCORD_LIMITS["description"] == 4096 and DISCORD_LIMITS["field_value"] == 1024
    assert SLACK_LIMITS["header"] == 150 and SLACK_LIMITS["section"] == 3000
    assert SLACK_LIMITS["blocks"] == 50


def test_discord_limits_on_huge_digest() -> None:
    digest = _huge_digest()
    assert len(digest.title) > 1_000_000
    payload = render_discord(digest)
    assert_discord_limits(payload)
    embed = payload["embeds"][0]
    assert 200 < len(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert embed["description"].endswith("…")
    assert len(embed["fields"]) >= 1
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])


def test_discord_limits_with_astral_characters() -> None:
    """Discord counts UTF-16 code units: an emoji takes two."""
    digest = _digest("daily", title="🚀" * 1000, text="🚀" * 10_000, evidence=EVIDENCE)
    payload = render_discord(digest)
    assert_discord_limits(payload)
    embed = payload["embeds"][0]
    assert len(embed["title"].encode("utf-16-le")) // 2 <= 256
    assert discord_embed_length(embed) <= 6000


def test_discord_limits_with_many_markdown_characters() -> None:
    """Escaping doubles the length of "*" runs; cutting happens after escaping."""
    digest = _digest("daily", title="*" * 300, text="_" * 10_000, evidence=[{"quote": "~" * 2000}])
    payload = render_discord(digest)
    assert_discord_limits(payload)
    embed = payload["embeds"][0]
    assert not re.search(r"(?<!\\)(\\\\)*\\…", embed["title"])  # no escape eaten by the cut


def test_slack_limits_on_huge_digest() -> None:
    payload = render_slack(_huge_digest())
    assert_slack_limits(payload)
    header = payload["blocks"][0]["text"]["text"]
    assert 100 < len(header) <= 150 and header.endswith("…")


def test_slack_block_count_on_many_paragraphs() -> None:
    text = "\n\n".join("p" * 2900 for _ in range(200))
    payload = render_slack(_digest("daily", text=text, evidence=EVIDENCE))
    assert_slack_limits(payload)
    assert len(payload["blocks"]) <= 50


def test_slack_cut_never_splits_an_entity() -> None:
    payload = render_slack(_digest("daily", title="&" * 500, text="<>&" * 5000))
    assert_slack_limits(payload)
    for text in _strings(payload):
        # every "&" starts a complete entity
        assert not re.search(r"&(?!amp;|lt;|gt;)", text)


# -- mentions, HTML, markdown -------------------------------------------------------------------

PINGS = "@everyone @here <@&123> <@!456> <@123456789012345678> <!channel> <!here> <!everyone> <@U012AB3CD>"


def _hostile(text: str) -> Digest:
    return _digest(
        "status_change",
        title=f"Signed! {text}",
        text=f"Body {text}\n{text}",
        status="signed",
        previous="drafting",
        evidence=[
            {
                "quote": f"Quote {text}",
                "title": f"Title {text}",
                "source": f"Outlet {text}",
                "published": "2025-01-17",
                "url": "https://example.com/a",
            }
        ],
        facts={"since": text},
    )


def test_discord_pings_nobody() -> None:
    payload = render_discord(_hostile(PINGS))
    assert payload["allowed_mentions"] == {"parse": []}
    text = _all_text(payload)
    for ping in ("@everyone", "@here", "<@&123>", "<@!456>", "<@123456789012345678>", "<!channel>"):
        assert ping not in text
    assert "@\u200beveryone" in text
    assert not re.search(r"<@[!&]?\d", text)
    assert not re.search(r"@(everyone|here)", text)


def test_slack_pings_nobody() -> None:
    payload = render_slack(_hostile(PINGS))
    text = _all_text(payload)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U012AB3CD>", "<@&123>", "<@!456>"):
        assert ping not in text
    assert not re.search(r"<[!@#]", text)
    assert not re.search(r"@(everyone|here|channel)", text)
    assert "&lt;!channel&gt;" in text


def test_text_and_json_keep_text_as_is_but_no_html() -> None:
    digest = _hostile(PINGS)
    assert "@everyone" in render_text(digest)  # the console pings nobody
    assert render_json(digest)["title"] == digest.title  # the record keeps the data


HTML = '<script>alert(1)</script> <b>bold</b> <img src=x onerror="alert(2)"> <scr<b>ipt>x</script> &lt;script&gt;alert(3)&lt;/script&gt; <!-- c --> <a href="https://e.com">link</a>'


@pytest.mark.parametrize("render", [render_text, render_discord, render_slack])
def test_no_html_reaches_a_message(render: Any) -> None:
    out = render(_hostile(HTML))
    text = out if isinstance(out, str) else _all_text(out)
    for bad in ("<script", "</script", "<b>", "<img", 'onerror="', "<a ", "<!--", "&lt;script"):
        assert bad not in text.lower()
    assert not re.search(r"<\s*/?\s*(?!https?:)[a-z]", text.lower())
    assert "bold" in text and "link" in text


def test_strip_html() -> None:
    assert strip_html("<p>Putin &amp; Pezeshkian</p>") == "Putin & Pezeshkian"
    assert strip_html("a < b and c > d") == "a < b and c > d"
    assert strip_html("<scr<b>ipt>alert(1)</script>") == "alert(1)"  # inert text
    assert strip_html("x\x1b[31mred\x07") == "x[31mred"
    assert strip_html(None) == ""


def test_discord_markdown_is_escaped() -> None:
    md = "*bold* _it_ ~~gone~~ `code` ||spoiler|| \\ back"
    digest = _digest(
        "daily",
        title=md,
        text=f"> fake quote\n# fake header\n- fake item\n{md}\n[click](https://evil.example)",
        evidence=[{"quote": md, "source": "*Outlet*", "url": "https://example.com/a"}],
    )
    embed = render_discord(digest)["embeds"][0]
    assert embed["title"] == r"\*bold\* \_it\_ \~\~gone\~\~ \`code\` \|\|spoiler\|\| \\ back"
    description = embed["description"]
    assert "\n\\> fake quote" in "\n" + description
    assert "\\# fake header" in description
    assert "\\[click](" in description
    assert r"\*bold\*" in embed["fields"][0]["value"]
    assert embed["fields"][0]["name"].startswith(r"\*Outlet\*")
    for piece in _strings(embed):
        assert not re.search(r"(?<!\\)\*bold", piece)


def test_slack_markdown_is_neutralised() -> None:
    md = "*bold* _it_ ~gone~ `code`"
    payload = render_slack(
        _digest("daily", title=md, text=f"> fake quote\n{md}", evidence=[{"quote": md}])
    )
    for block in payload["blocks"][1:]:
        for text in _strings(block):
            if text in ("mrkdwn", "plain_text", "section", "context", "divider"):
                continue
            for char in "_~`":
                assert char not in text
            assert "*bold*" not in text
    body = _all_text(payload["blocks"][2:])
    assert "∗bold∗ ˍitˍ ∼gone∼ ˋcodeˋ" in body
    assert not re.search(r"(^|\n)&gt;", body)  # no block quote from feed text
    # the header is plain_text: no markdown is parsed there, so it stays as written
    assert payload["blocks"][0]["text"]["text"] == md


def test_link_urls_are_safe() -> None:
    digest = _digest(
        "daily",
        evidence=[
            {"quote": "a", "url": "javascript:alert(1)", "title": "x"},
            {"quote": "b", "url": "https://example.com/a (b)|c>d", "title": "y"},
            {"quote": "c", "url": "https://example.com/path_(1)", "title": "z"},
        ],
    )
    fields = render_discord(digest)["embeds"][0]["fields"]
    assert "javascript" not in fields[0]["value"]
    assert "](" not in fields[1]["value"]  # whitespace: not a usable URL
    assert "(https://example.com/path_%281%29)" in fields[2]["value"]
    slack = _all_text(render_slack(digest))
    assert "javascript" not in slack
    assert "<https://example.com/path_%281%29|z>" in slack
