"""Outputs on this machine: the console and a JSON-lines file."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.delivery.base import mark
from bot.delivery.formats import render_json, render_text
from bot.delivery.registry import OutputContext, register_output
from bot.errors import DeliveryError
from bot.models import Digest

log = logging.getLogger(__name__)


class ConsoleOutput:
    """Writes each digest as plain text followed by a blank line, and flushes."""

    type = "console"

    def __init__(self, stream: TextIO | None = None, *, key: str = "console") -> None:
        self.key = key
        self._stream = stream  # None: whatever sys.stdout is at send time

    async def send(self, digest: Digest) -> str | None:
        stream = self._stream if self._stream is not None else sys.stdout
        try:
            stream.write(render_text(digest) + "\n\n")
            stream.flush()
        except (OSError, ValueError) as exc:  # closed stream, broken pipe
            raise mark(
                DeliveryError(f"could not write to the console: {exc}"), retryable=True
            ) from exc
        log.debug("printed digest %s (%s) on %s", digest.id, digest.kind, self.key)
        return None

    async def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"ConsoleOutput(key={self.key!r})"


class JsonlOutput:
    """Appends one JSON line per digest to a file, creating its folder; fsyncs each line.

    If the file ends in a partial line (a crash in the middle of a write), a newline goes
    first so the new record stays readable on its own line.
    """

    type = "jsonl"

    def __init__(self, path: str | os.PathLike[str], *, key: str = "jsonl") -> None:
        self.key = key
        self.path = Path(path)
        self._lock = asyncio.Lock()

    async def send(self, digest: Digest) -> str | None:
        line = json.dumps(render_json(digest), ensure_ascii=False, default=str) + "\n"
        async with self._lock:
            try:
                await asyncio.to_thread(self._append, line.encode("utf-8"))
            except OSError as exc:
                raise mark(
                    DeliveryError(f"could not append to {self.path}: {exc.strerror or exc}"),
                    retryable=True,
                ) from exc
        log.debug("appended digest %s (%s) to %s", digest.id, digest.kind, self.path)
        return None

    def _append(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size:
                handle.seek(size - 1)
                if handle.read(1) != b"\n":
                    data = b"\n" + data
                handle.seek(0, os.SEEK_END)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    async def close(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"JsonlOutput(key={self.key!r}, path={str(self.path)!r})"


@register_output("console")
def _console(spec: Any, context: OutputContext) -> ConsoleOutput:
    return ConsoleOutput(context.console_stream, key=spec.key)


@register_output("jsonl")
def _jsonl(spec: Any, context: OutputContext) -> JsonlOutput:
    return JsonlOutput(context.resolve(spec.path), key=spec.key)
