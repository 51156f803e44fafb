"""Reading the watchlist's YAML: plain data plus where each key and value sits in the file.

A YAML syntax error becomes a :class:`YamlSyntaxError` that says in plain words what is wrong
and where (a missing ``:``, a tab in the indentation, an unclosed quote or bracket, a duplicate
key ...), so that it can be shown as ``file:line:column: message``.

    load_yaml(text) -> YamlDocument                  raises YamlSyntaxError
    missing_colon_at_top(lines, section_names) -> (line, column, message) | None
    problem_at(file_name, pos, message) -> Problem   from a 0-based position
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.reader import ReaderError

from bot.errors import Problem

__all__ = [
    "Loc",
    "Pos",
    "YamlDocument",
    "YamlSyntaxError",
    "load_yaml",
    "missing_colon_at_top",
    "problem_at",
]

Loc = tuple[Any, ...]  # keys and list indexes from the top: ("feeds", 0, "url")
Pos = tuple[int, int]  # 0-based line, column


@dataclass
class YamlDocument:
    """Plain data plus where each key and value sits in the file."""

    data: Any
    keys: dict[Loc, Pos]
    values: dict[Loc, Pos]
    budget: int = 100_000  # values left to copy: stops "billion laughs" alias bombs


class YamlSyntaxError(Exception):
    """The text is not YAML; ``line`` and ``column`` are 1-based (or None if unknown)."""

    def __init__(self, line: int | None, column: int | None, message: str) -> None:
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


def problem_at(file_name: str, pos: Pos | None, message: str) -> Problem:
    """A Problem at the 0-based ``pos`` (shown 1-based), or for the whole file."""
    if pos is None:
        return Problem(file_name, None, None, message)
    return Problem(file_name, pos[0] + 1, pos[1] + 1, message)


def load_yaml(text: str) -> YamlDocument:
    """Parse ``text``; raise :class:`YamlSyntaxError` if it is not YAML."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except ReaderError as exc:
        raise _explain_reader_error(exc, text) from None
    except YAMLError as exc:
        raise _explain_yaml_error(exc, text.splitlines()) from None
    doc = YamlDocument(data=None, keys={}, values={})
    doc.values[()] = (getattr(node, "lc", None) and (node.lc.line, node.lc.col)) or (0, 0)
    doc.data = _plain(node, (), doc)
    return doc


def _plain(node: Any, loc: Loc, doc: YamlDocument) -> Any:
    """Copy ruamel's round-trip nodes into plain dicts, lists and scalars, noting positions."""
    doc.budget -= 1
    if doc.budget < 0:
        raise YamlSyntaxError(
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


# --------------------------------------------------------------------------------------------
# Syntax errors in plain words
# --------------------------------------------------------------------------------------------


def _mark(mark: Any) -> Pos | None:
    return (mark.line, mark.column) if mark is not None else None


_YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_and_column(text: str, index: int) -> Pos:
    """The 0-based line and column of ``text[index]``, counting line breaks as YAML does."""
    line, start = 0, 0
    for match in _YAML_LINE_BREAK.finditer(text, 0, index):
        line, start = line + 1, match.end()
    return line, index - start


def _explain_reader_error(exc: ReaderError, text: str) -> YamlSyntaxError:
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
        return YamlSyntaxError(None, None, f"{what} is not allowed in YAML; delete it")
    line, col = _line_and_column(text, index)
    return YamlSyntaxError(line + 1, col + 1, f"{what} is not allowed in YAML; delete it")


def _explain_yaml_error(exc: YAMLError, lines: list[str]) -> YamlSyntaxError:
    problem = str(getattr(exc, "problem", None) or exc).strip()
    context = str(getattr(exc, "context", None) or "")
    where = _mark(getattr(exc, "problem_mark", None)) or (None, None)
    ctx_where = _mark(getattr(exc, "context_mark", None))
    tab = _tab_before(lines, where[0])
    if tab is not None:
        return YamlSyntaxError(
            tab[0] + 1, tab[1] + 1, "tab character in indentation; indent with spaces"
        )
    line, col, message = _describe_syntax(problem, context, where, ctx_where, lines)
    return YamlSyntaxError(
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


def missing_colon_at_top(
    lines: list[str], section_names: Collection[str]
) -> tuple[int, int, str] | None:
    """A file read as one piece of text because its first key has no ':' (``outputs`` above
    ``  - console``, or one of ``section_names`` alone): its 0-based line, column, message."""
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
    if not below and word.lower() not in section_names:
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
