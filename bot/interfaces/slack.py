"""``/treaty`` as a Slack slash command over plain HTTP (aiohttp, no Slack SDK).

Slack POSTs a form to ``/slack/commands``; every request is signed with the app's signing
secret (https://api.slack.com/authentication/verifying-requests-from-slack)::

    X-Slack-Request-Timestamp: 1531420618
    X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">

The answer is an ephemeral message built from the same texts as ``treatybot status``,
``history``, ``sources`` and ``feeds`` (:mod:`bot.core.views`), read through the service from
the state database only, so it comes back well within Slack's 3 seconds.

Public API::

    verify_signature(secret, timestamp, body, signature, *, now=None, tolerance=300) -> bool
    command_text(service, subcommand, topic=None)     the plain text of one subcommand
                                                      (``/treaty status <topic>``)
    command_response(service, text) -> dict           the JSON answer for a command's ``text``
    slack_command_handler(service, signing_secret)    an aiohttp handler for POST /slack/commands

``service`` is a :class:`bot.core.service.TreatyService`; the HTTP endpoint
(:mod:`bot.interfaces.web`) mounts the handler.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from bot.core.service import TreatyService, UnknownTopic
from bot.core.views import feeds_text, history_text, sources_text, status_text
from bot.delivery.formats import ELLIPSIS, SLACK_LIMITS, slack_chunks, slack_cut, slack_escape

log = logging.getLogger(__name__)

SIGNATURE_VERSION = "v0"
TOLERANCE_SECONDS = 300.0
SOURCES_SHOWN = 10  # the newest relevant articles in `/treaty sources`
MAX_FORM_FIELDS = 50

SUBCOMMANDS = {
    "status": "the current status, since when, the key evidence",
    "history": "the status changes, oldest first",
    "sources": f"the {SOURCES_SHOWN} newest articles about the treaty",
    "feeds": "each feed's health",
    "help": "this list",
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --------------------------------------------------------------------------------------
# Request signatures
# --------------------------------------------------------------------------------------


def _valid_timestamp(timestamp: str, now: float, tolerance: float) -> bool:
    if not (timestamp.isascii() and timestamp.isdigit()):
        return False
    return abs(now - int(timestamp)) <= tolerance


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack sends for ``body`` at ``timestamp``."""
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def verify_signature(signing_secret: str, timestamp: str, body: bytes, signature: str, *,
                     now: float | None = None, tolerance: float = TOLERANCE_SECONDS) -> bool:
    """True when ``signature`` is Slack's v0 signature of ``body``, made within ``tolerance``
    seconds of ``now`` (default: the current time). Compared in constant time."""
    if not signing_secret or not timestamp or not signature:
        return False
    if not _valid_timestamp(timestamp, time.time() if now is None else now, tolerance):
        return False
    expected = sign(signing_secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


# --------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------


def help_text(unknown: str | None = None) -> str:
    lines = [f"Unknown subcommand `{unknown}`."] if unknown else []
    lines.append("Usage: /treaty [subcommand]  (default: status)")
    lines += [f"  {name}: {what}" for name, what in SUBCOMMANDS.items()]
    return "\n".join(lines)


def command_text(service: TreatyService, subcommand: str, topic: str | None = None) -> str:
    """The plain text for one subcommand, from the shared report texts; ``topic``: the id of
    the topic ``status`` is about (``/treaty status <topic>``; default: the first)."""
    if subcommand == "status":
        try:
            report = service.status() if topic is None else service.status(topic)
        except UnknownTopic as exc:
            return str(exc)
        return status_text(report, service.party_names_of(topic))
    if subcommand == "history":
        return history_text(service.history(), service.party_names)
    if subcommand == "sources":
        return sources_text(service.sources(relevant_only=True, limit=SOURCES_SHOWN))
    if subcommand == "feeds":
        return feeds_text(service.feeds(), service.disabled_outputs())
    return help_text(None if subcommand == "help" else subcommand)


def parse_subcommand(text: str) -> str:
    """The first word of the command's text, lower-cased; ``status`` when there is none."""
    words = text.split()
    return words[0].lower() if words else "status"


def slack_message(text: str) -> dict[str, Any]:
    """An ephemeral response: the text escaped for Slack, in sections of at most 3000
    characters, at most 50 blocks."""
    escaped = slack_escape(text).strip("\n") or ELLIPSIS
    chunks = slack_chunks(escaped, SLACK_LIMITS["section"]) or [ELLIPSIS]
    if len(chunks) > SLACK_LIMITS["blocks"]:
        chunks = chunks[: SLACK_LIMITS["blocks"]]
        chunks[-1] = slack_cut(chunks[-1] + "\n" + ELLIPSIS, SLACK_LIMITS["section"])
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks
    ]
    return {
        "response_type": "ephemeral",
        "text": slack_cut(escaped, SLACK_LIMITS["text"]),
        "blocks": blocks,
    }


def command_response(service: TreatyService, text: str) -> dict[str, Any]:
    """The JSON answer to ``/treaty {text}``."""
    words = text.split()
    topic = words[1].lower() if len(words) > 1 else None
    return slack_message(command_text(service, parse_subcommand(text), topic))


# --------------------------------------------------------------------------------------
# The aiohttp handler
# --------------------------------------------------------------------------------------


def _refuse(reason: str) -> web.Response:
    log.warning("refused a Slack command request: %s", reason)
    return web.Response(status=401, text=reason)


def _form(body: bytes) -> dict[str, str]:
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                      max_num_fields=MAX_FORM_FIELDS)
    return {key: values[0] for key, values in fields.items() if values}


def _answer(service: TreatyService, form: dict[str, str]) -> web.Response:
    subcommand = parse_subcommand(form.get("text", ""))
    log.info("slash command %s %s from user %s", form.get("command", "/treaty"), subcommand,
             form.get("user_id", "?"))
    try:
        payload = command_response(service, form.get("text", ""))
    except Exception:  # the state may be unreadable: answer, never leave Slack hanging
        log.exception("slash command %s failed", subcommand)
        payload = slack_message("The bot could not read its state just now; see its log.")
    return web.json_response(payload)


def slack_command_handler(service: TreatyService, signing_secret: str) -> Handler:
    """An aiohttp handler for ``POST /slack/commands`` that answers only signed requests."""
    if not signing_secret:
        raise ValueError("a Slack signing secret is required")

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not timestamp or not signature:
            return _refuse("missing Slack signature headers")
        if not verify_signature(signing_secret, timestamp, body, signature):
            return _refuse("invalid or expired Slack signature")
        form = _form(body)
        if form.get("ssl_check"):
            return web.Response(text="ok")
        return _answer(service, form)

    return handle
