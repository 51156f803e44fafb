"""HTML fragments to plain text, two ways, for untrusted feed text.

    html_to_text(value)           one line: for feed fields (titles, summaries). Every tag goes,
                                  block tags leave a space, script/style/svg ... go with their
                                  content (an unclosed one runs to the end), entities are
                                  unescaped, escaped markup is stripped too, ``javascript:`` is
                                  broken, whitespace collapses to single spaces.
    strip_html_keep_lines(text)   line breaks and spacing kept: for chat messages. Only complete
                                  tags go (``<https://…>``, ``<@123>``, ``a < b`` stay), closed
                                  script/style blocks with their content, comments and
                                  declarations; entities are decoded; repeated until nothing
                                  changes, so split tricks like ``<scr<b>ipt>`` do not survive.

Pure functions, no I/O. ``html_to_text`` stays linear in time on hostile input.
"""

from __future__ import annotations

import html
import re

_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head"}
)
_BLOCK_TAGS = frozenset(
    {
        "br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "table", "h1", "h2", "h3", "h4",
        "h5", "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer", "dd",
        "dt", "figcaption",
    }
)  # fmt: skip
_TAG_LIKE = re.compile(r"<\s*/?\s*[a-zA-Z!?]")
_SCRIPT_LIKE = re.compile(r"<\s*/?\s*script", re.IGNORECASE)
_SCRIPT_SCHEME = re.compile(r"(java|vb)script\s*:", re.IGNORECASE)
# C0 controls (not tab and line breaks), DEL, zero-width space and BOM
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff]")


# One token at a time, each match consuming all it scans, so stripping stays linear even on
# hostile input (html.parser goes quadratic on thousands of unclosed "<a " tags).
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"  # comment; an unclosed one runs to the end
    r"|<!\[CDATA\[(?P<cdata>.*?)(?:\]\]>|\Z)"  # CDATA section: keep its text
    r"|<(?P<close>/)?(?P<tag>[a-zA-Z][^\s/>]*)(?P<rest>[^>]*)(?:>|\Z)"  # start or end tag
    r"|<[!?/][^>]*(?:>|\Z)"  # doctype, processing instruction, bogus comment
    r"|(?P<text>[^<]+|<)",  # text, or a "<" that opens nothing (one token each)
    re.DOTALL,
)
_SKIP_END = {tag: re.compile(f"</{tag}", re.IGNORECASE) for tag in _SKIP_TAGS}


def _strip_tags_once(value: str) -> str:
    """Text of an HTML fragment: tags dropped, script/style (and the like) with their content."""
    parts: list[str] = []
    pos, size = 0, len(value)
    while pos < size:
        match = _TOKEN.match(value, pos)
        if match is None:  # cannot happen: the last alternative matches any character
            break
        pos = match.end()
        if match.group("text") is not None:
            parts.append(html.unescape(match.group("text")))
        elif match.group("cdata") is not None:
            parts.append(match.group("cdata"))
        elif match.group("tag") is not None:
            tag = match.group("tag").lower()
            if tag in _BLOCK_TAGS:
                parts.append(" ")
            opens_skip = not match.group("close") and not match.group("rest").endswith("/")
            if tag in _SKIP_TAGS and opens_skip:
                found = _SKIP_END[tag].search(value, pos)
                pos = size if found is None else found.start()
    return "".join(parts)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: tags and script/style content gone, entities unescaped,
    whitespace collapsed. Markup that was escaped (``&lt;b&gt;``) is stripped as well."""
    if not value:
        return ""
    text = str(value)
    if "<" not in text and "&" not in text:  # plain text already: nothing to strip or unescape
        text = _SCRIPT_SCHEME.sub(lambda m: m.group(1) + "script ", text)
        return " ".join(_INVISIBLE.sub("", text).split())
    for _ in range(3):  # escaped markup becomes markup once unescaped: strip it again
        text = _strip_tags_once(text)
        if not _TAG_LIKE.search(text):
            break
    text = _SCRIPT_LIKE.sub(" ", text)
    text = _SCRIPT_SCHEME.sub(lambda m: m.group(1) + "script ", text)
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


# -- keeping the lines ------------------------------------------------------------------------

# C0 and C1 controls (not tab and line breaks) and DEL
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->|<!--|-->", re.DOTALL)
_DECLARATION = re.compile(r"<!(?:doctype|\[cdata\[)[^>]*>", re.IGNORECASE)
# A tag: "<" + optional "/" + a name + attributes; not "<https://…>", "<@123>", "<#1>", "a < b".
_COMPLETE_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_MAX_PASSES = 10


def strip_html_keep_lines(text: str | None) -> str:
    """Plain text from text that may contain HTML: entities decoded, tags removed, control
    characters dropped, line breaks (CR LF and CR become LF) and spacing kept.

    Repeats until nothing changes, so split tricks like ``<scr<b>ipt>`` do not survive.
    """
    if not text:
        return ""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    for _ in range(_MAX_PASSES):
        before = text
        text = html.unescape(text)
        text = _SCRIPT_STYLE.sub("", text)
        text = _COMMENT.sub("", text)
        text = _DECLARATION.sub("", text)
        text = _COMPLETE_TAG.sub("", text)
        if text == before:
            break
    return _CONTROL.sub("", text)
