"""``${NAME}`` in the watchlist's values: filled in from the environment (``$$`` is ``$``).

Secrets such as webhook URLs stay out of the file this way. A fault (an unset variable, a ``${``
without its ``}``, a ``${...}`` that is not a name) is noted with enough to find it in the file.

    substitute_env(data, env) -> (data, [EnvProblem])
    env_problem_position(doc, lines, problem) -> 0-based (line, column) | None
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from bot.config.source import Loc, Pos, YamlDocument

__all__ = ["EnvProblem", "env_problem_position", "substitute_env"]

_ENV_REF = re.compile(r"\$\$|\$\{(?P<body>[^}$]*)(?P<close>\}?)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ENV_HINT = "write `${NAME}`, or `$$` for a literal `$`"


class EnvProblem(NamedTuple):
    """A fault in a ``${NAME}`` reference."""

    loc: Loc  # the value that holds it
    written: str  # what is written there: ``${NAME}``, ``${HOST``
    before: int  # how many times ``written`` occurs before it in the value
    message: str


def substitute_env(data: Any, env: Mapping[str, str]) -> tuple[Any, list[EnvProblem]]:
    """``data`` with ``${NAME}`` replaced in every string value (``$$`` is a literal ``$``).

    A faulty reference is left as it is and noted in the problems.
    """
    problems: list[EnvProblem] = []
    return _substitute(data, (), env, problems), problems


def _substitute(data: Any, loc: Loc, env: Mapping[str, str], problems: list[EnvProblem]) -> Any:
    if isinstance(data, dict):
        return {k: _substitute(v, (*loc, k), env, problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, (*loc, i), env, problems) for i, v in enumerate(data)]
    if not isinstance(data, str) or "$" not in data:
        return data

    def note(written: str, message: str, match: re.Match[str]) -> None:
        problems.append(EnvProblem(loc, written, data.count(written, 0, match.start()), message))

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


def env_problem_position(doc: YamlDocument, lines: list[str], problem: EnvProblem) -> Pos | None:
    """Where the faulty reference is: the ``problem.before``-th (from 0) occurrence of what is
    written, from the value's position on; the value's position if it is not found."""
    start = doc.values.get(problem.loc)
    if start is None:
        return None
    skip = problem.before
    for i in range(start[0], len(lines)):
        col = lines[i].find(problem.written, start[1] if i == start[0] else 0)
        while col >= 0:
            if skip == 0:
                return i, col
            skip -= 1
            col = lines[i].find(problem.written, col + 1)
    return start
