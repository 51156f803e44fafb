"""Reading and checking the watchlist file: every fault as a :class:`Problem` with its
``file:line:column``, so a team in a hurry can fix it quickly.

    check_watchlist(path, *, env=None, text=None) -> (Watchlist | None, [Problem])
    load_watchlist(path, *, env=None) -> Watchlist     raises ConfigError(problems)
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from bot.config.envsubst import env_problem_position, substitute_env
from bot.config.messages import type_name, validate_watchlist
from bot.config.schema import Watchlist
from bot.config.source import YamlSyntaxError, load_yaml, missing_colon_at_top, problem_at
from bot.errors import ConfigError, Problem

logger = logging.getLogger(__name__)

__all__ = ["check_watchlist", "load_watchlist"]

_UTF8_BOM = b"\xef\xbb\xbf"


def check_watchlist(
    path: Path, *, env: Mapping[str, str] | None = None, text: str | None = None
) -> tuple[Watchlist | None, list[Problem]]:
    """Read and check a watchlist: (the Watchlist, []) or (None, problems).

    ``text`` is used instead of reading ``path``; ``env`` (default ``os.environ``) fills ``${NAME}``.
    """
    path = Path(path)
    name = str(path)
    if text is None:
        read = _read(path)
        if isinstance(read, Problem):
            return None, [read]
        text = read
    text = text.lstrip("\ufeff")
    try:
        doc = load_yaml(text)
    except YamlSyntaxError as exc:
        return None, [Problem(name, exc.line, exc.column, exc.message)]
    if doc.data is None:
        doc.data = {}
    lines = text.splitlines()
    header = None
    if isinstance(doc.data, str):  # one piece of text: a first key without its ':'?
        header = missing_colon_at_top(lines, Watchlist.model_fields)
    if header is not None:
        return None, [problem_at(name, header[:2], header[2])]
    if not isinstance(doc.data, dict):
        message = (
            f"the top level must be a mapping of keys (topic:, feeds:, outputs:, ...), "
            f"not {type_name(doc.data)}"
        )
        return None, [problem_at(name, doc.values.get(()), message)]
    data, env_problems = substitute_env(doc.data, os.environ if env is None else env)
    problems = [
        problem_at(name, env_problem_position(doc, lines, problem), problem.message)
        for problem in env_problems
    ]
    absolute = path.expanduser().absolute()
    skip = {problem.loc for problem in env_problems}
    watchlist, more = validate_watchlist(doc, data, absolute.parent, name, skip)
    problems = sorted(problems + more, key=lambda p: (p.line or 0, p.column or 0))
    if problems:
        return None, problems
    assert watchlist is not None  # validate_watchlist gives one or the other
    watchlist.remember_source(absolute, text)
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


def _read(path: Path) -> str | Problem:
    """The file's text (without a UTF-8 byte order mark), or why it cannot be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Problem(
            str(path), None, None, f"no watchlist at {path}; create one or pass --watchlist"
        )
    except OSError as exc:
        return Problem(str(path), None, None, f"cannot read {path}: {exc.strerror or exc}")
    data = data.removeprefix(_UTF8_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(str(path), data, exc)


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
