"""Where the feeds are in the watchlist's text, and that text with one feed more or less.

ruamel.yaml's composer tells where the ``feeds:`` list and each of its items start and end;
only those lines change. Comments, blank lines, quoting, the order of keys and every other key
stay byte for byte. A list laid out in a way this cannot edit safely (anchors, aliases, merge
keys, a flow-style top level ...) raises :class:`UnusualLayout`.

    layout = FeedsLayout.of(text)
    layout.added(text, {"name": ..., "url": ...}, newline) -> text
    layout.removed(text, index) -> text
    newline_of(text) -> "\n" or "\r\n"
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["FeedsLayout", "ItemSpan", "UnusualLayout", "newline_of", "scalar_value"]

_NULLS = ("", "~", "null", "Null", "NULL")


class UnusualLayout(Exception):
    """The feeds list is laid out in a way we do not edit."""


@dataclass
class ItemSpan:
    """One item of the feeds list: where it is in the text, and its node."""

    start: int  # block: the item's "-"; flow: the item itself
    end: int  # just after its last character
    node: Node


@dataclass
class FeedsLayout:
    """The ``feeds:`` key, its value and its items, as found in the text."""

    key: ScalarNode | None  # the `feeds` key, None when there is none
    value: Node | None
    items: list[ItemSpan]

    @property
    def flow(self) -> bool:
        return isinstance(self.value, SequenceNode) and bool(self.value.flow_style)

    @classmethod
    def of(cls, text: str) -> FeedsLayout:
        root = YAML(typ="rt").compose(text)
        if root is None:
            return cls(None, None, [])
        if not isinstance(root, MappingNode) or root.flow_style:
            raise UnusualLayout
        for key, value in root.value:
            if isinstance(key, ScalarNode) and key.value == "feeds":
                return cls(key, value, _items(text, value))
        return cls(None, None, [])

    # -- adding ---------------------------------------------------------------------------

    def added(self, text: str, fields: Mapping[str, str], newline: str) -> str:
        if self.flow and self.items:
            flow = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
            at = self.items[-1].end
            return text[:at] + ", {" + flow + "}" + text[at:]
        if self.items:
            dash, key = self._columns(text)
            at = _line_end(text, self.items[-1].end)
            lines = _block_item(fields, dash, key, newline)
            if not text[:at].endswith("\n"):  # the last line, without a line break: keep it so
                lines = newline + lines[: -len(newline)]
            return text[:at] + lines + text[at:]
        if self.key is None:  # no `feeds:` at all: add it at the end
            lines = _block_item(fields, 2, 4, newline)
            prefix = "" if not text or text.endswith("\n") else newline
            return text + prefix + "feeds:" + newline + lines
        # `feeds:`, `feeds: ~` or `feeds: []`: drop the empty value, list the item below
        colon = self._colon(text)
        cut = colon + 1
        if self.value is not None and not (isinstance(self.value, ScalarNode)
                                           and self.value.value == ""):
            cut = self.value.end_mark.index
        text = text[: colon + 1] + text[cut:]
        at = _line_end(text, colon)
        dash = self.key.start_mark.column + 2
        prefix = "" if text[:at].endswith("\n") else newline
        return text[:at] + prefix + _block_item(fields, dash, dash + 2, newline) + text[at:]

    def _columns(self, text: str) -> tuple[int, int]:
        """The columns of the items' "-" and of their keys, from the first block mapping."""
        for item in self.items:
            node = item.node
            if isinstance(node, MappingNode) and not node.flow_style:
                return item.start - _line_start(text, item.start), node.start_mark.column
        dash = self.items[0].start - _line_start(text, self.items[0].start)
        return dash, dash + 2

    def _colon(self, text: str) -> int:
        assert self.key is not None
        colon = text.find(":", self.key.end_mark.index)
        if colon < 0 or text[self.key.end_mark.index:colon].strip():
            raise UnusualLayout
        return colon

    # -- removing -------------------------------------------------------------------------

    def removed(self, text: str, index: int) -> str:
        item = self.items[index]
        if self.flow:
            if len(self.items) == 1:  # and its trailing comma, if any: `[\n  {...},\n]`
                after = len(text) - len(text[item.end:].lstrip())
                end = after + 1 if text[after:after + 1] == "," else item.end
                return text[: item.start] + text[end:]
            if index > 0:
                return text[: self.items[index - 1].end] + text[item.end:]
            return text[: item.start] + text[self.items[1].start:]
        start, end = _line_start(text, item.start), _line_end(text, item.end)
        if end == len(text) and not text.endswith("\n") and start > 0:
            start -= 2 if text[start - 2:start] == "\r\n" else 1  # the last line: no break after
        text = text[:start] + text[end:]
        if len(self.items) == 1:  # the list is now empty: say so, as `feeds: []`
            colon = self._colon(text)
            text = text[: colon + 1] + " []" + text[colon + 1:]
        return text


def _items(text: str, value: Node) -> list[ItemSpan]:
    if not isinstance(value, SequenceNode):
        if isinstance(value, ScalarNode) and value.value in _NULLS:
            return []
        raise UnusualLayout
    items = []
    for node in value.value:
        if value.flow_style:
            items.append(ItemSpan(node.start_mark.index, node.end_mark.index, node))
            continue
        dash = node.start_mark.index - 1
        while dash >= 0 and text[dash] in " \t\r\n":
            dash -= 1
        if dash < 0 or text[dash] != "-" or text[_line_start(text, dash):dash].strip():
            raise UnusualLayout
        end = len(text[: _content_end(node)].rstrip())
        rest = text[end:_line_end(text, end)].strip()
        if rest and not rest.startswith("#"):
            raise UnusualLayout
        items.append(ItemSpan(dash, end, node))
    for before, after in zip(items, items[1:], strict=False):
        if not before.start < before.end <= after.start:
            raise UnusualLayout  # an alias pointing elsewhere, or worse
    return items


def _content_end(node: Node) -> int:
    """Just after the last character that belongs to ``node`` (its trailing comments excluded)."""
    if isinstance(node, MappingNode) and not node.flow_style:
        return max((_content_end(n) for pair in node.value for n in pair),
                   default=node.start_mark.index)
    if isinstance(node, SequenceNode) and not node.flow_style:
        return max((_content_end(n) for n in node.value), default=node.start_mark.index)
    return node.end_mark.index


def scalar_value(node: Node, key: str) -> str | None:
    """The text written for ``key`` in a mapping node (``${NAME}`` kept), or None."""
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
            return str(v.value)
    return None


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Just after the line break of the line holding ``index`` (or the end of the text)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _block_item(fields: Mapping[str, str], dash: int, key: int, newline: str) -> str:
    """``  - name: TASS\\n    url: https://...\\n``, each value quoted only if YAML needs it."""
    lines = []
    for i, (name, value) in enumerate(fields.items()):
        indent = " " * dash + "-" + " " * (key - dash - 1) if i == 0 else " " * key
        lines.append(f"{indent}{name}: {_yaml_scalar(value)}")
    return newline.join(lines) + newline


def _yaml_scalar(value: str) -> str:
    """``value`` as ruamel.yaml writes it in a block mapping (plain, or quoted if it must be)."""
    yaml = YAML(typ="rt")
    yaml.width = 1_000_000  # never fold a long URL
    buffer = io.StringIO()
    yaml.dump({"k": value}, buffer)
    written = buffer.getvalue().removeprefix("k: ").rstrip("\n")
    if "\n" in written or buffer.getvalue()[:3] != "k: ":
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string too
    return written


def newline_of(text: str) -> str:
    """The file's line break: CRLF if most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf >= text.count("\n") - crlf else "\n"
