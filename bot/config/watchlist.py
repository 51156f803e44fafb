"""The watchlist: ``watchlist.yaml``, edited by hand, checked with care.

Every fault becomes a :class:`Problem` with ``file:line:column`` so a team in a hurry can fix
it quickly. Secrets (webhook URLs) are masked with :func:`mask_url` wherever text is produced.

Public API::

    parse_duration(value) -> float            "1h30m" -> 5400.0
    parse_size(value) -> int                  "5MB" -> 5242880
    format_duration(seconds) -> str           5400 -> "1h30m"
    mask_url(url) -> str                      "https://discord.com/api/..." -> "https://discord.com/…"
    host_address(host) -> IP address | None   "0x7f000001" -> 127.0.0.1 (as the socket layer reads it)
    is_public_address(ip) -> bool             False for loopback, private, 100.64/10, multicast ...
    local_url_reason(url) -> str | None       why a feed URL counts as local (needs allow_local)
    check_watchlist(path, *, env=None, text=None) -> (Watchlist | None, [Problem])
    load_watchlist(path, *, env=None) -> Watchlist     raises ConfigError(problems)
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import os
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.reader import ReaderError

from bot.addresses import local_url_reason
from bot.config import topic as _topic_defaults
from bot.config.units import format_duration, format_size, parse_duration, parse_size
from bot.errors import ConfigError, Problem
from bot.redact import mask_url, redact_url

logger = logging.getLogger(__name__)

__all__ = [
    "OUTPUT_TYPES",
    "CommandsConfig",
    "ConsoleOutput",
    "DigestConfig",
    "DiscordOutput",
    "DiscordWebhookOutput",
    "Feed",
    "HealthConfig",
    "JsonlOutput",
    "Output",
    "PollConfig",
    "SlackWebhookOutput",
    "StatusConfig",
    "Topic",
    "Watchlist",
    "check_watchlist",
    "load_watchlist",
]

# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------


def _suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (case-insensitive), or None."""
    by_lower = {c.lower(): c for c in choices}
    found = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


def _duration(value: object) -> object:
    return parse_duration(value) if value is not None else value


def _size(value: object) -> object:
    return parse_size(value) if value is not None else value


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError(f"should be a number, not {str(value).lower()}")
    return value


def _listify(value: object) -> object:
    """Accept ``check_roles: Moderators`` as ``[Moderators]``."""
    return [value] if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(_duration), Field(gt=0)]
NonNegativeDuration = Annotated[float, BeforeValidator(_duration), Field(ge=0)]
Size = Annotated[int, BeforeValidator(_size), Field(gt=0)]
Count = Annotated[int, BeforeValidator(_no_bool), Field(ge=1)]


def _no_empty_entries(values: list[str]) -> list[str]:
    if any(not v for v in values):
        raise ValueError("contains an empty entry")
    return values


Words = Annotated[list[str], BeforeValidator(_listify), AfterValidator(_no_empty_entries)]
Aliases = Annotated[Words, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        coerce_numbers_to_str=True,
        str_strip_whitespace=True,
        hide_input_in_errors=True,  # webhook URLs are secrets
    )


# One set of defaults, kept with the matcher that uses them.
DEFAULT_TOPIC_NAME = _topic_defaults.DEFAULT_NAME
DEFAULT_PARTIES: dict[str, list[str]] = _topic_defaults.DEFAULT_PARTIES
DEFAULT_KEYWORDS: list[str] = _topic_defaults.DEFAULT_KEYWORDS


class Topic(_Model):
    """What the bot follows: the treaty's names, its parties and their aliases, keywords."""

    name: str = Field(DEFAULT_TOPIC_NAME, min_length=1)
    parties: dict[str, Aliases] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_PARTIES.items()}, min_length=1
    )
    keywords: Aliases = Field(default_factory=lambda: list(DEFAULT_KEYWORDS))
    aliases: Words = Field(default_factory=list)


class PollConfig(_Model):
    interval: Duration = 15 * 60.0
    jitter: NonNegativeDuration = 30.0
    timeout: Duration = 20.0
    connect_timeout: Duration = 10.0
    max_bytes: Size = 5 * 1024 * 1024
    per_host: Count = 2
    max_backoff: Duration = 6 * 3600.0


class HealthConfig(_Model):
    failures_before_alert: Count = 5


class StatusConfig(_Model):
    min_sources: Count = 2
    min_confidence_single: float = Field(0.85, ge=0.0, le=1.0)


class DigestConfig(_Model):
    daily: str | None = None  # "HH:MM" in `timezone`
    timezone: str = "UTC"

    @field_validator("daily", mode="before")
    @classmethod
    def _check_daily(cls, value: object) -> object:
        if value is None or value is False or str(value).strip().lower() in ("", "off", "none"):
            return None
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError(
                f'invalid time {str(value)!r}; use HH:MM from 00:00 to 23:59, e.g. "09:00"'
            )
        return f"{int(match.group(1)):02d}:{match.group(2)}"

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            hint = _suggest(value, zoneinfo.available_timezones())
            did_you_mean = f", did you mean `{hint}`?" if hint else ""
            raise ValueError(
                f"unknown time zone {value!r}{did_you_mean} (use an IANA name like Europe/Moscow)"
            ) from None
        return value

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class CommandsConfig(_Model):
    check_roles: Words = Field(default_factory=list)


_HOST_LIKE = re.compile(
    r"(?:localhost|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,})(?::\d+)?(?:/|$)", re.IGNORECASE
)
_FILE_SUFFIXES = (".xml", ".rss", ".atom", ".json", ".txt", ".html", ".htm", ".yaml", ".yml")


def _looks_like_missing_scheme(url: str) -> bool:
    """``tass.com/rss``: a host name written without ``https://``."""
    if "://" in url:
        return False
    first = url.split("/", 1)[0].split(":", 1)[0].lower()
    return bool(_HOST_LIKE.match(url)) and not first.endswith(_FILE_SUFFIXES)


def _check_feed_url(url: str) -> str:
    """Syntax only; whether a local URL is allowed is decided by the Watchlist."""
    if not url:
        raise ValueError("url is empty")
    if _looks_like_missing_scheme(url):
        shown = redact_url(url)
        raise ValueError(f"url {shown!r} has no scheme; did you mean `https://{shown}`?")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"url {redact_url(url)!r} has no host")
        return url
    if scheme == "file" or len(scheme) <= 1:
        return url  # a local file: allowed only with allow_local (checked later)
    raise ValueError(
        f"url {redact_url(url)!r} uses {scheme}://; only http:// and https:// feeds are "
        "supported "
        "(local files need `allow_local: true`)"
    )


class Feed(_Model):
    name: str = Field(min_length=1)
    url: str
    interval: Duration | None = None  # default: poll.interval

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str, info: ValidationInfo) -> str:
        url = _check_feed_url(value)
        base = (info.context or {}).get("base_dir")
        if base is not None and len(urlsplit(url).scheme) <= 1:
            return str(_resolve_path(url, base))  # a plain path: relative to the watchlist
        return url


class _OutputBase(_Model):
    name: str | None = Field(None, min_length=1)
    _key: str = PrivateAttr(default="")

    @property
    def key(self) -> str:
        """Unique per output: its name, else its type (plus ``#2``, ``#3``... if repeated)."""
        return self._key or self.name or self.type  # type: ignore[attr-defined]

    def describe(self) -> str:
        """One line for humans (type, key, target); never shows a secret."""
        text = self.type  # type: ignore[attr-defined]
        if self.key != text:
            text += f" `{self.key}`"
        detail = self._detail()
        return f"{text}: {detail}" if detail else text

    def _detail(self) -> str:
        return ""


class ConsoleOutput(_OutputBase):
    type: Literal["console"] = "console"


class JsonlOutput(_OutputBase):
    type: Literal["jsonl"] = "jsonl"
    path: Path  # relative to the watchlist's folder; made absolute by check_watchlist

    @field_validator("path", mode="before")
    @classmethod
    def _resolve(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str) or not value.strip():
            if isinstance(value, str):
                raise ValueError("path is empty")
            return value
        base = (info.context or {}).get("base_dir")
        return _resolve_path(value.strip(), base) if base is not None else Path(value.strip())

    def _detail(self) -> str:
        return str(self.path)


def _check_webhook_url(url: str) -> str:
    if not url:
        raise ValueError("url is empty")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = mask_url(url)
        shown = f" ({shown})" if shown != "…" else ""
        raise ValueError(f"not an http(s) URL{shown}; the value is hidden as it may be secret")
    return url


class _WebhookOutput(_OutputBase):
    url: str = Field(repr=False)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _check_webhook_url(value)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield from super().__repr_args__()
        yield "url", mask_url(self.url)

    def _detail(self) -> str:
        return mask_url(self.url)


class DiscordWebhookOutput(_WebhookOutput):
    type: Literal["discord_webhook"] = "discord_webhook"


class SlackWebhookOutput(_WebhookOutput):
    type: Literal["slack_webhook"] = "slack_webhook"


class DiscordOutput(_OutputBase):
    type: Literal["discord"] = "discord"
    channel_id: int

    @field_validator("channel_id", mode="before")
    @classmethod
    def _check_channel(cls, value: object) -> object:
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"\d{1,20}", text) or int(text) == 0:
            raise ValueError(
                f"channel_id must be the channel's numeric ID (e.g. 123456789012345678), not {value!r}"
            )
        return int(text)

    def _detail(self) -> str:
        return f"channel {self.channel_id}"


Output = Annotated[
    ConsoleOutput | JsonlOutput | DiscordWebhookOutput | SlackWebhookOutput | DiscordOutput,
    Field(discriminator="type"),
]
OUTPUT_TYPES: dict[str, type[_OutputBase]] = {
    "console": ConsoleOutput,
    "jsonl": JsonlOutput,
    "discord_webhook": DiscordWebhookOutput,
    "slack_webhook": SlackWebhookOutput,
    "discord": DiscordOutput,
}


def _resolve_path(value: str | Path, base: Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else Path(base) / path).resolve()


class Watchlist(_Model):
    """The effective watchlist. Build it with :func:`check_watchlist` / :func:`load_watchlist`."""

    topic: Topic = Field(default_factory=Topic)
    seeds: str = Field("seeds", min_length=1)
    poll: PollConfig = Field(default_factory=PollConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    status: StatusConfig = Field(default_factory=StatusConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    allow_local: bool = False
    feeds: list[Feed] = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=lambda: [ConsoleOutput()])

    _path: Path | None = PrivateAttr(default=None)
    _text: str | None = PrivateAttr(default=None)  # the file's text, as checked

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: object) -> object:
        """Empty sections mean defaults; ``- console`` is short for ``- type: console``."""
        if not isinstance(data, dict):
            return data
        data = {k: v for k, v in data.items() if v is not None}
        outputs = data.get("outputs")
        if isinstance(outputs, list):
            data["outputs"] = [{"type": o} if isinstance(o, str) else o for o in outputs]
        return data

    @model_validator(mode="after")
    def _check_whole(self, info: ValidationInfo) -> Watchlist:
        issues = list(self._issues())
        self._assign_output_keys()
        collect = (info.context or {}).get("issues")
        if isinstance(collect, list):
            collect.extend(issues)
        elif issues:
            raise ValueError("; ".join(message for _, message in issues))
        return self

    def _issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        yield from self._feed_issues()
        yield from self._output_issues()

    def _feed_issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        seen: dict[str, int] = {}
        for i, feed in enumerate(self.feeds):
            first = seen.setdefault(feed.name.casefold(), i)
            if first != i:
                yield (
                    ("feeds", i, "name"),
                    f"duplicate feed name `{feed.name}` (feeds[{first}] has it too)",
                )
            reason = local_url_reason(feed.url)
            if reason and not self.allow_local:
                yield (
                    ("feeds", i, "url"),
                    f"feed url {redact_url(feed.url)!r} is {reason}; set `allow_local: true` "
                    "to allow local feeds",
                )

    def _output_issues(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        if not self.outputs:
            yield ("outputs",), "no outputs; add one, or remove `outputs:` to print to the console"
        seen: dict[str, int] = {}
        for i, output in enumerate(self.outputs):
            if output.name is None:
                continue
            first = seen.setdefault(output.name, i)
            if first != i:
                yield (
                    ("outputs", i, "name"),
                    f"duplicate output name `{output.name}` (outputs[{first}] has it too)",
                )

    def _assign_output_keys(self) -> None:
        taken = {o.name for o in self.outputs if o.name}
        counts: dict[str, int] = {}
        for output in self.outputs:
            if output.name:
                output._key = output.name
                continue
            counts[output.type] = counts.get(output.type, 0) + 1
            n = counts[output.type]
            key = output.type if n == 1 else f"{output.type}#{n}"
            while key in taken:
                n += 1
                key = f"{output.type}#{n}"
            taken.add(key)
            output._key = key

    # -- where things are --------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        """The watchlist file (absolute), or None if built in memory."""
        return self._path

    @property
    def source_text(self) -> str | None:
        """The text this watchlist was read from (``${NAME}`` not filled in), if from text."""
        return self._text

    @property
    def base_dir(self) -> Path:
        """The watchlist's folder; relative paths in it are relative to this."""
        return self._path.parent if self._path is not None else Path.cwd()

    @property
    def seeds_dir(self) -> Path:
        return _resolve_path(self.seeds, self.base_dir)

    def resolve(self, value: str | Path) -> Path:
        """An absolute path for ``value``, relative to the watchlist's folder."""
        return _resolve_path(value, self.base_dir)

    # -- derived values ----------------------------------------------------------------------

    def feed(self, name: str) -> Feed | None:
        return next((f for f in self.feeds if f.name == name), None)

    def feed_interval(self, feed: Feed | str) -> float:
        """Seconds between polls of ``feed`` (a Feed or a feed name)."""
        found = self.feed(feed) if isinstance(feed, str) else feed
        if found is not None and found.interval is not None:
            return found.interval
        return self.poll.interval

    def output(self, key: str) -> Output | None:
        return next((o for o in self.outputs if o.key == key), None)

    def fingerprint(self) -> str:
        """A stable hash (hex sha256) of the effective configuration."""
        data = self.model_dump(mode="json")
        data["seeds"] = str(self.seeds_dir)
        data["outputs"] = [
            {**o, "key": out.key} for o, out in zip(data["outputs"], self.outputs, strict=True)
        ]
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def summary(self) -> str:
        """A one-screen description for humans; secrets are masked."""
        lines = [
            f"Watchlist: {self.path or '(in memory)'}",
            f"Topic: {self.topic.name}",
            f"  parties: {', '.join(self.topic.parties)}; "
            f"{len(self.topic.keywords)} keywords, {len(self.topic.aliases)} extra names",
            f"Seeds: {self.seeds_dir}",
            self._poll_line(),
            f"Feeds ({len(self.feeds)}):",
        ]
        lines += [
            f"  - {f.name}: {redact_url(f.url)} (every {format_duration(self.feed_interval(f))})"
            for f in self.feeds
        ] or ["  (none)"]
        lines.append(f"Outputs ({len(self.outputs)}):")
        lines += [f"  - {o.describe()}" for o in self.outputs]
        lines.append(self._digest_line())
        if self.allow_local:
            lines.append("Local feeds allowed (allow_local: true)")
        return "\n".join(lines)

    def _poll_line(self) -> str:
        p = self.poll
        return (
            f"Poll: every {format_duration(p.interval)} (jitter {format_duration(p.jitter)}, "
            f"timeout {format_duration(p.timeout)}, max {format_size(p.max_bytes)}, "
            f"{p.per_host} per host)"
        )

    def _digest_line(self) -> str:
        if self.digest.daily is None:
            return "Daily digest: off"
        return f"Daily digest: {self.digest.daily} {self.digest.timezone}"


# --------------------------------------------------------------------------------------------
# Reading YAML with positions
# --------------------------------------------------------------------------------------------

Loc = tuple[Any, ...]
Pos = tuple[int, int]  # 0-based line, column


@dataclass
class _Doc:
    """Plain data plus where each key and value sits in the file."""

    data: Any
    keys: dict[Loc, Pos]
    values: dict[Loc, Pos]
    budget: int = 100_000  # values left to copy: stops "billion laughs" alias bombs


def _plain(node: Any, loc: Loc, doc: _Doc) -> Any:
    """Copy ruamel's round-trip nodes into plain dicts, lists and scalars, noting positions."""
    doc.budget -= 1
    if doc.budget < 0:
        raise _SyntaxProblem(
            None, None, "far too many values (do aliases `*name` expand too much?)"
        )
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            child = (*loc, str(key))
            _note(doc.keys, child, node.lc.key, key)
            _note(doc.values, child, node.lc.value, key)
            out[str(key)] = _plain(node[key], child, doc)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            _note(doc.values, (*loc, i), node.lc.item, i)
            items.append(_plain(item, (*loc, i), doc))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _note(table: dict[Loc, Pos], loc: Loc, getter: Any, key: Any) -> None:
    try:
        line, col = getter(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return  # e.g. keys merged in with `<<:`
    table[loc] = (line, col)


class _SyntaxProblem(Exception):
    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def _load_yaml(text: str) -> _Doc:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except ReaderError as exc:
        raise _explain_reader_error(exc, text) from None
    except YAMLError as exc:
        raise _explain_yaml_error(exc, text.splitlines()) from None
    doc = _Doc(data=None, keys={}, values={})
    doc.values[()] = (getattr(node, "lc", None) and (node.lc.line, node.lc.col)) or (0, 0)
    doc.data = _plain(node, (), doc)
    return doc


def _mark(mark: Any) -> Pos | None:
    return (mark.line, mark.column) if mark is not None else None


_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_and_column(text: str, index: int) -> Pos:
    """The 0-based line and column of ``text[index]``, counting line breaks as YAML does."""
    line, start = 0, 0
    for match in _YAML_LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start


def _explain_reader_error(exc: ReaderError, text: str) -> _SyntaxProblem:
    """A character YAML does not allow (a NUL byte, another control character ...)."""
    character = exc.character
    code = character if isinstance(character, int) else ord(str(character)[:1] or "?")
    if code == 0:
        what = "a NUL byte (U+0000)"
    elif code < 0x20 or 0x7F <= code <= 0x9F:
        what = f"the control character U+{code:04X}"
    else:
        what = f"the character U+{code:04X}"
    index = exc.position if isinstance(exc.position, int) else None
    if index is None or not 0 <= index <= len(text):
        return _SyntaxProblem(None, None, f"{what} is not allowed in YAML; delete it")
    line, col = _line_and_column(text, index)
    return _SyntaxProblem(line + 1, col + 1, f"{what} is not allowed in YAML; delete it")


def _explain_yaml_error(exc: YAMLError, lines: list[str]) -> _SyntaxProblem:
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = str(getattr(exc, "context", None) or "")
    where = _mark(getattr(exc, "problem_mark", None)) or (None, None)
    ctx_where = _mark(getattr(exc, "context_mark", None))
    tab = _tab_before(lines, where[0])
    if tab is not None:
        return _SyntaxProblem(
            tab[0] + 1, tab[1] + 1, "tab character in indentation; indent with spaces"
        )
    line, col, message = _describe_syntax(problem, context, where, ctx_where, lines)
    return _SyntaxProblem(
        None if line is None else line + 1, None if col is None else col + 1, message
    )


def _tab_before(lines: list[str], last: int | None) -> Pos | None:
    """The first tab in the indentation of a line up to ``last`` (0-based), if any."""
    end = len(lines) if last is None else min(last + 1, len(lines))
    for i in range(end):
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip(" \t"))]
        if "\t" in indent:
            return i, indent.index("\t")
    return None


def _describe_syntax(
    problem: str, context: str, where: Any, ctx_where: Pos | None, lines: list[str]
) -> tuple[int | None, int | None, str]:
    line, col = where
    if "duplicate key" in problem:
        return line, col, _duplicate_key_message(problem, ctx_where, line, col, lines)
    if "quoted scalar" in context and ctx_where:
        return (*ctx_where, "unclosed quote: the string that starts here is never closed")
    if "could not find expected ':'" in problem and ctx_where:
        word = _first_word(lines, ctx_where[0])
        return (*ctx_where, f"missing ':' after `{word}`" if word else "missing ':'")
    if "mapping values are not allowed" in problem and line is not None:
        return _explain_mapping_values(lines, line, col)
    if line is not None and any(
        text in problem
        for text in ("expected '<document start>'", "expected <block end>", "expected key")
    ):
        header = _missing_colon_header(lines, line)
        if header is not None:
            return header
    if (
        ("flow sequence" in context or "flow mapping" in context)
        and ctx_where
        and "<stream end>" in problem
    ):
        bracket = "[" if "sequence" in context else "{"
        return (*ctx_where, f"unclosed '{bracket}': no matching closing bracket")
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return (
            line,
            col,
            f"bad indentation: this line does not line up with the lines above ({problem})",
        )
    if "did not find expected '-'" in problem:
        return line, col, f"bad indentation in a list ({problem})"
    return line, col, f"YAML syntax error: {problem}" + (f" ({context})" if context else "")


def _first_word(lines: list[str], index: int) -> str:
    if not 0 <= index < len(lines):
        return ""
    words = lines[index].strip().lstrip("-").split()
    return words[0] if words else ""


def _duplicate_key_message(
    problem: str, ctx_where: Pos | None, line: int | None, col: int | None, lines: list[str]
) -> str:
    match = re.search(r'duplicate key "(.*?)" with value', problem)
    key = match.group(1) if match else "?"
    first = None
    if ctx_where and line is not None and col is not None:
        pattern = re.compile(rf"^\s*(?:-\s+)?['\"]?{re.escape(key)}['\"]?\s*:")
        first = next(
            (
                i
                for i in range(ctx_where[0], line)
                if pattern.match(lines[i]) and _indent(lines[i]) == _indent(lines[line])
            ),
            None,
        )
    seen = f" (first defined on line {first + 1})" if first is not None else ""
    return f"duplicate key `{key}`{seen}; each key may appear only once"


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _content(line: str) -> str:
    """The line without its comment and surrounding blanks."""
    return _COMMENT.sub("", line).strip()


def _bare_word(line: str) -> str | None:
    """The word if ``line`` is one plain word and nothing else (``feeds``, ``poll  # note``)."""
    text = _content(line)
    if not text or ":" in text or len(text.split()) != 1 or text[0] in "-#[]{}'\"&*!|>%@`,?":
        return None
    return text


def _missing_colon_header(lines: list[str], line: int) -> tuple[int, int, str] | None:
    """``feeds`` (no ':') above an indented block, or above a ``- `` list at its own indent:
    the header that lost its colon, if it is the line ``line`` belongs under."""
    if not 0 <= line < len(lines):
        return None
    indent = _indent(lines[line])
    is_item = lines[line].lstrip().startswith("-")
    for i in range(line - 1, -1, -1):
        text = _content(lines[i])
        other = _indent(lines[i])
        if not text or other > indent or (other == indent and (not is_item or text[0] == "-")):
            continue  # blank, a comment, deeper, or a sibling
        word = _bare_word(lines[i])
        return (i, other, f"missing ':' after `{word}`") if word else None
    return None


def _top_level_header(lines: list[str]) -> tuple[int, int, str] | None:
    """A file read as one piece of text because its first key has no ':' (``outputs`` above
    ``  - console``, or a known section name alone)."""
    content = [
        i
        for i, line in enumerate(lines)
        if _content(line) and not re.match(r"(?:---|\.\.\.)(?:\s|$)|%", _content(line))
    ]
    if not content:
        return None
    first = content[0]
    word = _bare_word(lines[first])
    if word is None:
        return None
    below = len(content) > 1 and _indent(lines[content[1]]) > _indent(lines[first])
    if not below and word.lower() not in Watchlist.model_fields:
        return None
    return first, _indent(lines[first]), f"missing ':' after `{word}`"


def _explain_mapping_values(lines: list[str], line: int, col: int) -> tuple[int, int, str]:
    """``mapping values are not allowed here``: a value with ': ', a missing ':', or indentation."""
    current = lines[line] if line < len(lines) else ""
    if re.match(r"^\s*(?:-\s+)?[^\s:#][^:#]*:\s+\S", current[:col]):
        return line, col, "a value contains ': '; put the value in quotes"
    header = _missing_colon_header(lines, line)
    if header is not None:
        return header
    prev = next(
        (
            i
            for i in range(line - 1, -1, -1)
            if lines[i].strip() and not lines[i].strip().startswith("#")
        ),
        None,
    )
    if (
        prev is not None
        and ":" not in lines[prev]
        and len(lines[prev].strip().lstrip("-").split()) > 1
    ):
        word = _first_word(lines, prev)
        return prev, _indent(lines[prev]), f"missing ':' after `{word}`"
    return (
        line,
        _indent(current),
        "bad indentation: this line is indented more than the keys above it",
    )


# --------------------------------------------------------------------------------------------
# ${NAME} substitution
# --------------------------------------------------------------------------------------------

_ENV_REF = re.compile(r"\$\$|\$\{(?P<body>[^}$]*)(?P<close>\}?)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_HINT = "write `${NAME}`, or `$$` for a literal `$`"

# A fault in a ${NAME} reference: where (the value), what is written there and how many times
# before it in the value (to find it in the source), the message.
EnvProblem = tuple[Loc, str, int, str]


def _substitute(data: Any, loc: Loc, env: Mapping[str, str], problems: list[EnvProblem]) -> Any:
    """Replace ``${NAME}`` in every string value (``$$`` is a literal ``$``).

    An unset variable, a ``${`` without its ``}`` and a ``${...}`` that is not a name are
    each noted in ``problems`` (the value is left as it is).
    """
    if isinstance(data, dict):
        return {k: _substitute(v, (*loc, k), env, problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, (*loc, i), env, problems) for i, v in enumerate(data)]
    if not isinstance(data, str) or "$" not in data:
        return data

    def note(written: str, message: str, match: re.Match[str]) -> None:
        problems.append((loc, written, data.count(written, 0, match.start()), message))

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        body = match.group("body")
        if not match.group("close"):
            written = "${" + re.sub(r"[^A-Za-z0-9_].*", "", body, flags=re.DOTALL)
            note(written, f"`{written}` has no closing `}}`; {_ENV_HINT}", match)
        elif not _ENV_NAME.fullmatch(body):
            written = "${" + body + "}"
            shown = "${…}" if loc[:1] == ("outputs",) else written  # may be part of a secret
            why = (
                "defaults like `:-` are not supported"
                if ":" in body
                else "letters, digits and `_`, not starting with a digit"
            )
            note(written, f"`{shown}`: not a variable name ({why}); `$$` is a literal `$`", match)
        elif body not in env:
            note(match.group(0), f"${{{body}}} is not set in the environment", match)
        else:
            return env[body]
        return match.group(0)

    return _ENV_REF.sub(replace, data)


def _env_problem_position(
    doc: _Doc, lines: list[str], loc: Loc, written: str, skip: int = 0
) -> Pos | None:
    """Where ``written`` (``${NAME}``, ``${HOST``) is: its occurrence number ``skip`` (from 0)
    in the source from the value's position on; the value's position if it is not found."""
    start = doc.values.get(loc)
    if start is None:
        return None
    for i in range(start[0], len(lines)):
        col = lines[i].find(written, start[1] if i == start[0] else 0)
        while col >= 0:
            if skip == 0:
                return i, col
            skip -= 1
            col = lines[i].find(written, col + 1)
    return start


# --------------------------------------------------------------------------------------------
# Pydantic errors -> Problems
# --------------------------------------------------------------------------------------------


def _walk(data: Any, loc: Iterable[Any]) -> Loc:
    """Follow ``loc`` through ``data``; the part found there (union tags and missing keys drop out)."""
    found: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            found.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            found.append(part)
    return tuple(found)


def _human_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


_UnionType = type(int | str)


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, _UnionType) and type(None) in get_args(tp):
            rest = [a for a in get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp
            tp = rest[0]
        else:
            return tp


def _step(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    if origin is list and isinstance(part, int):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    if origin in (Union, _UnionType):
        return next(
            (
                m
                for m in get_args(tp)
                if isinstance(m, type)
                and issubclass(m, _OutputBase)
                and get_args(m.model_fields["type"].annotation) == (part,)
            ),
            None,
        )
    return None


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model at pydantic location ``loc`` accepts."""
    tp: Any = Watchlist
    for part in loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    tp = _unwrap(tp)
    return list(tp.model_fields) if isinstance(tp, type) and issubclass(tp, BaseModel) else []


_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
}


def _type_name(value: Any) -> str:
    return "empty" if value is None else _TYPE_NAMES.get(type(value), type(value).__name__)


def _shown(value: Any, loc: Loc) -> str:
    """The offending value, if it is safe and short to show (never in outputs: secrets)."""
    if loc[:1] == ("outputs",) or isinstance(value, dict | list) or value is None:
        return ""
    text = repr(value)
    return f", got {text}" if len(text) <= 60 else ""


def _error_message(error: Mapping[str, Any], data_loc: Loc) -> str:
    kind, value, loc = error["type"], error.get("input"), tuple(error["loc"])
    if kind == "extra_forbidden":
        key = str(loc[-1])
        hint = _suggest(key, _known_keys(loc[:-1]))
        return (
            f"`{key}`: unknown key, did you mean `{hint}`?"
            if hint
            else (f"`{key}`: unknown key (known keys: {', '.join(_known_keys(loc[:-1]))})")
        )
    where = _human_loc(data_loc)
    if kind == "missing":
        return f"`{where}`: missing required key `{loc[-1]}`"
    if kind == "union_tag_invalid":
        return f"`{where}.type`: {_output_type_message(error)}"
    if kind == "union_tag_not_found":
        return f"`{where}`: {_output_type_message(error)}"
    if value is None and kind.endswith("_type"):
        return f"`{where}`: empty value; give a value or remove the key"
    return f"`{where}`: {_type_message(kind, error, value, data_loc)}"


def _output_type_message(error: Mapping[str, Any]) -> str:
    known = ", ".join(OUTPUT_TYPES)
    if error["type"] == "union_tag_not_found":
        return f"missing `type:` (one of: {known})"
    tag = str((error.get("ctx") or {}).get("tag", "?"))
    hint = _suggest(tag, OUTPUT_TYPES)
    did_you_mean = f", did you mean `{hint}`?" if hint else ""
    return f"unknown output type `{tag}`{did_you_mean} (known types: {known})"


def _type_message(kind: str, error: Mapping[str, Any], value: Any, data_loc: Loc) -> str:
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"should be a mapping of `key: value` lines, not {_type_name(value)}"
    if kind == "list_type":
        return f"should be a list (one `- ` item per line), not {_type_name(value)}"
    if kind == "value_error":
        return str(
            (error.get("ctx") or {}).get("error") or error["msg"].removeprefix("Value error, ")
        )
    if kind == "too_short":
        least = (error.get("ctx") or {}).get("min_length", 1)
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}"
    if kind == "string_type":
        return f"should be text, not {_type_name(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"should be a whole number{_shown(value, data_loc)}"
    if kind in ("float_type", "float_parsing"):
        return f"should be a number{_shown(value, data_loc)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"should be true or false{_shown(value, data_loc)}"
    msg = str(error["msg"]).removeprefix("Input ")
    return msg[:1].lower() + msg[1:] + _shown(value, data_loc)


def _position(doc: _Doc, data_loc: Loc, kind: str) -> Pos | None:
    """Where to point for an error at ``data_loc``."""
    if kind == "extra_forbidden" and data_loc in doc.keys:
        return doc.keys[data_loc]
    if kind in ("union_tag_invalid",) and (*data_loc, "type") in doc.values:
        return doc.values[(*data_loc, "type")]
    value = _value_at(doc.data, data_loc)
    if (value is None or isinstance(value, dict)) and data_loc in doc.keys:
        return doc.keys[data_loc]  # a section or an empty value: point at its key
    for n in range(len(data_loc), -1, -1):
        if data_loc[:n] in doc.values:
            return doc.values[data_loc[:n]]
    return None


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


# --------------------------------------------------------------------------------------------
# Checking and loading
# --------------------------------------------------------------------------------------------


_UTF8_BOM = b"\xef\xbb\xbf"


def _read(path: Path) -> tuple[str | None, Problem | None]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, Problem(
            str(path), None, None, f"no watchlist at {path}; create one or pass --watchlist"
        )
    except OSError as exc:
        return None, Problem(str(path), None, None, f"cannot read {path}: {exc.strerror or exc}")
    data = data.removeprefix(_UTF8_BOM)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, _not_utf8(str(path), data, exc)


def _not_utf8(name: str, data: bytes, exc: UnicodeDecodeError) -> Problem:
    """``file:line:column: not UTF-8 text: byte 0xFF ...`` at the first byte that is not UTF-8."""
    before = data[: exc.start]
    line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
    line = len(re.findall(rb"\r\n|\r|\n", before)) + 1
    column = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    byte = data[exc.start]
    return Problem(
        name,
        line,
        column,
        f"not UTF-8 text: byte 0x{byte:02X} cannot be read ({exc.reason}); save the file as UTF-8",
    )


def _problem(name: str, pos: Pos | None, message: str) -> Problem:
    if pos is None:
        return Problem(name, None, None, message)
    return Problem(name, pos[0] + 1, pos[1] + 1, message)


def _validate(
    doc: _Doc, data: dict[str, Any], base_dir: Path, name: str, skip: set[Loc]
) -> tuple[Watchlist | None, list[Problem]]:
    issues: list[tuple[Loc, str]] = []
    try:
        watchlist = Watchlist.model_validate(data, context={"base_dir": base_dir, "issues": issues})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            data_loc = _walk(data, error["loc"])
            if data_loc in skip:
                continue
            message = _error_message(error, data_loc)
            problems.append(_problem(name, _position(doc, data_loc, error["type"]), message))
        return None, problems
    problems = [
        _problem(name, _position(doc, _walk(data, loc), "issue"), f"`{_human_loc(loc)}`: {message}")
        for loc, message in issues
    ]
    return (None if problems else watchlist), problems


def check_watchlist(
    path: Path, *, env: Mapping[str, str] | None = None, text: str | None = None
) -> tuple[Watchlist | None, list[Problem]]:
    """Read and check a watchlist: (the Watchlist, []) or (None, problems).

    ``text`` is used instead of reading ``path``; ``env`` (default ``os.environ``) fills ``${NAME}``.
    """
    path = Path(path)
    name = str(path)
    if text is None:
        text, failure = _read(path)
        if failure is not None:
            return None, [failure]
    text = text.lstrip("\ufeff")
    try:
        doc = _load_yaml(text)
    except _SyntaxProblem as exc:
        return None, [Problem(name, exc.line, exc.column, exc.message)]
    if doc.data is None:
        doc.data = {}
    header = _top_level_header(text.splitlines()) if isinstance(doc.data, str) else None
    if header is not None:
        return None, [_problem(name, header[:2], header[2])]
    if not isinstance(doc.data, dict):
        message = (
            f"the top level must be a mapping of keys (topic:, feeds:, outputs:, ...), "
            f"not {_type_name(doc.data)}"
        )
        return None, [_problem(name, doc.values.get(()), message)]
    env_problems: list[EnvProblem] = []
    data = _substitute(doc.data, (), os.environ if env is None else env, env_problems)
    lines = text.splitlines()
    problems = [
        _problem(name, _env_problem_position(doc, lines, loc, written, before), message)
        for loc, written, before, message in env_problems
    ]
    absolute = path.expanduser().absolute()
    skip = {problem[0] for problem in env_problems}
    watchlist, more = _validate(doc, data, absolute.parent, name, skip)
    problems = sorted(problems + more, key=lambda p: (p.line or 0, p.column or 0))
    if problems:
        return None, problems
    assert watchlist is not None
    watchlist._path = absolute
    watchlist._text = text
    logger.debug(
        "watchlist %s is valid (%d feeds, %d outputs)",
        name,
        len(watchlist.feeds),
        len(watchlist.outputs),
    )
    return watchlist, []


def load_watchlist(path: Path, *, env: Mapping[str, str] | None = None) -> Watchlist:
    """Like :func:`check_watchlist`, but raise ``ConfigError(problems)`` if anything is wrong."""
    watchlist, problems = check_watchlist(path, env=env)
    if problems or watchlist is None:
        raise ConfigError(problems)
    return watchlist
