"""Outputs register themselves by type; the app builds them from the watchlist's ``outputs``.

    @register_output("jsonl")
    def _jsonl(spec, context):
        return JsonlOutput(context.resolve(spec.path), key=spec.key)

A factory returns the :class:`~bot.delivery.base.Output` for one watchlist entry, or raises
:class:`OutputUnavailable` with the reason (its digests stay in the outbox). Outputs that need
something only a higher layer has (the Discord client) find it in ``context.connectors``, which
the command line fills in; so the core never imports an interface.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot.delivery.base import Output

log = logging.getLogger(__name__)


class OutputUnavailable(Exception):
    """This output cannot be built here and now; the message says why (and what to do)."""


@dataclass(frozen=True)
class OutputContext:
    """What a factory may use: the shared HTTP session (made on first use), the console
    stream, the watchlist-relative path resolver and the connectors (e.g. the Discord client)."""

    session: Callable[[], aiohttp.ClientSession]
    resolve: Callable[[str | Path], Path]
    console_stream: TextIO | None = None
    connectors: Mapping[str, Any] = field(default_factory=dict)


OutputFactory = Callable[[Any, OutputContext], Output]

_FACTORIES: dict[str, OutputFactory] = {}


def register_output(type_name: str) -> Callable[[OutputFactory], OutputFactory]:
    """Register the factory for the watchlist's output ``type: type_name``."""

    def register(factory: OutputFactory) -> OutputFactory:
        _FACTORIES[type_name] = factory
        return factory

    return register


def registered_types() -> list[str]:
    return sorted(_FACTORIES)


def build_outputs(specs: Iterable[Any],
                  context: OutputContext) -> tuple[dict[str, Output], dict[str, str]]:
    """The outputs of the watchlist's ``outputs`` entries (``spec.key``, ``spec.type``), and
    for those that cannot be built, the reason by key."""
    outputs: dict[str, Output] = {}
    unavailable: dict[str, str] = {}
    for spec in specs:
        factory = _FACTORIES.get(spec.type)
        if factory is None:
            unavailable[spec.key] = (f"the {spec.type} output is not available in this version; "
                                     "digests for it are kept in the outbox")
            continue
        try:
            outputs[spec.key] = factory(spec, context)
        except OutputUnavailable as exc:
            unavailable[spec.key] = str(exc)
    return outputs, unavailable
