"""The watchlist as a whole: :class:`Watchlist`, the effective configuration.

Build one with :func:`bot.config.check_watchlist` or :func:`bot.config.load_watchlist`, which
also remember the file it came from. Its sections are in :mod:`bot.config.sections`, its outputs
in :mod:`bot.config.outputs`; what needs the whole file is checked here (duplicate feed and
output names, local feed URLs without ``allow_local: true``), and each output gets its key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationInfo, model_validator

from bot.addresses import local_url_reason
from bot.config.fields import StrictModel, resolve_path
from bot.config.outputs import AnyOutputSpec, ConsoleOutput
from bot.config.sections import (
    CommandsConfig,
    DigestConfig,
    Feed,
    HealthConfig,
    PollConfig,
    StatusConfig,
    TopicConfig,
    TopicEntry,
    topic_slug,
)
from bot.config.units import format_duration, format_size
from bot.redact import redact_url

__all__ = ["Watchlist", "WatchlistIssue"]

# A fault found across the whole file: where (a pydantic location) and the message.
WatchlistIssue = tuple[tuple[Any, ...], str]


def _console_only() -> list[AnyOutputSpec]:
    """The outputs when ``outputs:`` is left out: print to the console."""
    return [ConsoleOutput()]


class Watchlist(StrictModel):
    """The effective watchlist. Build it with :func:`check_watchlist` / :func:`load_watchlist`."""

    topic: TopicConfig = Field(default_factory=TopicConfig)
    # ``topics:`` (several topics) instead of ``topic:``; after checking, it holds every topic
    # in either case (a lone ``topic:`` is one entry) and ``topic`` is the first of them.
    topics: list[TopicEntry] = Field(default_factory=list)
    seeds: str = Field(default="seeds", min_length=1)
    poll: PollConfig = Field(default_factory=PollConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    status: StatusConfig = Field(default_factory=StatusConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    allow_local: bool = False
    feeds: list[Feed] = Field(default_factory=list)
    outputs: list[AnyOutputSpec] = Field(default_factory=_console_only)

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
        """Issues go to ``context["issues"]`` (a list) when given, else raise together."""
        issues = list(self._issues())
        self._fill_topics()
        self._assign_output_keys()
        collect = (info.context or {}).get("issues")
        if isinstance(collect, list):
            collect.extend(issues)
        elif issues:
            raise ValueError("; ".join(message for _, message in issues))
        return self

    def _issues(self) -> Iterator[WatchlistIssue]:
        yield from self._topic_issues()
        yield from self._feed_issues()
        yield from self._output_issues()

    def _topic_issues(self) -> Iterator[WatchlistIssue]:
        if "topics" not in self.model_fields_set:
            yield from self._lookalike_issues(self.topic, ("topic",))
            return
        if "topic" in self.model_fields_set:
            yield (
                ("topics",),
                "both `topic:` and `topics:`; keep one (write a single topic as one entry of "
                "`topics:`)",
            )
        if not self.topics:
            yield ("topics",), "no topics; add one, or remove `topics:` for the default topic"
        seen: dict[str, int] = {}
        for i, entry in enumerate(self.topics):
            first = seen.setdefault(entry.id, i)
            if first != i:
                yield (
                    ("topics", i, "id"),
                    f"duplicate topic id `{entry.id}` (topics[{first}] has it too)",
                )
            yield from self._lookalike_issues(entry, ("topics", i))

    @staticmethod
    def _lookalike_issues(
        topic: TopicConfig, where: tuple[Any, ...]
    ) -> Iterator[WatchlistIssue]:
        written = "lookalikes" in topic.model_fields_set
        for lookalike, i, party in topic.party_lookalike_clashes():
            name = topic.lookalikes[lookalike][i]
            if written:
                yield (
                    (*where, "lookalikes", lookalike, i),
                    f"look-alike `{lookalike}` lists `{name}`, a name of the party `{party}`: "
                    "every sentence naming that party would be read as about the other treaty",
                )
            else:
                yield (
                    (*where, "parties", party),
                    f"the default look-alike `{lookalike}` lists `{name}`, a name of the party "
                    f"`{party}`: set `lookalikes:` for this topic (the other treaties that "
                    "share its words)",
                )

    def _fill_topics(self) -> None:
        """``topics`` holds every topic and ``topic`` is the first (the model is frozen, so
        through ``__dict__``; ``model_fields_set`` still says what was written)."""
        if "topics" in self.model_fields_set:
            if self.topics:
                self.__dict__["topic"] = self.topics[0]
            return
        written = "topic" in self.model_fields_set
        topic_id = topic_slug(self.topic.name) if written else "default"
        data = self.topic.model_dump()
        entry = TopicEntry.model_validate({**data, "id": topic_id})
        self.__dict__["topics"] = [entry]

    def _feed_issues(self) -> Iterator[WatchlistIssue]:
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

    def _output_issues(self) -> Iterator[WatchlistIssue]:
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
                output.assign_key(output.name)
                continue
            counts[output.type] = counts.get(output.type, 0) + 1
            n = counts[output.type]
            key = output.type if n == 1 else f"{output.type}#{n}"
            while key in taken:
                n += 1
                key = f"{output.type}#{n}"
            taken.add(key)
            output.assign_key(key)

    def remember_source(self, path: Path, text: str) -> None:
        """Note the file (absolute) and the text this watchlist was checked from."""
        self._path = path
        self._text = text

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
        return resolve_path(self.seeds, self.base_dir)

    def resolve(self, value: str | Path) -> Path:
        """An absolute path for ``value``, relative to the watchlist's folder."""
        return resolve_path(value, self.base_dir)

    # -- derived values ----------------------------------------------------------------------

    def topic_entry(self, topic_id: str | None = None) -> TopicEntry | None:
        """The topic with id ``topic_id``; the first topic when None; None if no such id."""
        if topic_id is None:
            return self.topics[0] if self.topics else None
        return next((t for t in self.topics if t.id == topic_id), None)

    def topic_seeds_dir(self, entry: TopicEntry) -> Path:
        """The seeds folder of a topic: its own ``seeds:``, else the watchlist's."""
        return resolve_path(entry.seeds, self.base_dir) if entry.seeds else self.seeds_dir

    def feed(self, name: str) -> Feed | None:
        return next((f for f in self.feeds if f.name == name), None)

    def feed_interval(self, feed: Feed | str) -> float:
        """Seconds between polls of ``feed`` (a Feed or a feed name)."""
        found = self.feed(feed) if isinstance(feed, str) else feed
        if found is not None and found.interval is not None:
            return found.interval
        return self.poll.interval

    def output(self, key: str) -> AnyOutputSpec | None:
        return next((o for o in self.outputs if o.key == key), None)

    def fingerprint(self) -> str:
        """A stable hash (hex sha256) of the effective configuration."""
        # ``topics`` filled in from a lone ``topic:`` is no change: old fingerprints hold
        data = self.model_dump(mode="json", exclude=None if self._several_written() else {"topics"})
        data["seeds"] = str(self.seeds_dir)
        data["outputs"] = [
            {**o, "key": out.key} for o, out in zip(data["outputs"], self.outputs, strict=True)
        ]
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _several_written(self) -> bool:
        return "topics" in self.model_fields_set

    def summary(self) -> str:
        """A one-screen description for humans; secrets are masked."""
        lines = [
            f"Watchlist: {self.path or '(in memory)'}",
            f"Topic: {self.topic.name}",
            f"  parties: {', '.join(self.topic.parties)}; "
            f"{len(self.topic.keywords)} keywords, {len(self.topic.aliases)} extra names",
            f"Seeds: {self.seeds_dir}",
        ]
        if self._several_written():
            lines.insert(1, f"Topics ({len(self.topics)}): " + ", ".join(
                f"{t.id} ({t.name})" for t in self.topics))
        lines += [
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
