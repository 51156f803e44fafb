"""Checking the watchlist's data against its models, each fault as a :class:`Problem`.

Pydantic's errors are turned into plain words (``did you mean `interval`?``, ``should be a
whole number``) and pointed at the key or value in the file. Values under ``outputs:`` are never
shown: webhook URLs are secrets.

    validate_watchlist(doc, data, base_dir, file_name, skip) -> (Watchlist | None, [Problem])
    type_name(value) -> str       "a mapping", "a list", "text", "empty" ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from bot.config.outputs import OUTPUT_TYPES, OutputSpec
from bot.config.schema import Watchlist, WatchlistIssue
from bot.config.source import Loc, Pos, YamlDocument, problem_at
from bot.config.suggest import closest_match
from bot.errors import Problem

__all__ = ["type_name", "validate_watchlist"]


def validate_watchlist(
    doc: YamlDocument, data: dict[str, Any], base_dir: Path, file_name: str, skip: set[Loc]
) -> tuple[Watchlist | None, list[Problem]]:
    """``data`` (read from ``doc``, ``${NAME}`` filled in) as a Watchlist, or its problems.

    Errors at a location in ``skip`` are left out (already reported, e.g. an unset variable);
    relative paths are relative to ``base_dir``.
    """
    issues: list[WatchlistIssue] = []
    try:
        watchlist = Watchlist.model_validate(data, context={"base_dir": base_dir, "issues": issues})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            data_loc = _walk(data, error["loc"])
            if data_loc in skip:
                continue
            message = _error_message(error, data_loc)
            problems.append(problem_at(file_name, _position(doc, data_loc, error["type"]), message))
        return None, problems
    problems = [
        problem_at(
            file_name, _position(doc, _walk(data, loc), "issue"), f"`{_human_loc(loc)}`: {message}"
        )
        for loc, message in issues
    ]
    return (None if problems else watchlist), problems


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


# --------------------------------------------------------------------------------------------
# The keys a model accepts, for "did you mean"
# --------------------------------------------------------------------------------------------

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
                and issubclass(m, OutputSpec)
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


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------

_TYPE_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true/false",
}


def type_name(value: Any) -> str:
    """What ``value`` is, in the words of the messages (``a mapping``, ``empty`` ...)."""
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
        hint = closest_match(key, _known_keys(loc[:-1]))
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
    hint = closest_match(tag, OUTPUT_TYPES)
    did_you_mean = f", did you mean `{hint}`?" if hint else ""
    return f"unknown output type `{tag}`{did_you_mean} (known types: {known})"


def _type_message(kind: str, error: Mapping[str, Any], value: Any, data_loc: Loc) -> str:
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"should be a mapping of `key: value` lines, not {type_name(value)}"
    if kind == "list_type":
        return f"should be a list (one `- ` item per line), not {type_name(value)}"
    if kind == "value_error":
        return str(
            (error.get("ctx") or {}).get("error") or error["msg"].removeprefix("Value error, ")
        )
    if kind == "too_short":
        least = (error.get("ctx") or {}).get("min_length", 1)
        return f"needs at least {least} {'entry' if least == 1 else 'entries'}"
    if kind == "string_type":
        return f"should be text, not {type_name(value)}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"should be a whole number{_shown(value, data_loc)}"
    if kind in ("float_type", "float_parsing"):
        return f"should be a number{_shown(value, data_loc)}"
    if kind in ("bool_type", "bool_parsing"):
        return f"should be true or false{_shown(value, data_loc)}"
    msg = str(error["msg"]).removeprefix("Input ")
    return msg[:1].lower() + msg[1:] + _shown(value, data_loc)


def _position(doc: YamlDocument, data_loc: Loc, kind: str) -> Pos | None:
    """Where to point for an error at ``data_loc``."""
    if kind == "extra_forbidden" and data_loc in doc.keys:
        return doc.keys[data_loc]
    type_loc = (*data_loc, "type")
    if kind in ("union_tag_invalid",) and type_loc in doc.values:
        return doc.values[type_loc]
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
